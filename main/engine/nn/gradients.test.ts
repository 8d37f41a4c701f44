import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { Rng } from '../rng.ts';
import { gradCheck } from './gradcheck.ts';
import { engineGradientKernels } from './gradients.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

const rng = new Rng(99);
function randn(
  shape: number[],
  opts: { scale?: number; shift?: number; abs?: boolean; min?: number } = {},
): tf.Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const v = (rng.fillNormal(new Float32Array(n)) as Float32Array).map((x) => {
    let y = (opts.abs ? Math.abs(x) : x) * (opts.scale ?? 1) + (opts.shift ?? 0);
    if (opts.min !== undefined && Math.abs(y) < opts.min) y = Math.sign(y || 1) * opts.min;
    return y;
  });
  return tf.tensor(v, shape);
}

interface Case {
  name: string;
  inputs: () => tf.Tensor[];
  f: (...xs: tf.Tensor[]) => tf.Tensor;
}

const cond = () =>
  tf.tensor2d(
    [
      [1, 0, 1],
      [0, 0, 1],
    ],
    [2, 3],
    'bool',
  );
const cases: Case[] = [
  { name: 'add broadcast', inputs: () => [randn([3, 4]), randn([4])], f: (a, b) => tf.add(a, b) },
  { name: 'sub broadcast', inputs: () => [randn([3, 1]), randn([3, 4])], f: (a, b) => tf.sub(a, b) },
  { name: 'mul broadcast', inputs: () => [randn([2, 3]), randn([3])], f: (a, b) => tf.mul(a, b) },
  {
    name: 'div',
    inputs: () => [randn([2, 3]), randn([2, 3], { abs: true, shift: 1.5 })],
    f: (a, b) => tf.div(a, b),
  },
  {
    name: 'squaredDifference',
    inputs: () => [randn([2, 3]), randn([3])],
    f: (a, b) => tf.squaredDifference(a, b),
  },
  { name: 'maximum', inputs: () => [randn([2, 3]), randn([2, 3])], f: (a, b) => tf.maximum(a, b) },
  { name: 'minimum', inputs: () => [randn([2, 3]), randn([1, 3])], f: (a, b) => tf.minimum(a, b) },
  {
    name: 'pow',
    inputs: () => [randn([2, 3], { abs: true, shift: 0.5 }), randn([2, 3], { scale: 0.5 })],
    f: (a, b) => tf.pow(a, b),
  },
  {
    name: 'addN',
    inputs: () => [randn([2, 3]), randn([2, 3]), randn([2, 3])],
    f: (a, b, c) => tf.addN([a, b, c]),
  },
  { name: 'neg', inputs: () => [randn([5])], f: (x) => tf.neg(x) },
  { name: 'clone', inputs: () => [randn([5])], f: (x) => tf.mul(tf.clone(x), x) },
  { name: 'square', inputs: () => [randn([5])], f: (x) => tf.square(x) },
  { name: 'abs', inputs: () => [randn([5], { min: 0.2 })], f: (x) => tf.abs(x) },
  { name: 'sqrt', inputs: () => [randn([5], { abs: true, shift: 0.5 })], f: (x) => tf.sqrt(x) },
  { name: 'rsqrt', inputs: () => [randn([5], { abs: true, shift: 0.5 })], f: (x) => tf.rsqrt(x) },
  { name: 'reciprocal', inputs: () => [randn([5], { abs: true, shift: 0.5 })], f: (x) => tf.reciprocal(x) },
  { name: 'exp', inputs: () => [randn([5])], f: (x) => tf.exp(x) },
  { name: 'expm1', inputs: () => [randn([5])], f: (x) => tf.expm1(x) },
  { name: 'log', inputs: () => [randn([5], { abs: true, shift: 0.5 })], f: (x) => tf.log(x) },
  { name: 'log1p', inputs: () => [randn([5], { abs: true })], f: (x) => tf.log1p(x) },
  { name: 'tanh', inputs: () => [randn([5])], f: (x) => tf.tanh(x) },
  { name: 'sigmoid', inputs: () => [randn([5])], f: (x) => tf.sigmoid(x) },
  { name: 'softplus', inputs: () => [randn([5])], f: (x) => tf.softplus(x) },
  { name: 'relu', inputs: () => [randn([8], { min: 0.1 })], f: (x) => tf.relu(x) },
  { name: 'relu6', inputs: () => [randn([8], { scale: 4, shift: 2, min: 0.1 })], f: (x) => tf.relu6(x) },
  { name: 'elu', inputs: () => [randn([8], { min: 0.1 })], f: (x) => tf.elu(x) },
  { name: 'selu', inputs: () => [randn([8], { min: 0.1 })], f: (x) => tf.selu(x) },
  { name: 'leakyRelu', inputs: () => [randn([8], { min: 0.1 })], f: (x) => tf.leakyRelu(x, 0.2) },
  { name: 'prelu', inputs: () => [randn([4, 3], { min: 0.1 }), randn([3])], f: (x, a) => tf.prelu(x, a) },
  { name: 'erf', inputs: () => [randn([5])], f: (x) => tf.erf(x) },
  { name: 'sin', inputs: () => [randn([5])], f: (x) => tf.sin(x) },
  { name: 'cos', inputs: () => [randn([5])], f: (x) => tf.cos(x) },
  { name: 'atan', inputs: () => [randn([5])], f: (x) => tf.atan(x) },
  { name: 'clipByValue', inputs: () => [randn([10], { min: 0.05 })], f: (x) => tf.clipByValue(x, -0.5, 0.7) },
  { name: 'where', inputs: () => [randn([2, 3]), randn([2, 3])], f: (a, b) => tf.where(cond(), a, b) },
  {
    name: 'piecewise-constant factors contribute nothing',
    inputs: () => [randn([12], { scale: 2, min: 0.1 })],
    f: (x) =>
      tf.mul(
        x,
        tf.addN([
          tf.sign(x),
          tf.step(x),
          tf.round(x),
          tf.floor(x),
          tf.ceil(x),
          tf.cast(tf.greaterEqual(x, 0.3), 'float32'),
        ]),
      ),
  },
  {
    name: 'comparisons on the path',
    inputs: () => [randn([3, 4], { min: 0.05 })],
    f: (x) =>
      tf.add(
        tf.where(tf.logicalAnd(tf.greater(x, 0), tf.less(x, 1)), x, tf.mul(x, 2)),
        tf.where(
          tf.logicalOr(tf.lessEqual(x, -0.5), tf.equal(x, 3)),
          tf.square(x),
          tf.where(tf.notEqual(x, 2), x, x),
        ),
      ),
  },
  {
    name: 'argMax picks entries (oneHot, cast)',
    inputs: () => [randn([3, 4])],
    f: (x) => tf.mul(tf.cast(tf.oneHot(tf.argMax(x, 1), 4), 'float32'), x),
  },
  { name: 'sum axis 1', inputs: () => [randn([3, 4])], f: (x) => tf.sum(tf.square(x), 1) },
  { name: 'sum keepDims', inputs: () => [randn([3, 4])], f: (x) => tf.mul(tf.sum(x, 0, true), x) },
  { name: 'sum all', inputs: () => [randn([2, 3])], f: (x) => tf.mul(tf.sum(x), x) },
  { name: 'mean axis 0', inputs: () => [randn([3, 4])], f: (x) => tf.mean(tf.square(x), 0) },
  { name: 'mean keepDims', inputs: () => [randn([3, 4])], f: (x) => tf.mul(tf.mean(x, 1, true), x) },
  { name: 'max axis 1', inputs: () => [randn([3, 4])], f: (x) => tf.max(x, 1) },
  { name: 'min axis 0 keepDims', inputs: () => [randn([3, 4])], f: (x) => tf.min(x, 0, true) },
  { name: 'softmax', inputs: () => [randn([3, 4])], f: (x) => tf.softmax(x) },
  { name: 'logSoftmax', inputs: () => [randn([3, 4])], f: (x) => tf.logSoftmax(x) },
  { name: 'logSumExp', inputs: () => [randn([3, 4])], f: (x) => tf.logSumExp(x, 1) },
  { name: 'cumsum', inputs: () => [randn([2, 5])], f: (x) => tf.cumsum(x, 1) },
  { name: 'cumsum exclusive reverse', inputs: () => [randn([4, 2])], f: (x) => tf.cumsum(x, 0, true, true) },
  { name: 'matMul', inputs: () => [randn([3, 4]), randn([4, 2])], f: (a, b) => tf.matMul(a, b) },
  {
    name: 'matMul transposeA',
    inputs: () => [randn([4, 3]), randn([4, 2])],
    f: (a, b) => tf.matMul(a, b, true, false),
  },
  {
    name: 'matMul transposeB',
    inputs: () => [randn([3, 4]), randn([2, 4])],
    f: (a, b) => tf.matMul(a, b, false, true),
  },
  {
    name: 'matMul transpose both',
    inputs: () => [randn([4, 3]), randn([2, 4])],
    f: (a, b) => tf.matMul(a, b, true, true),
  },
  {
    name: 'batched matMul',
    inputs: () => [randn([2, 3, 4]), randn([2, 4, 2])],
    f: (a, b) => tf.matMul(a, b),
  },
  {
    name: 'broadcast batched matMul',
    inputs: () => [randn([2, 3, 4]), randn([1, 4, 2])],
    f: (a, b) => tf.matMul(a, b, false, false),
  },
  {
    name: 'gather axis 0 with repeats',
    inputs: () => [randn([5, 3])],
    f: (x) => tf.gather(x, tf.tensor1d([4, 0, 4, 2], 'int32'), 0),
  },
  {
    name: 'gather axis 1, 2-d indices',
    inputs: () => [randn([3, 5])],
    f: (x) =>
      tf.gather(
        x,
        tf.tensor2d(
          [
            [1, 1],
            [4, 0],
          ],
          [2, 2],
          'int32',
        ),
        1,
      ),
  },
  {
    name: 'gather batchDims 1',
    inputs: () => [randn([3, 5])],
    f: (x) =>
      tf.gather(
        x,
        tf.tensor2d(
          [
            [0, 4],
            [2, 2],
            [1, 3],
          ],
          [3, 2],
          'int32',
        ),
        1,
        1,
      ),
  },
  {
    name: 'reshape',
    inputs: () => [randn([2, 6])],
    f: (x) => tf.mul(tf.reshape(x, [3, 4]), tf.reshape(x, [3, 4])),
  },
  {
    name: 'expandDims',
    inputs: () => [randn([2, 3])],
    f: (x) => tf.mul(tf.expandDims(x, 1), tf.expandDims(x, 1)),
  },
  {
    name: 'transpose',
    inputs: () => [randn([2, 3, 4])],
    f: (x) => tf.mul(tf.transpose(x, [2, 0, 1]), tf.transpose(tf.square(x), [2, 0, 1])),
  },
  { name: 'stack', inputs: () => [randn([2, 3]), randn([2, 3])], f: (a, b) => tf.stack([a, b, a], 1) },
  {
    name: 'unstack (one part used)',
    inputs: () => [randn([2, 3])],
    f: (x) => tf.mul(tf.unstack(x, 1)[2], 3),
  },
  { name: 'split', inputs: () => [randn([2, 3])], f: (x) => tf.split(x, [1, 2], 1)[1] },
  { name: 'concat', inputs: () => [randn([2, 3]), randn([2, 1])], f: (a, b) => tf.concat([a, b, a], 1) },
  { name: 'concat axis 0', inputs: () => [randn([1, 3]), randn([2, 3])], f: (a, b) => tf.concat([a, b], 0) },
  { name: 'slice', inputs: () => [randn([4, 5])], f: (x) => tf.slice(x, [1, 2], [-1, 2]) },
  {
    name: 'pad',
    inputs: () => [randn([2, 3])],
    f: (x) =>
      tf.pad(
        x,
        [
          [1, 0],
          [2, 1],
        ],
        0.5,
      ),
  },
  { name: 'reverse', inputs: () => [randn([2, 3])], f: (x) => tf.mul(tf.reverse(x, 1), x) },
  { name: 'tile', inputs: () => [randn([2, 3])], f: (x) => tf.tile(x, [3, 2]) },
  { name: 'broadcastTo', inputs: () => [randn([3, 1])], f: (x) => tf.broadcastTo(x, [2, 3, 4]) },
];

