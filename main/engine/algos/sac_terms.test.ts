import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../native/backend.ts';
import { Rng } from '../rng.ts';
import { SacLearner, uid } from './sac.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

function learner(actionL2 = 0): SacLearner {
  return new SacLearner({
    actionL2,
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

describe('SacLearner action_l2 (baselines HER)', () => {
  const rng = new Rng(7);
  const B = 16;
  const batch = {
    size: B,
    input: Float32Array.from({ length: B * 3 }, () => rng.normal()),
    action: Float32Array.from({ length: B * 2 }, () => rng.uniformRange(-1, 1)),
    reward: new Float32Array(B),
    nextInput: Float32Array.from({ length: B * 3 }, () => rng.normal()),
    terminated: new Float32Array(B),
  };
  const meanSquaredAction = (l: SacLearner) => {
    let sum = 0;
    for (let b = 0; b < B; b++)
      for (const m of policyRow(l, [...batch.input.subarray(3 * b, 3 * b + 3)]).mean)
        sum += Math.tanh(m) ** 2;
    return sum / (2 * B);
  };

  it('adds weight × mean tanh(μ)² to the actor loss, all else equal', () => {
    const [plain, penalized] = [learner(0), learner(2.5)];
    const penalty = 2.5 * meanSquaredAction(penalized); // same seed: same networks before the update
    const a = plain.update(batch);
    const b = penalized.update(batch);
    expect(b.critic_loss).toBeCloseTo(a.critic_loss, 6);
    expect(b.actor_loss - a.actor_loss).toBeCloseTo(penalty, 4);
    plain.dispose();
    penalized.dispose();
  });

  it('pulls the mean action toward zero where the reward says nothing', () => {
    const [plain, penalized] = [learner(0), learner(10)];
    for (let i = 0; i < 200; i++) {
      plain.update(batch);
      penalized.update(batch);
    }
    expect(meanSquaredAction(penalized)).toBeLessThan(0.5 * meanSquaredAction(plain));
    plain.dispose();
    penalized.dispose();
  });
});
