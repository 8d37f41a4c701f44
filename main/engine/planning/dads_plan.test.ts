import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { DadsAlgorithm } from '../algos/dads.ts';
import { resolveRunConfig } from '../presets.ts';
import { Rng } from '../rng.ts';
import { createEnv } from '../sim/envs.ts';
import { planWithDads } from './dads_plan.ts';
import { dadsPartsOf, dadsPartsOfSource } from './dads_model.ts';
import { loadSkillSource, type SkillSource } from '../runs/policy_source.ts';
import { trainRun } from '../runs/trainer.ts';
import { createRun, tempStore } from '../runs/test_helpers.ts';

describe('planning with a DADS algorithm: options and records', () => {
  async function untrained(set: string[] = []): Promise<DadsAlgorithm> {
    await initBackend({ quiet: true });
    const { config } = resolveRunConfig({ algo: 'dads', preset: 'point-mass', set: ['numEnvs=1', ...set] });
    return DadsAlgorithm.create(config);
  }

  it('records every setting with its source, overrides as overrides', async () => {
    const algo = await untrained();
    try {
      const { report } = await planWithDads(dadsPartsOf(algo), {
        goals: [[0.3, 0.3]],
        overrides: { hold: 5 },
        episodeSteps: 20,
        baseline: false,
      });
      expect(report.planner.settings.hold).toBe(5);
      expect(report.planner.episode_steps).toBe(20);
      const src = report.planner.sources;
      expect(src.hold).toBe('override');
      expect(src.episode_steps).toBe('option');
      expect(src.candidates).toMatch(/App\. A\.5/);
      expect(src.actions).toMatch(/mean action/);
      expect(src.stop_at_goal).toMatch(/our choice/);
      expect(src.success_radius).toBe('the point-mass env success radius');
      expect(Object.keys(src).sort()).toEqual(
        [
          ...Object.keys(report.planner.settings),
          'actions',
          'episode_steps',
          'stop_at_goal',
          'success_radius',
        ].sort(),
      );
    } finally {
      algo.dispose();
    }
  });

  it('refuses goals it cannot plan for, naming them', async () => {
    const algo = await untrained();
    try {
      await expect(
        planWithDads(dadsPartsOf(algo), {
          goals: [
            [0, 0],
            [1, Number.NaN],
          ],
        }),
      ).rejects.toThrow('goals[1]: goal must be 2 finite numbers, got [1,null]');
      await expect(planWithDads(dadsPartsOf(algo), { routes: [[[0, 0], [1]]] })).rejects.toThrow(
        'routes[0]: waypoint 2 must be 2 finite numbers',
      );
      await expect(planWithDads(dadsPartsOf(algo), {})).rejects.toThrow(
        'planning needs at least one goal or route',
      );
      await expect(planWithDads(dadsPartsOf(algo), { goals: [[0, 0]], radius: 0 })).rejects.toThrow(
        'radius must be a positive',
      );
      await expect(planWithDads(dadsPartsOf(algo), { goals: [[0, 0]], preset: 'fast' })).rejects.toThrow(
        'Unknown planner preset',
      );
    } finally {
      algo.dispose();
    }
    const noXy = await untrained(['stateFunction=full-without-xy', 'dads.dynamicsInput=obs-without-coords']);
    try {
      await expect(planWithDads(dadsPartsOf(noXy), { goals: [[0, 0]] })).rejects.toThrow(
        "goals in global coordinates (state function 'full-without-xy') need f(s) to include observation column 0",
      );
    } finally {
      noXy.dispose();
    }
  });
});

describe('zero-shot goal reaching with DADS skills on point-mass (learning test)', () => {
  it('MPPI over the skill dynamics reaches goals 0.5–0.8 m away; random skill sequences do not', async () => {
    const t0 = performance.now();
    // The quick run a new user trains first: the point-mass preset, 30 000 env steps, seed 0, trained
    // to a run directory and loaded back the way `skill-lab plan RUN` does (runs/policy_source.ts).
    const store = tempStore();
    const run = createRun(store, { algo: 'dads', preset: 'point-mass', seed: 0 });
    await trainRun(run, { quiet: true });
    const trainedS = (performance.now() - t0) / 1000;
    const source = await loadSkillSource(run.id, { workspace: store.root, accept: ['dads'] });
    try {
      // 12 goals at 0.5–0.8 m from where each episode starts, in directions all around. Episode e of
      // the planner resets with seed + e (execute.ts), so the starts are known beforehand.
      const seed = 100;
      const env = await createEnv('point-mass');
      const rng = new Rng(7);
      const goals = Array.from({ length: 12 }, (_, e) => {
        const q = env.reset({ seed: seed + e }).obs;
        const r = rng.uniformRange(0.5, 0.8);
        const th = (2 * Math.PI * (e + rng.uniform())) / 12;
        return [q[0] + r * Math.cos(th), q[1] + r * Math.sin(th)];
      });
      env.close();

      const before = snapshotSource(source);
      const tensors = tf.memory().numTensors;
      const { report, traces } = await planWithDads(dadsPartsOfSource(source), { goals, seed });
      expect(tf.memory().numTensors).toBe(tensors);
      // Frozen: not a weight nor a moving statistic changed.
      expect(snapshotSource(source)).toEqual(before);

      traces.planner.forEach((t, e) => {
        const d0 = Math.hypot(t.f[0][0] - goals[e][0], t.f[0][1] - goals[e][1]);
        expect(d0).toBeGreaterThanOrEqual(0.5);
        expect(d0).toBeLessThanOrEqual(0.8);
        expect(report.episodes[e].success).toBe(report.episodes[e].final_distance < 0.1);
      });
      expect(report.success_radius).toBe(0.1);
      expect(report.planner).toMatchObject({
        preset: 'dense',
        actions: 'mean',
        stop_at_goal: true,
        episode_steps: 50,
      });
      expect(report.planner.settings).toMatchObject({
        horizon: 1,
        hold: 10,
        candidates: 50,
        refineSteps: 10,
        gamma: 10,
      });
      expect(report.episodes.length).toBe(12);
      expect(report.success_rate).toBeGreaterThanOrEqual(0.8);
      expect(report.baseline!.success_rate).toBeLessThanOrEqual(0.3);
      expect(report.mean_final_distance).toBeLessThan(report.baseline!.mean_final_distance);
      console.log(
        `DADS + MPPI on point-mass: success ${report.success_rate.toFixed(2)}, mean final distance ` +
          `${report.mean_final_distance.toFixed(3)} m; random skills ${report.baseline!.success_rate.toFixed(2)}, ` +
          `${report.baseline!.mean_final_distance.toFixed(3)} m; training ${trainedS.toFixed(0)} s, ` +
          `all ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
    } finally {
      source.dispose();
    }
  });
});

/** Every weight and normalizer statistic of a policy source's frozen parts, by name. */
function snapshotSource(source: SkillSource): Map<string, number[]> {
  const vars: Record<string, tf.Variable> = { ...source.skillDynamics!.namedVariables() };
  source.policy.net.variables.forEach((v, i) => (vars[`policy/${i}`] = v));
  return new Map(Object.entries(vars).map(([k, v]) => [k, Array.from(v.dataSync())]));
}
