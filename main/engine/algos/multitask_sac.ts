/**
 * Multi-task SAC with task relabeling (issue #4 §5).
 *
 * - Learner: SAC (Haarnoja et al. 2018, arXiv 1812.05905; `SacLearner` in sac.ts) with a
 *   task-conditioned policy π(a | s, t) and twin critics Q(s, a, t). The task enters every network
 *   as a one-hot block after the normalized observation, either as is (`one-hot`, Meta-World's
 *   MT-SAC input) or through a learned K×d embedding per network (`embedding`, nn/task_embedding.ts;
 *   cf. Hausman et al. 2018).
 * - Tasks: a finite {@link TaskFamily} over one dynamics (sim/multi_goal_env.ts). Every episode pursues
 *   one task drawn uniformly; each transition stores its task, its next achieved features and the
 *   family's info columns, so any transition can be re-scored under any task.
 * - Relabeling (replay/task_relabel.ts): none, random, all, highest-return (Generalized Hindsight's
 *   AIR, Li et al. 2020, labels computed when the episode enters the buffer) and hipi (HIPI-RL,
 *   Eysenbach et al. 2020: logits r − log π + γ(1 − done)·Q over the batch × tasks, columns
 *   normalized by their log-partition over the batch). Rewards of every row are recomputed by the
 *   family's reward under the row's final task. Switchable between batches, each switch logged with
 *   its env step.
 * - HIPI terms: r_k is scaled by `rewardScale` like the critic's reward; log π(a|s, k) of the stored
 *   action and min(Q1, Q2)(s', a' ~ π(·|s', k), k) of the online critics (HIPI evaluates its critic
 *   the same way, at a sampled next action), both from `SacLearner`; the log π coefficient is 1 as
 *   in HIPI's code, or SAC's α (`hipiLogPiWeight`). Cost: B·K extra policy and critic forward passes
 *   per batch.
 * - Replay: the episode-structured goal buffer (replay/goal_buffer.ts) with HER relabeling off; the
 *   stored and highest-return tasks travel as its info columns `task` and `air_task`.
 * - Inputs, collection, bootstrapping and checkpoints as in goal_sac.ts (their common part is
 *   off_policy_core.ts): observations normalized by running mean/std (ε 0.01, clip ±5, baselines
 *   HER), whole episodes per iteration (no episode in flight between iterations, so checkpoints
 *   continue bit-exactly), truncation bootstraps, termination does not.
 *
 * The run config, trainer and CLI wiring are the integrator's: this module takes its own
 * {@link MultitaskSacOptions} and a factory of {@link MultiTaskEnv}s.
 */
import { TaskEmbeddingMLP } from '../nn/task_embedding.ts';
import type { MLPOptions } from '../nn/mlp.ts';
import { Rng } from '../rng.ts';
import type { GoalBatch, GoalReplayBuffer, GoalTransition } from '../replay/goal_buffer.ts';
import {
  assignTasks,
  checkTaskRelabelSetting,
  discountedTaskReturns,
  emptyTaskCounts,
  hipiLogits,
  planTaskBatch,
  ReturnCache,
  TASK_RELABEL_STRATEGIES,
  TASK_SOURCES,
  type TaskRelabelCounts,
  type TaskRelabelSetting,
  type TaskRelabelStrategy,
} from '../replay/task_relabel.ts';
import type { MultiTaskEnv, TaskFamily } from '../sim/multi_goal_env.ts';
import type { SacBatch } from './sac.ts';
import type { GoalObservation } from '../sim/types.ts';
import type { BatchSource } from './off_policy_agent.ts';
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
  type EpisodeOutcome,
  type LockstepPolicy,
  type LockstepTransition,
} from './off_policy_core.ts';
import type { AbortPoint, AlgorithmState, Metrics } from './types.ts';

