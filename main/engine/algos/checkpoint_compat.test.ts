/**
 * Checkpoints written by earlier code still load and continue as that code continued them: the
 * fixtures in testdata/ were written by commit c90e0f9 (before the off-policy agent refactor) with
 * testdata/make_checkpoints.mts — a tiny run of each algorithm trained 2 iterations by the run loop,
 * and the metrics of one more iteration after a restore.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../../native/backend.ts';
import { readTensorFile } from '../nn/checkpoint.ts';
import { resolveRunConfig, type RunRequest } from '../presets.ts';
import { createAlgorithm } from './index.ts';

const DIR = join(import.meta.dirname, 'testdata');
const EXPECTED = JSON.parse(readFileSync(join(DIR, 'checkpoints.json'), 'utf8')) as Record<
  string,
  { request: RunRequest; next: Record<string, number> }
>;

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('checkpoints of earlier code', () => {
  it.each(Object.keys(EXPECTED))(
    '%s: loads, keeps its array names and meta keys, and continues with the same metrics',
    async (name) => {
      const { request, next } = EXPECTED[name];
      const { arrays, meta } = await readTensorFile(join(DIR, `${name}.bin`));
      expect(meta).toMatchObject({ format: 'skill-lab-checkpoint', algo: request.algo });
      const algo = await createAlgorithm(resolveRunConfig(request).config, null);
      try {
        await algo.loadState({ arrays, meta: meta.algoMeta });
        expect(algo.iteration).toBe(2);
        const saved = await algo.saveState();
        // Every array and meta key of the earlier checkpoint is written again; added since: the flat
        // replay buffer's ring cursor and the step collector's episodes in flight (exact resume).
        const addedArrays = Object.keys(saved.arrays).filter((k) => !(k in arrays));
        expect(addedArrays).toEqual(
          request.algo === 'sac' || request.algo === 'diayn' ? ['replay/cursor'] : [],
        );
        for (const key of Object.keys(arrays)) expect(saved.arrays[key].shape).toEqual(arrays[key].shape);
        const addedMeta = Object.keys(saved.meta).filter((k) => !(k in meta.algoMeta));
        expect(addedMeta).toEqual(['sac', 'diayn', 'dads'].includes(request.algo) ? ['collector'] : []);
        expect(Object.keys(meta.algoMeta).every((k) => k in saved.meta)).toBe(true);
        expect(await algo.iterate()).toEqual(next);
      } finally {
        algo.dispose();
      }
    },
  );
});
