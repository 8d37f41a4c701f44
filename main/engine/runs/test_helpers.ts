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
