import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { Rng } from '../rng.ts';
import { BatchNorm } from './batchnorm.ts';
import { gradCheck, gradCheckVariables } from './gradcheck.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

/** Columns with distinct means and scales: column j ~ N(3j − 2, (j + 1)²). */
function data(n: number, dim: number, seed: number): { t: tf.Tensor2D; rows: number[][] } {
  const rng = new Rng(seed);
  const rows = Array.from({ length: n }, () =>
    Array.from({ length: dim }, (_, j) => 3 * j - 2 + (j + 1) * rng.normal()),
  );
  return { t: tf.tensor2d(rows), rows };
}

function columnStats(rows: number[][]): { mean: number[]; variance: number[] } {
  const n = rows.length;
  const mean = rows[0].map((_, j) => rows.reduce((s, r) => s + Math.fround(r[j]), 0) / n);
  const variance = rows[0].map(
    (_, j) => rows.reduce((s, r) => s + (Math.fround(r[j]) - mean[j]) ** 2, 0) / n,
  );
  return { mean, variance };
}

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('BatchNorm', () => {
  it('exposes trainable gamma/beta and non-trainable moving statistics under stable names', () => {
    const a = new BatchNorm({ name: 'dyn/input_norm', dim: 3, affine: true });
    const b = new BatchNorm({ name: 'dyn/target_norm', dim: 2, affine: false });
    expect(a.paramNames()).toEqual([
      'dyn/input_norm/gamma',
      'dyn/input_norm/beta',
      'dyn/input_norm/moving_mean',
      'dyn/input_norm/moving_variance',
    ]);
    expect(a.variables.map((v) => v.trainable)).toEqual([true, true]);
    expect(a.stateVariables.map((v) => v.trainable)).toEqual([false, false]);
    expect(a.allVariables).toEqual([...a.variables, ...a.stateVariables]);
    expect(b.variables).toEqual([]);
    expect(Object.keys(b.namedVariables())).toEqual([
      'dyn/target_norm/moving_mean',
      'dyn/target_norm/moving_variance',
    ]);
    expect(values(b.stateVariables[0])).toEqual([0, 0]);
    expect(values(b.stateVariables[1])).toEqual([1, 1]);
    a.dispose();
    b.dispose();
  });

  it('normalizes with batch statistics in training and moves the moving statistics (momentum 0.99)', () => {
    const bn = new BatchNorm({ name: 'bn', dim: 3, affine: false });
    const { t, rows } = data(64, 3, 1);
    const { mean, variance } = columnStats(rows);
    const y = bn.apply(t, true);
    const yr = y.arraySync() as number[][];
    const ys = columnStats(yr);
    ys.mean.forEach((m) => expect(m).toBeCloseTo(0, 5));
    ys.variance.forEach((v, j) => expect(v).toBeCloseTo(variance[j] / (variance[j] + 1e-3), 4));
    values(bn.stateVariables[0]).forEach((m, j) => expect(m).toBeCloseTo(0.01 * mean[j], 5));
    values(bn.stateVariables[1]).forEach((v, j) => expect(v).toBeCloseTo(0.99 + 0.01 * variance[j], 4));
    tf.dispose([t, y]);
    bn.dispose();
  });

  it('uses the moving statistics in inference, and denormalize inverts it', () => {
    const bn = new BatchNorm({ name: 'bn', dim: 3, affine: true, momentum: 0.5 });
    const { t, rows } = data(128, 3, 2);
    for (let i = 0; i < 40; i++) tf.dispose(bn.apply(t, true));
    const { mean, variance } = columnStats(rows);
    values(bn.stateVariables[0]).forEach((m, j) => expect(m).toBeCloseTo(mean[j], 4));
    values(bn.stateVariables[1]).forEach((v, j) => expect(v).toBeCloseTo(variance[j], 3));
    bn.variables[0].assign(tf.tensor1d([2, 0.5, -1]));
    bn.variables[1].assign(tf.tensor1d([0.1, -0.2, 0.3]));
    const y = bn.apply(t, false);
    const yr = y.arraySync() as number[][];
    const [mm, mv] = bn.stateVariables.map(values);
    const gamma = [2, 0.5, -1];
    const beta = [0.1, -0.2, 0.3];
    yr.slice(0, 5).forEach((r, i) =>
      r.forEach((v, j) =>
        expect(v).toBeCloseTo((gamma[j] * (rows[i][j] - mm[j])) / Math.sqrt(mv[j] + 1e-3) + beta[j], 4),
      ),
    );
    const back = bn.denormalize(y);
    const br = back.arraySync() as number[][];
    br.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(rows[i][j], 3)));
    // Inference leaves the moving statistics alone.
    expect(values(bn.stateVariables[0])).toEqual(mm);
    tf.dispose([t, y, back]);
    bn.dispose();
  });

  it('backpropagates through the batch statistics (finite differences)', () => {
    const bn = new BatchNorm({ name: 'bn', dim: 3, affine: true });
    bn.variables[0].assign(tf.tensor1d([1.5, 0.7, -0.4]));
    const { t } = data(6, 3, 3);
    const r = tf.tensor2d(new Rng(4).fillNormal(new Float32Array(18)) as Float32Array, [6, 3]);
    const loss = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(bn.apply(x as tf.Tensor2D, true), r));
    const byX = gradCheck(loss, [t]);
    expect(byX.checked).toBeGreaterThan(15);
    expect(byX.maxRelError, JSON.stringify(byX.worst)).toBeLessThan(5e-3);
    const byParams = gradCheckVariables(() => loss(t), bn.variables);
    expect(byParams.checked).toBe(6);
    expect(byParams.maxRelError, JSON.stringify(byParams.worst)).toBeLessThan(5e-3);
    tf.dispose([t, r]);
    bn.dispose();
  });

  it('rejects bad options and shapes', () => {
    expect(() => new BatchNorm({ name: 'x', dim: 0, affine: true })).toThrow(/dim/);
    expect(() => new BatchNorm({ name: 'x', dim: 2, affine: true, momentum: 1 })).toThrow(/momentum/);
    const bn = new BatchNorm({ name: 'x', dim: 2, affine: false });
    const z = tf.zeros([3, 4]) as tf.Tensor2D;
    expect(() => bn.apply(z, true)).toThrow(/expected \[B, 2\], got \[3, 4\]/);
    z.dispose();
    bn.dispose();
  });
});
