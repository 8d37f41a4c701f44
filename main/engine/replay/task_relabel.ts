/**
 * Task relabeling for multi-task RL over a finite task family of K tasks (issue #4 §5;
 * reference/relabeling_and_multitask.md §2). A stored transition (s, a, s', t) is replayed as if it
 * had been collected for task t', its reward recomputed by the family's reward r_{t'} of the next
 * achieved features. The rules live here without networks, so they can be tested on hand-made
 * inputs; the algorithm (algos/multitask_sac.ts) computes the network terms HIPI needs.
 *
 * Strategies, switchable between batches like the HER strategies:
 * - `none`: every row keeps its task.
 * - `random`: t' uniform over the K tasks (HIPI's `relabel_type="random"`, GH's one-sample relabeler).
 * - `all`: every drawn transition appears once under every task. In a fixed batch of B rows whose
 *   first n are relabeled, ⌈n/K⌉ transitions are drawn for that part and transition j fills rows
 *   jK … jK+K−1 with tasks 0 … K−1; when K does not divide n the last transition gets only n mod K
 *   rows, with tasks (o, o+1, …) mod K from a uniform offset o, so no task is favoured. The other
 *   B − n rows are fresh draws with their own tasks. The batch therefore holds ⌈n/K⌉ + B − n
 *   distinct draws: sharing every transition with every task costs distinct states per batch.
 * - `highest-return`: Generalized Hindsight's approximate inverse RL (Li, Pinto & Abbeel 2020, AIR;
 *   rlkit `approx_irl_relabeling`): for a whole trajectory, the discounted return R_k = Σ_i γ^i r_k
 *   under every task k, turned into a percentile rank among the returns under k of a cache of
 *   recent trajectories (the new one included, GH caches 500); the trajectory is labeled with the
 *   task where its rank is highest. Ties (equal ranks, common with sparse rewards) go to the higher
 *   discounted return (GH breaks ties by return), then to the trajectory's own task, then to the
 *   lowest task id. Done once per trajectory when it enters the buffer (as GH does); the label is
 *   stored with every step and used by the rows a batch relabels.
 * - `hipi`: HIPI-RL soft relabeling (Eysenbach et al. 2020, "Rewriting History with Inverse RL",
 *   §4; hipi/relabelling_replay_buffer.py `_soft_relabel`): logits[b, k] = r_k(s_b, a_b) −
 *   log π(a_b | s_b, k) + γ(1 − done_b)·Q(s'_b, a' ~ π(·|s'_b, k), k); each task column minus its
 *   log-sum-exp over the BATCH rows (the log-partition log Z(k), `normalize_cols`); one task per row
 *   from the row's softmax. Without the partition tasks with larger rewards (easy tasks) would win
 *   every row.
 *
 * Ratio. As with HER's k, a setting relabels the first ⌊B·ratio⌋ rows of a batch and leaves the rest
 * with their own task (rows are i.i.d. draws, so the split is unbiased); counts per source and the
 * share of rows whose task changed come with every batch.
 */
import type { Rng } from '../rng.ts';
import type { GoalEvaluation } from '../sim/types.ts';

/** Task relabeling strategies, switchable between batches. */
export const TASK_RELABEL_STRATEGIES = ['none', 'random', 'all', 'highest-return', 'hipi'] as const;
export type TaskRelabelStrategy = (typeof TASK_RELABEL_STRATEGIES)[number];

/** Which rule chose a row's task; the index is the code in {@link TaskAssignment.source}. */
export const TASK_SOURCES = ['original', 'random', 'all', 'highest-return', 'hipi'] as const;
export type TaskSource = (typeof TASK_SOURCES)[number];

/** Rows per task source. */
export type TaskRelabelCounts = Record<TaskSource, number>;

/** A strategy and the share of each batch it relabels. */
export interface TaskRelabelSetting {
  strategy: TaskRelabelStrategy;
  /** In [0, 1]; 0 for `none`. */
  ratio: number;
}