/** Options of {@link MultitaskSac}; defaults and sources in {@link MULTITASK_SAC_DEFAULTS}. */
export interface MultitaskSacOptions extends OffPolicyOptions {
  /** Initial relabeling strategy and the share of each batch it relabels. */
  relabel: TaskRelabelSetting;
  /** How the task enters the networks. */
  taskEncoding: 'one-hot' | 'embedding';
  /** d of the learned task embedding (`embedding` only). */
  embeddingDim: number;
  /** Recent trajectories whose returns rank a new one for highest-return relabeling. */
  airCacheSize: number;
  /**
   * Weight w of the log π term of HIPI's logits, r − w·log π + γQ: 1 as in HIPI's code, or 'alpha'
   * for SAC's current temperature α (the entropy weight the critic's soft values are trained with).
   */
  hipiLogPiWeight: number | 'alpha';
}

/**
 * Defaults: the shared ones ({@link OFF_POLICY_DEFAULTS}) and task relabeling's; where they come from
 * (reference/relabeling_and_multitask.md §1.3, §2, §3).
 */
export const MULTITASK_SAC_DEFAULTS: Readonly<Omit<MultitaskSacOptions, 'seed'>> = Object.freeze({
  ...OFF_POLICY_DEFAULTS,
  relabel: { strategy: 'hipi', ratio: 0.5 } as TaskRelabelSetting, // HIPI README relabel_prob 0.5
  taskEncoding: 'one-hot' as const, // Meta-World MT-SAC: observation + one-hot task id
  embeddingDim: 4, // garage TE latent dim for MT10
  airCacheSize: 500, // GH `cached_paths[:500]`
  hipiLogPiWeight: 1 as number | 'alpha', // HIPI `_soft_relabel`: rewards − log_pi + γ·Q
});

/** Builds env `index` of the run; every env must have the same spaces, episode length and family. */
export type MultiTaskEnvFactory = (index: number) => MultiTaskEnv | Promise<MultiTaskEnv>;

/** Result of {@link MultitaskSac.evaluate}. */
export interface MultitaskEvalReport {
  /** Episodes in all. */
  episodes: number;
  /** Mean over tasks of the per-task success rate (final step within the goal). */
  success_rate: number;
  /** [K] share of each task's episodes whose final step succeeds. */
  task_success: number[];
  /** Mean undiscounted return over all episodes. */
  episode_return: number;
}

/** A relabeled batch of B rows, row-major. */
export interface TaskBatch {
  size: number;
  observation: Float32Array; // [B, obsDim]
  action: Float32Array; // [B, actDim]
  nextObservation: Float32Array; // [B, obsDim]
  /** [B, achievedDim] what the reward reads. */
  nextAchievedGoal: Float32Array;
  /** [B] the task stored with the transition. */
  originalTask: Int32Array;
  /** [B] the task the row trains on. */
  task: Int32Array;
  /** [B] r_task(next achieved), recomputed by the family's reward. */
  reward: Float32Array;
  /** [B] 1 where the next achieved features satisfy `task`. */
  success: Uint8Array;
  terminated: Float32Array; // [B] 1 → no bootstrap
  /** [B] codes into TASK_SOURCES (0 = original). */
  source: Uint8Array;
  counts: TaskRelabelCounts;
  /** Rows whose task differs from the stored one. */
  changed: number;
  /** [B] ring slot of each row's transition in the replay buffer. */
  slot: Int32Array;
}

/** Info columns of the replay buffer: the stored task and its highest-return (AIR) label. */
export const TASK_INFO_KEY = 'task';
export const AIR_INFO_KEY = 'air_task';

/** Multi-task SAC with task relabeling; see the file comment. */
export class MultitaskSac extends EpisodeAlgorithm<
  MultiTaskEnv,
  MultitaskSacOptions,
  TaskRelabelSetting,
  TaskBatch
