import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { RunStore } from '../../engine/runs/store.ts';
import { createRun } from '../../engine/runs/test_helpers.ts';
import { call, rejection, serviceForFile } from './test_helpers.ts';

const { workspace, service } = serviceForFile('sl-service-figures-');

/** Two DADS runs (seeds 0, 1) with metric rows written directly. */
function runs(): string[] {
  const store = new RunStore(workspace);
  return [0, 1].map((seed) => {
    const run = createRun(store, { algo: 'dads', preset: 'point-mass', seed, totalEnvSteps: 3000 });
    for (let i = 1; i <= 6; i++)
      run.appendMetrics({
        iteration: i,
        env_steps: 500 * i,
        wall_s: i,
        intrinsic_reward: 0.1 * i + seed,
        skill_dynamics_loglik: -3 + 0.2 * i,
        alpha: 0.1,
      });
    return run.id;
  });
}

describe('lab service figures', () => {
  it('previews, exports and lists a figure drawn as skill-lab figure --spec draws it', async () => {
    const ids = runs();
    const spec = { runs: ids, metrics: ['intrinsic_reward'], width: 'column', columns: 1, title: 'DADS' };
    const preview = await call(service, 'previewFigure', { spec });
    expect(preview.svg).toMatch(/^<svg/);
    expect(preview.svg).toContain('DADS (n=2)');
    expect(preview.csv.split('\n')[0]).toBe('metric,variant,x,value,lo,hi,n');
    expect(preview.runIds.sort()).toEqual([...ids].sort());
    expect((await call(service, 'listFigures', {})).figures).toEqual([]); // a preview saves nothing

    const exported = await call(service, 'exportFigure', { spec, name: 'dads-reward' });
    expect(exported.name).toMatch(/^dads-reward-\d{8}-\d{6}$/);
    for (const ext of ['svg', 'pdf', 'png', 'csv', 'spec.json'])
      expect(existsSync(exported.files[ext]), ext).toBe(true);
    // the exported SVG is the previewed one
    expect(readFileSync(exported.files.svg, 'utf8')).toBe(preview.svg);
    const { figures } = await call(service, 'listFigures', {});
    expect(figures.map((f) => f.name)).toEqual([exported.name]);
    expect((figures[0].spec as { runs: string[] }).runs.sort()).toEqual([...ids].sort());
  });

  it('refuses unknown runs, an empty query, a bad width and a metric no run reports with the reason', async () => {
    const ids = runs();
    const unknown = await rejection(call(service, 'previewFigure', { spec: { runs: ['no-such-run'] } }));
    expect(unknown.code).toBe('invalid');
    expect(unknown.message).toMatch(/No run "no-such-run"/);
    const empty = await rejection(call(service, 'previewFigure', { spec: { query: { algo: 'sac' } } }));
    expect(empty.message).toMatch(/no run matches the query/);
    const wide = await rejection(call(service, 'exportFigure', { spec: { runs: ids, width: '30in' } }));
    expect(wide.issues?.[0].path).toBe('spec.width');
    const metric = await rejection(
      call(service, 'previewFigure', { spec: { runs: ids, metrics: ['nope'] } }),
    );
    expect(metric.code).toBe('invalid');
    expect(metric.message).toMatch(/no run reports nope/);
    const field = await rejection(call(service, 'previewFigure', { spec: { runs: ids, band: 'sd' } }));
    expect(field.code).toBe('invalid');
  });
});
