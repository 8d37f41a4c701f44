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
 * The top-down x-y plot of every skill's trace, with a marker layer per skill read from the named
 * dataset {@link XY_MARKER_DATA} (empty until the view streams rows in), so that the timeline can
 * move the markers without a new spec.
 */
export function xySpec(traces: Trace[], theme: PlotTheme, size: number): object {
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
  const all = values.flatMap((v) => [v.x, v.y]);
  const ext = Math.max(0.1, ...all.map(Math.abs)) * 1.05;
  const scale = { domain: [-ext, ext], nice: false, zero: false };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: size,
    height: size,
    config: baseConfig(theme),
    title: 'x-y traces (top view)',
    layer: [
      {
        data: { values },
        mark: { type: 'line', opacity: 0.75, strokeWidth: 1.5 },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: 'x (m)', scale },
          y: { field: 'y', type: 'quantitative', title: 'y (m)', scale },
          order: { field: 'i' },
          detail: { field: 'trace' },
          color,
        },
      },
      {
        data: { name: XY_MARKER_DATA },
        mark: { type: 'point', filled: true, size: 60, stroke: theme.text, strokeWidth: 0.5, opacity: 1 },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, color },
      },
    ],
  };
}

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

/** How a run's learning-curve panels are laid out: panels per row and each panel's plot height (px). */
export interface CurvesLayout {
  columns?: number;
  height?: number;
  /** Font size of the panel titles (px; 11 unless told). */
  titleSize?: number;
  /** Dots on the smoothed line: for the first few rows, when a line alone would show little or nothing. */
  points?: boolean;
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
 * only a new set of curves, axis, width, layout or theme needs a new spec. `width`: the whole plot's
 * width (px); `layout`: 2 small panels per row (90 px high) unless told otherwise.
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
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: baseConfig(theme),
    data: { name: CURVE_DATA },
    facet: {
      field: 'curve',
      type: 'nominal',
      title: null,
      sort: curves.map((c) => c.title),
      header: { labelFontSize: layout.titleSize ?? 11 },
    },
    columns,
    // Each panel its own x axis: otherwise a panel row that is not full leaves the axes of the
    // panels above it at the bottom of the empty cells.
    resolve: { scale: { y: 'independent' }, axis: { x: 'independent' } },
    spec: {
      // Each panel's own axis labels and the gap between panels take about 60 px beside the plot.
      width: Math.max(80, width / columns - 60),
      height: layout.height ?? 90,
      layer: [
        {
          transform: [{ filter: 'datum.switch == null' }],
          mark: { type: 'line', opacity: 0.25, color: SKILL_PALETTE[0] },
          encoding: {
            // Short tick labels ("20k", at most 6 digits): Vega sizes a label's digits to the tick step,
            // so a flat early curve would get 17 of them unless the precision is given.
            x: { field: 'x', type: 'quantitative', title: xTitle, axis: { format: '~s' } },
            y: {
              field: 'raw',
              type: 'quantitative',
              title: null,
              scale: { zero: false },
              axis: { format: '.6~r' },
            },
          },
        },
        {
          transform: [{ filter: 'datum.switch == null' }],
          mark: {
            type: 'line',
            color: SKILL_PALETTE[0],
            point: layout.points ? { filled: true, size: 24, color: SKILL_PALETTE[0] } : false,
          },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'value', type: 'quantitative' } },
        },
        // Relabeling switches of goal-conditioned runs: a dashed rule and its new setting.
        {
          transform: [{ filter: 'datum.switch != null' }],
          mark: { type: 'rule', strokeDash: [4, 3], color: theme.text, opacity: 0.7 },
          encoding: { x: { field: 'x', type: 'quantitative' } },
        },
        {
          transform: [{ filter: 'datum.switch != null' }],
          mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, y: 2, fontSize: 9, color: theme.text },
          encoding: { x: { field: 'x', type: 'quantitative' }, text: { field: 'switch' } },
        },
      ],
    },
  };
}