> {
  readonly family: TaskFamily;
  readonly numTasks: number;
  protected readonly core: EpisodeAgent<MultiTaskEnv, MultitaskSacOptions, TaskRelabelSetting, TaskBatch>;
  private readonly airCache: ReturnCache;
  /** The batch source: rows drawn and given their tasks by the current relabeling. */
  private readonly relabeler: TaskRelabeler;
  /** Training episodes: each env's task, drawn at its reset, and the steps staged until it ends. */
  private readonly training: TaskEpisodes;
  /** Observations the iteration being collected saw, for the normalizer. */
  private seen: Float32Array[] = [];

  /**
   * Builds the envs and the algorithm.
   * @param factory makes env i (0 … numEnvs−1)
   * @param options `seed` plus any of {@link MULTITASK_SAC_DEFAULTS} (undefined → default)
   * @throws Error when the envs differ or an option is out of range (naming it); the envs made so far
   *   are closed.
   */
  static async create(
    factory: MultiTaskEnvFactory,
    options: Partial<MultitaskSacOptions> & { seed: number },
  ): Promise<MultitaskSac> {
    const opts = resolveOptions<MultitaskSacOptions>('multi-task SAC', MULTITASK_SAC_DEFAULTS, options);
    checkOptions(opts);
    return withEnvs(factory, opts.numEnvs, (envs) => new MultitaskSac(envs, opts));
  }

  private constructor(envs: MultiTaskEnv[], opts: MultitaskSacOptions) {
    super();
    checkSameEnvs('multi-task SAC', envs, 'its spaces or tasks', (e) => [e.family.numTasks]);
    const family = envs[0].family;
    if ([TASK_INFO_KEY, AIR_INFO_KEY].some((k) => family.infoKeys.includes(k)))
      throw new Error(
        `multi-task SAC: the family's info keys may not be named ${TASK_INFO_KEY} or ${AIR_INFO_KEY}`,
      );
    const relabel = checkTaskRelabelSetting(opts.relabel.strategy, opts.relabel.ratio);
    const obsDim = envs[0].observationSpace.shape[0];
    const K = family.numTasks;
    this.family = family;
    this.numTasks = K;
    this.training = new TaskEpisodes(
      envs,
      () => this.core.envRng.int(K),
      () => this.core.envRng.nextUint32(),
      (env, task, trs) => {
        this.store(env, task, trs);
        for (const tr of trs) this.seen.push(tr.observation as Float32Array);
      },
    );
    this.core = new EpisodeAgent(
      envs,
      Object.freeze({ ...opts, hidden: [...opts.hidden], relabel }),
      {
        algo: 'multitask-sac',
        label: 'multi-task SAC',
        replayPrefix: 'task_replay',
        relabel,
        replay: {
          infoKeys: [...family.infoKeys, TASK_INFO_KEY, AIR_INFO_KEY],
          // Rows as stored: each transition scored under its own task. Relabeled rows are re-scored
          // by the task relabeler.
          reward: (achieved, _desired, info) => family.evaluate(info![TASK_INFO_KEY], achieved, info),
          relabel: { strategy: 'none', k: 0 },
        },
        learner: {
          name: 'multitask_sac',
          inputDim: obsDim + K,
          network:
            opts.taskEncoding === 'embedding'
              ? (o: MLPOptions) =>
                  new TaskEmbeddingMLP(o, { from: obsDim, numTasks: K, dim: opts.embeddingDim })
              : undefined,
        },
      },
      {
        reset: (i) => this.training.reset(i),
        adder: (i, tr) => this.training.step(i, tr),
        sampler: { sample: (B, rng) => this.relabeler.sample(B, rng) },
        toLearner: (batch) => this.sacBatch(batch),
      },
    );
    this.airCache = new ReturnCache(opts.airCacheSize, K);
    this.relabeler = new TaskRelabeler(this.core.replay, family, relabel, (rows, B) =>
      this.hipiLogitsOf(rows, B),
    );
  }

  /** The relabeling that sampled batches use now. */
  get relabeling(): TaskRelabelSetting {
    return { ...this.relabeler.setting };
  }

  /**
   * Switches the task relabeling for every batch sampled from now on and records {envStep,
   * strategy, ratio} in the switch log (the run's toggle, like the HER strategies).
   * @throws Error for an unknown strategy or a ratio outside [0, 1].
   */
  setRelabeling(strategy: TaskRelabelStrategy, ratio: number): void {
    const s = checkTaskRelabelSetting(strategy, ratio);
    this.relabeler.setting = s;
    this.core.logSwitch(s);
  }

  /**
   * Network input rows [B, obsDim + K]: the normalized observation, then the one-hot task.
   * @param observation [B, obsDim] raw
   * @param tasks [B] task ids
   */
  inputs(observation: Float32Array, tasks: ArrayLike<number>): Float32Array {
    const width = this.obsDim + this.numTasks;
    const out = new Float32Array(tasks.length * width);
    this.core.obsNorm.normalizeInto(observation, out, width, 0);
    for (let b = 0; b < tasks.length; b++) out[b * width + this.obsDim + tasks[b]] = 1;
    return out;
  }

  /** Actions tanh(μ) of the deterministic policy: observations [B, obsDim], tasks [B] → [B, actDim]. */
  actDeterministic(observation: Float32Array, tasks: ArrayLike<number>): Float32Array {
    return this.learner.act(this.inputs(observation, tasks), true);
  }

  /**
   * Stores a finished episode: its GH highest-return label first (returns under every task, added
   * to the cache, ranked), then every step with its task and label.
   */
  private store(env: number, task: number, steps: GoalTransition[]): void {
    const T = steps.length;
    const d = this.family.achievedDim;
    const achieved = new Float32Array(T * d);
    steps.forEach((tr, i) => achieved.set(tr.nextAchievedGoal, i * d));
    const info: Record<string, Float32Array> = {};
    for (const key of this.family.infoKeys)
      info[key] = Float32Array.from(steps, (tr) => Number(tr.info?.[key] ?? 0));
    const returns = discountedTaskReturns(
      this.family,
      achieved,
      T,
      this.options.gamma,
      this.family.infoKeys.length > 0 ? info : undefined,
    );
    this.airCache.add(returns);
    const air = this.airCache.highestReturnTask(returns, task).task;
    for (const tr of steps)
      this.replay.add(env, { ...tr, info: { ...tr.info, [TASK_INFO_KEY]: task, [AIR_INFO_KEY]: air } });
  }

  /**
   * Samples B rows with the current relabeling (see replay/task_relabel.ts for the layout of `all`)
   * and recomputes every row's reward and success under its final task.
   * @param rng the generator of indices and task choices (default: the algorithm's own)
   * @throws Error before the first episode is stored.
   */
  sampleBatch(rng: Rng = this.core.sampleRng): TaskBatch {
    return this.relabeler.sample(this.options.batchSize, rng);
  }

  /**
   * HIPI logits [B, K] of the batch's rows under every task: r_k·rewardScale − w·log π(a|s, k) +
   * γ(1 − done)·min Q(s', a' ~ π(·|s', k), k), w = `hipiLogPiWeight`.
   */
  private hipiLogitsOf(rows: GatheredRows, B: number): Float64Array {
    const K = this.numTasks;
    const { obsDim, actDim } = this;
    const d = this.family.achievedDim;
    const tasks = new Int32Array(B * K);
    const obs = new Float32Array(B * K * obsDim);
    const next = new Float32Array(B * K * obsDim);
    const action = new Float32Array(B * K * actDim);
    const achieved = new Float32Array(B * K * d);
    const info: Record<string, Float32Array> = {};
    const familyInfo = familyInfoOf(this.family, rows.info);
    for (const key of Object.keys(familyInfo ?? {})) info[key] = new Float32Array(B * K);
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < K; k++) {
        const r = b * K + k;
        tasks[r] = k;
        obs.set(rows.observation.subarray(b * obsDim, (b + 1) * obsDim), r * obsDim);
        next.set(rows.nextObservation.subarray(b * obsDim, (b + 1) * obsDim), r * obsDim);
        action.set(rows.action.subarray(b * actDim, (b + 1) * actDim), r * actDim);
        achieved.set(rows.nextAchievedGoal.subarray(b * d, (b + 1) * d), r * d);
        for (const key of Object.keys(info)) info[key][r] = familyInfo![key][b];
      }
    }
    const { reward } = this.family.evaluate(tasks, achieved, familyInfo ? info : undefined);
    const scaled = reward.map((v) => v * this.options.rewardScale);
    const w = this.options.hipiLogPiWeight === 'alpha' ? this.learner.alpha : this.options.hipiLogPiWeight;
    const logPi = this.learner.logProbOf(this.inputs(obs, tasks), action).map((v) => v * w);
    const nextQ = this.learner.sampledQ(this.inputs(next, tasks));
    return hipiLogits(scaled, logPi, nextQ, rows.terminated, this.options.gamma);
  }

  /** Learner inputs of a relabeled batch. */
  private sacBatch(batch: TaskBatch): SacBatch {
    return {
      size: batch.size,
      input: this.inputs(batch.observation, batch.task),
      action: batch.action,
      reward: batch.reward,
      nextInput: this.inputs(batch.nextObservation, batch.task),
      terminated: batch.terminated,
    };
  }

  /**
   * One iteration: `episodesPerIteration` whole episodes per env, each with a uniformly drawn task,
   * with the stochastic policy (uniform random actions before `learningStarts`); the normalizer
   * updated with their observations; then `updatesPerIteration` SAC updates on relabeled batches.
   *
   * @returns metrics: success_rate (share of this iteration's episodes whose final step succeeds),
   *   success_task<k> (the same per task, for tasks that had episodes), episode_return,
   *   episode_length, SAC losses/alpha/entropy/q_mean (means over updates), relabel_<source> (rows
   *   per task source over the iteration's batches; `highest-return` as highest_return),
   *   relabel_share (rows a strategy chose), relabel_changed_share (rows whose task changed),
   *   relabel_strategy (index into TASK_RELABEL_STRATEGIES), relabel_ratio, updates, replay_size.
   */
  async iterate(abortPoint?: AbortPoint): Promise<Metrics> {
    const K = this.numTasks;
    const agent = this.core.agent;
    this.seen = [];
    const collected = agent.collect(
      this.core.behaviour(
        this.training.policy((obs, tasks) => this.learner.act(this.inputs(obs, tasks), false)),
      ),
      abortPoint,
    );
    const { steps } = collected;
    const episodes = this.training.tag(collected.episodes);
    this.core.obsNorm.update(concatRows(this.seen, this.obsDim));

    const counts = emptyTaskCounts();
    let changed = 0;
    const stats = this.core.train(abortPoint, (batch) => {
      for (const s of TASK_SOURCES) counts[s] += batch.counts[s];
      changed += batch.changed;
    });
    agent.iteration += 1;
    const setting = this.relabeler.setting;
    const rows = TASK_SOURCES.reduce((s, k) => s + counts[k], 0);
    const metrics: Metrics = {
      ...this.core.iterationMetrics(episodes, steps, stats),
      relabel_strategy: TASK_RELABEL_STRATEGIES.indexOf(setting.strategy),
      relabel_ratio: setting.ratio,
      relabel_share: rows === 0 ? 0 : (rows - counts.original) / rows,
      relabel_changed_share: rows === 0 ? 0 : changed / rows,
    };
    for (const s of TASK_SOURCES) metrics[`relabel_${s.replace('-', '_')}`] = counts[s];
    for (let k = 0; k < K; k++) {
      const mine = episodes.filter((e) => e.task === k);
      if (mine.length > 0) metrics[`success_task${k}`] = mine.filter((e) => e.success).length / mine.length;
    }
    return metrics;
  }

  /**
   * Rollouts of the deterministic policy tanh(μ) on the training envs, `episodesPerTask` rounds of all
   * envs per task (between iterations no episode is in flight); nothing is stored and no training
   * generator is advanced.
   * @param seed seeds the env resets
   */
  evaluate(episodesPerTask: number, seed: number): MultitaskEvalReport {
    return evaluateTasks(this.envs, episodesPerTask, seed, (obs, tasks) => this.actDeterministic(obs, tasks));
  }

  /**
   * Everything needed to continue bit-exactly: learner weights and Adam states, the replay buffer
   * (`task_replay/…`, tasks and labels as info columns), and in `meta` the counters, generator
   * states, normalizer sums, return cache, relabeling setting and switch log.
   */
  async saveState(): Promise<AlgorithmState> {
    return this.core.saveState({ airCache: this.airCache.getState() }, this.relabeling);
  }

  /**
   * Restores {@link saveState} into an instance built with the same options and envs.
   * @throws Error naming the part that is missing or does not fit.
   */
  async loadState(state: AlgorithmState): Promise<void> {
    const m = this.core.checkpointMeta<{ airCache: { returns: number[]; count: number; next: number } }>(
      state,
    );
    const relabel = checkTaskRelabelSetting(m.relabel.strategy, m.relabel.ratio);
    await this.core.loadState(state, m);
    this.airCache.setState(m.airCache);
    this.relabeler.setting = relabel;
  }
}

