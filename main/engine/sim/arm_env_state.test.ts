import { describe, expect, it } from 'vitest';
import { typedToBase64 } from '../exact_json.ts';
import { Rng } from '../rng.ts';
import { builtinTask } from '../tasks/builtin.ts';
import { compileTask, type CompiledTask } from '../tasks/compile.ts';
import type { TaskSpec } from '../tasks/schema.ts';
import { ArmEnv, createArmEnv, type ArmEnvState } from './arm_env.ts';
import type { GoalStepResult } from './types.ts';

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

/** Builds one env per seed, runs `fn`, closes them all. */
async function withEnvs<T>(
  t: CompiledTask,
  seeds: Array<number | undefined>,
  fn: (...envs: ArmEnv[]) => T | Promise<T>,
): Promise<T> {
  const envs: ArmEnv[] = [];
  try {
    for (const seed of seeds) envs.push(await createArmEnv(t, seed === undefined ? {} : { seed }));
    return await fn(...envs);
  } finally {
    envs.forEach((e) => e.close());
  }
}

function actionsFrom(rng: Rng, dim: number): number[] {
  return Array.from({ length: dim }, () => rng.uniformRange(-1, 1));
}

/** Through JSON, as a checkpoint file would carry it. */
const viaJson = (s: ArmEnvState): ArmEnvState => JSON.parse(JSON.stringify(s)) as ArmEnvState;

/** Everything a step returns plus qpos, for bit-for-bit comparison. */
function record(env: ArmEnv, s: GoalStepResult) {
  return {
    observation: s.obs.observation,
    achievedGoal: s.obs.achievedGoal,
    desiredGoal: s.obs.desiredGoal,
    reward: s.reward,
    terminated: s.terminated,
    truncated: s.truncated,
    info: s.info,
    qpos: typedToBase64(env.qpos()), // the exact bytes
  };
}

/**
 * Steps `a` K seeded random actions from a seeded reset, checkpoints it through JSON into `b` (built
 * with another seed, reset and stepped differently), then steps both with the same actions until the
 * episode truncates, comparing every step; finally both reset from their (restored) generators.
 */
function continueExactly(a: ArmEnv, b: ArmEnv, k: number): void {
  const dim = a.actionSpace.shape[0];
  const acts = new Rng(123);
  a.reset({ seed: 5 });
  for (let i = 0; i < k; i++) a.step(actionsFrom(acts, dim));
  const other = new Rng(9);
  b.reset({ seed: 77 });
  for (let i = 0; i < 3; i++) b.step(actionsFrom(other, dim));

  const state = viaJson(a.getState());
  b.setState(state);
  expect(b.elapsedSteps).toBe(k);
  expect(b.desiredGoal).toEqual(a.desiredGoal);
  expect(b.physics()).toEqual(a.physics());
  expect(b.qpos()).toEqual(a.qpos());
  expect(viaJson(b.getState())).toEqual(state);

  let steps = 0;
  for (;;) {
    const act = actionsFrom(acts, dim);
    const sa = a.step(act);
    const sb = b.step(act);
    expect(record(b, sb)).toEqual(record(a, sa));
    steps++;
    if (sa.truncated || sa.terminated) break;
  }
  expect(k + steps).toBe(a.maxEpisodeSteps);
  expect(() => b.step(actionsFrom(acts, dim))).toThrow(/the episode ended/);
  // The reset generator travelled too: the next unseeded episodes are the same.
  expect(b.reset().obs).toEqual(a.reset().obs);
  const act = actionsFrom(acts, dim);
  expect(record(b, b.step(act))).toEqual(record(a, a.step(act)));
}

