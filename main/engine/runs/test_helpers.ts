/** Helpers for tests that train real runs in a throw-away workspace. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveRunConfig, type RunRequest } from '../presets.ts';
import { RunStore, type RunDir } from './store.ts';
import { versions } from '../versions.ts';

/** A fresh workspace in the OS temp dir. */
export function tempStore(): RunStore {
  return new RunStore(mkdtempSync(join(tmpdir(), 'skill-lab-test-')));
}

/** Creates a run in `store` from a request. */
export function createRun(store: RunStore, req: RunRequest): RunDir {
  const { config, sources } = resolveRunConfig(req);
  return store.create(config, sources, versions());
}
