import { describe, expect, it, vi } from 'vitest';
import YAML from 'yaml';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { SweepPointInfo, SweepSummary } from '../../../main/api/contract/contract.ts';
import { expandSweep, parseSweepSpec } from '../../../main/engine/runs/sweep_spec.ts';
import {
  bestPoints,
  buildSweepSpec,
  canCancel,
  canResume,
  cancelMessage,
  defaultDirection,
  defaultMetric,
  emptySweepForm,
  formatNumber,
  metricSpread,
  metricKeys,
  parallelData,
  parallelSpec,
  pointDetail,
  pointStateClass,
  pointStateText,
  previewSpec,
  resumeMessage,
  specYaml,
  splitValues,
  stateCounts,
  type SweepForm,
} from './sweeps.ts';

const THEME = { text: '#222', grid: '#ccc', background: '#fff' };

/** The form of the e2e test: DIAYN on point-mass, a grid over sac.lr, 2 runs at a time. */
function quickForm(): SweepForm {
  const form = emptySweepForm();
  form.algo = 'diayn';
  form.preset = 'point-mass';
  form.steps = '1000';
  form.set = [
    { key: 'updatesPerIteration', text: '20' },
    { key: 'checkpointEvery', text: '1' },
  ];
  form.grid = [{ key: 'sac.lr', text: '0.001, 0.003' }];
  form.parallel = '2';
  return form;
}

/** A point with defaults: completed, no swept values, an empty last row. */
function point(over: Partial<SweepPointInfo> = {}): SweepPointInfo {
  return {
    index: 0,
    runId: `run-${over.index ?? 0}`,
    values: {},
    seed: 0,
    state: 'completed',
    runStatus: 'completed',
    envSteps: 1000,
    totalEnvSteps: 1000,
    detail: null,
    slurm: null,
    log: null,
    last: {},
    ...over,
  };
}

const sweepOf = (points: SweepPointInfo[], over: Partial<SweepSummary> = {}) => ({
  id: 'lr-20270101-000000',
  points,
  localLive: false,
  jobIds: [] as string[],
  executor: 'local' as const,
  ...over,
});

describe('sweep form → spec', () => {
  it('builds the spec a file would hold, in the documented order, without blank fields', () => {
    const spec = buildSweepSpec(quickForm());
    expect(spec).toEqual({
      algo: 'diayn',
      preset: 'point-mass',
      steps: 1000,
      set: { updatesPerIteration: 20, checkpointEvery: 1 },
      grid: { 'sac.lr': [0.001, 0.003] },
      seeds: 1,
      executor: { kind: 'local', parallel: 2 },
    });
    expect(Object.keys(spec)).toEqual(['algo', 'preset', 'steps', 'set', 'grid', 'seeds', 'executor']);
  });

  it('reads grid values as JSON where they are (numbers, booleans, lists, quoted text) and as text otherwise', () => {
    expect(splitValues('0.001, 0.003,,')).toEqual(['0.001', '0.003']);
    expect(splitValues('[64, 64], [256, 256]')).toEqual(['[64, 64]', '[256, 256]']);
    expect(splitValues('"a, b", c')).toEqual(['"a, b"', 'c']);
    const form = emptySweepForm();
    form.algo = 'diayn';
    form.grid = [
      { key: 'sac.hidden', text: '[64, 64], [256, 256]' },
      { key: 'diayn.prior', text: 'xy, full' },
      { key: 'sac.autoAlpha', text: 'true, false' },
      { key: '', text: '1, 2' },
    ];
    expect(buildSweepSpec(form).grid).toEqual({
      'sac.hidden': [
        [64, 64],
        [256, 256],
      ],
      'diayn.prior': ['xy', 'full'],
      'sac.autoAlpha': [true, false],
    });
  });

  it('builds random search and the Slurm executor with its sbatch options', () => {
    const form = quickForm();
    form.random = [
      { key: 'sac.tau', dist: 'loguniform', low: '0.001', high: '0.05', choices: '' },
      { key: 'diayn.skills', dist: 'choice', low: '', high: '', choices: '4, 8' },
    ];
    form.samples = '3';
    form.executor = 'slurm';
    form.slurm = {
      partition: 'gpu',
      time: '4:00:00',
      cpus: '2',
      mem: '4G',
      maxConcurrent: '',
      options: ' --qos=low  --account=lab ',
    };
    const spec = buildSweepSpec(form);
    expect(spec.random).toEqual({
      samples: 3,
      seed: 0,
      params: { 'sac.tau': { loguniform: [0.001, 0.05] }, 'diayn.skills': { choice: [4, 8] } },
    });
    expect(spec.executor).toEqual({
      kind: 'slurm',
      slurm: {
        partition: 'gpu',
        time: '4:00:00',
        cpus: 2,
        mem: '4G',
        options: ['--qos=low', '--account=lab'],
      },
    });
  });

  it('writes YAML that reads back as the same spec, lists in flow style, headed by the command', () => {
    const spec = buildSweepSpec(quickForm());
    const text = specYaml(spec, 'lr.yaml');
    expect(text.split('\n')[0]).toBe('# skill-lab sweep lr.yaml');
    expect(text).toContain('sac.lr: [ 0.001, 0.003 ]');
    expect(YAML.parse(text)).toEqual(spec);
    expect(parseSweepSpec(YAML.parse(text))).toEqual(parseSweepSpec(spec));
  });

  it('counts the runs a spec expands to as the engine expands it', () => {
    const form = quickForm();
    form.grid.push({ key: 'diayn.skills', text: '4, 8, 16' });
    form.random = [{ key: 'sac.tau', dist: 'uniform', low: '0.001', high: '0.01', choices: '' }];
    form.samples = '2';
    for (const seeds of ['2', '[0, 3, 7]']) {
      form.seeds = seeds;
      const spec = buildSweepSpec(form);
      const preview = previewSpec(spec);
      const points = expandSweep(parseSweepSpec(spec));
      expect(preview).toEqual({
        ok: true,
        runs: points.length,
        configurations: 12,
        seeds: seeds === '2' ? 2 : 3,
      });
    }
  });

  it('says which fields the spec schema refuses, before anything is sent', () => {
    const form = quickForm();
    form.steps = 'many';
    form.grid = [{ key: 'sac.lr', text: '' }];
    const preview = previewSpec(buildSweepSpec(form));
    expect(preview.ok).toBe(false);
    if (!preview.ok) {
      expect(preview.issues.some((i) => i.startsWith('steps:'))).toBe(true);
      expect(preview.issues.some((i) => i.startsWith('grid.sac.lr:'))).toBe(true);
    }
  });
});

