import { describe, it, expect } from 'vitest';
import { trainRun } from '../runs/trainer.ts';
import { evaluateRun } from '../runs/evaluate.ts';
import { tempStore, createRun } from '../runs/test_helpers.ts';

/** Wrapped angle difference in (−π, π]. */
function wrap(a: number): number {
  while (a > Math.PI) a -= 2 * Math.PI;
  while (a <= -Math.PI) a += 2 * Math.PI;
  return a;
}

describe('DADS on point-mass with 2-D skills (learning test)', () => {
  it('raises the intrinsic reward and moves the mass in a direction that follows z', async () => {
    const store = tempStore();
    const run = createRun(store, { algo: 'dads', preset: 'point-mass', seed: 0 });
    const record = await trainRun(run, { quiet: true });
    expect(record.status).toBe('completed');

    const rows = run.readMetrics();
    const first = rows[0].intrinsic_reward;
    const last = rows.slice(-3).reduce((s, r) => s + r.intrinsic_reward, 0) / 3;
    // Untrained, every z predicts the same Δ and the reward is ≈ 0. With identity covariance in the
    // batch-normalized Δ space, even perfectly separated 2-D skills earn only about 1.1 nats here, so a
    // rise of 0.2 nats is a large share of what can be had.
    expect(first).toBeLessThan(0.05);
    expect(last - first).toBeGreaterThan(0.2);

    const report = await evaluateRun(run);
    // The 8 evaluation skills are z = (cos θ_k, sin θ_k), θ_k = k·45°. If the displacement direction
    // follows z, walking once around the circle of z walks once around the circle of displacements.
    const disp = report.skills.map((s) => {
      const start = [0, 0];
      return [s.final_mean[0] - start[0], s.final_mean[1] - start[1]];
    });
    for (const d of disp) expect(Math.hypot(d[0], d[1])).toBeGreaterThan(0.25);
    const angles = disp.map(([x, y]) => Math.atan2(y, x));
    let winding = 0;
    for (let k = 0; k < angles.length; k++) winding += wrap(angles[(k + 1) % angles.length] - angles[k]);
    expect(Math.abs(Math.round(winding / (2 * Math.PI)))).toBe(1);
  });
});
