import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { DadsAlgorithm } from '../algos/dads.ts';
import { resolveRunConfig } from '../presets.ts';
import { benchMppiReplan, benchReplanOn } from './bench.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('benchMppiReplan', () => {
  it('times replans on the point-mass preset and cleans up after itself (no speed assertion here)', async () => {
    const r = await benchMppiReplan({ preset: 'point-mass', replans: 3 });
    expect(r).toMatchObject({
      env: 'point-mass',
      stateless: true,
      settings: { candidates: 50, refineSteps: 10 },
    });
    expect(r.minMs > 0 && r.minMs <= r.medianMs && r.medianMs <= r.p90Ms).toBe(true);
    // On an algorithm made outside (creating and disposing one is not this module's business).
    const { config } = resolveRunConfig({ algo: 'dads', preset: 'point-mass', set: ['numEnvs=1'] });
    const algo = await DadsAlgorithm.create(config);
    const before = tf.memory().numTensors;
    expect(benchReplanOn(algo, { replans: 3, planner: 'sparse' }).settings.horizon).toBe(4);
    expect(tf.memory().numTensors).toBe(before);
    algo.dispose();
  });

  it('rejects a zero replan count and a preset without DADS', async () => {
    await expect(benchMppiReplan({ preset: 'point-mass', replans: 0 })).rejects.toThrow(/replans/);
    await expect(benchMppiReplan({ preset: 'arm-push', replans: 1 })).rejects.toThrow(/dads/i);
  });
});
