/**
 * An episode-structured columnar replay buffer for goal-conditioned RL with hindsight relabeling
 * (Andrychowicz et al. 2017; layout and bookkeeping after SB3's HerReplayBuffer,
 * reference/relabeling_and_multitask.md §1.4).
 *
 * - Columns in typed arrays: observation, action, reward, next observation, achieved goal, next
 *   achieved goal, desired goal, terminated, truncated, the per-step info columns the task's reward
 *   reads, and per slot the episode's start slot, length and id. Raw goals are stored; only network
 *   inputs are ever normalized, so recomputed rewards are the task's (§5 "reward on normalized
 *   observations").
 * - Each env writes into its own staging episode; a finished episode is copied whole into the ring,
 *   so an episode's transitions are contiguous (modulo the capacity) and relabeling can address them
 *   as start + offset. Episodes still in progress are never sampled (as in SB3).
 * - FIFO by whole episodes: before an episode is written, the oldest episodes are dropped until it
 *   fits; a dropped episode's slots get length 0, so no later draw can reach a half-overwritten
 *   episode.
 * - Sampling draws B stored transitions uniformly, relabels a share of their goals
 *   (replay/relabel.ts) and recomputes every row's reward with the task's {@link GoalRewardFn} on the
 *   NEXT achieved goal, achieved first. Every row records its goal source; counts per source come
 *   with the batch.
 * - `toArrays/loadArrays` write the stored episodes, oldest first, as NamedArrays: the buffer is
 *   self-contained (no live env); the reward function is given again at construction.
 */
import type { Rng } from '../rng.ts';
import type { NamedArrays } from '../nn/checkpoint.ts';
import type { GoalRewardFn } from '../sim/types.ts';
import {
  checkRelabelSetting,
  emptyCounts,
  relabelSlots,
  type EpisodeIndex,
  type RelabelCounts,
  type RelabelSetting,
  type RelabelStrategy,
} from './relabel.ts';
import { ColumnTable, type ColumnSpec, type ReplayStore } from './store.ts';

/** Sizes of one transition's fields. */
export interface GoalTransitionShape {
  obsDim: number;
  goalDim: number;
  actDim: number;
  /** Names of the per-step info scalars stored for the reward (e.g. a task's extra terms); default none. */
  infoKeys?: readonly string[];
}

/** Options of {@link GoalReplayBuffer}. */
export interface GoalBufferOptions extends GoalTransitionShape {
  /** Ring size in transitions (SB3/baselines default 1e6). */
  capacity: number;
  /** Longest episode any env can produce; the staging area of each env holds this many steps. */
  maxEpisodeSteps: number;
  /** Number of envs writing concurrently (one staging episode each); default 1. */
  numEnvs?: number;
  /** The task's batched reward, achieved goal first. */
  reward: GoalRewardFn;
  /** Initial relabeling; default future with k = 4 (HER §4.5). */
  relabel?: RelabelSetting;
}

/** One env step, as the collector hands it over. Arrays are copied. */
export interface GoalTransition {
  observation: ArrayLike<number>; // [obsDim]
  action: ArrayLike<number>; // [actDim]
  reward: number;
  nextObservation: ArrayLike<number>; // [obsDim]
  achievedGoal: ArrayLike<number>; // [goalDim], ag_t
  nextAchievedGoal: ArrayLike<number>; // [goalDim], ag_{t+1}
  desiredGoal: ArrayLike<number>; // [goalDim]
  terminated: boolean;
  truncated: boolean;
  /** Values of the buffer's info keys (booleans as 0/1; missing → 0). */
  info?: Readonly<Record<string, number | boolean | undefined>>;
}

