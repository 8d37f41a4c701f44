import { describe, expect, it } from 'vitest';
import { comparisonSpec, SKILL_PALETTE, type FigureRun } from './compare.ts';
import { demoRuns } from './demo.ts';

// The spec is plain JSON; these accessors name the parts the tests look at.
type Json = any;
const columns = (spec: object): Json[] => (spec as Json).hconcat;
const xyLayers = (col: Json): Json[] => col.vconcat[0].layer;
const curveCells = (col: Json): Json[] => col.vconcat.slice(1);
const yTitle = (cell: Json): string => {
  const layer = cell.layer[cell.layer.length - 1];
  return [layer.encoding.y.axis.title].flat().join(' ');
};

function run(over: Partial<FigureRun> = {}): FigureRun {
  return {
    label: 'A',
    seed: 0,
    env: 'point-mass',
    metrics: [
      { env_steps: 100, wall_s: 1, loss: 3 },
      { env_steps: 200, wall_s: 2, loss: 2 },
      { env_steps: 300, wall_s: 3, loss: 1 },
    ],
    traces: [
      { skill: 0, rollout: 0, step: 0, x: 0, y: 0 },
      { skill: 0, rollout: 0, step: 1, x: 0.5, y: 0.2 },
    ],
    curves: [{ key: 'loss', title: 'loss' }],
    ...over,
  };
}

describe('comparisonSpec layout', () => {
  it('makes one column per label, in order of first appearance, headed by the label', () => {
    const runs = demoRuns({ labels: ['DADS', 'DIAYN'], seeds: [0, 1] });
    // Interleave seeds so first appearance, not grouping, decides the order.
    const mixed = [runs[0], runs[2], runs[1], runs[3]];
    const spec = comparisonSpec(mixed) as Json;
    const cols = columns(spec);
    expect(cols.map((c) => c.title.text)).toEqual(['DADS', 'DIAYN']);
    expect(cols[0].title.subtitle).toContain('2 seeds');
    expect(spec.title.text).toBe('DADS vs DIAYN · point-mass');
    expect(comparisonSpec(mixed, { title: 'Figure 3' })).toMatchObject({ title: { text: 'Figure 3' } });
  });

  it('uses one x-y extent across columns: symmetric around 0 from the data, square aspect', () => {
    const runs = demoRuns({ labels: ['DIAYN', 'DADS'], seeds: [0] });
    const cols = columns(comparisonSpec(runs));
    const domains = cols.map((c) => {
      const enc = xyLayers(c)[0].encoding;
      return [enc.x.scale.domain, enc.y.scale.domain];
    });
    expect(domains[1]).toEqual(domains[0]);
    const [[xlo, xhi], [ylo, yhi]] = domains[0];
    expect(xlo).toBe(-xhi);
    expect([ylo, yhi]).toEqual([xlo, xhi]);
    let m = 0;
    for (const r of runs) for (const p of r.traces) m = Math.max(m, Math.abs(p.x), Math.abs(p.y));
    expect(xhi).toBeGreaterThanOrEqual(m);
    expect(xhi).toBeLessThan(2 * m);
    const cell = cols[0].vconcat[0];
    expect(cell.width).toBe(cell.height);
    expect(xyLayers(cols[0])[0].encoding.x.axis.title).toBe('x (m)');
    expect(xyLayers(cols[0])[0].encoding.y.axis.title).toBe('y (m)');
  });

  it('uses the arena when given, with equal metres per pixel on both axes', () => {
    const arena = { xmin: -2, xmax: 2, ymin: -1, ymax: 1 };
    const cols = columns(comparisonSpec(demoRuns(), { arena }));
    for (const c of cols) {
      const enc = xyLayers(c)[0].encoding;
      expect(enc.x.scale.domain).toEqual([-2, 2]);
      expect(enc.y.scale.domain).toEqual([-1, 1]);
      expect(c.vconcat[0].width / 4).toBeCloseTo(c.vconcat[0].height / 2, 0);
    }
  });

  it('colors skills with one shared categorical scale of at least 10 colors, cycling past that', () => {
    const runs = demoRuns({ labels: ['A', 'B'], seeds: [0], skills: 13, rollouts: 1, steps: 10 });
    const cols = columns(comparisonSpec(runs));
    const color0 = xyLayers(cols[0])[0].encoding.color;
    const color1 = xyLayers(cols[1])[0].encoding.color;
    expect(color0.scale).toEqual(color1.scale);
    expect(color0.scale.domain).toEqual(Array.from({ length: 13 }, (_, i) => i));
    expect(new Set(color0.scale.range).size).toBeGreaterThanOrEqual(10);
    expect(color0.scale.range).toEqual(SKILL_PALETTE);
    expect(color0.legend).toBeNull();
  });

  it('draws each trace as lines per (skill, rollout) with one end dot per trace', () => {
    const runs = demoRuns({ labels: ['A'], seeds: [0], skills: 3, rollouts: 2, steps: 30 });
    const [lines, dots] = xyLayers(columns(comparisonSpec(runs))[0]);
    expect(lines.mark.type).toBe('line');
    expect(lines.encoding.detail.field).toBe('rollout');
    expect(lines.data.values).toHaveLength(3 * 2 * 30);
    expect(dots.data.values).toHaveLength(6);
    const end = dots.data.values.find((p: Json) => p.skill === 2 && p.rollout === 1);
    expect(end.step).toBe(29);
  });

  it("takes each column's traces from its lowest seed that has any", () => {
    const runs = [
      run({ seed: 5, traces: [{ skill: 0, rollout: 0, step: 0, x: 9, y: 9 }] }),
      run({ seed: 2, traces: [] }),
      run({ seed: 3, traces: [{ skill: 1, rollout: 0, step: 0, x: 0.3, y: 0.3 }] }),
    ];
    const col = columns(comparisonSpec(runs))[0];
    expect(xyLayers(col)[0].data.values).toEqual([{ skill: 1, rollout: 0, step: 0, x: 0.3, y: 0.3 }]);
    expect(col.title.subtitle).toContain('traces: seed 3');
  });

  it('shows an empty, same-scaled x-y panel for a variant without traces', () => {
    const runs = [run({ label: 'A' }), run({ label: 'B', traces: [] })];
    const cols = columns(comparisonSpec(runs));
    const empty = xyLayers(cols[1]);
    expect(empty).toHaveLength(1);
    expect(empty[0].mark.text).toMatch(/no evaluation traces/);
    expect(empty[0].encoding.x.scale.domain).toEqual(xyLayers(cols[0])[0].encoding.x.scale.domain);
  });

  it('leaves out the x-y row when no run has traces', () => {
    const cols = columns(comparisonSpec([run({ traces: [] }), run({ label: 'B', traces: [] })]));
    for (const c of cols) {
      expect(c.vconcat).toHaveLength(1);
      expect(c.vconcat[0].height).toBeLessThan(200);
    }
  });

  it('thins big evaluations to ≤ 100 points per trace, keeping each end', () => {
    const runs = demoRuns({ labels: ['A'], seeds: [0], skills: 50, rollouts: 5, steps: 200, rows: 10 });
    const [lines, dots] = xyLayers(columns(comparisonSpec(runs))[0]);
    expect(lines.data.values.length).toBeLessThanOrEqual(50 * 5 * 100);
    const per = new Map<string, number>();
    for (const p of lines.data.values)
      per.set(`${p.skill}/${p.rollout}`, (per.get(`${p.skill}/${p.rollout}`) ?? 0) + 1);
    expect(per.size).toBe(250);
    for (const n of per.values()) expect(n).toBeLessThanOrEqual(100);
    expect(dots.data.values.every((p: Json) => p.step === 199)).toBe(true);
  });
});