describe('arm env state: continuing an episode in another env', () => {
  it('continues push (a block) bit for bit after a JSON round trip', async () => {
    await withEnvs(task('push'), [1, 2], (a, b) => continueExactly(a, b, 17));
  });

  it('continues reach bit for bit', async () => {
    await withEnvs(task('reach'), [1, 2], (a, b) => continueExactly(a, b, 9));
  });

  it('continues reach under joint-velocity control bit for bit', async () => {
    const t = task('reach', (s) => (s.control = 'joint-velocity'));
    await withEnvs(t, [1, 2], (a, b) => continueExactly(a, b, 12));
  });

  it('continues a randomized push bit for bit, re-applying the saved draws to the model', async () => {
    const t = task(
      'push',
      (s) =>
        (s.randomization = {
          mass: [0.5, 1.5],
          friction: [0.5, 1.5],
          damping: [1, 2],
          actuatorGain: [0.8, 1.2],
          bodies: [{ body: 'table', friction: [0.2, 0.4] }],
        }),
    );
    await withEnvs(t, [1, 2], (a, b) => {
      a.reset({ seed: 5 });
      b.reset({ seed: 77 });
      // Different episodes have different physics, so the continuation below needs the draws restored.
      expect(b.physics()).not.toEqual(a.physics());
      const mass = (e: ArmEnv) => Float64Array.from(e.simulation.model.body_mass as Float64Array);
      expect(mass(b)).not.toEqual(mass(a));
      continueExactly(a, b, 20);
      expect(mass(b)).toEqual(mass(a));
    });
  });

  it('restores a state taken before any reset: no episode, the seeded generator, the nominal model', async () => {
    const t = task('push', (s) => (s.randomization = { mass: [0.5, 1.5], bodies: [] }));
    await withEnvs(t, [3, 4, undefined], (a, b, unseeded) => {
      const state = viaJson(a.getState());
      expect(state.last).toBeNull();
      expect(state.needsReset).toBe(true);
      expect(state.everReset).toBe(false);
      const mass = (e: ArmEnv) => Float64Array.from(e.simulation.model.body_mass as Float64Array);
      const nominal = mass(a);
      b.reset({ seed: 8 });
      b.step([0.3, 0, 0, 0]);
      expect(mass(b)).not.toEqual(nominal);
      b.setState(state);
      expect(() => b.step([0, 0, 0, 0])).toThrow(/step\(\) called before reset\(\)/);
      expect(b.physics()).toEqual(Float64Array.of(1));
      expect(mass(b)).toEqual(nominal);
      // Seed 3's generator: the first unseeded reset of both draws the same episode.
      expect(b.reset().obs).toEqual(a.reset().obs);
      expect(b.physics()).toEqual(a.physics());

      // An env built without a seed has no generator before its first reset; neither has b then.
      const none = unseeded.getState();
      expect(none.rng).toBeNull();
      b.setState(viaJson(none));
      expect(b.getState().rng).toBeNull();
    });
  });

  it('refuses a state that does not fit, naming the part, and stays unchanged', async () => {
    await withEnvs(task('push'), [1, 2], (a, b) => {
      a.reset({ seed: 1 });
      a.step([0.5, 0, 0, 0]);
      const good = viaJson(a.getState());
      b.reset({ seed: 2 });
      b.step([0, 0.5, 0, 0]);
      const before = viaJson(b.getState());
      const bad = (edit: (s: ArmEnvState) => void): ArmEnvState => {
        const s = viaJson(good);
        edit(s);
        return s;
      };
      const b64 = (...v: number[]) => typedToBase64(Float64Array.from(v));
      const cases: Array<[ArmEnvState, RegExp]> = [
        [
          bad((s) => (s.physics = s.physics.slice(0, -12))),
          /push env state physics: \d+ bytes, expected \d+/,
        ],
        [bad((s) => (s.goal = b64(0, 0))), /push env state goal: 16 bytes, expected 24/],
        [bad((s) => (s.goal = b64(0, NaN, 0))), /push env state goal: must be finite/],
        [bad((s) => (s.draws = b64(1))), /push env state draws: 8 bytes, expected 0/],
        [bad((s) => (s.grip = b64(0, 0))), /push env state grip: 16 bytes, expected 24/],
        [
          bad((s) => (s.last!.observation = typedToBase64(new Float32Array(10)))),
          /push env state last\.observation: 40 bytes, expected 100/,
        ],
        [
          bad((s) => (s.elapsedSteps = 51)),
          /push env state elapsedSteps: must be an integer in \[0, 50\], got 51/,
        ],
        [bad((s) => (s.elapsedSteps = -1)), /elapsedSteps: must be an integer/],
        [bad((s) => (s.elapsedSteps = 50)), /push env state needsReset: false needs/],
        [bad((s) => (s.last = null)), /push env state needsReset: false needs/],
        [bad((s) => (s.rng = [1, 2, 3])), /push env state rng: expected 4 uint32 words/],
        [bad((s) => (s.task = 'slide')), /push env state: task is 'slide', expected 'push'/],
      ];
      for (const [state, message] of cases) {
        expect(() => b.setState(state)).toThrow(message);
        expect(viaJson(b.getState())).toEqual(before);
      }
      // Still usable, and the good state still restores.
      b.step([0, 0, 0, 0]);
      b.setState(good);
      expect(viaJson(b.getState())).toEqual(good);
    });
  });
});

