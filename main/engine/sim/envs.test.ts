import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Rng } from '../rng.ts';
import {
  createEnv,
  ENV_NAMES,
  envDefinition,
  envSpec,
  MujocoEnv,
  POINT_MASS_ARENA,
  POINT_MASS_SUCCESS_RADIUS,
} from './envs.ts';
import { Simulation } from './mujoco.ts';
import type { EnvName } from './types.ts';

afterEach(() => vi.restoreAllMocks());

function randomAction(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniformRange(-1, 1);
  return a;
}

describe('spaces and static facts', () => {
  const expected: Record<EnvName, [number, number, number[], number]> = {
    'point-mass': [4, 2, [0, 1], 50],
    ant: [29, 8, [0, 1], 200],
    'half-cheetah': [18, 6, [0], 1000],
  };

  it.each(ENV_NAMES.map((n) => [n]))('%s has the documented dimensions', async (name) => {
    const [obsDim, actDim, coordDims, steps] = expected[name];
    const spec = envSpec(name);
    expect([spec.obsDim, spec.actDim, spec.coordDims, spec.maxEpisodeSteps]).toEqual([
      obsDim,
      actDim,
      coordDims,
      steps,
    ]);
    expect(spec.dt).toBeCloseTo(0.05, 12);
    const env = await createEnv(name);
    try {
      expect(env.name).toBe(name);
      expect(env.observationSpace.shape).toEqual([obsDim]);
      expect(env.actionSpace.shape).toEqual([actDim]);
      expect(Array.from(env.actionSpace.low)).toEqual(new Array(actDim).fill(-1));
      expect(Array.from(env.actionSpace.high)).toEqual(new Array(actDim).fill(1));
      expect(env.coordDims).toEqual(coordDims);
      expect(env.dt).toBeCloseTo(spec.dt, 12);
      expect(env.frameSkip).toBe(5);
      expect(env.maxEpisodeSteps).toBe(steps);
      expect(env.nq).toBe(spec.nq);
      const { obs } = env.reset({ seed: 0 });
      expect(obs).toBeInstanceOf(Float32Array);
      expect(obs.length).toBe(obsDim);
      expect(env.qpos().length).toBe(spec.nq);
      // obs = [qpos, qvel]: x (and y) are the leading entries, as coordDims says.
      expect(obs[0]).toBeCloseTo(env.qpos()[0], 6);
    } finally {
      env.close();
    }
  });

  it('ant and half-cheetah models come from the gym geometry facts', () => {
    const ant = readFileSync(envSpec('ant').modelPath, 'utf8');
    expect(ant).toContain('integrator="RK4"');
    expect(ant).toContain('gear="150"');
    const cheetah = readFileSync(envSpec('half-cheetah').modelPath, 'utf8');
    expect(cheetah).toContain('settotalmass="14"');
  });

  it('rejects unknown env names, listing the allowed ones', async () => {
    const bad = 'humanoid' as EnvName;
    expect(() => envSpec(bad)).toThrow(/Unknown env "humanoid"; allowed: point-mass, ant, half-cheetah/);
    await expect(createEnv(bad)).rejects.toThrow(/allowed: point-mass, ant, half-cheetah/);
  });

  it('rejects invalid options', async () => {
    await expect(createEnv('point-mass', { maxEpisodeSteps: 0 })).rejects.toThrow(/maxEpisodeSteps/);
    await expect(createEnv('point-mass', { goal: [Number.NaN, 0] })).rejects.toThrow(/goal/);
  });
});

