import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../native/backend.ts';
import { circleGoals, createMultiGoalPointEnv } from '../sim/multi_goal_env.ts';
import {
  embeddingMetrics,
  gaussianKl,
  SkillEmbedding,
  type SkillEmbeddingOptions,
} from './skill_embedding.ts';
import { bernoulliEntropy, bernoulliKl } from './embedding_stats.ts';
import { resolveRunConfig } from '../presets.ts';
import { SkillEmbeddingAlgorithm } from './skill_embedding_run.ts';
import { restoredCopy, sideBySide, SMALL_OPTIONS } from './test_helpers.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

/** 2 envs × one 50-step episode per iteration; two tasks over four regions, two solutions each. */
function small(overrides: Partial<SkillEmbeddingOptions> = {}): Promise<SkillEmbedding> {
  return SkillEmbedding.create(
    (i) =>
      createMultiGoalPointEnv({
        seed: 30 + i,
        goals: circleGoals(4, 0.25),
        subsets: [
          [0, 1],
          [2, 3],
        ],
      }),
    {
      ...SMALL_OPTIONS,
      learningStarts: 150,
      replayCapacity: 1000,
      latentDim: 2,
      window: 3,
      inferenceHidden: [16],
      ...overrides,
    },
  );
}

describe('SkillEmbedding: the objective’s terms by hand', () => {
  it('adds α2·log q, clipped to ±logQClip, to the task reward', async () => {
    const algo = await small({ alphaInference: 0.5, logQClip: 3 });
    try {
      const { logQ, reward } = algo.augmentedReward(Float32Array.of(-1, 0, -1), Float32Array.of(-5, 1.2, 4));
      expect([...logQ]).toEqual([-3, Math.fround(1.2), 3]);
      expect([...reward].map((v) => +v.toFixed(5))).toEqual([-2.5, 0.6, 0.5]);
    } finally {
      algo.dispose();
    }
  });

  it('log q is the diagonal Gaussian density of the inference head: a constant head (μ, log σ) by hand', async () => {
    const algo = await small();
    try {
      // Zero every weight but the output bias: the head is [μ0, μ1, log σ0, log σ1] for any window.
      const vars = algo.inference.variables;
      vars.forEach((v) => v.assign(tf.zerosLike(v)));
      vars[vars.length - 1].assign(tf.tensor1d([0.5, -1, Math.log(0.2), Math.log(2)]));
      const width = algo.inference.inputDim;
      const window = new Float32Array(2 * width).fill(0.3);
      const latent = Float32Array.of(0.5, -1, 0.9, 1);
      const logN = (x: number, m: number, s: number) =>
        -((x - m) ** 2) / (2 * s * s) - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
      const expected = [logN(0.5, 0.5, 0.2) + logN(-1, -1, 2), logN(0.9, 0.5, 0.2) + logN(1, -1, 2)];
      const got = algo.inferenceLogQ(window, latent);
      expected.forEach((e, b) => expect(got[b]).toBeCloseTo(e, 4));
    } finally {
      algo.dispose();
    }
  });

  it('embedding entropies and KLs between task embeddings follow the Gaussian formulas', () => {
    const p = { mean: Float32Array.of(0, 0), std: Float32Array.of(1, 1) };
    const q = { mean: Float32Array.of(1, 0), std: Float32Array.of(2, 1) };
    // KL(p‖q) = log 2 + (1 + 1)/8 − ½ (first dim) + 0; KL(q‖p) = −log 2 + (4 + 1)/2 − ½
    expect(gaussianKl(p, q)).toBeCloseTo(Math.log(2) + 0.25 - 0.5, 6);
    expect(gaussianKl(q, p)).toBeCloseTo(-Math.log(2) + 2, 6);
    const m = embeddingMetrics([p, q]);
    expect(m.embedding_entropy_t0).toBeCloseTo(Math.log(2 * Math.PI * Math.E), 6);
    expect(m.embedding_entropy_t1).toBeCloseTo(Math.log(2 * Math.PI * Math.E) + Math.log(2), 6);
    expect(m.embedding_kl_min).toBeCloseTo(Math.log(2) - 0.25, 6);
    expect(m.embedding_kl_mean).toBeCloseTo((Math.log(2) - 0.25 + 2 - Math.log(2)) / 2, 6);
    expect([m.embedding_mean_t1_0, m.embedding_std_t1]).toEqual([1, 1.5]);
  });
});