/**
 * Per-task success of a deterministic task-conditioned policy: for every task k, `episodesPerTask`
 * rounds of all envs pursuing k, reset seeds drawn from `seed`; nothing is stored.
 * @param act actions [n, actDim] for the envs' raw observations [n, obsDim] and tasks [n]
 */
export function evaluateTasks(
  envs: readonly MultiTaskEnv[],
  episodesPerTask: number,
  seed: number,
  act: (obs: Float32Array, tasks: Int32Array) => Float32Array,
): MultitaskEvalReport {
  const K = envs[0].family.numTasks;
  const seeds = new Rng(seed);
  const taskSuccess: number[] = [];
  let total = 0;
  let returns = 0;
  for (let k = 0; k < K; k++) {
    const task = new TaskEpisodes(
      envs,
      () => k,
      () => seeds.nextUint32(),
    );
    const { episodes } = new LockstepCollector(envs, episodesPerTask, task.reset).collect(
      task.policy(act),
      task.step,
    );
    taskSuccess.push(episodes.filter((e) => e.success).length / episodes.length);
    total += episodes.length;
    returns += episodes.reduce((s, e) => s + e.ret, 0);
  }
  return {
    episodes: total,
    success_rate: taskSuccess.reduce((s, v) => s + v, 0) / K,
    task_success: taskSuccess,
    episode_return: returns / total,
  };
}

