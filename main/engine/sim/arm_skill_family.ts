/**
 * The arm's pre-training task families of Hausman et al. 2018 (§7.2): skills learned on these
 * tasks are what the embedding controller later composes for a transfer task (issue #11 §2).
 *
 * - For `l-wall-push` and `spring-wall`: push the block 0.1 m in +x, −x, +y or −y from where it
 *   starts, or lift it 0.1 m straight up ("block pushing in several directions and block lifting").
 *   The scene is the transfer task's table with its gripper start and block start region, without
 *   the walls (the walls and the spring are what transfer adds), the gripper free so lifting is
 *   possible. On the push tasks the env holds the fingers closed whatever the policy commands: open
 *   fingers let the block pass between them (a scripted push that closes them solves every push task;
 *   with them open none — arm_skill_family.test.ts), and the transfer tasks, pushes, block the
 *   gripper closed as Fetch's push does; so the push skills learn and act with closed fingers.
 * - For `rail-push`: lift the block from the table onto the rail (goal: on the rail's top above the
 *   block's start x), or push it along the rail to the table's centre (the block starts on the rail,
 *   x ∈ [0.12, 0.22] m). The scene is the transfer task's, rail included.
 *
 * A task's desired goal follows from the block's start s by per-axis rules (`s + offset` or an
 * absolute value), so the env stores s in every step's info (blockStartX/Y/Z) and the family's
 * reward stays a pure function of (task, achieved, info): any transition can be re-scored under any
 * task, as on the point mass. Rewards are the task compiler's terms (tasks/reward.ts): sparse −1 / 0
 * within 0.05 m, or dense −‖block − g‖ − 0.5·‖grip − block‖ (the `ee-object` term guides the hand to
 * the block first; without it an untrained policy rarely touches the block). Success: the block
 * within 0.05 m of g (Fetch's threshold, the transfer tasks' own).
 *
 * Action and control are the transfer task's arm (sim/arm_env.ts: Fetch's Cartesian control). The
 * observation is the arm's (25-D with one block) followed by the block's start (3): the reward reads
 * the start, so without it "push 0.1 m" would not be a task of the state the policy sees (it could
 * not know where to stop). The transfer's low-level env shows its own episode's block start the same
 * way (algos/skill_task_envs.ts ArmGoalTask), so a policy trained here acts there unchanged.
 * Episodes last the transfer task's 100 env steps unless `maxEpisodeSteps` says otherwise.
 *
 * Never imports tfjs.
 */
import { ARM_TRANSFER_TASKS, type ArmTransferTask } from '../env_names.ts';
import { Rng } from '../rng.ts';
import { builtinTask, compileTask, type CompiledTask } from '../tasks/index.ts';
import { makeGoalReward, INFO_EE_OBJECT_DISTANCE } from '../tasks/reward.ts';
import { objectHalfHeight, type RewardTerm, type TaskSpec } from '../tasks/schema.ts';
import type { GoalEvaluation } from '../tasks/goal_reward.ts';
import { armSpaceSizes, createArmEnv, type ArmEnv } from './arm_env.ts';
import { ArmFamilyEnv } from './arm_family_env.ts';
import type { TaskFamily, GoalFamilyReward } from './multi_goal_env.ts';
import type { GoalObservation, GoalRewardFn, GoalStepResult, StepInfo } from './types.ts';

export { ARM_TRANSFER_TASKS, type ArmTransferTask };

/** True when `name` is a transfer task with a pre-training family. */
export function isArmTransferTask(name: unknown): name is ArmTransferTask {
  return typeof name === 'string' && (ARM_TRANSFER_TASKS as readonly string[]).includes(name);
}

/** Info columns of the block's start position (m), which the tasks' goals follow from. */
export const BLOCK_START_KEYS = Object.freeze(['blockStartX', 'blockStartY', 'blockStartZ'] as const);

/** How one goal coordinate follows from the block's start: start + `rel`, or `abs` itself (m). */
export type AxisRule = { rel: number } | { abs: number };

/** One pre-training task. */
export interface BlockSkillTask {
  name: string;
  /** Goal rule per axis (x, y, height above the table). */
  goal: readonly [AxisRule, AxisRule, AxisRule];
  /** Where the block starts instead of the scene's start region: x and y ranges, centre height (m). */
  start?: { x: readonly [number, number]; y: readonly [number, number]; z: number };
  /**
   * 'closed': the env holds the fingers closed whatever the policy's gripper action (a push: open
   * fingers let the block pass between them, as Fetch's push blocks its gripper for); absent: the
   * policy opens and closes them (a lift).
   */
  fingers?: 'closed';
}

