import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../native/backend.ts';
import { Rng } from '../rng.ts';
import { SacLearner, uid } from './sac.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

function learner(): SacLearner {
  return new SacLearner({
    name: `terms${uid()}`,
    inputDim: 3,
    actDim: 2,
    hidden: [8],
    lr: 1e-3,
    gamma: 0.9,
    tau: 0.05,
    rewardScale: 1,
    alphaMode: 'auto',
    alphaInit: 1,
    targetEntropy: null,
    seed: 4,
  });
}

/** Policy outputs [mean, logStd] of one row, from the public network. */
function policyRow(l: SacLearner, input: number[]): { mean: number[]; logStd: number[] } {
  const out = tf.tidy(() => [...l.policy.apply(tf.tensor2d(input, [1, 3])).dataSync()]);
  return { mean: out.slice(0, 2), logStd: out.slice(2, 4) };
}

describe('SacLearner terms for HIPI relabeling', () => {
  it('logProbOf is the tanh-Gaussian density (SAC App. C, Eq. 21) of the given action', () => {
    const l = learner();
    const rng = new Rng(1);
    const inputs = Array.from({ length: 4 }, () => [rng.normal(), rng.normal(), rng.normal()]);
    const actions = [
      [0.3, -0.6],
      [-0.99, 0.1],
      [0, 0.5],
      [0.7, 0.7],
    ];
    const got = l.logProbOf(Float32Array.from(inputs.flat()), Float32Array.from(actions.flat()));
    inputs.forEach((x, b) => {
      const { mean, logStd } = policyRow(l, x);
      let expected = 0;
      for (let i = 0; i < 2; i++) {
        const a = actions[b][i];
        const u = Math.atanh(a);
        const ls = Math.min(Math.max(logStd[i], -20), 2); // the policy's log σ bounds
        expected += -0.5 * ((u - mean[i]) / Math.exp(ls)) ** 2 - ls - 0.5 * Math.log(2 * Math.PI);
        expected -= Math.log(1 - a * a);
      }
      expect(got[b]).toBeCloseTo(expected, 3);
    });
    // Saturated actions stay finite.
    const sat = l.logProbOf(Float32Array.from(inputs[0]), Float32Array.of(1, -1));
    expect(Number.isFinite(sat[0])).toBe(true);
    l.dispose();
  });

  it('sampledQ is min(Q1, Q2) at the action the policy samples with the same generator state', () => {
    const l = learner();
    const input = Float32Array.of(0.1, -0.2, 0.3, 1, 0, -1);
    const state = l.rng.getState();
    const a = l.act(input, false);
    l.rng.setState(state);
    const before = tf.memory().numTensors;
    const q = l.sampledQ(input);
    expect(tf.memory().numTensors).toBe(before);
    const expected = tf.tidy(() => {
      const sa = tf.concat([tf.tensor2d(input, [2, 3]), tf.tensor2d(a, [2, 2])], 1);
      return [...tf.minimum(l.q1.apply(sa), l.q2.apply(sa)).dataSync()];
    });
    expect(q[0]).toBeCloseTo(expected[0], 5);
    expect(q[1]).toBeCloseTo(expected[1], 5);
    l.dispose();
  });
});
