/**
 * What the run wrappers of the algorithms over whole episodes share (goal_sac_run.ts,
 * multitask_sac_run.ts, skill_embedding_run.ts, reinforce.ts, distill.ts): the SAC options a run
 * config sets the same way for the SAC variants, and the run loop's read-outs and calls that only
 * forward to the algorithm.
 */
import type { RunConfig } from '../config.ts';
import type { GoalEnv } from '../sim/types.ts';
import type { OffPolicyOptions } from './off_policy_options.ts';
import type { AbortPoint, AlgorithmState, EvalSkill, Metrics } from './types.ts';

/** What a run wrapper reads of goal-conditioned or multi-task SAC (both hold an EpisodeAgent). */
export interface EpisodicAlgorithm {
  readonly envSteps: number;
  readonly iteration: number;
  readonly envs: readonly GoalEnv[];
  readonly switchLog: readonly unknown[];
}

/**
 * The shared options as a run config sets them: its seed, `numEnvs`, `updatesPerIteration` and the
 * `sac` section. Episodes per iteration come from the algorithm's own section; the normalizer's ε and
 * clip keep the algorithm's defaults.
 */
export function offPolicyOptionsOf(
  config: RunConfig,
): Omit<OffPolicyOptions, 'episodesPerIteration' | 'normEps' | 'normClip'> {
  const { sac } = config;
  return {
    seed: config.seed,
    numEnvs: config.numEnvs,
    hidden: sac.hidden,
    lr: sac.lr,
    gamma: sac.gamma,
    tau: sac.tau,
    batchSize: sac.batchSize,
    replayCapacity: sac.replayCapacity,
    updatesPerIteration: config.updatesPerIteration,
    learningStarts: sac.learningStarts,
    alphaMode: sac.alphaMode,
    alphaInit: sac.alphaInit,
    targetEntropy: sac.targetEntropy,
    actionL2: sac.actionL2,
    rewardScale: sac.rewardScale,
  };
}

/** What a run wrapper forwards to: an algorithm of whole episodes with its counters and checkpoints. */
export interface WrappedAlgorithm {
  readonly envSteps: number;
  readonly iteration: number;
  readonly envs: readonly { readonly maxEpisodeSteps: number }[];
  iterate(abortPoint?: AbortPoint): Promise<Metrics>;
  saveState(): Promise<AlgorithmState>;
  loadState(state: AlgorithmState): Promise<void>;
  dispose(): void;
}

/**
 * A run's algorithm around an algorithm of whole episodes (`inner`: goal-conditioned or multi-task
 * SAC, the skill embedding, REINFORCE, distillation): the config it was built from, and the counters,
 * episode length, iterations and checkpoints the run loop reads, forwarded.
 */
export abstract class EpisodeRun<A extends WrappedAlgorithm> {
  readonly config: RunConfig;
  readonly inner: A;

  protected constructor(config: RunConfig, inner: A) {
    this.config = config;
    this.inner = inner;
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

  iterate(abortPoint?: AbortPoint): Promise<Metrics> {
    return this.inner.iterate(abortPoint);
  }

  saveState(): Promise<AlgorithmState> {
    return this.inner.saveState();
  }

  loadState(state: AlgorithmState): Promise<void> {
    return this.inner.loadState(state);
  }

  /** Goal-conditioned and multi-task runs have no skills to roll out one by one (see evaluateGoals). */
  evaluationSkills(): EvalSkill[] {
    return [];
  }

  dispose(): void {
    this.inner.dispose();
  }
}

/** {@link EpisodeRun} around an algorithm that relabels: its switch log too. */
export abstract class OffPolicyRun<A extends EpisodicAlgorithm & WrappedAlgorithm> extends EpisodeRun<A> {
  /** The relabeling switches so far (the first is the initial setting at env step 0). */
  get switchLog(): A['switchLog'] {
    return this.inner.switchLog;
  }
}
