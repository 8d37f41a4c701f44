/**
 * Learning test: goal-conditioned SAC with future-HER on the arm's reach task, through the same
 * path as `skill-lab train --preset arm-reach` (run config, trainer, evaluation). Seeded; ≈ 20 s on
 * 2 cores.
 */
import { describe, expect, it } from 'vitest';
import { createRun, tempStore } from '../runs/test_helpers.ts';
import { trainRun } from '../runs/trainer.ts';
import { evaluateRun } from '../runs/evaluate.ts';

describe('goal-conditioned SAC + HER on the arm (learning test)', () => {
  it('reaches ≥ 0.9 success on reach within 10 000 env steps', async () => {
    const run = createRun(tempStore(), { algo: 'goal-sac', preset: 'arm-reach', seed: 1 });
    const record = await trainRun(run, { quiet: true });
    expect(record).toMatchObject({ status: 'completed', envSteps: 10_000 });
    const report = await evaluateRun(run);
    console.log(
      `arm reach: success ${report.success_rate} over ${report.episodes} episodes, return ${report.episode_return}`,
    );
    expect(report.success_rate).toBeGreaterThanOrEqual(0.9);
  });
});
