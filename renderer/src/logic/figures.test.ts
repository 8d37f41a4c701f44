import { describe, expect, it } from 'vitest';
import { figureSpecSchema, type SweepSummary } from '../../../main/api/contract/contract.ts';
import { fakeRun } from '../testing/fake_client.ts';
import {
  AGGREGATE_METRIC_MISSING,
  emptyFigureForm,
  filterRuns,
  formFromSpec,
  formProblems,
  groupKeyOptions,
  groupVariants,
  matchesQuery,
  metricOptions,
  relabelingLabel,
  runFacts,
  specFromForm,
  specJson,
  svgSize,
  variantLabel,
  widthPoints,
  type RunFacts,
} from './figures.ts';

const row = (over: Record<string, number> = {}) => ({ iteration: 1, env_steps: 1000, wall_s: 2, ...over });

/** A sweep with two points over sac.lr (the parts variantLabel reads). */
const sweep = {
  id: 'lr-1',
  points: [
    { index: 0, values: { 'sac.lr': 0.001 } },
    { index: 1, values: { 'sac.lr': 0.003, 'sac.alphaMode': 'auto' } },
  ],
} as unknown as SweepSummary;

describe('figure spec from the form and back', () => {
  it('writes every setting of a runs-mode form, leaving out default metrics and an empty title', () => {
    const form = { ...emptyFigureForm(), runIds: ['a', 'b'] };
    const spec = specFromForm(form);
    expect(spec).toEqual({
      kind: 'curves',
      runs: ['a', 'b'],
      groupBy: 'variant',
      x: 'env_steps',
      statistic: 'iqm',
      band: 'ci95',
      smoothing: 0.6,
      width: 'page',
      columns: 3,
      formats: ['svg', 'pdf', 'png'],
    });
    expect(figureSpecSchema.safeParse(spec).success).toBe(true);
    expect(specJson(spec)).toMatch(/^\{\n {2}"kind": "curves",[\s\S]*\}\n$/);
  });

  it('writes a query with only the fields given, config keys, a custom width and formats in order', () => {
    const form = emptyFigureForm();
    Object.assign(form, {
      mode: 'query',
      query: { sweep: ' lr-1 ', algo: '', preset: '', task: '', status: ['completed'] },
      groupMode: 'keys',
      groupKeys: ['sac.lr', 'algo'],
      metrics: ['alpha'],
      width: 'custom',
      customWidth: '8.5cm',
      formats: ['png', 'svg'],
      title: ' DIAYN: lr ',
    });
    const spec = specFromForm(form);
    expect(spec.query).toEqual({ sweep: 'lr-1', status: ['completed'] });
    expect(spec.runs).toBeUndefined();
    expect(spec.groupBy).toEqual(['sac.lr', 'algo']);
    expect(spec.metrics).toEqual(['alpha']);
    expect(spec.width).toBe('8.5cm');
    expect(spec.formats).toEqual(['svg', 'png']);
    expect(spec.title).toBe('DIAYN: lr');
  });

  it('reads a saved spec back into the form (runs mode with its runs), round trip included', () => {
    const saved = {
      kind: 'curves',
      title: 'T',
      query: { sweep: 'lr-1' },
      runs: ['r1', 'r2'],
      groupBy: ['sac.lr'],
      metrics: ['alpha'],
      x: 'wall_s',
      statistic: 'mean',
      band: 'minmax',
      smoothing: 0.3,
      width: '90mm',
      columns: 2,
      formats: ['pdf'],
    };
    const form = formFromSpec(saved, 'lr');
    expect(form).toMatchObject({
      mode: 'runs',
      runIds: ['r1', 'r2'],
      groupMode: 'keys',
      groupKeys: ['sac.lr'],
      width: 'custom',
      customWidth: '90mm',
      x: 'wall_s',
      statistic: 'mean',
      band: 'minmax',
      name: 'lr',
    });
    const { query: _query, ...withoutQuery } = saved;
    expect(specFromForm(form)).toEqual(withoutQuery);
    // A query-only spec opens in query mode; the schema's defaults fill the rest.
    const q = formFromSpec({ query: { algo: 'dads', status: ['completed', 'stopped'] } });
    expect(q.mode).toBe('query');
    expect(q.query).toEqual({
      sweep: '',
      algo: 'dads',
      preset: '',
      task: '',
      status: ['completed', 'stopped'],
    });
    expect(q.width).toBe('page');
    expect(formFromSpec({ runs: ['a'], width: 'column' }).width).toBe('column');
    expect(formFromSpec({ runs: ['a'], width: 300 }).customWidth).toBe('300pt');
    expect(() => formFromSpec({ title: 'no runs' })).toThrow(/not a figure spec: runs: give the runs/);
  });
});

