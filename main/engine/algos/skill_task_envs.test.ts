/**
 * The arm's low-level env of a skill controller (skill_task_envs.ts ArmGoalTask): the observation a
 * pre-trained arm skill reads (the arm's, then the block's start, as in its pre-training family), the
 * goal offset the controller reads, and its state round trip.
 */
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../presets.ts';
import { armSkillFamilySizes } from '../sim/arm_skill_family.ts';
import { controllerEnvFactory } from './skill_task_envs.ts';

describe('ArmGoalTask', () => {
  it('shows the block’s start after the arm’s observation, the offset to the goal, and restores its state', async () => {
    const { config } = resolveRunConfig({
      algo: 'embedding-controller',
      preset: 'arm-skills',
      task: 'spring-wall',
    });
    const env = await controllerEnvFactory(config)(0);
    const other = await controllerEnvFactory(config)(1);
    try {
      // The skills pre-trained for spring-wall read observations of the same size.
      expect(env.observationSpace.shape[0]).toBe(armSkillFamilySizes('spring-wall').obsDim);
      const { obs } = env.reset({ seed: 3 });
      const start = Array.from(obs.subarray(3, 6)); // the block, at reset
      expect(Array.from(obs.subarray(-3))).toEqual(start);
      const a = new Float32Array(env.actionSpace.shape[0]).fill(0.3);
      let last = obs;
      for (let i = 0; i < 5; i++) last = env.step(a).obs as Float32Array;
      expect(Array.from(last.subarray(-3))).toEqual(start);
      const offset = new Float32Array(3);
      env.goalOffset(last, offset, 0);
      env.goal().forEach((g, k) => expect(offset[k]).toBeCloseTo(g - last[3 + k], 6));

      // Another env takes the state and continues identically.
      other.reset({ seed: 11 });
      other.setState(JSON.parse(JSON.stringify(env.getState())));
      const x = env.step(a).obs as Float32Array;
      const y = other.step(a).obs as Float32Array;
      expect(Array.from(y)).toEqual(Array.from(x));
      expect(() => other.setState({ arm: env.getState(), blockStart: [1, 2] })).toThrow(
        /state\.blockStart must be 3 numbers \(m\), got \[1,2\]/,
      );
    } finally {
      env.close();
      other.close();
    }
  });
});
