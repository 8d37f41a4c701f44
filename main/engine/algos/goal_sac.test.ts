import { describe, it, expect, beforeAll, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../native/backend.ts';
import { BitFlipEnv } from '../sim/bit_flip.ts';
import { Rng } from '../rng.ts';
import { GoalSac, RunningNormalizer, type GoalSacOptions } from './goal_sac.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

/** A small, fast configuration on 4-bit flipping. */
function small(overrides: Partial<GoalSacOptions> = {}): Promise<GoalSac> {
  return GoalSac.create((i) => new BitFlipEnv({ nBits: 4, seed: 10 + i }), {
    seed: 3,
    numEnvs: 2,
    hidden: [16, 16],
    batchSize: 32,
    episodesPerIteration: 1,
    updatesPerIteration: 4,
    learningStarts: 16,
    replayCapacity: 200,
    ...overrides,
  });
}

describe('RunningNormalizer (baselines her/normalizer.py)', () => {
  it('normalizes by running mean and std with ε and clips to ±clip', () => {
    const norm = new RunningNormalizer(2, 0.01, 5);
    const out = new Float32Array(6);
    norm.normalizeInto(Float32Array.of(3, 4), out, 3, 1); // no data yet: identity
    expect([...out]).toEqual([0, 3, 4, 0, 0, 0]);
    norm.update(Float32Array.of(1, 5, 3, 5)); // column 0: mean 2, std 1; column 1: constant → std ε
    norm.normalizeInto(Float32Array.of(4, 5, 2, 5.01), out, 3, 0);
    expect(out[0]).toBeCloseTo(2, 6);
    expect(out[1]).toBeCloseTo(0, 6);
    expect(out[3]).toBeCloseTo(0, 6);
    expect(out[4]).toBeCloseTo(1, 3); // (5.01 − 5) / 0.01
    norm.normalizeInto(Float32Array.of(100, -100), out, 3, 0);
    expect([out[0], out[1]]).toEqual([5, -5]);
  });

  it('restores its exact state', () => {
    const a = new RunningNormalizer(3, 0.01, 5);
    a.update(Float32Array.from({ length: 30 }, (_, i) => Math.sin(i) * 0.1 + 1 / 3));
    const b = new RunningNormalizer(3, 0.01, 5);
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    const x = Float32Array.of(0.3, 0.1, 0.7);
    const [oa, ob] = [new Float32Array(3), new Float32Array(3)];
    a.normalizeInto(x, oa, 3, 0);
    b.normalizeInto(x, ob, 3, 0);
    expect(ob).toEqual(oa);
    expect(() => b.setState({ sum: [0], sumSq: [0], n: 1 })).toThrow(/wrong length/);
  });
});

describe('GoalSac', () => {
  it('reports relabel counts per strategy, records switches with their env step', async () => {
    const algo = await small();
    const m1 = await algo.iterate(); // 8 env steps < learningStarts: no updates
    expect(m1.updates).toBe(0);
    expect(m1.relabel_share).toBe(0);
    await algo.iterate();
    const m2 = await algo.iterate();
    expect(m2.updates).toBe(4);
    expect(m2.relabel_future).toBe(4 * Math.floor((32 * 4) / 5));
    expect(m2.relabel_original + m2.relabel_future).toBe(4 * 32);
    expect(m2.relabel_share).toBeCloseTo(25 / 32, 6);
    expect(m2.relabel_strategy).toBe(2); // RELABEL_STRATEGIES.indexOf('future')
    for (const key of ['success_rate', 'episode_return', 'critic_loss', 'actor_loss', 'alpha', 'entropy'])
      expect(Number.isFinite(m2[key])).toBe(true);
    expect(m2.episode_length).toBe(4);

    algo.setRelabeling('final', 1);
    const m3 = await algo.iterate();
    expect([m3.relabel_final, m3.relabel_future, m3.relabel_original]).toEqual([64, 0, 64]);
    algo.setRelabeling('none', 4);
    const m4 = await algo.iterate();
    expect([m4.relabel_share, m4.relabel_original]).toEqual([0, 128]);
    expect(algo.switchLog).toEqual([
      { envStep: 0, strategy: 'future', k: 4 },
      { envStep: 24, strategy: 'final', k: 1 },
      { envStep: 32, strategy: 'none', k: 0 },
    ]);
    expect(() => algo.setRelabeling('sideways' as never, 4)).toThrow(/unknown relabel strategy/);
    expect(algo.switchLog.length).toBe(3);
    algo.dispose();
  });

  it('refuses envs whose spaces differ and closes the ones it made', async () => {
    const made: BitFlipEnv[] = [];
    await expect(
      GoalSac.create(
        (i) => {
          const env = new BitFlipEnv({ nBits: 4 + i });
          made.push(env);
          return env;
        },
        { seed: 0, numEnvs: 2 },
      ),
    ).rejects.toThrow(/differs from/);
    for (const env of made) expect(() => env.reset()).toThrow(/closed/);
  });

  it('checkpoint round trip: a fresh instance loaded from the state gives identical next metrics', async () => {
    const a = await small({ terminalOnSuccess: true });
    for (let i = 0; i < 4; i++) await a.iterate();
    a.setRelabeling('episode', 3);
    await a.iterate();
    const state = await a.saveState();
    // The state survives JSON (the checkpoint file stores meta as JSON).
    state.meta = JSON.parse(JSON.stringify(state.meta));
    const b = await small({ terminalOnSuccess: true });
    await b.loadState(state);
    expect(b.switchLog).toEqual(a.switchLog);
    expect(b.replay.relabeling).toEqual({ strategy: 'episode', k: 3 });
    for (let i = 0; i < 3; i++) {
      const [ma, mb] = [await a.iterate(), await b.iterate()];
      expect(mb).toEqual(ma);
    }
    expect(b.evaluate(2, 5)).toEqual(a.evaluate(2, 5));
    expect([b.envSteps, b.iteration]).toEqual([a.envSteps, a.iteration]);
    await expect(b.loadState({ arrays: state.arrays, meta: { algo: 'sac' } })).rejects.toThrow(
      /not a goal-sac/,
    );
    a.dispose();
    b.dispose();
  });

  it('keeps the tensor count flat over many updates, evaluations and checkpoints', async () => {
    const algo = await small({ learningStarts: 0 });
    await algo.iterate();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 60; i++) await algo.iterate(); // 240 updates
    algo.evaluate(1, 0);
    await algo.saveState();
    algo.actDeterministic(new Float32Array(8), new Float32Array(8));
    expect(tf.memory().numTensors).toBe(before);
    algo.dispose();
  });
});

