import * as tf from '@tensorflow/tfjs-core';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { initBackend } from '../../../native/backend.ts';
import { createAlgorithm } from '../algos/index.ts';
import type { DadsAlgorithm } from '../algos/dads.ts';
import type { DiaynAlgorithm } from '../algos/diayn.ts';
import type { SkillEmbeddingAlgorithm } from '../algos/skill_embedding_run.ts';
import type { LatentPolicyInput } from '../algos/skills.ts';
import { Rng } from '../rng.ts';
import { readCheckpoint } from './checkpoints.ts';
import { loadSkillSource } from './policy_source.ts';
import { createRun, tempStore } from './test_helpers.ts';
import { trainRun } from './trainer.ts';

/** A few iterations of a skill run on the point mass, with two checkpoints on disk. */
const small = (algo: 'diayn' | 'dads') => ({
  algo,
  preset: 'point-mass',
  seed: 3,
  totalEnvSteps: 1500,
  set: ['checkpointEvery=1', 'sac.learningStarts=0'],
});

/** Rows of random observations and skills for comparing frozen and live networks. */
function probe(obsDim: number, skillDim: number, B = 16): { obs: Float32Array; z: Float32Array } {
  const rng = new Rng(11);
  return {
    obs: rng.fillUniform(new Float32Array(B * obsDim), -1, 1) as Float32Array,
    z: rng.fillUniform(new Float32Array(B * skillDim), -1, 1) as Float32Array,
  };
}

