/**
 * Sweeps in the workspace: a spec expanded into points, each point a normal run, and the record of
 * where they were sent.
 *
 *     <workspace>/sweeps/<sweep-id>/
 *         sweep.json      spec, points (index, run id, swept values, seed), executor, Slurm jobs
 *                         (job id, the array task ids it holds, when), cancel requests (atomic)
 *         job.sh          the Slurm batch script: one array task = `skill-lab sweep task ID INDEX`
 *         logs/<job>_<task>.out   Slurm's output of each array task
 *
 * Everything about a point's training lives in its run directory (runs/store.ts; run.json's `sweep`
 * names the sweep and index), so `list`, the workbench, Compare and `resume` see a sweep's runs as
 * any other runs. A sweep is created whole or not at all: every point is validated before anything
 * is written, and {@link SweepStore.discard} removes the runs and the folder when submitting fails.
 *
 * Node only.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomicSync } from '../atomic.ts';
import { ConfigError, type RunConfig } from '../config.ts';
import { resolveRunConfig } from '../presets.ts';
import { checkRunTask } from '../algos/goal_sac_run.ts';
import { checkReferencedRuns } from './run_references.ts';
import { RunStore, type MetricRow, type RunDir, type RunRecord, type RunStatus } from './store.ts';
import { runTrainer } from './lock.ts';
import { versions } from '../versions.ts';
import { SLURM_ENDED, queryArrayTasks, type SlurmTaskState } from './slurm.ts';
import {
  POINT_STATES,
  SWEEP_EXECUTORS,
  SweepSpecError,
  expandSweep,
  formatPointValues,
  sweepSpecSchema,
  sweepValueSchema,
  type PointState,
  type SweepPoint,
  type SweepSpec,
} from './sweep_spec.ts';

export { POINT_STATES, SweepSpecError, type PointState };

/** No sweep of that id in the workspace; the message lists the known ones. */
export class SweepNotFoundError extends SweepSpecError {
  constructor(message: string) {
    super(message);
    this.name = 'SweepNotFoundError';
  }
}

const pointSchema = z.object({
  index: z.number().int(),
  runId: z.string(),
  values: z.record(z.string(), sweepValueSchema),
  seed: z.number().int(),
});

const sweepRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  spec: sweepSpecSchema,
  /** The spec file it was started from, when it was. */
  specFile: z.string().nullable(),
  executor: z.enum(SWEEP_EXECUTORS),
  points: z.array(pointSchema),
  /** Slurm submissions, oldest first: `sweep resume` adds one with the tasks it resubmits. */
  jobs: z.array(z.object({ jobId: z.string(), indices: z.array(z.number().int()), submittedAt: z.string() })),
  /** The local executor now working through the points, if any (pid and host of its process). */
  local: z.object({ pid: z.number().int(), host: z.string(), startedAt: z.string() }).nullable(),
  /** Set by `sweep cancel`: executors start no further point after it. */
  cancelledAt: z.string().nullable(),
});

/** The contents of sweep.json. */
export type SweepRecord = z.infer<typeof sweepRecordSchema>;
export type SweepRecordPoint = z.infer<typeof pointSchema>;

/** A point's status for `sweep status` and the workbench. */
export interface PointStatus extends SweepRecordPoint {
  state: PointState;
  /** run.json's status ('missing' when the run was deleted). */
  runStatus: RunStatus | 'missing';
  envSteps: number;
  totalEnvSteps: number;
  /** Why it failed, pends or stopped (Slurm's reason, the run's error), or null. */
  detail: string | null;
  /** Slurm's view of its latest array task; null for local sweeps or when Slurm forgot it. */
  slurm: (SlurmTaskState & { jobId: string }) | null;
  /** Slurm's output file of its latest array task. */
  log: string | null;
  /** The run's last metric row (its final metrics once completed); {} before the first iteration. */
  last: MetricRow;
}

/** A sweep with every point's status. */
export interface SweepStatus {
  sweep: SweepRecord;
  points: PointStatus[];
  counts: Partial<Record<PointState, number>>;
  /** A Slurm command that failed while asking (the states are then from the workspace only). */
  slurmError: string | null;
}

