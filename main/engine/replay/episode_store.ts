/**
 * The episode store of a goal-conditioned run (issue #4 §6): every finished training episode, kept
 * for the replay browser as Parquet files in the run directory. Written by the run process only;
 * the app/server process reads the files with DuckDB (main/api/service/replay.ts).
 *
 *     <run>/episodes/
 *         meta.json                  shapes: goalDim, actDim, nq, infoKeys, dt, task
 *         part-<first id>.parquet    one row per episode, ids [first id, next part's first id)
 *         relabel_stats.parquet      per sampled episode: how often, by which goal source
 *
 * - Parts are named by their first episode id, zero-padded to 10 digits, so their order is the
 *   order of the names and a resume knows which parts lie past its checkpoint without opening them.
 * - Every file is written under a temp name starting with "." (DuckDB `COPY … TO`), fsynced, then
 *   renamed: readers globbing `part-*.parquet` never see a half-written file; temp files a crash
 *   left behind are removed when the store opens.
 * - Consistency with checkpoints: the run loop flushes before each checkpoint, so the parts end at
 *   the checkpoint's episode count; parts flushed later (by size) start at or after it. A resume
 *   opens the store with the checkpoint's episode count and drops (or cuts) what lies past it, since
 *   those episodes are collected again.
 * - `physics` holds the scale factors domain randomization drew at the episode's reset, named by
 *   meta.json's `physicsKeys` (the replay browser shows each as a column one can filter on).
 * - Arrays are stored as float32 (`FLOAT[]`, `FLOAT[][]`), as the replay buffer holds them; qpos too
 *   (float64 in MuJoCo; float32 is sub-micrometre at table scale, enough for replay). The return is
 *   the float64 sum of the rewards, as the collector computes it.
 */
