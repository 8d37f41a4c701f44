import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import { BUILTIN_TASK_NAMES, builtinTask } from '../tasks/builtin.ts';
import { compileTask } from '../tasks/compile.ts';
import { createGoalEnv } from './goal_envs.ts';

describe('goal envs of the built-in tasks', () => {
  it.each(BUILTIN_TASK_NAMES.map((n) => [n]))(
    '%s: step reward and success equal evaluate(achieved, desired, info) on the step outputs',
    async (name) => {
      const env = await createGoalEnv(name, { seed: 7 });
      try {
        const rng = new Rng(7);
        const { obs } = env.reset();
        expect(obs.observation.length).toBe(env.observationSpace.shape[0]);
        expect(obs.achievedGoal.length).toBe(env.goalSpace.shape[0]);
        expect(obs.desiredGoal.length).toBe(env.goalSpace.shape[0]);
        const act = new Float32Array(env.actionSpace.shape[0]);
        for (let t = 0; t < 12; t++) {
          for (let i = 0; i < act.length; i++) act[i] = rng.uniformRange(-1, 1);
          const s = env.step(act);
          const info: Record<string, Float32Array> = {};
          for (const key of env.infoKeys) info[key] = Float32Array.of(s.info[key] as number);
          const ev = env.evaluate(s.obs.achievedGoal, s.obs.desiredGoal, info);
          expect(s.reward).toBe(ev.reward[0]);
          expect(s.info.success).toBe(ev.success[0] === 1);
          expect(s.terminated).toBe(false);
        }
      } finally {
        env.close();
      }
    },
  );

  it('hands the ee-object and lift info columns from step to evaluate (dense shaped pick-and-place)', async () => {
    const spec = builtinTask('pick-and-place');
    spec.reward = [
      { kind: 'dense', weight: 1 },
      { kind: 'ee-object', weight: 0.5 },
      { kind: 'lift', weight: 2, maxHeight: 0.2 },
    ];
    const env = await createGoalEnv(spec, { seed: 3 });
    try {
      expect(env.infoKeys).toEqual(['eeObjectDistance', 'liftHeight']);
      const { obs } = env.reset();
      const s = env.step([0, 0, -1, 1]);
      const o = s.obs.observation;
      const ee = Math.hypot(o[6], o[7], o[8]);
      expect(s.info.eeObjectDistance).toBeCloseTo(ee, 6);
      expect(s.info.liftHeight).toBeCloseTo(s.obs.achievedGoal[2] - 0.025, 6);
      const d = Math.hypot(...[0, 1, 2].map((k) => s.obs.achievedGoal[k] - s.obs.desiredGoal[k]));
      const hand = -d - 0.5 * ee + 2 * Math.min(Math.max(s.info.liftHeight as number, 0), 0.2);
      expect(s.reward).toBeCloseTo(hand, 5);
      expect(Array.from(obs.desiredGoal)).toEqual(Array.from(s.obs.desiredGoal));
    } finally {
      env.close();
    }
  });

  it('accepts a spec object, a compiled task, and rejects unknown names', async () => {
    const spec = builtinTask('reach');
    const a = await createGoalEnv(spec, { seed: 1 });
    const b = await createGoalEnv(compileTask(spec), { seed: 1 });
    try {
      expect(Array.from(a.reset().obs.desiredGoal)).toEqual(Array.from(b.reset().obs.desiredGoal));
    } finally {
      a.close();
      b.close();
    }
    await expect(createGoalEnv('stack')).rejects.toThrow(/Unknown task "stack"/);
  });
});
