// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { setLabClient } from '../api/lab.ts';
import { createFakeLab, fakeEpisode, fakeRun, type FakeLab } from '../testing/fake_client.ts';
import { useReplayStore } from '../stores/replay.ts';
import { REWARD_CURSOR_DATA } from '../logic/replay_plots.ts';
import ReplayView from './ReplayView.vue';
import RunsView from './RunsView.vue';

// WebGL, MuJoCo's wasm and Vega's SVG are for e2e/replay.spec.ts: here the scene records its props
// and a plot shows its spec's title and the rows streamed into it.
vi.mock('../components/EpisodeScene.vue', () => ({
  default: {
    name: 'EpisodeScene',
    props: ['xml', 'qpos', 'achievedGoal', 'desiredGoal', 'relabelGoal', 'step'],
    template: '<div class="scene-stub" :data-step="step" :data-relabel="JSON.stringify(relabelGoal)" />',
  },
}));
vi.mock('../components/VegaPlot.vue', () => ({
  default: {
    name: 'VegaPlot',
    props: ['spec', 'data'],
    template: '<div class="plot-stub" :data-title="spec.title" :data-rows="JSON.stringify(data ?? {})" />',
  },
}));

let lab: FakeLab;
beforeEach(() => {
  lab = createFakeLab();
  setLabClient(lab.client);
  setActivePinia(createPinia());
});

const calls = (method: string) => lab.calls.filter((c) => c.method === method).map((c) => c.params);

function goalRun() {
  lab.runs.push(fakeRun({ id: 'her', algo: 'goal-sac', env: 'arm', preset: 'arm-reach' }));
  lab.episodes.her = Array.from({ length: 60 }, (_, i) =>
    fakeEpisode({ episode_id: i, return: -50 + (i % 9), success: i % 4 === 0, final_distance: 0.01 }),
  );
}

