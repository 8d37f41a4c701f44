// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { setLabClient } from '../api/lab.ts';
import { createFakeLab, fakeRun, type FakeLab } from '../testing/fake_client.ts';
import { useCompareStore } from '../stores/compare.ts';
import { useReplayStore } from '../stores/replay.ts';
import { useRunsStore } from '../stores/runs.ts';
import App from '../App.vue';
import RunView from './RunView.vue';
import RunsView from './RunsView.vue';

// WebGL, MuJoCo's wasm and Vega's SVG are for e2e/run_page.spec.ts: here the skill replay records its
// props, the task preview its scene, and a plot shows the rows streamed into it.
vi.mock('../components/SkillReplay.vue', () => ({
  default: {
    name: 'SkillReplay',
    props: ['run', 'timeline', 'layout'],
    template: '<div class="replay-stub" :data-run="run.id" :data-layout="layout" />',
  },
}));
vi.mock('../components/TaskPreview.vue', () => ({
  default: {
    name: 'TaskPreview',
    props: { xml: String, spec: Object, samples: Array, readonly: Boolean },
    template: '<div class="preview-stub" :data-readonly="readonly" :data-xml="xml" />',
  },
}));
vi.mock('../components/VegaPlot.vue', () => ({
  default: {
    name: 'VegaPlot',
    props: ['spec', 'data'],
    template:
      '<div class="plot-stub" :data-spec="JSON.stringify(spec)" :data-rows="JSON.stringify(data ?? {})" />',
  },
}));

let lab: FakeLab;
beforeEach(() => {
  lab = createFakeLab();
  setLabClient(lab.client);
  setActivePinia(createPinia());
});
afterEach(() => useRunsStore().dispose());

const calls = (method: string) => lab.calls.filter((c) => c.method === method).map((c) => c.params);
const rows = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    iteration: i + 1,
    env_steps: (i + 1) * 500,
    wall_s: i,
    intrinsic_reward: 0.1 * i,
    discriminator_accuracy: 0.3 + 0.1 * i,
    alpha: 0.1,
  }));

function diaynRun(over = {}) {
  lab.runs.push(
    fakeRun({
      id: 'diayn-1',
      seed: 7,
      status: 'running',
      activity: 'training',
      envSteps: 3000,
      totalEnvSteps: 30000,
      ...over,
    }),
  );
  lab.metrics['diayn-1'] = rows(6);
  lab.records['diayn-1'] = {
    config: {
      algo: 'diayn',
      env: 'point-mass',
      seed: 7,
      sac: { lr: 0.001, hidden: [256, 256] },
      diayn: { skills: 4 },
      dads: { skillDim: 2 },
    } as never,
    sources: {
      'sac.lr': 'preset point-mass: DIAYN paper, Table 1',
      'diayn.skills': 'user override',
      seed: 'command line',
    },
    backend: { name: 'wasm', device: 'cpu (wasm simd)', tried: ['@tensorflow/tfjs-node: not installed'] },
    versions: { 'skill-lab': '0.1.0', '@mujoco/mujoco': '3.14.0' },
  };
}

