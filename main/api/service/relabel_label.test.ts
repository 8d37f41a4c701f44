import { describe, expect, it } from 'vitest';
import { RunStore } from '../../engine/runs/store.ts';
import { createRun } from '../../engine/runs/test_helpers.ts';
import { call, serviceForFile } from './test_helpers.ts';

const { workspace, service } = serviceForFile('sl-service-relabel-');

describe('relabeling labels (issue #13 B3)', () => {
  it('listRuns gives a run that switched relabeling its sequence, as its figures label it', async () => {
    const run = createRun(new RunStore(workspace), { algo: 'goal-sac', preset: 'arm-reach', task: 'reach' });
    for (let i = 1; i <= 4; i++)
      run.appendMetrics({
        iteration: i,
        env_steps: 100 * i,
        wall_s: i,
        success_rate: 0.1 * i,
        relabel_strategy: i <= 2 ? 2 : 1, // future, then final
        relabel_k: i <= 2 ? 4 : 2,
      });
    const { runs } = await call(service, 'listRuns', {});
    const summary = runs.find((r) => r.id === run.id)!;
    expect(summary.relabeling).toBe('future k=4 → final k=2');
    // the last row's strategy is an index again in the summary's metrics (the renderer's relabel control reads it)
    expect(summary.metrics.relabel_strategy).toBe(1);
  });
});