/**
 * Whole episodes on the envs where env i pursues `taskOf(i)`, drawn at each reset before the reset's
 * seed: the lockstep collector's reset, a policy given every env's current task, and a sink that
 * stages each episode's steps (copies of the views) and hands them to `onEpisode` when it ends.
 */
export class TaskEpisodes {
  /** [numEnvs] the task of each env's current episode. */
  readonly tasks: Int32Array;
  /** The task of every episode begun since the last {@link tag}, in the order they began. */
  private begun: number[] = [];
  private readonly staged: GoalTransition[][];

  constructor(
    private readonly envs: readonly MultiTaskEnv[],
    private readonly taskOf: (env: number) => number,
    private readonly seed: () => number,
    private readonly onEpisode?: (env: number, task: number, steps: GoalTransition[]) => void,
  ) {
    this.tasks = new Int32Array(envs.length);
    this.staged = envs.map(() => []);
  }

  reset = (i: number): GoalObservation => {
    this.tasks[i] = this.taskOf(i);
    this.begun.push(this.tasks[i]);
    this.staged[i] = [];
    return this.envs[i].reset({ task: this.tasks[i], seed: this.seed() }).obs;
  };

  /** `choose` given the envs' current tasks. */
  policy(choose: (obs: Float32Array, tasks: Int32Array) => Float32Array): LockstepPolicy {
    return (obs) => choose(obs, this.tasks);
  }

