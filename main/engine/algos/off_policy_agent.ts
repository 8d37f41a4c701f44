/**
 * One off-policy agent, composed rather than inherited (after Acme: actors, learners and adders kept
 * apart; an intrinsic-reward method rewrites rewards on the sample stream):
 *
 *   collector ──(behaviour policy)──▶ transitions ──adder──▶ replay store
 *   replay store ──sampler──▶ batch ──relabelers──▶ batch ──toLearner──▶ SAC learner
 *
 * - collector: runs the behaviour policy in the envs for one iteration (rollout.ts's StepCollector,
 *   step by step with a skill per episode; off_policy_core.ts's LockstepCollector, whole episodes);
 * - adder: where each transition goes (default: the replay store's `add`; e.g. multi-task SAC stages
 *   whole episodes to label them first);
 * - replay store: replay/store.ts's {@link ReplayStore};
 * - sampler: draws a batch (default: the store's `sample`, with HER's relabeling inside for the goal
 *   buffer as in SB3; multi-task SAC's task relabeling draws its own layout);
 * - relabelers: rewrite a sampled batch's rewards, in order (DIAYN's discriminator reward);
 * - toLearner: maps a batch to learner inputs (skill or goal conditioning, normalization);
 * - learner: sac.ts's {@link SacLearner}, or another {@link AgentLearner} on the same batches
 *   (discrete_sac.ts's learner over a categorical action).
 *
 * The agent keeps the env-step and iteration counters and the warm-up rule (uniform random actions
 * and no updates before `learningStarts` env steps). What each algorithm adds — a discriminator or
 * skill-dynamics fit, the on-policy schedule, relabeling switches — stays in its own file, whose
 * `iterate` reads as its paper's loop.
 */
import type { Rng } from '../rng.ts';
import type { ReplayStore } from '../replay/store.ts';
import type { SacBatch, SacLearner, SacUpdateStats } from './sac.ts';
import type { AbortPoint } from './types.ts';

/**
 * Runs a behaviour policy in its envs for one iteration.
 * @typeParam P the policy: maps the envs' current inputs to actions
 * @typeParam T one transition as handed to the sink (views valid during the call only)
 * @typeParam E the summary of one finished episode
 */
export interface Collector<P, T, E> {
  /**
   * @param sink sees every env step: the env's index and its transition
   * @param abortPoint called before each step of the envs (see {@link AbortPoint})
   * @returns the env steps taken (all envs together) and the episodes that ended, in order
   */
  collect(
    policy: P,
    sink: (env: number, tr: T) => void,
    abortPoint?: AbortPoint,
  ): { steps: number; episodes: E[] };
}

/**
 * What the agent asks of its learner: one update per batch of learner inputs, with SAC's statistics.
 * sac.ts's {@link SacLearner} is one; discrete_sac.ts's DiscreteSacLearner another.
 */
export interface AgentLearner {
  update(batch: SacBatch): SacUpdateStats;
  dispose(): void;
}

/** Draws batches of transitions. */
export interface BatchSource<B> {
  /** @throws Error when nothing can be drawn yet. */
  sample(batchSize: number, rng: Rng): B;
}

/**
 * Rewrites the rewards of transitions (an intrinsic reward, a relabeled goal or task): the batch in,
 * the batch with its rewards — and whatever they depend on — rewritten out. On the sample stream
 * (DIAYN) or once over the stored transitions (DADS). May draw from `rng` (the agent's sampling
 * generator); a long computation calls `abortPoint` at its safe points (see {@link AbortPoint}).
 */
export interface RewardRelabeler<B> {
  relabel(batch: B, rng: Rng, abortPoint?: AbortPoint): B;
}

/** When the agent learns, and on how much. */
export interface AgentSchedule {
  /** Env steps with uniform random actions and no updates at the start. */
  learningStarts: number;
  /** SAC updates per iteration. */
  updatesPerIteration: number;
  /** Minibatch size B. */
  batchSize: number;
}

/** Any replay store, whatever its rows and batches (the agent itself never adds or samples). */
export type AnyReplayStore = ReplayStore<any, unknown>;

