import { describe, expect, it } from 'vitest';
import { INFO_EE_OBJECT_DISTANCE } from '../tasks/reward.ts';
import {
  ArmTransferFamily,
  armTransferSizes,
  createArmTransferEnv,
  GOAL_KEYS,
} from './arm_transfer_family.ts';

describe('a transfer task as a family of one', () => {
  it('shows the arm, the block’s start and the goal; rewards −‖block − g‖ − 0.5·‖grip − block‖ from the goal in info', async () => {
    const env = await createArmTransferEnv('l-wall-push', { reward: 'dense', seed: 5 });
    try {
      expect(env.observationSpace.shape[0]).toBe(armTransferSizes('l-wall-push').obsDim);
      expect(env.family.taskNames).toEqual(['l-wall-push']);
      const { obs, info } = env.reset({ seed: 8 });
      const o = obs.observation;
      expect(Array.from(o.subarray(-6, -3))).toEqual(Array.from(obs.achievedGoal)); // the start
      expect(Array.from(o.subarray(-3))).toEqual(Array.from(obs.desiredGoal));
      expect(GOAL_KEYS.map((k) => info[k])).toEqual(Array.from(obs.desiredGoal));
      // The task's goal region (tasks/l-wall-push.json).
      expect(obs.desiredGoal[0]).toBeGreaterThanOrEqual(0.12);
      expect(obs.desiredGoal[0]).toBeLessThanOrEqual(0.22);
      const out = env.step(Float32Array.of(0.5, -0.3, -0.2, 0));
      const b = out.obs.achievedGoal;
      const g = out.obs.desiredGoal;
      const ee = out.info[INFO_EE_OBJECT_DISTANCE] as number;
      const dist = Math.hypot(b[0] - g[0], b[1] - g[1], b[2] - g[2]);
      expect(out.reward).toBeCloseTo(-dist - 0.5 * ee, 5);
      expect(out.info.success).toBe(dist < 0.05);
      expect(Array.from(out.obs.observation.subarray(-3))).toEqual(Array.from(g));
    } finally {
      env.close();
    }
  });

  it('the sparse reward is −1 / 0 at the task’s threshold; other tasks and missing goals are refused', () => {
    const f = new ArmTransferFamily('spring-wall', 'sparse', 0.05);
    const info = {
      goalX: Float32Array.of(0.1, 0.1),
      goalY: Float32Array.of(0, 0),
      goalZ: Float32Array.of(0.02, 0.02),
    };
    const ev = f.evaluate([0, 0], Float32Array.of(0.12, 0, 0.02, 0.2, 0, 0.02), info);
    expect(Array.from(ev.reward)).toEqual([0, -1]);
    expect(Array.from(ev.success)).toEqual([1, 0]);
    const one = { goalX: Float32Array.of(0), goalY: Float32Array.of(0), goalZ: Float32Array.of(0) };
    expect(() => f.evaluate([1], Float32Array.of(0, 0, 0), one)).toThrow(
      /task 1 is not 0 \(the family has one task\)/,
    );
    expect(() => f.evaluate([0], Float32Array.of(0, 0, 0), {})).toThrow(
      /needs the info column 'goalX' of length 1/,
    );
  });

  it('refuses a task that is not a transfer task', async () => {
    await expect(createArmTransferEnv('push')).rejects.toThrow(
      /"push" is not a transfer task; one of l-wall-push, spring-wall, rail-push/,
    );
  });
});