/** A sampled, relabeled batch of B transitions, row-major. */
export interface GoalBatch {
  size: number;
  observation: Float32Array; // [B, obsDim]
  action: Float32Array; // [B, actDim]
  nextObservation: Float32Array; // [B, obsDim]
  achievedGoal: Float32Array; // [B, goalDim]
  nextAchievedGoal: Float32Array; // [B, goalDim]
  /** [B, goalDim] the goal to train on: relabeled where `source` ≠ 0, else the stored one. */
  desiredGoal: Float32Array;
  /** [B] r(ag_{t+1}, desiredGoal, info) recomputed by the task's reward. */
  reward: Float32Array;
  /** [B] 1 where the next achieved goal satisfies `desiredGoal`. */
  success: Uint8Array;
  terminated: Float32Array; // [B] 1 → no bootstrap
  truncated: Float32Array; // [B]
  /** Info columns of the sampled transitions, [B] each. */
  info: Record<string, Float32Array>;
  /** [B] ring slots of the sampled transitions. */
  slot: Int32Array;
  /** [B] step t of each transition within its episode (0-based). */
  step: Int32Array;
  /** [B] id of each transition's episode (as in {@link GoalReplayBuffer.episodeId}). */
  episode: Float64Array;
  /** [B] codes into GOAL_SOURCES (0 = original). */
  source: Uint8Array;
  /** [B] slot whose next achieved goal is the new goal; −1 where original. */
  goalSlot: Int32Array;
  counts: RelabelCounts;
}

const FIELDS = [
  'observation',
  'action',
  'reward',
  'nextObservation',
  'achievedGoal',
  'nextAchievedGoal',
  'desiredGoal',
  'terminated',
  'truncated',
] as const;

/** Name of the column that holds info key `key`. */
const infoColumn = (key: string) => `info/${key}`;

/** The buffer's columns: the transition's fields, then one scalar column per info key. */
function goalColumns(shape: GoalTransitionShape): ColumnSpec[] {
  const { obsDim, goalDim, actDim } = shape;
  const width: Record<(typeof FIELDS)[number], number> = {
    observation: obsDim,
    action: actDim,
    reward: 1,
    nextObservation: obsDim,
    achievedGoal: goalDim,
    nextAchievedGoal: goalDim,
    desiredGoal: goalDim,
    terminated: 1,
    truncated: 1,
  };
  return [
    ...FIELDS.map((name) => ({ name, width: width[name] })),
    ...(shape.infoKeys ?? []).map((k) => ({ name: infoColumn(k), width: 1 })),
  ];
}

/** See the file comment. */
export class GoalReplayBuffer implements EpisodeIndex, ReplayStore<GoalTransition, GoalBatch> {
  readonly capacity: number;
  readonly maxEpisodeSteps: number;
  readonly shape: Required<GoalTransitionShape>;
  readonly reward: GoalRewardFn;
  /** observation … truncated, then `info/<key>` per info key (scalars). */
  readonly columns: readonly ColumnSpec[];
  /** [capacity] slot of the first transition of the slot's episode. */
  readonly epStart: Int32Array;
  /** [capacity] length T of the slot's episode; 0 for a free or dropped slot. */
  readonly epLength: Int32Array;
  /** [capacity] id of the slot's episode (episodes numbered from 0 in the order they were stored). */
  readonly episodeId: Float64Array;
  private readonly ring: ColumnTable;
  private readonly staging: ColumnTable[];
  private readonly stagedSteps: Int32Array;
  private oldestSlot = 0;
  private count = 0;
  private episodesStored = 0;
  private setting: RelabelSetting;

