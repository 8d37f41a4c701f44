/**
 * The `her` config section of goal-conditioned SAC with hindsight experience replay (`goal-sac`) and
 * its rule on envs and tasks. zod only (see config_section.ts).
 */
import { z } from 'zod';
import { GOAL_ENVS } from '../env_names.ts';
import { RELABEL_STRATEGIES } from '../replay/relabel.ts';
import { configSection, type ConfigCheck } from './config_section.ts';

/** Settings of goal-conditioned SAC with hindsight experience replay (`goal-sac`). */
export const herSchema = z
  .object({
    /** Hindsight relabeling strategy at sample time (Andrychowicz et al. 2017 §4.5); switchable mid-run. */
    relabelStrategy: z.enum(RELABEL_STRATEGIES).default('future'),
    /** k: relabeled share 1 − 1/(k+1) of each batch (HER's replay_k = 4 → 0.8). */
    relabelK: z.number().int().min(1).max(32).default(4),
    /** Bit flipping only: the number of bits n (HER §4.1). */
    bits: z.number().int().min(2).max(64).default(15),
    /** Whole episodes per env collected each iteration (baselines rollout_batch_size 2). */
    episodesPerIteration: z.number().int().positive().max(1000).default(2),
    /**
     * Treat reaching the (relabeled) goal as terminal: on for tasks that end at the goal (bit
     * flipping), off for Fetch-style tasks that bootstrap through success.
     */
    terminalOnSuccess: z.boolean().default(false),
    /**
     * Probability of a uniform random training action instead of the policy's, per env step
     * (baselines HER `random_eps` 0.3); 0 is plain SAC exploration.
     */
    randomEps: z.number().min(0).max(1).default(0),
    /** Episodes of the deterministic policy in `skill-lab eval` and at the end of training. */
    evalEpisodes: z.number().int().positive().max(1000).default(50),
  })
  .strict();

/** The `her` section (its defaults' sources are in reference/relabeling_and_multitask.md). */
export const herSection = configSection(herSchema);

/** goal-sac trains on a goal env, and on every goal env but bit flipping with a named task. */
export const goalSacCheck: ConfigCheck = (config) => {
  if (!(GOAL_ENVS as readonly string[]).includes(config.env))
    return [
      {
        path: 'env',
        message: `goal-sac trains on a goal env: one of ${GOAL_ENVS.join(', ')}, got ${config.env}`,
      },
    ];
  if (config.env !== 'bit-flip' && config.task === null)
    return [
      {
        path: 'task',
        message: `goal-sac on ${config.env} needs a task (a built-in name such as reach, or a task file)`,
      },
    ];
  return [];
};