describe('a sweep’s state', () => {
  it('colours states as the runs table does and says why a Slurm task pends', () => {
    expect(pointStateClass('running')).toBe('running');
    expect(pointStateClass('failed')).toBe('error');
    expect(pointStateClass('killed')).toBe('error');
    expect(pointStateClass('pending')).toBe('pending');
    expect(pointStateClass('not started')).toBe('idle');
    expect(pointStateText({ state: 'pending', detail: 'Resources' })).toBe('pending — Resources');
    expect(pointStateText({ state: 'pending', detail: null })).toBe('pending');
    expect(pointDetail({ state: 'pending', detail: 'Resources', log: '/ws/sweeps/x/logs/7_0.out' })).toBe('');
    expect(pointDetail({ state: 'failed', detail: 'Slurm FAILED — exit 1:0', log: '/l/7_0.out' })).toBe(
      'Slurm FAILED — exit 1:0 — log: /l/7_0.out',
    );
    expect(pointDetail({ state: 'stopped', detail: null, log: '/l/7_0.out' })).toBe('');
  });

  it('offers Cancel while something executes and Resume only when points are unfinished and nothing executes', () => {
    const running = sweepOf([point({ state: 'running' }), point({ index: 1, state: 'not started' })]);
    expect([canCancel(running), canResume(running)]).toEqual([true, false]);
    const live = sweepOf([point({ state: 'not started' })], { localLive: true });
    expect([canCancel(live), canResume(live)]).toEqual([true, false]);
    const stopped = sweepOf([point({ state: 'stopped' }), point({ index: 1 })]);
    expect([canCancel(stopped), canResume(stopped)]).toEqual([false, true]);
    const done = sweepOf([point(), point({ index: 1, state: 'failed', runStatus: 'missing' })]);
    expect([canCancel(done), canResume(done)]).toEqual([false, false]);
    expect(cancelMessage(running)).toMatch(/1 running or pending run stop.*checkpoints and stays resumable/);
    expect(cancelMessage(sweepOf([], { jobIds: ['7', '9'] }))).toMatch(
      /Slurm array jobs 7, 9 are scancelled/,
    );
    expect(resumeMessage(stopped)).toMatch(
      /1 unfinished run train again on this machine, each from its last checkpoint/,
    );
    expect(stateCounts({ completed: 2, running: 1, failed: 0 })).toEqual([
      { state: 'running', n: 1 },
      { state: 'completed', n: 2 },
    ]);
  });
});