  /** @throws Error on a non-positive size, or when an episode could not fit the ring. */
  constructor(opts: GoalBufferOptions) {
    const { capacity, maxEpisodeSteps, obsDim, goalDim, actDim } = opts;
    const numEnvs = opts.numEnvs ?? 1;
    for (const [name, v] of Object.entries({ capacity, maxEpisodeSteps, goalDim, actDim, numEnvs })) {
      if (!Number.isInteger(v) || v < 1)
        throw new Error(`goal replay: ${name} must be a positive integer, got ${v}`);
    }
    if (!Number.isInteger(obsDim) || obsDim < 0)
      throw new Error(`goal replay: obsDim must be a non-negative integer, got ${obsDim}`);
    if (maxEpisodeSteps > capacity)
      throw new Error(
        `goal replay: an episode of ${maxEpisodeSteps} steps cannot fit a capacity of ${capacity}`,
      );
    this.capacity = capacity;
    this.maxEpisodeSteps = maxEpisodeSteps;
    this.shape = { obsDim, goalDim, actDim, infoKeys: [...(opts.infoKeys ?? [])] };
    this.reward = opts.reward;
    this.columns = Object.freeze(goalColumns(this.shape));
    this.ring = new ColumnTable(capacity, this.columns);
    this.staging = Array.from({ length: numEnvs }, () => new ColumnTable(maxEpisodeSteps, this.columns));
    this.stagedSteps = new Int32Array(numEnvs);
    this.epStart = new Int32Array(capacity);
    this.epLength = new Int32Array(capacity);
    this.episodeId = new Float64Array(capacity);
    const r = opts.relabel ?? { strategy: 'future', k: 4 };
    this.setting = checkRelabelSetting(r.strategy, r.k);
  }

  /** Stored transitions of complete episodes (what sampling draws from). */
  get size(): number {
    return this.count;
  }

  /** Ring slot of the oldest stored transition. */
  get oldest(): number {
    return this.oldestSlot;
  }

  /** Complete episodes stored so far, dropped ones included. */
  get episodes(): number {
    return this.episodesStored;
  }

  /** The relabeling that {@link sample} applies. */
  get relabeling(): RelabelSetting {
    return { ...this.setting };
  }

  /**
   * Switches the relabeling for the next batches (the run's toggle).
   * @throws Error for an unknown strategy or a k that is not a non-negative integer.
   */
  setRelabeling(strategy: RelabelStrategy, k: number): void {
    this.setting = checkRelabelSetting(strategy, k);
  }

  /**
   * Appends one step of env `env`'s current episode; the episode is stored in the ring when the step
   * is terminated or truncated.
   * @throws Error for an unknown env index, wrong field lengths, or an episode longer than
   *   maxEpisodeSteps.
   */
  add(env: number, tr: GoalTransition): void {
    const stage = this.staging[env];
    if (!stage) throw new Error(`goal replay: env index ${env} out of range 0..${this.staging.length - 1}`);
    const row = this.stagedSteps[env];
    if (row >= this.maxEpisodeSteps) {
      throw new Error(
        `goal replay: env ${env}'s episode exceeds maxEpisodeSteps = ${this.maxEpisodeSteps} without ending`,
      );
    }
    for (const f of [
      'observation',
      'action',
      'nextObservation',
      'achievedGoal',
      'nextAchievedGoal',
      'desiredGoal',
    ] as const)
      stage.put('goal replay', f, row, tr[f]);
    stage.data.reward[row] = tr.reward;
    stage.data.terminated[row] = tr.terminated ? 1 : 0;
    stage.data.truncated[row] = tr.truncated ? 1 : 0;
    for (const key of this.shape.infoKeys) stage.data[infoColumn(key)][row] = Number(tr.info?.[key] ?? 0);
    this.stagedSteps[env] = row + 1;
    if (tr.terminated || tr.truncated) this.commit(env);
  }

  /**
   * Stores env `env`'s episode in progress as it stands, its last step marked truncated (SB3's
   * `truncate_last_trajectory`); nothing happens when it has no steps.
   */
  endEpisode(env: number): void {
    const n = this.stagedSteps[env];
    if (n === 0) return;
    this.staging[env].data.truncated[n - 1] = 1;
    this.commit(env);
  }

  /** Forgets every episode in progress (e.g. after a checkpoint restore). */
  discardInProgress(): void {
    this.stagedSteps.fill(0);
  }

  /**
   * Forgets every stored episode and every episode in progress. Episode ids go on counting from
   * {@link episodes}, so an id never names two episodes.
   */
  clear(): void {
    this.epLength.fill(0);
    this.oldestSlot = 0;
    this.count = 0;
    this.discardInProgress();
  }