import {
  existsSync,
  mkdirSync,
  openSync,
  fsyncSync,
  closeSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { tempPathFor, writeFileAtomicSync } from '../atomic.ts';
import type { RelabelStats } from './relabel_stats.ts';

/** Folder of the episode files inside a run directory. */
export const EPISODES_DIR = 'episodes';
/** Per-episode sampling counts, rewritten at every checkpoint. */
export const RELABEL_STATS_FILE = 'relabel_stats.parquet';
/** Shapes of the stored arrays. */
export const EPISODES_META_FILE = 'meta.json';
/** Pattern of the part files (what readers glob). */
export const PART_GLOB = 'part-*.parquet';

const PART_RE = /^part-(\d{10})\.parquet$/;

/** The file name of the part whose first episode id is `firstId`. */
export function partName(firstId: number): string {
  return `part-${String(firstId).padStart(10, '0')}.parquet`;
}

/** Shapes and names that hold for every episode of a run (the content of meta.json). */
export interface EpisodeShape {
  /** Task name (the run's task spec name, or 'bit-flip'). */
  task: string;
  goalDim: number;
  actDim: number;
  /** Length of qpos; 0 for envs without a MuJoCo model (bit flipping). */
  nq: number;
  /** Names of the per-step info columns of `info`, in order (what the task's reward reads). */
  infoKeys: readonly string[];
  /** Control period in s (0 for bit flipping), for replay timing. */
  dt: number;
  /**
   * Names of the domain-randomization draws of `physics`, in order (sim/randomize.ts: e.g.
   * `friction_scale`, `table_friction_scale`); absent in meta.json of runs recorded before they were
   * stored, empty when the task randomizes nothing.
   */
  physicsKeys?: readonly string[];
}

/** meta.json as written. */
export interface EpisodesMeta extends EpisodeShape {
  format: 'skill-lab-episodes';
  version: 1;
}

/** One finished episode of T steps; arrays row-major float32. */
export interface EpisodeRecord {
  /** Global, increasing: the replay buffer's id for the episode (0 = first episode of the run). */
  episodeId: number;
  /** The training iteration that collected it (1-based). */
  iteration: number;
  /** Env steps of the run (all envs) when its last step was taken. */
  envStep: number;
  /** Which of the run's envs collected it. */
  envIndex: number;
  task: string;
  /** [goalDim] the goal the episode was collected for. */
  desiredGoal: Float32Array;
  /** T */
  length: number;
  /** Σ rewards (float64). */
  return: number;
  /** The last step's success flag. */
  success: boolean;
  /** [(T+1)·nq]: the initial state, then the state after each step. */
  qpos: Float32Array;
  /** [T·goalDim] ag_t */
  achievedGoal: Float32Array;
  /** [T·goalDim] ag_{t+1} */
  nextAchievedGoal: Float32Array;
  /** [T·actDim] */
  action: Float32Array;
  /** [T] the env's reward */
  reward: Float32Array;
  /** [T] the env's success flag per step (0/1) */
  stepSuccess: Uint8Array;
  /** [T·infoKeys.length] the info scalars the task's reward reads */
  info: Float32Array;
  /** [physicsKeys.length] the scale factors (× nominal) domain randomization drew at the reset; default none. */
  physics?: Float64Array;
}

/**
 * The Parquet columns of a part, in order, with their DuckDB types. Scalars first: readers that only
 * list episodes never read the per-step arrays.
 */
export const EPISODE_COLUMNS = [
  ['episode_id', 'BIGINT'],
  ['iteration', 'INTEGER'],
  ['env_step', 'BIGINT'],
  ['env_index', 'INTEGER'],
  ['task', 'VARCHAR'],
  ['desired_goal', 'FLOAT[]'],
  ['return', 'DOUBLE'],
  ['success', 'BOOLEAN'],
  ['length', 'INTEGER'],
  ['final_achieved_goal', 'FLOAT[]'],
  ['physics', 'DOUBLE[]'],
  ['qpos', 'FLOAT[][]'],
  ['achieved_goal', 'FLOAT[][]'],
  ['next_achieved_goal', 'FLOAT[][]'],
  ['action', 'FLOAT[][]'],
  ['reward', 'FLOAT[]'],
  ['step_success', 'BOOLEAN[]'],
  ['info', 'FLOAT[][]'],
] as const;

/** Columns of relabel_stats.parquet: sampled transitions per goal source (relabel.ts GOAL_SOURCES). */
export const RELABEL_STAT_COLUMNS = [
  'episode_id',
  'n_sampled',
  'n_original',
  'n_final',
  'n_future',
  'n_episode',
  'n_random',
] as const;

/** Options of {@link EpisodeStore.open}. */
export interface EpisodeStoreOptions {
  /**
   * Episode count of the checkpoint the run continues from (0 for a fresh run): parts holding later
   * episodes are dropped or cut, since those episodes are collected again.
   */
  nextEpisodeId: number;
  /** Buffered transitions at which {@link EpisodeStore.shouldFlush} says yes (default 25,000). */
  flushTransitions?: number;
}

/** A number as DuckDB reads it back into the same float (JS prints the shortest exact form). */
function num(x: number): string {
  if (Number.isFinite(x)) return String(x);
  return Number.isNaN(x) ? "'nan'" : x > 0 ? "'inf'" : "'-inf'";
}

/** `[a, b, …]` of a flat array. */
function list(a: ArrayLike<number>, from = 0, to = a.length): string {
  const parts: string[] = [];
  for (let i = from; i < to; i++) parts.push(num(a[i]));
  return `[${parts.join(',')}]`;
}

/** `[[…], […]]`: `rows` rows of `width` values (width 0 gives rows of empty lists). */
function nested(a: ArrayLike<number>, rows: number, width: number): string {
  const out: string[] = [];
  for (let r = 0; r < rows; r++) out.push(list(a, r * width, (r + 1) * width));
  return `[${out.join(',')}]`;
}

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The part files of an episodes folder, by first episode id. */
export function listParts(dir: string): Array<{ firstId: number; path: string }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ name, m: PART_RE.exec(name) }))
    .filter((p) => p.m)
    .map((p) => ({ firstId: Number(p.m![1]), path: join(dir, p.name) }))
    .sort((a, b) => a.firstId - b.firstId);
}