/** A run config per point, validated. */
interface PreparedPoint extends SweepPoint {
  config: RunConfig;
  sources: Record<string, string>;
}

export class SweepStore {
  readonly runs: RunStore;

  constructor(workspace?: string) {
    this.runs = new RunStore(workspace);
  }

  get root(): string {
    return this.runs.root;
  }

  get sweepsDir(): string {
    return join(this.root, 'sweeps');
  }

  dir(id: string): string {
    return join(this.sweepsDir, id);
  }

  /**
   * Expands a spec and resolves every point's run config, before anything is written.
   * @throws SweepSpecError for a spec that does not expand; ConfigError naming the point
   *   (`point 3 (sac.lr=2, seed 1): sac.lr: …`) for an unknown key or a value outside its range.
   */
  prepare(spec: SweepSpec, opts: { taskFiles?: boolean } = {}): PreparedPoint[] {
    const points = expandSweep(spec);
    return points.map((p) => {
      try {
        const { config, sources } = resolveRunConfig({
          algo: spec.algo as RunConfig['algo'],
          preset: spec.preset,
          env: spec.env,
          task: spec.task,
          skillsFrom: spec.skillsFrom,
          seed: p.seed,
          totalEnvSteps: spec.steps,
          overrides: { ...spec.set, ...p.values },
        });
        checkRunTask(config, this.root, { files: opts.taskFiles });
        checkReferencedRuns(config, this.root);
        for (const key of Object.keys(p.values)) sources[key] = 'sweep';
        return { ...p, config, sources };
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        const where = `point ${p.index} (${formatPointValues(p.values)}, seed ${p.seed})`;
        throw new ConfigError(
          `${where}: ${err.message}`,
          err.issues.map((i) => ({ ...i, message: `${where}: ${i.message}` })),
        );
      }
    });
  }

  /**
   * Creates a sweep: validates every point ({@link prepare}), then writes its folder, one run per
   * point (status 'created') and sweep.json. Nothing is left behind when a step fails.
   * @throws as {@link prepare}
   */
  create(spec: SweepSpec, opts: { specFile?: string | null; taskFiles?: boolean } = {}): SweepRecord {
    const prepared = this.prepare(spec, opts);
    const name = spec.name ?? `${spec.algo}-${spec.preset ?? spec.env ?? spec.task ?? 'sweep'}`;
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    let id = `${name}-${stamp}`;
    for (let k = 2; existsSync(this.dir(id)); k++) id = `${name}-${stamp}-${k}`;
    const created: RunDir[] = [];
    try {
      mkdirSync(join(this.dir(id), 'logs'), { recursive: true });
      const points = prepared.map((p) => {
        const run = this.runs.create(p.config, p.sources, versions(), {
          base: `${id}-p${p.index}-s${p.seed}`,
          sweep: { id, index: p.index },
        });
        created.push(run);
        return { index: p.index, runId: run.id, values: p.values, seed: p.seed };
      });
      const now = new Date().toISOString();
      const record: SweepRecord = {
        id,
        name,
        createdAt: now,
        updatedAt: now,
        spec,
        specFile: opts.specFile ?? null,
        executor: spec.executor.kind,
        points,
        jobs: [],
        local: null,
        cancelledAt: null,
      };
      this.write(record);
      return record;
    } catch (err) {
      for (const run of created) rmSync(run.path, { recursive: true, force: true });
      rmSync(this.dir(id), { recursive: true, force: true });
      throw err;
    }
  }

  /** Removes a sweep and its runs (a submission that failed). */
  discard(sweep: SweepRecord): void {
    for (const p of sweep.points) rmSync(join(this.runs.runsDir, p.runId), { recursive: true, force: true });
    rmSync(this.dir(sweep.id), { recursive: true, force: true });
  }

