/**
 * The `reinforce` config section of multi-task REINFORCE (`reinforce`) and its env rule. zod only
 * (see config_section.ts).
 */
import { z } from 'zod';
import { configSection, type ConfigCheck } from './config_section.ts';

/**
 * Settings of multi-task REINFORCE with a learned state-value baseline and reward-to-go on the
 * multi-goal point mass (sim/multi_goal_env.ts) or the arm reach family (sim/multi_goal_arm_env.ts):
 * K goal-reaching tasks on a circle, one task-conditioned Gaussian policy.
 */
export const reinforceSchema = z
  .object({
    /** Number of tasks K: goals evenly spaced on a circle around the arena's centre. */
    tasks: z.number().int().min(1).max(16).default(4),
    /**
     * Radius of the goals' circle, m: around the point mass's start (its walls are at ±1 m), or
     * around the arm's gripper start at its height (at most 0.15: the reach workspace); null: 0.3 on
     * the point mass, 0.1 on the arm.
     */
    radius: z.number().min(0.05).max(0.9).nullable().meta({ unit: 'm' }).default(null),
    /** Dense −distance to the task's goal, or sparse −1/0 within 0.1 m. */
    reward: z.enum(['sparse', 'dense']).default('dense'),
    /** Episodes of every task per iteration (one policy-gradient step per iteration). */
    episodesPerTask: z.number().int().positive().max(1000).default(8),
    /** Hidden widths of the policy's mean and of the baseline. */
    hidden: z.array(z.number().int().positive().max(4096)).min(1).max(8).default([64, 64]),
    activation: z.enum(['tanh', 'relu']).default('tanh'),
    /** Adam step size of the policy. */
    policyLr: z.number().gt(0).max(1).default(0.003),
    /** Learned state-value baseline b(s, t), or none (plain reward-to-go). */
    baseline: z.enum(['learned', 'none']).default('learned'),
    /** Adam step size of the baseline. */
    baselineLr: z.number().gt(0).max(1).default(0.001),
    /** Full-batch regression steps of the baseline per iteration. */
    baselineIters: z.number().int().min(1).max(1000).default(80),
    /** Discount γ of the reward-to-go. */
    gamma: z.number().gt(0).max(1).default(0.99),
    /** log σ of the Gaussian policy at the start (σ is a learned vector, state-independent). */
    initLogStd: z.number().min(-5).max(2).default(-0.5),
    /** Advantages standardized to mean 0, std 1 over each iteration's batch. */
    normalizeAdvantages: z.boolean().default(true),
    /** Evaluation episodes of the deterministic policy (the mean action) per task. */
    evalEpisodesPerTask: z.number().int().positive().max(100).default(5),
  })
  .strict();

/** The `reinforce` section and where its defaults come from. */
export const reinforceSection = configSection(reinforceSchema, {
  tasks: 'the multi-goal point mass of multitask-sac: 4 goals',
  reward: 'our choice: REINFORCE without relabeling learns the sparse −1/0 goal reward too slowly for CI',
  hidden: 'Spinning Up VPG: (64, 64) tanh',
  activation: 'Spinning Up VPG: tanh',
  policyLr: 'our choice (Spinning Up VPG uses 3e-4 with 4 000 steps per epoch; 3e-3 at 1 600 here)',
  baselineLr: 'Spinning Up VPG vf_lr 1e-3',
  baselineIters: 'Spinning Up VPG train_v_iters 80',
  gamma: 'Spinning Up VPG gamma 0.99',
  initLogStd: 'Spinning Up VPG: log_std = −0.5',
  normalizeAdvantages: 'Spinning Up VPG and CS285 HW2 normalize advantages',
});

/** The goals' circle radius a run uses, m: the section's, or the env's default. */
export function reinforceRadius(env: string, radius: number | null): number {
  return radius ?? (env === 'arm' ? 0.1 : 0.3);
}

/** reinforce trains on the multi-goal point mass or the arm reach family. */
export const reinforceCheck: ConfigCheck = (config) => {
  if (config.env !== 'point-mass' && config.env !== 'arm')
    return [
      {
        path: 'env',
        message: `reinforce trains on the multi-goal point mass (env point-mass) or the arm reach family (env arm), got ${config.env}`,
      },
    ];
  const r = config.reinforce as z.infer<typeof reinforceSchema> | undefined;
  if (config.env === 'arm' && r && r.radius !== null && r.radius > 0.15)
    return [
      {
        path: 'reinforce.radius',
        message: `on the arm the goals' circle fits the reach workspace: at most 0.15 m, got ${r.radius}`,
      },
    ];
  return [];
};
