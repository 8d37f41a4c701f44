/**
 * The `skillController` config section (algos/skill_controller.ts: a meta-controller over another
 * run's frozen skills) and its rule across keys. zod only (see config_section.ts).
 */
import { z } from 'zod';
import { configSection, type ConfigCheck } from './config_section.ts';
import { hiddenSchema } from './sac_options.ts';
import { ARM_BLOCK_TASKS } from '../env_names.ts';

/** The envs a skill controller reaches goals in: those with an x-y goal task (sim/envs.ts). */
export const SKILL_CONTROLLER_ENVS = ['point-mass', 'ant'] as const;

/** The embedding controller also transfers to the arm's tasks (Hausman et al. 2018 §7.2). */
export const EMBEDDING_CONTROLLER_ENVS = [...SKILL_CONTROLLER_ENVS, 'arm'] as const;

/** How the frozen skill policy turns its distribution into actions (algos/frozen_policy.ts). */
export const SKILL_ACTION_MODES = ['mean', 'sample'] as const;

export const skillControllerSchema = z
  .object({
    /**
     * The skill run (id, or path) whose frozen skill policy the controller composes: a DIAYN or DADS
     * run with a checkpoint. Copied into the controller's run directory at its first start
     * (skills.bin); later starts, evaluation and resume read that copy.
     */
    skillsFrom: z.string().min(1).nullable().default(null),
    /** H_Z: env steps each chosen skill is held. */
    hold: z.number().int().min(1).max(1000).default(10),
    /** Hidden layer sizes of the controller's policy and critics (its `sac.hidden` is not read). */
    hidden: hiddenSchema.default([128, 128]),
    /** Adam step size of the controller's actor, critics and temperature (its `sac.lr` is not read). */
    lr: z.number().positive().max(1).default(3e-4),
    /** The frozen skill policy's actions: its deterministic mean tanh(μ) or samples of π. */
    actions: z.enum(SKILL_ACTION_MODES).default('mean'),
    /** An episode ends at the first env step within the env's success radius of the goal. */
    stopAtGoal: z.boolean().default(true),
    /**
     * The controller's reward: dense −‖(x, y) − g‖ per env step (on the arm −‖block − g‖), or sparse
     * −1 per env step until the goal is reached (0 there).
     */
    reward: z.enum(['dense', 'sparse']).default('dense'),
    /** Episodes of `skill-lab eval` (the deterministic controller, seeded starts). */
    evalEpisodes: z.number().int().min(1).max(1000).default(10),
  })
  .strict();

/** The `skillController` section with the sources of its defaults. */
export const skillControllerSection = configSection(skillControllerSchema, {
  hold: 'DADS paper Fig. 8 (H_Z = 10, as for MPPI, App. A.5)',
  hidden: 'DADS paper Fig. 8 (meta-controller (128, 128))',
  lr: 'DADS paper Fig. 8 (SAC meta-controller 3e-4; its PPO over discrete skills used 1e-4)',
  actions: 'as skill-lab plan and skill-lab eval (the deterministic mean action)',
  stopAtGoal: 'as skill-lab plan (an episode ends at the goal; success = reached within the episode)',
  reward: 'DADS paper Fig. 8: the goal reward −‖s − g‖ (the sparse −1/0 is Fetch’s, Plappert et al. 2018)',
});

/**
 * A skill controller reaches an x-y goal on point-mass or Ant: the env must be one of those and the
 * run must name its goal. The skill run itself is checked where files can be read (runs/skill_pin.ts).
 */
export const skillControllerCheck: ConfigCheck = (config) => controllerIssues(config, SKILL_CONTROLLER_ENVS);

/**
 * The embedding controller as {@link skillControllerCheck}, or on the arm a built-in arm task with
 * one object (its goal is drawn per episode; `goal` is not read).
 */
export const embeddingControllerCheck: ConfigCheck = (config) =>
  controllerIssues(config, EMBEDDING_CONTROLLER_ENVS);

function controllerIssues(config: Parameters<ConfigCheck>[0], envs: readonly string[]) {
  const issues = [];
  if (!envs.includes(config.env))
    issues.push({
      path: 'env',
      message: `${config.algo} reaches x-y goals on ${SKILL_CONTROLLER_ENVS.join(' or ')}${envs.includes('arm') ? ', or learns a block task on the arm' : ''}, got ${config.env}`,
    });
  else if (config.env === 'arm') {
    const task = config.task;
    if (!(ARM_BLOCK_TASKS as readonly unknown[]).includes(task))
      issues.push({
        path: 'task',
        message: `${config.algo} on the arm learns a built-in arm task with one block: one of ${ARM_BLOCK_TASKS.join(', ')}, got ${task === null || task === undefined ? 'none' : String(task)}`,
      });
  } else if (config.goal === null || config.goal === undefined)
    issues.push({
      path: 'goal',
      message: `${config.algo} learns to reach a goal: set goal to [x, y] in m (e.g. --set goal=[0.5,0.5])`,
    });
  return issues;
}