  /** Drops the oldest stored episode, marking its slots invalid. */
  private dropOldest(): void {
    const C = this.capacity;
    const T = this.epLength[this.oldestSlot];
    for (let j = 0; j < T; j++) this.epLength[(this.oldestSlot + j) % C] = 0;
    this.oldestSlot = (this.oldestSlot + T) % C;
    this.count -= T;
  }

  private commit(env: number): void {
    const T = this.stagedSteps[env];
    this.stagedSteps[env] = 0;
    this.writeEpisode(this.staging[env], 0, T);
  }

  /** Writes T rows of `src` from row `from` as one episode, dropping old episodes until it fits. */
  private writeEpisode(src: ColumnTable, from: number, T: number): void {
    const C = this.capacity;
    while (this.count + T > C) this.dropOldest();
    const start = (this.oldestSlot + this.count) % C;
    const first = Math.min(T, C - start);
    this.ring.copyFrom(src, from, start, first);
    if (first < T) this.ring.copyFrom(src, from + first, 0, T - first);
    const id = this.episodesStored++;
    for (let j = 0; j < T; j++) {
      const s = (start + j) % C;
      this.epStart[s] = start;
      this.epLength[s] = T;
      this.episodeId[s] = id;
    }
    this.count += T;
  }

  /**
   * Draws B stored transitions uniformly with replacement, relabels the first ⌊B·k/(k+1)⌋ goals with
   * the current strategy and recomputes all B rewards with the task's reward on (next achieved goal,
   * goal, info) — for original rows this reproduces the env's reward, since the env uses the same
   * function.
   * @throws Error when no complete episode is stored yet, or from the reward function.
   */
  sample(batchSize: number, rng: Rng): GoalBatch {
    if (this.count === 0) throw new Error('goal replay: cannot sample before the first episode has ended');
    const C = this.capacity;
    const slot = new Int32Array(batchSize);
    for (let b = 0; b < batchSize; b++) slot[b] = (this.oldestSlot + rng.int(this.count)) % C;
    const { goalSlot, source, counts } = relabelSlots(slot, this.setting, this, rng);
    return this.assemble(slot, goalSlot, source, counts);
  }

  /**
   * Every stored transition, oldest first, with its stored goal (nothing relabeled) and the reward
   * recomputed by the task's reward, as {@link sample} computes it.
   */
  all(): GoalBatch {
    const slot = Int32Array.from({ length: this.count }, (_, r) => (this.oldestSlot + r) % this.capacity);
    return this.rows(slot);
  }

  /**
   * A column over windows of each slot's episode: for the transition at step t of an episode of T
   * steps, the rows at steps clamp(t + o, 0, T − 1) for each offset o (a window reaching past either
   * end repeats the episode's first or last row, as garage's task-embedding worker smears its windows
   * at the episode's end). E.g. offsets −H+1 … 0 give the past window s_{t−H+1} … s_t.
   * @param column a column name (observation, action, …, or `info/<key>`)
   * @param slot [B] ring slots of stored transitions
   * @returns [B, offsets.length, width] row-major
   * @throws Error for an unknown column or a slot that holds no stored transition.
   */
  gatherWindow(column: string, slot: ArrayLike<number>, offsets: readonly number[]): Float32Array {
    if (!(column in this.ring.width)) throw new Error(`goal replay: no column ${column}`);
    const C = this.capacity;
    const n = offsets.length;
    const rows = new Int32Array(slot.length * n);
    for (let b = 0; b < slot.length; b++) {
      const s = slot[b];
      const T = this.epLength[s];
      if (T === 0) throw new Error(`goal replay: slot ${s} holds no stored transition`);
      const t = (s - this.epStart[s] + C) % C;
      for (let j = 0; j < n; j++) {
        const step = Math.min(T - 1, Math.max(0, t + offsets[j]));
        rows[b * n + j] = (this.epStart[s] + step) % C;
      }
    }
    return this.ring.gather(column, rows);
  }

