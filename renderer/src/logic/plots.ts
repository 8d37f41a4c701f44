/**
 * Vega-Lite specs of the compare view: the top-down x-y traces of every skill (same colours as the
 * 3D agents) and learning curves with exponential smoothing. Data shaping is done here in plain
 * TypeScript rather than in Vega transforms, so specs stay simple and the maths is testable.
 */
import { allAlgos, relabelSwitches, SKILL_PALETTE } from '../../../main/api/contract/presentation.ts';
import type { MetricRow } from '../../../main/api/contract/contract.ts';

/**
 * Learning curves per algorithm, in the order they are drawn: the paper figures' curves (the
 * algorithm's catalog `curves`), plus the env's episode return where they leave it out (skill
 * discovery).
 */
export const CURVES: Record<string, Array<{ key: string; title: string }>> = Object.fromEntries(
  allAlgos().map(({ name, curves }) => [
    name,
    curves.some((c) => c.key === 'episode_return')
      ? [...curves]
      : [...curves, { key: 'episode_return', title: 'episode return' }],
  ]),
);

/**
 * Exponential moving average with TensorBoard's debiasing: y_t = w·y_{t-1} + (1−w)·x_t, divided by
 * 1 − w^t so the start is not pulled towards 0. Non-finite values are skipped (kept as null).
 */
export function smooth(values: Array<number | null>, weight: number): Array<number | null> {
  const w = Math.max(0, Math.min(0.999, weight));
  let acc = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    acc = w * acc + (1 - w) * v;
    n++;
    return w === 0 ? v : acc / (1 - w ** n);
  });
}

/** Theme colours a plot needs. */
export interface PlotTheme {
  text: string;
  grid: string;
  background: string;
}

/** The Vega-Lite config every plot of the app shares: theme colours of text, grid and background. */
export const baseConfig = (theme: PlotTheme) => ({
  background: theme.background,
  view: { stroke: theme.grid },
  axis: {
    labelColor: theme.text,
    titleColor: theme.text,
    gridColor: theme.grid,
    domainColor: theme.grid,
    tickColor: theme.grid,
  },
  legend: { labelColor: theme.text, titleColor: theme.text },
  title: { color: theme.text, fontSize: 12 },
  header: { labelColor: theme.text, titleColor: theme.text },
});

/**
 * `spec` with `data`'s rows as its inline `datasets` (copies: Vega tags the rows it ingests), for
 * embedding: Vega's first run then sees the rows at hand, where a named dataset left empty until the
 * first push makes it warn "Infinite extent" for every scale it feeds (issue #13 B5).
 */
export function withInlineData(spec: object, data: Record<string, object[]> | undefined): object {
  if (!data) return spec;
  const own = (spec as { datasets?: Record<string, object[]> }).datasets ?? {};
  const rows = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.map((r) => ({ ...r }))]));
  return { ...spec, datasets: { ...own, ...rows } };
}

/** One x-y trace: the skill index and its points (m). */
export interface Trace {
  skill: number;
  rollout: number;
  xy: number[][];
}

/** Name of the x-y plot's dataset of timeline markers, one point per skill; fed with {@link markerDatum} rows. */
export const XY_MARKER_DATA = 'marker';

/** One row of the {@link XY_MARKER_DATA} dataset: where skill `skill` is at the timeline's time (m). */
export function markerDatum(skill: number, x: number, y: number): { skill: string; x: number; y: number } {
  return { skill: `skill ${skill}`, x, y };
}

/**
 * Half-width (m) of the square x-y window that shows every point of `traces`: the largest |x| or
 * |y|, 5 % beyond it, at least 0.1 m.
 */
export function xyExtent(traces: Trace[]): number {
  let m = 0.1 / 1.05;
  for (const t of traces) for (const [x, y] of t.xy) m = Math.max(m, Math.abs(x), Math.abs(y));
  return m * 1.05;
}

/** One column's x-y window, as the compare view collects them: its env and {@link xyExtent}. */
export interface XyWindow {
  env: string;
  extent: number;
}

/**
 * The x-y half-width a column on `env` shares with the others (issue #13 B5): the widest window of
 * the columns on the same env, so that their traces compare at one scale; null when no column on
 * `env` has reported one.
 */
