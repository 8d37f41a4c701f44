/**
 * The local executor of a sweep: its points' runs on this machine, `parallel` at a time, each in its
 * own run process (started by the caller: the CLI's supervisor or the lab service's), so one failing
 * run never stops the others.
 *
 * Cancelling works across processes through sweep.json: `sweep cancel` sets `cancelledAt` (and
 * signals the runs' trainers), the executor polls it, starts no further point and asks the live ones
 * to stop with a checkpoint. Every point stays resumable (`sweep resume`).
 *
 * Node only.
 */
import { availableParallelism } from 'node:os';
import { runTrainer } from './lock.ts';
import type { RunDir } from './store.ts';
import type { SweepRecordPoint, SweepStore } from './sweeps.ts';

/** A started point's run process, as the executor needs it. */
export interface StartedRun {
  /** Settles when the process ended, however. */
  ended: Promise<unknown>;
  /** Asks it to stop after its current iteration, with a checkpoint. */
  requestStop(): void;
}

export interface LocalSweepOptions {
  /** Runs at a time; default one per core (the runs are niced, so the desktop stays responsive). */
  parallel?: number;
  /** Starts one point's run (training it to its budget, resuming from its checkpoint). */
  start: (run: RunDir, point: SweepRecordPoint) => StartedRun;
  /** Told about points passed over (completed already, or trained by another process). */
  onSkip?: (point: SweepRecordPoint, why: string) => void;
  /** How often sweep.json is polled for a cancel request, in ms (default 1000). */
  pollMs?: number;
}

/** Default runs at a time on this machine. */
export function defaultParallel(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Trains the sweep's points `indices` locally; resolves when all ended or the sweep was cancelled
 * (after the live runs stopped).
 * @returns how the points ended: started, skipped, and whether a cancel request stopped it
 */
export async function runSweepLocally(
  store: SweepStore,
  sweepId: string,
  indices: number[],
  opts: LocalSweepOptions,
): Promise<{ started: number[]; skipped: number[]; cancelled: boolean }> {
  const sweep = store.claimLocal(sweepId);
  const parallel = opts.parallel ?? sweep.spec.executor.parallel ?? defaultParallel();
  const queue = sweep.points.filter((p) => indices.includes(p.index));
  const live = new Set<StartedRun>();
  const started: number[] = [];
  const skipped: number[] = [];
  let cancelled = false;
  const poll = setInterval(() => {
    if (cancelled) return;
    try {
      if (store.open(sweepId).cancelledAt) {
        cancelled = true;
        for (const r of live) r.requestStop();
      }
    } catch {
      // an unreadable sweep.json for a moment (being replaced) is not a cancel
    }
  }, opts.pollMs ?? 1000);
  try {
    const worker = async () => {
      for (;;) {
        if (cancelled) return;
        const point = queue.shift();
        if (!point) return;
        let run: RunDir;
        try {
          run = store.runs.open(point.runId);
          const record = run.readRecord();
          if (record.status === 'completed') {
            skipped.push(point.index);
            opts.onSkip?.(point, 'completed already');
            continue;
          }
          const trainer = runTrainer(run.path, record);
          if (trainer.state === 'training') {
            skipped.push(point.index);
            opts.onSkip?.(point, `trained by ${trainer.description}`);
            continue;
          }
        } catch (err) {
          skipped.push(point.index);
          opts.onSkip?.(point, (err as Error).message);
          continue;
        }
        started.push(point.index);
        const proc = opts.start(run, point);
        live.add(proc);
        try {
          await proc.ended;
        } catch {
          // the caller's supervisor records how a run ended; the sweep goes on
        } finally {
          live.delete(proc);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, Math.max(1, queue.length)) }, worker));
  } finally {
    clearInterval(poll);
    store.releaseLocal(sweepId);
  }
  return { started, skipped, cancelled };
}
