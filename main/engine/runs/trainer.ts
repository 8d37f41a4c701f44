/**
 * The training loop of one run: build the algorithm, continue from the run's checkpoint when there is
 * one, iterate until the env-step budget, append a metric row per iteration and checkpoint
 * atomically. Stopping (Ctrl-C, the app's stop button) ends after the current iteration with a
 * checkpoint, so `resume` continues where it stopped; a killed run continues from its last checkpoint.
 *
 * Damage is survived, never passed over silently (issue #10 §3): temp files of killed writes are
 * removed at the start, an unusable latest checkpoint falls back to the previous one
 * (runs/checkpoints.ts), a damaged metrics.jsonl keeps all its readable rows (store.ts), and each
 * such event is a warning (TrainOptions.onWarning and run.json's `warnings`).
 *
 * One trainer per run (issue #10 §1): the loop holds the run's training lock (runs/lock.ts) from
 * before it touches any file of the run until it returns, so a second trainer — another terminal,
 * the lab service, a second workbench — is refused with a RunLockedError naming the holder and
 * writes nothing.
 *
 * Two ways to end early:
 * - `shouldStop` (Ctrl-C, SIGTERM, the Stop button): polled between iterations; the current
 *   iteration finishes and is checkpointed. That is what a researcher asking to stop wants: no
 *   work is lost, and the one who asked is there to wait for it.
 * - `shouldAbort` (the process the trainer belongs to died, runs/parent_watch.ts): also polled at
 *   the safe points inside an iteration (Algorithm.iterate's abortPoint), because nobody waits for
 *   an orphan and it must not train on unobserved — it ends within a poll and a gradient step. At an
 *   iteration boundary it checkpoints first, as a stop does. Inside an iteration the partial state
 *   is dropped, never checkpointed (a checkpoint must continue bit-exactly); the run keeps its last
 *   checkpoint. Either way the run ends 'stopped', with the reason and the iteration it resumes
 *   from in run.json's `error` field (the text the app shows beside a run's status).
 */
import { basename } from 'node:path';
import { initBackend } from '../../../native/backend.ts';
import { createAlgorithm } from '../algos/index.ts';
import { networkWidthOf } from '../config.ts';
import { readCheckpoint, restoreLatestFromPrevious, writeCheckpoint } from './checkpoints.ts';
import { applyRelabelRequest, isRelabelable } from './relabel_control.ts';
import { IterationAborted, type AbortPoint, type Algorithm, type Metrics } from '../algos/types.ts';
import { acquireRunLock } from './lock.ts';
import { RunDir, type RunRecord } from './store.ts';

/** What the loop reports after each iteration. */
export interface Progress {
  runId: string;
  iteration: number;
  envSteps: number;
  totalEnvSteps: number;
  /** Env steps per wall-clock second over this session of the run. */
  stepsPerSecond: number;
  row: Record<string, number>;
}

export interface TrainOptions {
  onProgress?: (p: Progress) => void;
  /** Polled between iterations; true ends the run as 'stopped' after a checkpoint. */
  shouldStop?: () => boolean;
  /**
   * Polled between iterations and at the safe points inside one: a reason (e.g. "the parent
   * process 1234 is gone") ends training at once (see the file comment); null goes on. Must be cheap
   * and must not draw random numbers.
   */
  shouldAbort?: () => string | null;
  /**
   * What trains, as the run's lock shows it to refused trainers (e.g. "skill-lab train");
   * default: this process's command line.
   */
  command?: string;
  /** Print the backend line (default true). */
  quiet?: boolean;
  /**
   * Called after each iteration (after its metric row, checkpoint and onProgress), e.g. for live
   * skill previews. It may read the algorithm and act with it deterministically, but must not change
   * its state or draw from its random generators: training results would then differ.
   */
  onIteration?: (algo: Algorithm) => void | Promise<void>;
  /**
   * Damage met and recovered from at the start (an unusable latest checkpoint, a damaged
   * metrics.jsonl); each message is also kept in run.json's warnings. Default: stderr.
   */
  onWarning?: (message: string) => void;
}

/**
 * Trains a run to its env-step budget (or until stopped), resuming from its checkpoint if present.
 * The run ends in status 'completed', 'stopped' or — with the error's message — 'error'.
 * @returns the final run record.
 * @throws RunLockedError (runs/lock.ts) naming the holder when another process trains the run; the
 *   run's files are left as they are.
 */
export async function trainRun(run: RunDir, opts: TrainOptions = {}): Promise<RunRecord> {
  // First of all: nothing of the run may be touched (temp files, run.json) before the lock is held.
  const lock = acquireRunLock(run.path, run.id, opts.command ?? thisCommand());
  try {
    return await trainLocked(run, opts, lock.note);
  } finally {
    lock.release();
  }
}

/**
 * {@link trainRun} once the run's lock is held.
 * @param lockNote whose stale lock was taken over, if any: a warning
 */
