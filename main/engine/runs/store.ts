/**
 * The run store: a workspace folder with one directory per run.
 *
 *     <workspace>/runs/<run-id>/
 *         run.json            full config with sources, seed, backend, versions, status, timestamps
 *         metrics.jsonl       one JSON row per iteration (iteration, env_steps, wall_s, losses, …);
 *                             relabel_strategy by name ("future"), an index in memory (plots)
 *         checkpoint.bin      latest checkpoint (weights, optimizer states, replay, counters; atomic)
 *         checkpoint.prev.bin the checkpoint before it, the fallback when the latest is unreadable
 *                             (runs/checkpoints.ts: rotated so that a kill never leaves fewer than
 *                             two complete checkpoints once two were written)
 *         *.damaged-<time>    a damaged metrics.jsonl or checkpoint.bin, kept as found before the
 *                             run rewrote it (never overwritten; see RunRecord.warnings)
 *         eval/rollouts.jsonl evaluation rollouts, one row per (skill, rollout, step) — see evaluate.ts
 *         eval/summary.json   the evaluation report
 *         task.json           goal-sac: the task spec the run trains on (algos/goal_sac_run.ts)
 *         skills.bin          skill-controller: the frozen parts of the skill run it composes, copied
 *                             at its first start (runs/skill_pin.ts; run.json's skillSource says whence)
 *         episodes/part-<first episode id>.parquet, relabel_stats.parquet
 *                             goal-sac: every training episode and its sampling counts by goal
 *                             source, for the replay browser (replay/episode_store.ts)
 *         relabel-request.json  goal-sac: a pending relabeling switch (runs/relabel_control.ts)
 *         exports/            episodes exported from the replay browser
 *
 * <workspace>/tasks/<name>.json holds the workspace's own task specs (the task editor's).
 *
 * Everything is written atomically (temp file, then rename), so a killed run leaves the last complete
 * version of every file behind, plus perhaps a temp file, which the next training of the run removes
 * ({@link RunDir.removeStaleTempFiles}). A corrupt run.json raises an error naming the file; listing
 * the workspace reports it and goes on with the other runs. History is never dropped silently: the
 * readable rows of a damaged metrics.jsonl are all kept, the file as found is kept aside, and a
 * warning names the unreadable lines and the iterations they cost (issue #10 §3).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, appendFileSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { keepAsideSync, removeStaleTempFiles, writeFileAtomicSync } from '../atomic.ts';
import { z } from 'zod';
import { parseRunConfig, formatIssues, type RunConfig } from '../config.ts';
import { skillSourceRecordSchema, type SkillSourceRecord } from './skill_source_record.ts';
import { RELABEL_STRATEGIES } from '../replay/relabel.ts';
import { TASK_RELABEL_STRATEGIES } from '../replay/task_relabel.ts';

export const RUN_STATUSES = ['created', 'running', 'stopped', 'completed', 'error'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export { skillSourceRecordSchema, type SkillSourceRecord };

const recordSchema = z.object({
  id: z.string(),
  algo: z.string(),
  env: z.string(),
  preset: z.string().nullable(),
  seed: z.number(),
  status: z.enum(RUN_STATUSES),
  error: z.string().nullable().default(null),
  createdAt: z.string(),
  updatedAt: z.string(),
  envSteps: z.number().default(0),
  iterations: z.number().default(0),
  wallSeconds: z.number().default(0),
  config: z.record(z.string(), z.any()),
  sources: z.record(z.string(), z.string()),
  backend: z.record(z.string(), z.any()).nullable().default(null),
  versions: z.record(z.string(), z.string()).default({}),
  pid: z.number().nullable().default(null),
  /** Damage the run met and recovered from (a damaged metrics.jsonl or checkpoint), oldest first. */
  warnings: z.array(z.string()).default([]),
  /** The skill run this run composes, once pinned (skill controllers only). */
  skillSource: skillSourceRecordSchema.optional(),
  /** The sweep this run is a point of (runs/sweeps.ts): its id and the point's index. */
  sweep: z.object({ id: z.string(), index: z.number().int() }).optional(),
});