describe('comparisonSpec learning curves', () => {
  it('puts keys every column has first, on shared axes, then the column-specific ones', () => {
    const cols = columns(comparisonSpec(demoRuns()));
    expect(curveCells(cols[0]).map(yTitle)).toEqual(['intrinsic reward', 'discriminator accuracy']);
    expect(curveCells(cols[1]).map(yTitle)).toEqual(['intrinsic reward', 'dynamics log-likelihood']);
    const dom = (c: Json) => [c.layer[0].encoding.x.scale.domain, c.layer[0].encoding.y.scale.domain];
    expect(dom(curveCells(cols[0])[0])).toEqual(dom(curveCells(cols[1])[0]));
    // Only the bottom plot of a column carries the x-axis title.
    const xTitles = curveCells(cols[0]).map((c) => c.layer[0].encoding.x.axis.title);
    expect(xTitles).toEqual([null, 'environment steps']);
  });

  it('draws mean + min–max band + faint seeds for several seeds, smoothed + raw for one', () => {
    const many = curveCells(columns(comparisonSpec(demoRuns({ labels: ['A'], seeds: [0, 1, 2] })))[0])[0];
    expect(many.layer.map((l: Json) => l.mark.type)).toEqual(['area', 'line', 'line']);
    const [band, faint, mean] = many.layer;
    expect(new Set(faint.data.values.map((p: Json) => p.seed))).toEqual(new Set([0, 1, 2]));
    for (let i = 0; i < band.data.values.length; i++) {
      const b = band.data.values[i];
      expect(b.lo).toBeLessThanOrEqual(mean.data.values[i].y + 1e-12);
      expect(mean.data.values[i].y).toBeLessThanOrEqual(b.hi + 1e-12);
    }
    const one = curveCells(columns(comparisonSpec([run()], { smoothing: 0.5 }))[0])[0];
    expect(one.layer).toHaveLength(2);
    expect(one.layer[0].data.values.map((p: Json) => p.y)).toEqual([3, 2, 1]);
    const sm = one.layer[1].data.values.map((p: Json) => p.y);
    expect(sm[0]).toBeCloseTo(3, 12);
    expect(sm[2]).toBeCloseTo(((0.5 * 3 * 0.5 + 0.5 * 2) * 0.5 + 0.5 * 1) / 0.875, 12);
  });

  it('plots against wall-clock seconds when asked', () => {
    const cell = curveCells(columns(comparisonSpec([run()], { xAxis: 'wall_s' }))[0])[0];
    expect(cell.layer[0].data.values.map((p: Json) => p.x)).toEqual([1, 2, 3]);
    expect(cell.layer[0].encoding.x.axis.title).toBe('wall-clock time (s)');
  });

  it('drops NaN/Infinity points and skips keys with no data instead of failing', () => {
    const r = run({
      metrics: [
        { env_steps: 100, wall_s: 1, loss: NaN, acc: 0.5 },
        { env_steps: 200, wall_s: 2, loss: 2, acc: Infinity },
        { env_steps: NaN, wall_s: 3, loss: 1, acc: 0.7 },
        { env_steps: 400, wall_s: 4, loss: -Infinity, acc: 0.9 },
      ],
      curves: [
        { key: 'loss', title: 'loss' },
        { key: 'missing', title: 'never logged' },
        { key: 'acc', title: 'accuracy' },
      ],
    });
    const spec = comparisonSpec([r]);
    const cells = curveCells(columns(spec)[0]);
    expect(cells.map(yTitle)).toEqual(['loss', 'accuracy']);
    expect(cells[0].layer[0].data.values).toEqual([{ seed: 0, x: 200, y: 2 }]);
    expect(cells[1].layer[0].data.values.map((p: Json) => p.x)).toEqual([100, 400]);
    const numbers: number[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'number') numbers.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(spec);
    expect(numbers.every(Number.isFinite)).toBe(true);
  });

  it('omits a curve from a column whose runs have no data for it', () => {
    const a = run({
      label: 'A',
      curves: [
        { key: 'loss', title: 'loss' },
        { key: 'acc', title: 'accuracy' },
      ],
    });
    const b = run({
      label: 'B',
      metrics: [{ env_steps: 1, wall_s: 1, loss: 1, acc: 0.2 }],
      curves: [
        { key: 'loss', title: 'loss' },
        { key: 'acc', title: 'accuracy' },
      ],
    });
    const cols = columns(comparisonSpec([a, b]));
    expect(curveCells(cols[0]).map(yTitle)).toEqual(['loss']);
    expect(curveCells(cols[1]).map(yTitle)).toEqual(['loss', 'accuracy']);
  });

  it('wraps long y-axis titles into lines that fit the plot height', () => {
    const r = run({ curves: [{ key: 'loss', title: 'mutual information lower bound estimate (nats)' }] });
    const title = curveCells(columns(comparisonSpec([r]))[0])[0].layer[0].encoding.y.axis.title;
    expect(Array.isArray(title)).toBe(true);
    expect(title.length).toBeGreaterThan(1);
    expect(title.join(' ')).toBe('mutual information lower bound estimate (nats)');
  });
});