describe('the aggregate figure from the form and back', () => {
  it('writes kind aggregate with its one metric and only the settings it reads', () => {
    const form = emptyFigureForm();
    Object.assign(form, {
      kind: 'aggregate',
      runIds: ['a', 'b'],
      metrics: ['alpha', 'intrinsic_reward'],
      metric: 'success_rate',
      // The curves' settings, changed: an aggregate reads none of them, so none is written.
      x: 'wall_s',
      statistic: 'mean',
      band: 'minmax',
      smoothing: 0.2,
      columns: 2,
      width: 'column',
      formats: ['png', 'pdf'],
      title: ' Reach: final success ',
    });
    const spec = specFromForm(form);
    expect(spec).toEqual({
      kind: 'aggregate',
      title: 'Reach: final success',
      runs: ['a', 'b'],
      groupBy: 'variant',
      metrics: ['success_rate'],
      width: 'column',
      formats: ['pdf', 'png'],
    });
    expect(figureSpecSchema.safeParse(spec).success).toBe(true);
    // Back to curves: the curves' own metric choice was kept.
    expect(specFromForm({ ...form, kind: 'curves' }).metrics).toEqual(['alpha', 'intrinsic_reward']);
  });

  it('refuses an aggregate without its metric, naming the field', () => {
    const form = { ...emptyFigureForm(), kind: 'aggregate' as const, runIds: ['a'] };
    expect(formProblems(form, 1)).toEqual([AGGREGATE_METRIC_MISSING]);
    expect(AGGREGATE_METRIC_MISSING).toMatch(/^metric: choose the one metric/);
    // What the schema says of the spec it would be: the same field.
    const parsed = figureSpecSchema.safeParse(specFromForm(form));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['metrics']);
    expect(formProblems({ ...form, metric: 'success_rate' }, 1)).toEqual([]);
  });

  it('reads a saved aggregate spec back: its kind and metric, round trip included', () => {
    // As the engine saves it: parsed, so the curves' defaults are filled in beside the runs.
    const saved = figureSpecSchema.parse({
      kind: 'aggregate',
      runs: ['r1', 'r2', 'r3'],
      groupBy: ['sac.lr'],
      metrics: ['success_rate'],
      width: '90mm',
      formats: ['svg', 'pdf'],
    });
    const form = formFromSpec(saved, 'final');
    expect(form).toMatchObject({
      kind: 'aggregate',
      metric: 'success_rate',
      metrics: [],
      runIds: ['r1', 'r2', 'r3'],
      groupKeys: ['sac.lr'],
      width: 'custom',
      customWidth: '90mm',
      name: 'final',
    });
    expect(specFromForm(form)).toEqual({
      kind: 'aggregate',
      runs: ['r1', 'r2', 'r3'],
      groupBy: ['sac.lr'],
      metrics: ['success_rate'],
      width: '90mm',
      formats: ['svg', 'pdf'],
    });
    // A curves spec still loads as curves, its metrics as the panels.
    expect(formFromSpec({ runs: ['a'], metrics: ['alpha'] })).toMatchObject({
      kind: 'curves',
      metrics: ['alpha'],
      metric: '',
    });
  });
});