/** The contents of run.json. */
export type RunRecord = z.infer<typeof recordSchema>;

/** Raised for a run directory whose files cannot be read; names the file. */
/** How many run ids an unknown-run error lists before it says how many it left out. */
const KNOWN_RUNS_LISTED = 8;

export class RunStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunStoreError';
  }
}

/** One row of metrics.jsonl: iteration, env_steps, wall_s, then the algorithm's scalars. */
export type MetricRow = Record<string, number>;

/** What reading metrics.jsonl found, line by line (see {@link RunDir.scanMetrics}). */
export interface MetricsScan {
  /** Every row that could be read, in file order. */
  rows: MetricRow[];
  /**
   * 1-based numbers of the lines that are not a complete metric row (a JSON object with a numeric
   * `iteration`), the torn last line included.
   */
  unreadableLines: number[];
  /** True when the last line is unreadable and not newline-terminated: a kill mid-append. */
  tornTail: boolean;
}

/** Damage found when metrics.jsonl was rewritten for a resume (see {@link RunDir.truncateMetrics}). */
export interface MetricsDamage {
  /** The metrics file. */
  file: string;
  /** Where the file was kept as found; null when there was no file. */
  keptAs: string | null;
  /** Unreadable lines (1-based). */
  unreadableLines: number[];
  /** Iterations up to the resume point that no readable row holds, ascending. */
  missingIterations: number[];
  /** Rows kept. */
  keptRows: number;
  /** The warning that was given. */
  message: string;
}

/** The most warnings run.json keeps (the oldest are dropped first). */
const MAX_RECORD_WARNINGS = 20;

