/**
 * What every replay buffer offers (after Stable-Baselines3's `common/buffers.py`: one typed
 * `sample(batch) → Samples` per buffer), and the typed float32 columns they keep their steps in.
 *
 * - {@link ReplayStore}: one interface for the flat transition buffer (replay/buffer.ts) and the
 *   episode-structured goal buffer (replay/goal_buffer.ts, whose sampling relabels goals inside, as
 *   SB3's HerReplayBuffer does). A buffer declares its per-step columns as {name, width}; any column
 *   may be a vector (an observation, a latent z, a behaviour log-probability of width 1 …).
 * - {@link ColumnTable}: `rows` rows of every declared column, row-major, with the row copies and
 *   gathers both buffers need, and their checkpoint form: one array per column under a prefix,
 *   shaped [n] for width 1 and [n, width] otherwise.
 */
import type { NamedArrays } from '../nn/checkpoint.ts';
import type { Rng } from '../rng.ts';

/** One per-step column: its name and the float32 values it holds per step (0 allowed: an empty part). */
export interface ColumnSpec {
  readonly name: string;
  readonly width: number;
}

/**
 * A replay buffer as the off-policy agent sees it.
 * @typeParam Row what the collector hands over for one env step (copied by `add`)
 * @typeParam Batch what `sample` and `all` return: the buffer's typed samples
 */
export interface ReplayStore<Row, Batch> {
  /** The per-step columns, in the order the checkpoint lists them. */
  readonly columns: readonly ColumnSpec[];
  /** Transitions that sampling can draw. */
  readonly size: number;
  /** Appends one step of env `env` (a flat buffer ignores the env; an episodic one stages per env). */
  add(env: number, row: Row): void;
  /**
   * B transitions drawn uniformly with replacement, relabeled where the buffer relabels.
   * @throws Error when nothing can be drawn yet.
   */
  sample(batchSize: number, rng: Rng): Batch;
  /** Every stored transition, oldest first, as stored (nothing relabeled). */
  all(): Batch;
  /** Forgets every stored transition (and any staged one). */
  clear(): void;
  /** The stored transitions, oldest first, as named arrays under `prefix`, for a checkpoint. */
  toArrays(prefix?: string): NamedArrays;
  /**
   * Replaces the contents with {@link toArrays}'s output.
   * @throws Error naming the missing or mis-shaped entry.
   */
  loadArrays(arrays: NamedArrays, prefix?: string): void;
}

/**
 * Checks a list of column declarations.
 * @throws Error naming `owner` and the column when a name repeats or is empty, or a width is not an
 *   integer ≥ 0.
 */
export function checkColumns(owner: string, columns: readonly ColumnSpec[]): void {
  const seen = new Set<string>();
  for (const c of columns) {
    if (typeof c.name !== 'string' || c.name.length === 0)
      throw new Error(`${owner}: a column needs a name, got ${JSON.stringify(c.name)}`);
    if (seen.has(c.name)) throw new Error(`${owner}: column '${c.name}' is declared twice`);
    if (!Number.isInteger(c.width) || c.width < 0)
      throw new Error(`${owner}: column '${c.name}' must have an integer width ≥ 0, got ${c.width}`);
    seen.add(c.name);
  }
}

/** `rows` rows of each declared column, row-major float32. */
export class ColumnTable {
  /** name → [rows · width] values. */
  readonly data: Record<string, Float32Array>;
  readonly width: Record<string, number>;

  /** @throws Error for a bad declaration (see {@link checkColumns}). */
  constructor(
    readonly rows: number,
    readonly columns: readonly ColumnSpec[],
  ) {
    checkColumns('column table', columns);
    this.data = {};
    this.width = {};
    for (const c of columns) {
      this.data[c.name] = new Float32Array(rows * c.width);
      this.width[c.name] = c.width;
    }
  }

  /**
   * Writes `values` as row `row` of column `name`.
   * @throws Error naming `owner` and the column when the length is not the column's width.
   */
  put(owner: string, name: string, row: number, values: ArrayLike<number>): void {
    const w = this.width[name];
    if (values.length !== w) throw new Error(`${owner}: ${name} has length ${values.length}, expected ${w}`);
    this.data[name].set(values, row * w);
  }

  /** Copies `n` rows of every column from `src` (rows from `from`) to this table (rows from `to`). */
  copyFrom(src: ColumnTable, from: number, to: number, n: number): void {
    for (const c of this.columns) {
      const w = c.width;
      this.data[c.name].set(src.data[c.name].subarray(from * w, (from + n) * w), to * w);
    }
  }

  /** Rows `idx` of column `name`, in order, as a fresh [idx.length · width] array. */
  gather(name: string, idx: ArrayLike<number>): Float32Array {
    const w = this.width[name];
    const col = this.data[name];
    const B = idx.length;
    const out = new Float32Array(B * w);
    for (let b = 0; b < B; b++) {
      const src = idx[b] * w;
      const dst = b * w;
      for (let i = 0; i < w; i++) out[dst + i] = col[src + i];
    }
    return out;
  }

  /** Rows `idx` of every column, in order. */
  gatherAll(idx: ArrayLike<number>): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const c of this.columns) out[c.name] = this.gather(c.name, idx);
    return out;
  }

  /**
   * The first `n` rows of each column (default all) as `prefix/<name>`, shaped [n] for width 1 and
   * [n, width] otherwise; `rename` maps a column to its array name under the prefix.
   */
  toArrays(prefix: string, n = this.rows, rename: (name: string) => string = (x) => x): NamedArrays {
    const out: NamedArrays = {};
    for (const c of this.columns) {
      const data = n === this.rows ? this.data[c.name] : this.data[c.name].slice(0, n * c.width);
      out[`${prefix}/${rename(c.name)}`] = { shape: c.width === 1 ? [n] : [n, c.width], data };
    }
    return out;
  }
}
