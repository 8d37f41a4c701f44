import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { tempStore, createRun } from './test_helpers.ts';
import { acquireRunLock, lockPath, RunLockedError, runTrainer, type LockHolder } from './lock.ts';
import { bootId, processAlive, processStartTime } from './process_info.ts';
import { trainRun } from './trainer.ts';
import { workerExecArgv } from './spawn.ts';

const LOCK_MODULE = fileURLToPath(new URL('./lock.ts', import.meta.url));

const tiny = {
  algo: 'sac' as const,
  preset: 'point-mass',
  seed: 4,
  totalEnvSteps: 500,
  set: ['checkpointEvery=1', 'sac.learningStarts=0', 'stepsPerIteration=250', 'updatesPerIteration=5'],
};

/** A lock file as another process would have written it. */
function holder(fields: Partial<LockHolder>): LockHolder {
  return {
    format: 'skill-lab-train-lock',
    version: 1,
    pid: process.pid,
    host: hostname(),
    processStartTime: processStartTime(process.pid),
    bootId: bootId(),
    startedAt: '2026-01-02T03:04:05.000Z',
    command: 'skill-lab train',
    token: 'feedfacefeedface',
    ...fields,
  };
}

/** Starts a plain node process that sleeps; resolves with its pid once it runs. */
async function sleeper(): Promise<{ pid: number; kill: () => Promise<void> }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  return {
    pid: child.pid!,
    kill: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('run lock', () => {
  it('admits one trainer: a second one, in this process or another, is refused naming the holder', async () => {
    const run = createRun(tempStore(), tiny);
    const lock = acquireRunLock(run.path, run.id, 'skill-lab train');
    const held = JSON.parse(readFileSync(lockPath(run.path), 'utf8'));
    expect(held).toMatchObject({ pid: process.pid, host: hostname(), command: 'skill-lab train' });
    expect(() => acquireRunLock(run.path, run.id, 'skill-lab resume')).toThrow(RunLockedError);
    expect(() => acquireRunLock(run.path, run.id, 'x')).toThrow(
      `run ${run.id} is being trained by pid ${process.pid} on host ${hostname()} (skill-lab train, since ${held.startedAt})`,
    );
    // trainRun goes through the same lock and leaves the run alone.
    const before = readFileSync(run.recordPath, 'utf8');
    await expect(trainRun(run, { quiet: true })).rejects.toThrow(RunLockedError);
    expect(readFileSync(run.recordPath, 'utf8')).toBe(before);
    expect(runTrainer(run.path, run.readRecord())).toMatchObject({ state: 'training', pid: process.pid });

    lock.release();
    expect(existsSync(lockPath(run.path))).toBe(false);
    expect((await trainRun(run, { quiet: true })).status).toBe('completed');
    expect(existsSync(lockPath(run.path))).toBe(false); // released when training ended
  });

  it('takes over the lock of a dead process, or of a reused pid, with a note naming it; never one of another host', async () => {
    const store = tempStore();
    const run = createRun(store, tiny);
    const dead = await sleeper();
    const stale = holder({ pid: dead.pid, processStartTime: processStartTime(dead.pid), token: 'dead' });
    writeFileSync(lockPath(run.path), JSON.stringify(stale));
    expect(runTrainer(run.path, { status: 'running', pid: dead.pid }).state).toBe('training');
    await dead.kill();
    expect(processAlive(dead.pid)).toBe(false);
    run.update({ status: 'running', pid: dead.pid }); // as a killed trainer leaves it
    expect(runTrainer(run.path, run.readRecord())).toMatchObject({ state: 'gone', pid: dead.pid });

    const warnings: string[] = [];
    const record = await trainRun(run, { quiet: true, onWarning: (m) => warnings.push(m) });
    expect(record.status).toBe('completed');
    const note = `took over the training lock of pid ${dead.pid} on host ${hostname()} (skill-lab train, since ${stale.startedAt}), which is gone`;
    expect(warnings.some((w) => w.startsWith(note))).toBe(true);
    expect(record.warnings.some((w) => w.startsWith(note))).toBe(true);
    expect(existsSync(lockPath(run.path))).toBe(false);

    // This process's pid, but another start time: the pid was reused, the holder is gone.
    if (processStartTime(process.pid) !== null) {
      const reused = createRun(store, tiny);
      writeFileSync(lockPath(reused.path), JSON.stringify(holder({ processStartTime: '1', token: 'old' })));
      const lock = acquireRunLock(reused.path, reused.id, 'test');
      expect(lock.note).toMatch(new RegExp(`^took over the training lock of pid ${process.pid} `));
      lock.release();
    }

    // Another host's processes cannot be checked: held, and the error says which file to remove.
    const remote = createRun(store, tiny);
    writeFileSync(lockPath(remote.path), JSON.stringify(holder({ host: 'gpu-node-7', pid: 1 })));
    expect(() => acquireRunLock(remote.path, remote.id, 'test')).toThrow(
      new RegExp(`pid 1 on host gpu-node-7 .*if that trainer is gone, remove ${lockPath(remote.path)}`),
    );
  });

  it('loses a takeover race to a faster taker: its fresh lock is kept and the slower one refused', () => {
    const run = createRun(tempStore(), tiny);
    writeFileSync(lockPath(run.path), JSON.stringify(holder({ pid: 999_999_999, token: 'dead' })));
    const faster = holder({ command: 'the faster taker', token: 'fresh' });
    // Between judging the dead holder's lock stale and moving it aside, another taker replaced it.
    const race = () => writeFileSync(lockPath(run.path), JSON.stringify(faster));
    expect(() => acquireRunLock(run.path, run.id, 'slower', { beforeTakeover: race })).toThrow(
      /being trained by pid \d+ on host .* \(the faster taker, since/,
    );
    expect(JSON.parse(readFileSync(lockPath(run.path), 'utf8')).token).toBe('fresh');
  });

  it('lets exactly one of several processes racing for one stale lock win', async () => {
    const run = createRun(tempStore(), tiny);
    const dead = await sleeper();
    await dead.kill();
    writeFileSync(lockPath(run.path), JSON.stringify(holder({ pid: dead.pid, token: 'dead' })));
    const go = `${run.path}/go`;
    // Each taker waits (busy) for the same go signal, tries once, holds a winning lock for a while.
    const script = `
      const { existsSync } = await import('node:fs');
      const { acquireRunLock } = await import(${JSON.stringify(LOCK_MODULE)});
      console.log('ready');
      while (!existsSync(${JSON.stringify(go)}));
      try {
        const lock = acquireRunLock(${JSON.stringify(run.path)}, 'r', 'taker ' + process.pid);
        console.log('won');
        await new Promise((r) => setTimeout(r, 3000));
        lock.release();
      } catch (err) {
        console.log(err.name === 'RunLockedError' ? 'refused' : 'failed: ' + err.message);
      }`;
    const takers = Array.from({ length: 5 }, () => {
      const child = spawn(process.execPath, [...workerExecArgv(), '--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const done = new Promise<string>((resolve) => child.once('exit', () => resolve(out)));
      const ready = new Promise<void>((resolve) => {
        const check = () => (out.includes('ready') ? resolve() : setTimeout(check, 20));
        check();
      });
      return { done, ready };
    });
    await Promise.all(takers.map((t) => t.ready));
    writeFileSync(go, '');
    const outcomes = (await Promise.all(takers.map((t) => t.done))).map((o) => o.replace('ready', '').trim());
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'refused')).toHaveLength(4);
    expect(existsSync(lockPath(run.path))).toBe(false);
  });
});
