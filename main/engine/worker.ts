/**
 * Entry of a run process: trains one run directory (resuming from its checkpoint), optionally
 * evaluates it, and reports to its parent. Started by `skill-lab compare` with child_process.fork
 * (later by the app's utilityProcess). One failing run process never touches another run.
 *
 *     node --import tsx main/engine/worker.ts <run-dir> [--eval]
 *
 * Messages to the parent: { type: 'progress', ...Progress } after each iteration,
 * { type: 'evaluating' }, { type: 'eval', report }, { type: 'done', status }, { type: 'error', message }.
 * The parent may send { type: 'stop' }; SIGINT and SIGTERM stop the same way (checkpoint, then exit).
 */
import { basename, resolve } from 'node:path';
import { RunDir } from './runs/store.ts';
import { trainRun } from './runs/trainer.ts';
import { evaluateRun } from './runs/evaluate.ts';

type ParentPort = {
  postMessage(msg: unknown): void;
  on(ev: 'message', cb: (e: { data: unknown }) => void): void;
};

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

/** Sends a message; resolves once it left the process, so a final message survives process.exit. */
function post(msg: Record<string, unknown>): Promise<void> {
  if (parentPort) {
    parentPort.postMessage(msg);
    return Promise.resolve();
  }
  if (!process.send) return Promise.resolve();
  return new Promise((done) => process.send!(msg, undefined, {}, () => done()));
}

async function main(): Promise<void> {
  const [dirArg, ...flags] = process.argv.slice(2);
  if (!dirArg) throw new Error('usage: worker.ts <run-dir> [--eval]');
  const path = resolve(dirArg);
  const run = new RunDir(path, basename(path));
  let stop = false;
  const requestStop = () => {
    stop = true;
  };
  process.on('SIGINT', requestStop);
  process.on('SIGTERM', requestStop);
  const onMessage = (msg: unknown) => {
    if ((msg as { type?: string })?.type === 'stop') requestStop();
  };
  if (parentPort) parentPort.on('message', (e) => onMessage(e.data));
  else process.on('message', onMessage);

  const record = await trainRun(run, {
    quiet: true,
    shouldStop: () => stop,
    onProgress: (p) => void post({ type: 'progress', ...p }),
  });
  if (record.status === 'completed' && flags.includes('--eval')) {
    void post({ type: 'evaluating' });
    const report = await evaluateRun(run, { quiet: true });
    await post({ type: 'eval', report });
  }
  await post({ type: 'done', status: record.status });
}

main()
  .then(() => process.exit(0))
  .catch(async (err: Error) => {
    console.error(`[skill-lab worker] ${err.stack ?? err.message}`);
    await post({ type: 'error', message: err.message });
    process.exit(1);
  });
