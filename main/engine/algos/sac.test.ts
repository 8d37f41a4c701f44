import { describe, it, expect } from 'vitest';
import { trainRun } from '../runs/trainer.ts';
import { evaluateRun } from '../runs/evaluate.ts';
import { tempStore, createRun } from '../runs/test_helpers.ts';

describe('SAC on point-mass goal reaching (learning test)', () => {
  it('reaches the goal in at least 90% of evaluation episodes', async () => {
    const store = tempStore();
    const run = createRun(store, { algo: 'sac', preset: 'point-mass', seed: 1 });
    const record = await trainRun(run, { quiet: true });
    expect(record.status).toBe('completed');
    const report = await evaluateRun(run, { rollouts: 20 });
    expect(report.success_rate).toBeGreaterThanOrEqual(0.9);
    // The policy ends near the goal (0.5, 0.5), not merely somewhere inside the success radius by luck.
    const [x, y] = report.skills[0].final_mean;
    expect(Math.hypot(x - 0.5, y - 0.5)).toBeLessThan(0.1);
  });
});