/** How far a push task moves the block and how high the lift task raises it, m. */
export const PUSH_DISTANCE = 0.1;
export const LIFT_HEIGHT = 0.1;
/** Success radius and sparse threshold, m (the transfer tasks' 0.05). */
export const ARM_SKILL_THRESHOLD = 0.05;
/** Weight of the grip-to-block term in the dense reward. */
export const EE_OBJECT_WEIGHT = 0.5;

const PUSH_LIFT_TASKS: readonly BlockSkillTask[] = Object.freeze([
  { name: 'push +x', goal: [{ rel: PUSH_DISTANCE }, { rel: 0 }, { rel: 0 }], fingers: 'closed' },
  { name: 'push −x', goal: [{ rel: -PUSH_DISTANCE }, { rel: 0 }, { rel: 0 }], fingers: 'closed' },
  { name: 'push +y', goal: [{ rel: 0 }, { rel: PUSH_DISTANCE }, { rel: 0 }], fingers: 'closed' },
  { name: 'push −y', goal: [{ rel: 0 }, { rel: -PUSH_DISTANCE }, { rel: 0 }], fingers: 'closed' },
  { name: 'lift', goal: [{ rel: 0 }, { rel: 0 }, { rel: LIFT_HEIGHT }] },
] as BlockSkillTask[]);

/** The rail family's tasks for a rail with top at `top` m and a block of half height `half` m along x through y = railY. */
function railTasks(top: number, half: number, railY: number): BlockSkillTask[] {
  const onRail = top + half;
  return [
    { name: 'lift onto the rail', goal: [{ rel: 0 }, { abs: railY }, { abs: onRail }] },
    {
      name: 'push along the rail to the centre',
      goal: [{ abs: 0 }, { abs: railY }, { abs: onRail }],
      start: { x: [0.12, 0.22], y: [railY, railY], z: onRail },
      fingers: 'closed',
    },
  ];
}

/**
 * The scene and tasks of `transfer`'s pre-training family (see the file comment).
 * @throws Error for a task without a family.
 */
export function armSkillFamilySpec(transfer: string): { scene: TaskSpec; tasks: BlockSkillTask[] } {
  if (!isArmTransferTask(transfer))
    throw new Error(
      `arm skill family: no pre-training family for task "${transfer}"; families exist for ${ARM_TRANSFER_TASKS.join(', ')}`,
    );
  const spec = builtinTask(transfer);
  // Free fingers for the lift task (the transfer tasks have them free too).
  const gripper = { ...spec.gripper, blocked: false };
  const half = objectHalfHeight(spec.objects[0]);
  if (transfer === 'rail-push') {
    const rail = spec.obstacles.find((o) => o.kind === 'rail');
    if (!rail || rail.kind !== 'rail') throw new Error('arm skill family: rail-push has no rail');
    return {
      scene: { ...spec, name: `${transfer}-skills`, gripper },
      tasks: railTasks(rail.height, half, rail.pos[1]),
    };
  }
  return {
    scene: { ...spec, name: `${transfer}-skills`, gripper, obstacles: [] },
    tasks: PUSH_LIFT_TASKS.map((t) => ({ ...t })),
  };
}

/**
 * Observation and action sizes of `transfer`'s pre-training family env: the arm's (arm_env.ts
 * armSpaceSizes) and the block's start (3), which the tasks' goals follow from.
 * @throws Error for a task without a family.
 */
export function armSkillFamilySizes(transfer: string): { obsDim: number; actDim: number } {
  const { obsDim, actDim } = armSpaceSizes(armSkillFamilySpec(transfer).scene);
  return { obsDim: obsDim + BLOCK_START_KEYS.length, actDim };
}

/**
 * `transfer`'s pre-training scene compiled (for 3D views of a skill embedding's rollouts on the arm).
 * @throws Error for a task without a family.
 */
export function armSkillFamilyScene(transfer: string): CompiledTask {
  const { scene } = armSkillFamilySpec(transfer);
  return compileTask(scene, scene.name);
}

/** The goal of a task for a block that starts at `start` [3] m, written to out[at..at+3]. */
function goalOf(task: BlockSkillTask, start: ArrayLike<number>, out: Float32Array, at: number): void {
  for (let k = 0; k < 3; k++) {
    const rule = task.goal[k];
    out[at + k] = 'abs' in rule ? rule.abs : start[k] + rule.rel;
  }
}

