/**
 * Transfer with a skill embedding on the point mass (issue #11 §4): an embedding controller over a
 * finished skill-embedding run reaches a goal no pre-training task rewards, at a budget where SAC
 * from scratch does not, and where the controller before any update did not either.
 *
 * - Pre-training: the regions preset with four single-region tasks (the corners of the 0.25 m circle,
 *   45°, 135°, 225°, 315°) and dense −distance rewards, 20 000 env steps, seed 2: tasks 0, 1 and 3
 *   solved (1.00), task 2 not (0.00) — the skills cover three of the four directions.
 * - Transfer: goal (0, 0.25) m, between regions 0 and 1, which no task rewards. The embedding
 *   controller as the preset has it (z held 10 env steps, SAC (128, 128), lr 3e-4, 500 env steps of
 *   random z first).
 * - Measured with the CLI on wasm (`skill-lab train --algo embedding-controller --preset regions
 *   --skills-from RUN --steps N`): success 0.00 at 500 env steps (no update yet), 1.00 at 1 500 and
 *   2 000; SAC from scratch on the same goal (`--algo sac --preset point-mass --set goal=[0,0.25]`,
 *   0.5 updates per env step, five times the controller's) 0.00 at 2 000 and 3 000 env steps, 1.00
 *   at 4 000. Goals on the side of the unlearned region stay out of reach (goal (0, −0.25): 0.00 at
 *   3 000): a controller can only compose the skills it was given. With the sparse reward
 *   (`--set skillController.reward=sparse`: −1 per env step until the goal): 0.00 at 500 env steps,
 *   0.70 at 1 000, 0.80 at 2 000, 1.00 at 3 000.
 */
import { describe, expect, it } from 'vitest';
import { evaluateRun } from '../runs/evaluate.ts';
import { createRun, tempStore } from '../runs/test_helpers.ts';
import { trainRun } from '../runs/trainer.ts';
import type { ControllerEvaluation } from './skill_controller.ts';

const GOAL = 'goal=[0,0.25]';

describe('embedding controller on the point mass (learning test)', () => {
  it('reaches a new goal over a skill embedding at a budget where SAC from scratch does not', async () => {
    const t0 = performance.now();
    const store = tempStore();
    const skills = createRun(store, {
      algo: 'skill-embedding',
      preset: 'regions',
      seed: 2,
      totalEnvSteps: 20_000,
      set: ['embedding.tasks=[[0],[1],[2],[3]]', 'embedding.reward=dense'],
    });
    await trainRun(skills, { quiet: true });
    const pretrainS = (performance.now() - t0) / 1000;

    const controller = async (steps: number, reward: 'dense' | 'sparse' = 'dense') => {
      const run = createRun(store, {
        algo: 'embedding-controller',
        preset: 'regions',
        seed: 0,
        skillsFrom: skills.id,
        totalEnvSteps: steps,
        set: [GOAL, `skillController.reward=${reward}`],
      });
      await trainRun(run, { quiet: true });
      return (await evaluateRun(run, { quiet: true })) as unknown as ControllerEvaluation;
    };
    const before = await controller(500);
    const after = await controller(2000);
    // The new task's sparse reward (−1 per env step until the goal): learned too, a little later.
    const sparse = await controller(3000, 'sparse');

    const scratch = createRun(store, {
      algo: 'sac',
      preset: 'point-mass',
      seed: 0,
      totalEnvSteps: 2000,
      set: [GOAL],
    });
    await trainRun(scratch, { quiet: true });
    const sac = await evaluateRun(scratch, { quiet: true, rollouts: 10 });
    const [x, y] = sac.skills[0].final_mean;

    console.log(
      `embedding controller, goal (0, 0.25): success ${before.success_rate.toFixed(2)} before any update, ` +
        `${after.success_rate.toFixed(2)} at 2 000 env steps (mean final distance ${after.mean_final_distance.toFixed(3)} m); ` +
        `sparse reward ${sparse.success_rate.toFixed(2)} at 3 000; ` +
        `SAC from scratch at 2 000 env steps ${Number(sac.success_rate).toFixed(2)} (final position mean ${Math.hypot(x, y - 0.25).toFixed(3)} m from the goal); ` +
        `pre-training ${pretrainS.toFixed(0)} s, all ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
    expect(before.success_rate).toBeLessThanOrEqual(0.3);
    expect(after.success_rate).toBeGreaterThanOrEqual(0.8);
    expect(after.skills_from.algo).toBe('skill-embedding');
    expect(sparse.success_rate).toBeGreaterThanOrEqual(0.8);
    expect(Number(sac.success_rate)).toBeLessThanOrEqual(0.3);
  }, 400_000);
});