describe('SkillEmbedding: training', () => {
  it('trains π, Q, q and the embedding: the policy never reads the task, the embedding moves, the terms are logged', async () => {
    const algo = await small();
    try {
      const before = algo.taskEmbeddings();
      await algo.iterate(); // warm-up
      const m = await algo.iterate();
      expect(m.updates).toBe(SMALL_OPTIONS.updatesPerIteration);
      for (const key of [
        'reward_env',
        'reward_inference',
        'reward_entropy',
        'inference_loss',
        'inference_rmse',
        'inference_task_accuracy',
        'embedding_kl_min',
        'embedding_entropy_t1',
        'aux_actor_loss',
      ])
        expect(Number.isFinite(m[key]), key).toBe(true);
      const after = algo.taskEmbeddings();
      expect(after[0].mean).not.toEqual(before[0].mean);
      expect(after[1].std).not.toEqual(before[1].std);
      // π(a | s, z): rows that differ only in the task block get the same action
      const obs = Float32Array.of(0.1, -0.2, 0.3, 0, 0.1, -0.2, 0.3, 0);
      const z = Float32Array.of(0.4, -0.4, 0.4, -0.4);
      const a0 = algo.learner.act(algo.inputs(obs, z, [0, 1]), true);
      expect(a0.subarray(0, 2)).toEqual(a0.subarray(2, 4));
    } finally {
      algo.dispose();
    }
  });

  it('continues bit-exactly from a checkpoint (embedding, inference network, replay with z, generators)', async () => {
    const a = await small();
    try {
      for (let i = 0; i < 3; i++) await a.iterate();
      const { b, state } = await restoredCopy(a, () => small());
      try {
        expect(Object.keys(state.arrays).some((k) => k.includes('aux/embedding/mean'))).toBe(true);
        expect(Object.keys(state.arrays).some((k) => k.startsWith('inference/'))).toBe(true);
        const out = await sideBySide(a, b, 2, (x) => [x.taskEmbeddings(), x.evaluate(1, 5)]);
        expect(out.b).toEqual(out.a);
      } finally {
        b.dispose();
      }
    } finally {
      a.dispose();
    }
  });

  it('interpolates between two tasks’ embedding means from one start: only z differs', async () => {
    const a = await small();
    try {
      await a.iterate();
      const [m0, m1] = a.taskEmbeddings().map((e) => Array.from(e.mean));
      const out = a.interpolate(0, 1, [0, 0.5, 1], 7);
      expect(out.map((r) => r.alpha)).toEqual([0, 0.5, 1]);
      out[0].z.forEach((v, j) => expect(v).toBeCloseTo(m0[j], 6));
      out[2].z.forEach((v, j) => expect(v).toBeCloseTo(m1[j], 6));
      out[1].z.forEach((v, j) => expect(v).toBeCloseTo((m0[j] + m1[j]) / 2, 6));
      for (const r of out) {
        expect(r.observations[0]).toEqual(out[0].observations[0]);
        expect(r.achieved).toHaveLength(r.observations.length);
      }
      // Another z, another behaviour.
      expect(out[2].achieved.at(-1)).not.toEqual(out[0].achieved.at(-1));
      expect(() => a.interpolate(0, 9, [0], 1)).toThrow(/task 9 is not one of 0 … 1/);
    } finally {
      a.dispose();
    }
  });

  it('embedding.meanBound b keeps every task mean inside ±b: μ = b·tanh(u / b) of its parameters', async () => {
    const { config } = resolveRunConfig({
      algo: 'skill-embedding',
      preset: 'regions',
      set: ['embedding.meanBound=0.5', 'numEnvs=1'],
    });
    const run = await SkillEmbeddingAlgorithm.create(config);
    try {
      expect(run.inner.options.embeddingMeanBound).toBe(0.5);
      const u = run.inner.embedding.mean;
      const raw = Array.from(u.dataSync());
      run.inner
        .taskEmbeddings()
        .forEach((e, k) =>
          e.mean.forEach((m, j) => expect(m).toBeCloseTo(0.5 * Math.tanh(raw[k * 2 + j] / 0.5), 6)),
        );
      // Parameters far out (where an unbounded embedding drifted on the arm) still give |μ| < b.
      u.assign(tf.fill(u.shape, 40));
      for (const e of run.inner.taskEmbeddings()) for (const m of e.mean) expect(m).toBeCloseTo(0.5, 6);
      expect(Array.from(run.inner.taskLatent(0))).toEqual(Array.from(run.inner.taskEmbeddings()[0].mean));
    } finally {
      run.dispose();
    }
  });

  it('refuses options out of range, naming them', async () => {
    await expect(small({ latentDim: 0 })).rejects.toThrow(
      /skill embedding: latentDim must be a positive integer, got 0/,
    );
    await expect(small({ embeddingInitStd: 2, embeddingMaxStd: 1 })).rejects.toThrow(
      /embeddingInitStd must be at most embeddingMaxStd \(1\), got 2/,
    );
  });
});

