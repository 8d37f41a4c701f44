import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../native/backend.ts';
import { createMultiGoalPointEnv } from '../sim/multi_goal_env.ts';
import { resolveRunConfig } from '../presets.ts';
import { gaussianLogProb, Reinforce, reinforceLoss, rewardToGo, type ReinforceOptions } from './reinforce.ts';
import { restoredCopy, sideBySide } from './test_helpers.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

const SMALL: ReinforceOptions = {
  seed: 4,
  numEnvs: 2,
  episodesPerTask: 1,
  hidden: [16, 16],
  activation: 'tanh',
  policyLr: 3e-3,
  baseline: 'learned',
  baselineLr: 1e-3,
  baselineIters: 3,
  gamma: 0.99,
  initLogStd: -0.5,
  normalizeAdvantages: true,
};

function small(opts: Partial<ReinforceOptions> = {}): Promise<Reinforce> {
  return Reinforce.create(
    (i) =>
      createMultiGoalPointEnv({
        numTasks: 3,
        radius: 0.3,
        reward: 'dense',
        maxEpisodeSteps: 10,
        seed: 50 + i,
      }),
    { ...SMALL, ...opts },
  );
}

describe('REINFORCE: the estimator against hand-computed values', () => {
  it('reward-to-go sums the discounted rewards from each step to the episode end', () => {
    const g = rewardToGo([1, 0, 2], 0.5);
    // G2 = 2, G1 = 0 + 0.5·2 = 1, G0 = 1 + 0.5·1 = 1.5
    expect(Array.from(g)).toEqual([1.5, 1, 2]);
    expect(Array.from(rewardToGo([-1, -1, -1], 1))).toEqual([-3, -2, -1]);
  });

  it('log N(a; μ, σ²) of a diagonal Gaussian', () => {
    const lp = tf.tidy(() =>
      gaussianLogProb(tf.tensor2d([[0.5, -1]]), tf.tensor1d([Math.log(2), 0]), tf.tensor2d([[1.5, 0]])),
    );
    // dim 0: z = (1.5 − 0.5)/2 = 0.5 → −½(0.25 + 2 log 2 + log 2π); dim 1: z = 1 → −½(1 + log 2π)
    const expected =
      -0.5 * (0.25 + 2 * Math.log(2) + Math.log(2 * Math.PI)) - 0.5 * (1 + Math.log(2 * Math.PI));
    expect(lp.dataSync()[0]).toBeCloseTo(expected, 5);
    lp.dispose();
  });

  it('the gradient of the surrogate is −(1/N) Σ Â ∇log π: in μ, (a − μ)/σ²; in log σ, z² − 1', () => {
    const mu = [
      [0.2, -0.4],
      [0.0, 0.3],
      [-0.5, 0.1],
    ];
    const a = [
      [0.7, -0.1],
      [-0.6, 0.3],
      [-0.2, 0.9],
    ];
    const logStd = [Math.log(0.5), Math.log(1.5)];
    const adv = [1.5, -0.5, 2];
    const N = 3;
    const muVar = tf.variable(tf.tensor2d(mu));
    const lsVar = tf.variable(tf.tensor1d(logStd));
    const { grads, value } = tf.variableGrads(
      () => reinforceLoss(muVar as tf.Tensor2D, lsVar as tf.Tensor1D, tf.tensor2d(a), tf.tensor1d(adv)),
      [muVar, lsVar],
    );
    const sigma = logStd.map(Math.exp);
    const dMu = mu.map((row, i) => row.map((m, j) => (-adv[i] * (a[i][j] - m)) / sigma[j] ** 2 / N));
    const dLs = sigma.map(
      (s, j) => -adv.reduce((acc, A, i) => acc + A * (((a[i][j] - mu[i][j]) / s) ** 2 - 1), 0) / N,
    );
    const gotMu = grads[muVar.name].arraySync() as number[][];
    const gotLs = grads[lsVar.name].arraySync() as number[];
    gotMu.forEach((row, i) => row.forEach((g, j) => expect(g).toBeCloseTo(dMu[i][j], 4)));
    gotLs.forEach((g, j) => expect(g).toBeCloseTo(dLs[j], 4));
    // The loss itself: −mean(Â log π).
    const lp = mu.map((row, i) =>
      row.reduce(
        (s, m, j) => s - 0.5 * (((a[i][j] - m) / sigma[j]) ** 2 + 2 * logStd[j] + Math.log(2 * Math.PI)),
        0,
      ),
    );
    expect(value.dataSync()[0]).toBeCloseTo(-lp.reduce((s, l, i) => s + l * adv[i], 0) / N, 4);
    tf.dispose([muVar, lsVar, value, ...Object.values(grads)]);
  });
});

