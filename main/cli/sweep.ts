/**
 * `skill-lab sweep SPEC` and its subcommands: hyperparameter and seed sweeps, each point a normal run
 * of the workspace, trained on this machine (`--executor local`, in the foreground with a progress
 * bar per live run) or as a Slurm job array (`--executor slurm`, submitted and left to Slurm).
 *
 *     skill-lab sweep SPEC [--executor local|slurm] [--dry-run] …   create the runs, start them
 *     skill-lab sweep list                                           the workspace's sweeps
 *     skill-lab sweep status ID                                      every point: workspace + Slurm
 *     skill-lab sweep cancel ID                                      stop it; every run stays resumable
 *     skill-lab sweep resume ID                                      points that did not complete, again
 *     skill-lab sweep task ID INDEX                                  what a Slurm array task runs
 */
import { join, resolve } from 'node:path';
import { hostname } from 'node:os';
import {
  SweepStore,
  readSpecFile,
  type PointStatus,
  type SweepRecord,
  type SweepStatus,
} from '../engine/runs/sweeps.ts';
import {
  SweepSpecError,
  formatPointValues,
  parseSweepSpec,
  sweepSeeds,
  sweptKeys,
  type SlurmOptions,
  type SweepExecutorKind,
  type SweepSpec,
} from '../engine/runs/sweep_spec.ts';
import { assertSlurm, cancelJobs, SlurmError } from '../engine/runs/slurm.ts';
import { probeWorkspace, submitSweep } from '../engine/runs/sweep_slurm.ts';
import { defaultParallel, runSweepLocally } from '../engine/runs/sweep_local.ts';
import { RunSupervisor } from '../engine/runs/supervisor.ts';
import { runTrainer } from '../engine/runs/lock.ts';
import { processAlive } from '../engine/runs/process_info.ts';
import { slurmOptionsSchema } from '../engine/runs/sweep_spec.ts';
import { RunBars, metricSummary } from './progress.ts';
import { trainInProcess } from './train.ts';
import { UsageError } from './errors.ts';

/** Command-line settings that override the spec's executor. */
export interface SweepFlags {
  workspace?: string;
  executor?: SweepExecutorKind;
  parallel?: number;
  partition?: string;
  time?: string;
  cpus?: number;
  mem?: string;
  maxConcurrent?: number;
  sbatchOption: string[];
  probe: boolean;
  probeTimeout: number;
  dryRun: boolean;
  json: boolean;
}

/**
 * Reads a spec file, applies the flags, validates every point and creates and starts the sweep.
 * @throws UsageError for a spec that does not parse or expand, a point with an unknown key or a
 *   value outside its range (naming the point), `--executor slurm` without sbatch, a workspace a job
 *   cannot write, or a refused submission — in each case before or instead of creating anything.
 */
export async function sweepCommand(file: string, flags: SweepFlags): Promise<void> {
  const raw = await asUsageAsync(() => readSpecFile(file));
  const parsed = asUsage(() => withFlags(parseSweepSpec(raw, file), flags));
  const store = new SweepStore(flags.workspace);
  const prepared = asUsage(() => store.prepare(parsed, { taskFiles: true }));
  if (flags.dryRun) {
    printPlan(parsed, prepared.length);
    for (const p of prepared)
      console.log(`  ${String(p.index).padStart(3)}  seed ${p.seed}  ${formatPointValues(p.values)}`);
    console.log('dry run: nothing was created');
    return;
  }
  if (parsed.executor.kind === 'slurm') {
    asUsage(() => assertSlurm());
    if (flags.probe) await asUsageAsync(() => probe(store, parsed.executor.slurm!, flags.probeTimeout));
  }
  const sweep = asUsage(() => store.create(parsed, { specFile: resolve(file), taskFiles: true }));
  printPlan(parsed, sweep.points.length);
  const all = sweep.points.map((p) => p.index);
  if (parsed.executor.kind === 'slurm') {
    let jobId: string;
    try {
      jobId = submitSweep(store, sweep, all);
    } catch (err) {
      store.discard(sweep);
      throw new UsageError(`${(err as Error).message}\nnothing was created (the sweep's runs were removed)`);
    }
    console.log(`sweep ${sweep.id}\n  directory ${store.dir(sweep.id)}`);
    printSubmitted(store, sweep, all, jobId);
    return;
  }
  console.log(`sweep ${sweep.id}\n  directory ${store.dir(sweep.id)}`);
  await runLocal(store, sweep, all, flags.parallel);
}

