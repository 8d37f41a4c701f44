import { describe, it, expect } from 'vitest';
import { trainRun } from '../runs/trainer.ts';
import { evaluateRun } from '../runs/evaluate.ts';
import { tempStore, createRun } from '../runs/test_helpers.ts';
import { POINT_MASS_ARENA } from '../sim/envs.ts';

describe('DIAYN on point-mass with 4 skills (learning test)', () => {
  it('learns distinguishable skills that end far apart', async () => {
    const store = tempStore();
    const run = createRun(store, { algo: 'diayn', preset: 'point-mass', seed: 0 });
    const record = await trainRun(run, { quiet: true });
    expect(record.status).toBe('completed');
    const report = await evaluateRun(run);
    expect(report.skills).toHaveLength(4);
    expect(report.discriminator_accuracy as number).toBeGreaterThanOrEqual(0.9);
    const width = POINT_MASS_ARENA.xmax - POINT_MASS_ARENA.xmin;
    const finals = report.skills.map((s) => s.final_mean);
    for (let i = 0; i < finals.length; i++) {
      for (let j = i + 1; j < finals.length; j++) {
        const d = Math.hypot(finals[i][0] - finals[j][0], finals[i][1] - finals[j][1]);
        expect(d, `skills ${i} and ${j} end ${d.toFixed(2)} m apart`).toBeGreaterThanOrEqual(width / 4);
      }
    }
  });
});