  /**
   * Reads a sweep's record.
   * @throws SweepSpecError for an unknown id (listing the known ones) or an unreadable sweep.json.
   */
  open(id: string): SweepRecord {
    const file = join(this.dir(id), 'sweep.json');
    if (!existsSync(file)) {
      const known = this.ids();
      throw new SweepNotFoundError(
        `No sweep "${id}" in ${this.sweepsDir}.` +
          (known.length ? ` Known sweeps: ${known.slice(-8).join(', ')}` : ' The workspace has no sweeps.'),
      );
    }
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new SweepSpecError(`${file} is not readable JSON: ${(err as Error).message}`);
    }
    const parsed = sweepRecordSchema.safeParse(raw);
    if (!parsed.success)
      throw new SweepSpecError(`${file} is not a sweep record: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  ids(): string[] {
    if (!existsSync(this.sweepsDir)) return [];
    return readdirSync(this.sweepsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(this.sweepsDir, d.name, 'sweep.json')))
      .map((d) => d.name)
      .sort();
  }

  /** Every readable sweep, newest first; unreadable ones are reported beside. */
  list(): { sweeps: SweepRecord[]; unreadable: Array<{ id: string; error: string }> } {
    const sweeps: SweepRecord[] = [];
    const unreadable: Array<{ id: string; error: string }> = [];
    for (const id of this.ids()) {
      try {
        sweeps.push(this.open(id));
      } catch (err) {
        unreadable.push({ id, error: (err as Error).message });
      }
    }
    sweeps.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return { sweeps, unreadable };
  }

  /** Changes fields of sweep.json (re-read first, written atomically). */
  update(id: string, fields: Partial<Omit<SweepRecord, 'id'>>): SweepRecord {
    const record = { ...this.open(id), ...fields, updatedAt: new Date().toISOString() };
    this.write(record);
    return record;
  }

  private write(record: SweepRecord): void {
    writeFileAtomicSync(join(this.dir(record.id), 'sweep.json'), JSON.stringify(record, null, 2) + '\n');
  }

  /** The Slurm log of a point's latest array task. */
  logPath(sweep: SweepRecord, index: number): string | null {
    const job = latestJob(sweep, index);
    return job ? join(this.dir(sweep.id), 'logs', `${job.jobId}_${index}.out`) : null;
  }

  /**
   * Every point's status: run.json and its trainer, and for Slurm sweeps squeue and sacct (or
   * scontrol where accounting is off).
   */
  status(sweep: SweepRecord, opts: { slurm?: boolean } = {}): SweepStatus {
    const askSlurm = (opts.slurm ?? true) && sweep.jobs.length > 0;
    const q = askSlurm
      ? queryArrayTasks(sweep.jobs.map((j) => j.jobId))
      : { tasks: new Map<string, SlurmTaskState>(), error: null };
    const points = sweep.points.map((p) => this.pointStatus(sweep, p, q.tasks));
    const counts: SweepStatus['counts'] = {};
    for (const p of points) counts[p.state] = (counts[p.state] ?? 0) + 1;
    return { sweep, points, counts, slurmError: q.error };
  }

  private pointStatus(
    sweep: SweepRecord,
    p: SweepRecordPoint,
    tasks: Map<string, SlurmTaskState>,
  ): PointStatus {
    const job = latestJob(sweep, p.index);
    const task = job ? tasks.get(`${job.jobId}_${p.index}`) : undefined;
    const slurm = task && job ? { ...task, jobId: job.jobId } : null;
    const base = {
      ...p,
      slurm,
      log: this.logPath(sweep, p.index),
    };
    const runPath = join(this.runs.runsDir, p.runId);
    let record: RunRecord;
    let run: RunDir;
    try {
      run = this.runs.open(p.runId);
      record = run.readRecord();
    } catch (err) {
      const missing = !existsSync(runPath);
      return {
        ...base,
        state: 'failed',
        runStatus: 'missing',
        envSteps: 0,
        totalEnvSteps: 0,
        detail: missing ? `run ${p.runId} was deleted` : (err as Error).message,
        last: {},
      };
    }
    const last = lastRow(run);
    const budget = Number((record.config as { totalEnvSteps?: number }).totalEnvSteps ?? 0);
    const { state, detail } = pointState(record, runTrainer(run.path, record).state, slurm);
    return {
      ...base,
      state,
      detail,
      runStatus: record.status,
      envSteps: record.envSteps,
      totalEnvSteps: budget,
      last,
    };
  }

  /**
   * The points `sweep resume` restarts: not completed and not being trained or queued now.
   * @returns their indices and, apart, the ones left alone because they are live (with why)
   */
  resumable(status: SweepStatus): { indices: number[]; live: Array<{ index: number; why: string }> } {
    const indices: number[] = [];
    const live: Array<{ index: number; why: string }> = [];
    for (const p of status.points) {
      if (p.state === 'completed' || p.runStatus === 'missing') continue;
      if (p.state === 'running' || p.state === 'pending') {
        live.push({ index: p.index, why: p.slurm ? `Slurm ${p.slurm.state}` : 'training' });
        continue;
      }
      indices.push(p.index);
    }
    return { indices, live };
  }

  /** Marks this process as the local executor of a sweep (cleared by {@link releaseLocal}). */
  claimLocal(id: string): SweepRecord {
    return this.update(id, {
      local: { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() },
      cancelledAt: null,
    });
  }

  releaseLocal(id: string): void {
    const record = this.open(id);
    if (record.local?.pid === process.pid) this.update(id, { local: null });
  }
}

/** The latest Slurm job that holds array task `index`. */
function latestJob(sweep: SweepRecord, index: number): SweepRecord['jobs'][number] | undefined {
  for (let i = sweep.jobs.length - 1; i >= 0; i--)
    if (sweep.jobs[i].indices.includes(index)) return sweep.jobs[i];
  return undefined;
}

function lastRow(run: RunDir): MetricRow {
  try {
    const rows = run.readMetrics();
    return rows[rows.length - 1] ?? {};
  } catch {
    return {};
  }
}

/**
 * A point's state: a completed run is completed whatever Slurm says; a live Slurm task says pending
 * or running; then what the run's files say, with Slurm's end state where it explains the end.
 */
export function pointState(
  record: Pick<RunRecord, 'status' | 'error'>,
  trainer: 'none' | 'training' | 'gone',
  slurm: SlurmTaskState | null,
): { state: PointState; detail: string | null } {
  if (record.status === 'completed') return { state: 'completed', detail: null };
  const reason = slurm && slurm.reason !== 'None' && slurm.reason !== '(null)' ? slurm.reason : null;
  if (slurm && !SLURM_ENDED.has(slurm.state) && slurm.state !== 'COMPLETING') {
    if (slurm.state === 'PENDING') return { state: 'pending', detail: reason };
    return { state: 'running', detail: slurm.state === 'RUNNING' ? null : slurm.state };
  }
  if (trainer === 'training') return { state: 'running', detail: null };
  if (slurm?.state === 'CANCELLED')
    return {
      state: 'cancelled',
      detail:
        record.error ??
        (record.status === 'created'
          ? 'cancelled before it started'
          : 'scancel; resumes from its checkpoint'),
    };
  if (slurm && SLURM_ENDED.has(slurm.state) && slurm.state !== 'COMPLETED')
    return {
      state: 'failed',
      detail: [`Slurm ${slurm.state}`, reason, slurm.exitCode && `exit ${slurm.exitCode}`, record.error]
        .filter(Boolean)
        .join(' — '),
    };
  if (record.status === 'error') return { state: 'failed', detail: record.error };
  if (record.status === 'running') return { state: 'killed', detail: 'its process is gone' };
  if (record.status === 'stopped') return { state: 'stopped', detail: record.error };
  return { state: 'not started', detail: null };
}

/** Reads and parses a spec file (JSON, or YAML by extension or when it is not JSON). */
export async function readSpecFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SweepSpecError(
      `cannot read sweep spec ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (err as Error).message}`,
    );
  }
  if (/\.json$/i.test(file)) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new SweepSpecError(`${file} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const YAML = await import('yaml');
  try {
    return YAML.parse(text);
  } catch (err) {
    throw new SweepSpecError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}