describe('metrics and the best points', () => {
  const points = [
    point({
      index: 0,
      last: { iteration: 3, env_steps: 1000, wall_s: 4, discriminator_accuracy: 0.5, alpha: 0.1, zeta: 1 },
    }),
    point({ index: 1, last: { discriminator_accuracy: 0.9, intrinsic_reward: 1 } }),
    point({ index: 2, last: { discriminator_accuracy: 0.7 } }),
    point({ index: 3, state: 'running', last: { discriminator_accuracy: 0.99 } }),
    point({ index: 4, last: { discriminator_accuracy: 0.9 } }),
    point({ index: 5, last: {} }),
  ];

  it('lists the metrics present, the algorithm’s summary metrics first, bookkeeping left out', () => {
    expect(metricKeys(points, 'diayn')).toEqual([
      'discriminator_accuracy',
      'intrinsic_reward',
      'alpha',
      'zeta',
    ]);
    expect(defaultMetric('diayn', metricKeys(points, 'diayn'))).toBe('discriminator_accuracy');
    expect(defaultMetric('dads', ['intrinsic_reward', 'zeta'])).toBe('intrinsic_reward');
    expect(defaultMetric('diayn', [])).toBeNull();
    expect(defaultDirection('critic_loss')).toBe('lower');
    expect(defaultDirection('final_distance')).toBe('lower');
    expect(defaultDirection('success_rate')).toBe('higher');
  });

  it('ranks completed points only, ties to the lower index, either direction', () => {
    const ids = (ps: SweepPointInfo[]) => ps.map((p) => p.index);
    expect(ids(bestPoints(points, 'discriminator_accuracy', 'higher', 3))).toEqual([1, 4, 2]);
    expect(ids(bestPoints(points, 'discriminator_accuracy', 'lower', 2))).toEqual([0, 2]);
    expect(ids(bestPoints(points, 'alpha', 'higher', 3))).toEqual([0]);
  });
});

