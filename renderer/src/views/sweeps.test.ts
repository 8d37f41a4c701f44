// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import {
  ApiError,
  type SweepPointInfo,
  type SweepSpecInput,
  type SweepSummary,
} from '../../../main/api/contract/contract.ts';
import { setLabClient } from '../api/lab.ts';
import { createFakeLab, fakeRun, type FakeLab } from '../testing/fake_client.ts';
import { useCompareStore } from '../stores/compare.ts';
import { POLL_MS } from '../stores/sweeps.ts';
import App from '../App.vue';
import SweepsView from './SweepsView.vue';

// Vega's SVG is for e2e/sweeps.spec.ts: here a plot shows the spec it was given.
vi.mock('../components/VegaPlot.vue', () => ({
  default: {
    name: 'VegaPlot',
    props: ['spec', 'data'],
    template: '<div class="plot-stub" :data-spec="JSON.stringify(spec)" />',
  },
}));
// The Compare view's 3D columns are e2e's (WebGL); here a column says which run it shows.
vi.mock('../components/SceneColumn.vue', () => ({
  default: {
    name: 'SceneColumn',
    props: ['run'],
    template: '<div class="column-stub" :data-run="run.id" />',
  },
}));

/** A point with defaults: a completed run of sac.lr = 0.001, seed 0. */
function fakePoint(over: Partial<SweepPointInfo> = {}): SweepPointInfo {
  const index = over.index ?? 0;
  return {
    index,
    runId: `lr-run-${index}`,
    values: { 'sac.lr': 0.001 },
    seed: 0,
    state: 'completed',
    runStatus: 'completed',
    envSteps: 1000,
    totalEnvSteps: 1000,
    detail: null,
    slurm: null,
    log: null,
    last: { iteration: 2, env_steps: 1000, wall_s: 3, discriminator_accuracy: 0.5, intrinsic_reward: 0.1 },
    ...over,
  };
}

/** A sweep summary with defaults: a local DIAYN sweep over sac.lr, its counts from its points. */
function fakeSweep(over: Partial<SweepSummary> = {}): SweepSummary {
  const points = over.points ?? [fakePoint()];
  const counts: SweepSummary['counts'] = {};
  for (const p of points) counts[p.state] = (counts[p.state] ?? 0) + 1;
  return {
    id: 'lr-20270101-000000',
    name: 'lr',
    createdAt: new Date(Date.now() - 60_000).toISOString(),
    spec: {
      algo: 'diayn',
      preset: 'point-mass',
      steps: 1000,
      set: {},
      grid: { 'sac.lr': [0.001, 0.003] },
      seeds: 1,
      eval: false,
      executor: { kind: 'local', parallel: 2 },
    },
    executor: 'local',
    jobIds: [],
    cancelledAt: null,
    keys: ['sac.lr'],
    counts,
    slurmError: null,
    localLive: false,
    ...over,
    points,
  };
}

/** The fake's sweeps: the fake client knows runs, not sweeps, so this test gives it the four methods. */
interface FakeSweeps {
  sweeps: SweepSummary[];
  /** When set, startSweep fails with it (and creates nothing). */
  startError: ApiError | null;
  /** When set, startSweep waits for it (the Slurm probe job takes a while). */
  hold: Promise<void> | null;
}