/** The part of a task family relabeling needs (structurally a sim/multi_goal_env.ts TaskFamily). */
export interface TaskReward {
  readonly numTasks: number;
  /** reward [B], success [B] of next achieved features [B, d] under tasks [B]. */
  evaluate(
    tasks: ArrayLike<number>,
    achieved: Float32Array,
    info?: Readonly<Record<string, Float32Array>>,
  ): GoalEvaluation;
}

/**
 * Checks a setting.
 * @returns the setting, normalized (ratio 0 for `none`)
 * @throws Error naming the allowed strategies, or when ratio is not in [0, 1].
 */
export function checkTaskRelabelSetting(strategy: string, ratio: number): TaskRelabelSetting {
  if (!(TASK_RELABEL_STRATEGIES as readonly string[]).includes(strategy))
    throw new Error(
      `unknown task relabel strategy '${strategy}'; allowed: ${TASK_RELABEL_STRATEGIES.join(', ')}`,
    );
  if (strategy === 'none') return { strategy: 'none', ratio: 0 };
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`task relabel ratio must be in [0, 1], got ${ratio}`);
  return { strategy: strategy as TaskRelabelStrategy, ratio };
}

/** A zero count for every source. */
export function emptyTaskCounts(): TaskRelabelCounts {
  return { original: 0, random: 0, all: 0, 'highest-return': 0, hipi: 0 };
}

/** Rows of a batch of B that the setting relabels: ⌊B·ratio⌋, 0 for `none`. */
export function taskRelabelCount(batchSize: number, setting: TaskRelabelSetting): number {
  return setting.strategy === 'none' ? 0 : Math.floor(batchSize * setting.ratio);
}

/** n task ids uniform over 0 … K−1. */
export function randomTasks(n: number, numTasks: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(numTasks);
  return out;
}

/**
 * How a batch of B rows is filled from draws of the buffer: row r copies draw `draw[r]`; rows with
 * `task[r]` ≥ 0 already have their task (the `all` layout), the others are decided by
 * {@link assignTasks}.
 */
export interface TaskBatchPlan {
  /** Transitions to draw from the buffer. */
  draws: number;
  /** [B] index of the draw each row copies. */
  draw: Int32Array;
  /** [B] task fixed by the layout, −1 where not. */
  task: Int32Array;
  /** Rows the setting relabels (the first ones). */
  relabeled: number;
}

/**
 * The layout of a batch (see the file comment for `all`). Draws `rng` only for `all` when K does not
 * divide the relabeled count.
 * @throws Error when B or K is not a positive integer.
 */
export function planTaskBatch(
  batchSize: number,
  numTasks: number,
  setting: TaskRelabelSetting,
  rng: Rng,
): TaskBatchPlan {
  if (!Number.isInteger(batchSize) || batchSize < 1 || !Number.isInteger(numTasks) || numTasks < 1)
    throw new Error(`task batch: B and K must be positive integers, got ${batchSize} and ${numTasks}`);
  const B = batchSize;
  const K = numTasks;
  const n = taskRelabelCount(B, setting);
  const draw = new Int32Array(B);
  const task = new Int32Array(B).fill(-1);
  if (setting.strategy !== 'all') {
    for (let r = 0; r < B; r++) draw[r] = r;
    return { draws: B, draw, task, relabeled: n };
  }
  const groups = Math.ceil(n / K);
  const partial = n % K;
  const offset = partial > 0 ? rng.int(K) : 0;
  for (let r = 0; r < n; r++) {
    const j = Math.floor(r / K);
    const i = r % K;
    draw[r] = j;
    task[r] = partial > 0 && j === groups - 1 ? (offset + i) % K : i;
  }
  for (let r = n; r < B; r++) draw[r] = groups + (r - n);
  return { draws: groups + (B - n), draw, task, relabeled: n };
}

/** The outcome of {@link assignTasks}. */
export interface TaskAssignment {
  /** [B] the task each row trains on. */
  task: Int32Array;
  /** [B] codes into {@link TASK_SOURCES} (0 = the row's own task). */
  source: Uint8Array;
  counts: TaskRelabelCounts;
  /** Rows whose task differs from the stored one. */
  changed: number;
}

