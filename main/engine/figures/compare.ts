/**
 * The comparison figure `skill-lab compare` writes: one column per variant (DIAYN, DADS, …), each with
 * the evaluation x-y traces of every skill on top and the learning curves below, sized for a paper.
 *
 * The figure is a plain Vega-Lite spec with all data inlined, so it can be saved next to the PNG/SVG and
 * re-rendered or restyled later without the run directories.
 */
import { SKILL_PALETTE } from './palette.ts';
import { FONT_FAMILY, textWidth } from './fonts.ts';
import { emaSmooth, niceCeil, niceDomain, seedBand, thinIndices, type Series } from './series.ts';

export { renderFigure, renderSvg } from './render.ts';

/** One run's data for the comparison figure. */
export interface FigureRun {
  /** Variant name, e.g. 'DIAYN' or 'DADS'; runs sharing a label are seeds of one variant. */
  label: string;
  /** The run's seed; the smallest seed with traces supplies a column's x-y plot. */
  seed: number;
  /** Environment name, e.g. 'point-mass' or 'ant' (shown under the column header). */
  env: string;
  /**
   * Rows of metrics.jsonl: each has `env_steps` and `wall_s` plus metric keys. Non-finite values
   * (NaN, ±Infinity) are dropped point by point.
   */
  metrics: Array<Record<string, number>>;
  /** Evaluation f(s) traces in the x-y plane, in metres; may be empty. */
  traces: Array<{ skill: number; rollout: number; step: number; x: number; y: number }>;
  /** Metric keys to draw as learning curves, in order, with their y-axis titles. */
  curves: Array<{ key: string; title: string }>;
}

/** Options of {@link comparisonSpec}. */
export interface FigureOptions {
  /** Overall title; default "<labels> · <envs>". */
  title?: string;
  /** Fixed x-y extent in metres (e.g. the point-mass walls); otherwise a symmetric extent from the data. */
  arena?: { xmin: number; xmax: number; ymin: number; ymax: number };
  /** Learning-curve x axis: environment steps (default) or wall-clock seconds. */
  xAxis?: 'env_steps' | 'wall_s';
  /** EMA weight in [0, 1) applied to each seed's curve before summarizing, as in TensorBoard; default 0.6. */
  smoothing?: number;
}

export { SKILL_PALETTE };

// Sizes in px at 1x; with axes, a column comes to ~380 px, so two columns fit a two-column paper's
// full text width at 2x resolution.
const PLOT = 300;
const CURVE_H = 110;
const CURVE_COLOR = '#34495e';
/** Past this many points per column, trace lines are thinned harder than TRACE_POINTS each. */
const TRACE_BUDGET = 30_000;
const TRACE_POINTS = 100;
const CURVE_POINTS = 400;
const AXIS_TITLE_SIZE = 11;

interface Variant {
  label: string;
  runs: FigureRun[];
}

interface TraceRow {
  skill: number;
  rollout: number;
  step: number;
  x: number;
  y: number;
}

