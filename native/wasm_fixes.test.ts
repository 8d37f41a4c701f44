import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../main/engine/rng.ts';
import { initBackend } from './backend.ts';
import { patchWasmKernels } from './wasm_fixes.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

type Input = { shape: number[]; dtype?: 'float32' | 'int32' | 'bool'; values: number[] };
const rng = new Rng(5);
const f = (shape: number[], lo = -2, hi = 2): Input => ({
  shape,
  values: Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.uniformRange(lo, hi)),
});
const ints = (shape: number[], n: number): Input => ({
  shape,
  dtype: 'int32',
  values: Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.int(n)),
});

/** Forward ops the engine uses, each on fixed random inputs. */
const ops: Array<[string, Input[], (...xs: tf.Tensor[]) => tf.Tensor]> = [
  ['oneHot float32', [ints([5], 4)], (i) => tf.oneHot(i as tf.Tensor1D, 4, 1, 0, 'float32')],
  ['oneHot int32', [ints([5], 4)], (i) => tf.oneHot(i as tf.Tensor1D, 4)],
  ['gather batchDims 1', [f([3, 5]), ints([3, 2], 5)], (x, i) => tf.gather(x, i, 1, 1)],
  ['gather batchDims 1, 3-d', [f([2, 3, 4, 2]), ints([2, 5], 4)], (x, i) => tf.gather(x, i, 2, 1)],
  ['gather axis 0', [f([6, 3]), ints([4], 6)], (x, i) => tf.gather(x, i, 0)],
  ['gather axis 1', [f([3, 6]), ints([2, 2], 6)], (x, i) => tf.gather(x, i, 1)],
  ['slice 1-d', [f([9])], (x) => tf.slice(x, 2, 5)],
  ['slice rows', [f([4, 3])], (x) => tf.slice(x, [1, 0], [2, -1])],
  ['slice columns (not contiguous)', [f([4, 3])], (x) => tf.slice(x, [0, 1], [-1, 2])],
  ['slice int32', [ints([6], 9)], (x) => tf.slice(x, 1, 3)],
  ['split 1-d', [f([10])], (x) => tf.concat(tf.split(x, [3, 7]).reverse())],
  ['matMul', [f([5, 4]), f([4, 3])], (a, b) => tf.matMul(a, b)],
  ['matMul tA', [f([4, 5]), f([4, 3])], (a, b) => tf.matMul(a, b, true, false)],
  ['matMul tB', [f([5, 4]), f([3, 4])], (a, b) => tf.matMul(a, b, false, true)],
  ['batched matMul', [f([2, 5, 4]), f([2, 4, 3])], (a, b) => tf.matMul(a, b)],
  ['batched matMul tA tB', [f([3, 4, 5]), f([3, 2, 4])], (a, b) => tf.matMul(a, b, true, true)],
  ['batched matMul tB', [f([3, 5, 4]), f([3, 2, 4])], (a, b) => tf.matMul(a, b, false, true)],
  ['batched matMul broadcast a', [f([1, 5, 4]), f([3, 4, 2])], (a, b) => tf.matMul(a, b)],
  ['batched matMul broadcast b, tA', [f([3, 4, 5]), f([1, 4, 2])], (a, b) => tf.matMul(a, b, true, false)],
  ['batched matMul rank 4', [f([2, 2, 3, 4]), f([2, 2, 4, 3])], (a, b) => tf.matMul(a, b)],
  [
    'fused matMul relu',
    [f([5, 4]), f([4, 3]), f([3])],
    (a, b, c) => tf.fused.matMul({ a, b, bias: c, activation: 'relu' }),
  ],
  ['logSoftmax', [f([4, 6])], (x) => tf.logSoftmax(x)],
  ['softmax', [f([4, 6])], (x) => tf.softmax(x)],
  ['logSumExp', [f([4, 6])], (x) => tf.logSumExp(x, 1)],
  ['softplus', [f([10], -30, 30)], (x) => tf.softplus(x)],
  ['sigmoid', [f([10], -10, 10)], (x) => tf.sigmoid(x)],
  ['tanh', [f([10], -5, 5)], (x) => tf.tanh(x)],
  ['exp/log', [f([10], 0.1, 3)], (x) => tf.add(tf.exp(x), tf.log(x))],
  ['clipByValue', [f([10])], (x) => tf.clipByValue(x, -1, 1)],
  ['minimum/maximum', [f([3, 4]), f([4])], (a, b) => tf.add(tf.minimum(a, b), tf.maximum(a, 0.5))],
  ['where', [f([3, 4]), f([3, 4])], (a, b) => tf.where(tf.greater(a, b), a, b)],
  ['mean/sum axes', [f([3, 4, 2])], (x) => tf.add(tf.mean(x, [0, 2]), tf.sum(x, [0, 2]))],
  ['sum axis 0', [f([5, 3])], (x) => tf.sum(x, 0)],
  ['max/min', [f([3, 4])], (x) => tf.concat([tf.max(x, 0), tf.min(x, 0)])],
  ['argMax', [f([3, 4])], (x) => tf.argMax(x, 1)],
  ['moments', [f([6, 3])], (x) => tf.concat(Object.values(tf.moments(x, 0)) as tf.Tensor[])],
  ['concat/slice', [f([3, 4]), f([3, 2])], (a, b) => tf.slice(tf.concat([a, b], 1), [1, 1], [2, 4])],
  ['stack/unstack', [f([2, 3]), f([2, 3])], (a, b) => tf.unstack(tf.stack([a, b], 2), 1)[2]],
  ['split', [f([2, 6])], (x) => tf.split(x, [2, 4], 1)[1]],
  ['tile/broadcastTo', [f([2, 1])], (x) => tf.add(tf.tile(x, [1, 3]), tf.broadcastTo(x, [4, 2, 3]))],
  ['transpose 3-d', [f([2, 3, 4])], (x) => tf.transpose(x, [1, 2, 0])],
  [
    'pad',
    [f([2, 3])],
    (x) =>
      tf.pad(
        x,
        [
          [1, 2],
          [0, 1],
        ],
        0.25,
      ),
  ],
  ['cumsum', [f([3, 4])], (x) => tf.cumsum(x, 1, true, true)],
  ['squaredDifference', [f([3, 4]), f([4])], (a, b) => tf.squaredDifference(a, b)],
  ['step/sign', [f([10])], (x) => tf.add(tf.step(x), tf.sign(x))],
  ['pow', [f([6], 0.1, 2), f([6], -1, 1)], (a, b) => tf.pow(a, b)],
  ['cast bool', [f([6])], (x) => tf.cast(tf.greater(x, 0), 'float32')],
];