describe('SkillEmbedding: the Bernoulli embedding (the paper’s didactic comparison)', () => {
  it('a run config’s embedding.distribution and concreteTemperature reach the algorithm', async () => {
    const { config } = resolveRunConfig({
      algo: 'skill-embedding',
      preset: 'regions',
      set: ['embedding.distribution=bernoulli', 'embedding.concreteTemperature=0.4', 'numEnvs=1'],
    });
    const run = await SkillEmbeddingAlgorithm.create(config);
    try {
      expect(run.inner.options.distribution).toBe('bernoulli');
      expect(run.inner.options.concreteTemperature).toBe(0.4);
      for (const p of run.inner.taskEmbeddings()[0].mean) expect(p).toBeGreaterThan(0);
    } finally {
      run.dispose();
    }
  });

  it('entropy and KL of Bernoulli embeddings by hand', () => {
    const p = { mean: Float32Array.of(0.5, 1), std: Float32Array.of(0.5, 0) };
    const q = { mean: Float32Array.of(0.25, 1), std: Float32Array.of(Math.sqrt(0.1875), 0) };
    expect(bernoulliEntropy(p.mean)).toBeCloseTo(Math.log(2), 6);
    // KL(0.5 ‖ 0.25) = ½ log(0.5/0.25) + ½ log(0.5/0.75) = ½ log(4/3); the certain dimension adds 0.
    expect(bernoulliKl(p.mean, q.mean)).toBeCloseTo(0.5 * Math.log(4 / 3), 5);
    const m = embeddingMetrics([p, q], 'bernoulli');
    expect(m.embedding_entropy_t1).toBeCloseTo(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), 6);
    expect(m.embedding_kl_min).toBeCloseTo(Math.min(0.5 * Math.log(4 / 3), bernoulliKl(q.mean, p.mean)), 5);
  });

  it('draws binary z, evaluates at the mode, and log q is the Bernoulli mass of a constant logit head', async () => {
    const algo = await small({ distribution: 'bernoulli' });
    try {
      const { Rng } = await import('../rng.ts');
      const rng = new Rng(4);
      for (let i = 0; i < 20; i++) for (const v of algo.sampleLatent(i % 2, rng)) expect([0, 1]).toContain(v);
      const [e0] = algo.taskEmbeddings();
      expect(Array.from(algo.taskLatent(0))).toEqual(Array.from(e0.mean, (p) => (p > 0.5 ? 1 : 0)));
      e0.mean.forEach((p, j) => expect(e0.std[j]).toBeCloseTo(Math.sqrt(p * (1 - p)), 6));
      // Head logits (0.5, −1) for any window: log q(z) = Σ z log σ(o) + (1 − z) log σ(−o).
      const vars = algo.inference.variables;
      vars.forEach((v) => v.assign(tf.zerosLike(v)));
      vars[vars.length - 1].assign(tf.tensor1d([0.5, -1, 7, 7]));
      const window = new Float32Array(2 * algo.inference.inputDim).fill(0.3);
      const logSig = (x: number) => -Math.log1p(Math.exp(-x));
      const got = algo.inferenceLogQ(window, Float32Array.of(1, 0, 0, 1));
      expect(got[0]).toBeCloseTo(logSig(0.5) + logSig(1), 5);
      expect(got[1]).toBeCloseTo(logSig(-0.5) + logSig(-1), 5);
      // Training moves the logits through the relaxed z̃ and the entropy term; it resumes bit-exactly.
      const before = Array.from(algo.taskEmbeddings()[1].mean);
      await algo.iterate();
      const m = await algo.iterate();
      expect(Number.isFinite(m.embedding_kl_min)).toBe(true);
      expect(Array.from(algo.taskEmbeddings()[1].mean)).not.toEqual(before);
      const { b } = await restoredCopy(algo, () => small({ distribution: 'bernoulli' }));
      try {
        const out = await sideBySide(algo, b, 1, (x) => [x.taskEmbeddings(), x.evaluate(1, 5)]);
        expect(out.b).toEqual(out.a);
      } finally {
        b.dispose();
      }
    } finally {
      algo.dispose();
    }
  });
});