/** See the file comment. One per training run process. */
export class EpisodeStore {
  private pending: EpisodeRecord[] = [];
  private pendingSteps = 0;
  private nextId: number;

  private constructor(
    readonly dir: string,
    readonly shape: EpisodeShape,
    private readonly instance: DuckDBInstance,
    private readonly con: DuckDBConnection,
    nextEpisodeId: number,
    private readonly flushTransitions: number,
  ) {
    this.nextId = nextEpisodeId;
  }

  /**
   * Opens (creating) `<runDir>/episodes`, removes temp files left by a crash, drops parts past
   * `nextEpisodeId` (cutting a part that straddles it) and writes meta.json.
   * @throws Error from the file system or DuckDB; nothing visible is half-written then.
   */
  static async open(runDir: string, shape: EpisodeShape, opts: EpisodeStoreOptions): Promise<EpisodeStore> {
    const dir = join(runDir, EPISODES_DIR);
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir))
      if (name.startsWith('.') && name.endsWith('.tmp')) rmSync(join(dir, name));
    // One thread: the run process's cores belong to training; writes are small and rare.
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const con = await instance.connect();
    const store = new EpisodeStore(
      dir,
      shape,
      instance,
      con,
      opts.nextEpisodeId,
      opts.flushTransitions ?? 25_000,
    );
    try {
      await store.dropAfter(opts.nextEpisodeId);
      const meta: EpisodesMeta = {
        format: 'skill-lab-episodes',
        version: 1,
        ...shape,
        infoKeys: [...shape.infoKeys],
        physicsKeys: [...(shape.physicsKeys ?? [])],
      };
      writeFileAtomicSync(join(dir, EPISODES_META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
    } catch (err) {
      store.close();
      throw err;
    }
    return store;
  }

  /** Episodes buffered in memory, not yet in a part. */
  get buffered(): number {
    return this.pending.length;
  }

  /** True when the buffered episodes hold at least `flushTransitions` steps. */
  get shouldFlush(): boolean {
    return this.pendingSteps >= this.flushTransitions;
  }

  /**
   * Buffers a finished episode.
   * @throws Error when its id is not the next one (episodes must arrive in id order, none skipped).
   */
  add(ep: EpisodeRecord): void {
    if (ep.episodeId !== this.nextId)
      throw new Error(`episode store: expected episode ${this.nextId}, got ${ep.episodeId}`);
    this.nextId += 1;
    this.pending.push(ep);
    this.pendingSteps += ep.length;
  }

  /**
   * Writes the buffered episodes as one part (atomically) and empties the buffer; nothing when
   * none is buffered.
   * @returns the part's path, or null.
   * @throws Error from DuckDB or the file system; the episodes stay buffered and no part is visible.
   */
  async flush(): Promise<string | null> {
    if (this.pending.length === 0) return null;
    const eps = this.pending;
    const path = join(this.dir, partName(eps[0].episodeId));
    await this.writePart(eps, path);
    this.pending = [];
    this.pendingSteps = 0;
    return path;
  }

  /**
   * Rewrites relabel_stats.parquet (atomically) with the episodes sampled at least once.
   * @throws Error from DuckDB or the file system; the previous file stays then.
   */
  async writeRelabelStats(stats: RelabelStats): Promise<void> {
    const con = this.con;
    await con.run(
      `CREATE OR REPLACE TABLE stats (${RELABEL_STAT_COLUMNS.map((c) => `${c} BIGINT`).join(', ')})`,
    );
    const app = await con.createAppender('stats');
    try {
      stats.forEachSampled((id, counts, total) => {
        app.appendBigInt(BigInt(id));
        app.appendBigInt(BigInt(total));
        for (const c of counts) app.appendBigInt(BigInt(c));
        app.endRow();
      });
    } finally {
      app.closeSync();
    }
    await this.copyAtomic('SELECT * FROM stats ORDER BY episode_id', join(this.dir, RELABEL_STATS_FILE));
    await con.run('DROP TABLE stats');
  }

  /** Closes DuckDB; buffered episodes are dropped (flush first). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.con.closeSync();
    this.instance.closeSync();
  }
  private closed = false;

  /** Drops parts with episodes ≥ `next`; a part that straddles it is rewritten with the earlier ones. */
  private async dropAfter(next: number): Promise<void> {
    const parts = listParts(this.dir);
    for (const p of parts) if (p.firstId >= next) rmSync(p.path);
    const last = parts.filter((p) => p.firstId < next).pop();
    if (!last) return;
    const r = await this.con.runAndReadAll(
      `SELECT max(episode_id) FROM read_parquet(${sqlString(last.path)})`,
    );
    const max = Number(r.getRows()[0][0]);
    if (max >= next) {
      await this.copyAtomic(
        `SELECT * FROM read_parquet(${sqlString(last.path)}) WHERE episode_id < ${next} ORDER BY episode_id`,
        last.path,
      );
    }
  }

  /** `COPY (query) TO` a temp name, fsync, rename over `path`; the temp file is removed on failure. */
  private async copyAtomic(query: string, path: string): Promise<void> {
    const tmp = tempPathFor(path);
    try {
      await this.con.run(`COPY (${query}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
      fsyncFile(tmp);
      renameSync(tmp, path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  /**
   * Loads the episodes into a temp table (arrays as list literals, cast by DuckDB: far faster than
   * building one value object per number), then copies it to `path`.
   */
  private async writePart(eps: EpisodeRecord[], path: string): Promise<void> {
    const con = this.con;
    const { goalDim, actDim, nq, infoKeys } = this.shape;
    const nInfo = infoKeys.length;
    await con.run(
      `CREATE OR REPLACE TABLE raw (${EPISODE_COLUMNS.map(([c, t]) => `"${c}" ${t.includes('[]') ? 'VARCHAR' : t}`).join(', ')})`,
    );
    const app = await con.createAppender('raw');
    try {
      for (const ep of eps) {
        const T = ep.length;
        app.appendBigInt(BigInt(ep.episodeId));
        app.appendInteger(ep.iteration);
        app.appendBigInt(BigInt(ep.envStep));
        app.appendInteger(ep.envIndex);
        app.appendVarchar(ep.task);
        app.appendVarchar(list(ep.desiredGoal));
        app.appendDouble(ep.return);
        app.appendBoolean(ep.success);
        app.appendInteger(T);
        app.appendVarchar(list(ep.nextAchievedGoal, (T - 1) * goalDim, T * goalDim));
        app.appendVarchar(list(ep.physics ?? []));
        app.appendVarchar(nested(ep.qpos, nq === 0 ? 0 : T + 1, nq));
        app.appendVarchar(nested(ep.achievedGoal, T, goalDim));
        app.appendVarchar(nested(ep.nextAchievedGoal, T, goalDim));
        app.appendVarchar(nested(ep.action, T, actDim));
        app.appendVarchar(list(ep.reward));
        app.appendVarchar(`[${Array.from(ep.stepSuccess, (s) => (s ? 'true' : 'false')).join(',')}]`);
        app.appendVarchar(nested(ep.info, nInfo === 0 ? 0 : T, nInfo));
        app.endRow();
      }
    } finally {
      app.closeSync();
    }
    const select = EPISODE_COLUMNS.map(([c, t]) => (t.includes('[]') ? `"${c}"::${t} AS "${c}"` : `"${c}"`));
    await this.copyAtomic(`SELECT ${select.join(', ')} FROM raw ORDER BY episode_id`, path);
    await con.run('DROP TABLE raw');
  }
}