describe('comparisonSpec errors', () => {
  it('rejects an empty runs array', () => {
    expect(() => comparisonSpec([])).toThrow(/runs is empty/);
  });

  it('names the run that has neither metrics nor traces', () => {
    const bad = run({ label: 'DADS', seed: 7, metrics: [], traces: [] });
    expect(() => comparisonSpec([run(), bad])).toThrow(
      /runs\[1\] \("DADS", seed 7\): no metrics and no traces/,
    );
  });

  it('names a missing field or label', () => {
    expect(() => comparisonSpec([run({ metrics: undefined as never })])).toThrow(
      /runs\[0\].*metrics must be an array/,
    );
    expect(() => comparisonSpec([run({ traces: null as never })])).toThrow(/traces must be an array/);
    expect(() => comparisonSpec([run({ label: '' })])).toThrow(/label/);
  });

  it('rejects bad options', () => {
    expect(() => comparisonSpec([run()], { smoothing: 1 })).toThrow(/smoothing/);
    expect(() => comparisonSpec([run()], { xAxis: 'steps' as never })).toThrow(/xAxis/);
    expect(() => comparisonSpec([run()], { arena: { xmin: 1, xmax: 0, ymin: 0, ymax: 1 } })).toThrow(/arena/);
    expect(() => comparisonSpec([run()], { arena: { xmin: 0, xmax: NaN, ymin: 0, ymax: 1 } })).toThrow(
      /arena/,
    );
  });
});
