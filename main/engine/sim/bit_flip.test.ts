import { describe, it, expect } from 'vitest';
import { BitFlipEnv, bitFlipReward } from './bit_flip.ts';

/** Action that flips exactly the bits where `from` and `to` differ. */
function flipsTo(from: Float32Array, to: Float32Array): Float32Array {
  return from.map((b, i) => (b !== to[i] ? 1 : -1));
}

describe('bit flipping (HER §4.1, SB3 continuous form)', () => {
  it('has n-bit spaces, episode length n and no MuJoCo state', () => {
    const env = new BitFlipEnv({ nBits: 15 });
    expect(env.observationSpace.shape).toEqual([15]);
    expect(env.goalSpace.shape).toEqual([15]);
    expect(env.actionSpace.shape).toEqual([15]);
    expect([...env.actionSpace.low]).toEqual(new Array(15).fill(-1));
    expect(env.maxEpisodeSteps).toBe(15);
    expect(env.nq).toBe(0);
    expect(env.qpos().length).toBe(0);
  });

  it('resets to the same bits and goal for the same seed, and to others for another', () => {
    const a = new BitFlipEnv({ nBits: 32 });
    const b = new BitFlipEnv({ nBits: 32, seed: 99 });
    const ra = a.reset({ seed: 7 }).obs;
    const rb = b.reset({ seed: 7 }).obs;
    expect(ra).toEqual(rb);
    expect(a.reset({ seed: 8 }).obs.desiredGoal).not.toEqual(ra.desiredGoal);
    expect(ra.observation).toEqual(ra.achievedGoal);
    for (const v of [...ra.observation, ...ra.desiredGoal]) expect([0, 1]).toContain(v);
  });

  it('flips exactly the bits whose action is > 0 and rewards −1 until the goal is matched, then 0', () => {
    const env = new BitFlipEnv({ nBits: 6, seed: 3 });
    let { obs } = env.reset();
    const before = obs.observation;
    const act = new Float32Array([0.5, -0.5, 0, 1e-6, -1, 1]);
    const out = env.step(act);
    expect([...out.obs.observation]).toEqual([...before].map((b, i) => (act[i] > 0 ? 1 - b : b)));
    expect(out.obs.achievedGoal).toEqual(out.obs.observation);
    const matched = out.obs.observation.every((b, i) => b === out.obs.desiredGoal[i]);
    expect(out.reward).toBe(matched ? 0 : -1);

    obs = env.reset({ seed: 11 }).obs;
    const solved = env.step(flipsTo(obs.observation, obs.desiredGoal));
    expect(solved.reward).toBe(0);
    expect(solved.info.success).toBe(true);
    expect(solved.terminated).toBe(false); // goal tasks never terminate on success
    // Holding (no bit flipped) keeps the goal; flipping one bit loses it.
    expect(env.step(new Float32Array(6).fill(-1)).reward).toBe(0);
    const lost = env.step(Float32Array.of(1, -1, -1, -1, -1, -1));
    expect(lost.reward).toBe(-1);
    expect(lost.info.success).toBe(false);
  });

  it('the step reward equals evaluate(achieved, desired), achieved first', () => {
    const env = new BitFlipEnv({ nBits: 4, seed: 5 });
    env.reset();
    for (let t = 0; t < 4; t++) {
      const out = env.step(Float32Array.of(1, -1, t % 2 ? 1 : -1, -1));
      expect(env.evaluate(out.obs.achievedGoal, out.obs.desiredGoal).reward[0]).toBe(out.reward);
    }
  });

  it('truncates after maxEpisodeSteps and refuses steps after the end, before reset and after close', () => {
    const env = new BitFlipEnv({ nBits: 3, maxEpisodeSteps: 2 });
    expect(() => env.step([1, 1, 1])).toThrow(/before reset/);
    env.reset();
    expect(env.step([1, 1, 1]).truncated).toBe(false);
    const last = env.step([1, 1, 1]);
    expect(last.truncated).toBe(true);
    expect(last.terminated).toBe(false);
    expect(env.elapsedSteps).toBe(2);
    expect(() => env.step([1, 1, 1])).toThrow(/after the episode ended/);
    env.reset();
    expect(() => env.step([1, 1])).toThrow(/length 2, expected 3/);
    expect(() => env.step([1, NaN, 1])).toThrow(/action\[1\] is NaN/);
    env.close();
    env.close();
    expect(() => env.reset()).toThrow(/closed/);
    expect(() => new BitFlipEnv({ nBits: 0 })).toThrow(/nBits/);
  });

  it('the batched reward compares rows exactly and checks lengths', () => {
    const r = bitFlipReward(3);
    const out = r(Float32Array.of(1, 0, 1, 0, 0, 0, 1, 1, 1), Float32Array.of(1, 0, 1, 0, 0, 1, 0, 1, 1));
    expect([...out.reward]).toEqual([0, -1, -1]);
    expect([...out.success]).toEqual([1, 0, 0]);
    expect(() => r(new Float32Array(3), new Float32Array(6))).toThrow(/B·3/);
    expect(() => r(new Float32Array(4), new Float32Array(4))).toThrow(/B·3/);
  });
});