/**
 * Chooses the task of every row of a planned batch: the first `plan.relabeled` rows by the setting's
 * strategy, the rest keep their own.
 * @param original [B] the stored task of each row
 * @param inputs `air`: [B] each row's stored highest-return label (needed by `highest-return`);
 *   `logits`: [B, K] HIPI logits of the batch's rows, before the column normalization (needed by
 *   `hipi`)
 * @throws Error when the strategy's input is missing or mis-sized.
 */
export function assignTasks(
  setting: TaskRelabelSetting,
  plan: TaskBatchPlan,
  original: ArrayLike<number>,
  numTasks: number,
  rng: Rng,
  inputs: { air?: ArrayLike<number>; logits?: Float64Array } = {},
): TaskAssignment {
  const B = original.length;
  const n = plan.relabeled;
  const task = Int32Array.from(original);
  const source = new Uint8Array(B);
  const counts = emptyTaskCounts();
  counts.original = B - n;
  if (n > 0) {
    const strategy = setting.strategy as Exclude<TaskRelabelStrategy, 'none'>;
    let chosen: ArrayLike<number>;
    switch (strategy) {
      case 'random':
        chosen = randomTasks(n, numTasks, rng);
        break;
      case 'all':
        chosen = plan.task;
        break;
      case 'highest-return':
        if (!inputs.air || inputs.air.length !== B)
          throw new Error(`task relabel: highest-return needs the [${B}] stored labels`);
        chosen = inputs.air;
        break;
      case 'hipi':
        if (!inputs.logits || inputs.logits.length !== B * numTasks)
          throw new Error(`task relabel: hipi needs [${B}, ${numTasks}] logits`);
        chosen = hipiTasks(inputs.logits, B, numTasks, rng, n);
        break;
    }
    const code = TASK_SOURCES.indexOf(strategy);
    for (let b = 0; b < n; b++) {
      task[b] = chosen[b];
      source[b] = code;
    }
    counts[strategy] = n;
  }
  let changed = 0;
  for (let b = 0; b < B; b++) if (task[b] !== original[b]) changed += 1;
  return { task, source, counts, changed };
}

/**
 * Discounted return of one trajectory under every task: R_k = Σ_{i<T} γ^i r_k(ag_{i+1}) (GH's
 * `get_discounted_reward`, rewards of the transitions in order).
 * @param achieved [T, d] the next achieved features of the trajectory's T transitions
 * @param info optional per-step columns of length T the reward reads
 * @returns [K] float64
 * @throws Error from the family's reward.
 */
export function discountedTaskReturns(
  family: TaskReward,
  achieved: Float32Array,
  steps: number,
  gamma: number,
  info?: Readonly<Record<string, Float32Array>>,
): Float64Array {
  const K = family.numTasks;
  const T = steps;
  const d = T === 0 ? 0 : achieved.length / T;
  // One batched call for all K·T (task, step) pairs, task-major.
  const tasks = new Int32Array(K * T);
  const rows = new Float32Array(K * T * d);
  const tiledInfo: Record<string, Float32Array> = {};
  for (const key of Object.keys(info ?? {})) tiledInfo[key] = new Float32Array(K * T);
  for (let k = 0; k < K; k++) {
    tasks.fill(k, k * T, (k + 1) * T);
    rows.set(achieved.subarray(0, T * d), k * T * d);
    for (const [key, col] of Object.entries(info ?? {})) tiledInfo[key].set(col.subarray(0, T), k * T);
  }
  const { reward } = family.evaluate(tasks, rows, info ? tiledInfo : undefined);
  const out = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let g = 1;
    let sum = 0;
    for (let i = 0; i < T; i++) {
      sum += g * reward[k * T + i];
      g *= gamma;
    }
    out[k] = sum;
  }
  return out;
}