/** `25–40, 43` for sorted integers. */
export function formatRanges(xs: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < xs.length;) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    parts.push(j === i ? `${xs[i]}` : `${xs[i]}–${xs[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** A label for files kept aside: `damaged-<UTC time>`, e.g. damaged-20260301T120000Z. */
export function damagedLabel(now = new Date()): string {
  return `damaged-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

function isMetricRow(x: unknown): x is MetricRow {
  return (
    typeof x === 'object' &&
    x !== null &&
    !Array.isArray(x) &&
    typeof (x as Record<string, unknown>).iteration === 'number'
  );
}

/** The line as a metric row, or null. */
function parseRow(text: string): MetricRow | null {
  try {
    const x: unknown = JSON.parse(text);
    return isMetricRow(x) ? fromStored(x) : null;
  } catch {
    return null;
  }
}

/**
 * The strategy list a row's `relabel_strategy` indexes: task relabeling (multitask-sac) when the row
 * has a relabeled share, hindsight relabeling (goal-sac) otherwise.
 */
function strategiesOf(row: Record<string, unknown>): readonly string[] {
  return Number.isFinite(row.relabel_ratio) ? TASK_RELABEL_STRATEGIES : RELABEL_STRATEGIES;
}

/**
 * A row as metrics.jsonl stores it: categorical columns by name (`"relabel_strategy":"future"`, not
 * an index a reader must look up; issue #13 B3). In memory every column is a number, for plots.
 */
function toStored(row: MetricRow): Record<string, number | string> {
  const index = row.relabel_strategy;
  if (!Number.isInteger(index)) return row;
  return { ...row, relabel_strategy: strategiesOf(row)[index] ?? index };
}

/** A stored row in memory: a strategy name back to its index (rows of older runs hold the index). */
export function fromStored(row: Record<string, unknown>): MetricRow {
  const name = row.relabel_strategy;
  if (typeof name !== 'string') return row as MetricRow;
  const index = strategiesOf(row).indexOf(name);
  const { relabel_strategy: _name, ...rest } = row;
  return (index >= 0 ? { ...rest, relabel_strategy: index } : rest) as MetricRow;
}

/**
 * The row that ends an unreadable line, if any: a row cut mid-line followed by one appended
 * after it (`{"iteration":25,"env_st{"iteration":26,…}`) still holds the later row whole.
 */
function trailingRow(line: string): MetricRow | null {
  for (let at = line.indexOf('{', 1); at > 0; at = line.indexOf('{', at + 1)) {
    const row = parseRow(line.slice(at));
    if (row) return row;
  }
  return null;
}

/** The workspace root: explicit option, then SKILL_LAB_WORKSPACE, then ./workspace. */
export function workspaceRoot(explicit?: string): string {
  return resolve(explicit ?? process.env.SKILL_LAB_WORKSPACE ?? 'workspace');
}

/** One run directory. */
export class RunDir {
  constructor(
    readonly path: string,
    readonly id: string,
  ) {}

  get recordPath(): string {
    return join(this.path, 'run.json');
  }
  get metricsPath(): string {
    return join(this.path, 'metrics.jsonl');
  }
  get checkpointPath(): string {
    return join(this.path, 'checkpoint.bin');
  }
  /** The checkpoint before the latest (the fallback when checkpoint.bin is unreadable). */
  get previousCheckpointPath(): string {
    return join(this.path, 'checkpoint.prev.bin');
  }
  /** True when the run has written a checkpoint (the latest or, if that was lost, the previous). */
  hasCheckpoint(): boolean {
    return existsSync(this.checkpointPath) || existsSync(this.previousCheckpointPath);
  }
  get evalDir(): string {
    return join(this.path, 'eval');
  }

  /** @throws RunStoreError naming run.json when it is missing, not JSON, or invalid. */
  readRecord(): RunRecord {
    const file = this.recordPath;
    if (!existsSync(file)) throw new RunStoreError(`${file}: missing (not a run directory?)`);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new RunStoreError(`${file}: not valid JSON (${(err as Error).message})`);
    }
    const result = recordSchema.safeParse(raw);
    if (!result.success)
      throw new RunStoreError(`${file}: invalid run record:\n${formatIssues(result.error)}`);
    return result.data;
  }

  /** The validated run config of this run. @throws RunStoreError naming run.json. */
  readConfig(): RunConfig {
    const record = this.readRecord();
    try {
      return parseRunConfig(record.config, `config in ${this.recordPath}`);
    } catch (err) {
      throw new RunStoreError((err as Error).message);
    }
  }

  writeRecord(record: RunRecord): void {
    writeFileAtomicSync(this.recordPath, JSON.stringify(record, null, 2) + '\n');
  }

  /** Merges fields into run.json and stamps updatedAt. */
  update(fields: Partial<RunRecord>): RunRecord {
    const record = { ...this.readRecord(), ...fields, updatedAt: new Date().toISOString() };
    this.writeRecord(record);
    return record;
  }

  /**
   * Adds `message` to run.json's warnings (kept for the user: `skill-lab list`, the service) and
   * stamps updatedAt.
   */
  addWarning(message: string): void {
    const warnings = [...this.readRecord().warnings, message].slice(-MAX_RECORD_WARNINGS);
    this.update({ warnings });
  }

  /**
   * Removes the temp files that writers killed mid-write left in the run directory and its eval/
   * and episodes/ folders (atomic.ts's names: `.checkpoint.bin.<pid>.<hex>.tmp`, …), leaving those of
   * live writers alone. Only the process holding the run's training lock may call it (trainRun does,
   * at its start): a temp file of a dead writer cannot be in flight then.
   * @returns the removed paths.
   */
  removeStaleTempFiles(): string[] {
    return [this.path, this.evalDir, join(this.path, 'episodes')].flatMap((d) => removeStaleTempFiles(d));
  }

  appendMetrics(row: MetricRow): void {
    appendFileSync(this.metricsPath, JSON.stringify(toStored(row)) + '\n');
  }

  /**
   * Reads metrics.jsonl line by line: every readable row, and which lines are not (see
   * {@link MetricsScan}). A row appended after a cut line on the same line is still read.
   * @throws RunStoreError naming metrics.jsonl when it exists but cannot be read at all.
   */
  scanMetrics(): MetricsScan {
    if (!existsSync(this.metricsPath)) return { rows: [], unreadableLines: [], tornTail: false };
    let text: string;
    try {
      text = readFileSync(this.metricsPath, 'utf8');
    } catch (err) {
      throw new RunStoreError(`${this.metricsPath}: cannot be read (${(err as Error).message})`);
    }
    const lines = text.split('\n');
    const rows: MetricRow[] = [];
    const unreadableLines: number[] = [];
    let tornTail = false;
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      const row = parseRow(line);
      if (row) {
        rows.push(row);
        return;
      }
      unreadableLines.push(i + 1);
      if (i === lines.length - 1) tornTail = true; // no newline after it
      const tail = trailingRow(line);
      if (tail) rows.push(tail);
    });
    return { rows, unreadableLines, tornTail };
  }

  /**
   * The metric rows that can be read, in file order. Unreadable lines (a torn last line after a
   * kill mid-append, damage anywhere) are left out, never the readable rows around them; use
   * {@link scanMetrics} to learn which lines those were.
   * @throws RunStoreError naming metrics.jsonl when it exists but cannot be read at all.
   */
  readMetrics(): MetricRow[] {
    return this.scanMetrics().rows;
  }

  /**
   * Keeps the rows of iterations ≤ `iteration` (a resume from the checkpoint at `iteration` drops
   * later rows, which it computes again), rewriting metrics.jsonl atomically.
   *
   * A file that is damaged — an unreadable line other than a torn last line, or a row of an
   * iteration ≤ `iteration` missing — is first kept aside as `metrics.jsonl.damaged-<time>`; then
   * every readable row up to `iteration` is kept, and a warning (to `onWarning`, and in run.json's
   * warnings) names the file, the unreadable lines and the missing iterations. A torn last line
   * alone (a kill mid-append of a row past the checkpoint) costs nothing and is dropped quietly.
   *
   * @returns the damage found, or null.
   * @throws RunStoreError naming metrics.jsonl when it cannot be read; the file system's error.
   */
  truncateMetrics(
    iteration: number,
    opts: { onWarning?: (message: string) => void } = {},
  ): MetricsDamage | null {
    const scan = this.scanMetrics();
    const kept = scan.rows.filter((r) => r.iteration <= iteration);
    const have = new Set(kept.map((r) => r.iteration));
    const missingIterations: number[] = [];
    for (let k = 1; k <= iteration; k++) if (!have.has(k)) missingIterations.push(k);
    const damagedLines = scan.tornTail ? scan.unreadableLines.slice(0, -1) : scan.unreadableLines;
    let damage: MetricsDamage | null = null;
    if (damagedLines.length > 0 || missingIterations.length > 0) {
      const found = existsSync(this.metricsPath);
      const keptAs = found ? keepAsideSync(this.metricsPath, damagedLabel()) : null;
      const lines = scan.unreadableLines;
      const what: string[] = [];
      const plural = (n: number, one: string, many: string) => (n > 1 ? many : one);
      if (lines.length)
        what.push(`${plural(lines.length, 'line', 'lines')} ${formatRanges(lines)} could not be read`);
      if (missingIterations.length) {
        what.push(
          `${plural(missingIterations.length, 'iteration', 'iterations')} ${formatRanges(missingIterations)} ` +
            `(of 1–${iteration}, the checkpoint's) ${plural(missingIterations.length, 'is', 'are')} missing`,
        );
      }
      const message =
        `${this.metricsPath}: ${found ? 'damaged' : 'missing'}: ${what.join('; ')}. ` +
        (keptAs ? `The file as found is kept as ${keptAs}; the` : 'The') +
        ` ${kept.length} readable rows up to iteration ${iteration} are kept.`;
      damage = {
        file: this.metricsPath,
        keptAs,
        unreadableLines: lines,
        missingIterations,
        keptRows: kept.length,
        message,
      };
    }
    writeFileAtomicSync(this.metricsPath, kept.map((r) => JSON.stringify(toStored(r)) + '\n').join(''));
    if (damage) {
      opts.onWarning?.(damage.message);
      this.addWarning(damage.message);
    }
    return damage;
  }
}

