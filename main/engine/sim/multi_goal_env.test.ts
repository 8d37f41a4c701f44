import { describe, expect, it } from 'vitest';
import { circleGoals, createMultiGoalPointEnv, GoalTaskFamily } from './multi_goal_env.ts';

describe('GoalTaskFamily', () => {
  it('scores each row under its own task: sparse −1/0 within the radius, dense −distance', () => {
    const goals = [
      [0.5, 0],
      [0, 0.5],
    ];
    const sparse = new GoalTaskFamily({ goals });
    const achieved = Float32Array.of(0.45, 0, 0.45, 0, 0, 0.2);
    const ev = sparse.evaluate([0, 1, 1], achieved);
    expect([...ev.reward].map((r) => r + 0)).toEqual([0, -1, -1]);
    expect([...ev.success]).toEqual([1, 0, 0]);
    const dense = new GoalTaskFamily({ goals, reward: 'dense', threshold: 0.05 });
    const d = dense.evaluate([0, 1, 1], achieved);
    expect(d.reward[0]).toBeCloseTo(-0.05, 6);
    expect(d.reward[1]).toBeCloseTo(-Math.hypot(0.45, 0.5), 6);
    expect(d.reward[2]).toBeCloseTo(-0.3, 6);
    expect([...d.success]).toEqual([0, 0, 0]);
    expect(() => sparse.evaluate([2], Float32Array.of(0, 0))).toThrow(/task 2 is not an integer in 0 … 1/);
    expect(() => sparse.evaluate([0, 1], Float32Array.of(0, 0))).toThrow(/length B\*2/);
    expect(() => new GoalTaskFamily({ goals: [] })).toThrow(/non-empty/);
    expect(() => new GoalTaskFamily({ goals, threshold: 0 })).toThrow(/threshold/);
  });

  it('a task over a subset of regions is solved in any of them; dense reward reads the nearest', () => {
    const regions = [
      [0.5, 0],
      [0, 0.5],
      [-0.5, 0],
    ];
    const family = new GoalTaskFamily({ goals: regions, subsets: [[0, 2], [1]], reward: 'dense' });
    expect(family.numTasks).toBe(2);
    expect(family.taskNames[0]).toBe('any of (0.50, 0.00) (-0.50, 0.00)');
    // task 0 at (0.45, 0) and (−0.35, 0): each within reach of one of its regions; at (0, 0.5) neither
    const achieved = Float32Array.of(0.45, 0, -0.35, 0, 0, 0.5, 0, 0.5);
    const ev = family.evaluate([0, 0, 0, 1], achieved);
    expect([...ev.reward].map((r) => +r.toFixed(4))).toEqual([-0.05, -0.15, -0.7071, 0]);
    expect([...ev.success]).toEqual([1, 0, 0, 1]);
    expect([...family.goal(0)]).toEqual([0.5, 0]);
    expect(() => new GoalTaskFamily({ goals: regions, subsets: [[0, 3]] })).toThrow(
      /task 0's regions must be a non-empty list of region indices 0 … 2, got \[0, 3\]/,
    );
    expect(() => new GoalTaskFamily({ goals: regions, subsets: [[]] })).toThrow(/task 0's regions/);
  });

  it('circleGoals: K = 4 with phase π/4 are the corners of a square', () => {
    const g = circleGoals(4, Math.SQRT2 * 0.3);
    const rounded = g.map((p) => p.map((v) => Math.round(v * 1e6) / 1e6));
    expect(rounded).toEqual([
      [0.3, 0.3],
      [-0.3, 0.3],
      [-0.3, -0.3],
      [0.3, -0.3],
    ]);
  });
});

describe('multi-goal point mass', () => {
  it('rewards the current task at step time exactly as the family re-scores it, and reaches every goal', async () => {
    const env = await createMultiGoalPointEnv({ seed: 4 });
    try {
      expect(env.observationSpace.shape).toEqual([4]);
      expect(env.actionSpace.shape).toEqual([2]);
      expect(env.maxEpisodeSteps).toBe(50);
      expect(env.family.numTasks).toBe(4);
      for (let task = 0; task < 4; task++) {
        let { obs } = env.reset({ task });
        expect(env.task).toBe(task);
        expect([...obs.desiredGoal]).toEqual([...env.family.goal(task)]);
        let success = false;
        for (let t = 0; t < 50; t++) {
          const a = [0, 1].map((k) =>
            Math.max(-1, Math.min(1, (obs.desiredGoal[k] - obs.observation[k]) * 8)),
          );
          const out = env.step(a);
          // The step's reward is the family's reward of the next achieved position under this task,
          // and any other task's reward of the same transition is the family's too.
          expect(out.reward).toBe(env.family.evaluate([task], out.obs.achievedGoal).reward[0]);
          expect(out.reward).toBe(env.evaluate(out.obs.achievedGoal, out.obs.desiredGoal).reward[0]);
          obs = out.obs;
          success = Boolean(out.info.success);
        }
        expect(success).toBe(true);
      }
      expect(() => env.reset({ task: 4 })).toThrow(/task 4/);
    } finally {
      env.close();
      env.close();
    }
  });

  it('replays the same states from the same seed', async () => {
    const run = async () => {
      const env = await createMultiGoalPointEnv({ numTasks: 3, radius: 0.4 });
      try {
        const out: number[] = [];
        for (let ep = 0; ep < 2; ep++) {
          const { obs } = env.reset(ep === 0 ? { seed: 9, task: 2 } : { task: 1 });
          out.push(...obs.observation, ...obs.desiredGoal, ...env.step([0.3, -0.7]).obs.observation);
        }
        return out;
      } finally {
        env.close();
      }
    };
    expect(await run()).toEqual(await run());
  });
});