  step = (i: number, tr: LockstepTransition): void => {
    if (!this.onEpisode) return;
    this.staged[i].push({
      ...tr,
      observation: tr.observation.slice(),
      action: tr.action.slice(),
      achievedGoal: tr.achievedGoal.slice(),
      desiredGoal: tr.desiredGoal.slice(),
      info: { ...tr.info },
    });
    if (tr.terminated || tr.truncated) this.onEpisode(i, this.tasks[i], this.staged[i]);
  };

  /** The collected episodes with their tasks (lockstep lists episodes in the order they began). */
  tag(episodes: EpisodeOutcome[]): (EpisodeOutcome & { task: number })[] {
    const out = episodes.map((e, j) => ({ task: this.begun[j], ...e }));
    this.begun = [];
    return out;
  }
}

/**
 * Multi-task SAC's batch source (task relabeling, replay/task_relabel.ts): draws rows from the episode
 * replay in the layout of the current setting, gives every row its training task — its own, or the
 * strategy's — and re-scores it under that task with the family's reward.
 */
class TaskRelabeler implements BatchSource<TaskBatch> {
  private readonly numTasks: number;

  /** @param hipiLogits the HIPI logits [B, K] of drawn rows (they need the learner) */
  constructor(
    private readonly replay: GoalReplayBuffer,
    private readonly family: TaskFamily,
    public setting: TaskRelabelSetting,
    private readonly hipiLogits: (rows: GatheredRows, B: number) => Float64Array,
  ) {
    this.numTasks = family.numTasks;
  }