describe('reset', () => {
  it.each(ENV_NAMES.map((n) => [n]))(
    '%s: same seed gives the same obs, another seed another',
    async (name) => {
      const a = await createEnv(name);
      const b = await createEnv(name);
      try {
        const o1 = a.reset({ seed: 7 }).obs;
        const o2 = b.reset({ seed: 7 }).obs;
        expect(Array.from(o2)).toEqual(Array.from(o1));
        const o3 = b.reset({ seed: 8 }).obs;
        expect(Array.from(o3)).not.toEqual(Array.from(o1));
        // Reset noise stays within its documented scales around qpos0.
        const q = a.qpos();
        const q0 = name === 'ant' ? [0, 0, 0.75, 1, 0, 0, 0] : [];
        q0.forEach((v, i) => expect(Math.abs(q[i] - v)).toBeLessThanOrEqual(0.1));
        // Identical actions from identical seeds replay identically.
        const rng1 = new Rng(3);
        const rng2 = new Rng(3);
        a.reset({ seed: 9 });
        b.reset({ seed: 9 });
        for (let t = 0; t < 5; t++) {
          const r1 = a.step(randomAction(rng1, a.actionSpace.shape[0]));
          const r2 = b.step(randomAction(rng2, b.actionSpace.shape[0]));
          expect(Array.from(r2.obs)).toEqual(Array.from(r1.obs));
          expect(r2.reward).toBe(r1.reward);
        }
      } finally {
        a.close();
        b.close();
      }
    },
  );

  it('continues the noise stream when reset without a seed', async () => {
    const env = await createEnv('point-mass');
    const first = env.reset({ seed: 1 }).obs;
    const second = env.reset().obs;
    expect(Array.from(second)).not.toEqual(Array.from(first));
    expect(Array.from(env.reset({ seed: 1 }).obs)).toEqual(Array.from(first));
    env.close();
  });

  it('qpos() returns a copy', async () => {
    const env = await createEnv('ant');
    env.reset({ seed: 0 });
    const q = env.qpos();
    q[0] = 123;
    expect(env.qpos()[0]).not.toBe(123);
    env.close();
  });
});

describe('episodes', () => {
  it('truncates at the episode length and then demands a reset', async () => {
    const env = await createEnv('point-mass');
    env.reset({ seed: 0 });
    for (let t = 1; t < 50; t++) {
      const r = env.step([0.1, -0.1]);
      expect(r.truncated).toBe(false);
      expect(r.terminated).toBe(false);
      expect(env.elapsedSteps).toBe(t);
    }
    const last = env.step([0, 0]);
    expect(last.truncated).toBe(true);
    expect(last.terminated).toBe(false);
    expect(() => env.step([0, 0])).toThrow(/point-mass: the episode ended.*reset\(\)/);
    env.reset();
    expect(env.elapsedSteps).toBe(0);
    env.step([0, 0]);
    env.close();

    const short = await createEnv('half-cheetah', { maxEpisodeSteps: 3 });
    short.reset({ seed: 0 });
    short.step(new Float32Array(6));
    short.step(new Float32Array(6));
    expect(short.step(new Float32Array(6)).truncated).toBe(true);
    short.close();
  });

  it('refuses to step before reset or after close', async () => {
    const env = await createEnv('ant');
    expect(() => env.step(new Float32Array(8))).toThrow(/ant: step\(\) called before reset\(\)/);
    env.close();
    expect(() => env.reset()).toThrow(/closed/);
    expect(() => env.qpos()).toThrow(/closed/);
  });

  it('rejects bad actions, naming the env and the index', async () => {
    const env = await createEnv('ant');
    env.reset({ seed: 0 });
    expect(() => env.step(new Float32Array(7))).toThrow('ant: action has length 7, expected 8');
    const nan = new Float32Array(8);
    nan[3] = Number.NaN;
    expect(() => env.step(nan)).toThrow(/ant: action\[3\] is NaN/);
    const inf = new Float64Array(8);
    inf[5] = -Infinity;
    expect(() => env.step(inf)).toThrow(/ant: action\[5\] is -Infinity/);
    // A rejected action leaves the episode untouched.
    expect(env.elapsedSteps).toBe(0);
    env.step(new Float32Array(8));
    env.close();
  });

  it('clips actions to the action space', async () => {
    const a = await createEnv('point-mass');
    const b = await createEnv('point-mass');
    a.reset({ seed: 4 });
    b.reset({ seed: 4 });
    for (let t = 0; t < 5; t++) {
      const ra = a.step([5, -40]);
      const rb = b.step([1, -1]);
      expect(Array.from(ra.obs)).toEqual(Array.from(rb.obs));
    }
    a.close();
    b.close();
  });
});

