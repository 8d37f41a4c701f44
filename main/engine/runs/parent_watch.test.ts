import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tempStore, createRun } from './test_helpers.ts';
import { workerExecArgv } from './spawn.ts';
import { processAlive } from './process_info.ts';
import { lockPath } from './lock.ts';
import { trainRun } from './trainer.ts';

const WORKER = fileURLToPath(new URL('../worker.ts', import.meta.url));

/** A parent like the lab service: forks the run process with an IPC channel, prints its pid. */
const PARENT = `
  const { fork } = require('node:child_process');
  const [worker, execArgv, runDir] = process.argv.slice(1);
  const child = fork(worker, [runDir], { execArgv: JSON.parse(execArgv), stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  child.on('message', () => {});
  console.log(child.pid);
  setInterval(() => {}, 1000);`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('parent watch', () => {
  it('stops a run process within 2 s of its parent’s SIGKILL, mid-iteration, leaving a resumable run', async () => {
    // Two long iterations (thousands of SAC updates each take seconds): the kill lands inside the second.
    const run = createRun(tempStore(), {
      algo: 'sac',
      preset: 'point-mass',
      seed: 2,
      totalEnvSteps: 4000,
      set: [
        'checkpointEvery=1',
        'sac.learningStarts=0',
        'stepsPerIteration=2000',
        'updatesPerIteration=1000',
      ],
    });
    const parent = spawn(
      process.execPath,
      ['-e', PARENT, WORKER, JSON.stringify(workerExecArgv()), run.path],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    parent.stdout.on('data', (d) => (out += d));
    await until('the run process to start', () => out.includes('\n'));
    const worker = Number(out.trim());
    try {
      await until('the first iteration', () => run.readRecord().iterations >= 1);
      const checkpoint = readFileSync(run.checkpointPath);
      await sleep(500);
      expect(run.readRecord().iterations).toBe(1); // still inside iteration 2

      const killed = performance.now();
      parent.kill('SIGKILL');
      await until('the orphaned run process to end', () => !processAlive(worker), 10_000);
      expect(performance.now() - killed).toBeLessThan(2000);

      const record = run.readRecord();
      expect(record.status).toBe('stopped');
      expect(record.error).toMatch(
        /^stopped during iteration 2, whose partial work was dropped: the (parent process \d+ is gone|IPC channel to the parent process \d+ closed); resume continues from iteration 1 \(its last checkpoint\)$/,
      );
      expect(readFileSync(run.checkpointPath).equals(checkpoint)).toBe(true);
      expect(run.readMetrics().map((r) => r.iteration)).toEqual([1]);
      expect(existsSync(lockPath(run.path))).toBe(false);

      const resumed = await trainRun(run, { quiet: true });
      expect(resumed).toMatchObject({ status: 'completed', envSteps: 4000, error: null });
      expect(run.readMetrics().map((r) => r.iteration)).toEqual([1, 2]);
    } finally {
      if (processAlive(worker)) process.kill(worker, 'SIGKILL');
      parent.kill('SIGKILL');
    }
  });
});
