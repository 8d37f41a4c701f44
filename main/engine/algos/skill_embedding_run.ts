/**
 * A `skill-embedding` run: {@link SkillEmbedding} (skill_embedding.ts) behind the run loop's
 * {@link Algorithm} contract, built from a {@link RunConfig}: the point mass's region tasks
 * (sim/multi_goal_env.ts, `embedding.regions` on a circle, each task rewarding `embedding.tasks[k]`),
 * or on the arm the pre-training family of the transfer task `task` (sim/arm_skill_family.ts:
 * pushing the block in four directions and lifting it, or lifting it onto the rail and pushing it
 * along to the centre).
 */
import type { RunConfig } from '../config.ts';
import {
  circleGoals,
  createMultiGoalPointEnv,
  type MultiTaskEnv,
  type TaskFamily,
} from '../sim/multi_goal_env.ts';
import {
  ARM_SKILL_THRESHOLD,
  ArmSkillFamily,
  BLOCK_START_KEYS,
  createArmSkillFamilyEnv,
} from '../sim/arm_skill_family.ts';
import type { StepInfo } from '../sim/types.ts';
import type { EpisodeTrace } from '../planning/execute.ts';
import { POINT_MASS_SUCCESS_RADIUS } from '../sim/envs.ts';
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
  /** One episode per α: its path f = the achieved goal, qpos, z as its one segment's skill, the goal it ends nearest. */
  traces: EpisodeTrace[];
  /** On the arm: [K][3] every task's goal for the pair's block start (m), in task order. */
  goals?: number[][];
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
      embeddingMeanBound: e.meanBound,
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
   * Success per task of the deterministic policy at z = μ_φ(t), `evalEpisodesPerTask` per task; the
   * interpolations between the tasks' embeddings ({@link interpolations}); the tasks' names; on the
   * point mass the regions the tasks reward (on the arm a task's goal depends on the block's start:
   * each interpolation carries the goals of its own start).
   */
  evaluateGoals(): MultitaskEvalReport & {
    regions: number[][];
    success_radius: number;
    task_names: string[];
    interpolations: EmbeddingInterpolation[];
  } {
    const e = this.config.embedding;
    const report = this.inner.evaluate(e.evalEpisodesPerTask, 1_000_003 + this.config.seed);
    const arm = this.config.env === 'arm';
    return {
      ...report,
      regions: arm ? [] : circleGoals(e.regions, e.radius),
      success_radius: arm ? ARM_SKILL_THRESHOLD : POINT_MASS_SUCCESS_RADIUS,
      task_names: [...this.inner.envs[0].family.taskNames],
      interpolations: this.interpolations(1_000_033 + this.config.seed),
    };
  }

  /**
   * The interpolation between every two tasks' embeddings (only neighbours k, k + 1 for more than
   * six tasks): {@link INTERPOLATION_ALPHAS} from one mean to the other, one rollout each from the
   * pair's reset, as traces the Skills view draws (path f = the achieved goal — the point mass's
   * x-y, the arm's block position —, qpos for 3D, z as the one segment's skill); each judged by the
   * goal it ends nearest: the point mass's regions, or on the arm every family task's goal for the
   * pair's block start.
   */
  interpolations(seed: number): EmbeddingInterpolation[] {
    const K = this.inner.numTasks;
    const e = this.config.embedding;
    const arm = this.config.env === 'arm';
    const radius = arm ? ARM_SKILL_THRESHOLD : POINT_MASS_SUCCESS_RADIUS;
    const family = this.inner.envs[0].family;
    const pairs: [number, number][] = [];
    for (let a = 0; a < K; a++) for (let b = a + 1; b < K; b++) if (K <= 6 || b === a + 1) pairs.push([a, b]);
    return pairs.map(([from, to], p) => {
      const resetSeed = seed + p;
      const rollouts = this.inner.interpolate(from, to, INTERPOLATION_ALPHAS, resetSeed);
      const goals = arm ? armTaskGoals(family, rollouts[0].startInfo) : circleGoals(e.regions, e.radius);
      const traces = rollouts.map((r): EpisodeTrace => {
        const end = r.achieved[r.achieved.length - 1];
        const dist = goals.map((g) => Math.hypot(...g.map((v, k) => end[k] - v)));
        const nearest = dist.indexOf(Math.min(...dist));
        return {
          task: `z = (1 − ${r.alpha.toFixed(2)})·μ(${family.taskNames[from]}) + ${r.alpha.toFixed(2)}·μ(${family.taskNames[to]})`,
          waypoints: [],
          seed: resetSeed,
          steps_to_goal: null,
          nan: r.nan,
          f: r.achieved,
          qpos: r.qpos,
          segments: [{ start: 0, skill: r.z, predicted: null, candidates: [], planMs: 0 }],
          goal: goals[nearest],
          final_distance: dist[nearest],
          success: dist[nearest] < radius,
          steps: r.achieved.length - 1,
        };
      });
      return { from, to, alphas: [...INTERPOLATION_ALPHAS], traces, ...(arm ? { goals } : {}) };
    });
  }
}

/**
 * [K][3] the goal of every task of an arm pre-training family for the block start in `info`
 * (blockStartX/Y/Z).
 * @throws Error when the family is not an arm skill family or the start is missing.
 */
function armTaskGoals(family: TaskFamily, info: StepInfo): number[][] {
  if (!(family instanceof ArmSkillFamily))
    throw new Error(`skill-embedding on the arm: expected an arm skill family, got ${family.name}`);
  const cols = Object.fromEntries(BLOCK_START_KEYS.map((k) => [k, Float32Array.of(Number(info[k]))]));
  return family.taskNames.map((_, k) => Array.from(family.desiredGoals([k], cols)));
}