describe('ReplayView', () => {
  it('tells a new user to train a goal-sac run first', async () => {
    lab.runs.push(fakeRun({ id: 'skills' }));
    const wrapper = mount(ReplayView);
    await flushPromises();
    const empty = wrapper.find('[data-test="empty"]');
    expect(empty.text()).toMatch(/goal-sac/);
    expect(empty.text()).toMatch(/arm-reach/);
    expect(calls('listEpisodes')).toEqual([]);
    wrapper.unmount();
  });

  it('says when the chosen run has stored no episodes yet', async () => {
    lab.runs.push(fakeRun({ id: 'fresh', algo: 'goal-sac', env: 'arm' }));
    const wrapper = mount(ReplayView);
    await flushPromises();
    expect(wrapper.find('[data-test="no-episodes"]').text()).toMatch(/No episodes stored yet/);
    wrapper.unmount();
  });

  it('sorts by a clicked header, pages, shows a refused filter inline and keeps the page', async () => {
    goalRun();
    const wrapper = mount(ReplayView);
    await flushPromises();
    expect(wrapper.findAll('tbody tr')).toHaveLength(50);
    expect(wrapper.find('[data-test="total"]').text()).toBe('60');
    expect(wrapper.find('.plot-stub[data-title="episode returns"]').exists()).toBe(true);
    expect(wrapper.find('.plot-stub[data-title="desired goals (top view)"]').exists()).toBe(true);

    const header = wrapper.find('th[data-col="return"]');
    await header.trigger('click');
    await flushPromises();
    await header.trigger('click');
    await flushPromises();
    expect(calls('listEpisodes').at(-1)).toMatchObject({ sort: { column: 'return', dir: 'desc' }, page: 0 });
    expect(header.attributes('aria-sort')).toBe('descending');
    expect(wrapper.find('tbody tr td.return').text()).toBe('-42.00');

    await wrapper.find('button[aria-label="next page"]').trigger('click');
    await flushPromises();
    expect(calls('listEpisodes').at(-1)).toMatchObject({ page: 1 });
    expect(wrapper.findAll('tbody tr')).toHaveLength(10);

    const input = wrapper.find('input[name="episode-filter"]');
    await input.setValue('success');
    await wrapper.find('form.filter-bar').trigger('submit');
    await flushPromises();
    expect(calls('listEpisodes').at(-1)).toMatchObject({ filter: 'success', page: 0 });
    expect(calls('episodeStats').at(-1)).toEqual({ runId: 'her', goalKind: 'desired', filter: 'success' });
    expect(wrapper.find('[data-test="total"]').text()).toBe('15');
    const before = wrapper.findAll('tbody tr').map((r) => r.attributes('data-episode'));

    await input.setValue('sucess');
    await wrapper.find('form.filter-bar').trigger('submit');
    await flushPromises();
    const alert = wrapper.find('[data-test="filter-error"]');
    expect(alert.text()).toMatch(/unknown column "sucess"; allowed columns: episode_id, task/);
    expect(input.attributes('aria-invalid')).toBe('true');
    expect(wrapper.findAll('tbody tr').map((r) => r.attributes('data-episode'))).toEqual(before);
    expect(wrapper.find('[data-test="total"]').text()).toBe('15');

    await wrapper.find('[aria-label="pick episode 0"]').setValue(true);
    await wrapper
      .findAll('.export button')
      .find((b) => b.text() === 'CSV')!
      .trigger('click');
    await flushPromises();
    expect(calls('exportEpisodes').at(-1)).toEqual({
      runId: 'her',
      format: 'csv',
      filter: 'success',
      episodeIds: [0],
    });
    expect(wrapper.find('[data-test="export-path"]').text()).toMatch(/exports\/episodes-1\.csv/);
    wrapper.unmount();
  });

  it('opens an episode: relabeled reward requested, cursor step in the plot and the 3D view', async () => {
    goalRun();
    const wrapper = mount(ReplayView, { attachTo: document.body });
    await flushPromises();
    await wrapper.find('tbody tr[data-episode="5"]').trigger('click');
    await flushPromises();
    expect(calls('getEpisode')).toEqual([{ runId: 'her', episodeId: 5, relabelGoal: { strategy: 'final' } }]);
    const page = wrapper.find('[data-test="episode-page"]');
    expect(page.text()).toMatch(/Episode 5/);
    expect(page.find('[data-test="relabel-goal"]').text()).toMatch(/relabeled goal .*\(final\)/);

    const plot = () => wrapper.find('.plot-stub[data-title="reward per step"]');
    const cursor = () => JSON.parse(plot().attributes('data-rows')!)[REWARD_CURSOR_DATA];
    expect(cursor().map((r: { step: number }) => r.step)).toEqual([0, 0]);

    // Scrub: the timeline's slider moves the cursor in the plot and the pose in 3D.
    const store = useReplayStore();
    const scrub = wrapper.find('input[aria-label="time"]');
    await scrub.setValue(String(12 * 0.04 + 0.001));
    await flushPromises();
    expect(store.cursorStep).toBe(12);
    expect(cursor()).toEqual([
      { step: 12, reward: store.episode!.reward[11], goal: 'original goal' },
      { step: 12, reward: store.episode!.relabel!.reward[11], goal: 'relabeled goal' },
    ]);
    expect(wrapper.find('.scene-stub').attributes('data-step')).toBe('12');
    expect(wrapper.find('[data-test="cursor"]').text()).toMatch(/step 12 \/ 50/);

    // Keyboard: → one step on, space plays.
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight' }));
    await flushPromises();
    expect(store.cursorStep).toBe(13);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: ' ' }));
    expect(store.timeline.timeline.playing).toBe(true);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: ' ' }));

    // A goal achieved at step s: the relabeled reward is asked for again.
    await wrapper.find('select[name="relabel-kind"]').setValue('future');
    await flushPromises();
    await wrapper.find('input[name="relabel-step"]').setValue('20');
    await flushPromises();
    expect(calls('getEpisode').at(-1)).toEqual({
      runId: 'her',
      episodeId: 5,
      relabelGoal: { strategy: 'future', step: 20 },
    });
    expect(page.find('[data-test="relabel-goal"]').text()).toMatch(/achieved at step 20/);
    expect(JSON.parse(wrapper.find('.scene-stub').attributes('data-relabel')!)).toEqual(
      store.episode!.achievedGoal[20],
    );

    await wrapper
      .findAll('button')
      .find((b) => b.text().startsWith('← Episodes'))!
      .trigger('click');
    expect(wrapper.find('[data-test="episode-page"]').exists()).toBe(false);
    expect(wrapper.findAll('tbody tr')).toHaveLength(50);
    wrapper.unmount();
  });
});

describe('RunsView → Replay', () => {
  it('offers Replay on goal-sac rows only and opens that run’s episodes', async () => {
    goalRun();
    lab.runs.push(fakeRun({ id: 'skills' }));
    const wrapper = mount(RunsView);
    await flushPromises();
    const names = (id: string) =>
      wrapper
        .find(`[data-run="${id}"]`)
        .findAll('button')
        .map((b) => b.text());
    expect(names('skills')).not.toContain('Replay');
    await wrapper
      .find('[data-run="her"]')
      .findAll('button')
      .find((b) => b.text() === 'Replay')!
      .trigger('click');
    await flushPromises();
    expect(wrapper.emitted('replay')).toHaveLength(1);
    expect(useReplayStore().runId).toBe('her');
    expect(calls('listEpisodes').at(-1)).toMatchObject({ runId: 'her', page: 0 });
    wrapper.unmount();
  });
});