function printPlan(spec: SweepSpec, n: number): void {
  const keys = sweptKeys(spec);
  console.log(
    `${n} runs: ${spec.algo}${spec.preset ? ` on preset ${spec.preset}` : spec.env ? ` on ${spec.env}` : ''}, ` +
      `${keys.length ? `sweeping ${keys.join(', ')}` : 'no swept keys'} × seeds ${sweepSeeds(spec).join(', ')}; ` +
      `executor ${spec.executor.kind}`,
  );
}

/** The spec with the command line's executor settings over its own. */
function withFlags(spec: SweepSpec, flags: SweepFlags): SweepSpec {
  const kind = flags.executor ?? spec.executor.kind;
  const slurmFlags: Partial<SlurmOptions> = {
    ...(flags.partition !== undefined && { partition: flags.partition }),
    ...(flags.time !== undefined && { time: flags.time }),
    ...(flags.cpus !== undefined && { cpus: flags.cpus }),
    ...(flags.mem !== undefined && { mem: flags.mem }),
    ...(flags.maxConcurrent !== undefined && { maxConcurrent: flags.maxConcurrent }),
    ...(flags.sbatchOption.length && {
      options: [...(spec.executor.slurm?.options ?? []), ...flags.sbatchOption],
    }),
  };
  const slurm = slurmOptionsSchema.safeParse({ ...(spec.executor.slurm ?? {}), ...slurmFlags });
  if (!slurm.success)
    throw new SweepSpecError(
      `Slurm options: ${slurm.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return {
    ...spec,
    executor: {
      kind,
      ...((flags.parallel ?? spec.executor.parallel)
        ? { parallel: flags.parallel ?? spec.executor.parallel }
        : {}),
      ...(kind === 'slurm'
        ? { slurm: slurm.data }
        : spec.executor.slurm
          ? { slurm: spec.executor.slurm }
          : {}),
    },
  };
}

async function probe(store: SweepStore, slurm: SlurmOptions, timeoutS: number): Promise<void> {
  console.log(
    `checking that a Slurm job can write into ${store.sweepsDir} (a one-line probe job; --no-probe skips it)…`,
  );
  const node = await probeWorkspace(store, slurm, timeoutS);
  console.log(`  the probe ran on ${node || 'a node'} and its file arrived`);
}

/** Says what was submitted and where to watch it. */
function printSubmitted(store: SweepStore, sweep: SweepRecord, indices: number[], jobId: string): void {
  console.log(
    `submitted Slurm job array ${jobId} (${indices.length} task${indices.length === 1 ? '' : 's'}); logs in ${join(store.dir(sweep.id), 'logs')}\n` +
      `  watch it:  skill-lab sweep status ${sweep.id}   (or the Sweeps tab of the workbench)`,
  );
}

/** Trains points here, `parallel` at a time, with a bar per live run; Ctrl-C stops them all with checkpoints. */
async function runLocal(
  store: SweepStore,
  sweep: SweepRecord,
  indices: number[],
  parallel?: number,
): Promise<void> {
  const n = parallel ?? sweep.spec.executor.parallel ?? defaultParallel();
  console.log(
    `training ${indices.length} run(s) here, ${n} at a time (niced); Ctrl-C stops them with a checkpoint`,
  );
  const bars = new RunBars();
  const supervisor = new RunSupervisor({ log: (line) => bars.log(line) });
  const failed: string[] = [];
  const onSigint = () => {
    bars.log('cancelling the sweep: stopping the live runs after their current iteration (checkpointing)…');
    store.update(sweep.id, { cancelledAt: new Date().toISOString() });
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  let result;
  try {
    result = await runSweepLocally(store, sweep.id, indices, {
      parallel: n,
      onSkip: (p, why) => bars.log(`point ${p.index} (${p.runId}) skipped: ${why}`),
      start: (run, point) => {
        const config = run.readConfig();
        bars.add(run.id, `p${point.index} s${point.seed}`, config.totalEnvSteps, run.readRecord().envSteps);
        const proc = supervisor.train(run, { evaluate: sweep.spec.eval, background: true });
        proc.on('progress', (p) => bars.update(config.algo, p));
        proc.onEnd(({ reason }) => {
          if (reason === null) return bars.note(run.id, 'done');
          failed.push(`point ${point.index} (${run.id}): ${reason}`);
          bars.note(run.id, `failed: ${reason.slice(0, 60)}`);
        });
        return proc;
      },
    });
  } finally {
    bars.stop();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  for (const f of failed) console.error(`failed: ${f}`);
  printStatus(store.status(store.open(sweep.id)));
  if (result.cancelled) console.log(`cancelled; continue with: skill-lab sweep resume ${sweep.id}`);
  if (failed.length) process.exitCode = 1;
}

/** `sweep status ID`: one line per point, from the workspace and Slurm. */
export function statusCommand(id: string, opts: { workspace?: string; json: boolean }): void {
  const store = new SweepStore(opts.workspace);
  const status = asUsage(() => store.status(store.open(id)));
  if (opts.json) console.log(JSON.stringify(status));
  else printStatus(status);
}

function printStatus(s: SweepStatus): void {
  const { sweep } = s;
  const jobs = sweep.jobs.map((j) => j.jobId).join(', ');
  console.log(
    `sweep ${sweep.id}: ${sweep.spec.algo}, ${sweep.points.length} runs, executor ${sweep.executor}` +
      (jobs ? ` (Slurm job${sweep.jobs.length > 1 ? 's' : ''} ${jobs})` : '') +
      (sweep.cancelledAt ? `, cancelled ${sweep.cancelledAt}` : ''),
  );
  console.log(
    '  ' +
      Object.entries(s.counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(', '),
  );
  if (s.slurmError) console.log(`  Slurm could not be asked: ${s.slurmError}`);
  for (const p of s.points) console.log('  ' + pointLine(sweep, p));
  const undone = s.points.filter(
    (p) => p.state !== 'completed' && p.state !== 'running' && p.state !== 'pending',
  );
  if (undone.length)
    console.log(`continue the ${undone.length} unfinished: skill-lab sweep resume ${sweep.id}`);
}

function pointLine(sweep: SweepRecord, p: PointStatus): string {
  const exit = p.slurm?.exitCode && p.slurm.exitCode !== '0:0' ? ` (exit ${p.slurm.exitCode})` : '';
  const slurm = p.slurm ? `  Slurm ${p.slurm.jobId}_${p.index} ${p.slurm.state}${exit}` : '';
  const metrics = Object.keys(p.last).length ? `  ${metricSummary(sweep.spec.algo, p.last)}` : '';
  const log = p.log && p.state === 'failed' ? `\n        log: ${p.log}` : '';
  return (
    `${String(p.index).padStart(3)}  ${p.state.padEnd(11)} ${`${p.envSteps}/${p.totalEnvSteps}`.padStart(15)}  ` +
    `seed ${p.seed}  ${formatPointValues(p.values)}${metrics}${slurm}` +
    (p.detail ? `  — ${p.detail}` : '') +
    `\n        run ${p.runId}${log}`
  );
}

/** `sweep list`. */
export function listCommand(opts: { workspace?: string; json: boolean }): void {
  const store = new SweepStore(opts.workspace);
  const { sweeps, unreadable } = store.list();
  if (opts.json) {
    console.log(JSON.stringify({ sweeps, unreadable }));
    return;
  }
  if (sweeps.length === 0 && unreadable.length === 0) {
    console.log(
      `no sweeps in ${store.sweepsDir} — start one with: skill-lab sweep SPEC.yaml (see the README's "Sweeps")`,
    );
    return;
  }
  for (const sw of sweeps) {
    const s = store.status(sw, { slurm: false });
    console.log(
      `${sw.id.padEnd(44)}  ${sw.spec.algo.padEnd(6)} ${String(sw.points.length).padStart(4)} runs  ${sw.executor.padEnd(5)}  ` +
        Object.entries(s.counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', '),
    );
  }
  for (const u of unreadable) console.log(`${u.id}  UNREADABLE: ${u.error}`);
}

