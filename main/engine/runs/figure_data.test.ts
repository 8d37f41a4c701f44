import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRun, tempStore } from './test_helpers.ts';
import { writeCurvesFigure } from './figure_data.ts';

/** A goal-sac run whose metric rows are written directly, as a run older than a metric left them. */
function goalRunWithRows(rows: Array<Record<string, number>>) {
  const store = tempStore();
  const run = createRun(store, { algo: 'goal-sac', env: 'bit-flip', totalEnvSteps: 1000 });
  for (const r of rows) run.appendMetrics(r);
  return { store, run };
}

const row = (i: number) => ({
  iteration: i,
  env_steps: 100 * i,
  wall_s: i,
  success_rate: i / 10,
  episode_return: -10 + i,
  relabel_share: 0.8,
  alpha: 0.1,
  relabel_strategy: 2,
  relabel_k: 4,
});

describe('writeCurvesFigure', () => {
  it('draws the default panels a run reports, leaving out metrics it predates', async () => {
    const { store, run } = goalRunWithRows([1, 2, 3, 4].map(row)); // no achieved_goal_shift
    const out = join(store.root, 'fig');
    const fig = await writeCurvesFigure([run], out);
    expect(existsSync(fig.pngPath) && existsSync(fig.svgPath)).toBe(true);
  });

  it('names a metric asked for by name that no run reports, and the ones they do', async () => {
    const { store, run } = goalRunWithRows([1, 2].map(row));
    await expect(
      writeCurvesFigure([run], join(store.root, 'fig'), { metrics: ['achieved_goal_shift'] }),
    ).rejects.toThrow(/no run reports achieved_goal_shift; the runs report: alpha, env_steps/);
  });

  it('draws the union of the runs’ panels: a DIAYN run first does not drop DADS’s skill-dynamics panel', async () => {
    const store = tempStore();
    const skillRow = (i: number, extra: Record<string, number>) => ({
      iteration: i,
      env_steps: 500 * i,
      wall_s: i,
      intrinsic_reward: i / 10,
      alpha: 0.1,
      ...extra,
    });
    const diayn = createRun(store, { algo: 'diayn', preset: 'point-mass', totalEnvSteps: 2000 });
    const dads = createRun(store, { algo: 'dads', preset: 'point-mass', totalEnvSteps: 2000 });
    for (const i of [1, 2, 3]) {
      diayn.appendMetrics(skillRow(i, { discriminator_accuracy: 0.3 * i }));
      dads.appendMetrics(skillRow(i, { skill_dynamics_loglik: -2 + i }));
    }
    const fig = await writeCurvesFigure([diayn, dads], join(store.root, 'union'), { band: 'minmax' });
    const svg = readFileSync(fig.svgPath, 'utf8');
    for (const title of [
      'intrinsic reward (nats)',
      'discriminator accuracy',
      'skill-dynamics log q',
      'SAC α',
    ])
      expect(svg).toContain(title);
    expect(svg).toContain('DIAYN (n=1)');
    expect(svg).toContain('band: min–max over seeds');
  });
});
