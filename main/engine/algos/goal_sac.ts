/**
 * Goal-conditioned SAC with hindsight experience replay.
 *
 * - Learner: SAC (Haarnoja et al. 2018, arXiv 1812.05905: soft Bellman residual Eq. 5 with the
 *   min of twin target critics, policy loss Eq. 7, temperature loss Eq. 18) from `sac.ts`, on the
 *   universal value function input [observation, goal] (Schaul et al. 2015, UVFA; HER §3.2:
 *   π(s ‖ g), Q(s ‖ g, a)).
 * - Replay: episode-structured buffer with relabeling at sample time (Andrychowicz et al. 2017,
 *   "Hindsight Experience Replay", Alg. 1 and §4.5; replay/goal_buffer.ts, replay/relabel.ts):
 *   strategies none / final / future / episode / random, share 1 − 1/(k+1) relabeled, rewards
 *   recomputed by the task's own batched reward on the next achieved goal, achieved first.
 * - Inputs: observation and goal are normalized by running mean/std, ε = 0.01, clipped to ±5
 *   (baselines HER `Normalizer`, `norm_eps` 0.01, `norm_clip` 5; reference/relabeling_and_multitask.md
 *   §1.3). Rewards always use raw goals; only network inputs are normalized.
 * - Bootstrapping: truncation bootstraps, termination does not (goal tasks never terminate on
 *   success; a NaN/Inf state terminates). With `terminalOnSuccess` a sampled transition whose next
 *   achieved goal meets its (relabeled) goal is also treated as terminal, the success flag being
 *   recomputed with the goal like the reward: for tasks where reaching the goal is the whole task
 *   (SB3's BitFlippingEnv ends the episode there). Without it, a success sample's target differs
 *   from a miss's by one reward unit on top of γ·V(g, g), which stays near the −1/(1−γ) floor until
 *   the policy has learned to hold the goal; on 15-bit flipping that left the critic flat in the
 *   action and the policy at chance.
 * - γ = 0.98 = 1 − 1/50: the horizon of a 50-step Fetch episode (baselines `her/experiment/config.py`,
 *   which derives γ = 1 − 1/T), so returns of a −1-per-step reward stay within [−50, 0].
 * - Collection follows baselines' rollout worker: every iteration runs whole episodes (each env
 *   reset with a seed drawn from the algorithm's generator), then a fixed number of updates. No
 *   episode is in flight between iterations, so a checkpoint taken there continues bit-exactly.
 *   This loop, the learner, generators and checkpoint layout are shared with multi-task SAC
 *   (off_policy_core.ts); HER's relabeling, goal inputs and exploration are here.
 *
 * The run config, trainer and CLI wiring (RunConfig, `Algorithm`) are the integrator's: this module
 * takes its own {@link GoalSacOptions} and a factory of {@link GoalEnv}s.
 */
import type { GoalEnv } from '../sim/types.ts';
import { Rng } from '../rng.ts';
import type { GoalBatch, GoalTransition } from '../replay/goal_buffer.ts';
import {
  checkRelabelSetting,
  emptyCounts,
  GOAL_SOURCES,
  RELABEL_STRATEGIES,
  type RelabelCounts,
  type RelabelSetting,
  type RelabelStrategy,
} from '../replay/relabel.ts';
import {
  OFF_POLICY_DEFAULTS,
  resolveOptions,
  withEnvs,
  type OffPolicyOptions,
} from './off_policy_options.ts';
import {
  checkSameEnvs,
  concatRows,
  EpisodeAgent,
  EpisodeAlgorithm,
  LockstepCollector,
  type LockstepTransition,
} from './off_policy_core.ts';
import { RunningNormalizer, type NormalizerState } from './running_normalizer.ts';
import type { SacBatch } from './sac.ts';
import type { AbortPoint, AlgorithmState, Metrics } from './types.ts';

/** The physics draws of an env that randomizes nothing. */
const NO_PHYSICS = new Float64Array(0);

/**
 * Options of {@link GoalSac}. Defaults and their sources are in {@link GOAL_SAC_DEFAULTS}.
 */
