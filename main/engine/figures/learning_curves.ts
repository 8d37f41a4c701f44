/**
 * A paper figure of learning curves from several runs: one panel per metric side by side, one colour
 * per variant (runs with the same label, e.g. "future k=4" and "no relabeling"), seeds of a variant as
 * their mean with a min–max band, TensorBoard smoothing, and goal-conditioned runs' relabeling
 * switches as dashed rules. Rendered with {@link renderFigure} like the comparison figure.
 */
import { SKILL_PALETTE } from './palette.ts';
import { relabelSwitches } from './curves.ts';
import { emaSmooth, seedBand, type Series } from './series.ts';
import { FONT_FAMILY } from './fonts.ts';

/** One run of the figure. */
export interface CurvesRun {
  /** Variant label; runs with the same label are seeds of one variant. */
  label: string;
  /** Metric rows (iteration, env_steps, wall_s, metrics…), in order. */
  rows: ReadonlyArray<Record<string, number>>;
}

/** Options of {@link learningCurvesSpec}. */
export interface CurvesFigureOptions {
  /** Metrics to draw, in panel order. */
  metrics: ReadonlyArray<{ key: string; title: string }>;
  xAxis?: 'env_steps' | 'wall_s';
  /** EMA weight in [0, 1); default 0.6. */
  smoothing?: number;
  title?: string;
  /** Panel width and height in px; default 300 × 200. */
  width?: number;
  height?: number;
}

const MAX_POINTS = 400;

/**
 * The Vega-Lite spec of the figure.
 * @throws Error when there are no runs or no metrics, or when no run reports any of the metrics.
 */
export function learningCurvesSpec(runs: CurvesRun[], opts: CurvesFigureOptions): object {
  if (runs.length === 0) throw new Error('learning curves: no runs given');
  if (opts.metrics.length === 0) throw new Error('learning curves: no metrics given');
  const xKey = opts.xAxis ?? 'env_steps';
  const weight = opts.smoothing ?? 0.6;
  const labels = [...new Set(runs.map((r) => r.label))];
  const values: Array<Record<string, unknown>> = [];
  const rules: Array<Record<string, unknown>> = [];
  for (const m of opts.metrics) {
    for (const label of labels) {
      const seeds: Series[] = runs
        .filter((r) => r.label === label)
        .map((r) => {
          const rows = r.rows.filter((row) => Number.isFinite(row[m.key]) && Number.isFinite(row[xKey]));
          return {
            x: rows.map((row) => row[xKey]),
            y: emaSmooth(
              rows.map((row) => row[m.key]),
              weight,
            ),
          };
        });
      for (const p of seedBand(seeds, MAX_POINTS))
        values.push({ metric: m.title, variant: label, x: p.x, mean: p.mean, lo: p.lo, hi: p.hi });
    }
    for (const r of runs)
      for (const sw of relabelSwitches(r.rows, xKey))
        rules.push({ metric: m.title, variant: r.label, x: sw.x, switch: sw.label });
  }
  if (values.length === 0)
    throw new Error(`learning curves: no run reports ${opts.metrics.map((m) => m.key).join(', ')}`);
  const color = {
    field: 'variant',
    type: 'nominal',
    title: null,
    scale: { domain: labels, range: labels.map((_, i) => SKILL_PALETTE[i % SKILL_PALETTE.length]) },
    legend: {
      orient: 'bottom',
      direction: 'horizontal',
      symbolType: 'stroke',
      symbolStrokeWidth: 3,
      symbolOpacity: 1,
    },
  };
  const x = {
    field: 'x',
    type: 'quantitative',
    title: xKey === 'env_steps' ? 'environment steps' : 'wall-clock time (s)',
    axis: {
      tickCount: 5,
      labelOverlap: true,
      ...(xKey === 'env_steps' ? { labelExpr: "datum.value === 0 ? '0' : format(datum.value, '~s')" } : {}),
    },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title ? { title: { text: opts.title, anchor: 'start', fontSize: 14 } } : {}),
    config: {
      font: FONT_FAMILY,
      background: 'white',
      view: { stroke: '#888' },
      axis: { labelFontSize: 10, titleFontSize: 11, grid: true, gridColor: '#e5e5e5' },
      header: { labelFontSize: 12, labelFontWeight: 'bold', title: null },
    },
    // One dataset for the facet: curve points, and relabeling switches marked by a `switch` field.
    data: { values: [...values, ...rules] },
    facet: {
      column: { field: 'metric', type: 'nominal', sort: opts.metrics.map((m) => m.title), title: null },
    },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: opts.width ?? 300,
      height: opts.height ?? 200,
      layer: [
        {
          transform: [{ filter: 'datum.switch == null' }],
          mark: { type: 'area', opacity: 0.18 },
          encoding: { x, y: { field: 'lo', type: 'quantitative', title: null }, y2: { field: 'hi' }, color },
        },
        {
          transform: [{ filter: 'datum.switch == null' }],
          mark: { type: 'line', strokeWidth: 2 },
          encoding: { x, y: { field: 'mean', type: 'quantitative' }, color },
        },
        // Relabeling switches; without any, the layers are left out (an empty layer has no x extent).
        ...(rules.length === 0
          ? []
          : [
              {
                transform: [{ filter: 'datum.switch != null' }],
                mark: { type: 'rule', strokeDash: [4, 3] },
                encoding: { x: { field: 'x', type: 'quantitative' }, color },
              },
              {
                transform: [{ filter: 'datum.switch != null' }],
                mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, y: 3, fontSize: 9 },
                encoding: { x: { field: 'x', type: 'quantitative' }, text: { field: 'switch' }, color },
              },
            ]),
      ],
    },
  };
}
