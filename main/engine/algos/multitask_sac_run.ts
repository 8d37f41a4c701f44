/**
 * A `multitask-sac` run: {@link MultitaskSac} (multitask_sac.ts) behind the run loop's
 * {@link Algorithm} contract, built from a {@link RunConfig}: K goal-reaching tasks on the
 * multi-goal point mass (sim/multi_goal_env.ts), with task relabeling.
 */
import type { RunConfig } from '../config.ts';
import { createMultiGoalPointEnv } from '../sim/multi_goal_env.ts';
import { checkTaskRelabelSetting } from '../replay/task_relabel.ts';
import { MultitaskSac } from './multitask_sac.ts';
import type { AlgorithmState, EvalSkill, GoalEvaluable, Metrics } from './types.ts';

/** Multi-task SAC with task relabeling as a run's algorithm. */
export class MultitaskSacAlgorithm implements GoalEvaluable {
  readonly config: RunConfig;
  readonly inner: MultitaskSac;

  private constructor(config: RunConfig, inner: MultitaskSac) {
    this.config = config;
    this.inner = inner;
  }

  /** Builds the envs (the same K tasks in each) and the learner from the config. */
  static async create(config: RunConfig): Promise<MultitaskSacAlgorithm> {
    const { sac, multitask: mt } = config;
    const inner = await MultitaskSac.create(
      (i) =>
        createMultiGoalPointEnv({
          numTasks: mt.tasks,
          radius: mt.radius,
          reward: mt.reward,
          maxEpisodeSteps: config.episodeSteps ?? undefined,
          seed: config.seed * 1000 + i,
        }),
      {
        seed: config.seed,
        numEnvs: config.numEnvs,
        hidden: sac.hidden,
        lr: sac.lr,
        gamma: sac.gamma,
        tau: sac.tau,
        batchSize: sac.batchSize,
        replayCapacity: sac.replayCapacity,
        episodesPerIteration: mt.episodesPerIteration,
        updatesPerIteration: config.updatesPerIteration,
        learningStarts: sac.learningStarts,
        relabel: { strategy: mt.relabelStrategy, ratio: mt.relabelRatio },
        taskEncoding: mt.taskEncoding,
        hipiLogPiWeight: mt.hipiLogPiWeight,
        embeddingDim: mt.embeddingDim,
        alphaMode: sac.alphaMode,
        alphaInit: sac.alphaInit,
        targetEntropy: sac.targetEntropy,
        rewardScale: sac.rewardScale,
      },
    );
    return new MultitaskSacAlgorithm(config, inner);
  }

  get envSteps(): number {
    return this.inner.envSteps;
  }

  get iteration(): number {
    return this.inner.iteration;
  }

  /** Episode length of the run's envs, in env steps. */
  get episodeSteps(): number {
    return this.inner.envs[0].maxEpisodeSteps;
  }

  /** The task relabeling switches so far (the first is the initial setting at env step 0). */
  get switchLog(): readonly unknown[] {
    return this.inner.switchLog;
  }

  iterate(): Promise<Metrics> {
    return this.inner.iterate();
  }

  /**
   * Switches the task relabeling strategy and the relabeled share from the next batch on.
   * @throws Error for an unknown strategy or a share outside [0, 1].
   */
  setRelabeling(strategy: string, ratio: number): void {
    const setting = checkTaskRelabelSetting(strategy, ratio);
    this.inner.setRelabeling(setting.strategy, setting.ratio);
  }

  saveState(): Promise<AlgorithmState> {
    return this.inner.saveState();
  }

  loadState(state: AlgorithmState): Promise<void> {
    return this.inner.loadState(state);
  }

  /** Deterministic actions for observations [B, obsDim] and task ids [B] (the "skills"). */
  actDeterministic(obs: Float32Array, tasks: Float32Array): Float32Array {
    return this.inner.actDeterministic(obs, tasks);
  }

  /** No skills to roll out one by one; see {@link evaluateGoals}. */
  evaluationSkills(): EvalSkill[] {
    return [];
  }

  /** Mean success over tasks and return of the deterministic policy, `evalEpisodesPerTask` per task. */
  evaluateGoals(): {
    episodes: number;
    success_rate: number;
    episode_return: number;
    task_success: number[];
  } {
    return this.inner.evaluate(this.config.multitask.evalEpisodesPerTask, 1_000_003 + this.config.seed);
  }

  dispose(): void {
    this.inner.dispose();
  }
}
