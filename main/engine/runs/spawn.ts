/**
 * Starting run processes (main/engine/worker.ts) from Node: one child process per run, so a failing
 * run never takes another run or its parent down. The Electron app starts the same worker in a
 * utilityProcess instead (main/app/run_process.ts) behind the same {@link RunProcessHandle}.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunDir } from './store.ts';

const WORKER = fileURLToPath(new URL('../worker.ts', import.meta.url));

/** The node flags a run process needs to load TypeScript sources (tsx's loader, by absolute URL). */
export function workerExecArgv(): string[] {
  return ['--import', import.meta.resolve('tsx')];
}

/** What a run process does besides training (see worker.ts). */
export interface SpawnOptions {
  /** Send live skill previews ({ type: 'rollout' } messages) while training. */
  preview?: boolean;
  /** Only evaluate the run's checkpoint; no training. */
  evalOnly?: boolean;
  /** Rollouts per skill of the evaluation (default: the run config's). */
  rollouts?: number;
  /** Run below the interactive processes' CPU priority (the lab service's runs; see worker.ts). */
  background?: boolean;
  /** Plan with the run's skills instead of training it (worker.ts --plan; runs/plan_process.ts). */
  plan?: boolean;
}

/**
 * The part of a run process the lab service relies on: a `ChildProcess` has it, and the app's
 * utilityProcess adapter provides it, so the service does not care which kind of process trains.
 * Messages in both directions follow runs/protocol.ts; runs/supervisor.ts supervises it.
 */
export interface RunProcessHandle {
  /** OS process id; undefined until (or if never) the process started. */
  readonly pid?: number;
  /** True while messages can be sent to the process. */
  readonly connected: boolean;
  /** The exit code once the process ended, else null. */
  readonly exitCode: number | null;
  /** Sends one message (e.g. `{ type: 'stop' }`). */
  send(message: object): boolean;
  /** Ends the process with a signal (default SIGTERM; the worker checkpoints on SIGINT/SIGTERM). */
  kill(signal?: NodeJS.Signals): boolean;
  /** A worker message; or a start failure (then pid stays undefined). */
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  /** The process ended: its exit code, or the signal that ended it. */
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

/** Starts a run process (see {@link spawnRunProcess} for the arguments). */
export type SpawnRun = (run: RunDir, evaluate: boolean, opts?: SpawnOptions) => RunProcessHandle;

/** The worker's command-line arguments for a run: its directory, then the flags (see worker.ts). */
export function workerArgs(run: RunDir, evaluate: boolean, opts: SpawnOptions = {}): string[] {
  return [
    run.path,
    ...(evaluate ? ['--eval'] : []),
    ...(opts.evalOnly ? ['--eval-only'] : []),
    ...(opts.preview ? ['--preview'] : []),
    ...(opts.rollouts !== undefined ? [`--rollouts=${opts.rollouts}`] : []),
    ...(opts.background ? ['--background'] : []),
    ...(opts.plan ? ['--plan'] : []),
  ];
}

/**
 * Starts a run process that trains `run` (resuming from its checkpoint) and, with `evaluate`,
 * evaluates it. It reports over IPC (see worker.ts); its stderr is appended to <run>/worker.log.
 */
export function spawnRunProcess(run: RunDir, evaluate: boolean, opts: SpawnOptions = {}): ChildProcess {
  const child = fork(WORKER, workerArgs(run, evaluate, opts), {
    execArgv: workerExecArgv(),
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr?.pipe(createWriteStream(join(run.path, 'worker.log'), { flags: 'a' }));
  return child;
}
