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
 *
 * The run config, trainer and CLI wiring (RunConfig, `Algorithm`) are the integrator's: this module
 * takes its own {@link GoalSacOptions} and a factory of {@link GoalEnv}s.
 */
import type { GoalEnv } from '../sim/types.ts';
import type { NamedArrays } from '../nn/checkpoint.ts';
import { Rng } from '../rng.ts';
import { GoalReplayBuffer, type GoalBatch, type GoalTransition } from '../replay/goal_buffer.ts';
import {
  checkRelabelSetting,
  emptyCounts,
  GOAL_SOURCES,
  RELABEL_STRATEGIES,
  type RelabelCounts,
  type RelabelSetting,
  type RelabelStrategy,
} from '../replay/relabel.ts';
import { SacLearner, meanStats, uid, type SacUpdateStats } from './sac.ts';
import {
  checkOffPolicyOptions,
  withDefaults,
  withEnvs,
  type OffPolicyOptions,
} from './off_policy_options.ts';
import type { AlgorithmState, Metrics } from './types.ts';

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

/** Defaults; where they come from (reference/relabeling_and_multitask.md §1.3–1.6). */
export const GOAL_SAC_DEFAULTS: Readonly<Omit<GoalSacOptions, 'seed'>> = Object.freeze({
  numEnvs: 1,
  hidden: [256, 256], // SB3 zoo SAC+HER uses 256-512 wide nets; baselines 3×256
  lr: 1e-3, // baselines HER actor/critic lr; SB3 zoo HER lr
  gamma: 0.98, // 1 − 1/T with T = 50 (baselines HER config)
  tau: 0.05, // baselines polyak 0.95; SB3 zoo HER τ = 0.05
  batchSize: 256, // baselines HER batch_size
  replayCapacity: 1_000_000, // baselines / SB3 buffer size
  episodesPerIteration: 2, // baselines rollout_batch_size
  updatesPerIteration: 40, // baselines n_batches per cycle
  learningStarts: 1000,
  relabel: { strategy: 'future', k: 4 } as RelabelSetting, // HER §4.5, baselines replay_k
  alphaMode: 'auto' as const,
  alphaInit: 1,
  targetEntropy: null,
  rewardScale: 1,
  normEps: 0.01, // baselines norm_eps
  normClip: 5, // baselines norm_clip
  terminalOnSuccess: false, // Fetch semantics: bootstrap through success
  rewardInfoKeys: [] as string[],
  randomEps: 0, // plain SAC; baselines HER uses 0.3 with DDPG
});

/**
 * Watches training collection and sampling without changing either (the run's episode store,
 * replay/episode_recorder.ts). It must not draw from the algorithm's generators.
 */
export interface GoalSacObserver {
  /** Env `env` starts a training episode in state `qpos` [nq]. */
  episodeStart(env: number, qpos: Float64Array): void;
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

/** One entry of the relabeling switch log. */
export interface RelabelSwitch {
  /** Env steps taken when the setting took effect. */
  envStep: number;
  strategy: RelabelStrategy;
  k: number;
}

/** Result of {@link GoalSac.evaluate}. */
export interface GoalEvalReport {
  episodes: number;
  /** Share of episodes whose final step satisfies the goal. */
  success_rate: number;
  /** Mean undiscounted return. */
  episode_return: number;
}

/**
 * Running mean and standard deviation of vectors, for input normalization
 * (baselines `her/normalizer.py`): mean = Σx/n, std = √max(ε², Σx²/n − mean²), output
 * clip((x − mean)/std, ±clip). Sums are float64 so the statistics are reproducible and can be
 * checkpointed exactly (as JSON numbers).
 */
export class RunningNormalizer {
  private sum: Float64Array;
  private sumSq: Float64Array;
  private n = 0;
  private readonly mean: Float32Array;
  private readonly invStd: Float32Array;

  /** @param dim vector length; @param eps ε of the std; @param clip bound of the output */
  constructor(
    readonly dim: number,
    readonly eps: number,
    readonly clip: number,
  ) {
    this.sum = new Float64Array(dim);
    this.sumSq = new Float64Array(dim);
    this.mean = new Float32Array(dim);
    this.invStd = new Float32Array(dim).fill(1);
  }

