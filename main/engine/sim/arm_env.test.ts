import { afterEach, describe, expect, it, vi } from 'vitest';
import { Rng } from '../rng.ts';
import { builtinTask } from '../tasks/builtin.ts';
import { compileTask, type CompiledTask } from '../tasks/compile.ts';
import type { TaskSpec } from '../tasks/schema.ts';
import { ARM_MAX_STEP, ArmEnv, createArmEnv, FINGER_OPEN } from './arm_env.ts';
import { wasmHeapBytes } from './mujoco.ts';
import type { GoalObservation } from './types.ts';
import { ARM_STEP_DT } from '../env_names.ts';

afterEach(() => vi.restoreAllMocks());

const compiled = new Map<string, CompiledTask>();
function task(name: string, edit?: (s: TaskSpec) => void): CompiledTask {
  if (!edit) {
    if (!compiled.has(name)) compiled.set(name, compileTask(builtinTask(name)));
    return compiled.get(name)!;
  }
  const spec = builtinTask(name);
  edit(spec);
  return compileTask(spec);
}

async function withEnv<T>(t: CompiledTask, fn: (env: ArmEnv) => T | Promise<T>, seed = 0): Promise<T> {
  const env = await createArmEnv(t, { seed });
  try {
    return await fn(env);
  } finally {
    env.close();
  }
}

const clip1 = (v: number) => Math.max(-1, Math.min(1, v));
/** A proportional Cartesian command toward `to`, saturating at one full step. */
function toward(grip: ArrayLike<number>, to: readonly number[], gripper = 0): number[] {
  return [0, 1, 2].map((k) => clip1((to[k] - grip[k]) / ARM_MAX_STEP)).concat(gripper);
}

function mocap(env: ArmEnv): number[] {
  return Array.from((env.simulation.data.mocap_pos as Float64Array).slice(0, 3));
}

function dist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

describe('arm env: spaces and reset', () => {
  it('takes a desired goal at reset instead of drawing one, and refuses a malformed one', async () => {
    await withEnv(task('reach'), (env) => {
      const { obs } = env.reset({ seed: 4, goal: [0.05, -0.1, 0.3] });
      expect(Array.from(obs.desiredGoal).map((v) => +v.toFixed(6))).toEqual([0.05, -0.1, 0.3]);
      expect(Array.from(env.desiredGoal)).toEqual([0.05, -0.1, 0.3]);
      expect(() => env.reset({ goal: [0, 0] })).toThrow(/reset goal must be 3 finite numbers/);
      expect(() => env.reset({ goal: [0, NaN, 0] })).toThrow(/reset goal must be 3 finite numbers/);
    });
  });

  it('has Fetch dimensions and timing', async () => {
    await withEnv(task('reach'), (env) => {
      expect(env.observationSpace.shape).toEqual([10]);
      expect(env.actionSpace.shape).toEqual([4]);
      expect(env.goalSpace.shape).toEqual([3]);
      expect(env.dt).toBeCloseTo(ARM_STEP_DT, 12);
      expect(env.maxEpisodeSteps).toBe(50);
      const { obs, info } = env.reset();
      expect(obs.observation.length).toBe(10);
      expect(env.qpos().length).toBe(env.nq);
      // Reach: achieved goal = grip position, settled at the task's gripper start.
      expect(Array.from(obs.achievedGoal)).toEqual(Array.from(obs.observation.slice(0, 3)));
      expect(dist(obs.achievedGoal, [0, 0, 0.2])).toBeLessThan(1e-3);
      expect(typeof info.success).toBe('boolean');
    });
    await withEnv(task('push'), (env) => {
      expect(env.observationSpace.shape).toEqual([25]);
      const { obs } = env.reset();
      const o = obs.observation;
      // object_pos, object_rel_pos = object − grip, achieved goal = object position at rest height.
      expect(Array.from(obs.achievedGoal)).toEqual(Array.from(o.slice(3, 6)));
      for (let k = 0; k < 3; k++) expect(o[6 + k]).toBeCloseTo(o[3 + k] - o[k], 6);
      expect(o[5]).toBeCloseTo(0.025, 3);
      // Objects start at least 0.1 m from the gripper in x-y.
      expect(Math.hypot(o[3] - o[0], o[4] - o[1])).toBeGreaterThanOrEqual(0.1);
    });
  });

  it('is truncated after the episode length, never terminated on success, and guards its calls', async () => {
    await withEnv(
      task('reach', (s) => (s.episodeLength = 5)),
      (env) => {
        expect(() => env.step([0, 0, 0, 0])).toThrow(/step\(\) called before reset\(\)/);
        const { obs } = env.reset({ seed: 1 });
        let last;
        for (let t = 0; t < 5; t++) last = env.step(toward(obs.observation, Array.from(obs.desiredGoal)));
        expect(last!.truncated).toBe(true);
        expect(last!.terminated).toBe(false);
        expect(() => env.step([0, 0, 0, 0])).toThrow(/the episode ended \(step 5\); call reset\(\)/);
        env.reset();
        expect(() => env.step([0, 0, 0])).toThrow(/action has length 3, expected 4/);
        expect(() => env.step([0, Number.NaN, 0, 0])).toThrow(/action\[1\] is NaN/);
        expect(() => env.reset({ seed: 0.5 })).toThrow(/reset seed must be an integer/);
        env.close();
        env.close();
        expect(() => env.reset()).toThrow(/env is closed/);
      },
    );
  });
});

