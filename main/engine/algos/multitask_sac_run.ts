/**
 * A `multitask-sac` run: {@link MultitaskSac} (multitask_sac.ts) behind the run loop's
 * {@link Algorithm} contract, built from a {@link RunConfig}: K goal-reaching tasks on the
 * multi-goal point mass (sim/multi_goal_env.ts), with task relabeling.
 */
import type { RunConfig } from '../config.ts';
import { createMultiGoalPointEnv } from '../sim/multi_goal_env.ts';
import { checkTaskRelabelSetting } from '../replay/task_relabel.ts';
import { MultitaskSac } from './multitask_sac.ts';
import { offPolicyOptionsOf, OffPolicyRun } from './off_policy_run.ts';
import type { GoalEvaluable } from './types.ts';

/** Multi-task SAC with task relabeling as a run's algorithm. */
export class MultitaskSacAlgorithm extends OffPolicyRun<MultitaskSac> implements GoalEvaluable {
  private constructor(config: RunConfig, inner: MultitaskSac) {
    super(config, inner);
  }

  /** Builds the envs (the same K tasks in each) and the learner from the config. */
  static async create(config: RunConfig): Promise<MultitaskSacAlgorithm> {
    const { multitask: mt } = config;
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
        ...offPolicyOptionsOf(config),
        episodesPerIteration: mt.episodesPerIteration,
        relabel: { strategy: mt.relabelStrategy, ratio: mt.relabelRatio },
        taskEncoding: mt.taskEncoding,
        hipiLogPiWeight: mt.hipiLogPiWeight,
        embeddingDim: mt.embeddingDim,
      },
    );
    return new MultitaskSacAlgorithm(config, inner);
  }

  /**
   * Switches the task relabeling strategy and the relabeled share from the next batch on.
   * @throws Error for an unknown strategy or a share outside [0, 1].
   */
  setRelabeling(strategy: string, ratio: number): void {
    const setting = checkTaskRelabelSetting(strategy, ratio);
    this.inner.setRelabeling(setting.strategy, setting.ratio);
  }

  /** Deterministic actions for observations [B, obsDim] and task ids [B] (the "skills"). */
  actDeterministic(obs: Float32Array, tasks: Float32Array): Float32Array {
    return this.inner.actDeterministic(obs, tasks);
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
}