  /** Adds the rows of `x` [rows, dim] to the statistics and recomputes mean and std. */
  update(x: ArrayLike<number>): void {
    const d = this.dim;
    const rows = d === 0 ? 0 : x.length / d;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < d; i++) {
        const v = x[r * d + i];
        this.sum[i] += v;
        this.sumSq[i] += v * v;
      }
    }
    this.n += rows;
    this.recompute();
  }

  private recompute(): void {
    if (this.n === 0) return;
    for (let i = 0; i < this.dim; i++) {
      const m = this.sum[i] / this.n;
      const variance = this.sumSq[i] / this.n - m * m;
      this.mean[i] = m;
      this.invStd[i] = 1 / Math.sqrt(Math.max(this.eps * this.eps, variance));
    }
  }

  /**
   * Writes the normalized rows of `x` [rows, dim] into `out` [rows, width] at column `col`, so that
   * observation and goal land side by side in one input row.
   */
  normalizeInto(x: Float32Array, out: Float32Array, width: number, col: number): void {
    const d = this.dim;
    const rows = d === 0 ? 0 : x.length / d;
    const c = this.clip;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < d; i++) {
        const v = (x[r * d + i] - this.mean[i]) * this.invStd[i];
        out[r * width + col + i] = v > c ? c : v < -c ? -c : v;
      }
    }
  }

  /** JSON-able state (float64 sums as numbers, exact through JSON). */
  getState(): { sum: number[]; sumSq: number[]; n: number } {
    return { sum: [...this.sum], sumSq: [...this.sumSq], n: this.n };
  }

  /** @throws Error when the state's length differs from dim. */
  setState(s: { sum: number[]; sumSq: number[]; n: number }): void {
    if (s?.sum?.length !== this.dim || s.sumSq?.length !== this.dim)
      throw new Error(`normalizer state has the wrong length (expected ${this.dim})`);
    this.sum = Float64Array.from(s.sum);
    this.sumSq = Float64Array.from(s.sumSq);
    this.n = s.n;
    this.mean.fill(0);
    this.invStd.fill(1);
    this.recompute();
  }
}