export interface GoalSacOptions extends OffPolicyOptions {
  /** Initial relabeling strategy and k. */
  relabel: RelabelSetting;
  /**
   * Treat a sampled transition whose next achieved goal satisfies its (possibly relabeled) goal as
   * terminal: its target is the reward alone, without bootstrapping. Off for Fetch-style tasks
   * (baselines bootstraps through success); on for tasks where reaching the goal ends the task, as
   * SB3's BitFlippingEnv does (`terminated = reward == 0`). Recomputed per relabeled goal, like the
   * reward.
   */
  terminalOnSuccess: boolean;
  /**
   * Per-step info scalars the task's reward reads (e.g. a reward term's input); stored in the
   * replay buffer and passed back to the reward when relabeling. Empty for goal-only rewards.
   */
  rewardInfoKeys: string[];
  /**
   * Probability that a training action is replaced by a uniform random one, per env and step
   * (baselines HER `random_eps` = 0.3 on top of its DDPG noise). 0 is plain SAC, which explores by
   * its own entropy only; sparse object tasks whose learned policy stops touching the object early
   * (push) need the extra, state-independent exploration.
   */
  randomEps: number;
}

/**
 * Defaults: the shared ones ({@link OFF_POLICY_DEFAULTS}) and HER's; where they come from
 * (reference/relabeling_and_multitask.md §1.3–1.6).
 */
export const GOAL_SAC_DEFAULTS: Readonly<Omit<GoalSacOptions, 'seed'>> = Object.freeze({
  ...OFF_POLICY_DEFAULTS,
  relabel: { strategy: 'future', k: 4 } as RelabelSetting, // HER §4.5, baselines replay_k
  terminalOnSuccess: false, // Fetch semantics: bootstrap through success
  rewardInfoKeys: [] as string[],
  randomEps: 0, // plain SAC; baselines HER uses 0.3 with DDPG
});

/**
 * Watches training collection and sampling without changing either (the run's episode store,
 * replay/episode_recorder.ts). It must not draw from the algorithm's generators.
 */
export interface GoalSacObserver {
  /**
   * Env `env` starts a training episode in state `qpos` [nq], with its reset's domain-randomization
   * draws `physics` [env.physicsKeys.length] (GoalEnv.physics).
   */
  episodeStart(env: number, qpos: Float64Array, physics: Float64Array): void;
  /**
   * One training transition of env `env` and the state `qpos` after it; `at.episodeId` is the
   * replay buffer's id of the episode on the step that ends it, else null.
   */
  step(
    env: number,
    tr: GoalTransition,
    qpos: Float64Array,
    at: { iteration: number; envStep: number; episodeId: number | null },
  ): void;
  /** A batch sampled for an update. */
  sampled(batch: GoalBatch): void;
}

/** Builds env `index` of the run; every env must have the same spaces and reward. */
export type GoalEnvFactory = (index: number) => GoalEnv | Promise<GoalEnv>;

/** Result of {@link GoalSac.evaluate}. */
export interface GoalEvalReport {
  episodes: number;
  /** Share of episodes whose final step satisfies the goal. */
  success_rate: number;
  /** Mean undiscounted return. */
  episode_return: number;
}

/** Goal-conditioned SAC + HER; see the file comment. */
export class GoalSac extends EpisodeAlgorithm<GoalEnv, GoalSacOptions, RelabelSetting, GoalBatch> {
  protected readonly core: EpisodeAgent<GoalEnv, GoalSacOptions, RelabelSetting, GoalBatch>;
  private readonly goalNorm: RunningNormalizer;
  /** Sees training episodes and batches (null: nobody watches). */
  observer: GoalSacObserver | null = null;
  /** What the iteration being collected saw, for the normalizers. */
  private seen = { obs: [] as Float32Array[], goal: [] as Float32Array[] };
  /** Env steps taken so far, counted step by step while an iteration collects. */
  private envStep = 0;

  /**
   * Builds the envs and the algorithm.
   * @param factory makes env i (0 … numEnvs−1)
   * @param options `seed` plus any of {@link GOAL_SAC_DEFAULTS}
   * @throws Error when the envs' spaces differ or an option is invalid.
   */
  static async create(
    factory: GoalEnvFactory,
    options: Partial<GoalSacOptions> & { seed: number },
  ): Promise<GoalSac> {
    const opts = resolveOptions<GoalSacOptions>('goal SAC', GOAL_SAC_DEFAULTS, options);
    if (!(opts.randomEps >= 0 && opts.randomEps <= 1))
      throw new RangeError(`goal SAC: randomEps must be in [0, 1], got ${opts.randomEps}`);
    return withEnvs(factory, opts.numEnvs, (envs) => new GoalSac(envs, opts));
  }

