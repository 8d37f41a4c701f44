import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunDir } from '../engine/runs/store.ts';
import { UtilityRunHandle, utilityProcessSpawner, type UtilityProcessLike } from './run_process.ts';

/** A stand-in for Electron's UtilityProcess: an emitter with the same methods. */
class FakeUtility extends EventEmitter implements UtilityProcessLike {
  pid: number | undefined = 4242;
  stdout = new PassThrough();
  stderr = new PassThrough();
  posted: unknown[] = [];
  killed = 0;
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  kill(): boolean {
    this.killed++;
    return true;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'skill-lab-runproc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('UtilityRunHandle', () => {
  it('relays worker messages and reports the exit code', async () => {
    const child = new FakeUtility();
    const handle = new UtilityRunHandle(child);
    const messages: unknown[] = [];
    handle.on('message', (m) => messages.push(m));
    const exit = new Promise<[number | null, NodeJS.Signals | null]>((r) =>
      handle.once('exit', (code, signal) => r([code, signal])),
    );
    expect(handle.connected).toBe(true);
    expect(handle.send({ type: 'stop' })).toBe(true);
    expect(child.posted).toEqual([{ type: 'stop' }]);
    child.emit('message', { type: 'done', status: 'stopped' });
    child.emit('exit', 0);
    expect(await exit).toEqual([0, null]);
    expect(messages).toEqual([{ type: 'done', status: 'stopped' }]);
    expect(handle.connected).toBe(false);
    expect(handle.exitCode).toBe(0);
    expect(handle.send({ type: 'stop' })).toBe(false);
  });

  it('turns a V8 fatal error into the worker error message, then the crash exit', async () => {
    const child = new FakeUtility();
    const handle = new UtilityRunHandle(child);
    const messages: unknown[] = [];
    handle.on('message', (m) => messages.push(m));
    const exit = new Promise<number | null>((r) => handle.once('exit', (code) => r(code)));
    child.emit('error', 'FatalError', 'v8::ToLocalChecked', '{}');
    child.emit('exit', 134);
    expect(await exit).toBe(134);
    expect(messages).toEqual([
      { type: 'error', message: 'run process failed with a FatalError (V8) at v8::ToLocalChecked' },
    ]);
  });

  it('SIGTERM goes through utilityProcess.kill; a SIGKILL exit is reported as the signal', async () => {
    const child = new FakeUtility();
    child.pid = undefined; // not started: no pid to signal directly
    const handle = new UtilityRunHandle(child);
    handle.kill();
    expect(child.killed).toBe(1);
    handle.kill('SIGKILL');
    expect(child.killed).toBe(2);
    const exit = new Promise<[number | null, NodeJS.Signals | null]>((r) =>
      handle.once('exit', (code, signal) => r([code, signal])),
    );
    child.emit('exit', 9);
    expect(await exit).toEqual([null, 'SIGKILL']);
  });
});

describe('utilityProcessSpawner', () => {
  it('forks the worker with the run arguments and logs its output to worker.log', async () => {
    const forks: Array<{ path: string; args: string[]; options: unknown }> = [];
    const child = new FakeUtility();
    const spawnRun = utilityProcessSpawner(
      (path, args, options) => {
        forks.push({ path, args, options });
        return child;
      },
      '/app/out/main/worker.js',
      { SKILL_LAB_ROOT: '/app' },
    );
    const run = { path: dir, id: 'run-1' } as RunDir;
    const handle = spawnRun(run, false, { preview: true, rollouts: 3 });
    expect(handle.pid).toBe(4242);
    expect(forks).toEqual([
      {
        path: '/app/out/main/worker.js',
        args: [dir, '--preview', '--rollouts=3'],
        options: { env: { SKILL_LAB_ROOT: '/app' }, stdio: 'pipe', serviceName: 'skill-lab run run-1' },
      },
    ]);
    child.stderr.end('[skill-lab worker] Error: boom\n');
    child.stdout.end();
    await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(join(dir, 'worker.log'), 'utf8')).toContain('Error: boom');
  });
});
