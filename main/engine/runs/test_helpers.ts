/** Helpers for tests that train real runs in a throw-away workspace. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveRunConfig, type RunRequest } from '../presets.ts';
import { RunStore, type RunDir } from './store.ts';
import { versions } from '../versions.ts';
import { initBackend } from '../../../native/backend.ts';
import { createAlgorithm } from '../algos/index.ts';
import { writeCheckpoint } from './checkpoints.ts';
import { trainRun } from './trainer.ts';
import { readTensorFile } from '../nn/checkpoint.ts';
import { EPISODES_DIR } from '../replay/episode_store.ts';

/** A fresh workspace in the OS temp dir. */
export function tempStore(): RunStore {
  return new RunStore(mkdtempSync(join(tmpdir(), 'skill-lab-test-')));
}

/** Creates a run in `store` from a request. */
export function createRun(store: RunStore, req: RunRequest): RunDir {
  const { config, sources } = resolveRunConfig(req);
  return store.create(config, sources, versions());
}

/**
 * A run of a skill-discovery algorithm (e.g. `{ algo: 'dads', preset: 'point-mass' }`) with the
 * checkpoint of its untrained networks, written as the run loop writes checkpoints: what a skill
 * controller's `--skills-from` needs, in a fraction of a second.
 */
export async function untrainedSkillRun(store: RunStore, req: RunRequest): Promise<RunDir> {
  const run = createRun(store, req);
  await initBackend({ quiet: true });
  const algo = await createAlgorithm(run.readConfig(), run.path);
  try {
    await writeCheckpoint(run, algo, 0);
  } finally {
    algo.dispose();
  }
  run.update({ status: 'stopped' });
  return run;
}

/**
 * A run of `req` in `store` trained as by a user who stops it after iteration `stopAfter` (it
 * checkpoints there) and resumes it: to the stop, then to its end by a second training.
 * @throws Error when the first training did not stop after `stopAfter` iterations or the second did
 *   not complete.
 */
export async function stoppedAndResumed(store: RunStore, req: RunRequest, stopAfter = 3): Promise<RunDir> {
  const run = createRun(store, req);
  let done = 0;
  const stopped = await trainRun(run, {
    quiet: true,
    onProgress: (p) => (done = p.iteration),
    shouldStop: () => done === stopAfter,
  });
  if (stopped.status !== 'stopped' || stopped.iterations !== stopAfter)
    throw new Error(
      `expected a stop after iteration ${stopAfter}, got ${stopped.status} after ${stopped.iterations}`,
    );
  const resumed = await trainRun(run, { quiet: true });
  if (resumed.status !== 'completed')
    throw new Error(`the resumed run ended ${resumed.status}, not completed`);
  return run;
}

/** Metric rows without their wall-clock seconds (`wall_s`), the one column two identical runs differ in. */
export function withoutWall(rows: Record<string, number>[]): Record<string, number>[] {
  return rows.map(({ wall_s: _w, ...rest }) => rest);
}

/**
 * The run's latest checkpoint, comparable with toEqual: every array's shape and values, and the meta
 * with its wall-clock seconds zeroed.
 */
export async function checkpointContents(run: RunDir) {
  const { arrays, meta } = await readTensorFile(run.checkpointPath);
  return {
    arrays: Object.fromEntries(Object.entries(arrays).map(([k, v]) => [k, [v.shape, Array.from(v.data)]])),
    meta: { ...meta, wallSeconds: 0 },
  };
}

/** Every episode of the run's episode store (id, iteration, env step, return, actions), by id, read with DuckDB. */
export async function storedEpisodes(run: RunDir): Promise<Record<string, unknown>[]> {
  // Loaded here, not with the module: most tests that use these helpers never read episodes.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  try {
    const glob = join(run.path, EPISODES_DIR, 'part-*.parquet');
    const rows = (
      await con.runAndReadAll(
        `SELECT episode_id, iteration, env_step, "return", action FROM read_parquet('${glob}') ORDER BY episode_id`,
      )
    ).getRowObjectsJS();
    return JSON.parse(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
  } finally {
    con.closeSync();
    inst.closeSync();
  }
}