  /** @throws Error before the first episode is stored. */
  sample(batchSize: number, rng: Rng): TaskBatch {
    const B = batchSize;
    const K = this.numTasks;
    const setting = this.setting;
    const plan = planTaskBatch(B, K, setting, rng);
    const raw = this.replay.sample(plan.draws, rng);
    const rows = gatherRows(raw, plan.draw);
    const originalTask = Int32Array.from(rows.info[TASK_INFO_KEY]);
    const logits =
      setting.strategy === 'hipi' && plan.relabeled > 0
        ? this.hipiLogits(rows, originalTask.length)
        : undefined;
    const chosen = assignTasks(setting, plan, originalTask, K, rng, { air: rows.info[AIR_INFO_KEY], logits });
    const ev = this.family.evaluate(chosen.task, rows.nextAchievedGoal, familyInfoOf(this.family, rows.info));
    return {
      size: B,
      observation: rows.observation,
      action: rows.action,
      nextObservation: rows.nextObservation,
      nextAchievedGoal: rows.nextAchievedGoal,
      originalTask,
      task: chosen.task,
      reward: ev.reward,
      success: ev.success,
      terminated: rows.terminated,
      source: chosen.source,
      counts: chosen.counts,
      changed: chosen.changed,
      slot: Int32Array.from(rows.slot),
    };
  }
}

/** The family's own info columns of drawn rows (without the task labels), or undefined when it has none. */
function familyInfoOf(
  family: TaskFamily,
  info: Record<string, Float32Array>,
): Record<string, Float32Array> | undefined {
  if (family.infoKeys.length === 0) return undefined;
  return Object.fromEntries(family.infoKeys.map((k) => [k, info[k]]));
}

/** The columns of drawn transitions that a task batch needs, one row per batch row. */
interface GatheredRows {
  observation: Float32Array;
  action: Float32Array;
  nextObservation: Float32Array;
  nextAchievedGoal: Float32Array;
  terminated: Float32Array;
  info: Record<string, Float32Array>;
  slot: Int32Array;
}

/** Rows `draw[r]` of a sampled batch, in order (a draw may fill several rows). */
function gatherRows(batch: GoalBatch, draw: Int32Array): GatheredRows {
  const B = draw.length;
  const pick = (col: Float32Array): Float32Array => {
    const w = col.length / batch.size;
    const out = new Float32Array(B * w);
    for (let r = 0; r < B; r++) out.set(col.subarray(draw[r] * w, (draw[r] + 1) * w), r * w);
    return out;
  };
  return {
    observation: pick(batch.observation),
    action: pick(batch.action),
    nextObservation: pick(batch.nextObservation),
    nextAchievedGoal: pick(batch.nextAchievedGoal),
    terminated: pick(batch.terminated),
    info: Object.fromEntries(Object.entries(batch.info).map(([k, v]) => [k, pick(v)])),
    slot: Int32Array.from(draw, (d) => batch.slot[d]),
  };
}

/**
 * Checks the ranges of the options only multi-task SAC has (the shared ones: {@link resolveOptions}).
 * @throws Error naming the first option out of range.
 */
function checkOptions(o: MultitaskSacOptions): void {
  const fail = (name: keyof MultitaskSacOptions, rule: string) => {
    throw new Error(`multi-task SAC: ${name} must be ${rule}, got ${JSON.stringify(o[name])}`);
  };
  for (const name of ['embeddingDim', 'airCacheSize'] as const)
    if (!Number.isInteger(o[name]) || o[name] < 1) fail(name, 'a positive integer');
  if (o.taskEncoding !== 'one-hot' && o.taskEncoding !== 'embedding')
    fail('taskEncoding', "'one-hot' or 'embedding'");
  if (o.hipiLogPiWeight !== 'alpha' && !(o.hipiLogPiWeight >= 0 && Number.isFinite(o.hipiLogPiWeight)))
    fail('hipiLogPiWeight', "a number ≥ 0 or 'alpha'");
}
