// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { setLabClient } from '../api/lab.ts';
import { createFakeLab, fakeEpisode, fakeRun, type FakeLab } from '../testing/fake_client.ts';
import { EPISODE_PAGE_SIZE, nextSort, relabelGoalOf, useReplayStore } from './replay.ts';
import { cursorRows, rewardRows, GOAL_LABELS } from '../logic/replay_plots.ts';

let lab: FakeLab;
beforeEach(() => {
  lab = createFakeLab();
  setLabClient(lab.client);
  setActivePinia(createPinia());
  lab.runs.push(fakeRun({ id: 'her', algo: 'goal-sac', env: 'arm' }));
  lab.episodes.her = Array.from({ length: 120 }, (_, i) =>
    fakeEpisode({ episode_id: i, return: -50 + (i % 7), success: i % 3 === 0 }),
  );
});

const calls = (method: string) => lab.calls.filter((c) => c.method === method).map((c) => c.params);

describe('replay store', () => {
  it('asks for pages of 50 with the sort and filter it shows, and keeps the last good page on a refused filter', async () => {
    const store = useReplayStore();
    await store.selectRun('her');
    expect(calls('listEpisodes').at(-1)).toEqual({
      runId: 'her',
      page: 0,
      pageSize: EPISODE_PAGE_SIZE,
      sort: { column: 'episode_id', dir: 'asc' },
    });
    expect(store.rows).toHaveLength(50);
    expect(store.total).toBe(120);
    expect(store.pages).toBe(3);
    expect(calls('episodeStats')).toEqual([{ runId: 'her', goalKind: 'desired' }]);

    await store.sortBy('return');
    await store.sortBy('return');
    expect(calls('listEpisodes').at(-1)).toMatchObject({ page: 0, sort: { column: 'return', dir: 'desc' } });
    expect(store.rows[0].return).toBe(-44);
    await store.goToPage(2);
    expect(calls('listEpisodes').at(-1)).toMatchObject({ page: 2, sort: { column: 'return', dir: 'desc' } });
    expect(store.rows).toHaveLength(20);
    await store.goToPage(9); // clamped to the last page
    expect(store.page).toBe(2);

    await store.applyFilter('success');
    expect(calls('listEpisodes').at(-1)).toMatchObject({ page: 0, filter: 'success' });
    expect(store.total).toBe(40);
    expect(store.totalUnfiltered).toBe(120);
    expect(calls('episodeStats').at(-1)).toEqual({ runId: 'her', goalKind: 'desired', filter: 'success' });
    // The heat map of achieved goals asks for those under the same filter (issue #13 B6).
    await store.setGoalKind('achieved');
    expect(calls('episodeStats').at(-1)).toEqual({ runId: 'her', goalKind: 'achieved', filter: 'success' });
    await store.setGoalKind('desired');
    const shown = store.rows;

    const statsCalls = calls('episodeStats').length;
    await store.applyFilter('rewardz > 1');
    expect(store.filterError).toMatch(/unknown column "rewardz"; allowed columns: episode_id/);
    expect(store.rows).toBe(shown); // the last good page stays
    expect(store.filter).toBe('success');
    expect(calls('episodeStats')).toHaveLength(statsCalls); // stats follow only accepted filters

    await store.applyFilter('success AND return > -48');
    expect(store.filterError).toBeNull();
    expect(store.rows.every((r) => r.success && r.return > -48)).toBe(true);
  });

  it('exports the picked episodes under the applied filter', async () => {
    const store = useReplayStore();
    await store.selectRun('her');
    await store.applyFilter('success');
    await store.exportSelection('csv');
    expect(calls('exportEpisodes').at(-1)).toEqual({ runId: 'her', format: 'csv', filter: 'success' });
    expect(store.exported).toMatchObject({ rows: 40, format: 'csv' });
    store.toggleSelected(6);
    store.toggleSelected(3);
    store.toggleSelected(4);
    store.toggleSelected(4);
    await store.exportSelection('parquet');
    expect(calls('exportEpisodes').at(-1)).toEqual({
      runId: 'her',
      format: 'parquet',
      filter: 'success',
      episodeIds: [3, 6],
    });
    expect(store.exported?.path).toMatch(/exports\/episodes-1\.parquet$/);
  });

  it('opens an episode with the relabeled reward, the run’s task scene and its own timeline', async () => {
    const store = useReplayStore();
    await store.selectRun('her');
    await store.openEpisode(7);
    expect(calls('getEpisode').at(-1)).toEqual({
      runId: 'her',
      episodeId: 7,
      relabelGoal: { strategy: 'final' },
    });
    expect(store.episode?.relabel?.reward).toHaveLength(50);
    // The scene: the task the run trains on, compiled by the service.
    expect(calls('getRunTask')).toEqual([{ runId: 'her' }]);
    expect(store.scene).toMatchObject({ runId: 'her', xml: '<mujoco/>' });
    expect(store.timeline.timeline.duration).toBeCloseTo(50 * 0.04);

    store.timeline.seek(0.4);
    expect(store.cursorStep).toBe(10);
    await store.setRelabel({ kind: 'future', step: 99 });
    expect(calls('getEpisode').at(-1)).toMatchObject({ relabelGoal: { strategy: 'future', step: 50 } });
    await store.setRelabel({ kind: 'none' });
    expect(calls('getEpisode').at(-1)).toEqual({ runId: 'her', episodeId: 7 });
    expect(store.episode?.relabel).toBeNull();
    expect(store.cursorStep).toBe(10); // the same episode keeps its cursor
    store.closeEpisode();
    expect(store.episodeId).toBeNull();
  });

  it('has the helpers the views use', () => {
    expect(nextSort({ column: 'return', dir: 'asc' }, 'return')).toEqual({ column: 'return', dir: 'desc' });
    expect(nextSort({ column: 'return', dir: 'desc' }, 'length')).toEqual({ column: 'length', dir: 'asc' });
    expect(relabelGoalOf({ kind: 'future', step: 0 }, 10)).toEqual({ strategy: 'future', step: 1 });
    const ep = { reward: [-1, -1, 0], relabel: { reward: [-1, 0, 0] } as never };
    expect(rewardRows(ep).map((r) => r.step)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(cursorRows(ep, 2)).toEqual([
      { step: 2, reward: -1, goal: GOAL_LABELS.original },
      { step: 2, reward: 0, goal: GOAL_LABELS.relabeled },
    ]);
    expect(cursorRows(ep, 0)[0].reward).toBeNull(); // no reward before the first step
  });
});