/**
 * The goal reward of a block task family (`name` for messages): sparse −1 / 0 within `threshold` m of
 * the goal, or dense −‖block − g‖ − 0.5·‖grip − block‖ (the task compiler's `dense` and `ee-object`
 * terms, the latter read from the info column eeObjectDistance); success within `threshold`.
 */
export function blockGoalReward(name: string, reward: GoalFamilyReward, threshold: number): GoalRewardFn {
  const terms: RewardTerm[] =
    reward === 'sparse'
      ? [{ kind: 'sparse', weight: 1, threshold }]
      : [
          { kind: 'dense', weight: 1 },
          { kind: 'ee-object', weight: EE_OBJECT_WEIGHT },
        ];
  return makeGoalReward(name, 3, terms, threshold);
}

/** The tasks of one family as a {@link TaskFamily} (pure; see the file comment). */
export class ArmSkillFamily implements TaskFamily {
  readonly name: string;
  readonly numTasks: number;
  readonly taskNames: readonly string[];
  readonly achievedDim = 3;
  readonly infoKeys: readonly string[] = Object.freeze([...BLOCK_START_KEYS, INFO_EE_OBJECT_DISTANCE]);
  /** The goal reward of (achieved, desired) with the grip-to-block column. */
  readonly goalReward: GoalRewardFn;

  constructor(
    readonly transfer: ArmTransferTask,
    readonly tasks: readonly BlockSkillTask[],
    readonly reward: GoalFamilyReward,
  ) {
    this.name = `${transfer}-skills`;
    this.numTasks = tasks.length;
    this.taskNames = Object.freeze(tasks.map((t) => t.name));
    this.goalReward = blockGoalReward(this.name, reward, ARM_SKILL_THRESHOLD);
  }

  /**
   * Desired goals [B, 3] of B rows: task `tasks[b]` for a block that started at the info columns'
   * (blockStartX/Y/Z)[b].
   * @throws Error for a task out of range, or missing / short start columns.
   */
  desiredGoals(
    tasks: ArrayLike<number>,
    info: Readonly<Record<string, Float32Array>> | undefined,
  ): Float32Array {
    const B = tasks.length;
    const cols = BLOCK_START_KEYS.map((k) => {
      const col = info?.[k];
      if (!col || col.length !== B)
        throw new Error(`${this.name}: evaluate needs the info column '${k}' of length ${B}`);
      return col;
    });
    const out = new Float32Array(B * 3);
    const start = new Float32Array(3);
    for (let b = 0; b < B; b++) {
      const t = tasks[b];
      if (!Number.isInteger(t) || t < 0 || t >= this.numTasks)
        throw new Error(`${this.name}: task ${t} is not an integer in 0 … ${this.numTasks - 1}`);
      for (let k = 0; k < 3; k++) start[k] = cols[k][b];
      goalOf(this.tasks[t], start, out, b * 3);
    }
    return out;
  }

  evaluate(
    tasks: ArrayLike<number>,
    achieved: Float32Array,
    info?: Readonly<Record<string, Float32Array>>,
  ): GoalEvaluation {
    if (achieved.length !== tasks.length * 3)
      throw new Error(
        `${this.name}: evaluate needs achieved of length B*3 for B = ${tasks.length} tasks, got ${achieved.length}`,
      );
    return this.goalReward(achieved, this.desiredGoals(tasks, info), info);
  }
}

/** Options of {@link createArmSkillFamilyEnv}. */
export interface ArmSkillFamilyEnvOptions {
  /** Default 'dense'. */
  reward?: GoalFamilyReward;
  /** Episode length in env steps; default the transfer task's. */
  maxEpisodeSteps?: number;
  /** Seed of the env's generators for the first reset that gives none. */
  seed?: number;
}

/** A pre-training family's env: one arm scene, episodes of one task each. Owns the wrapped arm env. */
export class ArmSkillFamilyEnv extends ArmFamilyEnv<ArmSkillFamily> {
  private rng: Rng | null = null;
  private readonly start = new Float32Array(3);
  private readonly halfHeight: number;

