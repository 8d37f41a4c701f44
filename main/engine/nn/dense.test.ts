import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { Rng } from '../rng.ts';
import { dense, denseAct } from './dense.ts';
import { gradCheck, gradCheckVariables } from './gradcheck.ts';
import { MLP } from './mlp.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

function randn(rng: Rng, shape: number[], scale = 1): tf.Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const v = rng.fillNormal(new Float32Array(n)) as Float32Array;
  return tf.tensor(
    v.map((x) => x * scale),
    shape,
  );
}

/** A fixed random projection of the output, so every output entry gets a distinct upstream gradient. */
function projectedLoss(y: tf.Tensor, r: tf.Tensor): tf.Scalar {
  return tf.sum(tf.mul(y, r));
}

describe('dense', () => {
  it('runs on the wasm backend', () => {
    expect(tf.getBackend()).toBe('wasm');
  });

  it('computes x·W + b', () => {
    const x = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const w = tf.tensor2d([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    const b = tf.tensor1d([0.5, -1]);
    const y = dense(x, w, b);
    expect(Array.from(y.dataSync())).toEqual([4.5, 4, 10.5, 10]);
    tf.dispose([x, w, b, y]);
  });

  it('has gradients matching finite differences for x, W and b', () => {
    const rng = new Rng(1);
    const [x, w, b, r] = [randn(rng, [5, 4]), randn(rng, [4, 3]), randn(rng, [3]), randn(rng, [5, 3])];
    const res = gradCheck(
      (xx, ww, bb) => projectedLoss(dense(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D), r),
      [x, w, b],
    );
    expect(res.checked).toBe(20 + 12 + 3);
    expect(res.maxRelError, JSON.stringify(res.worst)).toBeLessThan(2e-3);
    tf.dispose([x, w, b, r]);
  });

  for (const act of ['relu', 'tanh', 'linear'] as const) {
    it(`denseAct(${act}) matches the unfused expression and finite differences`, () => {
      const rng = new Rng(2);
      const [x, w, b, r] = [
        randn(rng, [6, 5]),
        randn(rng, [5, 4], 0.5),
        randn(rng, [4], 0.5),
        randn(rng, [6, 4]),
      ];
      const ref = tf.tidy(() => {
        const z = tf.add(tf.matMul(x, w), b);
        return act === 'relu' ? tf.relu(z) : act === 'tanh' ? tf.tanh(z) : z;
      });
      const y = denseAct(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, act);
      const yv = y.dataSync();
      ref.dataSync().forEach((v, i) => expect(yv[i]).toBeCloseTo(v, 5));
      const res = gradCheck(
        (xx, ww, bb) =>
          projectedLoss(denseAct(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, act), r),
        [x, w, b],
      );
      expect(res.checked).toBeGreaterThan(40);
      expect(res.maxRelError, JSON.stringify(res.worst)).toBeLessThan(2e-3);
      tf.dispose([x, w, b, r, y, ref]);
    });
  }

  it('gives the same gradients as the unfused expression with tfjs autodiff', () => {
    const rng = new Rng(3);
    const [x, w, b, r] = [randn(rng, [7, 6]), randn(rng, [6, 5]), randn(rng, [5]), randn(rng, [7, 5])];
    const ours = tf.grads((xx, ww, bb) =>
      projectedLoss(denseAct(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, 'relu'), r),
    )([x, w, b]);
    const theirs = tf.grads((xx, ww, bb) =>
      projectedLoss(tf.relu(tf.add(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D), bb)), r),
    )([x, w, b]);
    ours.forEach((g, i) => {
      const t = theirs[i].dataSync();
      g.dataSync().forEach((v, j) => expect(v).toBeCloseTo(t[j], 4));
    });
    tf.dispose([x, w, b, r, ...ours, ...theirs]);
  });

  it('rejects mismatched shapes and non-float inputs', () => {
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    const w = tf.zeros([4, 2]) as tf.Tensor2D;
    const b = tf.zeros([2]) as tf.Tensor1D;
    expect(() => dense(x, w, b)).toThrow(/x \[2,3\], w \[4,2\]/);
    const xi = tf.zeros([2, 4], 'int32') as tf.Tensor2D;
    expect(() => dense(xi, w, b)).toThrow(/float32/);
    tf.dispose([x, w, b, xi]);
  });

  it('computes only the gradients that are asked for and leaks nothing', () => {
    const rng = new Rng(4);
    const [x, w, b] = [randn(rng, [8, 5]), randn(rng, [5, 3]), randn(rng, [3])];
    const before = tf.memory().numTensors;
    // Only W: dx and db are never evaluated (checked by the result being right and nothing leaking).
    const [gw] = tf.grads((ww) => tf.sum(dense(x as tf.Tensor2D, ww as tf.Tensor2D, b as tf.Tensor1D)))([w]);
    const expected = tf.tidy(() => tf.matMul(x, tf.ones([8, 3]), true, false));
    const e = expected.dataSync();
    gw.dataSync().forEach((v, i) => expect(v).toBeCloseTo(e[i], 4));
    tf.dispose([gw, expected]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, b]);
  });
});

describe('MLP gradients', () => {
  for (const activation of ['tanh', 'relu'] as const) {
    it(`a whole ${activation} MLP loss matches finite differences (all parameters and the input)`, () => {
      const rng = new Rng(5);
      const net = new MLP({
        name: `fd_${activation}`,
        inputDim: 4,
        hiddenSizes: [6, 5],
        outputDim: 3,
        activation,
        seed: 11,
      });
      const x = randn(rng, [5, 4]);
      const target = randn(rng, [5, 3]);
      const loss = (input: tf.Tensor) =>
        tf.mean(tf.square(tf.sub(net.apply(input as tf.Tensor2D), target))) as tf.Scalar;
      const res = gradCheckVariables(() => loss(x), net.variables, { maxEntries: 30 });
      const resX = gradCheck(loss, [x]);
      expect(res.checked + res.skipped).toBe(24 + 6 + 30 + 5 + 15 + 3);
      expect(res.skipped).toBeLessThan(res.checked / 10);
      expect(res.maxRelError, JSON.stringify(res.worst)).toBeLessThan(5e-3);
      expect(resX.maxRelError, JSON.stringify(resX.worst)).toBeLessThan(5e-3);
      tf.dispose([x, target]);
      net.dispose();
    });
  }
});