export function sharedXyExtent(windows: Iterable<XyWindow>, env: string): number | null {
  let best: number | null = null;
  for (const w of windows)
    if (w.env === env && Number.isFinite(w.extent)) best = Math.max(best ?? 0, w.extent);
  return best;
}

/**
 * The top-down x-y plot of every skill's trace, with a marker layer per skill read from the named
 * dataset {@link XY_MARKER_DATA} (empty until the view streams rows in), so that the timeline can
 * move the markers without a new spec. `extent`: half-width (m) of the window, default
 * {@link xyExtent} of the traces (the compare view passes the one its columns share).
 */
export function xySpec(traces: Trace[], theme: PlotTheme, size: number, extent?: number): object {
  const values = traces.flatMap((t) =>
    t.xy.map(([x, y], i) => ({ skill: `skill ${t.skill}`, trace: `${t.skill}/${t.rollout}`, i, x, y })),
  );
  const skills = [...new Set(traces.map((t) => t.skill))].sort((a, b) => a - b);
  const color = {
    field: 'skill',
    type: 'nominal',
    scale: {
      domain: skills.map((k) => `skill ${k}`),
      range: skills.map((k) => SKILL_PALETTE[k % SKILL_PALETTE.length]),
    },
    legend: null,
  };
  const ext = extent ?? xyExtent(traces);
  const scale = { domain: [-ext, ext], nice: false, zero: false };
  const axis = { format: TICK_FORMAT, tickCount: 5 };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: size,
    height: size,
    config: baseConfig(theme),
    title: 'x-y traces (top view)',
    layer: [
      {
        data: { values },
        mark: { type: 'line', opacity: 0.75, strokeWidth: 1.5, clip: true },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: 'x (m)', scale, axis },
          y: { field: 'y', type: 'quantitative', title: 'y (m)', scale, axis },
          order: { field: 'i' },
          detail: { field: 'trace' },
          color,
        },
      },
      {
        data: { name: XY_MARKER_DATA },
        mark: {
          type: 'point',
          filled: true,
          size: 60,
          stroke: theme.text,
          strokeWidth: 0.5,
          opacity: 1,
          clip: true,
        },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, color },
      },
    ],
  };
}

/**
 * d3-format of every quantitative tick label: up to 6 significant digits without trailing zeros, so
 * 0 reads "0" (not "0.000000"), 0.25 "0.25", 20000 "20000", 1e-7 "1e-7". The precision is explicit:
 * without it Vega sizes the digits to the tick step (17 of them on a flat curve).
 */
export const TICK_FORMAT = '.6~g';

/** Name of the learning curves' dataset; fed with {@link curveRows}. */
export const CURVE_DATA = 'curves';

/** The curves of `algo` that `rows` report (a finite value in at least one row), in drawing order. */
export function presentCurves(algo: string, rows: MetricRow[]): Array<{ key: string; title: string }> {
  return (CURVES[algo] ?? []).filter((c) => rows.some((r) => Number.isFinite(r[c.key])));
}

/** One row of the {@link CURVE_DATA} dataset: a point of a curve, or (with `switch`) a relabeling switch. */
export interface CurveDatum {
  curve: string;
  x: number;
  raw?: number;
  value?: number;
  /** Label of a relabeling switch drawn as a rule at x, e.g. "→ final k=4". */
  switch?: string;
}

/**
 * Rows of the {@link CURVE_DATA} dataset: per curve and metric row, x, the raw value and the
 * smoothed one; plus, in every curve's panel, one row per relabeling switch.
 */
export function curveRows(
  algo: string,
  rows: MetricRow[],
  xAxis: 'env_steps' | 'wall_s',
  smoothing: number,
): CurveDatum[] {
  const values: CurveDatum[] = [];
  const switches = relabelSwitches(rows as Array<Record<string, number>>, xAxis);
  for (const c of presentCurves(algo, rows)) {
    for (const sw of switches) values.push({ curve: c.title, x: sw.x, switch: sw.label });
    const raw = rows.map((r) => (Number.isFinite(r[c.key]) ? r[c.key] : null));
    const sm = smooth(raw, smoothing);
    rows.forEach((r, i) => {
      if (raw[i] !== null) values.push({ curve: c.title, x: r[xAxis], raw: raw[i]!, value: sm[i]! });
    });
  }
  return values;
}

