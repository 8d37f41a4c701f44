import { describe, expect, it } from 'vitest';
import { createMultiGoalArmEnv } from './multi_goal_arm_env.ts';

describe('the arm reach family', () => {
  it('task k puts the desired goal at g_k on the circle around the gripper start, and rewards by it', async () => {
    const env = await createMultiGoalArmEnv({ numTasks: 4, radius: 0.1, reward: 'dense', seed: 3 });
    try {
      expect(env.family.numTasks).toBe(4);
      const r = 0.1 / Math.SQRT2;
      const { obs } = env.reset({ task: 1, seed: 5 });
      // Task 1 is at angle π/4 + π/2: (−0.1/√2, 0.1/√2) at the start's height 0.2 m.
      expect(Array.from(obs.desiredGoal).map((v) => +v.toFixed(6))).toEqual(
        [-r, r, 0.2].map((v) => +v.toFixed(6)),
      );
      expect(env.task).toBe(1);
      const out = env.step([1, 0, 0, 0]);
      const d = Math.hypot(...Array.from(out.obs.achievedGoal).map((v, i) => v - obs.desiredGoal[i]));
      expect(out.reward).toBeCloseTo(-d, 5);
      expect(out.info.success).toBe(d < 0.05);
      // Same seed and task, same episode.
      const again = env.reset({ task: 1, seed: 5 }).obs;
      expect(Array.from(again.observation)).toEqual(Array.from(obs.observation));
      expect(() => env.reset({ task: 4 })).toThrow();
    } finally {
      env.close();
    }
  });

  it('reaching a goal counts as success within 0.05 m; a bad family is refused', async () => {
    const env = await createMultiGoalArmEnv({ numTasks: 2, radius: 0.05, reward: 'sparse', seed: 1 });
    try {
      const { obs } = env.reset({ task: 0, seed: 2 });
      // Steer the grip site straight at the goal: Cartesian control moves ≤ 0.05 m per step.
      let last = env.step([0, 0, 0, 0]);
      for (let t = 0; t < 10; t++) {
        const delta = Array.from(obs.desiredGoal).map((g, i) => (g - last.obs.achievedGoal[i]) / 0.05);
        last = env.step([...delta.map((v) => Math.max(-1, Math.min(1, v))), 0]);
      }
      expect(last.info.success).toBe(true);
      expect(last.reward).toBe(0);
    } finally {
      env.close();
    }
    await expect(createMultiGoalArmEnv({ radius: 0.4 })).rejects.toThrow(/radius must be in \(0, 0.15\] m/);
  });
});
