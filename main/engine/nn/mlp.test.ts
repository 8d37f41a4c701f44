import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { Rng } from '../rng.ts';
import { makeAdam } from './checkpoint.ts';
import { MLP } from './mlp.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('MLP construction', () => {
  it('names parameters stably and registers unique tfjs names', () => {
    const a = new MLP({ name: 'q1', inputDim: 3, hiddenSizes: [4, 5], outputDim: 2, seed: 1 });
    const b = new MLP({ name: 'q1', inputDim: 3, hiddenSizes: [4, 5], outputDim: 2, seed: 1 });
    const names = ['q1/l0/kernel', 'q1/l0/bias', 'q1/l1/kernel', 'q1/l1/bias', 'q1/l2/kernel', 'q1/l2/bias'];
    expect(a.paramNames()).toEqual(names);
    expect(b.paramNames()).toEqual(names);
    expect(Object.keys(a.namedVariables())).toEqual(names);
    expect(new Set([...a.variables, ...b.variables].map((v) => v.name)).size).toBe(12);
    expect(a.variables.map((v) => v.shape)).toEqual([[3, 4], [4], [4, 5], [5], [5, 2], [2]]);
    expect(a.variables.every((v) => v.trainable)).toBe(true);
    a.dispose();
    b.dispose();
  });

  it('initializes Glorot-uniform kernels and zero biases from the seed, independent of tfjs randomness', () => {
    const a = new MLP({ name: 'g', inputDim: 40, hiddenSizes: [60], outputDim: 20, seed: 7 });
    const b = new MLP({ name: 'g', inputDim: 40, hiddenSizes: [60], outputDim: 20, seed: 7 });
    const c = new MLP({ name: 'g', inputDim: 40, hiddenSizes: [60], outputDim: 20, seed: 8 });
    a.variables.forEach((v, i) => expect(values(v)).toEqual(values(b.variables[i])));
    expect(values(a.variables[0])).not.toEqual(values(c.variables[0]));
    // The first kernel equals the seed's Rng stream scaled to the Glorot bound.
    const bound = Math.sqrt(6 / (40 + 60));
    const rng = new Rng(7);
    const expected = Array.from({ length: 40 * 60 }, () => Math.fround(rng.uniformRange(-bound, bound)));
    expect(values(a.variables[0])).toEqual(expected);
    for (const [k, fanIn, fanOut] of [
      [0, 40, 60],
      [2, 60, 20],
    ] as const) {
      const w = values(a.variables[k]);
      const lim = Math.sqrt(6 / (fanIn + fanOut));
      expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(lim);
      const variance = w.reduce((s, x) => s + x * x, 0) / w.length;
      expect(variance).toBeGreaterThan((0.85 * (lim * lim)) / 3);
      expect(variance).toBeLessThan((1.15 * (lim * lim)) / 3);
    }
    expect(values(a.variables[1]).every((x) => x === 0)).toBe(true);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('scales only the output layer by outputInitScale', () => {
    const a = new MLP({ name: 's', inputDim: 4, hiddenSizes: [8], outputDim: 3, seed: 3 });
    const b = new MLP({
      name: 's',
      inputDim: 4,
      hiddenSizes: [8],
      outputDim: 3,
      seed: 3,
      outputInitScale: 1e-2,
    });
    expect(values(b.variables[0])).toEqual(values(a.variables[0]));
    const wa = values(a.variables[2]);
    values(b.variables[2]).forEach((x, i) => expect(x).toBeCloseTo(wa[i] * 1e-2, 7));
    a.dispose();
    b.dispose();
  });

  it('rejects bad dimensions and inputs', () => {
    expect(() => new MLP({ name: 'bad', inputDim: 0, hiddenSizes: [4], outputDim: 1, seed: 1 })).toThrow(
      /positive integers/,
    );
    const m = new MLP({ name: 'm', inputDim: 3, hiddenSizes: [], outputDim: 2, seed: 1 });
    const x = tf.zeros([2, 4]) as tf.Tensor2D;
    expect(() => m.apply(x)).toThrow(/expected input \[B, 3\], got \[2, 4\]/);
    m.dispose();
    expect(() => m.apply(x)).toThrow(/disposed/);
    x.dispose();
  });
});

