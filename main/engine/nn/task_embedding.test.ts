import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../native/backend.ts';
import { MLP } from './mlp.ts';
import { makeAdam } from './checkpoint.ts';
import { TaskEmbeddingMLP } from './task_embedding.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

/** Row [s0, s1, onehot(3), a0]: the one-hot block sits between observation and action, as in a critic. */
const opts = { name: 'q', inputDim: 6, hiddenSizes: [5], outputDim: 1, seed: 3 };
const emb = { from: 2, numTasks: 3, dim: 2 };

describe('TaskEmbeddingMLP', () => {
  it('equals its trunk applied to [x_pre, E[t], x_post]', () => {
    const net = new TaskEmbeddingMLP(opts, emb);
    const x = [0.5, -1, 0, 0, 1, 0.25, 2, 0.1, 1, 0, 0, -0.5];
    const E = net.embedding.arraySync() as number[][];
    const got = tf.tidy(() => [...net.apply(tf.tensor2d(x, [2, 6])).dataSync()]);
    // The same trunk as a plain MLP (same seed, width pre + d + post) fed with the looked-up rows.
    const plain = new MLP({ ...opts, inputDim: 5 });
    const rows = [
      [0.5, -1, ...E[2], 0.25],
      [2, 0.1, ...E[0], -0.5],
    ];
    const expected = tf.tidy(() => [...plain.apply(tf.tensor2d(rows)).dataSync()]);
    expect(got[0]).toBeCloseTo(expected[0], 5);
    expect(got[1]).toBeCloseTo(expected[1], 5);
    expect(Object.keys(net.namedVariables())).toEqual([...net.paramNames()]);
    expect(net.paramNames().at(-1)).toBe('q/task_embedding');
    expect(() => net.apply(tf.zeros([1, 5]) as tf.Tensor2D)).toThrow(/expected input \[B, 6\]/);
    expect(() => new TaskEmbeddingMLP(opts, { from: 4, numTasks: 3, dim: 2 })).toThrow(/exceed/);
    net.dispose();
    plain.dispose();
  });

  it('trains its embedding with the loss, and copies / Polyak-averages it with the weights', () => {
    const net = new TaskEmbeddingMLP(opts, emb);
    const target = new TaskEmbeddingMLP({ ...opts, seed: 9 }, emb);
    const before = net.embedding.arraySync() as number[][];
    const opt = makeAdam(1e-2);
    const x = tf.tensor2d([0.5, -1, 0, 1, 0, 0.25], [1, 6]);
    for (let i = 0; i < 3; i++)
      tf.dispose(opt.minimize(() => tf.sum(tf.square(net.apply(x))) as tf.Scalar, true, net.variables)!);
    const after = net.embedding.arraySync() as number[][];
    expect(after[1]).not.toEqual(before[1]); // the task in the batch moved
    expect(after[0]).toEqual(before[0]); // the others got no gradient
    target.copyFrom(net);
    expect(target.embedding.arraySync()).toEqual(after);
    const count = tf.memory().numTensors;
    target.softUpdateFrom(net, 0.5);
    expect(tf.memory().numTensors).toBe(count);
    x.dispose();
    opt.dispose();
    net.dispose();
    target.dispose();
    expect(net.embedding.isDisposed).toBe(true);
  });
});