/** Registered kernels no case reaches: no tfjs op dispatches BroadcastTo (broadcastTo runs Tile). */
const UNREACHED = new Set([
  'BroadcastTo',
  'IsNan',
  'IsInf',
  'IsFinite',
  'LogicalNot',
  'ZerosLike',
  'OnesLike',
  'FloorDiv',
  'ArgMin',
]);

describe('engine kernel gradients', () => {
  const ran = new Set<string>();

  for (const c of cases) {
    it(`${c.name}: matches finite differences`, async () => {
      const xs = c.inputs();
      const out = tf.tidy(() => c.f(...xs));
      const r = randn(out.shape);
      out.dispose();
      const profile = await tf.profile(() =>
        tf.tidy(() => tf.grads((...ys: tf.Tensor[]) => tf.sum(tf.mul(c.f(...ys), r)))(xs)),
      );
      profile.kernels.forEach((k) => ran.add(k.name));
      const res = gradCheck((...ys) => tf.sum(tf.mul(c.f(...ys), r)), xs, { h: 1e-2 });
      expect(res.checked).toBeGreaterThan(0);
      expect(res.maxRelError, `${JSON.stringify(res.worst)} scale ${res.scale}`).toBeLessThan(3e-3);
      tf.dispose([...xs, r]);
    });
  }

  it('every registered gradient is exercised by a case above', () => {
    const missing = engineGradientKernels().filter((k) => !ran.has(k) && !UNREACHED.has(k));
    expect(missing).toEqual([]);
  });

  it('a float→int→float round trip has zero gradient, and nothing leaks', () => {
    const x = randn([4]);
    const before = tf.memory().numTensors;
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.cast(tf.cast(v, 'int32'), 'float32')))(x);
    expect(Array.from(g.dataSync())).toEqual([0, 0, 0, 0]);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