  /** Use {@link createArmSkillFamilyEnv}. Takes ownership of `inner`. */
  constructor(
    inner: ArmEnv,
    family: ArmSkillFamily,
    private readonly scene: CompiledTask,
    opts: { seed?: number } = {},
  ) {
    super(inner, family, family.name, family.goalReward, opts.seed, BLOCK_START_KEYS.length);
    this.halfHeight = objectHalfHeight(scene.spec.objects[0]);
  }

  /**
   * Starts an episode of `task` (default: the current one): draws the block's start (the scene's
   * sampler, or the task's own start region), sets the desired goal from it.
   * @throws Error for a task out of range, a non-integer seed, or after close.
   */
  reset(opts?: { seed?: number; task?: number }): { obs: GoalObservation; info: StepInfo } {
    const task = this.resetTask(opts?.task);
    const seed = this.resetSeed(opts?.seed);
    if (seed !== undefined) {
      if (!Number.isInteger(seed))
        throw new Error(`${this.name}: reset seed must be an integer, got ${seed}`);
      this.rng = new Rng((seed ^ 0x51a7) >>> 0);
    } else if (!this.rng) this.rng = new Rng(globalThis.crypto.getRandomValues(new Uint32Array(1))[0]);
    const spec = this.family.tasks[task];
    const rng = this.rng;
    if (spec.start) {
      this.start[0] = rng.uniformRange(spec.start.x[0], spec.start.x[1]);
      this.start[1] = rng.uniformRange(spec.start.y[0], spec.start.y[1]);
      this.start[2] = spec.start.z;
    } else {
      const xy = this.scene.sampleObjects(rng);
      this.start.set([xy[0], xy[1], this.halfHeight]);
    }
    const goal = new Float32Array(3);
    goalOf(spec, this.start, goal, 0);
    const out = this.inner.reset({
      ...(seed === undefined ? {} : { seed }),
      goal,
      objectPosition: this.start,
    });
    return { obs: this.withStart(out.obs), info: this.scored(out.obs, out.info).info };
  }

  /** The arm's step (fingers held closed on a push task), rewarded and judged by the family under the current task. */
  step(action: ArrayLike<number>): GoalStepResult {
    const out = this.inner.step(
      this.family.tasks[this.currentTask].fingers === 'closed' ? closed(action) : action,
    );
    if (out.info.nan) return { ...out, obs: this.withStart(out.obs) };
    const { reward, info } = this.scored(out.obs, out.info);
    return { ...out, obs: this.withStart(out.obs), reward, info };
  }

  /** The arm's observation followed by the block's start (m): the goal rules read it, so the policy sees it. */
  private withStart(obs: GoalObservation): GoalObservation {
    const observation = new Float32Array(obs.observation.length + 3);
    observation.set(obs.observation);
    observation.set(this.start, obs.observation.length);
    return { ...obs, observation };
  }

  /** The family's reward and success of the current observation, with the start columns in info. */
  private scored(obs: GoalObservation, base: StepInfo): { reward: number; info: StepInfo } {
    const info: StepInfo = { ...base };
    BLOCK_START_KEYS.forEach((k, i) => (info[k] = this.start[i]));
    const cols: Record<string, Float32Array> = {};
    for (const k of this.family.infoKeys) cols[k] = Float32Array.of(info[k] as number);
    const ev = this.family.evaluate([this.currentTask], obs.achievedGoal, cols);
    info.success = ev.success[0] === 1;
    return { reward: ev.reward[0], info };
  }
}

/** `action` with its gripper command (the last entry) at −1: fingers closed (arm_env.ts). */
function closed(action: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(action);
  out[out.length - 1] = -1;
  return out;
}

/**
 * Builds the pre-training family env of transfer task `transfer`.
 * @returns an env that needs `reset()` before `step()`; the caller owns it and must `close()` it.
 * @throws Error for a task without a family, a bad episode length; MJCF errors.
 */
export async function createArmSkillFamilyEnv(
  transfer: string,
  opts: ArmSkillFamilyEnvOptions = {},
): Promise<ArmSkillFamilyEnv> {
  const { scene, tasks } = armSkillFamilySpec(transfer);
  const spec = opts.maxEpisodeSteps === undefined ? scene : { ...scene, episodeLength: opts.maxEpisodeSteps };
  const compiled = compileTask(spec, spec.name);
  const family = new ArmSkillFamily(transfer as ArmTransferTask, tasks, opts.reward ?? 'dense');
  const inner = await createArmEnv(compiled, { seed: opts.seed });
  return new ArmSkillFamilyEnv(inner, family, compiled, { seed: opts.seed });
}