  /**
   * The slots of each transition's next `steps` steps within its episode (for multi-step targets,
   * e.g. Retrace): for the transition at step t of an episode of T steps, the slots of steps
   * t, t + 1, …, t + steps − 1, clamped to T − 1, and whether each of those steps exists.
   * @param slot [B] ring slots of stored transitions
   * @returns slots [steps, B] and stored [steps, B] (1 where step t + k < T), step-major
   * @throws Error for a slot that holds no stored transition or steps < 1.
   */
  sequence(slot: ArrayLike<number>, steps: number): { slots: Int32Array; stored: Uint8Array } {
    if (!Number.isInteger(steps) || steps < 1)
      throw new Error(`goal replay: sequence steps must be a positive integer, got ${steps}`);
    const C = this.capacity;
    const B = slot.length;
    const slots = new Int32Array(steps * B);
    const stored = new Uint8Array(steps * B);
    for (let b = 0; b < B; b++) {
      const s = slot[b];
      const T = this.epLength[s];
      if (T === 0) throw new Error(`goal replay: slot ${s} holds no stored transition`);
      const t = (s - this.epStart[s] + C) % C;
      for (let k = 0; k < steps; k++) {
        slots[k * B + b] = (this.epStart[s] + Math.min(T - 1, t + k)) % C;
        stored[k * B + b] = t + k < T ? 1 : 0;
      }
    }
    return { slots, stored };
  }

  /**
   * The stored transitions at `slot`, with their stored goals (nothing relabeled) and the rewards
   * recomputed by the task's reward, as {@link sample} assembles its rows.
   * @throws Error from the reward function.
   */
  rows(slot: Int32Array): GoalBatch {
    const counts = emptyCounts();
    counts.original = slot.length;
    return this.assemble(slot, new Int32Array(slot.length).fill(-1), new Uint8Array(slot.length), counts);
  }

  /** Gathers rows and the new goals, then computes rewards. */
  private assemble(
    slot: Int32Array,
    goalSlot: Int32Array,
    source: Uint8Array,
    counts: RelabelCounts,
  ): GoalBatch {
    const B = slot.length;
    const { goalDim } = this.shape;
    const d = this.ring.data;
    const desiredGoal = this.ring.gather('desiredGoal', slot);
    for (let b = 0; b < B; b++) {
      const g = goalSlot[b];
      if (g < 0) continue;
      const src = g * goalDim;
      const dst = b * goalDim;
      for (let i = 0; i < goalDim; i++) desiredGoal[dst + i] = d.nextAchievedGoal[src + i];
    }
    const nextAchievedGoal = this.ring.gather('nextAchievedGoal', slot);
    const info: Record<string, Float32Array> = {};
    for (const key of this.shape.infoKeys) info[key] = this.ring.gather(infoColumn(key), slot);
    const hasInfo = this.shape.infoKeys.length > 0;
    const evaluation = this.reward(nextAchievedGoal, desiredGoal, hasInfo ? info : undefined);
    if (evaluation.reward.length !== B) {
      throw new Error(
        `goal replay: the reward function returned ${evaluation.reward.length} rewards for ${B} rows`,
      );
    }
    const step = new Int32Array(B);
    for (let b = 0; b < B; b++) step[b] = (slot[b] - this.epStart[slot[b]] + this.capacity) % this.capacity;
    const episode = Float64Array.from(slot, (s) => this.episodeId[s]);
    return {
      size: B,
      observation: this.ring.gather('observation', slot),
      action: this.ring.gather('action', slot),
      nextObservation: this.ring.gather('nextObservation', slot),
      achievedGoal: this.ring.gather('achievedGoal', slot),
      nextAchievedGoal,
      desiredGoal,
      reward: evaluation.reward,
      success: evaluation.success,
      terminated: this.ring.gather('terminated', slot),
      truncated: this.ring.gather('truncated', slot),
      info,
      slot,
      step,
      episode,
      source,
      goalSlot,
      counts,
    };
  }