describe('MLP forward and target updates', () => {
  it('computes act(x·W + b) layer by layer (linear output)', () => {
    const m = new MLP({
      name: 'f',
      inputDim: 3,
      hiddenSizes: [4],
      outputDim: 2,
      activation: 'tanh',
      seed: 5,
    });
    const x = tf.tensor2d([
      [0.5, -1, 2],
      [1, 0, -0.5],
    ]);
    const y = m.apply(x);
    const ref = tf.tidy(() => {
      const [w0, b0, w1, b1] = m.variables;
      return tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, w0), b0)), w1), b1);
    });
    const r = values(ref);
    values(y).forEach((v, i) => expect(v).toBeCloseTo(r[i], 5));
    tf.dispose([x, y, ref]);
    m.dispose();
  });

  it('copyFrom and softUpdateFrom (Polyak averaging)', () => {
    const src = new MLP({ name: 'src', inputDim: 3, hiddenSizes: [4], outputDim: 2, seed: 1 });
    const dst = new MLP({ name: 'dst', inputDim: 3, hiddenSizes: [4], outputDim: 2, seed: 2 });
    const before = dst.variables.map(values);
    dst.softUpdateFrom(src, 0.25);
    dst.variables.forEach((v, i) => {
      const s = values(src.variables[i]);
      values(v).forEach((x, j) => expect(x).toBeCloseTo(0.25 * s[j] + 0.75 * before[i][j], 6));
    });
    dst.copyFrom(src);
    dst.variables.forEach((v, i) => expect(values(v)).toEqual(values(src.variables[i])));
    // The copy is independent of later changes to the source.
    src.variables[0].assign(tf.zerosLike(src.variables[0]));
    expect(values(dst.variables[0]).some((x) => x !== 0)).toBe(true);
    expect(() => dst.softUpdateFrom(src, 1.5)).toThrow(/tau/);
    const other = new MLP({ name: 'o', inputDim: 3, hiddenSizes: [5], outputDim: 2, seed: 2 });
    expect(() => dst.copyFrom(other)).toThrow(/differ in shape/);
    [src, dst, other].forEach((m) => m.dispose());
  });

  it('dispose frees every tensor it made', () => {
    const before = tf.memory().numTensors;
    const m = new MLP({ name: 'd', inputDim: 5, hiddenSizes: [6, 7], outputDim: 2, seed: 1 });
    const y = m.apply(tf.tidy(() => tf.ones([3, 5]) as tf.Tensor2D));
    tf.dispose(y);
    m.dispose();
    m.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 1); // the ones input
  });
});

/** y = sin(2·x0) + 0.5·x1² − x0·x2 on x ~ U[−1, 1]³. */
function regressionData(n: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 3);
  rng.fillUniform(x, -1, 1);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++)
    y[i] = Math.sin(2 * x[3 * i]) + 0.5 * x[3 * i + 1] ** 2 - x[3 * i] * x[3 * i + 2];
  return { x: tf.tensor2d(x, [n, 3]), y: tf.tensor2d(y, [n, 1]) };
}

describe('MLP training', () => {
  it('keeps the tensor count flat over 1,000 Adam updates', () => {
    const net = new MLP({ name: 'leak', inputDim: 3, hiddenSizes: [16, 16], outputDim: 1, seed: 1 });
    const opt = makeAdam(1e-3);
    const { x, y } = regressionData(32, 2);
    const step = () => {
      const loss = opt.minimize(
        () => tf.mean(tf.squaredDifference(net.apply(x), y)) as tf.Scalar,
        true,
        net.variables,
      );
      loss?.dispose();
    };
    for (let i = 0; i < 10; i++) step();
    const after10 = tf.memory();
    for (let i = 10; i < 1000; i++) step();
    const after1000 = tf.memory();
    expect(after1000.numTensors).toBe(after10.numTensors);
    expect(after1000.numBytes).toBe(after10.numBytes);
    tf.dispose([x, y]);
    opt.dispose();
    net.dispose();
  });

  it('learns a nonlinear regression (held-out error far below the target variance)', () => {
    const net = new MLP({ name: 'fit', inputDim: 3, hiddenSizes: [64, 64], outputDim: 1, seed: 3 });
    const opt = makeAdam(3e-3);
    const train = regressionData(512, 4);
    const test = regressionData(256, 5);
    const mse = (d: { x: tf.Tensor2D; y: tf.Tensor2D }) =>
      tf.tidy(() => tf.mean(tf.squaredDifference(net.apply(d.x), d.y)).dataSync()[0]);
    const variance = tf.tidy(() => tf.moments(test.y).variance.dataSync()[0]);
    const initial = mse(test);
    for (let i = 0; i < 600; i++) {
      const loss = opt.minimize(
        () => tf.mean(tf.squaredDifference(net.apply(train.x), train.y)) as tf.Scalar,
        true,
        net.variables,
      );
      loss?.dispose();
    }
    const final = mse(test);
    expect(initial).toBeGreaterThan(0.3 * variance);
    expect(final).toBeLessThan(0.02 * variance);
    tf.dispose([train.x, train.y, test.x, test.y]);
    opt.dispose();
    net.dispose();
  });
});
