import { describe, expect, it } from 'vitest';
import { builtinTask } from '../tasks/builtin.ts';
import { compileTask } from '../tasks/compile.ts';
import { createPointGoalEnv } from './point_goal_env.ts';

describe('point-mass goal env', () => {
  it('observes [x, y, vx, vy], achieves (x, y) and reaches a goal with a scripted policy', async () => {
    const env = await createPointGoalEnv(compileTask(builtinTask('point-mass-reach')), { seed: 3 });
    try {
      expect(env.observationSpace.shape).toEqual([4]);
      expect(env.goalSpace.shape).toEqual([2]);
      expect(env.actionSpace.shape).toEqual([2]);
      expect(env.nq).toBe(2);
      let { obs, info } = env.reset();
      const goal = Array.from(obs.desiredGoal);
      for (const g of goal) expect(Math.abs(g)).toBeLessThanOrEqual(0.8);
      expect(Array.from(obs.achievedGoal)).toEqual(Array.from(obs.observation.slice(0, 2)));
      expect(info.goalDistance).toBeCloseTo(
        Math.hypot(obs.achievedGoal[0] - goal[0], obs.achievedGoal[1] - goal[1]),
        6,
      );
      let last;
      for (let t = 0; t < 50; t++) {
        const a = [0, 1].map((k) => Math.max(-1, Math.min(1, (goal[k] - obs.observation[k]) * 5)));
        last = env.step(a);
        obs = last.obs;
        info = last.info;
        if (info.success) break;
      }
      expect(info.success).toBe(true);
      expect(last!.reward).toBe(0);
      expect(info.goalDistance as number).toBeLessThan(0.1);
    } finally {
      env.close();
      env.close();
    }
  });

  it('replays the same goals and states from the same seed', async () => {
    const t = compileTask(builtinTask('point-mass-reach'));
    const run = async () => {
      const env = await createPointGoalEnv(t);
      try {
        const out: number[] = [];
        for (let ep = 0; ep < 2; ep++) {
          const { obs } = env.reset(ep === 0 ? { seed: 5 } : undefined);
          out.push(...obs.observation, ...obs.desiredGoal);
          out.push(...env.step([0.3, -0.7]).obs.observation);
        }
        return out;
      } finally {
        env.close();
      }
    };
    expect(await run()).toEqual(await run());
  });

  it('refuses an arm task', async () => {
    await expect(createPointGoalEnv(compileTask(builtinTask('reach')))).rejects.toThrow(
      /needs robot 'point-mass'/,
    );
  });
});