/**
 * The discounted returns under every task of the most recent trajectories (GH's `cached_paths`,
 * 500 in `launch_gher.py`): a ring of [capacity, K] float64 rows, oldest overwritten first.
 */
export class ReturnCache {
  private data: Float64Array;
  private count = 0;
  private next = 0;

  /** @throws Error when capacity or K is not a positive integer. */
  constructor(
    readonly capacity: number,
    readonly numTasks: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1 || !Number.isInteger(numTasks) || numTasks < 1)
      throw new Error(`return cache: capacity and K must be positive integers, got ${capacity}, ${numTasks}`);
    this.data = new Float64Array(capacity * numTasks);
  }

  /** Trajectories held. */
  get size(): number {
    return this.count;
  }

  /** Adds one trajectory's returns [K]. @throws Error on a wrong length. */
  add(returns: ArrayLike<number>): void {
    if (returns.length !== this.numTasks)
      throw new Error(`return cache: expected ${this.numTasks} returns, got ${returns.length}`);
    this.data.set(returns, this.next * this.numTasks);
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /**
   * Mid-rank percentile of `value` among the held returns under task k, in [0, 1]:
   * (#{< value} + ½·#{= value}) / size; 0.5 when empty. Equal returns share one rank, so the result
   * does not depend on the order trajectories were cached in (argsort ranks, as in GH, would).
   */
  percentile(task: number, value: number): number {
    if (this.count === 0) return 0.5;
    return this.rankUnits(task, value) / (2 * this.count);
  }

  /** 2·#{< value} + #{= value}: the percentile in exact integer units of 1/(2·size). */
  private rankUnits(task: number, value: number): number {
    const K = this.numTasks;
    let units = 0;
    for (let i = 0; i < this.count; i++) {
      const v = this.data[i * K + task];
      if (v < value) units += 2;
      else if (v === value) units += 1;
    }
    return units;
  }

  /**
   * GH's AIR label of a trajectory (see the file comment): the task where its percentile is highest,
   * ties to the higher return, then `original`, then the lowest id. The trajectory should already be
   * in the cache ({@link add}), as GH ranks the new paths together with the cached ones.
   * @param returns [K] the trajectory's discounted return under every task
   * @param original the task it was collected for
   * @returns the label and the [K] percentiles
   */
  highestReturnTask(
    returns: ArrayLike<number>,
    original: number,
  ): { task: number; percentile: Float64Array } {
    const K = this.numTasks;
    const units = new Float64Array(K);
    for (let k = 0; k < K; k++) units[k] = this.rankUnits(k, returns[k]);
    let best = -1;
    for (let k = 0; k < K; k++) {
      if (best < 0) {
        best = k;
        continue;
      }
      // Integer rank units compare exactly; returns are compared as given.
      const better =
        units[k] > units[best] ||
        (units[k] === units[best] &&
          (returns[k] > returns[best] || (returns[k] === returns[best] && k === original)));
      if (better) best = k;
    }
    const percentile = units.map((u) => (this.count === 0 ? 0.5 : u / (2 * this.count)));
    return { task: best, percentile };
  }

  /** JSON-able state (float64 returns as numbers, exact through JSON). */
  getState(): { returns: number[]; count: number; next: number } {
    return { returns: [...this.data], count: this.count, next: this.next };
  }

  /** @throws Error when the state does not fit this cache's capacity and K. */
  setState(s: { returns: number[]; count: number; next: number }): void {
    if (s?.returns?.length !== this.data.length || !(s.count >= 0 && s.count <= this.capacity))
      throw new Error(`return cache state does not fit [${this.capacity}, ${this.numTasks}]`);
    this.data = Float64Array.from(s.returns);
    this.count = s.count;
    this.next = s.next;
  }
}

/**
 * HIPI-RL's unnormalized logits (Eysenbach et al. 2020; `_soft_relabel`):
 * logits[b, k] = r[b, k] − logPi[b, k] + γ·(1 − done[b])·nextQ[b, k].
 * @param reward [B, K] r_k(s_b, a_b) (scaled as the critic's reward is)
 * @param logPi [B, K] log π(a_b | s_b, k), nats
 * @param nextQ [B, K] Q(s'_b, a', k) with a' ~ π(·|s'_b, k)
 * @param done [B] 1 where the transition terminated
 * @returns [B, K] float64
 * @throws Error when the lengths disagree.
 */