/**
 * `sweep cancel ID`: marks the sweep cancelled (a local executor starts nothing more and stops its
 * runs with checkpoints), cancels its Slurm arrays (scancel: SIGTERM, so tasks checkpoint), signals
 * trainers of its runs on this host, and waits until none of its runs trains.
 */
export async function cancelCommand(id: string, opts: { workspace?: string; waitS: number }): Promise<void> {
  const store = new SweepStore(opts.workspace);
  const sweep = asUsage(() => store.open(id));
  store.update(id, { cancelledAt: new Date().toISOString() });
  if (sweep.jobs.length) {
    asUsage(() => cancelJobs(sweep.jobs.map((j) => j.jobId)));
    console.log(
      `scancel ${sweep.jobs.map((j) => j.jobId).join(' ')}: Slurm stops the tasks (SIGTERM: each checkpoints)`,
    );
  }
  for (const p of sweep.points) {
    try {
      const run = store.runs.open(p.runId);
      const trainer = runTrainer(run.path, run.readRecord());
      if (
        trainer.state === 'training' &&
        trainer.pid &&
        processAlive(trainer.pid) &&
        onThisHost(trainer.description)
      )
        process.kill(trainer.pid, 'SIGTERM');
    } catch {
      // a deleted or unreadable run has nothing to stop
    }
  }
  const end = Date.now() + opts.waitS * 1000;
  let training: number[];
  for (;;) {
    const s = store.status(store.open(id));
    training = s.points.filter((p) => p.state === 'running').map((p) => p.index);
    if (training.length === 0 || Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  if (training.length)
    console.log(
      `points ${training.join(', ')} still train after ${opts.waitS} s; skill-lab sweep status ${id} shows when they stopped`,
    );
  printStatus(store.status(store.open(id)));
}

function onThisHost(description: string): boolean {
  // runTrainer's description names another host as "on HOST"; none means this one.
  return !/ on (\S+)/.test(description) || description.includes(` on ${hostname()}`);
}

/**
 * `sweep resume ID`: the points that did not complete, again, on the sweep's executor; each run
 * resumes from its checkpoint. Points that train or wait in Slurm's queue now are left alone.
 */
export async function resumeSweepCommand(
  id: string,
  opts: { workspace?: string; parallel?: number },
): Promise<void> {
  const store = new SweepStore(opts.workspace);
  const sweep = asUsage(() => store.open(id));
  const status = store.status(sweep);
  const { indices, live } = store.resumable(status);
  for (const l of live) console.log(`point ${l.index} left alone: ${l.why}`);
  if (indices.length === 0) {
    console.log(
      `nothing to resume: ${Object.entries(status.counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}`,
    );
    return;
  }
  console.log(`resuming ${indices.length} point(s): ${indices.join(', ')}`);
  if (sweep.executor === 'slurm') {
    asUsage(() => assertSlurm());
    const jobId = asUsage(() => submitSweep(store, store.update(id, { cancelledAt: null }), indices));
    printSubmitted(store, sweep, indices, jobId);
    return;
  }
  await runLocal(store, sweep, indices, opts.parallel);
}

/** `sweep task ID INDEX`: one Slurm array task — trains point INDEX in this process. */
export async function taskCommand(id: string, index: number, opts: { workspace?: string }): Promise<void> {
  const store = new SweepStore(opts.workspace);
  const sweep = asUsage(() => store.open(id));
  const point = sweep.points.find((p) => p.index === index);
  if (!point) throw new UsageError(`sweep ${id} has no point ${index} (0–${sweep.points.length - 1})`);
  const run = asUsage(() => store.runs.open(point.runId));
  const record = run.readRecord();
  console.log(
    `sweep ${id} point ${index}: run ${run.id}, seed ${point.seed}, ${formatPointValues(point.values)}`,
  );
  if (record.status === 'completed') {
    console.log(`run ${run.id} is completed already (${record.envSteps} env steps)`);
    return;
  }
  if (record.envSteps > 0) console.log(`resuming from ${record.envSteps} env steps`);
  await trainInProcess(run, sweep.spec.eval, `skill-lab sweep task ${id} ${index}`);
  const after = run.readRecord();
  // A run that ended in error fails its array task, so Slurm says FAILED.
  if (after.status === 'error') process.exitCode = 1;
}

/** Runs `f`, turning a bad spec or a Slurm refusal into a {@link UsageError} (message only, exit 2). */
function asUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof SweepSpecError || err instanceof SlurmError) throw new UsageError(err.message);
    throw err;
  }
}

async function asUsageAsync<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof SweepSpecError || err instanceof SlurmError) throw new UsageError(err.message);
    throw err;
  }
}
