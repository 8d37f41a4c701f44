/**
 * A `skill-embedding` run: {@link SkillEmbedding} (skill_embedding.ts) behind the run loop's
 * {@link Algorithm} contract, built from a {@link RunConfig}: the point mass's region tasks
 * (sim/multi_goal_env.ts, `embedding.regions` on a circle, each task rewarding `embedding.tasks[k]`).
 */
import type { RunConfig } from '../config.ts';
import { circleGoals, createMultiGoalPointEnv } from '../sim/multi_goal_env.ts';
import { SkillEmbedding } from './skill_embedding.ts';
import { offPolicyOptionsOf, OffPolicyRun } from './off_policy_run.ts';
import type { AbortPoint, AlgorithmState, GoalEvaluable, Metrics } from './types.ts';

/** The skill embedding as a run's algorithm. */
export class SkillEmbeddingAlgorithm extends OffPolicyRun<SkillEmbedding> implements GoalEvaluable {
  private constructor(config: RunConfig, inner: SkillEmbedding) {
    super(config, inner);
  }

  /** Builds the envs (the same tasks in each) and the networks from the config. */
  static async create(config: RunConfig): Promise<SkillEmbeddingAlgorithm> {
    const e = config.embedding;
    const inner = await SkillEmbedding.create(
      (i) =>
        createMultiGoalPointEnv({
          goals: circleGoals(e.regions, e.radius),
          subsets: e.tasks,
          reward: e.reward,
          maxEpisodeSteps: config.episodeSteps ?? undefined,
          seed: config.seed * 1000 + i,
        }),
      {
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
      },
    );
    return new SkillEmbeddingAlgorithm(config, inner);
  }

  iterate(abortPoint?: AbortPoint): Promise<Metrics> {
    return this.inner.iterate(abortPoint);
  }

  saveState(): Promise<AlgorithmState> {
    return this.inner.saveState();
  }

  loadState(state: AlgorithmState): Promise<void> {
    return this.inner.loadState(state);
  }

  /** Deterministic actions for observations [B, obsDim] and task ids [B], at each task's embedding mean. */
  actDeterministic(obs: Float32Array, tasks: Float32Array): Float32Array {
    const embeddings = this.inner.taskEmbeddings();
    const d = this.inner.latentDim;
    const z = new Float32Array(tasks.length * d);
    tasks.forEach((t, b) => z.set(embeddings[t].mean, b * d));
    return this.inner.actDeterministic(obs, z);
  }

  /** Success per task of the deterministic policy at z = μ_φ(t), `evalEpisodesPerTask` per task. */
  evaluateGoals(): {
    episodes: number;
    success_rate: number;
    episode_return: number;
    task_success: number[];
  } {
    return this.inner.evaluate(this.config.embedding.evalEpisodesPerTask, 1_000_003 + this.config.seed);
  }

  dispose(): void {
    this.inner.dispose();
  }
}