describe('form problems', () => {
  it('names what keeps the form from a preview, and nothing for a drawable one', () => {
    const form = emptyFigureForm();
    expect(formProblems(form, 0)).toEqual(['tick at least one run']);
    form.runIds = ['a'];
    expect(formProblems(form, 1)).toEqual([]);
    Object.assign(form, {
      groupMode: 'keys',
      width: 'custom',
      customWidth: '30in',
      formats: [],
      name: 'a b',
    });
    expect(formProblems(form, 1)).toEqual([
      'choose a key to group by',
      'width: a length such as 3.25in, 8.5cm, 90mm or 234pt, between 1 in and 20 in',
      'choose at least one file format',
      'name: letters, digits, _ . - (no spaces or slashes)',
    ]);
    const q = { ...emptyFigureForm(), mode: 'query' as const };
    expect(formProblems(q, 0)).toEqual(['the query selects no run']);
    // What only the schema knows: a key that is not a config key.
    const bad = { ...emptyFigureForm(), runIds: ['a'], groupMode: 'keys' as const, groupKeys: ['sac..lr'] };
    expect(formProblems(bad, 1)[0]).toMatch(/^groupBy/);
  });

  it('reads widths as the engine does', () => {
    expect(widthPoints('column')).toBe(234);
    expect(widthPoints('page')).toBe(486);
    expect(widthPoints('3.25in')).toBe(234);
    expect(widthPoints('90mm')).toBeCloseTo(255.1, 1);
    expect(widthPoints('8.5 cm')).toBeCloseTo(240.9, 1);
    expect(widthPoints('0.5in')).toBeNull();
    expect(widthPoints('21in')).toBeNull();
    expect(widthPoints('wide')).toBeNull();
  });
});

