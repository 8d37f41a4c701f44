/**
 * A columnar FIFO replay buffer of transitions (s, a, r, s', terminated, skill, and any extra
 * per-step columns) in typed arrays. Raw observations are stored; policy inputs and f(s) are derived
 * at sample time so that one buffer serves SAC, DIAYN (pseudo-reward recomputed from the current
 * discriminator) and DADS. Extra columns hold what an algorithm keeps per step beyond that, e.g. the
 * behaviour policy's log-probability (width 1) or a latent z (width d).
 */
import type { Rng } from '../rng.ts';
import type { NamedArrays } from '../nn/checkpoint.ts';
import { checkColumns, ColumnTable, type ColumnSpec, type ReplayStore } from './store.ts';

/** Sizes of one transition's fields. */
export interface TransitionShape {
  obsDim: number;
  actDim: number;
  /** Length of the skill vector (0 for plain SAC). */
  skillDim: number;
  /** Further per-step columns, stored after the base ones (default none). */
  extra?: readonly ColumnSpec[];
}

/** One env step as the collector hands it over; arrays are copied by {@link ReplayBuffer.add}. */
export interface Transition {
  obs: ArrayLike<number>; // [obsDim]
  action: ArrayLike<number>; // [actDim]
  reward: number;
  nextObs: ArrayLike<number>; // [obsDim]
  /** The episode ended by termination (no bootstrap). */
  terminated: boolean;
  skill: ArrayLike<number>; // [skillDim]
  /** Values of the extra columns by name ([width] each); required when the buffer declares any. */
  extra?: Readonly<Record<string, ArrayLike<number>>>;
}

/** A batch of B transitions, row-major. */
export interface TransitionBatch {
  size: number;
  obs: Float32Array; // [B, obsDim]
  action: Float32Array; // [B, actDim]
  reward: Float32Array; // [B]
  nextObs: Float32Array; // [B, obsDim]
  terminated: Float32Array; // [B], 1 when the episode ended by termination (no bootstrap)
  skill: Float32Array; // [B, skillDim]
  /** The extra columns, [B, width] each (empty when the buffer declares none). */
  extra: Record<string, Float32Array>;
}

/** Names of the base columns, in checkpoint order. */
const BASE = ['obs', 'action', 'reward', 'nextObs', 'terminated', 'skill'] as const;

/** Columnar replay buffer with FIFO eviction. */
export class ReplayBuffer implements ReplayStore<Transition, TransitionBatch> {
  readonly capacity: number;
  readonly shape: TransitionShape;
  readonly columns: readonly ColumnSpec[];
  private readonly table: ColumnTable;
  private readonly extraNames: readonly string[];
  private next = 0;
  private count = 0;

  /** @throws RangeError for a non-positive capacity; Error for a bad or clashing extra column. */
  constructor(capacity: number, shape: TransitionShape) {
    if (!Number.isInteger(capacity) || capacity <= 0)
      throw new RangeError(`replay capacity must be > 0, got ${capacity}`);
    this.capacity = capacity;
    this.shape = shape;
    const { obsDim, actDim, skillDim } = shape;
    const extra = shape.extra ?? [];
    this.columns = Object.freeze([
      { name: 'obs', width: obsDim },
      { name: 'action', width: actDim },
      { name: 'reward', width: 1 },
      { name: 'nextObs', width: obsDim },
      { name: 'terminated', width: 1 },
      { name: 'skill', width: skillDim },
      ...extra.map((c) => ({ name: c.name, width: c.width })),
    ]);
    checkColumns('replay buffer', this.columns);
    this.extraNames = extra.map((c) => c.name);
    this.table = new ColumnTable(capacity, this.columns);
  }

  /** Number of stored transitions. */
  get size(): number {
    return this.count;
  }

