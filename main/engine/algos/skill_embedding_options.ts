/**
 * The `embedding` config section of the skill embedding (`skill-embedding`, Hausman et al. 2018) and
 * its env rule. zod only (see config_section.ts).
 */
import { z } from 'zod';
import { configSection, type ConfigCheck } from './config_section.ts';
import { ARM_TRANSFER_TASKS } from '../env_names.ts';

/**
 * Settings of the skill embedding. On the point mass its didactic task family (sim/multi_goal_env.ts):
 * target regions on a circle, each task rewarding a subset of them, so that a task has as many
 * solutions as regions in its subset (the paper's §7.1 point-mass examples). On the arm the tasks are
 * the pre-training family of the run's `task` (sim/arm_skill_family.ts) and `regions`, `radius` and
 * `tasks` are not read.
 */
export const embeddingSchema = z
  .object({
    /** Target regions, evenly spaced on a circle around the arena's centre. */
    regions: z.number().int().min(1).max(16).default(4),
    /** Radius of the regions' circle, m (the arena's walls are at ±1 m). */
    radius: z.number().min(0.05).max(0.9).meta({ unit: 'm' }).default(0.25),
    /** The regions (indices, from 0) each task rewards: one list per task. */
    tasks: z
      .array(z.array(z.number().int().min(0).max(15)).min(1).max(16))
      .min(1)
      .max(16)
      .default([
        [0, 1],
        [1, 2],
        [2, 3],
        [3, 0],
      ]),
    /**
     * Sparse −1/0 within 0.1 m of a region of the task, or dense −distance to the nearest one; on the
     * arm sparse −1/0 within 0.05 m of the block's goal, or dense −‖block − g‖ − 0.5·‖grip − block‖.
     */
    reward: z.enum(['sparse', 'dense']).default('sparse'),
    /** d: size of the latent skill z. */
    latentDim: z.number().int().min(1).max(16).default(3),
    /** H: observations in the inference network's window. */
    window: z.number().int().min(1).max(50).default(6),
    /** α1: weight of the embedding entropy H[p(z|t)]. */
    alphaEmbedding: z.number().min(0).max(100).default(0.001),
    /** α2: weight of log q(z | a, s^H) in the reward. */
    alphaInference: z.number().min(0).max(100).default(0.05),
    /** log q is clipped to ±logQClip before it enters the reward, nats. */
    logQClip: z.number().gt(0).max(100).meta({ unit: 'nats' }).default(3),
    inferenceHidden: z.array(z.number().int().positive().max(4096)).min(1).max(8).default([200, 200]),
    inferenceLr: z.number().gt(0).max(1).default(0.001),
    /** σ of every task's embedding at the start. */
    embeddingInitStd: z.number().gt(0).max(10).default(0.5),
    /** Upper bound of the embedding's σ. */
    embeddingMaxStd: z.number().gt(0).max(10).default(1),
    /**
     * b: the Gaussian embedding's means are b·tanh(u / b) of their parameters, so every |μ| < b and z
     * stays on the scale of the networks' normalized inputs; null: unbounded (μ = u).
     */
    meanBound: z.number().gt(0).max(100).nullable().default(null),
    /**
     * The embedding's family: a diagonal Gaussian over z ∈ R^d, or independent Bernoullis over
     * z ∈ {0, 1}^d (the paper's didactic comparison; embeddingInitStd and embeddingMaxStd are not read).
     */
    distribution: z.enum(['gaussian', 'bernoulli']).default('gaussian'),
    /** λ of the binary Concrete relaxation through which a Bernoulli z is reparameterized. */
    concreteTemperature: z
      .number()
      .gt(0)
      .max(10)
      .default(2 / 3),
    /**
     * The critics' target: SAC's one-step soft target, or Retrace over each replayed transition's next
     * `retraceSteps` steps with truncated importance weights λ·min(1, π/μ) (the paper's §5).
     */
    criticTarget: z.enum(['one-step', 'retrace']).default('one-step'),
    /** N: steps of each replayed sequence Retrace reads. */
    retraceSteps: z.number().int().min(1).max(50).default(5),
    /** λ of Retrace's traces c = λ·min(1, π/μ). */
    retraceLambda: z.number().min(0).max(1).default(1),
    episodesPerIteration: z.number().int().positive().max(1000).default(2),
    /** Evaluation episodes of the deterministic policy (z = the task's embedding mean) per task. */
    evalEpisodesPerTask: z.number().int().positive().max(100).default(5),
  })
  .strict();

