// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import {
  ApiError,
  figureSpecSchema,
  type FigureSpecInput,
  type SavedFigure,
  type SweepSummary,
} from '../../../main/api/contract/contract.ts';
import { setLabClient } from '../api/lab.ts';
import { createFakeLab, fakeRun, type FakeLab } from '../testing/fake_client.ts';
import App from '../App.vue';
import FiguresView from './FiguresView.vue';

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="486" height="300"><text>DIAYN sac.lr=0.001</text></svg>';

/** The fake's figures: the fake client knows runs, not figures or sweeps, so this test gives it those methods. */
interface FakeFigures {
  saved: SavedFigure[];
  /** When set, previewFigure fails with it. */
  previewError: ApiError | null;
  /** When set, previewFigure waits for it (the bootstrap takes seconds). */
  hold: Promise<void> | null;
  sweeps: SweepSummary[];
}

let lab: FakeLab;
let fake: FakeFigures;
beforeEach(() => {
  lab = createFakeLab();
  fake = { saved: [], previewError: null, hold: null, sweeps: [] };
  const client = lab.client as unknown as Record<string, (p: any) => Promise<unknown>>;
  const record = (method: string, fn: (p: any) => Promise<unknown>) => {
    client[method] = (params: unknown) => {
      lab.calls.push({ method, params });
      return fn(params);
    };
  };
  /** The run ids a spec resolves to, as the service does (ids, or a sweep query). */
  const resolve = (spec: FigureSpecInput) => {
    const ids = spec.runs ?? lab.runs.filter((r) => r.sweep?.id === spec.query?.sweep).map((r) => r.id);
    if (ids.length === 0)
      throw new ApiError('invalid', `no run matches the query ${JSON.stringify(spec.query)}`);
    return ids;
  };
  record('listSweeps', async () => ({ sweeps: fake.sweeps, unreadable: [] }));
  record('previewFigure', async ({ spec }: { spec: FigureSpecInput }) => {
    await fake.hold;
    if (fake.previewError) throw fake.previewError;
    return {
      svg: SVG,
      csv: 'metric,variant,x,value,lo,hi,n\nalpha,DIAYN,1000,0.1,0.1,0.1,2\n',
      runIds: resolve(spec),
    };
  });
  record('exportFigure', async ({ spec, name }: { spec: FigureSpecInput; name?: string }) => {
    const base = `${name ?? 'figure'}-20261207-130000`;
    const runIds = resolve(spec);
    const files: Record<string, string> = {};
    for (const ext of [...(spec.formats ?? ['svg', 'pdf', 'png']), 'csv', 'spec.json'])
      files[ext] = `/ws/figures/${base}.${ext}`;
    fake.saved.unshift({
      name: base,
      spec: { ...spec, runs: runIds },
      files,
      createdAt: new Date().toISOString(),
    });
    return { name: base, files, runIds };
  });
  record('listFigures', async () => ({ figures: structuredClone(fake.saved) }));
  setLabClient(lab.client);
  setActivePinia(createPinia());
});

const calls = (method: string) => lab.calls.filter((c) => c.method === method).map((c) => c.params);
const rows = [
  { iteration: 1, env_steps: 500, wall_s: 1, discriminator_accuracy: 0.4, intrinsic_reward: 0.1, alpha: 0.1 },
  {
    iteration: 2,
    env_steps: 1000,
    wall_s: 2,
    discriminator_accuracy: 0.6,
    intrinsic_reward: 0.2,
    alpha: 0.1,
  },
];

/** Three DIAYN runs of a two-point sweep over sac.lr (seeds 0, 1 of the first point) and one DADS run. */
function workspace() {
  lab.runs.push(
    fakeRun({ id: 'lr-0', sweep: { id: 'lr-1', index: 0 }, seed: 0 }),
    fakeRun({ id: 'lr-1', sweep: { id: 'lr-1', index: 1 }, seed: 1 }),
    fakeRun({ id: 'lr-2', sweep: { id: 'lr-1', index: 2 }, seed: 0 }),
    fakeRun({ id: 'dads-0', algo: 'dads', metrics: {} }),
  );
  for (const r of lab.runs) lab.metrics[r.id] = rows;
  lab.metrics['dads-0'] = [
    { iteration: 1, env_steps: 500, wall_s: 1, skill_dynamics_loglik: -3, alpha: 0.1 },
  ];
  const point = (index: number, lr: number, seed: number) => ({ index, values: { 'sac.lr': lr }, seed });
  fake.sweeps = [
    { id: 'lr-1', points: [point(0, 0.001, 0), point(1, 0.001, 1), point(2, 0.003, 0)] },
  ] as unknown as SweepSummary[];
}