describe('RunView', () => {
  it('shows what the run is and where it stands, its curves at page size, its skills’ replay', async () => {
    diaynRun();
    const wrapper = mount(RunView, { props: { runId: 'diayn-1' } });
    await flushPromises();
    const head = wrapper.find('.run-head').text();
    expect(wrapper.find('[data-test=run-title]').text()).toBe('DIAYN point-mass s7');
    for (const fact of ['DIAYN', 'point-mass', '7', 'training', 'disc. acc 0.910', 'diayn-1'])
      expect(head).toContain(fact);
    expect(wrapper.find('[data-test=progress]').text()).toContain('3.0 k / 30 k env steps');
    // Every curve of the algorithm, in panels that fill the page's width (3 a row, 170 px high).
    const plot = wrapper.find('[data-test=learning-curves] .plot-stub');
    const curves = new Set(
      JSON.parse(plot.attributes('data-rows')!).curves.map((r: { curve: string }) => r.curve),
    );
    expect([...curves]).toEqual(['intrinsic reward (nats)', 'discriminator accuracy', 'SAC α']);
    expect(JSON.parse(plot.attributes('data-spec')!)).toMatchObject({
      columns: 1,
      concat: [{ height: 170 }, { height: 170 }, { height: 170 }],
    });
    expect(wrapper.find('.replay-stub').attributes()).toMatchObject({
      'data-run': 'diayn-1',
      'data-layout': 'wide',
    });
    expect(wrapper.find('[data-test=timeline]').exists()).toBe(true);
    expect(wrapper.find('[data-test=run-task]').exists()).toBe(false);
    // Actions as the state allows: it trains, so Stop, not Evaluate.
    const buttons = wrapper.findAll('.run-head .run-actions button').map((b) => b.text());
    expect(buttons).toEqual(['Stop', 'Delete']);
    wrapper.unmount();
  });

  it('follows the run live: metric rows extend the curves, the time left shows, the status changes', async () => {
    diaynRun();
    const wrapper = mount(RunView, { props: { runId: 'diayn-1' } });
    await flushPromises();
    expect(wrapper.find('[data-test=eta]').exists()).toBe(false);
    lab.emit('metrics', {
      runId: 'diayn-1',
      rows: [
        {
          iteration: 7,
          env_steps: 15000,
          wall_s: 7,
          intrinsic_reward: 0.9,
          discriminator_accuracy: 0.95,
          alpha: 0.1,
        },
      ],
      envSteps: 15000,
      totalEnvSteps: 30000,
      stepsPerSecond: 250,
    });
    await flushPromises();
    expect(wrapper.find('[data-test=progress]').text()).toContain('15 k / 30 k env steps');
    expect(wrapper.find('[data-test=eta]').text()).toContain('about 1 min left at 250 steps/s');
    expect(wrapper.find('.run-head').text()).toContain('disc. acc 0.950');
    const data = JSON.parse(wrapper.find('[data-test=learning-curves] .plot-stub').attributes('data-rows')!);
    expect(data.curves.filter((r: { x: number }) => r.x === 15000)).toHaveLength(3);

    lab.emit('runStatus', { ...lab.runs[0], status: 'completed', activity: null, envSteps: 30000 });
    await flushPromises();
    expect(wrapper.find('[data-test=run-status]').text()).toBe('completed');
    expect(wrapper.find('[data-test=eta]').exists()).toBe(false);
    expect(calls('getRun')).toHaveLength(2); // the record (backend, pid) is read again when the process ends
    wrapper.unmount();
  });

  it('evaluates from the page and shows the figures skill-lab eval prints, per skill too', async () => {
    diaynRun({ status: 'stopped', activity: null });
    const wrapper = mount(RunView, { props: { runId: 'diayn-1' } });
    await flushPromises();
    const panel = () => wrapper.find('[data-test=evaluation]');
    expect(panel().find('[data-test=not-evaluated]').text()).toMatch(/Not evaluated yet/);
    await panel().find('button').trigger('click');
    await flushPromises();
    expect(calls('evaluateRun')).toEqual([{ runId: 'diayn-1' }]);
    const text = panel().text();
    expect(text).toContain('deterministic policy at 3.0 k env steps');
    for (const figure of ['4 × 3', 'xy', '37 cells', '0.210', 'discriminator accuracy', '0.930'])
      expect(text).toContain(figure);
    const skillRows = panel().findAll('[data-test=skill-table] tbody tr');
    expect(skillRows).toHaveLength(4);
    expect(skillRows[1].text()).toContain('[0.00, 1.00, 0.00, 0.00]');
    expect(skillRows[1].text()).toContain('0.910');
    expect(panel().find('button').text()).toBe('Re-evaluate');

    // The run trains on afterwards: the page says the figures are of an older policy.
    lab.emit('runStatus', { ...lab.runs[0], envSteps: 6000 });
    await flushPromises();
    expect(panel().find('[data-test=stale]').text()).toContain('6.0 k env steps since');
    wrapper.unmount();
  });

  it('shows the whole config with each value’s source, filterable, and backend and versions', async () => {
    diaynRun();
    const wrapper = mount(RunView, { props: { runId: 'diayn-1' } });
    await flushPromises();
    await wrapper.find('[data-tab=config]').trigger('click');
    const table = () => wrapper.find('[data-test=config-table]');
    const row = (key: string) => table().find(`tr[data-key="${key}"]`);
    expect(row('sac.lr').text()).toContain('0.001');
    expect(row('sac.lr').text()).toContain('preset point-mass: DIAYN paper, Table 1');
    expect(row('diayn.skills').text()).toContain('set for this run');
    expect(row('sac.hidden').text()).toContain('[256,256]');
    expect(row('sac.hidden').text()).toContain('not recorded');
    // DADS's section is not what a DIAYN run reads: hidden until asked for.
    expect(row('dads.skillDim').exists()).toBe(false);
    await wrapper.find('input[name=config-used-only]').setValue(false);
    expect(row('dads.skillDim').exists()).toBe(true);
    await wrapper.find('input[name=config-filter]').setValue('paper');
    expect(
      table()
        .findAll('tbody tr')
        .map((r) => r.attributes('data-key')),
    ).toEqual(['sac.lr']);
    await wrapper.find('input[name=config-filter]').setValue('no-such-thing');
    expect(table().text()).toContain('No value matches');
    expect(wrapper.find('[data-test=backend]').text()).toContain('cpu (wasm simd)');
    expect(wrapper.find('[data-test=backend]').text()).toContain('@tensorflow/tfjs-node: not installed');
    expect(wrapper.find('[data-test=versions]').text()).toContain('@mujoco/mujoco3.14.0');
    wrapper.unmount();
  });

  it('shows a goal run’s task, read-only, and leads to its episodes; no skill replay', async () => {
    lab.runs.push(fakeRun({ id: 'her', algo: 'goal-sac', env: 'arm', preset: 'arm-reach' }));
    const wrapper = mount(RunView, { props: { runId: 'her' } });
    await flushPromises();
    expect(wrapper.find('.replay-stub').exists()).toBe(false);
    const task = wrapper.find('[data-test=run-task]');
    expect(task.text()).toContain('l-wall-push');
    expect(task.find('.preview-stub').attributes()).toMatchObject({
      'data-readonly': 'true',
      'data-xml': '<mujoco/>',
    });
    expect(wrapper.find('.run-head').text()).toContain('task');
    await task.find('button').trigger('click');
    await flushPromises();
    expect(wrapper.emitted('replay')).toHaveLength(1);
    expect(useReplayStore().runId).toBe('her');
    wrapper.unmount();
  });

  it('compares the run with another picked on the page', async () => {
    diaynRun();
    lab.runs.push(fakeRun({ id: 'dads-1', algo: 'dads' }));
    const wrapper = mount(RunView, { props: { runId: 'diayn-1' } });
    await flushPromises();
    await wrapper.find('select[name=compare-with]').setValue('dads-1');
    expect(useCompareStore().selected).toEqual(['diayn-1', 'dads-1']);
    expect(wrapper.emitted('compare')).toHaveLength(1);
    wrapper.unmount();
  });

  it('says clearly when the run does not exist, is not a run id, or was deleted while shown', async () => {
    lab.runs.push(fakeRun({ id: 'other' }));
    const gone = mount(RunView, { props: { runId: 'gone-1' } });
    await flushPromises();
    expect(gone.find('[data-test=run-missing]').text()).toContain('There is no run gone-1');
    await gone.find('[data-test=run-missing] button').trigger('click');
    expect(gone.emitted('back')).toHaveLength(1);
    gone.unmount();

    const bad = mount(RunView, { props: { runId: '../../etc' } });
    await flushPromises();
    expect(bad.find('[data-test=run-missing]').text()).toContain('is not a run id');
    expect(calls('getRun')).toEqual([{ runId: 'gone-1' }]); // a bad id is never sent
    bad.unmount();

    // Opened from the list (the store already holds the run), then deleted elsewhere.
    diaynRun();
    await useRunsStore().init();
    const deleted = mount(RunView, { props: { runId: 'diayn-1' } });
    await flushPromises();
    expect(deleted.find('[data-test=run-title]').exists()).toBe(true);
    lab.emit('runDeleted', { runId: 'diayn-1' });
    await flushPromises();
    expect(deleted.find('[data-test=run-missing]').text()).toContain('Run diayn-1 was deleted');
    deleted.unmount();
  });
});