/**
 * The parts an {@link OffPolicyAgent} is composed of (see the file comment).
 * @typeParam P behaviour policy; T collected transition; E episode summary; B learner-side batch;
 *   S the replay store; L the learner
 */
export interface AgentParts<P, T, E, B, S extends AnyReplayStore, L extends AgentLearner = SacLearner> {
  learner: L;
  collector: Collector<P, T, E>;
  replay: S;
  /** Where each collected transition goes (usually into `replay`). */
  adder: (env: number, tr: T) => void;
  /** Draws the batches (usually `replay` itself). */
  sampler: BatchSource<B>;
  /** Default: none. */
  relabelers?: RewardRelabeler<B>[];
  toLearner: (batch: B) => SacBatch;
  schedule: AgentSchedule;
  /** Replay indices and relabeling choices. */
  sampleRng: Rng;
}

/** See the file comment. */
export class OffPolicyAgent<P, T, E, B, S extends AnyReplayStore, L extends AgentLearner = SacLearner> {
  readonly learner: L;
  readonly collector: Collector<P, T, E>;
  readonly replay: S;
  readonly sampler: BatchSource<B>;
  /** Applied in order to every sampled batch; an algorithm may add its own after construction. */
  readonly relabelers: RewardRelabeler<B>[];
  readonly schedule: Readonly<AgentSchedule>;
  readonly sampleRng: Rng;
  private readonly adder: (env: number, tr: T) => void;
  private readonly toLearner: (batch: B) => SacBatch;
  /** Env steps taken so far (all envs together). */
  envSteps = 0;
  /** Iterations completed so far. */
  iteration = 0;

  constructor(parts: AgentParts<P, T, E, B, S, L>) {
    this.learner = parts.learner;
    this.collector = parts.collector;
    this.replay = parts.replay;
    this.adder = parts.adder;
    this.sampler = parts.sampler;
    this.relabelers = [...(parts.relabelers ?? [])];
    this.toLearner = parts.toLearner;
    this.schedule = Object.freeze({ ...parts.schedule });
    this.sampleRng = parts.sampleRng;
  }

  /** True while fewer than `learningStarts` env steps were taken: random actions, no updates. */
  get warmingUp(): boolean {
    return this.envSteps < this.schedule.learningStarts;
  }

  /**
   * The behaviour policy of the iteration about to be collected: `random` while warming up, else
   * `policy` (decided once, when the iteration begins).
   */
  behaviour(policy: P, random: P): P {
    return this.warmingUp ? random : policy;
  }

  /**
   * Collects one iteration with `policy`, every transition through the adder; counts the env steps.
   * @param abortPoint called before each step of the envs
   * @returns the steps taken and the episodes that ended
   */
  collect(policy: P, abortPoint?: AbortPoint): { steps: number; episodes: E[] } {
    const out = this.collector.collect(policy, this.adder, abortPoint);
    this.envSteps += out.steps;
    return out;
  }

  /** A batch from the sampler, through every relabeler. */
  sample(batchSize = this.schedule.batchSize): B {
    let batch = this.sampler.sample(batchSize, this.sampleRng);
    for (const r of this.relabelers) batch = r.relabel(batch, this.sampleRng);
    return batch;
  }

  /**
   * `updatesPerIteration` SAC updates, each on a fresh batch ({@link sample}); whether to train at
   * all (the warm-up) is the algorithm's call.
   * @param abortPoint called before each update
   * @param onBatch sees each batch before its update (counts, the episode store's statistics)
   * @returns the updates' statistics, in order
   */
  train(abortPoint?: AbortPoint, onBatch?: (batch: B) => void): SacUpdateStats[] {
    const stats: SacUpdateStats[] = [];
    for (let u = 0; u < this.schedule.updatesPerIteration; u++) {
      abortPoint?.();
      const batch = this.sample();
      onBatch?.(batch);
      stats.push(this.learner.update(this.toLearner(batch)));
    }
    return stats;
  }

  /** Frees the learner; the envs belong to whoever built the collector. */
  dispose(): void {
    this.learner.dispose();
  }
}
