import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { Rng } from '../rng.ts';
import { loadSkillSource, type SkillSource } from '../runs/policy_source.ts';
import { tempStore, untrainedSkillRun } from '../runs/test_helpers.ts';
import { createEnv } from '../sim/envs.ts';
import { DiscreteSacLearner } from './discrete_sac.ts';
import { decodeSkill, SkillSteps, type SkillStepsOptions } from './skill_env.ts';
import { XyGoalTask } from './skill_task_envs.ts';

/** Skill envs of `n` point-mass envs built with `envOptions` (the goal), as a controller builds them. */
function xySteps(
  name: 'point-mass',
  n: number,
  envOptions: { goal: [number, number] },
  ...rest: Parameters<typeof SkillSteps.build> extends [unknown, unknown, ...infer R] ? R : never
): Promise<SkillSteps> {
  return SkillSteps.build(async () => new XyGoalTask(await createEnv(name, envOptions)), n, ...rest);
}

/** The frozen policy of an untrained DADS (or DIAYN) point-mass run: real networks, fixed weights. */
async function source(algo: 'dads' | 'diayn'): Promise<SkillSource> {
  const store = tempStore();
  const run = await untrainedSkillRun(store, { algo, preset: 'point-mass', seed: 5 });
  return loadSkillSource(run.id, { workspace: store.root });
}

const MEAN: SkillStepsOptions = { hold: 10, actions: 'mean', stopAtGoal: false };