async function trainLocked(run: RunDir, opts: TrainOptions, lockNote: string | null): Promise<RunRecord> {
  const config = run.readConfig();
  const onWarning = opts.onWarning ?? ((m: string) => console.warn(`[skill-lab] run ${run.id}: ${m}`));
  let algo: Algorithm | null = null;
  try {
    // Temp files of writes a kill cut short (a partial checkpoint can be as large as the replay
    // buffer). Only the holder of the run's training lock may do this, so it must come right after
    // the lock is taken: no other trainer can have a write in flight then.
    run.removeStaleTempFiles();
    if (lockNote) {
      onWarning(lockNote);
      run.addWarning(lockNote);
    }
    const backend = await initBackend({ quiet: opts.quiet ?? false, networkWidth: networkWidthOf(config) });
    algo = await createAlgorithm(config, run.path);
    let wallBefore = 0;
    if (run.hasCheckpoint()) {
      const restored = await readCheckpoint(run, algo);
      wallBefore = restored.wallSeconds;
      if (restored.fallback) {
        const keptAs = restoreLatestFromPrevious(run);
        const message =
          `${restored.fallback}. ` +
          (keptAs ? `The unusable file is kept as ${keptAs}; ` : '') +
          `training continues from iteration ${algo.iteration}: later metric rows and episodes are computed again.`;
        onWarning(message);
        run.addWarning(message);
      }
      // The episode store (goal-sac) is cut to the restored episode count by attachRun below.
      run.truncateMetrics(algo.iteration, { onWarning });
    } else {
      run.truncateMetrics(0, { onWarning });
    }
    await algo.attachRun?.(run.path);
    run.update({
      status: 'running',
      error: null,
      backend: { ...backend },
      pid: process.pid,
      envSteps: algo.envSteps,
      iterations: algo.iteration,
      wallSeconds: round(wallBefore),
    });

    const t0 = performance.now();
    const stepsAtStart = algo.envSteps;
    let lastCheckpointIteration = algo.iteration;
    const wall = () => wallBefore + (performance.now() - t0) / 1000;
    const shouldAbort = opts.shouldAbort;
    const abortPoint: AbortPoint | undefined =
      shouldAbort &&
      (() => {
        const reason = shouldAbort();
        if (reason !== null) throw new IterationAborted(reason);
      });
    let abortReason: string | null = null;

    while (algo.envSteps < config.totalEnvSteps && !(opts.shouldStop?.() ?? false)) {
      abortReason = shouldAbort?.() ?? null;
      if (abortReason !== null) break;
      // A relabeling switch asked for while the run trained (skill-lab relabel, the app's toggle).
      if (isRelabelable(algo)) {
        const applied = applyRelabelRequest(run, algo);
        if (applied && !opts.quiet)
          console.error(
            `[${run.id}] relabeling: ${applied.strategy} ${'ratio' in applied ? `share ${applied.ratio}` : `k=${applied.k}`} from env step ${algo.envSteps}`,
          );
      }
      let metrics: Metrics;
      try {
        metrics = await algo.iterate(abortPoint);
      } catch (err) {
        if (!(err instanceof IterationAborted)) throw err;
        // The algorithm's state is partial: nothing of it is written, the last checkpoint stays.
        const from =
          lastCheckpointIteration > 0
            ? `iteration ${lastCheckpointIteration} (its last checkpoint)`
            : 'the start (no checkpoint yet)';
        return run.update({
          status: 'stopped',
          pid: null,
          error: `stopped during iteration ${algo.iteration + 1}, whose partial work was dropped: ${err.reason}; resume continues from ${from}`,
        });
      }
      const row = {
        iteration: algo.iteration,
        env_steps: algo.envSteps,
        wall_s: round(wall()),
        ...finite(metrics),
      };
      run.appendMetrics(row);
      if (algo.iteration % config.checkpointEvery === 0) {
        await writeCheckpoint(run, algo, wall());
        lastCheckpointIteration = algo.iteration;
      }
      run.update({ envSteps: algo.envSteps, iterations: algo.iteration, wallSeconds: round(wall()) });
      const elapsed = (performance.now() - t0) / 1000;
      opts.onProgress?.({
        runId: run.id,
        iteration: algo.iteration,
        envSteps: algo.envSteps,
        totalEnvSteps: config.totalEnvSteps,
        stepsPerSecond: elapsed > 0 ? (algo.envSteps - stepsAtStart) / elapsed : 0,
        row,
      });
      await opts.onIteration?.(algo);
    }
    if (lastCheckpointIteration !== algo.iteration) await writeCheckpoint(run, algo, wall());
    const done = algo.envSteps >= config.totalEnvSteps;
    return run.update({
      status: done ? 'completed' : 'stopped',
      pid: null,
      wallSeconds: round(wall()),
      ...(abortReason !== null && {
        error: `stopped after iteration ${algo.iteration} (checkpointed): ${abortReason}; resume continues from there`,
      }),
    });
  } catch (err) {
    run.update({ status: 'error', error: (err as Error).message, pid: null });
    throw err;
  } finally {
    algo?.dispose();
  }
}

/** This process's command line, short, for a lock holder's description. */
function thisCommand(): string {
  const [script, ...args] = process.argv.slice(1);
  const text = [script ? basename(script) : 'node', ...args].join(' ');
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Drops non-finite values so metrics.jsonl stays valid JSON (NaN is not JSON). */
function finite(m: Metrics): Metrics {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => Number.isFinite(v)));
}
