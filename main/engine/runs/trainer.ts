/**
 * The training loop of one run: build the algorithm, continue from the run's checkpoint when there is
 * one, iterate until the env-step budget, append a metric row per iteration and checkpoint
 * atomically. Stopping (Ctrl-C, the app's stop button) ends after the current iteration with a
 * checkpoint, so `resume` continues where it stopped; a killed run continues from its last checkpoint.
 */
import { existsSync } from 'node:fs';
import { initBackend } from '../../../native/backend.ts';
import { readTensorFile, writeTensorFile } from '../nn/checkpoint.ts';
import { createAlgorithm } from '../algos/index.ts';
import { applyRelabelRequest, isRelabelable } from './relabel_control.ts';
import type { Algorithm, Metrics } from '../algos/types.ts';
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
  /** Print the backend line (default true). */
  quiet?: boolean;
  /**
   * Called after each iteration (after its metric row, checkpoint and onProgress), e.g. for live
   * skill previews. It may read the algorithm and act with it deterministically, but must not change
   * its state or draw from its random generators: training results would then differ.
   */
  onIteration?: (algo: Algorithm) => void | Promise<void>;
}

/** The checkpoint's JSON part. */
interface CheckpointMeta {
  format: 'skill-lab-checkpoint';
  version: 1;
  algo: string;
  wallSeconds: number;
  algoMeta: Record<string, unknown>;
}

/** Writes the algorithm's state to the run's checkpoint file (atomic). */
export async function writeCheckpoint(run: RunDir, algo: Algorithm, wallSeconds: number): Promise<void> {
  await algo.beforeCheckpoint?.();
  const state = await algo.saveState();
  const meta: CheckpointMeta = {
    format: 'skill-lab-checkpoint',
    version: 1,
    algo: algo.config.algo,
    wallSeconds,
    algoMeta: state.meta,
  };
  await writeTensorFile(run.checkpointPath, state.arrays, meta);
}

/**
 * Restores an algorithm from the run's checkpoint.
 * @returns the training wall-clock seconds recorded at the checkpoint.
 * @throws Error naming checkpoint.bin when it is corrupt or belongs to another algorithm.
 */
export async function readCheckpoint(run: RunDir, algo: Algorithm): Promise<number> {
  const { arrays, meta } = await readTensorFile(run.checkpointPath);
  const m = meta as CheckpointMeta;
  if (m?.format !== 'skill-lab-checkpoint' || m.algo !== algo.config.algo) {
    throw new Error(`${run.checkpointPath}: not a ${algo.config.algo} checkpoint of skill-lab`);
  }
  try {
    await algo.loadState({ arrays, meta: m.algoMeta });
  } catch (err) {
    throw new Error(`${run.checkpointPath}: ${(err as Error).message}`, { cause: err });
  }
  return m.wallSeconds;
}

/**
 * Trains a run to its env-step budget (or until stopped), resuming from its checkpoint if present.
 * The run ends in status 'completed', 'stopped' or — with the error's message — 'error'.
 * @returns the final run record.
 */
export async function trainRun(run: RunDir, opts: TrainOptions = {}): Promise<RunRecord> {
  const config = run.readConfig();
  let algo: Algorithm | null = null;
  try {
    const backend = await initBackend({ quiet: opts.quiet ?? false });
    algo = await createAlgorithm(config, run.path);
    let wallBefore = 0;
    if (existsSync(run.checkpointPath)) {
      wallBefore = await readCheckpoint(run, algo);
      run.truncateMetrics(algo.iteration);
    } else {
      run.truncateMetrics(0);
    }
    await algo.attachRun?.(run.path);
    run.update({ status: 'running', error: null, backend: { ...backend }, pid: process.pid });

    const t0 = performance.now();
    const stepsAtStart = algo.envSteps;
    let lastCheckpointIteration = algo.iteration;
    const wall = () => wallBefore + (performance.now() - t0) / 1000;

    while (algo.envSteps < config.totalEnvSteps && !(opts.shouldStop?.() ?? false)) {
      // A relabeling switch asked for while the run trained (skill-lab relabel, the app's toggle).
      if (isRelabelable(algo)) {
        const applied = applyRelabelRequest(run, algo);
        if (applied && !opts.quiet)
          console.error(
            `[${run.id}] relabeling: ${applied.strategy} ${'ratio' in applied ? `share ${applied.ratio}` : `k=${applied.k}`} from env step ${algo.envSteps}`,
          );
      }
      const metrics: Metrics = await algo.iterate();
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
    return run.update({ status: done ? 'completed' : 'stopped', pid: null, wallSeconds: round(wall()) });
  } catch (err) {
    run.update({ status: 'error', error: (err as Error).message, pid: null });
    throw err;
  } finally {
    algo?.dispose();
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Drops non-finite values so metrics.jsonl stays valid JSON (NaN is not JSON). */
function finite(m: Metrics): Metrics {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => Number.isFinite(v)));
}
