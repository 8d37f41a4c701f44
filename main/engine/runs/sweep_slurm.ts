/**
 * The Slurm executor of a sweep: a batch script per sweep (job.sh: array task i trains point i with
 * `skill-lab sweep task ID i`, resuming its run from its checkpoint), submitted as a job array with
 * the spec's sbatch options; and the check that a job can write into the workspace.
 *
 * The workspace must be on a filesystem the nodes share, and skill-lab installed at the same path on
 * them (the script names this Node and this bin/skill-lab.js by absolute path).
 *
 * Node only.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SKILL_LAB_BIN } from './cli_process.ts';
import { probeWritable, submitArray } from './slurm.ts';
import { slurmOptionsSchema, type SlurmOptions } from './sweep_spec.ts';
import type { SweepRecord, SweepStore } from './sweeps.ts';

/** A POSIX shell single-quoted word. */
function shellWord(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes job.sh and submits array tasks `indices` of the sweep; records the job in sweep.json.
 * @returns the array job id
 * @throws SlurmError when sbatch refuses (nothing is recorded then)
 */
export function submitSweep(store: SweepStore, sweep: SweepRecord, indices: number[]): string {
  const dir = store.dir(sweep.id);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const script = join(dir, 'job.sh');
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      `# skill-lab sweep ${sweep.id}: array task i trains point i (its run resumes from its checkpoint).`,
      // Submitted from the desktop app, this Node is Electron's binary: it runs scripts as Node so.
      ...(process.versions.electron ? ['export ELECTRON_RUN_AS_NODE=1'] : []),
      `exec ${shellWord(process.execPath)} ${shellWord(SKILL_LAB_BIN)} --workspace ${shellWord(store.root)} sweep task ${shellWord(sweep.id)} "$SLURM_ARRAY_TASK_ID"`,
      '',
    ].join('\n'),
  );
  chmodSync(script, 0o755);
  const jobId = submitArray({
    script,
    indices,
    jobName: `skill-lab-${sweep.id}`.slice(0, 60),
    output: join(dir, 'logs', '%A_%a.out'),
    slurm: sweep.spec.executor.slurm ?? slurmOptionsSchema.parse({}),
    cwd: store.root,
  });
  store.update(sweep.id, {
    jobs: [...store.open(sweep.id).jobs, { jobId, indices, submittedAt: new Date().toISOString() }],
    cancelledAt: null,
  });
  return jobId;
}

/**
 * Checks that a Slurm job with the sweep's options can write into the workspace's sweeps folder.
 * @returns the node the probe ran on
 * @throws SlurmError saying what failed (see slurm.ts probeWritable)
 */
export async function probeWorkspace(
  store: SweepStore,
  slurm: SlurmOptions,
  timeoutS: number,
): Promise<string> {
  mkdirSync(store.sweepsDir, { recursive: true });
  const file = join(store.sweepsDir, `.probe-${hostname()}-${process.pid}-${Date.now()}`);
  try {
    return await probeWritable({
      probeFile: file,
      slurm,
      cwd: store.sweepsDir,
      timeoutMs: timeoutS * 1000,
      read: (f) => (existsSync(f) ? readFileSync(f, 'utf8') : null),
    });
  } finally {
    rmSync(file, { force: true });
  }
}
