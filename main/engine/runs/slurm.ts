/**
 * The Slurm commands a sweep needs, run as child processes: sbatch (job arrays), squeue and sacct or
 * scontrol (states), scancel. skill-lab submits to Slurm and never schedules itself.
 *
 * States come from squeue while a task lives (PENDING with its reason, RUNNING, …); after it ends,
 * from sacct where accounting is enabled, else from `scontrol show job`, which keeps finished jobs for
 * MinJobAge (300 s by default; reference/slurm_single_node.md). After that Slurm forgets them and
 * the run's own files in the workspace are what is known.
 *
 * Node only.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { SlurmOptions } from './sweep_spec.ts';

/** A Slurm command failed or is missing; the message says which and what it printed. */
export class SlurmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SlurmError';
  }
}

/** One array task as Slurm reports it. */
export interface SlurmTaskState {
  /** Slurm's job state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, … */
  state: string;
  /** Why it pends or failed (squeue's %r, scontrol's Reason), "None" when there is none. */
  reason: string;
  /** "code:signal" once ended, when Slurm says. */
  exitCode: string | null;
  /** Where Slurm said it reported this (squeue, sacct or scontrol). */
  source: 'squeue' | 'sacct' | 'scontrol';
}

interface Output {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

function run(cmd: string, args: string[], timeoutMs = 30_000): Output {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/** True when `cmd` runs (it is on the PATH). */
export function hasCommand(cmd: string): boolean {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return !r.error;
}

/**
 * Checks that Slurm's client commands are here.
 * @throws SlurmError saying that sbatch is not on the PATH.
 */
export function assertSlurm(): void {
  if (!hasCommand('sbatch'))
    throw new SlurmError(
      '--executor slurm: sbatch is not on the PATH. Run it on a machine with Slurm’s client commands (a login node), or use --executor local',
    );
}

/** sbatch arguments for the spec's options (partition, time, CPUs, memory, extra options). */
export function sbatchOptionArgs(o: SlurmOptions): string[] {
  return [
    ...(o.partition ? [`--partition=${o.partition}`] : []),
    ...(o.time ? [`--time=${o.time}`] : []),
    `--cpus-per-task=${o.cpus}`,
    ...(o.mem ? [`--mem=${o.mem}`] : []),
    ...o.options,
  ];
}

/**
 * Submits `script` as a job array with one task per index (sbatch --array).
 * @param indices array task ids (sorted ascending; written as "0-3" / "1,4,7")
 * @returns the array job id
 * @throws SlurmError with sbatch's message when the submission is refused.
 */
export function submitArray(opts: {
  script: string;
  indices: number[];
  jobName: string;
  /** sbatch --output pattern, e.g. …/logs/%A_%a.out */
  output: string;
  slurm: SlurmOptions;
  cwd: string;
}): string {
  const array = arraySpec(opts.indices) + (opts.slurm.maxConcurrent ? `%${opts.slurm.maxConcurrent}` : '');
  const args = [
    '--parsable',
    `--array=${array}`,
    `--job-name=${opts.jobName}`,
    `--output=${opts.output}`,
    `--chdir=${opts.cwd}`,
    ...sbatchOptionArgs(opts.slurm),
    opts.script,
  ];
  const r = run('sbatch', args);
  if (r.error || r.status !== 0)
    throw new SlurmError(
      `sbatch refused the sweep: ${(r.stderr || r.error?.message || '').trim() || `exit ${r.status}`}`,
    );
  const id = r.stdout.trim().split(';')[0];
  if (!/^\d+$/.test(id)) throw new SlurmError(`sbatch answered "${r.stdout.trim()}", not a job id`);
  return id;
}

/** `0-3,7,9-10` for sorted task ids. */
export function arraySpec(indices: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length;) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j] + 1) j++;
    parts.push(i === j ? `${indices[i]}` : `${indices[i]}-${indices[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * Checks that a Slurm job can write into `dir` (the workspace must be on a filesystem the nodes
 * share): submits a one-line job that writes `probeFile` and waits for it (sbatch --wait).
 * @returns the node that ran the probe
 * @throws SlurmError when the job fails, does not end within `timeoutMs` (it is cancelled), or its
 *   file does not appear here.
 */
export async function probeWritable(opts: {
  probeFile: string;
  slurm: SlurmOptions;
  cwd: string;
  timeoutMs: number;
  /** Reads the probe file here; null when it is absent. */
  read: (file: string) => string | null;
}): Promise<string> {
  const args = [
    '--parsable',
    '--wait',
    '--job-name=skill-lab-probe',
    '--output=/dev/null',
    `--chdir=${opts.cwd}`,
    ...sbatchOptionArgs({ ...opts.slurm, cpus: 1 }),
    `--wrap=hostname > '${opts.probeFile.replace(/'/g, `'\\''`)}'`,
  ];
  const child = spawn('sbatch', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      const id = stdout.trim().split(';')[0];
      if (/^\d+$/.test(id)) run('scancel', [id]);
      child.kill('SIGTERM');
      resolve(-1);
    }, opts.timeoutMs);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(-2);
    });
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  if (code === -1)
    throw new SlurmError(
      `the probe job (is the workspace writable from a job?) did not end within ${Math.round(opts.timeoutMs / 1000)} s; it was cancelled. The cluster may be busy: retry, raise --probe-timeout, or skip the check with --no-probe`,
    );
  if (code !== 0)
    throw new SlurmError(`the probe job failed (sbatch exit ${code}): ${stderr.trim() || stdout.trim()}`);
  const node = opts.read(opts.probeFile);
  if (node === null)
    throw new SlurmError(
      `a Slurm job could not write into the workspace: the probe job ended but ${opts.probeFile} never appeared here. Put the workspace on a filesystem the nodes share (--workspace DIR)`,
    );
  return node.trim();
}

