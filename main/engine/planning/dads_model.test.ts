import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { DadsAlgorithm } from '../algos/dads.ts';
import { resolveRunConfig } from '../presets.ts';
import { Rng } from '../rng.ts';
import { dadsPartsOf, dadsSkillModel, dadsSkillPolicy } from './dads_model.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

const made: DadsAlgorithm[] = [];
afterEach(() => {
  for (const a of made.splice(0)) a.dispose();
});

/** An untrained DADS on point-mass (obs x, y, vx, vy) with the given settings. */
async function dads(set: string[] = []): Promise<DadsAlgorithm> {
  const { config } = resolveRunConfig({ algo: 'dads', preset: 'point-mass', set: ['numEnvs=1', ...set] });
  const a = await DadsAlgorithm.create(config);
  made.push(a);
  return a;
}

const values = (t: tf.Tensor) => Array.from(t.dataSync());
const Z = [
  [0.3, -0.8],
  [-1, 1],
  [0, 0.1],
];

describe('a DADS skill dynamics as the planning model', () => {
  it('predicts the mixture mean of Δf with the target normalization undone (predict_state)', async () => {
    const algo = await dads();
    const dyn = algo.dynamics;
    const [mm, mv] = dyn.targetNorm.stateVariables;
    mm.assign(tf.tensor1d([0.1, -0.2]));
    mv.assign(tf.tensor1d([0.04, 0.09]));
    const model = dadsSkillModel(dadsPartsOf(algo));
    expect(model.stateless).toBe(true);
    const z = tf.tensor2d(Z);
    const got = values(tf.tidy(() => model.meanDelta(null, z, null)));
    // Σ_k softmax(logits)_k·means_k from the raw network, then × √(σ² + 1e-3) + μ.
    const out = dyn.net.apply(z).arraySync() as number[][];
    const K = dyn.components;
    const expected = out.flatMap((row) => {
      const logits = row.slice(0, K);
      const m = Math.max(...logits);
      const w = logits.map((l) => Math.exp(l - m));
      const sw = w.reduce((a, b) => a + b, 0);
      return [0, 1].map((j) => {
        const mix = w.reduce((acc, wk, k) => acc + (wk / sw) * row[K + k * 2 + j], 0);
        return mix * Math.sqrt([0.04, 0.09][j] + 1e-3) + [0.1, -0.2][j];
      });
    });
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    tf.dispose(z);
  });

  it('f = x-y with a state input: the state is held at the replan observation', async () => {
    const algo = await dads(['dads.dynamicsInput=obs-without-coords']);
    const model = dadsSkillModel(dadsPartsOf(algo));
    expect(model.stateless).toBe(false);
    const z = tf.tensor2d(Z);
    const f = tf.tensor2d([
      [0.1, 0.2],
      [0.5, -0.5],
      [0, 0],
    ]);
    const obs = tf.tensor1d([0.1, 0.2, 0.3, -0.25]);
    const got = values(tf.tidy(() => model.meanDelta(f, z, obs)));
    const held = tf.tensor2d([
      [0.3, -0.25],
      [0.3, -0.25],
      [0.3, -0.25],
    ]);
    expect(got).toEqual(values(tf.tidy(() => algo.dynamics.meanDelta(held, z))));
    tf.dispose([z, f, obs, held]);
  });

  it('f covering the state input (full-without-xy): the state evolves with the predicted f', async () => {
    const algo = await dads(['dads.dynamicsInput=obs-without-coords', 'stateFunction=full-without-xy']);
    const model = dadsSkillModel(dadsPartsOf(algo));
    const z = tf.tensor2d(Z);
    const f = tf.tensor2d([
      [0.3, -0.25],
      [1, 0],
      [-0.4, 0.2],
    ]);
    const a = values(tf.tidy(() => model.meanDelta(f, z, tf.tensor1d([0, 0, 9, 9]))));
    const b = values(tf.tidy(() => model.meanDelta(f, z, tf.tensor1d([5, 5, -9, 0]))));
    expect(a).toEqual(b);
    expect(a).toEqual(values(tf.tidy(() => algo.dynamics.meanDelta(f, z))));
    tf.dispose([z, f]);
  });

  it('the policy: mean actions as evaluation takes them, or samples from its own generator', async () => {
    const algo = await dads();
    const obs = Float32Array.from([0, 0, 0.1, -0.2, 0.3, 0.3, 0, 0, 0, 0, 0, 0]);
    const z = Float32Array.from(Z.flat());
    expect(dadsSkillPolicy(dadsPartsOf(algo), 'mean', new Rng(1)).act(obs, z)).toEqual(
      algo.actDeterministic(obs, z),
    );
    const learnerRng = algo.learner.rng.getState();
    const before = tf.memory().numTensors;
    const a = dadsSkillPolicy(dadsPartsOf(algo), 'sample', new Rng(1)).act(obs, z);
    const b = dadsSkillPolicy(dadsPartsOf(algo), 'sample', new Rng(1)).act(obs, z);
    expect(tf.memory().numTensors).toBe(before);
    expect(a).toEqual(b);
    expect(a).not.toEqual(algo.actDeterministic(obs, z));
    expect(a.every((v) => v > -1 && v < 1)).toBe(true);
    // The run's own noise stream is left where its checkpoint put it.
    expect(algo.learner.rng.getState()).toEqual(learnerRng);
  });
});