describe('arm env: Cartesian control', () => {
  it('moves the grip site where asked, to within a few mm after settling', async () => {
    await withEnv(task('reach'), (env) => {
      let { obs } = env.reset({ seed: 2 });
      const target = [0.12, -0.1, 0.12];
      for (let t = 0; t < 15; t++) obs = env.step(toward(obs.observation, target)).obs;
      for (let t = 0; t < 5; t++) obs = env.step([0, 0, 0, 0]).obs;
      expect(dist(obs.observation, target)).toBeLessThan(0.003);
      expect(dist(obs.observation, mocap(env))).toBeLessThan(0.003);
    });
  });

  it('moves the mocap at most 5 cm per step and keeps it in the workspace box', async () => {
    await withEnv(task('reach'), (env) => {
      const { obs } = env.reset({ seed: 3 });
      const grip = obs.observation.slice(0, 3);
      const s = env.step([7, -0.5, 0, 0]); // clipped to [1, -0.5, 0]
      const m = mocap(env);
      expect(m[0] - grip[0]).toBeCloseTo(ARM_MAX_STEP, 6);
      expect(m[1] - grip[1]).toBeCloseTo(-0.5 * ARM_MAX_STEP, 6);
      expect(m[2] - grip[2]).toBeCloseTo(0, 6);
      expect(dist(s.obs.observation, grip)).toBeLessThanOrEqual(Math.hypot(0.05, 0.025) + 1e-3);
      // grip_velp·dt: the per-step displacement, a few cm, not a speed in m/s.
      expect(Math.abs(s.obs.observation[5])).toBeLessThan(0.06);
      const ws = env.task.spec.workspace;
      for (let t = 0; t < 20; t++) env.step([1, 1, 1, 0]);
      const far = mocap(env);
      for (let k = 0; k < 3; k++) expect(far[k]).toBeLessThanOrEqual(ws.high[k] + 1e-12);
    });
  });

  it('opens and closes a free gripper, and holds a blocked one closed', async () => {
    await withEnv(task('pick-and-place'), (env) => {
      env.reset({ seed: 4 });
      // Finger qpos sit at 3 + 6k in a k-object observation.
      env.step([0, 0, 0, -1]);
      const closed = env.step([0, 0, 0, -1]).obs.observation;
      expect(closed[9]).toBeLessThan(0.002);
      expect(closed[10]).toBeLessThan(0.002);
      env.step([0, 0, 0, 1]);
      const open = env.step([0, 0, 0, 1]).obs.observation;
      expect(open[9]).toBeGreaterThan(FINGER_OPEN - 0.002);
      expect(open[10]).toBeGreaterThan(FINGER_OPEN - 0.002);
    });
    await withEnv(task('push'), (env) => {
      env.reset({ seed: 4 });
      const o = env.step([0, 0, 0, 1]).obs.observation;
      expect(o[9]).toBeLessThan(0.002);
    });
  });

  it('pushes the block toward the goal with a scripted push', async () => {
    await withEnv(task('push'), (env) => {
      let { obs } = env.reset({ seed: 3 });
      const goal = Array.from(obs.desiredGoal);
      const start = Array.from(obs.achievedGoal);
      let phase = 0;
      let info = {} as Record<string, unknown>;
      for (let t = 0; t < 50 && !info.success; t++) {
        const o = obs.observation;
        const block = o.slice(3, 6);
        const d = Math.hypot(goal[0] - block[0], goal[1] - block[1]);
        const ux = (goal[0] - block[0]) / d;
        const uy = (goal[1] - block[1]) / d;
        // Behind the block (seen from the goal), then down to table height, then through the block.
        const behind = [block[0] - 0.06 * ux, block[1] - 0.06 * uy];
        let target: number[];
        if (phase === 0) {
          target = [behind[0], behind[1], 0.1];
          if (Math.hypot(o[0] - behind[0], o[1] - behind[1]) < 0.01) phase = 1;
        } else if (phase === 1) {
          target = [behind[0], behind[1], 0.03];
          if (o[2] < 0.035) phase = 2;
        } else {
          const step = Math.min(d, 0.03);
          target = [block[0] - 0.045 * ux + step * ux, block[1] - 0.045 * uy + step * uy, 0.03];
        }
        const s = env.step(toward(o, target));
        obs = s.obs;
        info = s.info;
      }
      const end = Math.hypot(goal[0] - obs.achievedGoal[0], goal[1] - obs.achievedGoal[1]);
      const begin = Math.hypot(goal[0] - start[0], goal[1] - start[1]);
      expect(begin).toBeGreaterThan(0.1);
      expect(end).toBeLessThan(0.05);
      expect(info.success).toBe(true);
    });
  });

  it('lifts the block with a scripted grasp (pick-and-place)', async () => {
    await withEnv(task('pick-and-place'), (env) => {
      let { obs } = env.reset({ seed: 5 });
      let phase = 0;
      let closing = 0;
      let info = {} as Record<string, unknown>;
      for (let t = 0; t < 50; t++) {
        const o = obs.observation;
        const block = o.slice(3, 6);
        let target: number[];
        let gripper = 1;
        if (phase === 0) {
          target = [block[0], block[1], 0.1];
          if (Math.hypot(o[0] - block[0], o[1] - block[1]) < 0.005) phase = 1;
        } else if (phase === 1) {
          target = [block[0], block[1], 0.035];
          if (o[2] < 0.04) phase = 2;
        } else if (phase === 2) {
          target = [block[0], block[1], 0.035];
          gripper = -1;
          if (++closing > 3) phase = 3;
        } else {
          target = [0.05, 0.05, 0.3];
          gripper = -1;
        }
        const s = env.step(toward(o, target, gripper));
        obs = s.obs;
        info = s.info;
      }
      expect(info.liftHeight as number).toBeGreaterThan(0.2);
      expect(dist(obs.achievedGoal, [0.05, 0.05, 0.3 - 0.025])).toBeLessThan(0.03);
    });
  });

  it('pushes a block against a wall without the fingers tunnelling through either', async () => {
    const t = task('push', (s) => {
      s.objects[0].start = { x: [0.1, 0.1], y: [0, 0] };
      s.obstacles = [{ kind: 'wall', pos: [0.2, 0], yaw: Math.PI / 2, halfSize: [0.2, 0.01, 0.04] }];
    });
    await withEnv(t, (env) => {
      let { obs } = env.reset({ seed: 4 });
      for (let k = 0; k < 40; k++) {
        const o = obs.observation;
        const target = k < 12 ? [0.03, 0, k < 6 ? 0.1 : 0.03] : [o[0] + 0.05, 0, 0.03];
        obs = env.step(toward(o, target)).obs;
      }
      // The wall's face is at x = 0.19: the block (half size 0.025) stops at 0.165, the grip behind it.
      expect(obs.achievedGoal[0]).toBeLessThan(0.17);
      expect(obs.observation[0]).toBeLessThan(obs.achievedGoal[0]);
    });
  });

  it('keeps the arm within its joint limits when driven to the workspace corners', async () => {
    await withEnv(task('reach'), (env) => {
      const { model } = env.simulation;
      const range = model.jnt_range as Float64Array;
      const adr = model.jnt_qposadr as Int32Array;
      const rng = new Rng(9);
      let worstArm = 0;
      let worstFinger = 0;
      for (let ep = 0; ep < 4; ep++) {
        env.reset();
        const a: number[] = [0, 1, 2].map((): number => (rng.uniform() < 0.5 ? -1 : 1)).concat(0);
        for (let t = 0; t < 50; t++) {
          env.step(t < 25 ? a : a.map((v) => -v));
          const q = env.qpos();
          for (let j = 0; j < 9; j++) {
            const v = Math.max(range[2 * j] - q[adr[j]], q[adr[j]] - range[2 * j + 1]);
            if (j < 7) worstArm = Math.max(worstArm, v);
            else worstFinger = Math.max(worstFinger, v);
          }
        }
      }
      // Limits are soft constraints: a violation of a few mrad (arm) or mm (fingers, pressed on the table) at most.
      expect(worstArm).toBeLessThan(0.01);
      expect(worstFinger).toBeLessThan(0.005);
    });
  });
});