  private constructor(envs: GoalEnv[], opts: GoalSacOptions) {
    super();
    checkSameEnvs('goal SAC', envs, 'its spaces or episode length');
    const relabel = checkRelabelSetting(opts.relabel.strategy, opts.relabel.k);
    const env = envs[0];
    this.core = new EpisodeAgent(
      envs,
      Object.freeze({ ...opts, hidden: [...opts.hidden], rewardInfoKeys: [...opts.rewardInfoKeys], relabel }),
      {
        algo: 'goal-sac',
        label: 'goal SAC',
        replayPrefix: 'goal_replay',
        relabel,
        replay: { infoKeys: opts.rewardInfoKeys, reward: env.evaluate, relabel },
        learner: { name: 'goal_sac', inputDim: env.observationSpace.shape[0] + env.goalSpace.shape[0] },
      },
      {
        reset: (i) => {
          const { obs } = this.envs[i].reset({ seed: this.core.envRng.nextUint32() });
          const env = this.envs[i];
          this.observer?.episodeStart(i, env.qpos(), env.physics?.() ?? NO_PHYSICS);
          return obs;
        },
        adder: (i, tr) => this.store(i, tr),
        toLearner: (batch) => this.sacBatch(batch),
      },
    );
    this.goalNorm = new RunningNormalizer(this.goalDim, opts.normEps, opts.normClip);
  }

  /**
   * Switches the relabeling strategy and k for every batch sampled from now on, and records
   * {envStep, strategy, k} in the switch log (the run's toggle, issue #4 §4).
   * @throws Error for an unknown strategy or a k that is not a non-negative integer.
   */
  setRelabeling(strategy: RelabelStrategy, k: number): void {
    const s = checkRelabelSetting(strategy, k);
    this.replay.setRelabeling(s.strategy, s.k);
    this.core.logSwitch(s);
  }

  /** Normalized policy input rows [B, obsDim + goalDim] from raw observations and goals. */
  private inputs(observation: Float32Array, goal: Float32Array): Float32Array {
    const width = this.obsDim + this.goalDim;
    const rows = this.goalDim === 0 ? 0 : goal.length / this.goalDim;
    const out = new Float32Array(rows * width);
    this.core.obsNorm.normalizeInto(observation, out, width, 0);
    this.goalNorm.normalizeInto(goal, out, width, this.obsDim);
    return out;
  }

  /**
   * Actions of the deterministic policy tanh(μ) for raw observations [B, obsDim] and desired goals
   * [B, goalDim] → [B, actDim] in [-1, 1].
   */
  actDeterministic(observation: Float32Array, desiredGoal: Float32Array): Float32Array {
    return this.learner.act(this.inputs(observation, desiredGoal), true);
  }

  /**
   * Replaces each env's row of `actions` [numEnvs, actDim] by a uniform random action with
   * probability `randomEps` (baselines HER's ε-random exploration). Draws nothing when ε = 0, so
   * runs without it keep their random streams.
   */
  private explore(actions: Float32Array): Float32Array {
    const eps = this.options.randomEps;
    if (eps <= 0) return actions;
    for (let r = 0; r < actions.length / this.actDim; r++)
      if (this.core.envRng.uniform() < eps) actions.set(this.core.randomActions(1), r * this.actDim);
    return actions;
  }

  /**
   * A training transition of env `env`: into the replay buffer (whose sampling relabels it later),
   * its observation and goals noted for the normalizers, shown to the observer.
   */
  private store(env: number, tr: LockstepTransition): void {
    this.replay.add(env, tr);
    this.seen.obs.push(Float32Array.from(tr.observation));
    this.seen.goal.push(Float32Array.from(tr.desiredGoal), Float32Array.from(tr.nextAchievedGoal));
    const observer = this.observer;
    if (observer) {
      const ended = tr.terminated || tr.truncated; // the buffer stored the episode just now
      observer.step(env, tr, this.envs[env].qpos(), {
        iteration: this.iteration + 1,
        envStep: ++this.envStep,
        episodeId: ended ? this.replay.episodes - 1 : null,
      });
    }
  }