let lab: FakeLab;
let fake: FakeSweeps;
beforeEach(() => {
  lab = createFakeLab();
  fake = { sweeps: [], startError: null, hold: null };
  const client = lab.client as unknown as Record<string, (p: any) => Promise<unknown>>;
  const record = (method: string, fn: (p: any) => Promise<unknown>) => {
    client[method] = (params: unknown) => {
      lab.calls.push({ method, params });
      return fn(params);
    };
  };
  const find = (id: string) => {
    const s = fake.sweeps.find((x) => x.id === id);
    if (!s) throw new ApiError('not_found', `no sweep ${id}`);
    return s;
  };
  record('listSweeps', async () => ({ sweeps: structuredClone(fake.sweeps), unreadable: [] }));
  record('startSweep', async ({ spec }: { spec: SweepSpecInput }) => {
    await fake.hold;
    if (fake.startError) throw fake.startError;
    const sweep = fakeSweep({
      id: `new-${fake.sweeps.length}`,
      name: spec.name ?? 'sweep',
      createdAt: new Date().toISOString(),
      points: [fakePoint({ state: 'not started', runStatus: 'created', envSteps: 0, last: {} })],
      localLive: true,
    });
    fake.sweeps.push(sweep);
    return { sweep };
  });
  record('cancelSweep', async ({ sweepId }) => {
    const s = find(sweepId);
    s.localLive = false;
    s.cancelledAt = new Date().toISOString();
    for (const p of s.points) if (p.state === 'running') p.state = 'stopped';
    return { sweep: s };
  });
  record('resumeSweep', async ({ sweepId }) => {
    const s = find(sweepId);
    s.localLive = true;
    return { sweep: s };
  });
  setLabClient(lab.client);
  setActivePinia(createPinia());
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const calls = (method: string) => lab.calls.filter((c) => c.method === method).map((c) => c.params);

/** A sweep of four points in every state the table colours, on Slurm. */
function slurmSweep(): SweepSummary {
  const slurm = (state: string, reason = 'None') => ({
    jobId: '41',
    state,
    reason,
    exitCode: null,
    source: 'squeue' as const,
  });
  return fakeSweep({
    id: 'grid-20270102-000000',
    name: 'grid',
    createdAt: new Date().toISOString(),
    executor: 'slurm',
    jobIds: ['41'],
    keys: ['sac.lr', 'diayn.prior'],
    spec: {
      ...fakeSweep().spec,
      executor: { kind: 'slurm', slurm: { cpus: 1, options: [], partition: 'debug' } },
    },
    points: [
      fakePoint({ index: 0, values: { 'sac.lr': 0.001, 'diayn.prior': 'xy' }, slurm: slurm('COMPLETED') }),
      fakePoint({
        index: 1,
        values: { 'sac.lr': 0.003, 'diayn.prior': 'xy' },
        state: 'running',
        runStatus: 'running',
        envSteps: 400,
        slurm: slurm('RUNNING'),
        last: { discriminator_accuracy: 0.8 },
      }),
      fakePoint({
        index: 2,
        values: { 'sac.lr': 0.001, 'diayn.prior': 'full' },
        state: 'pending',
        runStatus: 'created',
        envSteps: 0,
        detail: 'Resources',
        slurm: slurm('PENDING', 'Resources'),
        last: {},
      }),
      fakePoint({
        index: 3,
        values: { 'sac.lr': 0.003, 'diayn.prior': 'full' },
        state: 'failed',
        runStatus: 'created',
        envSteps: 0,
        detail: 'Slurm FAILED — exit 1:0',
        log: '/ws/sweeps/grid/logs/41_3.out',
        last: {},
      }),
    ],
  });
}

/** Three completed points of a local sweep, accuracy 0.5, 0.9, 0.7. */
function doneSweep(): SweepSummary {
  return fakeSweep({
    points: [0.5, 0.9, 0.7].map((acc, index) =>
      fakePoint({
        index,
        values: { 'sac.lr': [0.001, 0.003, 0.01][index] },
        last: { discriminator_accuracy: acc, intrinsic_reward: 1 - acc },
      }),
    ),
  });
}

const plotSpec = (w: VueWrapper) =>
  JSON.parse(w.find('[data-test=sweep-plot] .plot-stub').attributes('data-spec')!);

describe('SweepsView', () => {
  it('tells a new user how to start a sweep: the form, or a spec file', async () => {
    const wrapper = mount(SweepsView);
    await flushPromises();
    const empty = wrapper.find('[data-test=sweeps-empty]');
    expect(empty.text()).toMatch(/No sweeps yet/);
    expect(empty.text()).toMatch(/skill-lab sweep SPEC\.yaml/);
    await empty.find('button').trigger('click');
    expect(wrapper.find('[data-test=sweep-form]').exists()).toBe(true);
    wrapper.unmount();
  });

  it('lists sweeps newest first, and shows the newest one’s runs: values, seed, states, progress, metric, detail', async () => {
    fake.sweeps.push(doneSweep(), slurmSweep());
    const wrapper = mount(SweepsView);
    await flushPromises();
    const rows = wrapper.findAll('[data-test=sweep-list] tbody tr');
    expect(rows.map((r) => r.attributes('data-sweep'))).toEqual([
      'grid-20270102-000000',
      'lr-20270101-000000',
    ]);
    expect(rows[0].text()).toMatch(/grid.*DIAYN.*point-mass.*Slurm job 41/);
    expect(rows[0].text()).toMatch(/1 running.*1 pending.*1 completed.*1 failed/);
    expect(rows[1].text()).toMatch(/local.*3 completed/);

    const detail = wrapper.find('[data-test=sweep-detail]');
    expect(detail.attributes('data-sweep')).toBe('grid-20270102-000000');
    expect(detail.text()).toMatch(/Slurm job 41, partition debug/);
    const head = wrapper.findAll('[data-test=sweep-points] th').map((th) => th.text());
    expect(head).toEqual([
      '#',
      'run',
      'sac.lr',
      'diayn.prior',
      'seed',
      'state',
      'env steps',
      'discriminator_accuracy',
      'detail',
    ]);
    const cells = (i: number) =>
      wrapper.findAll(`[data-point="${i}"] td`).map((td) => td.text().replace(/\s+/g, ' '));
    expect(cells(1)).toEqual(['1', 'lr-run-1', '0.003', 'xy', '0', 'running', '400 / 1.0 k', '0.8', '']);
    expect(wrapper.find('[data-point="1"] .status').classes()).toContain('running');
    expect(cells(2)[5]).toBe('pending — Resources');
    expect(wrapper.find('[data-point="2"] .status').classes()).toContain('pending');
    expect(cells(3)[8]).toBe('Slurm FAILED — exit 1:0 — log: /ws/sweeps/grid/logs/41_3.out');
    expect(wrapper.find('[data-point="3"] .status').classes()).toContain('error');
    expect(wrapper.find('[data-point="0"] a[data-test=run-link]').attributes('href')).toBe('#run=lr-run-0');

    // Running points: Cancel, not Resume. Another sweep is a click away.
    expect(wrapper.find('[data-test=cancel-sweep]').exists()).toBe(true);
    expect(wrapper.find('[data-test=resume-sweep]').exists()).toBe(false);
    await rows[1].trigger('click');
    expect(wrapper.find('[data-test=sweep-detail]').attributes('data-sweep')).toBe('lr-20270101-000000');
    wrapper.unmount();
  });

  it('polls while open and the page is visible, refreshes soon after a sweep run’s status, and stops when closed', async () => {
    vi.useFakeTimers();
    fake.sweeps.push(slurmSweep());
    const wrapper = mount(SweepsView);
    await flushPromises();
    expect(calls('listSweeps')).toHaveLength(1);
    fake.sweeps[0].points[2].state = 'running';
    fake.sweeps[0].points[2].detail = null;
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(calls('listSweeps')).toHaveLength(2);
    expect(wrapper.find('[data-point="2"] .status').text()).toBe('running');

    // A run of no sweep changes nothing here; a sweep's run refreshes before the next poll.
    lab.emit('runStatus', fakeRun({ id: 'other' }));
    await vi.advanceTimersByTimeAsync(500);
    expect(calls('listSweeps')).toHaveLength(2);
    lab.emit('runStatus', fakeRun({ id: 'lr-run-1', sweep: { id: 'grid-20270102-000000', index: 1 } }));
    lab.emit('runStatus', fakeRun({ id: 'lr-run-2', sweep: { id: 'grid-20270102-000000', index: 2 } }));
    await vi.advanceTimersByTimeAsync(500);
    expect(calls('listSweeps')).toHaveLength(3);

    // A hidden page is not polled.
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    await vi.advanceTimersByTimeAsync(3 * POLL_MS);
    expect(calls('listSweeps')).toHaveLength(3);
    vi.restoreAllMocks();
    wrapper.unmount();
    await vi.advanceTimersByTimeAsync(3 * POLL_MS);
    expect(calls('listSweeps')).toHaveLength(3);
  });

  it('cancels and resumes after saying what happens; nothing happens when the reader declines', async () => {
    const sweep = fakeSweep({
      points: [
        fakePoint({ state: 'running', runStatus: 'running' }),
        fakePoint({ index: 1, state: 'not started' }),
      ],
      localLive: true,
    });
    fake.sweeps.push(sweep);
    const confirm = vi.fn((_message: string) => false);
    vi.stubGlobal('confirm', confirm);
    const wrapper = mount(SweepsView);
    await flushPromises();
    await wrapper.find('[data-test=cancel-sweep]').trigger('click');
    expect(confirm.mock.calls[0][0]).toMatch(/Every run checkpoints and stays resumable/);
    expect(calls('cancelSweep')).toEqual([]);

    confirm.mockReturnValue(true);
    await wrapper.find('[data-test=cancel-sweep]').trigger('click');
    await flushPromises();
    expect(calls('cancelSweep')).toEqual([{ sweepId: 'lr-20270101-000000' }]);
    expect(wrapper.text()).toMatch(/Cancelled .*every run kept its checkpoint/);
    expect(wrapper.find('[data-test=cancel-sweep]').exists()).toBe(false);

    await wrapper.find('[data-test=resume-sweep]').trigger('click');
    await flushPromises();
    expect(confirm.mock.calls.at(-1)![0]).toMatch(/2 unfinished runs train again on this machine/);
    expect(calls('resumeSweep')).toEqual([{ sweepId: 'lr-20270101-000000' }]);
    expect(wrapper.find('[data-test=cancel-sweep]').exists()).toBe(true);
    wrapper.unmount();
  });

  it('plots swept values against the chosen metric and compares the best K runs', async () => {
    fake.sweeps.push(doneSweep());
    const wrapper = mount(SweepsView);
    await flushPromises();
    const metric = wrapper.find('select[name=metric]');
    expect(metric.findAll('option').map((o) => o.text())).toEqual([
      'discriminator_accuracy',
      'intrinsic_reward',
    ]);
    expect((metric.element as HTMLSelectElement).value).toBe('discriminator_accuracy');
    const spec = plotSpec(wrapper);
    expect(spec.layer[0].data.values.map((v: { axis: string }) => v.axis)).toEqual([
      'sac.lr (log)',
      'discriminator_accuracy',
    ]);
    expect(new Set(spec.layer[1].data.values.map((v: { point: number }) => v.point))).toEqual(
      new Set([0, 1, 2]),
    );

    // Best 3 by default, then 2: the highest accuracies, starred in the table.
    expect(wrapper.find('[data-test=compare-best]').text()).toBe('Compare best 3');
    await wrapper.find('input[name=best-k]').setValue(2);
    expect(wrapper.find('[data-test=compare-best]').text()).toBe('Compare best 2');
    expect(wrapper.findAll('tr.best').map((r) => r.attributes('data-point'))).toEqual(['1', '2']);
    await wrapper.find('[data-test=compare-best]').trigger('click');
    expect(useCompareStore().selected).toEqual(['lr-run-1', 'lr-run-2']);
    expect(wrapper.emitted('compare')).toHaveLength(1);

    // Another metric, lower is better: the plot and the best runs follow.
    await metric.setValue('intrinsic_reward');
    expect(wrapper.find('[data-test=sweep-points] thead').text()).toContain('intrinsic_reward');
    expect(plotSpec(wrapper).layer[1].encoding.color.title).toEqual([
      'intrinsic_reward',
      '(higher is better)',
    ]);
    await wrapper.find('select[name=direction]').setValue('lower');
    expect(plotSpec(wrapper).layer[1].encoding.color.scale.reverse).toBe(true);
    expect(wrapper.findAll('tr.best').map((r) => r.attributes('data-point'))).toEqual(['1', '2']);
    await wrapper.find('select[name=direction]').setValue('higher');
    expect(wrapper.findAll('tr.best').map((r) => r.attributes('data-point'))).toEqual(['0', '2']);
    wrapper.unmount();
  });

  it('starts a sweep from the form: the spec as a file’s text, its run count, the service’s refusal in words', async () => {
    const wrapper = mount(SweepsView);
    await flushPromises();
    await wrapper.find('[data-test=sweeps-empty] button').trigger('click');
    await flushPromises();
    const form = wrapper.find('[data-test=sweep-form]');
    expect((form.find('select[name=preset]').element as HTMLSelectElement).value).toBe('point-mass');
    expect((form.find('select[name=algo]').element as HTMLSelectElement).value).toBe('diayn');
    await form.find('input[name=steps]').setValue('1000');
    await form.find('input[name=grid-key-0]').setValue('sac.lr');
    await form.find('input[name=grid-values-0]').setValue('0.001, -1');
    expect(form.find('.kv .hint').text()).toBe('preset: 0.001');
    await form
      .findAll('button')
      .find((b) => b.text() === '+ fixed value')!
      .trigger('click');
    await form.find('input[name=set-key-0]').setValue('checkpointEvery');
    await form.find('input[name=set-value-0]').setValue('1');
    await form.find('input[name=parallel]').setValue('2');
    expect(form.find('[data-test=sweep-count]').text()).toMatch(/2 runs \(2 configurations × 1 seed\)/);
    const yaml = form.find('[data-test=sweep-yaml]').text();
    expect(yaml).toContain('# skill-lab sweep sweep.yaml');
    expect(yaml).toContain('sac.lr: [ 0.001, -1 ]');
    expect(yaml).toContain('parallel: 2');

    // The service refuses a point: its message, naming the point and field, beside the button.
    const message = 'point 1 (sac.lr=-1, seed 0): sac.lr: Too small: expected number to be >0';
    fake.startError = new ApiError('invalid', message, [{ path: 'sac.lr', message }]);
    await form.trigger('submit');
    await flushPromises();
    expect(form.find('[data-test=sweep-error]').text()).toBe(message);
    expect(fake.sweeps).toHaveLength(0);

    // Fixed, submitted: the button waits for the service, then the new sweep is shown.
    fake.startError = null;
    let release!: () => void;
    fake.hold = new Promise((r) => (release = r));
    await form.find('input[name=grid-values-0]').setValue('0.001, 0.003');
    await form.trigger('submit');
    const submit = form.find('button[type=submit]');
    expect(submit.text()).toBe('Starting…');
    expect(submit.attributes('disabled')).toBeDefined();
    release();
    await flushPromises();
    expect(calls('startSweep').at(-1)).toEqual({
      spec: {
        algo: 'diayn',
        preset: 'point-mass',
        steps: 1000,
        set: { checkpointEvery: 1 },
        grid: { 'sac.lr': [0.001, 0.003] },
        seeds: 1,
        executor: { kind: 'local', parallel: 2 },
      },
    });
    expect(wrapper.find('[data-test=sweep-form]').exists()).toBe(false);
    expect(wrapper.find('[data-test=sweep-detail]').attributes('data-sweep')).toBe('new-0');
    wrapper.unmount();
  });

  it('warns that a Slurm sweep takes a while to start (its probe job), and sends the sbatch options', async () => {
    const wrapper = mount(SweepsView);
    await flushPromises();
    await wrapper.find('button.primary').trigger('click');
    await flushPromises();
    const form = wrapper.find('[data-test=sweep-form]');
    await form.find('input[name=grid-key-0]').setValue('sac.lr');
    await form.find('input[name=grid-values-0]').setValue('0.001');
    await form.find('input[value=slurm]').setValue(true);
    await form.find('input[name=partition]').setValue('debug');
    await form.find('input[name=time]').setValue('10');
    await form.find('input[name=options]').setValue('--qos=low');
    expect(form.text()).toMatch(/probe job first \(up to two minutes\)/);
    expect(form.find('[data-test=sweep-yaml]').text()).toContain('options: [ --qos=low ]');
    fake.hold = new Promise(() => {});
    await form.trigger('submit');
    expect(form.text()).toMatch(/A probe job first checks that the cluster's nodes share this workspace/);
    expect((calls('startSweep')[0] as { spec: SweepSpecInput }).spec.executor).toEqual({
      kind: 'slurm',
      slurm: { partition: 'debug', time: '10', options: ['--qos=low'] },
    });
    wrapper.unmount();
  });

  it('is the app’s Sweeps tab at #sweeps, and Compare best opens #compare with those runs', async () => {
    fake.sweeps.push(doneSweep());
    lab.runs.push(...doneSweep().points.map((p) => fakeRun({ id: p.runId })));
    window.history.replaceState(null, '', '/#sweeps');
    const wrapper = mount(App, { attachTo: document.body });
    await flushPromises();
    expect(wrapper.find('nav button.active').text()).toBe('Sweeps');
    await wrapper.find('input[name=best-k]').setValue(2);
    await wrapper.find('[data-test=compare-best]').trigger('click');
    await flushPromises();
    expect(window.location.hash).toBe('#compare');
    expect(wrapper.find('nav button.active').text()).toBe('Compare');
    expect(useCompareStore().selected).toEqual(['lr-run-1', 'lr-run-2']);
    expect(wrapper.findAll('.column-stub').map((c) => c.attributes('data-run'))).toEqual([
      'lr-run-1',
      'lr-run-2',
    ]);
    wrapper.unmount();
    window.history.replaceState(null, '', '/');
  });
});