/** Cancels jobs (whole arrays when given array job ids). Jobs Slurm no longer knows are ignored. */
export function cancelJobs(jobIds: string[]): void {
  if (jobIds.length === 0) return;
  const r = run('scancel', jobIds);
  if (r.error) throw new SlurmError(`scancel could not run: ${r.error.message}`);
  if (r.status !== 0 && !/Invalid job id|already completing or completed/i.test(r.stderr))
    throw new SlurmError(`scancel ${jobIds.join(' ')} failed: ${r.stderr.trim()}`);
}

/**
 * What Slurm knows about the tasks of array jobs, keyed `<arrayJobId>_<taskId>`.
 * Tasks Slurm has forgotten are absent. Never throws: a failing command leaves `error` set.
 */
export function queryArrayTasks(jobIds: string[]): {
  tasks: Map<string, SlurmTaskState>;
  error: string | null;
} {
  const tasks = new Map<string, SlurmTaskState>();
  if (jobIds.length === 0) return { tasks, error: null };
  let error: string | null = null;
  const q = run('squeue', ['-h', '-r', `--jobs=${jobIds.join(',')}`, '-o', '%i|%T|%r']);
  if (q.error) return { tasks, error: `squeue could not run: ${q.error.message}` };
  if (q.status === 0) {
    for (const line of q.stdout.split('\n')) {
      const [id, state, reason] = line.trim().split('|');
      if (id && state) tasks.set(id, { state, reason: reason ?? 'None', exitCode: null, source: 'squeue' });
    }
  } else if (!/Invalid job id/i.test(q.stderr)) error = `squeue: ${q.stderr.trim()}`;

  const acct = run('sacct', ['-n', '-P', '-X', `--jobs=${jobIds.join(',')}`, '-o', 'JobID,State,ExitCode']);
  if (!acct.error && acct.status === 0 && !/disabled/i.test(acct.stdout + acct.stderr)) {
    for (const line of acct.stdout.split('\n')) {
      const [id, state, exitCode] = line.trim().split('|');
      if (!id || !state || !/^\d+_\d+$/.test(id) || tasks.has(id)) continue;
      // sacct says "CANCELLED by 0"; the state is the first word.
      tasks.set(id, {
        state: state.split(' ')[0],
        reason: 'None',
        exitCode: exitCode ?? null,
        source: 'sacct',
      });
    }
    return { tasks, error };
  }
  for (const job of jobIds) {
    const s = run('scontrol', ['show', 'job', '-o', job]);
    if (s.error || s.status !== 0) continue; // forgotten (MinJobAge passed) or never known
    for (const line of s.stdout.split('\n')) {
      const f = fields(line);
      if (!f.ArrayJobId || !f.ArrayTaskId) continue;
      // Tasks not yet split off the array (pending ones, or cancelled while pending) share a line:
      // ArrayTaskId=2-3, 4,6 or 2-7%2.
      for (const task of expandTaskIds(f.ArrayTaskId)) {
        const id = `${f.ArrayJobId}_${task}`;
        if (tasks.has(id)) continue;
        tasks.set(id, {
          state: f.JobState ?? 'UNKNOWN',
          reason: f.Reason ?? 'None',
          exitCode: f.ExitCode ?? null,
          source: 'scontrol',
        });
      }
    }
  }
  return { tasks, error };
}

/** The task ids of an ArrayTaskId field: "3", "2-5", "1,4-6", "2-7%2" (a throttle after %). */
export function expandTaskIds(field: string): number[] {
  const out: number[] = [];
  for (const part of field.split('%')[0].split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let t = lo; t <= hi && out.length < 100_000; t++) out.push(t);
  }
  return out;
}

/** `Key=Value` words of one `scontrol show job -o` line. */
function fields(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const word of line.trim().split(/\s+/)) {
    const eq = word.indexOf('=');
    if (eq > 0) out[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return out;
}

/** Slurm states after which a task will not run again by itself. */
export const SLURM_ENDED = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
]);