describe('point-mass', () => {
  it('moves the way it is pushed, at about 0.35 m/s, and stays inside the walls', async () => {
    const env = await createEnv('point-mass', { maxEpisodeSteps: 2000 });
    let obs = env.reset({ seed: 2 }).obs;
    const x0 = obs[0];
    obs = env.step([1, 0]).obs;
    expect(obs[0]).toBeGreaterThan(x0);
    for (let t = 0; t < 12; t++) obs = env.step([1, 0]).obs;
    expect(obs[2]).toBeGreaterThan(0.33); // vx saturates near 0.35 m/s
    expect(obs[2]).toBeLessThan(0.36);
    // Crossing the arena (1.8 m between x = ±0.9) takes about 105 steps at 0.35 m/s × 0.05 s.
    for (let t = 0; t < 160; t++) obs = env.step([-1, 0]).obs;
    expect(obs[0]).toBeLessThan(-0.9);
    let steps = 0;
    while (obs[0] < 0.9 && steps < 200) {
      obs = env.step([1, 0]).obs;
      steps++;
    }
    expect(steps).toBeGreaterThanOrEqual(100);
    expect(steps).toBeLessThanOrEqual(112);
    // Push hard into every wall and at random: the centre never leaves the arena.
    const rng = new Rng(11);
    const pushes: [number, number][] = [
      [1, 1],
      [-1, 1],
      [-1, -1],
      [1, -1],
    ];
    for (const push of pushes) {
      for (let t = 0; t < 160; t++) {
        obs = env.step(push).obs;
        expect(obs[0]).toBeGreaterThan(POINT_MASS_ARENA.xmin);
        expect(obs[0]).toBeLessThan(POINT_MASS_ARENA.xmax);
        expect(obs[1]).toBeGreaterThan(POINT_MASS_ARENA.ymin);
        expect(obs[1]).toBeLessThan(POINT_MASS_ARENA.ymax);
      }
      expect(Math.abs(obs[0])).toBeGreaterThan(0.9);
      expect(Math.abs(obs[1])).toBeGreaterThan(0.9);
    }
    for (let t = 0; t < 400; t++) {
      obs = env.step(randomAction(rng, 2)).obs;
      expect(Math.abs(obs[0])).toBeLessThan(1);
      expect(Math.abs(obs[1])).toBeLessThan(1);
    }
    env.close();
  });

  it('rewards −distance to the goal and flags success near it', async () => {
    const goal: [number, number] = [-0.4, 0.3];
    const env = await createEnv('point-mass', { goal });
    const reset = env.reset({ seed: 0 });
    expect(reset.info.success).toBe(false);
    let obs = reset.obs;
    let reached = false;
    for (let t = 0; t < 50 && !reached; t++) {
      // A proportional controller towards the goal.
      const r = env.step([4 * (goal[0] - obs[0]) - obs[2], 4 * (goal[1] - obs[1]) - obs[3]]);
      obs = r.obs;
      const d = Math.hypot(obs[0] - goal[0], obs[1] - goal[1]);
      expect(r.info.goalDistance).toBeCloseTo(d, 5);
      expect(r.reward).toBeCloseTo(-d, 5);
      expect(r.info.success).toBe(d < POINT_MASS_SUCCESS_RADIUS);
      reached = r.info.success === true;
    }
    expect(reached).toBe(true);
    env.close();
  });
});

describe('ant', () => {
  it('keeps the torso above the floor under random actions over an episode', async () => {
    const env = await createEnv('ant');
    for (const seed of [0, 1]) {
      env.reset({ seed });
      const rng = new Rng(100 + seed);
      let minZ = Infinity;
      let truncated = false;
      while (!truncated) {
        const r = env.step(randomAction(rng, 8));
        expect(r.terminated).toBe(false); // no early termination
        expect(r.obs.every((v) => Number.isFinite(v))).toBe(true);
        minZ = Math.min(minZ, r.obs[2]);
        truncated = r.truncated;
      }
      expect(env.elapsedSteps).toBe(200);
      // Torso sphere r 0.25: its centre rests no lower than the radius, up to contact softness.
      expect(minZ).toBeGreaterThan(0.2);
    }
    env.close();
  });

  it('rewards forward x velocity + 1 − 0.5‖a‖²', async () => {
    const env = await createEnv('ant');
    env.reset({ seed: 3 });
    const a = new Float32Array(8).fill(0.5);
    const x0 = env.qpos()[0];
    const r = env.step(a);
    const v = (r.obs[0] - x0) / 0.05;
    expect(r.info.xVelocity).toBeCloseTo(v, 4);
    expect(r.reward).toBeCloseTo(v + 1 - 0.5 * 8 * 0.25, 4);
    env.close();
  });
});