/** A workspace of runs. */
export class RunStore {
  readonly root: string;
  constructor(root?: string) {
    this.root = workspaceRoot(root);
  }

  get runsDir(): string {
    return join(this.root, 'runs');
  }

  /**
   * Creates a new run directory with its run.json (status 'created').
   * @param opts.base the run id (a suffix -2, -3 … when taken); default algo-preset-seed-time
   * @param opts.sweep the sweep point it is (recorded in run.json)
   */
  create(
    config: RunConfig,
    sources: Record<string, string>,
    versions: Record<string, string>,
    opts: { base?: string; sweep?: { id: string; index: number } } = {},
  ): RunDir {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    // The task names a goal-conditioned run apart from its siblings of the same preset (issue #13 B2).
    const task = config.task
      ? basename(config.task)
          .replace(/\.json$/, '')
          .replace(/[^A-Za-z0-9_-]/g, '-')
      : null;
    const place = config.preset ?? config.env;
    // A task the preset's name already says (arm-reach's reach) is not repeated.
    const where = task && !place.includes(task) ? `${place}-${task}` : place;
    const base = opts.base ?? `${config.algo}-${where}-s${config.seed}-${stamp}`;
    let id = base;
    for (let k = 2; existsSync(join(this.runsDir, id)); k++) id = `${base}-${k}`;
    const dir = new RunDir(join(this.runsDir, id), id);
    mkdirSync(dir.path, { recursive: true });
    const now = new Date().toISOString();
    dir.writeRecord({
      id,
      algo: config.algo,
      env: config.env,
      preset: config.preset,
      seed: config.seed,
      status: 'created',
      error: null,
      createdAt: now,
      updatedAt: now,
      envSteps: 0,
      iterations: 0,
      wallSeconds: 0,
      config: config as unknown as Record<string, unknown>,
      sources,
      backend: null,
      versions,
      pid: null,
      warnings: [],
      ...(opts.sweep && { sweep: opts.sweep }),
    });
    return dir;
  }

