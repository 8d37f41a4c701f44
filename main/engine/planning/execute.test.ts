import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { createEnv, type MujocoEnv } from '../sim/envs.ts';
import type { SkillPolicy } from './dads_model.ts';
import { runPlanning, type RunPlanningOptions } from './execute.ts';
import { resolveMppiSettings, type SkillDynamicsModel } from './mppi.ts';
import { goalTask, waypointTask } from './tasks.ts';

/**
 * A hand-made skill and its dynamics on the real point mass: z is the motor command, and at full
 * command each axis settles at 0.35 m/s (assets/models/point_mass.xml), 0.0175 m per 0.05 s step.
 */
const model: SkillDynamicsModel = {
  skillDim: 2,
  fDim: 2,
  stateless: true,
  meanDelta: (_f, z) => tf.mul(z, 0.0175) as tf.Tensor2D,
};
const policy: SkillPolicy = { skillDim: 2, mode: 'mean', act: (_obs, z) => Float32Array.from(z) };

let env: MujocoEnv;
beforeAll(async () => {
  await initBackend({ quiet: true });
  env = await createEnv('point-mass', { maxEpisodeSteps: 60 });
});
afterAll(() => env.close());

function options(over: Partial<RunPlanningOptions> = {}): RunPlanningOptions {
  return {
    env,
    fDims: [0, 1],
    model,
    policy,
    tasks: [goalTask([0.5, -0.3], { dims: [0, 1], radius: 0.05 })],
    episodes: 1,
    planner: resolveMppiSettings('dense'),
    seed: 3,
    stopAtGoal: false,
    ...over,
  };
}

describe('executing skill plans in the env', () => {
  it('replans every H_Z steps, records what was executed and predicted, and reaches the goal', async () => {
    const { report, traces } = await runPlanning(options());
    const t = traces.planner[0];
    expect(t.steps).toBe(60);
    expect(t.f.length).toBe(61);
    expect(t.qpos.length).toBe(61);
    expect(t.segments.map((s) => s.start)).toEqual([0, 10, 20, 30, 40, 50]);
    for (const s of t.segments) {
      expect(s.predicted!.length).toBe(11);
      // A prediction starts where the robot was when it was made.
      expect(s.predicted![0]).toEqual(t.f[s.start]);
      expect(s.candidates.length).toBe(5);
      expect(s.skill.every((v) => Math.abs(v) <= 1)).toBe(true);
    }
    expect(t.final_distance).toBeLessThan(0.05);
    expect(report.episodes[0]).toEqual({
      goal: [0.5, -0.3],
      final_distance: t.final_distance,
      success: true,
      steps: 60,
    });
    // The baseline starts from the same reset and draws a prior skill per segment.
    const b = traces.baseline[0];
    expect(b.f[0]).toEqual(t.f[0]);
    expect(b.segments.every((s) => s.predicted === null && s.candidates.length === 0)).toBe(true);
    expect(report.baseline!.success_rate).toBe(0);
    expect(report.success_radius).toBe(0.05);
    expect(report.planner).toMatchObject({
      preset: 'dense',
      actions: 'mean',
      episode_steps: 60,
      stop_at_goal: false,
      seed: 3,
    });
  });

  it('ends an episode at the goal when asked, so steps is the time to reach it', async () => {
    const { report, traces } = await runPlanning(options({ stopAtGoal: true, baseline: false }));
    expect(report.baseline).toBeNull();
    const t = traces.planner[0];
    expect(t.steps).toBe(t.steps_to_goal);
    expect(t.steps).toBeLessThan(60);
    expect(t.final_distance).toBeLessThan(0.05);
    expect(traces.baseline).toEqual([]);
  });

  it('follows waypoints in order', async () => {
    const route = waypointTask(
      [
        [0.4, 0],
        [0.4, 0.4],
      ],
      { dims: [0, 1], radius: 0.05 },
    );
    const { report, traces } = await runPlanning(
      options({ tasks: [route], baseline: false, stopAtGoal: true }),
    );
    expect(report.success_rate).toBe(1);
    const f = traces.planner[0].f;
    // It went by the first waypoint before the second.
    const near = (p: number[], w: number[]) => Math.hypot(p[0] - w[0], p[1] - w[1]) < 0.05;
    const first = f.findIndex((p) => near(p, [0.4, 0]));
    expect(first).toBeGreaterThan(0);
    expect(f.findIndex((p) => near(p, [0.4, 0.4]))).toBeGreaterThan(first);
  });

  it('reruns identically from its seed', async () => {
    const a = (await runPlanning(options())).traces;
    const b = (await runPlanning(options())).traces;
    expect(b.planner[0].f).toEqual(a.planner[0].f);
    expect(b.baseline[0].f).toEqual(a.baseline[0].f);
  });

  it('refuses what cannot be run, and stops when aborted', async () => {
    await expect(runPlanning(options({ tasks: [] }))).rejects.toThrow('planning needs at least one goal');
    await expect(
      runPlanning(
        options({
          tasks: [
            goalTask([0, 0], { dims: [0, 1], radius: 0.05 }),
            goalTask([0, 0], { dims: [0, 1], radius: 0.1 }),
          ],
        }),
      ),
    ).rejects.toThrow('same radius');
    await expect(runPlanning(options({ policy: { ...policy, skillDim: 3 } }))).rejects.toThrow(
      'the skill dynamics takes z of length 2, the policy 3',
    );
    await expect(runPlanning(options({ episodes: 0 }))).rejects.toThrow(
      'episodes must be a positive integer',
    );
    const ctl = new AbortController();
    ctl.abort(new Error('stopped by the user'));
    await expect(runPlanning(options({ signal: ctl.signal }))).rejects.toThrow('stopped by the user');
  });

  it('yields to the event loop between segments: a stop that arrives as an event ends it mid-episode', async () => {
    // An abort from a timer (as a stop message from the parent process arrives) can only be seen
    // when planning gives the event loop a turn.
    const ctl = new AbortController();
    const segmentsSeen: number[] = [];
    const timer = setTimeout(() => ctl.abort(new Error('stopped by the user')), 0);
    const run = runPlanning(
      options({
        signal: ctl.signal,
        tasks: [goalTask([0.5, -0.3], { dims: [0, 1], radius: 0.05 })],
        onEpisode: (t) => void segmentsSeen.push(t.segments.length),
      }),
    );
    await expect(run).rejects.toThrow('stopped by the user');
    clearTimeout(timer);
    expect(segmentsSeen).toEqual([]);
  });
});