describe('SkillEmbedding: Retrace (the paper’s §5)', () => {
  it('stores the behaviour’s log μ, learns from sequences, and resumes bit-exactly', async () => {
    const opts = { criticTarget: 'retrace', retraceSteps: 4 } as const;
    const a = await small(opts);
    try {
      await a.iterate(); // the warm-up: uniform actions on [−1, 1]², log μ = −2 log 2
      const warm = a.replay.all();
      for (const v of warm.info.behaviour_logp) expect(v).toBeCloseTo(-2 * Math.log(2), 6);
      await a.iterate();
      // A copy of the policy that will act next: the logs it stores are that policy's log π.
      const { b } = await restoredCopy(a, () => small(opts));
      try {
        const m = await a.iterate();
        expect(Number.isFinite(m.critic_loss)).toBe(true);
        const all = a.replay.all();
        const fresh = 2 * 50; // 2 envs × one 50-step episode
        const from = all.size - fresh;
        const rows = (x: Float32Array, w: number) => x.slice(from * w, all.size * w);
        const latent = new Float32Array(fresh * 2);
        for (let r = 0; r < fresh; r++)
          for (let j = 0; j < 2; j++) latent[r * 2 + j] = all.info[`z${j}`][from + r];
        const expected = b.learner.logProbOf(
          b.inputs(rows(all.observation, b.obsDim), latent, all.info.task.slice(from)),
          rows(all.action, 2),
        );
        const stored = all.info.behaviour_logp.slice(from);
        expected.forEach((v, r) => expect(stored[r]).toBeCloseTo(v, 4));
        // Sequences of a sampled batch: step k + 1 continues step k within an episode of 50 steps.
        const seq = a.sequenceOf(Int32Array.of(all.slot[from], all.slot[from + 48]));
        expect(Array.from(seq.continues)).toEqual([1, 1, 1, 0, 1, 0, 0, 0]);
        const c = await restoredCopy(a, () => small(opts));
        try {
          const out = await sideBySide(a, c.b, 2, (x) => [x.taskEmbeddings(), x.evaluate(1, 5)]);
          expect(out.b).toEqual(out.a);
        } finally {
          c.b.dispose();
        }
      } finally {
        b.dispose();
      }
    } finally {
      a.dispose();
    }
  });

  it('refuses Retrace settings out of range', async () => {
    await expect(small({ criticTarget: 'retrace', retraceLambda: 2 })).rejects.toThrow(
      /retraceLambda must be a number in \[0, 1\], got 2/,
    );
  });
});
