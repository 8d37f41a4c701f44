import { describe, expect, it } from 'vitest';
import { createEnv } from './envs.ts';
import { VecEnv } from './vec_env.ts';

describe('VecEnv', () => {
  it('steps a batch with the documented shapes, env i seeded with seed + i', async () => {
    const vec = await VecEnv.create('ant', 3, {}, 10);
    expect([vec.numEnvs, vec.obsDim, vec.actDim]).toEqual([3, 29, 8]);
    const obs = vec.reset();
    expect(obs).toBeInstanceOf(Float32Array);
    expect(obs.length).toBe(3 * 29);
    const single = await createEnv('ant');
    for (let i = 0; i < 3; i++) {
      const o = single.reset({ seed: 10 + i }).obs;
      expect(Array.from(obs.subarray(i * 29, (i + 1) * 29))).toEqual(Array.from(o));
    }
    const actions = new Float32Array(3 * 8).map((_, k) => Math.sin(k));
    const out = vec.step(actions);
    expect(out.obs.length).toBe(3 * 29);
    expect(out.reward).toBeInstanceOf(Float32Array);
    expect(out.reward.length).toBe(3);
    expect(out.terminated).toBeInstanceOf(Uint8Array);
    expect(out.truncated).toBeInstanceOf(Uint8Array);
    expect(out.infos.length).toBe(3);
    // Row 2 equals a single env stepped with the same seed and action.
    single.reset({ seed: 12 });
    const r = single.step(actions.subarray(16, 24));
    expect(Array.from(out.obs.subarray(58, 87))).toEqual(Array.from(r.obs));
    expect(out.reward[2]).toBeCloseTo(r.reward, 4);
    expect(Array.from(vec.qpos(2))).toEqual(Array.from(single.qpos()));
    expect(vec.env(0).coordDims).toEqual([0, 1]);
    expect(() => vec.env(3)).toThrow(RangeError);
    single.close();
    vec.close();
    vec.close();
    expect(() => vec.reset()).toThrow(/closed/);
  });

  it('needs per-env resets after an episode ends and says which env', async () => {
    const vec = await VecEnv.create('point-mass', 2, { maxEpisodeSteps: 3 }, 0);
    expect(() => vec.step(new Float32Array(4))).toThrow(/call reset\(\) before step\(\)/);
    vec.reset();
    for (let t = 0; t < 2; t++) {
      const out = vec.step(new Float32Array(4).fill(0.5));
      expect(Array.from(out.truncated)).toEqual([0, 0]);
    }
    const end = vec.step(new Float32Array(4).fill(0.5));
    expect(Array.from(end.truncated)).toEqual([1, 1]);
    expect(Array.from(end.terminated)).toEqual([0, 0]);
    // The final obs is the true next obs, not a reset one.
    expect(Array.from(end.obs.subarray(0, 2))).toEqual(Array.from(vec.qpos(0)).map(Math.fround));

    const fresh = vec.resetEnv(1);
    expect(fresh.length).toBe(4);
    expect(() => vec.step(new Float32Array(4))).toThrow(/env 0 ended its episode; call resetEnv\(0\)/);
    vec.resetEnv(0);
    const after = vec.step(new Float32Array(4));
    expect(Array.from(after.truncated)).toEqual([0, 0]);
    expect(vec.env(0).elapsedSteps).toBe(1);
    vec.close();
  });

  it('validates the action batch before stepping any env', async () => {
    const vec = await VecEnv.create('half-cheetah', 2, {}, 0);
    vec.reset();
    expect(() => vec.step(new Float32Array(11))).toThrow(/length 11, expected numEnvs × actDim = 2 × 6/);
    const a = new Float32Array(12);
    a[9] = Number.NaN;
    expect(() => vec.step(a)).toThrow(/env 1 action\[3\] is NaN/);
    expect(vec.env(0).elapsedSteps).toBe(0);
    vec.close();
  });

  it('rejects bad construction arguments', async () => {
    await expect(VecEnv.create('ant', 0)).rejects.toThrow(/numEnvs/);
    await expect(VecEnv.create('nope' as 'ant', 2)).rejects.toThrow(/allowed/);
  });
});
