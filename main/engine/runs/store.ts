/**
 * The run store: a workspace folder with one directory per run.
 *
 *     <workspace>/runs/<run-id>/
 *         run.json            full config with sources, seed, backend, versions, status, timestamps
 *         metrics.jsonl       one JSON row per iteration (iteration, env_steps, wall_s, losses, …)
 *         checkpoint.bin      latest checkpoint (weights, optimizer states, replay, counters; atomic)
 *         eval/rollouts.jsonl evaluation rollouts, one row per (skill, rollout, step) — see evaluate.ts
 *         eval/summary.json   the evaluation report
 *         task.json           goal-sac: the task spec the run trains on (algos/goal_sac_run.ts)
 *         episodes/part-<first episode id>.parquet, relabel_stats.parquet
 *                             goal-sac: every training episode and its sampling counts by goal
 *                             source, for the replay browser (replay/episode_store.ts)
 *         relabel-request.json  goal-sac: a pending relabeling switch (runs/relabel_control.ts)
 *         exports/            episodes exported from the replay browser
 *
 * <workspace>/tasks/<name>.json holds the workspace's own task specs (the task editor's).
 *
 * Everything is written atomically (temp file, then rename), so a killed run leaves the last complete
 * version of every file behind. A corrupt run directory raises an error naming the file; listing the
 * workspace reports it and goes on with the other runs.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, appendFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomicSync } from '../atomic.ts';
import { z } from 'zod';
import { parseRunConfig, formatIssues, type RunConfig } from '../config.ts';

export const RUN_STATUSES = ['created', 'running', 'stopped', 'completed', 'error'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

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
});

/** The contents of run.json. */
export type RunRecord = z.infer<typeof recordSchema>;

/** Raised for a run directory whose files cannot be read; names the file. */
export class RunStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunStoreError';
  }
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

  appendMetrics(row: Record<string, number>): void {
    appendFileSync(this.metricsPath, JSON.stringify(row) + '\n');
  }

  /**
   * The metric rows. A torn last line (a kill mid-append) is skipped; any other bad line raises.
   * @throws RunStoreError naming metrics.jsonl and the line.
   */
  readMetrics(): Record<string, number>[] {
    if (!existsSync(this.metricsPath)) return [];
    const lines = readFileSync(this.metricsPath, 'utf8').split('\n');
    const rows: Record<string, number>[] = [];
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      try {
        rows.push(JSON.parse(line));
      } catch {
        if (i < lines.length - 2)
          throw new RunStoreError(`${this.metricsPath}: line ${i + 1} is not valid JSON`);
      }
    });
    return rows;
  }

  /** Keeps the rows of iterations ≤ `iteration` (resume from a checkpoint drops later rows). */
  truncateMetrics(iteration: number): void {
    const rows = this.readMetrics().filter((r) => r.iteration <= iteration);
    writeFileAtomicSync(this.metricsPath, rows.map((r) => JSON.stringify(r) + '\n').join(''));
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

  /** Creates a new run directory with its run.json (status 'created'). */
  create(config: RunConfig, sources: Record<string, string>, versions: Record<string, string>): RunDir {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    const base = `${config.algo}-${config.preset ?? config.env}-s${config.seed}-${stamp}`;
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
        (known.length ? ` Known runs: ${known.slice(-5).join(', ')}` : ' The workspace has no runs.'),
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