  /**
   * One iteration: `episodesPerIteration` whole episodes per env with the stochastic policy
   * (uniform random before `learningStarts`), the normalizer updated with their observations and
   * goals, then `updatesPerIteration` SAC updates on relabeled batches.
   *
   * @returns metrics: success_rate (share of this iteration's episodes whose final step meets the
   *   goal), episode_return, episode_length, SAC losses/alpha/entropy/q_mean (means over updates),
   *   relabel_<source> (transitions per goal source over the iteration's batches), relabel_share,
   *   relabel_strategy (index into RELABEL_STRATEGIES), relabel_k, updates, replay_size, and
   *   achieved_goal_shift: the mean distance between an episode's first and last achieved goal
   *   (goal units; on object tasks how far the object was moved, 0 while the agent never touches it).
   */
  async iterate(abortPoint?: AbortPoint): Promise<Metrics> {
    const { obsDim, goalDim } = this;
    const agent = this.core.agent;
    this.seen = { obs: [], goal: [] };
    this.envStep = this.envSteps;
    const { steps, episodes } = agent.collect(
      this.core.behaviour((obs, goal) => this.explore(this.learner.act(this.inputs(obs, goal), false))),
      abortPoint,
    );
    // After collection, as baselines does: the statistics cover the goals relabeling can produce
    // (achieved goals) as well as the desired ones.
    this.core.obsNorm.update(concatRows(this.seen.obs, obsDim));
    this.goalNorm.update(concatRows(this.seen.goal, goalDim));

    const counts = emptyCounts();
    const observer = this.observer;
    const stats = this.core.train(abortPoint, (batch) => {
      observer?.sampled(batch);
      addCounts(counts, batch.counts);
    });
    agent.iteration += 1;
    const total = GOAL_SOURCES.reduce((s, k) => s + counts[k], 0);
    const setting = this.replay.relabeling;
    const metrics: Metrics = {
      ...this.core.iterationMetrics(episodes, steps, stats),
      relabel_strategy: RELABEL_STRATEGIES.indexOf(setting.strategy),
      relabel_k: setting.k,
      relabel_share: total === 0 ? 0 : (total - counts.original) / total,
      achieved_goal_shift: episodes.reduce((a, e) => a + e.goalShift, 0) / episodes.length,
    };
    for (const s of GOAL_SOURCES) metrics[`relabel_${s}`] = counts[s];
    return metrics;
  }

  /** Learner inputs of a relabeled batch: [obs, goal] and [next obs, goal], normalized. */
  private sacBatch(batch: GoalBatch): SacBatch {
    return {
      size: batch.size,
      input: this.inputs(batch.observation, batch.desiredGoal),
      action: batch.action,
      reward: batch.reward,
      nextInput: this.inputs(batch.nextObservation, batch.desiredGoal),
      terminated: this.options.terminalOnSuccess
        ? batch.terminated.map((t, b) => Math.max(t, batch.success[b]))
        : batch.terminated,
    };
  }

  /**
   * Rollouts of the deterministic policy tanh(μ) on the training envs (between iterations no
   * episode is in flight); nothing is stored and no training generator is advanced.
   * @param episodes per env
   * @param seed seeds the env resets
   */
  evaluate(episodes: number, seed: number): GoalEvalReport {
    const seeds = new Rng(seed);
    const rollouts = new LockstepCollector(
      this.envs,
      episodes,
      (i) => this.envs[i].reset({ seed: seeds.nextUint32() }).obs,
    );
    const { episodes: outcomes } = rollouts.collect(
      (obs, goal) => this.actDeterministic(obs, goal),
      () => {},
    );
    return {
      episodes: outcomes.length,
      success_rate: outcomes.filter((e) => e.success).length / outcomes.length,
      episode_return: outcomes.reduce((s, e) => s + e.ret, 0) / outcomes.length,
    };
  }

  /**
   * Everything needed to continue bit-exactly: learner weights and Adam states, the replay buffer
   * (`goal_replay/…`), and in `meta` the counters, generator states, normalizer sums (`obsNorm`,
   * `goalNorm`), relabeling setting and switch log (see {@link EpisodeAgent.saveState}).
   */
  async saveState(): Promise<AlgorithmState> {
    return this.core.saveState({ goalNorm: this.goalNorm.getState() }, this.replay.relabeling);
  }

  /**
   * Restores {@link saveState} into an instance built with the same options and env shapes.
   * @throws Error naming the part that is missing or does not fit.
   */
  async loadState(state: AlgorithmState): Promise<void> {
    const m = this.core.checkpointMeta<{ goalNorm: NormalizerState }>(state);
    const relabel = checkRelabelSetting(m.relabel.strategy, m.relabel.k);
    await this.core.loadState(state, m);
    this.replay.setRelabeling(relabel.strategy, relabel.k);
    this.goalNorm.setState(m.goalNorm);
  }
}

function addCounts(into: RelabelCounts, add: RelabelCounts): void {
  for (const s of GOAL_SOURCES) into[s] += add[s];
}