/** A shared axis domain [lo, hi] (in the metric's or the x axis' unit). */
export type Domain = [number, number];

/** Axis domains a run's curves share with the other compared runs: x, and y per curve title. */
export interface CurveDomains {
  x: Domain | null;
  y: Record<string, Domain>;
}

/** The step of 1, 2 or 5 × 10^k nearest above `raw` (> 0). */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/** `v` rounded to 12 significant digits: multiples of a decimal step without float noise (0.30000000000000004). */
const clean = (v: number) => Number(v.toPrecision(12)) || 0;

/**
 * A readable domain around [lo, hi]: widened out to multiples of a 1-2-5 step about a fifth of the
 * span, so that it changes only now and then while a run's values creep (each change re-draws the
 * plot). A flat range is padded by 10 % of its value; all zeros read [0, 1]. Null for non-finite input.
 */
export function niceDomain(lo: number, hi: number): Domain | null {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  if (lo > hi) [lo, hi] = [hi, lo];
  if (hi - lo <= Math.max(Math.abs(lo), Math.abs(hi)) * 1e-9) {
    // All zeros (a success rate yet to rise, a share not relabeled): 0 to 1 rather than ±1.
    if (lo === 0) return [0, 1];
    const pad = Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep((hi - lo) / 5);
  return [clean(Math.floor(lo / step) * step), clean(Math.ceil(hi / step) * step)];
}

/**
 * The axes the compared runs share (issue #13 B5): per curve title, the y domain spanning every
 * run's values of that curve ({@link niceDomain} of the raw values, which the smoothed line stays
 * within), and one x domain from 0 to the furthest row of any run. Curves no run reports get none.
 */
export function curveDomains(
  runs: Array<{ algo: string; rows: MetricRow[] }>,
  xAxis: 'env_steps' | 'wall_s',
): CurveDomains {
  const y: Record<string, { lo: number; hi: number }> = {};
  let xHi = -Infinity;
  for (const { algo, rows } of runs) {
    for (const r of rows) if (Number.isFinite(r[xAxis])) xHi = Math.max(xHi, r[xAxis]);
    for (const c of presentCurves(algo, rows)) {
      const acc = (y[c.title] ??= { lo: Infinity, hi: -Infinity });
      for (const r of rows) {
        const v = r[c.key];
        if (!Number.isFinite(v)) continue;
        acc.lo = Math.min(acc.lo, v);
        acc.hi = Math.max(acc.hi, v);
      }
    }
  }
  const yDomains: Record<string, Domain> = {};
  for (const [title, { lo, hi }] of Object.entries(y)) {
    const d = niceDomain(lo, hi);
    if (d) yDomains[title] = d;
  }
  const x = xHi > 0 ? niceDomain(0, xHi) : null;
  return { x: x && [0, x[1]], y: yDomains };
}

/** How a run's learning-curve panels are laid out: panels per row and each panel's plot height (px). */
export interface CurvesLayout {
  columns?: number;
  height?: number;
  /** Font size of the panel titles (px; 11 unless told). */
  titleSize?: number;
  /** Dots on the smoothed line: for the first few rows, when a line alone would show little or nothing. */
  points?: boolean;
  /**
   * Draw the relabeling switches' layers (default true). A run without switches leaves them out: an
   * empty layer makes Vega warn "Infinite extent" for the x scale it feeds.
   */
  switches?: boolean;
  /** Axis domains shared with other runs (see {@link curveDomains}); each panel scales to its own data without. */
  domains?: CurveDomains | null;
}

/**
 * The layout of a compare column's curves in `width` px (issue #13 B5): panels at least 240 px wide,
 * as many a row as fit, each about half as high as wide (110–200 px), so that the plots grow with
 * the column instead of staying small in a wide one.
 */
export function compactCurvesLayout(
  width: number,
  count: number,
): Required<Pick<CurvesLayout, 'columns' | 'height'>> {
  const columns = curveColumns(width, count, 240);
  const panel = width / columns - 60;
  return { columns, height: Math.round(Math.max(110, Math.min(200, panel * 0.5))) };
}

/**
 * The panels per row for `count` panels in `width` px, each at least `minPanel` px wide: 1 to
 * `count` (a run page's curves follow the page's width).
 */
export function curveColumns(width: number, count: number, minPanel = 340): number {
  const fit = Math.max(1, Math.min(Math.max(1, count), Math.floor(width / minPanel)));
  // As few rows as fit, filled evenly: 5 panels in rows of 3 and 2 rather than 4 and 1.
  return Math.ceil(Math.max(1, count) / Math.ceil(Math.max(1, count) / fit));
}

/**
 * Learning curves of one run, one panel per curve title in `curves` (see {@link presentCurves}),
 * reading the named dataset {@link CURVE_DATA}: new metric rows and smoothing changes stream in as data,
 * only a new set of curves, axis, width, layout, shared domains or theme needs a new spec. `width`:
 * the whole plot's width (px); `layout`: 2 small panels per row (90 px high) unless told otherwise.
 * Panels are concatenated rather than faceted, so that each can take its curve's shared y domain.
 */
export function curvesSpec(
  curves: Array<{ title: string }>,
  xAxis: 'env_steps' | 'wall_s',
  theme: PlotTheme,
  width: number,
  layout: CurvesLayout = {},
): object {
  const columns = Math.max(1, layout.columns ?? 2);
  const xTitle = xAxis === 'env_steps' ? 'env steps' : 'wall-clock (s)';
  const xDomain = layout.domains?.x ?? null;
  const panel = (title: string) => {
    const yDomain = layout.domains?.y[title] ?? null;
    return {
      title: { text: title, fontSize: layout.titleSize ?? 11, fontWeight: 'normal' },
      // Each panel's own axis labels and the gap between panels take about 60 px beside the plot.
      width: Math.max(80, Math.floor(width / columns - 60)),
      height: layout.height ?? 90,
      transform: [{ filter: { field: 'curve', equal: title } }],
      layer: [
        {
          transform: [{ filter: 'datum.switch == null' }],
          mark: { type: 'line', opacity: 0.25, color: SKILL_PALETTE[0], clip: true },
          encoding: {
            // Short tick labels ("20k"): Vega sizes a label's digits to the tick step, so a flat
            // early curve would get 17 of them unless the format is given.
            x: {
              field: 'x',
              type: 'quantitative',
              title: xTitle,
              axis:
                xAxis === 'env_steps'
                  ? // "0", not the "0k" of the axis' common SI prefix.
                    { format: '~s', tickCount: 5, labelExpr: "datum.value === 0 ? '0' : datum.label" }
                  : { format: TICK_FORMAT, tickCount: 5 },
              ...(xDomain ? { scale: { domain: xDomain, nice: false } } : {}),
            },
            y: {
              field: 'raw',
              type: 'quantitative',
              title: null,
              scale: yDomain ? { domain: yDomain, nice: false, zero: false } : { zero: false },
              axis: { format: TICK_FORMAT, tickCount: 5 },
            },
          },
        },
        {
          transform: [{ filter: 'datum.switch == null' }],
          mark: {
            type: 'line',
            color: SKILL_PALETTE[0],
            clip: true,
            point: layout.points ? { filled: true, size: 24, color: SKILL_PALETTE[0] } : false,
          },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'value', type: 'quantitative' } },
        },
        // Relabeling switches of goal-conditioned runs: a dashed rule and its new setting.
        ...(layout.switches === false ? [] : switchLayers),
      ],
    };
  };
  const switchLayers = [
    {
      transform: [{ filter: 'datum.switch != null' }],
      mark: { type: 'rule', strokeDash: [4, 3], color: theme.text, opacity: 0.7, clip: true },
      encoding: { x: { field: 'x', type: 'quantitative' } },
    },
    {
      transform: [{ filter: 'datum.switch != null' }],
      mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, y: 2, fontSize: 9, color: theme.text },
      encoding: { x: { field: 'x', type: 'quantitative' }, text: { field: 'switch' } },
    },
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: baseConfig(theme),
    data: { name: CURVE_DATA },
    columns,
    concat: curves.map((c) => panel(c.title)),
  };
}
