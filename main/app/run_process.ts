/**
 * Run processes of the Electron app: each run trains in its own Electron `utilityProcess` (a
 * Chromium-managed Node child; `child_process.fork` would need the RunAsNode fuse). The adapter
 * gives the lab service the same {@link RunProcessHandle} as a Node child process and speaks
 * the run-process protocol (engine/runs/protocol.ts) unchanged (the worker uses process.parentPort
 * there).
 *
 * How it ends: the exit code, or the signal this adapter sent itself (utilityProcess reports only a
 * code); a V8 fatal error is turned into the worker's `{ type: 'error' }` message first, so the run
 * ends in status 'error' with that reason. No Electron import at run time: main.ts passes
 * `utilityProcess.fork`, and tests pass a fake.
 */
import { EventEmitter } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { RunDir } from '../engine/runs/store.ts';
import { workerArgs, type RunProcessHandle, type SpawnOptions, type SpawnRun } from '../engine/runs/spawn.ts';
import type { ErrorMessage } from '../engine/runs/protocol.ts';

/** The part of Electron's UtilityProcess this adapter uses. */
export interface UtilityProcessLike {
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  postMessage(message: unknown): void;
  kill(): boolean;
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'error', listener: (type: string, location: string, report: string) => void): unknown;
}

/** Options of `utilityProcess.fork` this module sets. */
export interface UtilityForkOptions {
  env?: Record<string, string | undefined>;
  stdio?: 'pipe' | 'ignore' | 'inherit';
  serviceName?: string;
  cwd?: string;
}

/** `utilityProcess.fork`'s shape. */
export type UtilityFork = (
  modulePath: string,
  args: string[],
  options: UtilityForkOptions,
) => UtilityProcessLike;

/** A utilityProcess behind the {@link RunProcessHandle} interface; see the file comment. */
export class UtilityRunHandle extends EventEmitter implements RunProcessHandle {
  private exited = false;
  private code: number | null = null;
  /** The signal this adapter ended the process with, reported as how it ended. */
  private sentSignal: NodeJS.Signals | null = null;

  constructor(private readonly child: UtilityProcessLike) {
    super();
    child.on('message', (message) => this.emit('message', message));
    child.on('error', (type, location) => {
      // Same protocol as a worker that caught its own error: the supervisor records it as the reason.
      const message: ErrorMessage = {
        type: 'error',
        message: `run process failed with a ${type} (V8) at ${location || 'an unknown location'}`,
      };
      this.emit('message', message);
    });
    child.on('exit', (code) => {
      this.exited = true;
      this.code = this.sentSignal ? null : code;
      this.emit('exit', this.code, this.sentSignal);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** A utility process accepts messages until it exits. */
  get connected(): boolean {
    return !this.exited;
  }

  get exitCode(): number | null {
    return this.exited ? this.code : null;
  }

  send(message: object): boolean {
    if (this.exited) return false;
    this.child.postMessage(message);
    return true;
  }

  /**
   * utilityProcess.kill() always sends SIGTERM (on which the worker checkpoints and stops); other
   * signals (SIGKILL when a run is deleted, SIGINT) go to the pid directly.
   */
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.exited) return false;
    const pid = this.child.pid;
    if (signal === 'SIGKILL') this.sentSignal = signal;
    if (signal === 'SIGTERM' || pid === undefined) return this.child.kill();
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return this.child.kill();
    }
  }
}

/**
 * A {@link SpawnRun} that starts `workerPath` (the built worker, out/main/worker.js) in a
 * utilityProcess per run, with stdout and stderr appended to <run>/worker.log.
 */
export function utilityProcessSpawner(
  fork: UtilityFork,
  workerPath: string,
  env: Record<string, string | undefined> = process.env,
): SpawnRun {
  return (run: RunDir, evaluate: boolean, opts: SpawnOptions = {}) => {
    const child = fork(workerPath, workerArgs(run, evaluate, opts), {
      env,
      stdio: 'pipe',
      serviceName: `skill-lab run ${run.id}`,
    });
    const log = createWriteStream(join(run.path, 'worker.log'), { flags: 'a' });
    const streams = [child.stdout, child.stderr].filter((s): s is NodeJS.ReadableStream => s !== null);
    // The log closes once both pipes are drained (output may still arrive after 'exit').
    let open = streams.length;
    for (const s of streams) {
      s.pipe(log, { end: false });
      s.once('end', () => --open === 0 && log.end());
    }
    if (open === 0) log.end();
    return new UtilityRunHandle(child);
  };
}