describe('arm env: joint-velocity control', () => {
  it('drives the joints at the commanded speed with the weld off', async () => {
    const t = task('reach', (s) => (s.control = 'joint-velocity'));
    await withEnv(t, (env) => {
      expect(env.actionSpace.shape).toEqual([8]);
      const { obs } = env.reset({ seed: 1 });
      const q0 = env.qpos();
      for (let k = 0; k < 5; k++) env.step([0.5, 0, 0, 0, 0, 0, 0, 0]);
      const q1 = env.qpos();
      // 0.5 · 1.5 rad/s for 0.2 s is 0.15 rad, less the servo's lag (time constant ≈ 0.05 s).
      expect(q1[0] - q0[0]).toBeGreaterThan(0.1);
      expect(q1[0] - q0[0]).toBeLessThan(0.15);
      const qvel = env.simulation.data.qvel as Float64Array;
      expect(qvel[0]).toBeCloseTo(0.75, 1);
      const grip = env.step([0, 0, 0, 0, 0, 0, 0, 0]).obs.observation;
      // The weld would have pulled the grip back to the mocap at the start.
      expect(dist(grip, obs.observation)).toBeGreaterThan(0.05);
    });
  });
});

describe('arm env: reproducibility, randomization and resources', () => {
  async function rollout(t: CompiledTask, seed: number, episodes: number): Promise<number[]> {
    return withEnv(t, (env) => {
      const out: number[] = [];
      const push = (o: GoalObservation) => out.push(...o.observation, ...o.achievedGoal, ...o.desiredGoal);
      for (let ep = 0; ep < episodes; ep++) {
        const rng = new Rng(seed + 100);
        push(env.reset({ seed }).obs);
        for (let k = 0; k < 15; k++) {
          const s = env.step([
            rng.uniformRange(-1, 1),
            rng.uniformRange(-1, 1),
            rng.uniformRange(-1, 1),
            rng.uniformRange(-1, 1),
          ]);
          push(s.obs);
          out.push(s.reward, ...env.qpos());
        }
      }
      return out;
    });
  }

  it('replays an episode bit for bit from the same seed, also after other episodes', async () => {
    const t = task('pick-and-place');
    const a = await rollout(t, 11, 1);
    const b = await rollout(t, 11, 1);
    expect(b).toEqual(a);
    // A second episode from the same seed in the same env (stale mocap, warm start or ctrl would show here).
    const twice = await rollout(t, 11, 2);
    expect(twice.slice(a.length)).toEqual(a);
    const other = await rollout(t, 12, 1);
    expect(other).not.toEqual(a);
  });

  it('draws domain randomization per reset from the ranges, reproducibly', async () => {
    const t = task(
      'push',
      (s) => (s.randomization = { mass: [0.5, 1.5], friction: [0.8, 1.2], damping: [1, 2], bodies: [] }),
    );
    await withEnv(t, (env) => {
      const { mj, model } = env.simulation;
      const body = mj.mj_name2id(model, mj.mjtObj.mjOBJ_BODY.value, 'object0');
      expect(env.physicsKeys).toEqual(['friction_scale', 'mass_scale', 'damping_scale']);
      expect(Array.from(env.physics())).toEqual([1, 1, 1]);
      const masses: number[] = [];
      for (const seed of [1, 2, 1]) {
        env.reset({ seed });
        const [, mass] = env.physics();
        const m = (model.body_mass as Float64Array)[body];
        expect(m).toBeCloseTo(2 * mass, 9);
        expect(mass).toBeGreaterThanOrEqual(0.5);
        expect(mass).toBeLessThan(1.5);
        masses.push(m);
      }
      expect(masses[0]).toBe(masses[2]);
      expect(masses[0]).not.toBe(masses[1]);
    });
  });

  it("draws a body's own range instead of the shared one: the table's friction alone, the block's mass alone", async () => {
    const t = task(
      'push',
      (s) =>
        (s.randomization = {
          friction: [0.8, 1.2],
          bodies: [
            { body: 'table', friction: [0.2, 0.3] },
            { body: 'object0', mass: [2, 3] },
          ],
        }),
    );
    await withEnv(t, (env) => {
      const { mj, model } = env.simulation;
      const geom = (name: string) => mj.mj_name2id(model, mj.mjtObj.mjOBJ_GEOM.value, name);
      const friction = model.geom_friction as Float64Array;
      const nominal = { table: friction[3 * geom('table')], object: friction[3 * geom('object0')] };
      const massOf = () =>
        (model.body_mass as Float64Array)[mj.mj_name2id(model, mj.mjtObj.mjOBJ_BODY.value, 'object0')];
      const nominalMass = massOf();
      expect(env.physicsKeys).toEqual(['friction_scale', 'table_friction_scale', 'object0_mass_scale']);
      for (const seed of [3, 4]) {
        env.reset({ seed });
        const [shared, table, mass] = env.physics();
        expect(shared).toBeGreaterThanOrEqual(0.8);
        expect(shared).toBeLessThan(1.2);
        expect(table).toBeGreaterThanOrEqual(0.2);
        expect(table).toBeLessThan(0.3);
        expect(mass).toBeGreaterThanOrEqual(2);
        expect(friction[3 * geom('table')]).toBeCloseTo(nominal.table * table, 12);
        expect(friction[3 * geom('object0')]).toBeCloseTo(nominal.object * shared, 12);
        expect(massOf()).toBeCloseTo(nominalMass * mass, 12);
      }
    });
  });

  it('ends the episode as terminated when the state turns NaN', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await withEnv(task('push'), (env) => {
      const { obs } = env.reset({ seed: 1 });
      (env.simulation.data.qvel as Float64Array)[0] = Number.NaN;
      const s = env.step([0, 0, 0, 0]);
      expect(s.terminated).toBe(true);
      expect(s.info.nan).toBe(true);
      expect(s.reward).toBe(0);
      expect(Array.from(s.obs.observation)).toEqual(Array.from(obs.observation));
      expect(() => env.step([0, 0, 0, 0])).toThrow(/the episode ended/);
      expect(env.reset().obs.observation.every(Number.isFinite)).toBe(true);
    });
  });

  it("1,000 create/close cycles don't grow the WASM heap", async () => {
    const t = task('push');
    const cycle = async (i: number) => {
      const env = await createArmEnv(t, { seed: i });
      env.reset();
      env.step([0.1, 0, 0, 0]);
      env.close();
    };
    for (let i = 0; i < 30; i++) await cycle(i);
    const before = await wasmHeapBytes();
    for (let i = 0; i < 1000; i++) await cycle(i);
    expect(await wasmHeapBytes()).toBe(before);
  });

  it('measures env steps per second on push (one env)', async () => {
    await withEnv(task('push'), (env) => {
      const rng = new Rng(0);
      env.reset();
      const act = new Float32Array(4);
      const steps = 1000;
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) {
        for (let k = 0; k < 4; k++) act[k] = rng.uniformRange(-1, 1);
        if (env.step(act).truncated) env.reset();
      }
      const rate = steps / ((performance.now() - t0) / 1000);
      console.log(`arm push: ${rate.toFixed(0)} env steps/s (20 substeps each, one env)`);
      expect(rate).toBeGreaterThan(50);
    });
  });
});