export function hipiLogits(
  reward: ArrayLike<number>,
  logPi: ArrayLike<number>,
  nextQ: ArrayLike<number>,
  done: ArrayLike<number>,
  gamma: number,
): Float64Array {
  const B = done.length;
  const BK = reward.length;
  if (B === 0 || BK % B !== 0 || logPi.length !== BK || nextQ.length !== BK)
    throw new Error(
      `hipi logits: reward, logPi and nextQ must be [B, K] with B = ${B}, got ${reward.length}, ${logPi.length}, ${nextQ.length}`,
    );
  const K = BK / B;
  const out = new Float64Array(BK);
  for (let b = 0; b < B; b++) {
    const discount = gamma * (1 - done[b]);
    for (let k = 0; k < K; k++) {
      const i = b * K + k;
      out[i] = reward[i] - logPi[i] + discount * nextQ[i];
    }
  }
  return out;
}

/**
 * HIPI's relabeling distribution: every task column minus its log-sum-exp over the B rows (the
 * log-partition log Z(k), `normalize_cols=True`), then a softmax over each row.
 * @param logits [B, K]
 * @returns [B, K] float64; each row sums to 1
 * @throws Error when logits is not B·K long or holds NaN.
 */
export function hipiProbabilities(
  logits: ArrayLike<number>,
  batchSize: number,
  numTasks: number,
): Float64Array {
  const B = batchSize;
  const K = numTasks;
  if (logits.length !== B * K) throw new Error(`hipi: expected [${B}, ${K}] logits, got ${logits.length}`);
  const z = Float64Array.from(logits);
  if (z.some(Number.isNaN)) throw new Error('hipi: logits hold NaN');
  for (let k = 0; k < K; k++) {
    let max = -Infinity;
    for (let b = 0; b < B; b++) max = Math.max(max, z[b * K + k]);
    let sum = 0;
    for (let b = 0; b < B; b++) sum += Math.exp(z[b * K + k] - max);
    const logZ = max + Math.log(sum);
    for (let b = 0; b < B; b++) z[b * K + k] -= logZ;
  }
  for (let b = 0; b < B; b++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, z[b * K + k]);
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(z[b * K + k] - max);
      z[b * K + k] = e;
      sum += e;
    }
    for (let k = 0; k < K; k++) z[b * K + k] /= sum;
  }
  return z;
}

/**
 * One category per row of a [B, K] probability table, by the inverse CDF of one uniform per row.
 * @param rows sample the first `rows` rows only (default B)
 * @returns [rows] ids in 0 … K−1
 */
export function sampleCategoricalRows(
  probs: Float64Array,
  numTasks: number,
  rng: Rng,
  rows?: number,
): Int32Array {
  const K = numTasks;
  const n = rows ?? probs.length / K;
  const out = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    const u = rng.uniform();
    let acc = 0;
    let pick = K - 1; // rounding may leave the sum a hair below 1
    for (let k = 0; k < K; k++) {
      acc += probs[b * K + k];
      if (u < acc) {
        pick = k;
        break;
      }
    }
    out[b] = pick;
  }
  return out;
}

/**
 * HIPI's task per row: {@link hipiProbabilities} then {@link sampleCategoricalRows}.
 * @param logits [B, K] unnormalized logits ({@link hipiLogits})
 * @param rows sample the first `rows` rows (the partition still uses all B rows)
 * @returns [rows] task ids
 */
export function hipiTasks(
  logits: Float64Array,
  batchSize: number,
  numTasks: number,
  rng: Rng,
  rows = batchSize,
): Int32Array {
  return sampleCategoricalRows(hipiProbabilities(logits, batchSize, numTasks), numTasks, rng, rows);
}
