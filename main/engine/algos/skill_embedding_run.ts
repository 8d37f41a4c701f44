/**
 * A `skill-embedding` run: {@link SkillEmbedding} (skill_embedding.ts) behind the run loop's
 * {@link Algorithm} contract, built from a {@link RunConfig}: the point mass's region tasks
 * (sim/multi_goal_env.ts, `embedding.regions` on a circle, each task rewarding `embedding.tasks[k]`),
 * or on the arm the pre-training family of the transfer task `task` (sim/arm_skill_family.ts:
 * pushing the block in four directions and lifting it, or lifting it onto the rail and pushing it
 * along to the centre).
 */
import type { RunConfig } from '../config.ts';
import { circleGoals, createMultiGoalPointEnv, type MultiTaskEnv } from '../sim/multi_goal_env.ts';
import { ARM_SKILL_THRESHOLD, createArmSkillFamilyEnv } from '../sim/arm_skill_family.ts';
import type { EpisodeTrace } from '../planning/execute.ts';
import { envSpec, POINT_MASS_SUCCESS_RADIUS } from '../sim/envs.ts';
import type { MultitaskEvalReport } from './multitask_sac.ts';
import { SkillEmbedding } from './skill_embedding.ts';
import { offPolicyOptionsOf, OffPolicyRun } from './off_policy_run.ts';
import type { GoalEvaluable } from './types.ts';

/** The α of an interpolation's rollouts: 0 (the first task's mean) to 1 (the second's) in tenths. */
export const INTERPOLATION_ALPHAS: readonly number[] = Object.freeze(
  Array.from({ length: 11 }, (_, i) => i / 10),
);

/** Rollouts along the line between two tasks' embedding means (an evaluation report's `interpolations`). */
export interface EmbeddingInterpolation {
  from: number;
  to: number;
  /** α of each trace, in order. */
  alphas: number[];
  /** One episode per α: its path f = achieved (x, y), qpos, z as its one segment's skill, the region it ends nearest as goal. */
  traces: EpisodeTrace[];
}

/** The skill embedding as a run's algorithm. */
export class SkillEmbeddingAlgorithm extends OffPolicyRun<SkillEmbedding> implements GoalEvaluable {
  private constructor(config: RunConfig, inner: SkillEmbedding) {
    super(config, inner);
  }

  /** Builds the envs (the same tasks in each) and the networks from the config. */
  static async create(config: RunConfig): Promise<SkillEmbeddingAlgorithm> {
    const e = config.embedding;
    const maxEpisodeSteps = config.episodeSteps ?? undefined;
    const env = (i: number): Promise<MultiTaskEnv> | MultiTaskEnv =>
      config.env === 'arm'
        ? createArmSkillFamilyEnv(config.task ?? '', {
            reward: e.reward,
            maxEpisodeSteps,
            seed: config.seed * 1000 + i,
          })
        : createMultiGoalPointEnv({
            goals: circleGoals(e.regions, e.radius),
            subsets: e.tasks,
            reward: e.reward,
            maxEpisodeSteps,
            seed: config.seed * 1000 + i,
          });
    const inner = await SkillEmbedding.create(env, {
      ...offPolicyOptionsOf(config),
      episodesPerIteration: e.episodesPerIteration,
      latentDim: e.latentDim,
      window: e.window,
      alphaEmbedding: e.alphaEmbedding,
      alphaInference: e.alphaInference,
      logQClip: e.logQClip,
      inferenceHidden: e.inferenceHidden,
      inferenceLr: e.inferenceLr,
      embeddingInitStd: e.embeddingInitStd,
      embeddingMaxStd: e.embeddingMaxStd,
      distribution: e.distribution,
      concreteTemperature: e.concreteTemperature,
      criticTarget: e.criticTarget,
      retraceSteps: e.retraceSteps,
      retraceLambda: e.retraceLambda,
    });
    return new SkillEmbeddingAlgorithm(config, inner);
  }

  /** Deterministic actions for observations [B, obsDim] and task ids [B], at each task's deterministic z. */
  actDeterministic(obs: Float32Array, tasks: Float32Array): Float32Array {
    const latents = Array.from({ length: this.inner.numTasks }, (_, k) => this.inner.taskLatent(k));
    const d = this.inner.latentDim;
    const z = new Float32Array(tasks.length * d);
    tasks.forEach((t, b) => z.set(latents[t], b * d));
    return this.inner.actDeterministic(obs, z);
  }

  /**
   * Success per task of the deterministic policy at z = μ_φ(t), `evalEpisodesPerTask` per task; and
   * on the point mass the interpolations between the tasks' embeddings ({@link interpolations}) with
   * the regions they are judged against (on the arm none: the Skills view draws point-mass, Ant and
   * half-cheetah traces only).
   */
  evaluateGoals(): MultitaskEvalReport & {
    regions: number[][];
    success_radius: number;
    interpolations: EmbeddingInterpolation[];
  } {
    const e = this.config.embedding;
    const report = this.inner.evaluate(e.evalEpisodesPerTask, 1_000_003 + this.config.seed);
    if (this.config.env === 'arm')
      return { ...report, regions: [], success_radius: ARM_SKILL_THRESHOLD, interpolations: [] };
    return {
      ...report,
      regions: circleGoals(e.regions, e.radius),
      success_radius: POINT_MASS_SUCCESS_RADIUS,
      interpolations: this.interpolations(1_000_033 + this.config.seed),
    };
  }

  /**
   * The interpolation between every two tasks' embeddings (only neighbours k, k + 1 for more than
   * six tasks): {@link INTERPOLATION_ALPHAS} from one mean to the other, one rollout each from the
   * pair's reset, as traces the Skills view draws (x-y path, qpos for 3D, z as the one segment's
   * skill); each judged by the region nearest its end.
   */
  interpolations(seed: number): EmbeddingInterpolation[] {
    const K = this.inner.numTasks;
    const e = this.config.embedding;
    const regions = circleGoals(e.regions, e.radius);
    const nq = envSpec('point-mass').nq;
    const pairs: [number, number][] = [];
    for (let a = 0; a < K; a++) for (let b = a + 1; b < K; b++) if (K <= 6 || b === a + 1) pairs.push([a, b]);
    return pairs.map(([from, to], p) => {
      const resetSeed = seed + p;
      const traces = this.inner
        .interpolate(from, to, INTERPOLATION_ALPHAS, resetSeed)
        .map((r): EpisodeTrace => {
          const end = r.achieved[r.achieved.length - 1];
          const dist = regions.map((g) => Math.hypot(end[0] - g[0], end[1] - g[1]));
          const nearest = dist.indexOf(Math.min(...dist));
          return {
            task: `z = (1 − ${r.alpha.toFixed(2)})·μ(task ${from}) + ${r.alpha.toFixed(2)}·μ(task ${to})`,
            waypoints: [],
            seed: resetSeed,
            steps_to_goal: null,
            nan: r.nan,
            f: r.achieved,
            // Point-mass observations are (qpos, qvel).
            qpos: r.observations.map((o) => o.slice(0, nq)),
            segments: [{ start: 0, skill: r.z, predicted: null, candidates: [], planMs: 0 }],
            goal: regions[nearest],
            final_distance: dist[nearest],
            success: dist[nearest] < POINT_MASS_SUCCESS_RADIUS,
            steps: r.achieved.length - 1,
          };
        });
      return { from, to, alphas: [...INTERPOLATION_ALPHAS], traces };
    });
  }
}