describe('opening a run', () => {
  it('a click on a run’s row opens it, its controls do not', async () => {
    lab.runs.push(fakeRun({ id: 'done' }));
    const wrapper = mount(RunsView);
    await flushPromises();
    expect(wrapper.find('[data-run=done] a[data-test=run-link]').attributes('href')).toBe('#run=done');
    await wrapper.find('[data-run=done] input[type=checkbox]').trigger('click');
    await wrapper.find('[data-run=done] button').trigger('click'); // Evaluate
    await flushPromises();
    expect(wrapper.emitted('open')).toBeUndefined();
    await wrapper.findAll('[data-run=done] td')[4].trigger('click');
    expect(wrapper.emitted('open')).toEqual([['done']]);
    wrapper.unmount();
  });

  it('the app shows the page of the fragment’s run, goes back to the list, and opens a row’s page', async () => {
    lab.runs.push(fakeRun({ id: 'diayn-1' }), fakeRun({ id: 'dads-1', algo: 'dads' }));
    window.history.replaceState(null, '', '/?x=1#run=diayn-1');
    const wrapper = mount(App, { attachTo: document.body });
    await flushPromises();
    expect(wrapper.find('[data-test=run-title]').text()).toBe('DIAYN point-mass s0');
    expect(wrapper.find('nav button.active').text()).toBe('Runs');

    await wrapper.find('[data-test=back]').trigger('click');
    await flushPromises();
    expect(wrapper.find('[data-test=run-page]').exists()).toBe(false);
    expect(window.location.hash).toBe('');
    expect(window.location.search).toBe('?x=1');

    await wrapper.findAll('[data-run=dads-1] td')[2].trigger('click');
    await flushPromises();
    expect(window.location.hash).toBe('#run=dads-1');
    expect(wrapper.find('[data-test=run-title]').text()).toBe('DADS point-mass s0');

    // The browser's back button returns to the list.
    window.history.back();
    await new Promise((r) => setTimeout(r, 50));
    await flushPromises();
    expect(wrapper.find('[data-test=run-page]').exists()).toBe(false);
    wrapper.unmount();
  });
});