  /**
   * Appends one transition (copies the arrays); evicts the oldest when full. `env` is not used: the
   * buffer is flat.
   * @throws Error when an extra column's values are missing or of the wrong length.
   */
  add(_env: number, tr: Transition): void {
    const { data } = this.table;
    const { obsDim, actDim, skillDim } = this.shape;
    const i = this.next;
    data.obs.set(tr.obs, i * obsDim);
    data.action.set(tr.action, i * actDim);
    data.reward[i] = tr.reward;
    data.nextObs.set(tr.nextObs, i * obsDim);
    data.terminated[i] = tr.terminated ? 1 : 0;
    if (skillDim > 0) data.skill.set(tr.skill, i * skillDim);
    for (const name of this.extraNames) {
      const v = tr.extra?.[name];
      if (!v) throw new Error(`replay buffer: the transition has no '${name}' column`);
      this.table.put('replay buffer', name, i, v);
    }
    this.next = (i + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** Removes everything (DADS on-policy: the buffer is cleared every iteration). */
  clear(): void {
    this.next = 0;
    this.count = 0;
  }

  /**
   * Draws B transitions uniformly with replacement.
   * @throws Error when the buffer is empty.
   */
  sample(batchSize: number, rng: Rng): TransitionBatch {
    if (this.count === 0) throw new Error('cannot sample from an empty replay buffer');
    const idx = new Int32Array(batchSize);
    for (let b = 0; b < batchSize; b++) idx[b] = rng.int(this.count);
    return this.gather(idx);
  }

  /**
   * Overwrites the stored rewards, in the order of {@link all} (DADS computes its intrinsic reward
   * once per on-policy iteration, then samples SAC minibatches from the same transitions).
   * @throws RangeError when the length differs from the number of stored transitions.
   */
  replaceRewards(rewards: Float32Array): void {
    if (rewards.length !== this.count)
      throw new RangeError(`expected ${this.count} rewards, got ${rewards.length}`);
    const start = this.count < this.capacity ? 0 : this.next;
    const reward = this.table.data.reward;
    for (let k = 0; k < this.count; k++) reward[(start + k) % this.capacity] = rewards[k];
  }

  /** Every stored transition in insertion order (oldest first). */
  all(): TransitionBatch {
    return this.gather(this.order());
  }

  /** Ring rows of the stored transitions, oldest first. */
  private order(): Int32Array {
    const idx = new Int32Array(this.count);
    const start = this.count < this.capacity ? 0 : this.next;
    for (let k = 0; k < this.count; k++) idx[k] = (start + k) % this.capacity;
    return idx;
  }

  /** Copies the rows `idx` into a new batch. */
  gather(idx: Int32Array): TransitionBatch {
    const t = this.table;
    const extra: Record<string, Float32Array> = {};
    for (const name of this.extraNames) extra[name] = t.gather(name, idx);
    return {
      size: idx.length,
      obs: t.gather('obs', idx),
      action: t.gather('action', idx),
      reward: t.gather('reward', idx),
      nextObs: t.gather('nextObs', idx),
      terminated: t.gather('terminated', idx),
      skill: t.gather('skill', idx),
      extra,
    };
  }

  /**
   * The stored transitions as named arrays for a checkpoint (oldest first): `prefix/<column>`,
   * [n] for reward and terminated, [n, width] for the others (extra columns of width 1: [n]), and
   * `prefix/cursor` = [the ring row the next transition goes to]: sampling draws ring rows, so a
   * full buffer must come back in the same rows to draw the same transitions.
   */
  toArrays(prefix = 'replay'): NamedArrays {
    const n = this.count;
    const ordered = new ColumnTable(n, this.columns);
    const rows = this.order();
    for (const c of this.columns) ordered.data[c.name] = this.table.gather(c.name, rows);
    const out = ordered.toArrays(prefix);
    // Base vector columns keep [n, width] even at width 1, as checkpoints always had them.
    for (const name of BASE)
      if (name !== 'reward' && name !== 'terminated')
        out[`${prefix}/${name}`].shape = [n, ordered.width[name]];
    out[`${prefix}/cursor`] = { shape: [1], data: Float32Array.of(this.next) };
    return out;
  }

  /**
   * Refills the buffer from {@link toArrays} output.
   * @throws Error when arrays are missing or their shapes do not match this buffer; the buffer is
   *   unchanged then.
   */
  loadArrays(arrays: NamedArrays, prefix = 'replay'): void {
    const first = arrays[`${prefix}/obs`];
    if (!first) throw new Error(`checkpoint has no ${prefix}/obs`);
    const n = first.shape[0];
    const cols: Record<string, Float32Array> = {};
    for (const c of this.columns) {
      const a = arrays[`${prefix}/${c.name}`];
      if (!a) throw new Error(`checkpoint has no ${prefix}/${c.name}`);
      if ((a.shape[1] ?? 1) !== c.width && c.width > 0)
        throw new Error(`checkpoint ${prefix}/${c.name} has width ${a.shape[1]}, expected ${c.width}`);
      if (a.shape[0] !== n || a.data.length !== n * c.width)
        throw new Error(
          `checkpoint ${prefix}/${c.name} has shape [${a.shape.join(', ')}], expected ${n} rows of ${c.width}`,
        );
      cols[c.name] = a.data;
    }
    // A full buffer of this capacity returns to the ring rows it was saved from (its cursor); else,
    // and for checkpoints without a cursor, as if the rows were added oldest first: row k lands in
    // ring row k mod capacity.
    const C = this.capacity;
    const cursor = arrays[`${prefix}/cursor`]?.data[0];
    const start =
      n === C && cursor !== undefined && Number.isInteger(cursor) && cursor >= 0 && cursor < C ? cursor : 0;
    for (const c of this.columns) {
      const w = c.width;
      for (let k = Math.max(0, n - C); k < n; k++)
        this.table.data[c.name].set(cols[c.name].subarray(k * w, (k + 1) * w), ((start + k) % C) * w);
    }
    this.count = Math.min(n, C);
    this.next = (start + n) % C;
  }
}