describe('GoalSac ε-random exploration (baselines HER random_eps)', () => {
  /** Training actions after the warm-up, the policy's own replaced by zeros so random ones stand out. */
  async function actionsAfterWarmup(randomEps: number): Promise<number[][]> {
    const algo = await small({ randomEps, learningStarts: 0, updatesPerIteration: 0 });
    const nBits = algo.actDim;
    vi.spyOn(algo.learner, 'act').mockImplementation(
      (input) => new Float32Array((input.length / (algo.obsDim + algo.goalDim)) * nBits),
    );
    const rows: number[][] = [];
    algo.observer = {
      episodeStart() {},
      step: (_env, tr) => void rows.push(Array.from(tr.action)),
      sampled() {},
    };
    for (let i = 0; i < 100; i++) await algo.iterate();
    algo.dispose();
    return rows;
  }

  it('replaces a share ε of the policy actions by uniform random ones, and none at ε = 0', async () => {
    const isRandom = (a: number[]) => a.some((v) => v !== 0);
    expect((await actionsAfterWarmup(0)).filter(isRandom).length).toBe(0);
    const all = await actionsAfterWarmup(1);
    expect(all.every(isRandom)).toBe(true);
    const flat = all.flat();
    expect(Math.min(...flat)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...flat)).toBeLessThanOrEqual(1);
    expect(flat.reduce((s, v) => s + v, 0) / flat.length).toBeCloseTo(0, 1); // uniform on [−1, 1]
    const some = await actionsAfterWarmup(0.3);
    const share = some.filter(isRandom).length / some.length; // 800 env steps
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.35);
  });

  it('refuses ε outside [0, 1]', async () => {
    await expect(small({ randomEps: 1.5 })).rejects.toThrow(/randomEps must be in \[0, 1\], got 1.5/);
  });
});

describe('GoalSac options', () => {
  it('falls back to defaults for undefined options and names an option out of range', async () => {
    const env = () => new BitFlipEnv({ nBits: 3 });
    const algo = await GoalSac.create(env, { seed: 0, relabel: undefined, replayCapacity: 100 });
    expect(algo.options.relabel).toEqual({ strategy: 'future', k: 4 });
    expect(algo.options.gamma).toBe(0.98);
    algo.dispose();
    // Info scalars the reward reads are stored per step and handed back when relabeling.
    const withInfo = await GoalSac.create(env, { seed: 0, replayCapacity: 100, rewardInfoKeys: ['success'] });
    await withInfo.iterate();
    const batch = withInfo.replay.sample(16, new Rng(0));
    expect(Object.keys(batch.info)).toEqual(['success']);
    expect(batch.info.success.every((v) => v === 0 || v === 1)).toBe(true);
    withInfo.dispose();
    await expect(GoalSac.create(env, { seed: 0, gamma: 1 })).rejects.toThrow(
      /gamma must be in \(0, 1\), got 1/,
    );
    await expect(GoalSac.create(env, { seed: 0, numEnvs: 0 })).rejects.toThrow(/numEnvs must be a positive/);
    await expect(GoalSac.create(env, { seed: 0, hidden: [0] })).rejects.toThrow(/hidden/);
    await expect(
      GoalSac.create(env, { seed: 0, relabel: { strategy: 'all' as never, k: 1 } }),
    ).rejects.toThrow(/unknown relabel strategy/);
  });
});