/** The `embedding` section and where its defaults come from. */
export const embeddingSection = configSection(embeddingSchema, {
  latentDim: 'Hausman et al. 2018 App. E.2 and Fig. 2: 3-D Gaussian embeddings',
  window: 'garage te_ppo_point inference_window (the paper gives no value)',
  alphaEmbedding: 'garage te_ppo_point encoder_ent_coeff',
  alphaInference: 'garage te_ppo_point inference_ce_coeff',
  logQClip: 'garage TENPO clips the cross-entropy reward term to [−3, 3]',
  inferenceHidden: 'Hausman et al. 2018 App. E.2 (inference network 200-200)',
  inferenceLr: 'Hausman et al. 2018 App. E.2 (Adam, 1e-3)',
  embeddingInitStd: 'our choice: broad enough that one task’s samples behave differently from the start',
  embeddingMaxStd: 'our choice (garage caps σ at 0.2 with tanh-bounded z; here z is unbounded)',
  meanBound: 'Hausman et al. 2018 App. E.2: a linear embedding, unbounded (garage bounds z with tanh)',
  distribution: 'Hausman et al. 2018 App. E.2: Gaussian embeddings (Bernoulli in the didactic comparison)',
  concreteTemperature: 'Maddison, Mnih, Teh 2017 App. C.2: λ = 2/3 for binary Concrete relaxations',
  criticTarget: 'SAC’s one-step soft target; Hausman et al. 2018 §5 used Retrace',
  retraceSteps: 'our choice (the paper gives no sequence length)',
  retraceLambda: 'Munos et al. 2016: c = λ·min(1, π/μ) with λ = 1',
});

/**
 * skill-embedding trains on the point mass's region tasks, every task naming regions that exist, or
 * on the arm on the pre-training family of a transfer task.
 */
export const skillEmbeddingCheck: ConfigCheck = (config) => {
  const issues = [];
  if (config.env !== 'point-mass' && config.env !== 'arm')
    issues.push({
      path: 'env',
      message: `skill-embedding trains on the point mass's region tasks or the arm's pre-training tasks: env point-mass or arm, got ${config.env}`,
    });
  if (config.env === 'arm' && !(ARM_TRANSFER_TASKS as readonly unknown[]).includes(config.task))
    issues.push({
      path: 'task',
      message: `skill-embedding on the arm pre-trains for a transfer task: one of ${ARM_TRANSFER_TASKS.join(', ')}, got ${config.task === null || config.task === undefined ? 'none' : String(config.task)}`,
    });
  const e = config.embedding as z.infer<typeof embeddingSchema> | undefined;
  if (e) {
    e.tasks.forEach((regions, k) => {
      const bad = regions.filter((r) => r >= e.regions);
      if (bad.length > 0)
        issues.push({
          path: 'embedding.tasks',
          message: `task ${k} names region ${bad.join(', ')}, but there are only ${e.regions} regions (0 … ${e.regions - 1})`,
        });
    });
    if (e.embeddingInitStd > e.embeddingMaxStd)
      issues.push({
        path: 'embedding.embeddingInitStd',
        message: `must be at most embedding.embeddingMaxStd (${e.embeddingMaxStd}), got ${e.embeddingInitStd}`,
      });
  }
  return issues;
};
