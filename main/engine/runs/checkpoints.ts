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
import { readTensorFile, writeTensorFile, type NamedArrays } from '../nn/checkpoint.ts';
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

/** One checkpoint file's arrays and meta, checked to be a skill-lab checkpoint of `algo`. */
async function readCheckpointFile(
  file: string,
  algo: string,
): Promise<{ arrays: NamedArrays; meta: CheckpointMeta }> {
  const { arrays, meta } = await readTensorFile(file);
  const m = meta as CheckpointMeta | null;
  if (m?.format !== 'skill-lab-checkpoint' || m.algo !== algo) {
    throw new Error(`${file}: not a ${algo} checkpoint of skill-lab`);
  }
  return { arrays, meta: m };
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
  const problems: string[] = [];
  for (const file of [run.checkpointPath, run.previousCheckpointPath]) {
    let loaded: { arrays: NamedArrays; meta: CheckpointMeta };
    try {
      loaded = await readCheckpointFile(file, algo.config.algo);
    } catch (err) {
      problems.push((err as Error).message);
      continue;
    }
    try {
      await algo.loadState({ arrays: loaded.arrays, meta: loaded.meta.algoMeta });
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
    }
    let fallback: string | null = null;
    if (file !== run.checkpointPath) {
      fallback =
        `the latest checkpoint cannot be used (${problems[0]}); using the previous checkpoint ${file} ` +
        `(iteration ${algo.iteration}, ${algo.envSteps} env steps)`;
      opts.onWarning?.(fallback);
    }
    return { wallSeconds: loaded.meta.wallSeconds, file, fallback };
  }
  throw new RunStoreError(`${run.path}: no readable checkpoint — ${problems.join('; ')}`);
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