describe('unstable simulations', () => {
  it('ends the episode with info.nan, the last finite obs, reward 0 and one warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const env = await createEnv('point-mass');
    // A NaN velocity right after reset (time 0): MuJoCo resets the data itself, so the state
    // afterwards looks finite; the env must still notice.
    const start = env.reset({ seed: 0 }).obs;
    (env.simulation.data.qvel as Float64Array)[0] = Number.NaN;
    let r = env.step([0.3, 0.3]);
    expect(r.info.nan).toBe(true);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(0);
    expect(Array.from(r.obs)).toEqual(Array.from(start));
    expect(() => env.step([0, 0])).toThrow(/reset/);

    // Mid-episode.
    env.reset({ seed: 1 });
    env.step([1, 0]);
    const last = env.step([1, 0]).obs;
    (env.simulation.data.qpos as Float64Array)[1] = Number.POSITIVE_INFINITY;
    r = env.step([1, 0]);
    expect(r.info.nan).toBe(true);
    expect(r.terminated).toBe(true);
    expect(Array.from(r.obs)).toEqual(Array.from(last));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/point-mass: the simulation went unstable/);

    // The env recovers on reset.
    env.reset({ seed: 2 });
    r = env.step([0, 0]);
    expect(r.info.nan).toBeUndefined();
    expect(r.terminated).toBe(false);
    env.close();
  });

  it('catches a model whose accelerations blow up, without throwing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    // The point mass with a near-zero mass and an absurd gear: qacc exceeds MuJoCo's 1e10 limit.
    const xml = readFileSync(envSpec('point-mass').modelPath, 'utf8')
      .replace('mass="1"', 'mass="1e-9"')
      .replace('gear="3.5"', 'gear="1e12"');
    const env = new MujocoEnv(envDefinition('point-mass'), await Simulation.fromXml(xml, '<unstable>'));
    for (const when of [0, 3]) {
      env.reset({ seed: 0 });
      for (let t = 0; t < when; t++) expect(env.step([0, 0]).info.nan).toBeUndefined();
      const r = env.step([1, 1]);
      expect(r.info.nan).toBe(true);
      expect(r.terminated).toBe(true);
      expect(r.obs.every((v) => Number.isFinite(v))).toBe(true);
    }
    expect(warn).toHaveBeenCalledTimes(1);
    env.close();
  });

  it("reports an engine failure with MuJoCo's message instead of hiding it", async () => {
    const xml = readFileSync(envSpec('ant').modelPath, 'utf8').replace('memory="1M"', 'memory="8K"');
    const env = new MujocoEnv(envDefinition('ant'), await Simulation.fromXml(xml, '<small arena>'));
    env.reset({ seed: 0 });
    // The arena overflows once the feet touch down and contacts need solver memory.
    let failure: Error | null = null;
    for (let t = 0; t < 100 && !failure; t++) {
      try {
        env.step(new Float32Array(8));
      } catch (err) {
        failure = err as Error;
      }
    }
    expect(failure?.message).toMatch(/^ant: MuJoCo failed at episode step \d+: .*out of memory/);
    expect(() => env.step(new Float32Array(8))).toThrow(/reset/);
    env.close();
  });

  it('rejects a model that does not fit the env definition', async () => {
    const sim = await Simulation.fromFile(envSpec('half-cheetah').modelPath);
    expect(() => new MujocoEnv(envDefinition('ant'), sim)).toThrow(
      /ant: model does not match the env spec: nq 9/,
    );
    expect(sim.disposed).toBe(true);
  });
});
