import { describe, expect, it } from 'vitest';
import { ANT_GOAL_SUCCESS_RADIUS, createEnv, GOAL_SUCCESS_RADIUS } from './envs.ts';

describe('Ant goal task (DADS reference ant.py, task "goal")', () => {
  it('with a goal: reward −‖(x, y) − g‖, success within 1.5 m; without: the forward reward as before', async () => {
    const goal: [number, number] = [1, 0.5];
    const [withGoal, plain] = [await createEnv('ant', { goal }), await createEnv('ant')];
    try {
      const start = withGoal.reset({ seed: 4 });
      plain.reset({ seed: 4 });
      const d0 = Math.hypot(start.obs[0] - 1, start.obs[1] - 0.5);
      expect(start.info.goalDistance).toBeCloseTo(d0, 5);
      expect(start.info.success).toBe(d0 < 1.5);
      const action = new Float32Array(8).fill(0.3);
      for (let t = 0; t < 20; t++) {
        const a = withGoal.step(action);
        const b = plain.step(action);
        // The same physics; only the reward differs.
        expect(a.obs).toEqual(b.obs);
        const d = Math.hypot(a.obs[0] - 1, a.obs[1] - 0.5);
        expect(a.reward).toBeCloseTo(-d, 5);
        expect(a.info).toEqual({ goalDistance: a.info.goalDistance, success: d < 1.5 });
        expect(a.info.goalDistance).toBeCloseTo(d, 5);
        expect(b.info).toHaveProperty('xVelocity');
        expect(b.reward).toBeCloseTo((b.info.xVelocity as number) + 1 - (b.info.ctrlCost as number), 10);
      }
      expect(ANT_GOAL_SUCCESS_RADIUS).toBe(1.5);
      expect(GOAL_SUCCESS_RADIUS).toEqual({ 'point-mass': 0.1, ant: 1.5 });
      // Far from the goal: no success.
      const far = await createEnv('ant', { goal: [10, 10] });
      expect(far.reset({ seed: 1 }).info.success).toBe(false);
      far.close();
    } finally {
      withGoal.close();
      plain.close();
    }
  });
});