interface CurveData {
  key: string;
  title: string;
  /** Faint lines: raw values for a single seed, each seed's smoothed curve for several. */
  faint: Array<{ seed: number; x: number; y: number }>;
  /** Solid line: the smoothed curve (one seed) or the mean over seeds. */
  main: Array<{ x: number; y: number }>;
  /** Min–max band over seeds; empty for one seed. */
  band: Array<{ x: number; lo: number; hi: number }>;
  nSeeds: number;
  xmin: number;
  xmax: number;
  ymin: number;
  ymax: number;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function describe(run: FigureRun, i: number): string {
  return `runs[${i}] (${JSON.stringify(run?.label)}, seed ${run?.seed})`;
}

function validate(runs: FigureRun[], opts: FigureOptions): void {
  if (!Array.isArray(runs) || runs.length === 0) {
    throw new Error('comparison figure: runs is empty; need at least one run');
  }
  runs.forEach((run, i) => {
    if (run === null || typeof run !== 'object')
      throw new Error(`comparison figure: runs[${i}] is not an object`);
    const who = describe(run, i);
    if (typeof run.label !== 'string' || run.label.trim() === '') {
      throw new Error(`comparison figure: ${who}: label must be a non-empty string`);
    }
    for (const field of ['metrics', 'traces', 'curves'] as const) {
      if (!Array.isArray(run[field])) throw new Error(`comparison figure: ${who}: ${field} must be an array`);
    }
    if (run.metrics.length === 0 && run.traces.length === 0) {
      throw new Error(`comparison figure: ${who}: no metrics and no traces`);
    }
  });
  if (opts.smoothing !== undefined && !(opts.smoothing >= 0 && opts.smoothing < 1)) {
    throw new RangeError(`comparison figure: smoothing must be in [0, 1), got ${opts.smoothing}`);
  }
  if (opts.xAxis !== undefined && opts.xAxis !== 'env_steps' && opts.xAxis !== 'wall_s') {
    throw new Error(`comparison figure: xAxis must be 'env_steps' or 'wall_s', got ${String(opts.xAxis)}`);
  }
  const a = opts.arena;
  if (a !== undefined) {
    if (![a.xmin, a.xmax, a.ymin, a.ymax].every(isNum) || !(a.xmax > a.xmin) || !(a.ymax > a.ymin)) {
      throw new Error(`comparison figure: arena must have finite xmin < xmax and ymin < ymax`);
    }
  }
}

function groupVariants(runs: FigureRun[]): Variant[] {
  const byLabel = new Map<string, Variant>();
  for (const run of runs) {
    let v = byLabel.get(run.label);
    if (!v) byLabel.set(run.label, (v = { label: run.label, runs: [] }));
    v.runs.push(run);
  }
  return [...byLabel.values()];
}

/** The traces of the variant's lowest seed that has any, thinned so big evaluations stay fast to draw. */
function variantTraces(v: Variant): {
  seed: number | undefined;
  rows: TraceRow[];
  ends: TraceRow[];
  /** Largest |x| or |y| over all points before thinning, for the shared extent. */
  maxAbs: number;
} {
  const withTraces = v.runs.filter((r) => r.traces.some((p) => isNum(p.x) && isNum(p.y)));
  if (withTraces.length === 0) return { seed: undefined, rows: [], ends: [], maxAbs: 0 };
  const run = withTraces.reduce((a, b) => (b.seed < a.seed ? b : a));
  const groups = new Map<string, TraceRow[]>();
  let maxAbs = 0;
  for (const p of run.traces) {
    if (!isNum(p.x) || !isNum(p.y)) continue;
    maxAbs = Math.max(maxAbs, Math.abs(p.x), Math.abs(p.y));
    const k = `${p.skill}/${p.rollout}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push({ skill: p.skill, rollout: p.rollout, step: isNum(p.step) ? p.step : g.length, x: p.x, y: p.y });
  }
  const perTrace = Math.max(20, Math.min(TRACE_POINTS, Math.floor(TRACE_BUDGET / groups.size)));
  const rows: TraceRow[] = [];
  const ends: TraceRow[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => a.step - b.step);
    for (const i of thinIndices(g.length, perTrace)) rows.push(g[i]);
    ends.push(g[g.length - 1]);
  }
  return { seed: run.seed, rows, ends, maxAbs };
}

function curveSeries(run: FigureRun, key: string, xKey: string): Series {
  const pts: Array<[number, number]> = [];
  for (const row of run.metrics) {
    const x = row?.[xKey];
    const y = row?.[key];
    if (isNum(x) && isNum(y)) pts.push([x, y]);
  }
  // Stable sort: rows are normally in order already; a resumed run may repeat a step, keep both.
  pts.sort((a, b) => a[0] - b[0]);
  return { x: pts.map((p) => p[0]), y: pts.map((p) => p[1]) };
}

function variantCurve(
  v: Variant,
  key: string,
  title: string,
  xKey: string,
  w: number,
): CurveData | undefined {
  const seeds = v.runs
    .map((run) => ({ seed: run.seed, raw: curveSeries(run, key, xKey) }))
    .filter((s) => s.raw.x.length > 0);
  if (seeds.length === 0) return undefined;
  const smoothed = seeds.map((s) => ({ seed: s.seed, x: s.raw.x, y: emaSmooth(s.raw.y, w) }));
  const faint: CurveData['faint'] = [];
  let main: CurveData['main'] = [];
  let band: CurveData['band'] = [];
  if (seeds.length === 1) {
    const { raw } = seeds[0];
    const s = smoothed[0];
    for (const i of thinIndices(raw.x.length, CURVE_POINTS)) {
      faint.push({ seed: s.seed, x: raw.x[i], y: raw.y[i] });
      main.push({ x: s.x[i], y: s.y[i] });
    }
  } else {
    for (const s of smoothed) {
      for (const i of thinIndices(s.x.length, CURVE_POINTS))
        faint.push({ seed: s.seed, x: s.x[i], y: s.y[i] });
    }
    const b = seedBand(smoothed, CURVE_POINTS);
    main = b.map((p) => ({ x: p.x, y: p.mean }));
    band = b.map((p) => ({ x: p.x, lo: p.lo, hi: p.hi }));
  }
  let xmin = Infinity;
  let xmax = -Infinity;
  let ymin = Infinity;
  let ymax = -Infinity;
  for (const p of [...faint, ...main]) {
    xmin = Math.min(xmin, p.x);
    xmax = Math.max(xmax, p.x);
    ymin = Math.min(ymin, p.y);
    ymax = Math.max(ymax, p.y);
  }
  return { key, title, faint, main, band, nSeeds: seeds.length, xmin, xmax, ymin, ymax };
}

/** Splits an axis title into lines that each fit `maxWidth` px (rotated y titles must fit the plot height). */
export function wrapText(text: string, maxWidth: number, fontSize: number): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let cur = '';
  for (const word of words) {
    const next = cur ? `${cur} ${word}` : word;
    if (cur && textWidth(next, fontSize) > maxWidth) {
      lines.push(cur);
      cur = word;
    } else {
      cur = next;
    }
  }
  if (cur) lines.push(cur);
  return lines;
}

/** A y-domain with a little room, so flat or one-point curves still get a readable axis. */
function padDomain(lo: number, hi: number): [number, number] {
  if (hi > lo) return [lo, hi];
  const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
  return [lo - d, hi + d];
}

/**
 * Axis extents covering all of `cs`: x from 0 (or below) to the last logged x, y niced to round ticks.
 * Explicit domains, because Vega applies `nice` only to data-driven ones and shared axes need explicit.
 */
function curveDomains(cs: CurveData[]): { x: [number, number]; y: [number, number] } {
  const xlo = Math.min(0, ...cs.map((c) => c.xmin));
  const xhi = Math.max(...cs.map((c) => c.xmax));
  const ylo = Math.min(...cs.map((c) => c.ymin));
  const yhi = Math.max(...cs.map((c) => c.ymax));
  return { x: padDomain(xlo, xhi), y: niceDomain(...padDomain(ylo, yhi), 4) };
}

/**
 * Builds the comparison figure as a Vega-Lite spec (data inlined). Columns are the distinct labels in
 * order of first appearance. Each column's top plot shows the x-y evaluation traces (metres) of its
 * lowest seed that has traces, one color per skill (Category10, cycling past ten skills), a dot at each
 * trace's end, equal aspect, and the same extent in every column (`opts.arena`, else a symmetric extent
 * over all traces); a column without traces gets an empty panel, and with no traces in any run the row is
 * left out. Below come the learning curves against `opts.xAxis`, EMA-smoothed; with several
 * seeds, the mean with a min–max band and faint per-seed lines; with one, the smoothed line over the
 * faint raw one. Curve keys every column has come first and share their axes across columns; keys with
 * no finite data in a variant are left out of its column.
 * @throws Error if `runs` is empty, a run lacks a label or an array field, a run has neither metrics nor
 *   traces, or an option is out of range (the message names the run and field).
 */
export function comparisonSpec(runs: FigureRun[], opts: FigureOptions = {}): object {
  validate(runs, opts);
  const xKey = opts.xAxis ?? 'env_steps';
  const weight = opts.smoothing ?? 0.6;
  const variants = groupVariants(runs);

  // ---- x-y traces: one extent and one skill→color mapping for all columns.
  const traces = variants.map(variantTraces);
  let ext: { xmin: number; xmax: number; ymin: number; ymax: number };
  if (opts.arena) {
    ext = { ...opts.arena };
  } else {
    // 5% headroom keeps end dots off the frame.
    const r = niceCeil(Math.max(0, ...traces.map((t) => t.maxAbs)) * 1.05);
    ext = { xmin: -r, xmax: r, ymin: -r, ymax: r };
  }
  const px = PLOT / Math.max(ext.xmax - ext.xmin, ext.ymax - ext.ymin);
  const xyWidth = Math.round((ext.xmax - ext.xmin) * px);
  const xyHeight = Math.round((ext.ymax - ext.ymin) * px);
  const skills = [...new Set(traces.flatMap((t) => t.ends.map((e) => e.skill)))].sort((a, b) => a - b);
  const showLegend = skills.length > 0 && skills.length <= SKILL_PALETTE.length;

  // ---- learning curves: keys in order of first appearance; keys every column has go first.
  const titles = new Map<string, string>();
  for (const run of runs) {
    for (const c of run.curves) {
      if (c && typeof c.key === 'string' && !titles.has(c.key)) titles.set(c.key, String(c.title ?? c.key));
    }
  }
  const curves = variants.map((v) => {
    const keys = new Set(v.runs.flatMap((r) => r.curves.map((c) => c?.key)));
    const out = new Map<string, CurveData>();
    for (const [key, title] of titles) {
      if (!keys.has(key)) continue;
      const c = variantCurve(v, key, title, xKey, weight);
      if (c) out.set(key, c);
    }
    return out;
  });
  const common = [...titles.keys()].filter((k) => curves.every((c) => c.has(k)));
  const shared = new Map<string, { x: [number, number]; y: [number, number] }>();
  for (const key of common) shared.set(key, curveDomains(curves.map((c) => c.get(key) as CurveData)));

  const xTitle = xKey === 'env_steps' ? 'environment steps' : 'wall-clock time (s)';
  // SI labels (50k, 1.5M) chosen per tick: an axis `format` would force one prefix on all ticks ("0k").
  const xLabelExpr = xKey === 'env_steps' ? "datum.value === 0 ? '0' : format(datum.value, '~s')" : undefined;

  const xyCell = (ti: number): object => {
    const t = traces[ti];
    const xEnc = {
      field: 'x',
      type: 'quantitative',
      scale: { domain: [ext.xmin, ext.xmax], nice: false, zero: false },
      axis: { title: 'x (m)', tickCount: 5 },
    };
    const yEnc = {
      field: 'y',
      type: 'quantitative',
      scale: { domain: [ext.ymin, ext.ymax], nice: false, zero: false },
      axis: { title: 'y (m)', tickCount: 5 },
    };
    const color = {
      field: 'skill',
      type: 'nominal',
      scale: { domain: skills, range: SKILL_PALETTE },
      legend: showLegend ? { title: 'skill', symbolType: 'circle', orient: 'right' } : null,
    };
    const layers: object[] = [];
    if (t.rows.length === 0) {
      layers.push({
        data: { values: [{ x: (ext.xmin + ext.xmax) / 2, y: (ext.ymin + ext.ymax) / 2 }] },
        mark: { type: 'text', text: 'no evaluation traces', color: '#888', fontSize: 12 },
        encoding: { x: xEnc, y: yEnc },
      });
    } else {
      layers.push({
        data: { values: t.rows },
        mark: { type: 'line', strokeWidth: 1.1, opacity: 0.8, clip: true, interpolate: 'linear' },
        encoding: {
          x: xEnc,
          y: yEnc,
          color,
          detail: { field: 'rollout', type: 'nominal' },
          order: { field: 'step', type: 'quantitative' },
        },
      });
      layers.push({
        data: { values: t.ends },
        mark: { type: 'circle', size: 20, opacity: 1, clip: true, stroke: 'white', strokeWidth: 0.4 },
        encoding: { x: xEnc, y: yEnc, color },
      });
    }
    return { width: xyWidth, height: xyHeight, layer: layers };
  };

  const curveCell = (c: CurveData, isLast: boolean): object => {
    const dom = shared.get(c.key) ?? curveDomains([c]);
    const xEnc = {
      field: 'x',
      type: 'quantitative',
      // Not niced: the curve should reach the right edge rather than stop short of a round tick.
      scale: { domain: dom.x, nice: false, zero: false },
      axis: { title: isLast ? xTitle : null, labelExpr: xLabelExpr, tickCount: 5, labelFlush: true },
    };
    const yAxis = {
      title: wrapText(c.title, CURVE_H - 6, AXIS_TITLE_SIZE),
      tickCount: 4,
      labelFlush: true,
    };
    const yScale = { domain: dom.y, zero: false };
    const yEnc = (field: string) => ({ field, type: 'quantitative', scale: yScale, axis: yAxis });
    const layers: object[] = [];
    if (c.band.length > 0) {
      layers.push({
        data: { values: c.band },
        mark: { type: 'area', color: CURVE_COLOR, opacity: 0.18, clip: true },
        encoding: { x: xEnc, y: yEnc('lo'), y2: { field: 'hi' } },
      });
    }
    layers.push({
      data: { values: c.faint },
      mark: {
        type: 'line',
        color: CURVE_COLOR,
        opacity: c.nSeeds > 1 ? 0.4 : 0.28,
        strokeWidth: 0.8,
        clip: true,
      },
      encoding: { x: xEnc, y: yEnc('y'), detail: { field: 'seed', type: 'nominal' } },
    });
    layers.push({
      data: { values: c.main },
      // A lone logged point would draw no line at all.
      mark: {
        type: 'line',
        color: CURVE_COLOR,
        strokeWidth: 1.8,
        clip: true,
        point: c.main.length === 1 ? { filled: true, size: 24, color: CURVE_COLOR } : false,
      },
      encoding: { x: xEnc, y: yEnc('y') },
    });
    return { width: PLOT, height: CURVE_H, layer: layers };
  };

  const columns = variants.map((v, vi) => {
    const present = [...curves[vi].values()];
    const ordered = [
      ...common.map((k) => curves[vi].get(k) as CurveData),
      ...present.filter((c) => !common.includes(c.key)),
    ];
    const envs = [...new Set(v.runs.map((r) => r.env))].join(', ');
    const nSeeds = new Set(v.runs.map((r) => r.seed)).size;
    const parts = [envs, `${nSeeds} seed${nSeeds === 1 ? '' : 's'}`];
    if (traces[vi].seed !== undefined && nSeeds > 1) parts.push(`traces: seed ${traces[vi].seed}`);
    const cells = [
      // With no traces anywhere the x-y row would be all empty panels; keep it only if one has data.
      ...(skills.length > 0 ? [xyCell(vi)] : []),
      ...ordered.map((c, i) => curveCell(c, i === ordered.length - 1)),
    ];
    if (cells.length === 0) {
      // Still show the column, so a variant that logged nothing plottable is visibly empty, not missing.
      cells.push({
        width: PLOT,
        height: CURVE_H,
        data: { values: [{}] },
        mark: { type: 'text', text: 'no curves or traces to plot', color: '#888', fontSize: 12 },
        encoding: { x: { value: PLOT / 2 }, y: { value: CURVE_H / 2 } },
      });
    }
    return {
      title: {
        text: v.label,
        subtitle: parts.filter(Boolean).join(' · '),
        anchor: 'middle',
        fontSize: 15,
        fontWeight: 'bold',
        subtitleFontSize: 11,
        subtitleColor: '#555',
        offset: 8,
      },
      spacing: 14,
      resolve: { scale: { color: 'shared' }, legend: { color: 'shared' } },
      vconcat: cells,
    };
  });

  const envNames = [...new Set(runs.map((r) => r.env))].join(', ');
  const title = opts.title ?? `${variants.map((v) => v.label).join(' vs ')} · ${envNames}`;
  const all = curves.flatMap((c) => [...c.values()]);
  const multi = all.some((d) => d.nSeeds > 1);
  const single = all.some((d) => d.nSeeds === 1);
  const faint =
    multi && single ? 'faint: per seed, or raw for one seed' : multi ? 'faint: per seed' : 'faint: raw';
  const note = [
    skills.length > 0 ? 'traces: one color per skill, dot marks the end' : '',
    all.length > 0
      ? `curves: EMA ${weight}` + (multi ? ', mean and min–max over seeds' : '') + `, ${faint}`
      : '',
  ]
    .filter(Boolean)
    .join('   ·   ');
  const figureWidth = variants.length * (PLOT + 80);

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    padding: 14,
    title: {
      text: title,
      subtitle: note ? wrapText(note, figureWidth, 11) : undefined,
      anchor: 'middle',
      fontSize: 17,
      fontWeight: 'bold',
      subtitleFontSize: 11,
      subtitleColor: '#555',
      offset: 14,
    },
    hconcat: columns,
    spacing: 36,
    resolve: { scale: { color: 'shared' }, legend: { color: 'shared' } },
    config: {
      font: FONT_FAMILY,
      view: { stroke: '#999', strokeWidth: 0.8 },
      axis: {
        labelFontSize: 10,
        titleFontSize: AXIS_TITLE_SIZE,
        titleFontWeight: 'normal',
        labelColor: '#333',
        titleColor: '#222',
        domainColor: '#777',
        tickColor: '#777',
        gridColor: '#e8e8e8',
        titlePadding: 6,
      },
      legend: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: 'normal', symbolSize: 60 },
      line: { strokeCap: 'round', strokeJoin: 'round' },
    },
  };
}
