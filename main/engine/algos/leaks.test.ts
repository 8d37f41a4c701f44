import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../native/backend.ts';
import { SacLearner } from './sac.ts';
import { createAlgorithm } from './index.ts';
import { resolveRunConfig } from '../presets.ts';
import { Rng } from '../rng.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('no tensor leaks', () => {
  it('SAC: a learner built and disposed leaves no tensor behind (log α included)', () => {
    const make = (alphaMode: 'auto' | 'fixed') =>
      new SacLearner({
        name: 'built',
        inputDim: 3,
        actDim: 2,
        hidden: [8],
        lr: 1e-3,
        gamma: 0.9,
        tau: 0.1,
        rewardScale: 1,
        alphaMode,
        alphaInit: 0.5,
        targetEntropy: null,
        seed: 1,
      });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      make('auto').dispose();
      make('fixed').dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('SAC: 1,000 updates and actions keep the tensor count flat', () => {
    const learner = new SacLearner({
      name: 'leak',
      inputDim: 4,
      actDim: 2,
      hidden: [16, 16],
      lr: 1e-3,
      gamma: 0.99,
      tau: 0.01,
      rewardScale: 1,
      alphaMode: 'auto',
      alphaInit: 1,
      targetEntropy: null,
      seed: 0,
    });
    const rng = new Rng(0);
    const B = 32;
    const mk = (n: number) => rng.fillUniform(new Float32Array(n), -1, 1) as Float32Array;
    const batch = {
      size: B,
      input: mk(B * 4),
      action: mk(B * 2),
      reward: mk(B),
      nextInput: mk(B * 4),
      terminated: new Float32Array(B),
    };
    for (let i = 0; i < 10; i++) learner.update(batch);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) {
      learner.update(batch);
      learner.act(batch.input, i % 2 === 0);
    }
    expect(tf.memory().numTensors).toBe(before);
    learner.dispose();
  });

  it.each(['diayn', 'dads', 'sac'] as const)('%s: iterations keep the tensor count flat', async (algo) => {
    const { config } = resolveRunConfig({
      algo,
      preset: 'point-mass',
      set: [
        'stepsPerIteration=100',
        'updatesPerIteration=5',
        'sac.learningStarts=0',
        'diayn.discriminatorSteps=5',
        'dads.dynamicsSteps=5',
      ],
    });
    const a = await createAlgorithm(config);
    await a.iterate();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await a.iterate();
    await a.saveState();
    a.actDeterministic(new Float32Array(4 * 4), new Float32Array(4 * a.evaluationSkills()[0].z.length));
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
  });
});