describe('skill envs: one high-level step holds a skill for H_Z env steps of the frozen policy', () => {
  it('acts as the frozen policy would in the env, sums the goal rewards and ends with the env’s episode', async () => {
    await initBackend({ quiet: true });
    const src = await source('dads');
    const goal: [number, number] = [0.3, -0.2];
    // One env, so the policy sees the same batch as by hand (batched products may round differently).
    const steps = await xySteps('point-mass', 1, { goal }, src.policy, src.skills, MEAN, 7);
    const env = await createEnv('point-mass', { goal });
    try {
      expect([steps.obsDim, steps.actDim]).toEqual([6, 2]);
      const first = steps.reset();
      let obs = env.reset({ seed: 7 }).obs;
      // The env's observation, then g − (x, y).
      expect(Array.from(first.subarray(0, 4))).toEqual(Array.from(obs));
      expect(first[4]).toBeCloseTo(goal[0] - obs[0], 6);
      expect(first[5]).toBeCloseTo(goal[1] - obs[1], 6);

      const z = Float32Array.from([1, -0.4]);
      for (let decision = 1; decision <= 5; decision++) {
        // By hand: ten steps of the policy's mean action with z; out-of-range actions are clipped.
        let reward = 0;
        for (let k = 0; k < 10; k++) {
          const r = env.step(src.policy.act(obs, z, 'mean'));
          reward += r.reward;
          obs = r.obs;
        }
        const out = steps.step(Float32Array.from([3, -0.4]));
        expect(Array.from(out.obs.subarray(0, 4))).toEqual(Array.from(obs));
        expect(out.reward[0]).toBeCloseTo(reward, 4);
        expect(out.infos[0].envSteps).toBe(10);
        expect(out.infos[0].goalDistance).toBeCloseTo(Math.hypot(obs[0] - 0.3, obs[1] + 0.2), 6);
        expect(steps.envSteps).toBe(10 * decision);
        // The env's 50-step episode is five decisions: then truncated, not terminated.
        expect([out.truncated[0], out.terminated[0]]).toEqual(decision === 5 ? [1, 0] : [0, 0]);
      }
      expect(() => steps.step(new Float32Array(2))).toThrow(/env 0 ended its episode; call resetEnv\(0\)/);
      expect(steps.drainEpisodeEnds().map((e) => e.envSteps)).toEqual([50]);
      expect(steps.drainEpisodeEnds()).toEqual([]);
      expect(() => steps.step(new Float32Array(3))).toThrow(/length 3, expected 1 × 2/);
    } finally {
      steps.close();
      env.close();
      src.dispose();
    }
  });

  it('ends the segment and the episode at the goal with stopAtGoal (terminated: nothing to bootstrap)', async () => {
    await initBackend({ quiet: true });
    const src = await source('dads');
    const probe = await createEnv('point-mass');
    const start = probe.reset({ seed: 3 }).obs;
    probe.close();
    // A goal where the episode starts: the first env step is already within 0.1 m.
    const goal: [number, number] = [start[0], start[1] + 0.05];
    const opts = { ...MEAN, stopAtGoal: true };
    const steps = await xySteps('point-mass', 1, { goal }, src.policy, src.skills, opts, 3);
    try {
      steps.reset();
      const out = steps.step(Float32Array.from([0, 0]));
      expect(out.infos[0]).toMatchObject({ success: true, envSteps: 1 });
      expect([out.terminated[0], out.truncated[0]]).toEqual([1, 0]);
      expect(steps.envSteps).toBe(1);
    } finally {
      steps.close();
      src.dispose();
    }
  });

  it('with a sparse reward pays −1 per env step away from the goal and 0 at it', async () => {
    await initBackend({ quiet: true });
    const src = await source('dads');
    const probe = await createEnv('point-mass');
    const start = probe.reset({ seed: 3 }).obs;
    probe.close();
    const far: [number, number] = [start[0] + 0.8, start[1]];
    const near: [number, number] = [start[0], start[1] + 0.05];
    const sparse = { ...MEAN, reward: 'sparse' as const };
    for (const [goal, expected] of [
      [far, -10],
      [near, 0],
    ] as const) {
      const steps = await xySteps('point-mass', 1, { goal: [...goal] }, src.policy, src.skills, sparse, 3);
      try {
        steps.reset();
        // The zero skill barely moves the untrained policy's point mass: it stays where it starts.
        const out = steps.step(Float32Array.from([0, 0]));
        expect(out.reward[0]).toBe(expected);
      } finally {
        steps.close();
      }
    }
    src.dispose();
  });

  it('continues exactly from its state (mid-episode, sampled actions)', async () => {
    await initBackend({ quiet: true });
    const src = await source('dads');
    const opts: SkillStepsOptions = { hold: 7, actions: 'sample', stopAtGoal: false };
    const make = () => xySteps('point-mass', 2, { goal: [0.5, 0.5] }, src.policy, src.skills, opts, 11);
    const [a, b] = [await make(), await make()];
    try {
      a.reset();
      const rng = new Rng(2);
      const act = () => rng.fillUniform(new Float32Array(4), -1, 1) as Float32Array;
      a.step(act());
      a.step(act());
      b.setState(JSON.parse(JSON.stringify(a.getState())));
      for (let k = 0; k < 6; k++) {
        const action = act();
        const [x, y] = [a.step(action), b.step(action)];
        expect(y).toEqual(x);
        for (let i = 0; i < 2; i++) if (x.truncated[i]) expect(b.resetEnv(i)).toEqual(a.resetEnv(i));
      }
      expect(b.envSteps).toBe(a.envSteps);
      expect(() => b.setState({ ...a.getState(), envs: [] })).toThrow(/holds 0 envs, expected 2/);
    } finally {
      a.close();
      b.close();
      src.dispose();
    }
  });

  it('decodes skills: continuous z clipped to [−1, 1], discrete z the one-hot of the largest entry', async () => {
    const out = new Float32Array(3);
    expect(Array.from(decodeSkill({ kind: 'continuous', dim: 3 }, [2, -0.5, -7], out))).toEqual([
      1, -0.5, -1,
    ]);
    expect(Array.from(decodeSkill({ kind: 'discrete', count: 3 }, [0.2, 0.9, 0.4], out))).toEqual([0, 1, 0]);
    await initBackend({ quiet: true });
    const src = await source('diayn');
    const steps = await xySteps('point-mass', 1, { goal: [0, 0] }, src.policy, src.skills, MEAN, 1);
    try {
      expect(src.skills).toEqual({ kind: 'discrete', count: 4 });
      expect(steps.actDim).toBe(4);
      expect(steps.env(0).actionSpace.low[0]).toBe(0);
    } finally {
      steps.close();
      src.dispose();
    }
  });
});

