import { describe, it, expect, beforeAll, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../native/backend.ts';
import { BitFlipEnv } from '../sim/bit_flip.ts';
import { Rng } from '../rng.ts';
import { GoalSac, type GoalSacOptions } from './goal_sac.ts';
import { restoredCopy, sideBySide, SMALL_OPTIONS } from './test_helpers.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

/** A small, fast configuration on 4-bit flipping. */
function small(overrides: Partial<GoalSacOptions> = {}): Promise<GoalSac> {
  return GoalSac.create((i) => new BitFlipEnv({ nBits: 4, seed: 10 + i }), {
    ...SMALL_OPTIONS,
    learningStarts: 16,
    replayCapacity: 200,
    ...overrides,
  });
}

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
    const { b, state } = await restoredCopy(a, () => small({ terminalOnSuccess: true }));
    expect(b.switchLog).toEqual(a.switchLog);
    expect(b.replay.relabeling).toEqual({ strategy: 'episode', k: 3 });
    const run = await sideBySide(a, b, 3, (algo) => algo.evaluate(2, 5));
    expect(run.b).toEqual(run.a);
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

describe('GoalSac achieved_goal_shift', () => {
  it("is the mean distance between the first and the last achieved goal of the iteration's episodes", async () => {
    const algo = await small();
    const first = new Map<number, number[]>();
    const shifts: number[] = [];
    algo.observer = {
      episodeStart() {},
      step(env, tr) {
        if (!first.has(env)) first.set(env, Array.from(tr.achievedGoal));
        if (tr.terminated || tr.truncated) {
          const a = first.get(env)!;
          shifts.push(Math.hypot(...a.map((v, i) => v - tr.nextAchievedGoal[i])));
          first.delete(env);
        }
      },
      sampled() {},
    };
    for (let i = 0; i < 3; i++) {
      shifts.length = 0;
      const m = await algo.iterate();
      expect(shifts.length).toBe(2); // one episode per env
      expect(m.achieved_goal_shift).toBeCloseTo((shifts[0] + shifts[1]) / 2, 6);
      expect(shifts.some((d) => d > 0)).toBe(true); // bits do flip
    }
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
