import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../native/backend.ts';
import { Adam } from './adam.ts';
import { MLP } from './mlp.ts';
import { Rng } from '../rng.ts';

await initBackend({ quiet: true });

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer.slice(0)));

/** Two critics and a policy-like net, trained on seeded regression batches by `opt`. */
function problem(opt: { minimize: Adam['minimize'] }, seed: number) {
  const q1 = new MLP({ name: 'q1', inputDim: 5, hiddenSizes: [16, 8], outputDim: 1, seed });
  const q2 = new MLP({ name: 'q2', inputDim: 5, hiddenSizes: [16, 8], outputDim: 1, seed: seed + 1 });
  const extra = tf.variable(tf.zeros([3]), true);
  const vars = [...q1.variables, ...q2.variables, extra];
  const rng = new Rng(7);
  const step = (withExtra: boolean) => {
    const x = tf.tensor2d(rng.fillNormal(new Float32Array(32 * 5)) as Float32Array, [32, 5]);
    const y = tf.tensor2d(rng.fillNormal(new Float32Array(32)) as Float32Array, [32, 1]);
    const loss = opt.minimize(
      () => {
        const l = tf.add(
          tf.mean(tf.squaredDifference(q1.apply(x), y)),
          tf.mean(tf.squaredDifference(q2.apply(x), y)),
        );
        return (withExtra ? tf.add(l, tf.sum(tf.square(tf.sub(extra, 1)))) : l) as tf.Scalar;
      },
      true,
      vars,
    );
    const value = loss!.dataSync()[0];
    tf.dispose([x, y, loss!]);
    return value;
  };
  return { vars, step, dispose: () => [q1, q2, extra].forEach((o) => o.dispose()) };
}

describe('Adam (flat moments)', () => {
  it('takes exactly the steps of tf.train.adam, also when a variable gets no gradient', () => {
    const ours = new Adam(3e-3, 0.9, 0.999, 1e-8);
    const theirs = tf.train.adam(3e-3, 0.9, 0.999, 1e-8);
    const a = problem(ours, 1);
    const b = problem(theirs, 1);
    const losses: number[] = [];
    for (let i = 0; i < 25; i++) {
      // Every fifth step the extra variable is not connected to the objective.
      const withExtra = i % 5 !== 4;
      const la = a.step(withExtra);
      expect(la).toBe(b.step(withExtra));
      losses.push(la);
    }
    a.vars.forEach((v, i) =>
      expect(bits(v.dataSync() as Float32Array)).toEqual(bits(b.vars[i].dataSync() as Float32Array)),
    );
    expect(losses[24]).toBeLessThan(losses[0]); // it learned something, not just agreed
    expect(ours.iterations).toBe(25);
    [a, b].forEach((p) => p.dispose());
    ours.dispose();
    theirs.dispose();
  });

  it('runs far fewer kernels per step than tf.train.adam', async () => {
    const count = async (opt: { minimize: Adam['minimize'] }) => {
      const p = problem(opt, 2);
      p.step(true);
      const info = await tf.profile(() => {
        p.step(true);
      });
      p.dispose();
      return info.kernels.length;
    };
    const ours = new Adam(1e-3);
    const theirs = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
    const [n1, n2] = [await count(ours), await count(theirs)];
    // 13 variables: 13·13 + 4 elementwise kernels against 3·13 + 15.
    expect(n2 - n1).toBeGreaterThan(100);
    ours.dispose();
    theirs.dispose();
  });

  it('refuses another variable list, and leaks no tensors', () => {
    const opt = new Adam(1e-3);
    const p = problem(opt, 3);
    p.step(true);
    const before = tf.memory().numTensors;
    p.step(true);
    p.step(false);
    expect(tf.memory().numTensors).toBe(before);
    const other = tf.variable(tf.ones([2]), true);
    expect(() => opt.minimize(() => tf.sum(other) as tf.Scalar, false, [other])).toThrow(
      /minimize got variables \[.*\] but the optimizer's state belongs to \[q1\/l0\/kernel/,
    );
    expect(() => new Adam(0)).toThrow('learning rate must be positive, got 0');
    expect(() => new Adam(1e-3, 1)).toThrow('β₁ must lie in [0, 1), got 1');
    opt.dispose();
    expect(() => p.step(true)).toThrow('the optimizer was disposed');
    other.dispose();
    p.dispose();
  });
});
