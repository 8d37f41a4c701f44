import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { benchMlpUpdate } from './bench.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('benchMlpUpdate', () => {
  it('returns a median time per update and cleans up after itself (no speed assertion here)', async () => {
    const before = tf.memory().numTensors;
    const ms = await benchMlpUpdate({ hidden: [16, 16], batch: 8, inputDim: 5, outputDim: 2, iters: 5 });
    expect(Number.isFinite(ms) && ms > 0).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a zero iteration count', async () => {
    await expect(
      benchMlpUpdate({ hidden: [4], batch: 2, inputDim: 1, outputDim: 1, iters: 0 }),
    ).rejects.toThrow(/iters/);
  });
});
