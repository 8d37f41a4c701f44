/**
 * The names of the envs a run can train on, and of the state functions skills are judged on: plain
 * data (no sim import) shared by the run config (config.ts), the algorithm catalog (algos/catalog.ts)
 * and, through main/api, the renderer.
 */

/** The MuJoCo envs of skill discovery and plain SAC (sim/envs.ts). */
export const SKILL_ENVS = ['point-mass', 'ant', 'half-cheetah'] as const;
export type SkillEnvName = (typeof SKILL_ENVS)[number];
/**
 * Goal-conditioned envs (`goal-sac`): the arm and the point mass built from a task spec
 * (engine/tasks), and bit flipping (sim/bit_flip.ts).
 */
export const GOAL_ENVS = ['arm', 'point-mass', 'bit-flip'] as const;
/** Every env a run can name. */
export const ENVS = ['point-mass', 'ant', 'half-cheetah', 'arm', 'bit-flip'] as const;
export type EnvName = (typeof ENVS)[number];

/** Named state functions f(s) that skills are judged on (DADS paper §6.2: both algorithms get the same one). */
export const STATE_FUNCTIONS = ['xy', 'full-without-xy'] as const;
export type StateFunctionName = (typeof STATE_FUNCTIONS)[number];

/**
 * The arm's transfer tasks of Hausman et al. 2018 that have a pre-training task family
 * (sim/arm_skill_family.ts): a skill embedding pre-trains for one, an embedding controller transfers
 * to it.
 */
export const ARM_TRANSFER_TASKS = ['l-wall-push', 'spring-wall', 'rail-push'] as const;
export type ArmTransferTask = (typeof ARM_TRANSFER_TASKS)[number];
/** The built-in arm tasks with one block, whose goal is the block's (an embedding controller's tasks). */
export const ARM_BLOCK_TASKS = ['push', 'pick-and-place', 'slide', ...ARM_TRANSFER_TASKS] as const;

/**
 * Seconds per env step of the arm: 20 physics substeps of 2 ms (sim/arm_env.ts ARM_SUBSTEPS times the
 * compiled tasks' timestep; arm_env.test.ts checks the env against it). For views that play arm
 * rollouts without loading the env.
 */
export const ARM_STEP_DT = 0.04;