describe('arm env: placing the first object at reset', () => {
  it('starts the block where asked and draws the rest of the episode as without the option', async () => {
    await withEnvs(task('push'), [1, 1], (a, b) => {
      const plain = a.reset({ seed: 6 }).obs;
      const placed = b.reset({ seed: 6, objectPosition: [0.12, -0.05, 0.025] }).obs;
      expect(Array.from(placed.achievedGoal).map((v) => +v.toFixed(6))).toEqual([0.12, -0.05, 0.025]);
      // The sampler was still called: same goal, and the next unseeded episodes coincide.
      expect(placed.desiredGoal).toEqual(plain.desiredGoal);
      expect(b.reset().obs).toEqual(a.reset().obs);
    });
  });

  it('refuses a malformed position, or one for a task without objects', async () => {
    await withEnvs(task('push'), [1], (env) => {
      env.reset({ seed: 2 });
      const state = viaJson(env.getState());
      expect(() => env.reset({ objectPosition: [0, 0] })).toThrow(
        /push: a reset objectPosition must be 3 finite numbers/,
      );
      expect(() => env.reset({ objectPosition: [0, Infinity, 0.03] })).toThrow(/must be 3 finite numbers/);
      expect(viaJson(env.getState())).toEqual(state);
    });
    await withEnvs(task('reach'), [1], (env) => {
      expect(() => env.reset({ objectPosition: [0, 0, 0.1] })).toThrow(
        /reach: a reset objectPosition needs an object; the task has none/,
      );
    });
  });

  it('rests a block placed on top of the rail (rail-push)', async () => {
    await withEnvs(task('rail-push'), [1], (env) => {
      // The rail is 6 cm high along x through y = 0; the block's half height is 2.5 cm.
      const at = [0.1, 0, 0.085];
      const { obs } = env.reset({ seed: 3, objectPosition: at });
      const startGrip = Array.from(obs.observation.slice(0, 3));
      const dist = (p: ArrayLike<number>) => Math.hypot(p[0] - at[0], p[1] - at[1], p[2] - at[2]);
      expect(dist(obs.achievedGoal)).toBeLessThan(1e-6);
      // No motion, fingers held open as at the start (the gripper command is absolute: +1 open).
      for (let i = 0; i < 25; i++) {
        const s = env.step([0, 0, 0, 1]);
        expect(dist(s.obs.achievedGoal)).toBeLessThan(0.01);
        expect(s.obs.achievedGoal[2]).toBeGreaterThan(0.075);
        if (i === 24)
          expect(Math.hypot(...[0, 1, 2].map((k) => s.obs.observation[k] - startGrip[k]))).toBeLessThan(0.01);
      }
    });
  });
});