describe('choosing runs', () => {
  const runs = [
    fakeRun({ id: 'a', algo: 'diayn', sweep: { id: 'lr-1', index: 0 } }),
    fakeRun({ id: 'b', algo: 'dads', status: 'running' }),
    fakeRun({ id: 'c', algo: 'goal-sac', env: 'arm', preset: 'arm-push', task: 'push-left' }),
  ];
  const q = { sweep: '', algo: '', preset: '', task: '', status: [] as never[] };

  it('selects runs by a query as the engine does: every given field, any status when none', () => {
    expect(runs.filter((r) => matchesQuery(r, q)).map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(runs.filter((r) => matchesQuery(r, { ...q, sweep: 'lr-1' })).map((r) => r.id)).toEqual(['a']);
    expect(runs.filter((r) => matchesQuery(r, { ...q, task: 'push-left' })).map((r) => r.id)).toEqual(['c']);
    expect(
      runs.filter((r) => matchesQuery(r, { ...q, status: ['running'] as never[] })).map((r) => r.id),
    ).toEqual(['b']);
    expect(runs.filter((r) => matchesQuery(r, { ...q, algo: 'dads', preset: 'x' }))).toEqual([]);
  });

  it('filters the runs list by its fields and by text in the label or id', () => {
    const labels = new Map([
      ['a', 'DIAYN point-mass s0'],
      ['b', 'DADS point-mass s0'],
      ['c', 'GOAL-SAC arm-push · push-left s0'],
    ]);
    expect(filterRuns(runs, { ...q, text: 'dads' }, labels).map((r) => r.id)).toEqual(['b']);
    expect(filterRuns(runs, { ...q, text: ' C ' }, labels).map((r) => r.id)).toEqual(['c']);
    expect(filterRuns(runs, { ...q, text: '', algo: 'diayn' }, labels).map((r) => r.id)).toEqual(['a']);
  });
});

describe('variants', () => {
  const facts = (over: Partial<RunFacts> = {}): RunFacts => ({
    config: {},
    skillAlgo: null,
    relabelRow: null,
    metricKeys: [],
    ...over,
  });

  it('labels a run as the engine does: relabeling, then sweep values, then the algorithm', () => {
    const plain = fakeRun({ id: 'a' });
    expect(variantLabel(plain, undefined, 'variant', [])).toBe('DIAYN');
    const swept = fakeRun({ id: 's', sweep: { id: 'lr-1', index: 1 } });
    expect(variantLabel(swept, facts(), 'variant', [sweep])).toBe('DIAYN sac.lr=0.003, sac.alphaMode="auto"');
    // A sweep the list does not know: the algorithm alone.
    expect(variantLabel(swept, facts(), 'variant', [])).toBe('DIAYN');
    const controller = fakeRun({ id: 'k', algo: 'skill-controller' });
    expect(variantLabel(controller, facts({ skillAlgo: 'dads' }), 'variant', [])).toBe(
      'SKILL-CONTROLLER (DADS skills)',
    );
    const goal = fakeRun({ id: 'g', algo: 'goal-sac', sweep: { id: 'lr-1', index: 0 } });
    const future = facts({ relabelRow: row({ relabel_strategy: 1, relabel_k: 4 }) });
    expect(variantLabel(goal, future, 'variant', [sweep])).toMatch(/^\w+ k=4$/);
  });

  it('names relabeling settings as the figures do', () => {
    expect(relabelingLabel('goal-sac', null)).toBeNull();
    expect(relabelingLabel('goal-sac', row())).toBeNull();
    expect(relabelingLabel('goal-sac', row({ relabel_strategy: 0, relabel_k: 0 }))).toBe('no relabeling');
    expect(relabelingLabel('multitask-sac', row({ relabel_strategy: 1, relabel_ratio: 0.5 }))).toMatch(
      / 50%$/,
    );
  });

  it('labels by config keys with JSON values, null for a missing key', () => {
    const run = fakeRun({ id: 'a' });
    const f = facts({ config: { algo: 'diayn', sac: { lr: 0.001 }, task: null } });
    expect(variantLabel(run, f, ['sac.lr', 'algo', 'task', 'sac.tau'], [])).toBe(
      'sac.lr=0.001, algo="diayn", task=null, sac.tau=null',
    );
    // Before its record is read: the summary's fields.
    expect(variantLabel(run, undefined, ['algo', 'seed', 'sac.lr'], [])).toBe(
      'algo="diayn", seed=0, sac.lr=null',
    );
  });

  it('groups runs into variants in the order first met, with their seeds', () => {
    const runs = [
      fakeRun({ id: 'a', seed: 0 }),
      fakeRun({ id: 'b', algo: 'dads', seed: 0 }),
      fakeRun({ id: 'c', seed: 1 }),
    ];
    expect(groupVariants(runs, {}, 'variant', [])).toEqual([
      { label: 'DIAYN', runIds: ['a', 'c'], seeds: [0, 1] },
      { label: 'DADS', runIds: ['b'], seeds: [0] },
    ]);
    expect(groupVariants(runs, {}, ['seed'], []).map((v) => [v.label, v.runIds.length])).toEqual([
      ['seed=0', 2],
      ['seed=1', 1],
    ]);
  });
});

describe('metrics and keys', () => {
  it('reads the facts of a run: config, skill source, first relabeling row and metric columns', () => {
    const rows = [row({ alpha: 0.1 }), row({ iteration: 2, relabel_strategy: 1, relabel_k: 4, alpha: 0.2 })];
    const f = runFacts({ config: { algo: 'goal-sac' }, skillSource: { algo: 'dads' } }, rows);
    expect(f.skillAlgo).toBe('dads');
    expect(f.relabelRow).toBe(rows[1]);
    expect(f.metricKeys).toEqual(['alpha', 'relabel_k', 'relabel_strategy']);
  });

  it('offers the algorithms’ curves the runs report first (the defaults), then other columns', () => {
    const opts = metricOptions(['diayn'], new Set(['alpha', 'zeta', 'discriminator_accuracy', 'q_loss']));
    const defaults = opts.filter((o) => o.default).map((o) => o.key);
    expect(defaults).toContain('discriminator_accuracy');
    expect(defaults).toContain('alpha');
    expect(defaults).not.toContain('intrinsic_reward'); // not reported
    expect(opts.filter((o) => !o.default).map((o) => o.key)).toEqual(['q_loss', 'zeta']);
    expect(opts.find((o) => o.key === 'zeta')!.title).toBe('zeta');
    expect(groupKeyOptions(['algo', 'sac.lr', 'seed'])).toEqual([
      'algo',
      'task',
      'preset',
      'env',
      'seed',
      'sac.lr',
    ]);
  });

  it('reads an SVG root’s size', () => {
    expect(svgSize('<svg xmlns="x" width="486" height="330.5"><g/></svg>')).toEqual({
      width: 486,
      height: 330.5,
    });
    expect(svgSize('<svg/>')).toBeNull();
  });
});
