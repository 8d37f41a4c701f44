/**
 * A run's checkpoints: `checkpoint.bin`, the latest, and `checkpoint.prev.bin`, the one before it.
 *
 * - Writing rotates: the new checkpoint is written to a temp file and fsynced, the latest becomes
 *   the previous (hard link + rename), then the temp file is renamed over checkpoint.bin
 *   (engine/atomic.ts, writeFileAtomic's `previous`). A kill at any instant leaves checkpoint.bin
 *   naming a complete file (the latest or the new one) and checkpoint.prev.bin naming a complete
 *   one (the previous or the latest): one damaged file never leaves a run without a checkpoint.
 * - Reading falls back: when checkpoint.bin is missing, unreadable, corrupt (its checksum) or not
 *   this run's, the previous checkpoint is restored with a warning naming the file and the reason;
 *   when both fail, the error names both. A file that reads correctly but that the algorithm refuses
 *   (other network shapes) is not damage: that error is raised as is, since the previous checkpoint
 *   came from the same code and config, and the algorithm may be half-restored by then.
 * - The previous checkpoint is a consistent point to resume from: metric rows and goal-sac episode
 *   parts past its iteration are dropped and computed again (trainer.ts, replay/episode_store.ts).
 */
import { existsSync } from 'node:fs';
import {
  readTensorFile,
  writeTensorFile,
  type NamedArrays,
  type ReadTensorOptions,
} from '../nn/checkpoint.ts';
import { keepAsideSync, replaceSync } from '../atomic.ts';
import type { Algorithm } from '../algos/types.ts';
import { damagedLabel, RunStoreError, type RunDir } from './store.ts';

/** The checkpoint's JSON part. */
interface CheckpointMeta {
  format: 'skill-lab-checkpoint';
  version: 1;
  algo: string;
  wallSeconds: number;
  algoMeta: Record<string, unknown>;
}

/**
 * Writes the algorithm's state as the run's latest checkpoint, keeping the one it replaces as the
 * previous checkpoint (atomic rotation, see the file comment). Calls the algorithm's
 * beforeCheckpoint first, so the files it keeps beside the checkpoint match it.
 * @param wallSeconds training wall-clock seconds so far (s)
 * @throws the algorithm's or the file system's error; the checkpoints on disk are then complete.
 */
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
  await writeTensorFile(run.checkpointPath, state.arrays, meta, { previous: run.previousCheckpointPath });
}

/** What {@link readCheckpoint} restored. */
export interface RestoredCheckpoint {
  /** Training wall-clock seconds recorded at the checkpoint (s). */
  wallSeconds: number;
  /** The checkpoint file the state came from. */
  file: string;
  /**
   * When checkpoint.bin could not be used and the previous checkpoint was restored instead: the
   * warning (the file, why, and the iteration and env steps restored); else null.
   */
  fallback: string | null;
}

/** A run's checkpoint as read by {@link readRunCheckpoint}. */
export interface RunCheckpoint {
  /** The arrays (those selected). */
  arrays: NamedArrays;
  /** The algorithm's own meta (its counters: iteration, envSteps, …). */
  algoMeta: Record<string, unknown>;
  /** Training wall-clock seconds at the checkpoint (s). */
  wallSeconds: number;
  /** The file read: checkpoint.bin, or checkpoint.prev.bin after a fallback. */
  file: string;
  /** Why checkpoint.bin could not be used, when the previous checkpoint was read instead; else null. */
  fallbackReason: string | null;
  /** SHA-256 of the file read (hex), when asked for. */
  sha256?: string;
}

/** One checkpoint file's arrays and meta, checked to be a skill-lab checkpoint of `algo`. */
async function readCheckpointFile(
  file: string,
  algo: string,
  opts: ReadTensorOptions,
): Promise<{ arrays: NamedArrays; meta: CheckpointMeta; sha256?: string }> {
  const { arrays, meta, sha256 } = await readTensorFile(file, opts);
  const m = meta as CheckpointMeta | null;
  if (m?.format !== 'skill-lab-checkpoint' || m.algo !== algo) {
    throw new Error(`${file}: not a ${algo} checkpoint of skill-lab`);
  }
  return { arrays, meta: m, sha256 };
}

/**
 * Reads the run's latest checkpoint of algorithm `algo`, or the previous one when the latest is
 * missing, unreadable, corrupt or not this algorithm's (the caller warns; see the file comment).
 * Changes no file.
 * @param opts.select which arrays to copy out (default all; e.g. a frozen policy without the replay
 *   buffer), opts.sha256 whether to hash the file read
 * @throws RunStoreError naming both files and their problems when neither can be read.
 */
export async function readRunCheckpoint(
  run: RunDir,
  algo: string,
  opts: ReadTensorOptions = {},
): Promise<RunCheckpoint> {
  const problems: string[] = [];
  for (const file of [run.checkpointPath, run.previousCheckpointPath]) {
    try {
      const { arrays, meta, sha256 } = await readCheckpointFile(file, algo, opts);
      return {
        arrays,
        algoMeta: meta.algoMeta,
        wallSeconds: meta.wallSeconds,
        file,
        fallbackReason: file === run.checkpointPath ? null : problems[0],
        ...(sha256 ? { sha256 } : {}),
      };
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  throw new RunStoreError(`${run.path}: no readable checkpoint — ${problems.join('; ')}`);
}

/**
 * Restores an algorithm from the run's latest checkpoint, or — with a warning to `onWarning` — from
 * the previous one when the latest is missing, unreadable, corrupt or not this algorithm's.
 * Changes no file (a trainer repairs with {@link restoreLatestFromPrevious}).
 *
 * @returns where the state came from and the training wall-clock seconds at that checkpoint.
 * @throws RunStoreError naming both files and their problems when neither can be read; Error naming
 *   the file when the algorithm refuses a readable checkpoint's state.
 */
export async function readCheckpoint(
  run: RunDir,
  algo: Algorithm,
  opts: { onWarning?: (message: string) => void } = {},
): Promise<RestoredCheckpoint> {
  const checkpoint = await readRunCheckpoint(run, algo.config.algo);
  const { file } = checkpoint;
  try {
    await algo.loadState({ arrays: checkpoint.arrays, meta: checkpoint.algoMeta });
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
  let fallback: string | null = null;
  if (checkpoint.fallbackReason !== null) {
    fallback =
      `the latest checkpoint cannot be used (${checkpoint.fallbackReason}); using the previous checkpoint ${file} ` +
      `(iteration ${algo.iteration}, ${algo.envSteps} env steps)`;
    opts.onWarning?.(fallback);
  }
  return { wallSeconds: checkpoint.wallSeconds, file, fallback };
}

/**
 * After a fallback to the previous checkpoint: keeps the unusable checkpoint.bin aside as
 * `checkpoint.bin.damaged-<time>` (a hard link, never overwriting) and makes checkpoint.bin name
 * the previous checkpoint again (link + rename, atomic). Without this, the next rotation would turn
 * the damaged file into the previous checkpoint. A kill between the two steps leaves checkpoint.bin
 * as it was; the next start falls back and repairs again.
 * Only the process holding the run's training lock may call it.
 * @returns the path the damaged file was kept at, or null when checkpoint.bin was missing.
 * @throws the file system's error.
 */
export function restoreLatestFromPrevious(run: RunDir): string | null {
  const keptAs = existsSync(run.checkpointPath) ? keepAsideSync(run.checkpointPath, damagedLabel()) : null;
  replaceSync(run.checkpointPath, run.previousCheckpointPath);
  return keptAs;
}
