import { describe, it, expect, beforeAll } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { Rng } from '../rng.ts';
import { VecEnv } from '../sim/vec_env.ts';
import { ReplayBuffer, type Transition, type TransitionBatch } from '../replay/buffer.ts';
import { OffPolicyAgent, type RewardRelabeler } from './off_policy_agent.ts';
import { StepCollector, type BatchPolicy } from './rollout.ts';
import { SacLearner, uid } from './sac.ts';
import { continuousPrior } from './skills.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

/**
 * An agent composed as a new algorithm would compose one: point-mass envs with a 2-D skill per
 * episode, a buffer with an extra per-step vector column (the behaviour action's squared norm and
 * the skill, as a skill-embedding method keeps a latent and a log-probability), and relabelers on
 * the sample stream.
 */
async function compose(relabelers: RewardRelabeler<TransitionBatch>[]) {
  const vec = await VecEnv.create('point-mass', 2, {}, 4);
  const collector = new StepCollector(vec, continuousPrior(2), new Rng(1), 20);
  collector.start(4);
  const replay = new ReplayBuffer(500, {
    obsDim: vec.obsDim,
    actDim: vec.actDim,
    skillDim: 2,
    extra: [{ name: 'tag', width: 3 }],
  });
  const learner = new SacLearner({
    name: `agent${uid()}`,
    inputDim: vec.obsDim + 2,
    actDim: vec.actDim,
    hidden: [8],
    lr: 1e-3,
    gamma: 0.9,
    tau: 0.05,
    rewardScale: 1,
    alphaMode: 'auto',
    alphaInit: 0.1,
    targetEntropy: null,
    seed: 2,
  });
  const input = (obs: Float32Array, skill: Float32Array) => {
    const B = skill.length / 2;
    const out = new Float32Array(B * (vec.obsDim + 2));
    for (let b = 0; b < B; b++) {
      out.set(obs.subarray(b * vec.obsDim, (b + 1) * vec.obsDim), b * (vec.obsDim + 2));
      out.set(skill.subarray(2 * b, 2 * b + 2), b * (vec.obsDim + 2) + vec.obsDim);
    }
    return out;
  };
  const agent = new OffPolicyAgent({
    learner,
    collector,
    replay,
    adder: (env: number, tr: Transition) =>
      replay.add(env, {
        ...tr,
        extra: { tag: [tr.action[0] ** 2 + tr.action[1] ** 2, tr.skill[0], tr.skill[1]] },
      }),
    sampler: replay,
    relabelers,
    toLearner: (b) => ({
      size: b.size,
      input: input(b.obs, b.skill),
      action: b.action,
      reward: b.reward,
      nextInput: input(b.nextObs, b.skill),
      terminated: b.terminated,
    }),
    schedule: { learningStarts: 40, updatesPerIteration: 3, batchSize: 16 },
    sampleRng: new Rng(3),
  });
  const pi: BatchPolicy = (obs, skills) => learner.act(input(obs, skills), false);
  return { agent, vec, replay, pi, random: collector.randomPolicy() };
}

describe('OffPolicyAgent', () => {
  it('collects through the adder, warms up, and trains on batches that went through every relabeler in order', async () => {
    const seen: string[] = [];
    // The first reads the extra column; the second sees the first's output.
    const fromTag: RewardRelabeler<TransitionBatch> = {
      relabel: (b) => {
        seen.push('fromTag');
        return { ...b, reward: b.extra.tag.filter((_, i) => i % 3 === 0) };
      },
    };
    const plusOne: RewardRelabeler<TransitionBatch> = {
      relabel: (b) => {
        seen.push('plusOne');
        return { ...b, reward: b.reward.map((r) => r + 1) };
      },
    };
    const { agent, vec, replay, pi, random } = await compose([fromTag, plusOne]);
    expect(agent.warmingUp).toBe(true);
    expect(agent.behaviour(pi, random)).toBe(random);
    const { steps } = agent.collect(agent.behaviour(pi, random));
    expect([steps, agent.envSteps, replay.size]).toEqual([20, 20, 20]);
    const stored = replay.all();
    for (let r = 0; r < stored.size; r++) {
      const [a0, a1] = [stored.action[2 * r], stored.action[2 * r + 1]];
      expect(stored.extra.tag[3 * r]).toBeCloseTo(a0 * a0 + a1 * a1, 5);
      expect(Array.from(stored.extra.tag.subarray(3 * r + 1, 3 * r + 3))).toEqual(
        Array.from(stored.skill.subarray(2 * r, 2 * r + 2)),
      );
    }
    agent.collect(agent.behaviour(pi, random));
    expect(agent.warmingUp).toBe(false);
    expect(agent.behaviour(pi, random)).toBe(pi);

    const events: string[] = [];
    const batches: TransitionBatch[] = [];
    const stats = agent.train(
      () => events.push('abort point'),
      (b) => {
        events.push('batch');
        batches.push(b);
      },
    );
    expect(stats).toHaveLength(3);
    expect(events).toEqual(['abort point', 'batch', 'abort point', 'batch', 'abort point', 'batch']);
    expect(seen).toEqual(['fromTag', 'plusOne', 'fromTag', 'plusOne', 'fromTag', 'plusOne']);
    for (const b of batches)
      expect(Array.from(b.reward)).toEqual(
        Array.from(b.extra.tag.filter((_, i) => i % 3 === 0).map((t) => t + 1)),
      );
    agent.dispose();
    vec.close();
  });
});
