/**
 * Starting run processes (main/engine/worker.ts) from Node: one child process per run, so a failing
 * run never takes another run or its parent down. The app will use Electron's utilityProcess instead.
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
}

/**
 * Starts a run process that trains `run` (resuming from its checkpoint) and, with `evaluate`,
 * evaluates it. It reports over IPC (see worker.ts); its stderr is appended to <run>/worker.log.
 */
export function spawnRunProcess(run: RunDir, evaluate: boolean, opts: SpawnOptions = {}): ChildProcess {
  const flags = [
    ...(evaluate ? ['--eval'] : []),
    ...(opts.evalOnly ? ['--eval-only'] : []),
    ...(opts.preview ? ['--preview'] : []),
    ...(opts.rollouts !== undefined ? [`--rollouts=${opts.rollouts}`] : []),
  ];
  const child = fork(WORKER, [run.path, ...flags], {
    execArgv: workerExecArgv(),
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr?.pipe(createWriteStream(join(run.path, 'worker.log'), { flags: 'a' }));
  return child;
}