describe('the Figures tab', () => {
  it('is the tab after Sweeps, at #figures', async () => {
    const wrapper = mount(App, { attachTo: document.body });
    await flushPromises();
    const tabs = wrapper.findAll('nav button').map((b) => b.text());
    expect(tabs.indexOf('Figures')).toBe(tabs.indexOf('Sweeps') + 1);
    await wrapper
      .findAll('nav button')
      .find((b) => b.text() === 'Figures')!
      .trigger('click');
    await flushPromises();
    expect(window.location.hash).toBe('#figures');
    expect(wrapper.find('.figures-view').exists()).toBe(true);
    wrapper.unmount();
    window.location.hash = '';
  });

  it('ticks runs, shows their variants with n, the metrics with catalog titles and the spec', async () => {
    workspace();
    const wrapper = mount(FiguresView);
    await flushPromises();
    const preview = wrapper.find('[data-test=figure-preview-button]');
    expect(preview.attributes('disabled')).toBeDefined();
    expect(wrapper.find('[data-test=figure-problems]').text()).toMatch(/tick at least one run/);

    for (const id of ['lr-0', 'lr-1', 'lr-2'])
      await wrapper.find(`[data-test=figure-runs] tr[data-run="${id}"] input`).setValue(true);
    await flushPromises();
    const variants = wrapper.find('[data-test=figure-variants]');
    expect(variants.text()).toMatch(/3 runs selected, 2 variants/);
    expect(variants.find('[data-variant="DIAYN sac.lr=0.001"]').text()).toMatch(/n = 2 \(seeds 0, 1\)/);
    expect(variants.find('[data-variant="DIAYN sac.lr=0.003"]').text()).toMatch(/n = 1 \(seed 0\)/);
    expect(variants.text()).toMatch(/fewer than 3 seeds/);

    // Metrics: the DIAYN curves the runs report, ticked, by their catalog titles.
    const metrics = wrapper.find('[data-test=figure-metrics]');
    const accuracy = metrics.find('input[name="metric-discriminator_accuracy"]');
    expect((accuracy.element as HTMLInputElement).checked).toBe(true);
    expect(metrics.text()).toMatch(/discriminator accuracy/i);
    expect(wrapper.find('[data-test=statistic-hint]').text()).toBe(
      'IQM = mean of the middle 50 % of seeds (rliable)',
    );

    // The spec: what `skill-lab figure --spec` reads, default metrics left out.
    let spec = JSON.parse(wrapper.find('[data-test=figure-spec-json]').text());
    expect(spec).toMatchObject({
      runs: ['lr-0', 'lr-1', 'lr-2'],
      groupBy: 'variant',
      statistic: 'iqm',
      band: 'ci95',
    });
    expect(spec.metrics).toBeUndefined();
    await accuracy.setValue(false);
    spec = JSON.parse(wrapper.find('[data-test=figure-spec-json]').text());
    expect(spec.metrics).not.toContain('discriminator_accuracy');
    expect(spec.metrics.length).toBeGreaterThan(0);
    expect(figureSpecSchema.safeParse(spec).success).toBe(true);

    // Grouping by a config key: the variants follow (the fake's records have no sac section).
    await wrapper.find('input[name=group-mode][value=keys]').setValue(true);
    await wrapper.find('input[name=group-key]').setValue('seed');
    await wrapper.find('input[name=group-key]').trigger('keydown', { key: 'Enter' });
    expect(wrapper.find('[data-test=figure-variants]').text()).toMatch(/3 runs selected, 1 variant/);
    expect(JSON.parse(wrapper.find('[data-test=figure-spec-json]').text()).groupBy).toEqual(['seed']);
    wrapper.unmount();
  });

  it('previews with a busy state, shows the SVG as an image with downloads, and a refusal in words', async () => {
    workspace();
    let release!: () => void;
    fake.hold = new Promise((r) => (release = r));
    const wrapper = mount(FiguresView);
    await flushPromises();
    await wrapper.find('[data-test=figure-runs] tr[data-run="lr-0"] input').setValue(true);
    await flushPromises();
    await wrapper.find('[data-test=figure-preview-button]').trigger('click');
    await flushPromises();
    expect(wrapper.find('[data-test=figure-busy]').text()).toMatch(
      /drawing… the bootstrap takes a few seconds/,
    );
    expect(calls('previewFigure')).toEqual([{ spec: expect.objectContaining({ runs: ['lr-0'] }) }]);
    release();
    await flushPromises();
    expect(wrapper.find('[data-test=figure-busy]').exists()).toBe(false);
    const img = wrapper.find('[data-test=figure-image]');
    expect(img.element.tagName).toBe('IMG');
    expect(img.attributes('src')).toMatch(/^(blob:|data:image\/svg\+xml)/);
    // At print size: 486 pt wide (6.75 in).
    expect(img.attributes('style')).toMatch(/width: 486(\.0)?pt/);
    expect(wrapper.find('[data-test=figure-preview]').text()).toMatch(/6\.75 × 4\.17 in/);
    expect(wrapper.find('[data-test=download-csv]').attributes('download')).toBe('figure.csv');
    expect(wrapper.find('[data-test=download-svg]').attributes('download')).toBe('figure.svg');
    // The SVG never enters the page's DOM.
    expect(wrapper.find('[data-test=figure-preview] svg').exists()).toBe(false);

    fake.hold = null;
    fake.previewError = new ApiError('invalid', 'no run reports q_loss; the runs report: alpha');
    await wrapper.find('select[name=statistic]').setValue('mean');
    expect(wrapper.text()).toMatch(/The form changed since this preview/);
    await wrapper.find('[data-test=figure-preview-button]').trigger('click');
    await flushPromises();
    expect(wrapper.find('[data-test=figure-error]').text()).toBe(
      'Cannot draw this figure: no run reports q_loss; the runs report: alpha',
    );
    wrapper.unmount();
  });

  it('selects runs by a sweep query, exports, lists the files and loads the saved figure back', async () => {
    workspace();
    const wrapper = mount(FiguresView);
    await flushPromises();
    expect(wrapper.find('[data-test=figure-saved]').text()).toMatch(/None yet/);
    await wrapper.find('input[name=figure-mode][value=query]').setValue(true);
    await wrapper.find('select[name=query-sweep]').setValue('lr-1');
    await flushPromises();
    expect(wrapper.find('[data-test=figure-variants]').text()).toMatch(/3 runs selected, 2 variants/);
    expect(JSON.parse(wrapper.find('[data-test=figure-spec-json]').text()).query).toEqual({ sweep: 'lr-1' });

    await wrapper.find('input[name=figure-name]').setValue('lr');
    await wrapper.find('input[name="format-png"]').setValue(false);
    await wrapper.find('[data-test=figure-export]').trigger('click');
    await flushPromises();
    expect(calls('exportFigure')).toEqual([
      { spec: expect.objectContaining({ query: { sweep: 'lr-1' }, formats: ['svg', 'pdf'] }), name: 'lr' },
    ]);
    const written = wrapper.find('[data-test=figure-exported]');
    expect(written.text()).toMatch(/Written lr-20261207-130000/);
    expect(written.findAll('li').map((li) => li.attributes('data-ext'))).toEqual([
      'svg',
      'pdf',
      'csv',
      'spec.json',
    ]);
    expect(written.text()).toContain('/ws/figures/lr-20261207-130000.pdf');

    // The saved list has it; loading it back fills the form in runs mode with the runs it resolved to.
    const saved = wrapper.find('[data-test=figure-saved] tr[data-figure="lr-20261207-130000"]');
    expect(saved.text()).toMatch(/3/);
    await wrapper.find('button[title="empty the builder"]').trigger('click');
    expect(JSON.parse(wrapper.find('[data-test=figure-spec-json]').text()).runs).toEqual([]);
    await saved.find('[data-test=figure-load]').trigger('click');
    await flushPromises();
    const spec = JSON.parse(wrapper.find('[data-test=figure-spec-json]').text());
    expect(spec).toMatchObject({ runs: ['lr-0', 'lr-1', 'lr-2'], formats: ['svg', 'pdf'] });
    expect(spec.query).toBeUndefined();
    expect((wrapper.find('input[name=figure-name]').element as HTMLInputElement).value).toBe('lr');
    expect(wrapper.find('[data-test=figure-loaded]').text()).toMatch(/lr-20261207-130000/);
    // … and redrawn from its spec.
    expect(calls('previewFigure').at(-1)).toEqual({
      spec: expect.objectContaining({ runs: ['lr-0', 'lr-1', 'lr-2'] }),
    });
    expect(wrapper.find('[data-test=figure-image]').exists()).toBe(true);
    // It was made from a query: that query can select the runs again instead.
    expect(wrapper.find('[data-test=figure-loaded]').text()).toContain('{"sweep":"lr-1"}');
    await wrapper.find('[data-test=figure-use-query]').trigger('click');
    expect(JSON.parse(wrapper.find('[data-test=figure-spec-json]').text())).toMatchObject({
      query: { sweep: 'lr-1' },
    });
    expect((wrapper.find('input[name=figure-mode][value=query]').element as HTMLInputElement).checked).toBe(
      true,
    );
    wrapper.unmount();
  });
  it('builds an aggregate of one metric: hides the curves-only fields, refuses without the metric, loads back', async () => {
    workspace();
    const wrapper = mount(FiguresView);
    await flushPromises();
    for (const id of ['lr-0', 'lr-1', 'lr-2'])
      await wrapper.find(`[data-test=figure-runs] tr[data-run="${id}"] input`).setValue(true);
    await flushPromises();
    const specNow = () => JSON.parse(wrapper.find('[data-test=figure-spec-json]').text());
    expect(specNow().kind).toBe('curves');

    await wrapper.find('input[name=figure-kind][value=aggregate]').setValue(true);
    expect(wrapper.find('[data-test=figure-kind-hint]').text()).toMatch(/mean, median and IQM/);
    // What an aggregate does not read is not offered; width, title and formats stay.
    for (const field of ['statistic', 'band', 'x', 'smoothing', 'columns'])
      expect(wrapper.find(`[name=${field}]`).exists(), field).toBe(false);
    expect(wrapper.find('[data-test=figure-metrics]').exists()).toBe(false);
    for (const field of ['width', 'title', 'format-pdf'])
      expect(wrapper.find(`[name=${field}]`).exists(), field).toBe(true);

    // No metric yet: refused in place, naming the field, and nothing is sent.
    const missing = wrapper.find('[data-test=figure-metric-missing]');
    expect(missing.text()).toMatch(/^metric: choose the one metric to aggregate/);
    expect(wrapper.find('[data-test=figure-problems]').text()).toContain('metric: choose the one metric');
    const button = wrapper.find('[data-test=figure-preview-button]');
    expect(button.attributes('disabled')).toBeDefined();
    await button.trigger('click');
    await wrapper.find('[data-test=figure-export]').trigger('click');
    await flushPromises();
    expect(calls('previewFigure')).toEqual([]);
    expect(calls('exportFigure')).toEqual([]);
    expect(specNow()).toMatchObject({ kind: 'aggregate', metrics: [] });

    // One metric picked from what the runs report: the spec shown is the spec sent.
    const picker = wrapper.find('[data-test=figure-metric]');
    expect(picker.findAll('input[name=aggregate-metric]').length).toBeGreaterThan(1);
    await picker.find('input[name=aggregate-metric][value=discriminator_accuracy]').setValue(true);
    expect(wrapper.find('[data-test=figure-metric-missing]').exists()).toBe(false);
    const shown = specNow();
    expect(shown).toEqual({
      kind: 'aggregate',
      runs: ['lr-0', 'lr-1', 'lr-2'],
      groupBy: 'variant',
      metrics: ['discriminator_accuracy'],
      width: 'page',
      formats: ['svg', 'pdf', 'png'],
    });
    await wrapper.find('[data-test=figure-preview-button]').trigger('click');
    await flushPromises();
    expect(calls('previewFigure')).toEqual([{ spec: shown }]);
    expect(wrapper.find('[data-test=figure-image]').exists()).toBe(true);
    await wrapper.find('input[name=figure-name]').setValue('final');
    await wrapper.find('[data-test=figure-export]').trigger('click');
    await flushPromises();
    expect(calls('exportFigure')).toEqual([{ spec: shown, name: 'final' }]);

    expect(
      wrapper
        .find('[data-test=figure-saved] tr[data-figure="final-20261207-130000"] [data-test=figure-kind-tag]')
        .text(),
    ).toBe('aggregate of discriminator_accuracy');
    // Loaded back into an emptied builder: the aggregate and its metric, redrawn as such.
    await wrapper.find('button[title="empty the builder"]').trigger('click');
    expect(specNow().kind).toBe('curves');
    await wrapper
      .find('[data-test=figure-saved] tr[data-figure="final-20261207-130000"] [data-test=figure-load]')
      .trigger('click');
    await flushPromises();
    expect(
      (wrapper.find('input[name=figure-kind][value=aggregate]').element as HTMLInputElement).checked,
    ).toBe(true);
    const radio = wrapper.find('input[name=aggregate-metric][value=discriminator_accuracy]');
    expect((radio.element as HTMLInputElement).checked).toBe(true);
    expect(specNow()).toEqual(shown);
    expect(calls('previewFigure').at(-1)).toEqual({ spec: shown });
    wrapper.unmount();
  });
});
