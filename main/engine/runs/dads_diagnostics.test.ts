import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { resolveRunConfig } from '../presets.ts';
import {
  collectHeldOut,
  diagnoseBatch,
  diagnoseDads,
  diagnosticEpisodes,
  regressionFeatureCount,
} from './dads_diagnostics.ts';
import { loadSkillSource, readSkillArrays, type SkillSource } from './policy_source.ts';
import { createRun, tempStore } from './test_helpers.ts';
import { trainRun } from './trainer.ts';

/** A DADS run of the point-mass preset trained for `steps` env steps, loaded as a policy source. */
async function trainedSource(steps: number, seed = 0): Promise<SkillSource> {
  await initBackend({ quiet: true });
  const store = tempStore();
  const run = createRun(store, { algo: 'dads', preset: 'point-mass', seed, totalEnvSteps: steps });
  await trainRun(run, { quiet: true });
  return loadSkillSource(run.id, { workspace: store.root });
}

/** The checkpoint's array whose name ends with `suffix`, as plain numbers. */
async function checkpointArray(source: SkillSource, suffix: string): Promise<number[]> {
  const { arrays } = await readSkillArrays(source.run.path);
  const names = Object.keys(arrays).filter((k) => k.endsWith(suffix));
  expect(names, suffix).toHaveLength(1);
  return Array.from(arrays[names[0]].data);
}