/** Goal-conditioned SAC + HER; see the file comment. */
export class GoalSac {
  readonly options: Readonly<GoalSacOptions>;
  readonly envs: GoalEnv[];
  readonly replay: GoalReplayBuffer;
  readonly learner: SacLearner;
  readonly obsDim: number;
  readonly goalDim: number;
  readonly actDim: number;
  private readonly obsNorm: RunningNormalizer;
  private readonly goalNorm: RunningNormalizer;
  /** Env reset seeds and warm-up actions. */
  private readonly envRng: Rng;
  /** Replay indices and relabeled goals. */
  private readonly sampleRng: Rng;
  private log: RelabelSwitch[];
  /** Sees training episodes and batches (null: nobody watches). */
  observer: GoalSacObserver | null = null;
  envSteps = 0;
  iteration = 0;

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
    const opts = withDefaults<GoalSacOptions>(GOAL_SAC_DEFAULTS, options);
    checkOffPolicyOptions('goal SAC', opts);
    if (!(opts.randomEps >= 0 && opts.randomEps <= 1))
      throw new RangeError(`goal SAC: randomEps must be in [0, 1], got ${opts.randomEps}`);
    return withEnvs(factory, opts.numEnvs, (envs) => new GoalSac(envs, opts));
  }

  private constructor(envs: GoalEnv[], opts: GoalSacOptions) {
    const env = envs[0];
    const dims = (e: GoalEnv) =>
      [e.observationSpace.shape[0], e.goalSpace.shape[0], e.actionSpace.shape[0], e.maxEpisodeSteps].join(
        ',',
      );
    for (const e of envs) {
      if (dims(e) !== dims(env))
        throw new Error(
          `goal SAC: env '${e.name}' differs from '${env.name}' in its spaces or episode length`,
        );
    }
    const relabel = checkRelabelSetting(opts.relabel.strategy, opts.relabel.k);
    this.options = Object.freeze({
      ...opts,
      hidden: [...opts.hidden],
      rewardInfoKeys: [...opts.rewardInfoKeys],
      relabel,
    });
    this.envs = envs;
    this.obsDim = env.observationSpace.shape[0];
    this.goalDim = env.goalSpace.shape[0];
    this.actDim = env.actionSpace.shape[0];
    const root = new Rng(opts.seed);
    this.envRng = root.fork();
    this.sampleRng = root.fork();
    this.replay = new GoalReplayBuffer({
      capacity: opts.replayCapacity,
      maxEpisodeSteps: env.maxEpisodeSteps,
      numEnvs: envs.length,
      obsDim: this.obsDim,
      goalDim: this.goalDim,
      actDim: this.actDim,
      infoKeys: opts.rewardInfoKeys,
      reward: env.evaluate,
      relabel,
    });
    this.learner = new SacLearner({
      name: `goal_sac${uid()}`,
      inputDim: this.obsDim + this.goalDim,
      actDim: this.actDim,
      hidden: opts.hidden,
      lr: opts.lr,
      gamma: opts.gamma,
      tau: opts.tau,
      rewardScale: opts.rewardScale,
      alphaMode: opts.alphaMode,
      alphaInit: opts.alphaInit,
      targetEntropy: opts.targetEntropy,
      seed: root.nextUint32(),
    });
    this.obsNorm = new RunningNormalizer(this.obsDim, opts.normEps, opts.normClip);
    this.goalNorm = new RunningNormalizer(this.goalDim, opts.normEps, opts.normClip);
    this.log = [{ envStep: 0, ...relabel }];
  }

  /** The relabeling switches so far; the first entry is the initial setting at env step 0. */
  get switchLog(): readonly RelabelSwitch[] {
    return this.log.map((s) => ({ ...s }));
  }

  /**
   * Switches the relabeling strategy and k for every batch sampled from now on, and records
   * {envStep, strategy, k} in the switch log (the run's toggle, issue #4 §4).
   * @throws Error for an unknown strategy or a k that is not a non-negative integer.
   */
  setRelabeling(strategy: RelabelStrategy, k: number): void {
    const s = checkRelabelSetting(strategy, k);
    this.replay.setRelabeling(s.strategy, s.k);
    this.log.push({ envStep: this.envSteps, ...s });
  }

  /** Normalized policy input rows [B, obsDim + goalDim] from raw observations and goals. */
  private inputs(observation: Float32Array, goal: Float32Array): Float32Array {
    const width = this.obsDim + this.goalDim;
    const rows = this.goalDim === 0 ? 0 : goal.length / this.goalDim;
    const out = new Float32Array(rows * width);
    this.obsNorm.normalizeInto(observation, out, width, 0);
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
   * Runs `rounds` rounds of whole episodes on all envs in lockstep, each env reset with a seed from
   * `seeds`; `choose` maps raw observations and goals of all envs to actions; `onStep` sees every
   * transition. An env whose episode ended waits for the others.
   */
  private rollouts(
    rounds: number,
    seeds: Rng,
    choose: (obs: Float32Array, goal: Float32Array) => Float32Array,
    onStep?: (env: number, tr: GoalTransition) => void,
    onReset?: (env: number) => void,
  ): { steps: number; returns: number[]; successes: boolean[] } {
    const n = this.envs.length;
    const { obsDim, goalDim, actDim } = this;
    const returns: number[] = [];
    const successes: boolean[] = [];
    let steps = 0;
    for (let round = 0; round < rounds; round++) {
      const obs = new Float32Array(n * obsDim);
      const ag = new Float32Array(n * goalDim);
      const goal = new Float32Array(n * goalDim);
      const active = new Array<boolean>(n).fill(true);
      const ret = new Float64Array(n);
      const success = new Array<boolean>(n).fill(false);
      this.envs.forEach((env, i) => {
        const { obs: o } = env.reset({ seed: seeds.nextUint32() });
        obs.set(o.observation, i * obsDim);
        ag.set(o.achievedGoal, i * goalDim);
        goal.set(o.desiredGoal, i * goalDim);
        onReset?.(i);
      });
      while (active.some(Boolean)) {
        const actions = choose(obs, goal);
        for (let i = 0; i < n; i++) {
          if (!active[i]) continue;
          const action = actions.subarray(i * actDim, (i + 1) * actDim);
          const out = this.envs[i].step(action);
          steps += 1;
          ret[i] += out.reward;
          onStep?.(i, {
            observation: obs.subarray(i * obsDim, (i + 1) * obsDim),
            action,
            reward: out.reward,
            nextObservation: out.obs.observation,
            achievedGoal: ag.subarray(i * goalDim, (i + 1) * goalDim),
            nextAchievedGoal: out.obs.achievedGoal,
            desiredGoal: goal.subarray(i * goalDim, (i + 1) * goalDim),
            terminated: out.terminated,
            truncated: out.truncated,
            info: out.info,
          });
          obs.set(out.obs.observation, i * obsDim);
          ag.set(out.obs.achievedGoal, i * goalDim);
          if (out.terminated || out.truncated) {
            active[i] = false;
            success[i] = Boolean(out.info.success);
          }
        }
      }
      returns.push(...ret);
      successes.push(...success);
    }
    return { steps, returns, successes };
  }

  /** Uniform random actions in the action space, for the warm-up. */
  private randomActions(rows: number): Float32Array {
    const { low, high } = this.envs[0].actionSpace;
    const a = new Float32Array(rows * this.actDim);
    for (let i = 0; i < a.length; i++) {
      const j = i % this.actDim;
      a[i] = this.envRng.uniformRange(low[j], high[j]);
    }
    return a;
  }

  /**
   * Replaces each env's row of `actions` [numEnvs, actDim] by a uniform random action with
   * probability `randomEps` (baselines HER's ε-random exploration). Draws nothing when ε = 0, so
   * runs without it keep their random streams.
   */
  private explore(actions: Float32Array): Float32Array {
    const eps = this.options.randomEps;
    if (eps <= 0) return actions;
    const { low, high } = this.envs[0].actionSpace;
    for (let r = 0; r < actions.length / this.actDim; r++) {
      if (this.envRng.uniform() >= eps) continue;
      for (let j = 0; j < this.actDim; j++)
        actions[r * this.actDim + j] = this.envRng.uniformRange(low[j], high[j]);
    }
    return actions;
  }

  /**
   * One iteration: `episodesPerIteration` whole episodes per env with the stochastic policy
   * (uniform random before `learningStarts`), the normalizer updated with their observations and
   * goals, then `updatesPerIteration` SAC updates on relabeled batches.
   *
   * @returns metrics: success_rate (share of this iteration's episodes whose final step meets the
   *   goal), episode_return, episode_length, SAC losses/alpha/entropy/q_mean (means over updates),
   *   relabel_<source> (transitions per goal source over the iteration's batches), relabel_share,
   *   relabel_strategy (index into RELABEL_STRATEGIES), relabel_k, updates, replay_size.
   */
  async iterate(): Promise<Metrics> {
    const { obsDim, goalDim } = this;
    const opts = this.options;
    const warmup = this.envSteps < opts.learningStarts;
    const seen = { obs: [] as Float32Array[], goal: [] as Float32Array[] };
    const observer = this.observer;
    let envStep = this.envSteps;
    const { steps, returns, successes } = this.rollouts(
      opts.episodesPerIteration,
      this.envRng,
      (obs, goal) =>
        warmup
          ? this.randomActions(this.envs.length)
          : this.explore(this.learner.act(this.inputs(obs, goal), false)),
      (env, tr) => {
        this.replay.add(env, tr);
        seen.obs.push(Float32Array.from(tr.observation));
        seen.goal.push(Float32Array.from(tr.desiredGoal), Float32Array.from(tr.nextAchievedGoal));
        if (observer) {
          const ended = tr.terminated || tr.truncated; // the buffer stored the episode just now
          observer.step(env, tr, this.envs[env].qpos(), {
            iteration: this.iteration + 1,
            envStep: ++envStep,
            episodeId: ended ? this.replay.episodes - 1 : null,
          });
        }
      },
      observer ? (env) => observer.episodeStart(env, this.envs[env].qpos()) : undefined,
    );
    this.envSteps += steps;
    // After collection, as baselines does: the statistics cover the goals relabeling can produce
    // (achieved goals) as well as the desired ones.
    this.obsNorm.update(concat(seen.obs, obsDim));
    this.goalNorm.update(concat(seen.goal, goalDim));

    const stats: SacUpdateStats[] = [];
    const counts = emptyCounts();
    if (this.envSteps >= opts.learningStarts && this.replay.size > 0) {
      for (let u = 0; u < opts.updatesPerIteration; u++) {
        const batch = this.replay.sample(opts.batchSize, this.sampleRng);
        observer?.sampled(batch);
        addCounts(counts, batch.counts);
        stats.push(this.learner.update(this.sacBatch(batch)));
      }
    }
    this.iteration += 1;
    const total = GOAL_SOURCES.reduce((s, k) => s + counts[k], 0);
    const setting = this.replay.relabeling;
    const metrics: Metrics = {
      success_rate: successes.filter(Boolean).length / successes.length,
      episode_return: returns.reduce((s, r) => s + r, 0) / returns.length,
      episode_length: steps / returns.length,
      ...meanStats(stats),
      updates: stats.length,
      replay_size: this.replay.size,
      relabel_strategy: RELABEL_STRATEGIES.indexOf(setting.strategy),
      relabel_k: setting.k,
      relabel_share: total === 0 ? 0 : (total - counts.original) / total,
    };
    for (const s of GOAL_SOURCES) metrics[`relabel_${s}`] = counts[s];
    return metrics;
  }

  /** Learner inputs of a relabeled batch: [obs, goal] and [next obs, goal], normalized. */
  private sacBatch(batch: GoalBatch) {
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
    const { returns, successes } = this.rollouts(episodes, new Rng(seed), (obs, goal) =>
      this.actDeterministic(obs, goal),
    );
    return {
      episodes: returns.length,
      success_rate: successes.filter(Boolean).length / successes.length,
      episode_return: returns.reduce((s, r) => s + r, 0) / returns.length,
    };
  }

  /**
   * Everything needed to continue bit-exactly: learner weights and Adam states, the replay buffer
   * (`goal_replay/…`), and in `meta` the counters, generator states, normalizer sums, relabeling
   * setting and switch log.
   */
  async saveState(): Promise<AlgorithmState> {
    const learner = await this.learner.saveState('sac');
    const arrays: NamedArrays = { ...learner.arrays, ...this.replay.save('goal_replay') };
    return {
      arrays,
      meta: {
        algo: 'goal-sac',
        envSteps: this.envSteps,
        iteration: this.iteration,
        envRng: this.envRng.getState(),
        sampleRng: this.sampleRng.getState(),
        learnerRng: learner.rng,
        obsNorm: this.obsNorm.getState(),
        goalNorm: this.goalNorm.getState(),
        relabel: this.replay.relabeling,
        switchLog: this.switchLog,
      },
    };
  }

  /**
   * Restores {@link saveState} into an instance built with the same options and env shapes.
   * @throws Error naming the part that is missing or does not fit.
   */
  async loadState(state: AlgorithmState): Promise<void> {
    const m = state.meta as {
      algo?: string;
      envSteps: number;
      iteration: number;
      envRng: number[];
      sampleRng: number[];
      learnerRng: number[];
      obsNorm: { sum: number[]; sumSq: number[]; n: number };
      goalNorm: { sum: number[]; sumSq: number[]; n: number };
      relabel: RelabelSetting;
      switchLog: RelabelSwitch[];
    };
    if (m?.algo !== 'goal-sac')
      throw new Error(`goal SAC: the checkpoint is not a goal-sac state (${m?.algo})`);
    const relabel = checkRelabelSetting(m.relabel.strategy, m.relabel.k);
    await this.learner.loadState('sac', state.arrays, m.learnerRng);
    this.replay.load(state.arrays, 'goal_replay');
    this.replay.setRelabeling(relabel.strategy, relabel.k);
    this.obsNorm.setState(m.obsNorm);
    this.goalNorm.setState(m.goalNorm);
    this.envRng.setState(m.envRng);
    this.sampleRng.setState(m.sampleRng);
    this.envSteps = m.envSteps;
    this.iteration = m.iteration;
    this.log = m.switchLog.map((s) => ({ ...s }));
  }

  /** Frees the networks and closes the envs. */
  dispose(): void {
    this.learner.dispose();
    for (const e of this.envs) e.close();
  }
}

function concat(rows: Float32Array[], width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(r, i * width));
  return out;
}

function addCounts(into: RelabelCounts, add: RelabelCounts): void {
  for (const s of GOAL_SOURCES) into[s] += add[s];
}