describe('parallel coordinates', () => {
  const points = [
    point({
      index: 0,
      values: { 'sac.lr': 0.0001, 'diayn.prior': 'xy', 'sac.autoAlpha': true },
      last: { acc: 0.2 },
    }),
    point({
      index: 1,
      values: { 'sac.lr': 0.001, 'diayn.prior': 'full', 'sac.autoAlpha': false },
      last: { acc: 0.6 },
    }),
    point({
      index: 2,
      values: { 'sac.lr': 0.01, 'diayn.prior': 'xy', 'sac.autoAlpha': true },
      last: { acc: 1 },
    }),
    point({
      index: 3,
      values: { 'sac.lr': 0.1, 'diayn.prior': 'xy', 'sac.autoAlpha': true },
      state: 'pending',
      last: {},
    }),
  ];
  const keys = ['sac.lr', 'diayn.prior', 'sac.autoAlpha'];

  it('normalises each axis to [0, 1] between its real values, labelled; strings and booleans as categories', () => {
    const d = parallelData(points, keys, 'acc', ['run-2']);
    expect(d.axes).toEqual(['sac.lr (log)', 'diayn.prior', 'sac.autoAlpha', 'acc']);
    expect(d.lines).toBe(3);
    const pos = (point: number, axis: string) =>
      d.vertices.find((v) => v.point === point && v.axis === axis)!.pos;
    // Learning rates over two decades: log-scaled, so 0.001 sits in the middle.
    expect([pos(0, 'sac.lr (log)'), pos(1, 'sac.lr (log)'), pos(2, 'sac.lr (log)')]).toEqual([0, 0.5, 1]);
    expect([pos(0, 'diayn.prior'), pos(1, 'diayn.prior')]).toEqual([0, 1]);
    expect([pos(0, 'sac.autoAlpha'), pos(1, 'sac.autoAlpha')]).toEqual([0, 1]);
    expect([pos(0, 'acc'), pos(1, 'acc'), pos(2, 'acc')]).toEqual([0, 0.5, 1]);
    const ticks = (axis: string) => d.ticks.filter((t) => t.axis === axis).map((t) => [t.pos, t.label]);
    expect(ticks('sac.lr (log)')).toEqual([
      [0, '1e-4'],
      [0.5, '0.001'],
      [1, '0.01'],
    ]);
    expect(ticks('diayn.prior')).toEqual([
      [0, 'xy'],
      [1, 'full'],
    ]);
    expect(ticks('sac.autoAlpha')).toEqual([
      [0, 'true'],
      [1, 'false'],
    ]);
    expect(ticks('acc')).toEqual([
      [0, '0.2'],
      [0.5, '0.6'],
      [1, '1'],
    ]);
    // Labels left of their axis, but right of the last (no line leaves it there).
    expect(new Set(d.ticks.filter((t) => t.axis === 'acc').map((t) => t.side))).toEqual(new Set(['right']));
    expect(new Set(d.ticks.filter((t) => t.axis !== 'acc').map((t) => t.side))).toEqual(new Set(['left']));
    expect(d.vertices.filter((v) => v.rank === 'best 1').map((v) => v.point)).toEqual([2, 2, 2, 2]);
    // Each line runs left to right through the axes.
    expect(d.vertices.filter((v) => v.point === 1).map((v) => v.order)).toEqual([0, 1, 2, 3]);
  });

  it('puts a one-valued axis in the middle and keeps a narrow numeric range linear', () => {
    const d = parallelData(
      [
        point({ values: { a: 2, b: 0.3 }, last: { m: 1 } }),
        point({ index: 1, values: { a: 2, b: 0.5 }, last: { m: 1 } }),
      ],
      ['a', 'b'],
      'm',
    );
    expect(d.axes).toEqual(['a', 'b', 'm']);
    expect(d.vertices.filter((v) => v.axis === 'a' || v.axis === 'm').every((v) => v.pos === 0.5)).toBe(true);
    expect(d.ticks.filter((t) => t.axis === 'a')).toEqual([
      { axis: 'a', pos: 0.5, label: '2', side: 'left' },
    ]);
  });

  it('draws a line per point through the axes in order (Vega-Lite, headless)', async () => {
    const warnings: string[] = [];
    const data = parallelData(points, keys, 'acc', ['run-2']);
    const spec = parallelSpec(data, 'acc', 'lower', THEME, 500);
    const consoleWarn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const view = new vega.View(vega.parse(compile(spec as never).spec), { renderer: 'none' });
    // Vega-Lite warns on the console (e.g. an unsorted discrete field on a size channel).
    expect(consoleWarn).not.toHaveBeenCalled();
    consoleWarn.mockRestore();
    view.logger({ ...view.logger(), warn: (...a: unknown[]) => warnings.push(a.join(' ')) } as never);
    await view.runAsync();
    type Node = { marktype?: string; items?: Node[]; x?: number; y?: number; strokeWidth?: number };
    const walk = (n: Node): Node[] => [n, ...(n.items ?? []).flatMap(walk)];
    const all = walk((view.scenegraph() as unknown as { root: Node }).root);
    // One line mark per point (Vega groups a line's vertices by its detail field).
    const lines = all.filter((n) => n.marktype === 'line');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      const xs = (line.items ?? []).map((i) => i.x!);
      expect(xs).toHaveLength(4);
      expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    }
    // The best line is the thick one.
    expect(lines.map((l) => l.items![0].strokeWidth).sort()).toEqual([1.5, 1.5, 3.5]);
    // A dot per vertex, and the colour legend a gradient (not symbols).
    expect(
      all.filter((n) => n.marktype === 'symbol' && (n as { role?: string }).role === 'mark')[0].items,
    ).toHaveLength(12);
    expect(all.some((n) => (n as { role?: string }).role === 'legend-gradient')).toBe(true);
    expect(
      all.filter((n) => n.marktype === 'text').flatMap((m) => m.items ?? []).length,
    ).toBeGreaterThanOrEqual(data.ticks.length);
    expect(warnings).toEqual([]);
    view.finalize();
  });

  it('keeps the colour scale off the background’s own colour in either theme', () => {
    const data = parallelData(points, keys, 'acc');
    const scale = (background: string) =>
      (parallelSpec(data, 'acc', 'higher', { ...THEME, background }, 500) as any).layer[1].encoding.color
        .scale;
    expect(scale('#ffffff').scheme).toEqual({ name: 'viridis', extent: [0, 0.9] });
    expect(scale('#1d2126').scheme).toEqual({ name: 'viridis', extent: [0.2, 1] });
    expect(
      (parallelSpec(data, 'acc', 'lower', THEME, 500) as any).layer[1].encoding.color.scale.reverse,
    ).toBe(true);
  });

  it('formats numbers in a few digits', () => {
    expect([0.001, 0.0003, 0.91234, 150000, 0, -2.5].map((v) => formatNumber(v))).toEqual([
      '0.001',
      '3e-4',
      '0.9123',
      '1.5e+5',
      '0',
      '-2.5',
    ]);
    // Close values (a DADS sweep's log q after a short budget) keep the digits that tell them apart.
    const close = [-1.83914, -1.83976, -1.84021];
    const spread = metricSpread(
      close.map((v) => ({ last: { q: v } })),
      'q',
    );
    expect(close.map((v) => formatNumber(v, spread))).toEqual(['-1.8391', '-1.8398', '-1.8402']);
    expect(metricSpread([{ last: { q: 1 } }], 'q')).toBe(0);
  });
});