describe('DADS diagnostic on held-out episodes', () => {
  // 15 000 env steps of the quick preset: the skills have spread (at 8 000 they have not yet).
  let trained: Promise<SkillSource> | null = null;
  const trainedRun = () => (trained ??= trainedSource(15_000));
  afterAll(async () => (await trained)?.dispose());

  it('on a trained point-mass run: q extracts nats from z, and the behaviour differs by z', async () => {
    const source = await trainedRun();
    const tensors = tf.memory().numTensors;
    const report = await diagnoseDads(source, { seed: 0 });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(report).toMatchObject({
      run: source.run.id,
      env: 'point-mass',
      state_function: 'xy',
      f_dims: [0, 1],
      skill_dim: 2,
      episode_steps: 50,
      steps: 200 * 50,
      seed: 0,
    });
    expect(report.checkpoint.envSteps).toBe(15_000);
    for (const m of [report.stochastic, report.deterministic]) {
      expect(m.transitions).toBe(10_000);
      expect(m.episodes).toBe(200);
      // q beats the shuffled skills and every z-independent Gaussian by a clear margin.
      expect(m.loglik.gain_from_z).toBeGreaterThan(0.15);
      expect(m.loglik.true_z).toBeGreaterThan(m.loglik.best_constant + 0.05);
      expect(m.loglik.best_constant).toBeGreaterThanOrEqual(m.loglik.zero_predictor);
      // The displacements themselves depend on z, on episodes the fit never saw.
      expect(m.regression).toMatchObject({ features: 8, fit_episodes: 100, test_episodes: 100 });
      expect(m.regression.r2).toBeGreaterThan(0.4);
      expect(m.regression.loglik_gain).toBeGreaterThan(0.05);
      expect(m.policy.mean_abs_action_change).toBeGreaterThan(0.2);
    }
    expect(report.stochastic.actions).toBe('sample');
    expect(report.deterministic.actions).toBe('mean');
    // Reproducible from its seed; another seed draws other episodes.
    expect(await diagnoseDads(source, { seed: 0 })).toEqual(report);
    const other = await diagnoseDads(source, { seed: 1, steps: 4000 });
    expect(other.stochastic.transitions).toBe(4000);
    expect(other.stochastic.loglik.true_z).not.toBe(report.stochastic.loglik.true_z);
  });

  it('on a barely trained run: no gain from z, no z-signal in the sampled behaviour', async () => {
    const source = await trainedSource(1000);
    try {
      const report = await diagnoseDads(source, { seed: 0 });
      for (const m of [report.stochastic, report.deterministic]) {
        expect(Math.abs(m.loglik.gain_from_z)).toBeLessThan(0.01);
        expect(Math.abs(m.regression.loglik_gain)).toBeLessThan(0.01);
      }
      // The mean action of an untrained policy does move the mass by z, in tiny steps: R² is
      // scale-free, so only the sampled behaviour is asked to show none.
      expect(Math.abs(report.stochastic.regression.r2)).toBeLessThan(0.15);
    } finally {
      source.dispose();
    }
  });

  it('collects whole episodes with one z each, and its normalizer figures are the hand computation', async () => {
    const source = await trainedRun();
    // 6 episodes on the preset's 4 envs: a full wave and a partial one.
    const batch = await collectHeldOut(source, { episodes: 6, actions: 'sample', seed: 5 });
    const { obsDim } = source.env;
    expect(batch.size).toBe(6 * 50);
    expect(batch.unstableSteps).toBe(0);
    for (let r = 0; r < batch.size; r++) {
      const e = Math.floor(r / 50);
      expect(batch.episode[r]).toBe(e);
      const z = Array.from(batch.skill.subarray(r * 2, r * 2 + 2));
      for (const v of z) expect(Math.abs(v)).toBeLessThanOrEqual(1);
      expect(z).toEqual(Array.from(batch.skill.subarray(e * 100, e * 100 + 2)));
      // Consecutive rows of an episode chain: s' of one step is s of the next.
      if (r % 50 !== 49)
        expect(Array.from(batch.nextObs.subarray(r * obsDim, (r + 1) * obsDim))).toEqual(
          Array.from(batch.obs.subarray((r + 1) * obsDim, (r + 2) * obsDim)),
        );
    }
    expect(new Set(Array.from({ length: 6 }, (_, e) => batch.skill[e * 100])).size).toBe(6);
    const again = await collectHeldOut(source, { episodes: 6, actions: 'sample', seed: 5 });
    expect(again.obs).toEqual(batch.obs);
    const meanRun = await collectHeldOut(source, { episodes: 6, actions: 'mean', seed: 5 });
    expect(meanRun.skill).toEqual(batch.skill); // same skills and starts …
    expect(meanRun.obs.subarray(0, obsDim)).toEqual(batch.obs.subarray(0, obsDim));
    expect(meanRun.nextObs).not.toEqual(batch.nextObs); // … other actions

    const tensors = tf.memory().numTensors;
    const m = diagnoseBatch(source, batch, 'sample', 3);
    expect(tf.memory().numTensors).toBe(tensors);

    // By hand, in float64, from the batch and the checkpoint file: Δf = (x', y') − (x, y).
    const N = batch.size;
    const delta = Array.from({ length: N }, (_, i) =>
      [0, 1].map((j) => batch.nextObs[i * obsDim + j] - batch.obs[i * obsDim + j]),
    );
    const mean = [0, 1].map((j) => delta.reduce((s, d) => s + d[j], 0) / N);
    const variance = [0, 1].map((j) => delta.reduce((s, d) => s + (d[j] - mean[j]) ** 2, 0) / N);
    const movingMean = await checkpointArray(source, 'target_norm/moving_mean');
    const movingVar = await checkpointArray(source, 'target_norm/moving_variance');
    // Training moved the statistics from their initial 0 and 1 to the data's (≈ 2e-4 m² per step).
    expect(movingVar.every((v) => v < 0.01)).toBe(true);
    const dn = delta.map((d) => d.map((v, j) => (v - movingMean[j]) / Math.sqrt(movingVar[j] + 1e-3)));
    const meanSq = dn.reduce((s, d) => s + d[0] ** 2 + d[1] ** 2, 0) / N;
    const dnMean = [0, 1].map((j) => dn.reduce((s, d) => s + d[j], 0) / N);
    const dnVar = [0, 1].map((j) => dn.reduce((s, d) => s + (d[j] - dnMean[j]) ** 2, 0) / N);
    const close = (got: number[], want: number[], rel = 1e-4) =>
      got.forEach((g, j) =>
        expect(Math.abs(g - want[j])).toBeLessThanOrEqual(rel * Math.abs(want[j]) + 1e-9),
      );
    close(m.normalizer.batch_mean, mean);
    close(m.normalizer.batch_var, variance);
    close(m.normalizer.moving_mean, movingMean, 0);
    close(m.normalizer.moving_var, movingVar, 0);
    expect(m.normalizer.epsilon).toBe(1e-3);
    close([m.normalizer.mean_sq_norm], [meanSq]);
    close(m.normalizer.norm_var, dnVar);
    close([m.loglik.zero_predictor], [-Math.log(2 * Math.PI) - 0.5 * meanSq], 1e-6);
    close([m.loglik.best_constant], [-Math.log(2 * Math.PI) - 0.5 * (dnVar[0] + dnVar[1])], 1e-6);
    expect(m.loglik.gain_from_z).toBeCloseTo(m.loglik.true_z - m.loglik.shuffled_z, 12);
  });

  it('asks for enough episodes, and only of runs with a skill dynamics', async () => {
    const { config } = resolveRunConfig({ algo: 'dads', preset: 'point-mass' });
    expect(regressionFeatureCount(2)).toBe(8); // 1, z1, z1², z1³, z2, z2², z2³, z1·z2
    expect(regressionFeatureCount(3)).toBe(13);
    expect(diagnosticEpisodes(config, undefined)).toBe(200);
    expect(diagnosticEpisodes(config, 4000)).toBe(80);
    expect(diagnosticEpisodes(config, 4001)).toBe(81);
    expect(() => diagnosticEpisodes(config, 3999, '--steps')).toThrow(
      '--steps must be an integer ≥ 4000 (80 episodes of 50 env steps',
    );
    const ant = resolveRunConfig({ algo: 'dads', preset: 'ant-xy' }).config;
    expect(() => diagnosticEpisodes(ant, 4000)).toThrow(
      'steps must be an integer ≥ 16000 (80 episodes of 200',
    );

    await initBackend({ quiet: true });
    const store = tempStore();
    const run = createRun(store, { algo: 'diayn', preset: 'point-mass', totalEnvSteps: 500 });
    await trainRun(run, { quiet: true });
    const diayn = await loadSkillSource(run.id, { workspace: store.root });
    try {
      await expect(diagnoseDads(diayn)).rejects.toThrow(
        `run ${run.id} is a diayn run: it has no DADS skill dynamics to diagnose`,
      );
    } finally {
      diayn.dispose();
    }
  });
});