describe('policy source: a run’s frozen skill parts from its checkpoint', () => {
  it('gives a DADS run’s policy and skill dynamics exactly as the trained algorithm has them', async () => {
    await initBackend({ quiet: true });
    const store = tempStore();
    const run = createRun(store, small('dads'));
    await trainRun(run, { quiet: true });
    const live = (await createAlgorithm(run.readConfig(), run.path)) as DadsAlgorithm;
    await readCheckpoint(run, live);
    const tensors = tf.memory().numTensors;
    const source = await loadSkillSource(run.id, { workspace: store.root });
    try {
      expect(source.algo).toBe('dads');
      expect(source.skills).toEqual({ kind: 'continuous', dim: 2 });
      expect(source.discriminator).toBeNull();
      expect(source.checkpoint).toMatchObject({
        file: run.checkpointPath,
        iteration: live.iteration,
        envSteps: live.envSteps,
        fallback: null,
        sha256: createHash('sha256').update(readFileSync(run.checkpointPath)).digest('hex'),
      });
      const { obs, z } = probe(source.env.obsDim, 2);
      expect(source.policy.act(obs, z, 'mean')).toEqual(live.actDeterministic(obs, z));
      const dyn = source.skillDynamics!;
      const zt = tf.tensor2d(z, [16, 2]);
      const frozen = dyn.meanDelta(null, zt);
      const trained = live.dynamics.meanDelta(null, zt);
      expect(Array.from(frozen.dataSync())).toEqual(Array.from(trained.dataSync()));
      tf.dispose([zt, frozen, trained]);
      // Sampled actions come from the caller's generator: the same seed, the same actions.
      expect(source.policy.act(obs, z, 'sample', new Rng(4))).toEqual(
        source.policy.act(obs, z, 'sample', new Rng(4)),
      );
      expect(() => source.policy.act(obs, z, 'sample')).toThrow(/needs a random generator/);
    } finally {
      source.dispose();
      // Everything the source built is freed with it (the live algorithm's tensors remain).
      expect(tf.memory().numTensors).toBe(tensors);
      live.dispose();
    }
  });

  it('gives a DIAYN run’s policy and discriminator exactly as the trained algorithm has them', async () => {
    await initBackend({ quiet: true });
    const store = tempStore();
    const run = createRun(store, small('diayn'));
    await trainRun(run, { quiet: true });
    const live = (await createAlgorithm(run.readConfig(), run.path)) as DiaynAlgorithm;
    await readCheckpoint(run, live);
    const source = await loadSkillSource(run.id, { workspace: store.root, accept: ['diayn'] });
    try {
      const skills = live.numSkills;
      expect(source.skills).toEqual({ kind: 'discrete', count: skills });
      expect(source.skillDynamics).toBeNull();
      const { obs } = probe(source.env.obsDim, skills);
      const oneHot = new Float32Array(16 * skills);
      for (let b = 0; b < 16; b++) oneHot[b * skills + (b % skills)] = 1;
      expect(source.policy.act(obs, oneHot, 'mean')).toEqual(live.actDeterministic(obs, oneHot));
      const fs = source.f.apply(obs, source.env.obsDim);
      const x = tf.tensor2d(fs, [16, source.f.dims.length]);
      const a = source.discriminator!.apply(x);
      const b = live.discriminator.apply(x);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      tf.dispose([x, a, b]);
    } finally {
      source.dispose();
      live.dispose();
    }
  });

  it('gives a skill-embedding run’s π(a|s,z) over normalized observations, steered by c ∈ [−1, 1]^d through the box of its task embeddings', async () => {
    await initBackend({ quiet: true });
    const store = tempStore();
    const run = createRun(store, {
      algo: 'skill-embedding',
      preset: 'regions',
      seed: 3,
      totalEnvSteps: 600,
      set: [
        'checkpointEvery=1',
        'sac.learningStarts=0',
        'sac.hidden=[16,16]',
        'embedding.inferenceHidden=[16]',
      ],
    });
    await trainRun(run, { quiet: true });
    const live = (await createAlgorithm(run.readConfig(), run.path)) as SkillEmbeddingAlgorithm;
    await readCheckpoint(run, live);
    const source = await loadSkillSource(run.id, { workspace: store.root, accept: ['skill-embedding'] });
    try {
      expect(source.skills).toEqual({ kind: 'continuous', dim: 2 });
      const embeddings = live.inner.taskEmbeddings();
      const input = source.policy.input as LatentPolicyInput;
      for (let j = 0; j < 2; j++) {
        const means = embeddings.map((e) => e.mean[j]);
        const [lo, hi] = [Math.min(...means), Math.max(...means)];
        const sigma = Math.max(...embeddings.map((e) => e.std[j]));
        expect(input.center[j]).toBeCloseTo((lo + hi) / 2, 5);
        expect(input.scale[j]).toBeCloseTo((hi - lo) / 2 + 2 * sigma, 5);
      }
      const { obs, z: c } = probe(source.env.obsDim, 2);
      // The frozen policy at c acts as the trained one at z = center + scale ⊙ c.
      expect(source.policy.act(obs, c, 'mean')).toEqual(live.inner.actDeterministic(obs, input.latentOf(c)));
    } finally {
      source.dispose();
      live.dispose();
    }
    await expect(loadSkillSource(run.id, { workspace: store.root })).rejects.toThrow(
      `run ${run.id} is a skill-embedding run; this needs a run of diayn or dads`,
    );
  });

  it('refuses a run of another algorithm, a run without a checkpoint and unreadable checkpoints, naming them', async () => {
    await initBackend({ quiet: true });
    const store = tempStore();
    const untrained = createRun(store, small('dads'));
    await expect(loadSkillSource(untrained.id, { workspace: store.root })).rejects.toThrow(
      `run ${untrained.id} has no checkpoint yet (${untrained.checkpointPath} is missing): train it first`,
    );
    const diayn = createRun(store, small('diayn'));
    await expect(
      loadSkillSource(diayn.id, { workspace: store.root, accept: ['dads'], purpose: 'planning' }),
    ).rejects.toThrow(`run ${diayn.id} is a diayn run; planning needs a run of dads`);
    const goal = createRun(store, { algo: 'goal-sac', preset: 'bit-flip', seed: 0 });
    await expect(loadSkillSource(goal.id, { workspace: store.root })).rejects.toThrow(
      `run ${goal.id} is a goal-sac run; this needs a run of diayn or dads`,
    );
    await expect(loadSkillSource('no-such-run', { workspace: store.root })).rejects.toThrow(
      /No run "no-such-run"/,
    );

    // A damaged latest checkpoint: the previous one is loaded, with a warning naming the file.
    const run = createRun(store, small('dads'));
    await trainRun(run, { quiet: true });
    const bytes = readFileSync(run.checkpointPath);
    bytes[bytes.length - 5] ^= 0xff;
    writeFileSync(run.checkpointPath, bytes);
    const warnings: string[] = [];
    const source = await loadSkillSource(run.id, {
      workspace: store.root,
      onWarning: (m) => warnings.push(m),
    });
    expect(source.checkpoint.file).toBe(run.previousCheckpointPath);
    expect(source.checkpoint.fallback).toMatch(/checksum mismatch/);
    expect(warnings).toEqual([
      expect.stringContaining(`using the previous checkpoint ${run.previousCheckpointPath}`),
    ]);
    source.dispose();
    // Both unreadable: an error naming both files.
    copyFileSync(run.checkpointPath, run.previousCheckpointPath);
    await expect(loadSkillSource(run.id, { workspace: store.root })).rejects.toThrow(
      new RegExp(`${run.path}: no readable checkpoint — .*checkpoint\\.bin.*checkpoint\\.prev\\.bin`),
    );
    rmSync(run.previousCheckpointPath);
  });
});
