/**
 * The `multitask` config section of multi-task SAC with task relabeling (`multitask-sac`) and its env
 * rule. zod only (see config_section.ts).
 */
import { z } from 'zod';
import { TASK_RELABEL_STRATEGIES } from '../replay/task_relabel.ts';
import { configSection, type ConfigCheck } from './config_section.ts';
import { ARM_TRANSFER_TASKS } from '../env_names.ts';

/**
 * Settings of multi-task SAC with task relabeling (`multitask-sac`): on the multi-goal point mass
 * (sim/multi_goal_env.ts) K goal-reaching tasks on a circle; on the arm the pre-training family of the
 * run's transfer `task` (sim/arm_skill_family.ts), or that transfer task itself as a family of one
 * (sim/arm_transfer_family.ts; `tasks`, `radius` and `goals` are not read there).
 */
export const multitaskSchema = z
  .object({
    /** Number of tasks K: goals evenly spaced on a circle around the arena's centre. */
    tasks: z.number().int().min(2).max(16).default(4),
    /** Radius of the goals' circle, m (the arena's walls are at ±1 m). */
    radius: z.number().min(0.05).max(0.9).default(0.3),
    /** The tasks' goals (x, y) in m, instead of `tasks` goals on the `radius` circle; null: the circle. */
    goals: z
      .array(z.tuple([z.number().min(-0.95).max(0.95), z.number().min(-0.95).max(0.95)]))
      .min(1)
      .max(16)
      .nullable()
      .default(null),
    /**
     * Fine-tuning: a finished multitask-sac run (id) whose policy, critics and observation statistics
     * this run starts from, read at its first start. Its tasks' one-hot weights are averaged into each
     * of this run's tasks (a task it never saw starts as the mean of those it knows). One-hot tasks only.
     */
    initFrom: z.string().min(1).max(200).nullable().default(null),
    /**
     * On the arm: train on the pre-training family of the run's transfer task (`family`), or on the
     * transfer task itself (`transfer`, e.g. fine-tuned from a family run with initFrom).
     */
    armTasks: z.enum(['family', 'transfer']).default('family'),
    /**
     * Sparse −1/0 within 0.1 m of the task's goal (the arm's: 0.05 m), or dense −distance (the arm's:
     * −‖block − g‖ − 0.5·‖grip − block‖).
     */
    reward: z.enum(['sparse', 'dense']).default('sparse'),
    /** How the task enters policy and critics: one-hot (Meta-World MT-SAC) or a learned embedding. */
    taskEncoding: z.enum(['one-hot', 'embedding']).default('one-hot'),
    embeddingDim: z.number().int().min(1).max(64).default(4),
    /** Task relabeling (HIPI, Generalized Hindsight, random, all, none); switchable mid-run in the engine. */
    relabelStrategy: z.enum(TASK_RELABEL_STRATEGIES).default('hipi'),
    /** Share of each batch relabeled (HIPI README: relabel_prob 0.5). */
    relabelRatio: z.number().min(0).max(1).default(0.5),
    /**
     * Weight of HIPI's log π term in r − w·log π + γQ: a number (HIPI's code: 1) or 'alpha' for SAC's
     * current temperature, which kept near-deterministic policies' log π from swamping r and Q here.
     */
    hipiLogPiWeight: z.union([z.literal('alpha'), z.number().min(0).max(10)]).default('alpha'),
    episodesPerIteration: z.number().int().positive().max(1000).default(2),
    /** Evaluation episodes of the deterministic policy per task. */
    evalEpisodesPerTask: z.number().int().positive().max(100).default(5),
  })
  .strict();

/** The `multitask` section (its defaults' sources are in reference/relabeling_and_multitask.md). */
export const multitaskSection = configSection(multitaskSchema);

/**
 * multitask-sac trains on the multi-goal point mass, or on the arm for a transfer task; fine-tuning
 * needs one-hot tasks.
 */
export const multitaskSacCheck: ConfigCheck = (config) => {
  if (config.env !== 'point-mass' && config.env !== 'arm')
    return [
      {
        path: 'env',
        message: `multitask-sac trains on the multi-goal point mass or on the arm's transfer tasks: env point-mass or arm, got ${config.env}`,
      },
    ];
  if (config.env === 'arm' && !(ARM_TRANSFER_TASKS as readonly unknown[]).includes(config.task))
    return [
      {
        path: 'task',
        message: `multitask-sac on the arm trains for a transfer task (its pre-training family, or the task itself): one of ${ARM_TRANSFER_TASKS.join(', ')}, got ${config.task === null || config.task === undefined ? 'none' : String(config.task)}`,
      },
    ];
  const m = config.multitask as z.infer<typeof multitaskSchema> | undefined;
  if (m?.initFrom && m.taskEncoding !== 'one-hot')
    return [
      {
        path: 'multitask.initFrom',
        message: 'fine-tuning starts from one-hot task inputs: set multitask.taskEncoding=one-hot',
      },
    ];
  return [];
};
