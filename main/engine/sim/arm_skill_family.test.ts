import { describe, expect, it } from 'vitest';
import { ARM_BLOCK_TASKS, ARM_TRANSFER_TASKS } from '../env_names.ts';
import { BUILTIN_TASK_NAMES, builtinTask } from '../tasks/builtin.ts';
import { INFO_EE_OBJECT_DISTANCE } from '../tasks/reward.ts';
import {
  armSkillFamilySpec,
  BLOCK_START_KEYS,
  ARM_SKILL_THRESHOLD,
  armSkillFamilySizes,
  createArmSkillFamilyEnv,
  EE_OBJECT_WEIGHT,
  LIFT_HEIGHT,
  PUSH_DISTANCE,
} from './arm_skill_family.ts';

const round = (xs: ArrayLike<number>) => Array.from(xs, (v) => +v.toFixed(5));

describe('the arm pre-training families (Hausman et al. 2018 §7.2)', () => {
  it('push-and-lift for l-wall-push: the table without the walls, goals 0.1 m from the block’s start', async () => {
    const { scene, tasks } = armSkillFamilySpec('l-wall-push');
    expect(scene.obstacles).toEqual([]);
    expect(scene.gripper.blocked).toBe(false);
    expect(tasks.map((t) => t.name)).toEqual(['push +x', 'push −x', 'push +y', 'push −y', 'lift']);
    const env = await createArmSkillFamilyEnv('l-wall-push', { seed: 4 });
    try {
      const offsets = [
        [PUSH_DISTANCE, 0, 0],
        [-PUSH_DISTANCE, 0, 0],
        [0, PUSH_DISTANCE, 0],
        [0, -PUSH_DISTANCE, 0],
        [0, 0, LIFT_HEIGHT],
      ];
      offsets.forEach((off, k) => {
        const { obs, info } = env.reset({ task: k, seed: 10 + k });
        const start = obs.achievedGoal;
        // The block starts in the transfer task's start region, on the table.
        expect(start[0]).toBeGreaterThanOrEqual(-0.15);
        expect(start[0]).toBeLessThanOrEqual(-0.05);
        expect(start[2]).toBeCloseTo(0.025, 3);
        expect(round(obs.desiredGoal)).toEqual(round(Array.from(start, (s, i) => s + off[i])));
        expect(BLOCK_START_KEYS.map((key) => info[key])).toEqual(Array.from(start));
        // The policy sees the start the goal follows from: the observation ends with it, every step.
        expect(obs.observation).toHaveLength(env.observationSpace.shape[0]);
        expect(Array.from(obs.observation.subarray(-3))).toEqual(Array.from(start));
        const next = env.step(new Float32Array(env.actionSpace.shape[0]).fill(0.5)).obs;
        expect(Array.from(next.observation.subarray(-3))).toEqual(Array.from(start));
      });
      expect(armSkillFamilySizes('l-wall-push')).toEqual({
        obsDim: env.observationSpace.shape[0],
        actDim: env.actionSpace.shape[0],
      });
      expect(env.observationSpace.shape[0]).toBe(28);
      // Same seed, same start.
      const a = env.reset({ task: 0, seed: 99 }).obs.achievedGoal;
      const b = env.reset({ task: 2, seed: 99 }).obs.achievedGoal;
      expect(Array.from(b)).toEqual(Array.from(a));
    } finally {
      env.close();
    }
  });

  it('the dense reward is −‖block − g‖ − 0.5·‖grip − block‖, and any step re-scores under any task', async () => {
    const env = await createArmSkillFamilyEnv('spring-wall', { reward: 'dense', seed: 1 });
    try {
      const { obs } = env.reset({ task: 0, seed: 3 });
      const out = env.step([0.3, -0.2, -0.1, 0]);
      const g = obs.desiredGoal;
      const blk = out.obs.achievedGoal;
      const ee = out.info[INFO_EE_OBJECT_DISTANCE] as number;
      const d = Math.hypot(blk[0] - g[0], blk[1] - g[1], blk[2] - g[2]);
      expect(out.reward).toBeCloseTo(-d - EE_OBJECT_WEIGHT * ee, 5);
      expect(out.info.success).toBe(d < 0.05);
      // The family's pure reward from the stored columns gives the same number, and under the lift
      // task the goal moves up by 0.1 m from the same start.
      const cols = Object.fromEntries(
        env.family.infoKeys.map((key) => [key, Float32Array.of(out.info[key] as number)]),
      );
      const ev = env.family.evaluate([0, 4], Float32Array.from([...blk, ...blk]), {
        ...Object.fromEntries(Object.entries(cols).map(([key, c]) => [key, Float32Array.of(c[0], c[0])])),
      });
      expect(ev.reward[0]).toBeCloseTo(out.reward, 6);
      const start = BLOCK_START_KEYS.map((key) => out.info[key] as number);
      const dLift = Math.hypot(blk[0] - start[0], blk[1] - start[1], blk[2] - start[2] - LIFT_HEIGHT);
      expect(ev.reward[1]).toBeCloseTo(-dLift - EE_OBJECT_WEIGHT * ee, 5);
      expect(() => env.family.evaluate([5], blk, cols)).toThrow(/task 5 is not an integer in 0 … 4/);
      expect(() => env.family.evaluate([0], blk, {})).toThrow(/info column 'blockStartX'/);
    } finally {
      env.close();
    }
  });

  it('the rail family keeps the rail: lift onto it, or push along it from on top to the centre', async () => {
    const { scene, tasks } = armSkillFamilySpec('rail-push');
    expect(scene.obstacles.map((o) => o.kind)).toEqual(['rail']);
    expect(tasks.map((t) => t.name)).toEqual(['lift onto the rail', 'push along the rail to the centre']);
    const env = await createArmSkillFamilyEnv('rail-push', { reward: 'sparse', seed: 2 });
    try {
      const lift = env.reset({ task: 0, seed: 5 }).obs;
      // On the table, below the rail's top, goal above the start's x on the rail (top 0.06 + 0.025).
      expect(lift.achievedGoal[2]).toBeCloseTo(0.025, 3);
      expect(round(lift.desiredGoal)).toEqual(round([lift.achievedGoal[0], 0, 0.085]));
      const push = env.reset({ task: 1, seed: 5 }).obs;
      expect(push.achievedGoal[1]).toBeCloseTo(0, 5);
      expect(push.achievedGoal[0]).toBeGreaterThanOrEqual(0.12);
      expect(round(push.desiredGoal)).toEqual(round([0, 0, 0.085]));
      // The block rests on the rail: a few steps of the hand lifting away leave it there.
      let out = env.step([0, 0, 1, 1]);
      for (let t = 0; t < 10; t++) out = env.step([0, 0, 1, 1]);
      expect(out.obs.achievedGoal[2]).toBeCloseTo(0.085, 2);
      expect(out.reward).toBe(-1);
      expect(out.info.success).toBe(false);
    } finally {
      env.close();
    }
  });

  it('the plain list of arm block tasks (the renderer-safe config check) is the built-in arm tasks with one object', () => {
    const withOneObject = BUILTIN_TASK_NAMES.filter((n) => {
      const spec = builtinTask(n);
      return spec.robot === 'arm' && spec.objects.length === 1;
    });
    expect([...ARM_BLOCK_TASKS].sort()).toEqual([...withOneObject].sort());
    for (const t of ARM_TRANSFER_TASKS) expect(ARM_BLOCK_TASKS).toContain(t);
  });

  it('a task without a family is refused naming the families', async () => {
    await expect(createArmSkillFamilyEnv('push')).rejects.toThrow(
      /no pre-training family for task "push"; families exist for l-wall-push, spring-wall, rail-push/,
    );
  });

  it('holds the fingers closed on push tasks: a scripted push solves each even commanding them open, which through the arm itself lets the block pass between them', async () => {
    const env = await createArmSkillFamilyEnv('l-wall-push', { seed: 3, maxEpisodeSteps: 50 });
    /** Above the block's far side, down to the table, then slowly on to the goal; distances at the end. */
    const push = (task: number, gripper: number, through: 'family' | 'arm' = 'family') => {
      let { obs } = env.reset({ task, seed: 100 + task });
      const dir = [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ][task];
      const g = Array.from(obs.desiredGoal);
      const b0 = obs.achievedGoal;
      const behind = [b0[0] - dir[0] * 0.055, b0[1] - dir[1] * 0.055];
      let phase = 0;
      let success = false;
      for (let t = 0; t < 50; t++) {
        const grip = obs.observation.subarray(0, 3);
        if (phase === 0 && Math.hypot(grip[0] - behind[0], grip[1] - behind[1]) < 0.01) phase = 1;
        if (phase === 1 && grip[2] < 0.035) phase = 2;
        const target =
          phase === 0
            ? [behind[0], behind[1], 0.1]
            : phase === 1
              ? [behind[0], behind[1], 0.02]
              : [g[0] - dir[0] * 0.05, g[1] - dir[1] * 0.05, 0.02];
        const gain = phase === 2 ? 6 : 20;
        const a = [0, 1, 2].map((k) => Math.max(-1, Math.min(1, (target[k] - grip[k]) * gain)));
        if (through === 'family') {
          const out = env.step([...a, gripper]);
          obs = out.obs;
          success = out.info.success === true;
        } else {
          // The arm env underneath applies the command as given; the block's distance to the goal decides.
          const next = env.arm.step([...a, gripper]).obs;
          obs = { ...next, observation: next.observation, desiredGoal: Float32Array.from(g) };
          const b = next.achievedGoal;
          success = Math.hypot(b[0] - g[0], b[1] - g[1], b[2] - g[2]) < ARM_SKILL_THRESHOLD;
        }
      }
      return success;
    };
    try {
      expect([0, 1, 2, 3].map((k) => push(k, -1, 'arm'))).toEqual([true, true, true, true]);
      expect([0, 1, 2, 3].map((k) => push(k, 1, 'arm'))).toEqual([false, false, false, false]);
      expect([0, 1, 2, 3].map((k) => push(k, 1))).toEqual([true, true, true, true]);
    } finally {
      env.close();
    }
  });
});