  /**
   * The stored episodes, oldest first, as named arrays under `prefix`: one row per transition for
   * every column, plus `step` (t within the episode), `episode_length` and `episode_id`, and
   * `counters` = [episodes stored so far]. Integers are float32, exact below 2^24 (≈ 16.7M episodes,
   * far beyond a 1M-transition ring). Episodes in progress are not included.
   */
  toArrays(prefix = 'goal_replay'): NamedArrays {
    const n = this.count;
    const C = this.capacity;
    const compact = new ColumnTable(n, this.columns);
    const first = Math.min(n, C - this.oldestSlot);
    compact.copyFrom(this.ring, this.oldestSlot, 0, first);
    if (first < n) compact.copyFrom(this.ring, 0, first, n - first);
    const out = compact.toArrays(prefix);
    const step = new Float32Array(n);
    const length = new Float32Array(n);
    const id = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      const s = (this.oldestSlot + r) % C;
      step[r] = (s - this.epStart[s] + C) % C;
      length[r] = this.epLength[s];
      id[r] = this.episodeId[s];
    }
    out[`${prefix}/step`] = { shape: [n], data: step };
    out[`${prefix}/episode_length`] = { shape: [n], data: length };
    out[`${prefix}/episode_id`] = { shape: [n], data: id };
    out[`${prefix}/counters`] = { shape: [1], data: Float32Array.of(this.episodesStored) };
    return out;
  }

  /**
   * Replaces the contents with {@link toArrays}'s output; episodes in progress are discarded. Sampling
   * after a load draws the same transitions and goals from the same Rng state as before the save,
   * because draws are offsets from the oldest stored transition, not ring positions.
   * @throws Error naming the entry when one is missing or mis-shaped, when the episodes do not fit
   *   this buffer's capacity or maxEpisodeSteps, or when the episode structure is inconsistent.
   *   The buffer is unchanged when it throws.
   */
  loadArrays(arrays: NamedArrays, prefix = 'goal_replay'): void {
    const entry = (name: string) => {
      const a = arrays[`${prefix}/${name}`];
      if (!a) throw new Error(`goal replay checkpoint has no '${prefix}/${name}'`);
      return a;
    };
    const n = entry('step').data.length;
    /** A column that must hold `rows` rows of `width` values. */
    const get = (name: string, width: number, rows = n): Float32Array => {
      const a = entry(name);
      const w = a.shape.length > 1 ? a.shape[1] : 1;
      if (w !== width || a.shape[0] !== rows || a.data.length !== rows * width) {
        throw new Error(
          `goal replay checkpoint '${prefix}/${name}' has shape [${a.shape.join(', ')}], expected [${rows}, ${width}]`,
        );
      }
      return a.data;
    };
    if (n > this.capacity)
      throw new Error(
        `goal replay checkpoint holds ${n} transitions, more than the capacity ${this.capacity}`,
      );
    const loaded = new ColumnTable(n, this.columns);
    for (const c of this.columns) loaded.data[c.name].set(get(c.name, c.width));
    const step = get('step', 1);
    const length = get('episode_length', 1);
    const id = get('episode_id', 1);
    const counters = get('counters', 1, 1);
    // Episodes must be whole and in order: step 0 … T−1 of one episode, then the next.
    for (let r = 0; r < n;) {
      const T = length[r];
      if (!(Number.isInteger(T) && T >= 1 && T <= this.maxEpisodeSteps && r + T <= n)) {
        throw new Error(`goal replay checkpoint: row ${r} has an invalid episode length ${T}`);
      }
      for (let j = 0; j < T; j++) {
        if (step[r + j] !== j || length[r + j] !== T || id[r + j] !== id[r]) {
          throw new Error(
            `goal replay checkpoint: episode starting at row ${r} is not whole at row ${r + j}`,
          );
        }
      }
      r += T;
    }
    this.epLength.fill(0);
    this.oldestSlot = 0;
    this.count = 0;
    this.discardInProgress();
    this.ring.copyFrom(loaded, 0, 0, n);
    for (let r = 0; r < n; r++) {
      this.epStart[r] = r - step[r];
      this.epLength[r] = length[r];
      this.episodeId[r] = id[r];
    }
    this.count = n;
    this.episodesStored = counters[0];
  }
}