describe('REINFORCE: iterations, checkpoints, options', () => {
  it('an iteration runs episodesPerTask episodes of every task and reports its figures', async () => {
    const algo = await small({ numEnvs: 2, episodesPerTask: 2 });
    const m = await algo.iterate();
    // 3 tasks × 2 episodes on 2 envs: 3 rounds of 10 steps each.
    expect(m.episodes).toBe(6);
    expect(algo.envSteps).toBe(60);
    for (const k of [0, 1, 2]) expect(m[`success_task${k}`]).toBeGreaterThanOrEqual(0);
    for (const key of ['policy_loss', 'value_loss', 'explained_variance', 'approx_kl', 'entropy'])
      expect(Number.isFinite(m[key])).toBe(true);
    expect(m.policy_std).toBeCloseTo(Math.exp(-0.5), 1);
    algo.dispose();
  });

  it('checkpoint round trip: a fresh instance loaded from the state continues bit-exactly', async () => {
    const a = await small();
    for (let i = 0; i < 3; i++) await a.iterate();
    const { b, state } = await restoredCopy(a, () => small());
    expect(Object.keys(state.arrays)).toContain('policy/weights/log_std');
    const run = await sideBySide(a, b, 3, (algo) => algo.evaluate(1, 5));
    expect(run.b).toEqual(run.a);
    await expect(b.loadState({ arrays: state.arrays, meta: { algo: 'sac' } })).rejects.toThrow(
      /not a reinforce state/,
    );
    a.dispose();
    b.dispose();
  });

  it('without a baseline the advantages are the reward-to-go and nothing regresses', async () => {
    const algo = await small({ baseline: 'none' });
    const m = await algo.iterate();
    expect(m.value_loss).toBe(0);
    expect(m.explained_variance).toBe(0);
    algo.dispose();
  });

  it('keeps the tensor count flat over iterations, evaluations and checkpoints', async () => {
    const algo = await small();
    await algo.iterate();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await algo.iterate();
    algo.evaluate(1, 0);
    await algo.saveState();
    algo.actDeterministic(new Float32Array(8), [0, 2]);
    expect(tf.memory().numTensors).toBe(before);
    algo.dispose();
  });

  it('runs on the point mass or the arm reach family, and refuses a circle the arm cannot reach', () => {
    expect(() => resolveRunConfig({ algo: 'reinforce', env: 'half-cheetah' })).toThrow(
      /reinforce trains on the multi-goal point mass \(env point-mass\) or the arm reach family/,
    );
    expect(() => resolveRunConfig({ algo: 'reinforce', env: 'arm', set: ['reinforce.radius=0.3'] })).toThrow(
      /reinforce.radius: on the arm the goals' circle fits the reach workspace: at most 0.15 m, got 0.3/,
    );
    expect(resolveRunConfig({ algo: 'reinforce', env: 'arm' }).config.reinforce.radius).toBeNull();
  });

  it('refuses an option out of range, naming it', async () => {
    await expect(small({ episodesPerTask: 0 })).rejects.toThrow(/episodesPerTask must be a positive integer/);
    await expect(small({ gamma: 1.5 })).rejects.toThrow(/gamma must be in \(0, 1\]/);
  });
});