describe('discrete SAC (Christodoulou 2019)', () => {
  /** A contextual bandit: context c (one-hot of 3) pays 1 for action (c + 1) mod 3, else 0. */
  function bandit(rng: Rng, B: number) {
    const input = new Float32Array(B * 3);
    const action = new Float32Array(B * 3);
    const reward = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      const c = rng.int(3);
      const a = rng.int(3);
      input[b * 3 + c] = 1;
      // Stored as the collector stores a warm-up action: a random vector whose largest entry is a.
      for (let j = 0; j < 3; j++) action[b * 3 + j] = rng.uniform() * 0.5;
      action[b * 3 + a] = 0.9;
      reward[b] = a === (c + 1) % 3 ? 1 : 0;
    }
    return { size: B, input, action, reward, nextInput: input, terminated: new Float32Array(B).fill(1) };
  }

  const options = (seed: number) => ({
    name: 'test',
    inputDim: 3,
    actions: 3,
    hidden: [16],
    lr: 0.01,
    gamma: 0.9,
    tau: 0.05,
    rewardScale: 1,
    alphaMode: 'auto' as const,
    alphaInit: 0.1,
    targetEntropy: null,
    seed,
  });

  it('learns the best action of each context; its target entropy is 0.98·log N', async () => {
    await initBackend({ quiet: true });
    const learner = new DiscreteSacLearner(options(1));
    try {
      expect(learner.targetEntropy).toBeCloseTo(0.98 * Math.log(3), 10);
      const rng = new Rng(3);
      // The first update makes the optimizers' moment tensors; later ones leave the count as it is.
      let stats = learner.update(bandit(rng, 64));
      const tensors = tf.memory().numTensors;
      for (let u = 0; u < 300; u++) stats = learner.update(bandit(rng, 64));
      expect(tf.memory().numTensors).toBe(tensors);
      expect(Number.isFinite(stats.critic_loss) && Number.isFinite(stats.alpha)).toBe(true);
      const contexts = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]);
      expect(Array.from(learner.act(contexts, true))).toEqual([0, 1, 0, 0, 0, 1, 1, 0, 0]);
      // Sampled actions are one-hot too.
      const sampled = learner.act(contexts, false);
      for (let b = 0; b < 3; b++)
        expect(sampled.subarray(b * 3, b * 3 + 3).reduce((s, v) => s + v, 0)).toBe(1);
    } finally {
      learner.dispose();
    }
  });

  it('continues exactly from its checkpoint part', async () => {
    await initBackend({ quiet: true });
    const [a, b] = [new DiscreteSacLearner(options(5)), new DiscreteSacLearner(options(6))];
    try {
      const rng = new Rng(9);
      for (let u = 0; u < 5; u++) a.update(bandit(rng, 16));
      const saved = await a.saveState('sac');
      await b.loadState('sac', saved.arrays, saved.rng);
      const batch = bandit(rng, 16);
      expect(b.update(batch)).toEqual(a.update(batch));
      const probe = Float32Array.from([0.2, 0.5, 0.1]);
      expect(b.act(probe, false)).toEqual(a.act(probe, false));
      expect(b.probabilities(probe)).toEqual(a.probabilities(probe));
      const { 'sac/actor/weights/policy/l0/kernel': _, ...missing } = saved.arrays;
      await expect(b.loadState('sac', missing, saved.rng)).rejects.toThrow(/discrete SAC policy/);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
