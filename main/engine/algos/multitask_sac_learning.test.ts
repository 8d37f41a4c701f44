/**
 * Learning test of task relabeling (issue #4 §7): on the 4-goal point mass (goals on a 0.25 m
 * circle, sparse −1/0 reward within 0.1 m, 50-step episodes, success = final step inside), multi-task
 * SAC with `all` or `hipi` relabeling learns every task within a fixed env-step budget, while without
 * relabeling at least one task is still missing.
 *
 * Why these settings (measured on the 2-core machine, wasm backend):
 * - A uniform-random warm-up of 2,000 env steps. Without it the initial policy's bias drives every
 *   episode of every task to the same corner (seed 1: all 565 successful transitions of the first
 *   2,000 steps at one goal, none at the other three), so no relabeling can teach the other tasks
 *   and every strategy ends at 0.25. With it each goal is reached in ≈ 1–2 % of the warm-up
 *   transitions, and relabeling shares those successes: `all` gives every task all of them, `none`
 *   a quarter.
 * - Goal radius 0.25 m: at 0.3 m random actions (the damped point mass moves ≈ 0.07 m in 50 steps)
 *   almost never reach a goal; at 0.2 m some resets start next to one.
 * - Dense −distance rewards do not show the effect at this budget: there every task has a learning
 *   signal everywhere and the limit is the number of updates (seed 1, 6,000 steps: none 0.71, all
 *   0.25), since `all` asks the critic to fit every task on every state with the same updates.
 * - HIPI with the log π term weighted by SAC's α: with HIPI's weight 1 and the learned α ≈ 0.01,
 *   log π of the other tasks' near-deterministic policies (hundreds of nats) swamps reward and Q, and
 *   the task choice carries no information about success (seed 1: 0.25, seed 3: 0.75 at 8,000
 *   steps; with α: 1.00 and 1.00, from 4,000 and 5,000 steps).
 * - γ = 0.95, lr 3e-3, 0.5 updates per env step, 2×64 nets: the point-mass SAC preset's sizes, with
 *   the bit-flipping test's step size.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { createMultiGoalPointEnv } from '../sim/multi_goal_env.ts';
import type { TaskRelabelSetting } from '../replay/task_relabel.ts';
import { MultitaskSac } from './multitask_sac.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

const ITERATIONS = 80; // × 2 envs × 50 steps = 8,000 env steps; 60 × 50 = 3,000 updates after the warm-up

async function train(
  relabel: TaskRelabelSetting,
  hipiLogPiWeight: number | 'alpha' = 1,
): Promise<{ success: number; tasks: number[]; log: string }> {
  const algo = await MultitaskSac.create(
    (i) => createMultiGoalPointEnv({ seed: 100 + i, radius: 0.25, reward: 'sparse' }),
    {
      seed: 1,
      numEnvs: 2,
      hidden: [64, 64],
      batchSize: 128,
      lr: 3e-3,
      gamma: 0.95,
      alphaInit: 0.1,
      episodesPerIteration: 1,
      updatesPerIteration: 50,
      learningStarts: 2000,
      replayCapacity: 20_000,
      relabel,
      hipiLogPiWeight,
    },
  );
  const t0 = performance.now();
  const curve: string[] = [];
  try {
    for (let it = 1; it <= ITERATIONS; it++) {
      await algo.iterate();
      if (it % 20 === 0) curve.push(`${algo.envSteps}: ${algo.evaluate(1, 777).success_rate.toFixed(2)}`);
    }
    const ev = algo.evaluate(3, 4242); // 6 episodes per task
    const wall = ((performance.now() - t0) / 1000).toFixed(1);
    const log = `${relabel.strategy}: ${curve.join(', ')}; final ${ev.success_rate.toFixed(2)} [${ev.task_success.map((v) => v.toFixed(2)).join(' ')}] in ${wall} s`;
    return { success: ev.success_rate, tasks: ev.task_success, log };
  } finally {
    algo.dispose();
  }
}

describe('multi-task SAC on the 4-goal point mass (learning test)', () => {
  it('all and hipi relabeling learn every task within 8,000 env steps; no relabeling does not', async () => {
    const all = await train({ strategy: 'all', ratio: 1 });
    const hipi = await train({ strategy: 'hipi', ratio: 1 }, 'alpha');
    const none = await train({ strategy: 'none', ratio: 0 });
    console.log([all.log, hipi.log, none.log].join('\n'));
    expect(all.success).toBeGreaterThanOrEqual(0.9);
    expect(hipi.success).toBeGreaterThanOrEqual(0.9);
    expect(none.success).toBeLessThanOrEqual(0.8);
    expect(Math.min(all.success, hipi.success) - none.success).toBeGreaterThanOrEqual(0.2);
  });
});