  /**
   * Opens a run by id or by path.
   * @throws RunStoreError when no such run exists (lists a few existing ids).
   */
  open(idOrPath: string): RunDir {
    const candidates = [join(this.runsDir, idOrPath), resolve(idOrPath)];
    for (const p of candidates) {
      if (existsSync(join(p, 'run.json')) || (existsSync(p) && p.startsWith(this.runsDir))) {
        return new RunDir(p, p.split(/[\\/]/).pop()!);
      }
    }
    const known = this.ids();
    throw new RunStoreError(
      `No run "${idOrPath}" in ${this.runsDir}.` +
        (known.length === 0
          ? ' The workspace has no runs.'
          : known.length <= KNOWN_RUNS_LISTED
            ? ` Known runs: ${known.join(', ')}`
            : ` Known runs (${KNOWN_RUNS_LISTED} of ${known.length}; skill-lab list shows all): ${known.slice(-KNOWN_RUNS_LISTED).join(', ')}`),
    );
  }

  ids(): string[] {
    if (!existsSync(this.runsDir)) return [];
    return readdirSync(this.runsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  }

  /** Every run with its record, or the error that kept it from being read (other runs unaffected). */
  list(): Array<{ dir: RunDir; record: RunRecord | null; error: string | null }> {
    return this.ids().map((id) => {
      const dir = new RunDir(join(this.runsDir, id), id);
      try {
        return { dir, record: dir.readRecord(), error: null };
      } catch (err) {
        return { dir, record: null, error: (err as Error).message };
      }
    });
  }

  remove(id: string): void {
    rmSync(this.open(id).path, { recursive: true, force: true });
  }
}