function run(
  backend: string,
  inputs: Input[],
  op: (...xs: tf.Tensor[]) => tf.Tensor,
): { shape: number[]; values: number[] } {
  return tf.tidy(() => {
    expect(tf.getBackend()).toBe(backend);
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape, i.dtype ?? 'float32'));
    const y = op(...xs);
    return { shape: y.shape, values: Array.from(y.dataSync() as ArrayLike<number>) };
  });
}

describe('wasm kernels agree with the cpu reference backend', () => {
  for (const [name, inputs, op] of ops) {
    it(name, async () => {
      const wasm = run('wasm', inputs, op);
      await tf.setBackend('cpu');
      try {
        const cpu = run('cpu', inputs, op);
        expect(wasm.shape).toEqual(cpu.shape);
        cpu.values.forEach((v, i) => expect(wasm.values[i], `entry ${i}`).toBeCloseTo(v, 4));
      } finally {
        await tf.setBackend('wasm');
      }
    });
  }

  it('patching twice is a no-op', () => {
    expect(patchWasmKernels()).toEqual([]);
  });

  it('the gather fix still rejects out-of-range indices', () => {
    const x = tf.zeros([2, 3]);
    const i = tf.tensor2d([[0], [3]], [2, 1], 'int32');
    expect(() => tf.gather(x, i, 1, 1)).toThrow(/index value 3/);
    tf.dispose([x, i]);
  });
});
