/**
 * A paper figure of learning curves from several runs: one panel per metric, wrapped into rows, one
 * colour per variant (runs with the same label, e.g. "future k=4" and "no relabeling"), seeds of a
 * variant as one curve — the IQM (or mean, median) over seeds on the range all of them cover, with a
 * 95 % stratified-bootstrap band (or min–max), the legend stating n per variant and the caption what
 * the band is (rliable's practice, Agarwal et al. 2021) — TensorBoard smoothing, and goal-conditioned
 * runs' relabeling switches as dashed rules. Rendered with {@link renderFigure} like the comparison figure.
 */
import { relabelSwitches } from './curves.ts';
import { BAND_LABEL, emaSmooth, seedCurve, type Band, type Series } from './series.ts';
import { STATISTIC_LABEL, type Statistic } from './stats.ts';
import { textWidth } from './fonts.ts';
import { captionText, paperConfig, titleBlock, variantColor, wrapParts } from './paper_style.ts';

export { wrapParts } from './paper_style.ts';

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
  metrics: ReadonlyArray<{ key: string; title: string; unit?: string }>;
  xAxis?: 'env_steps' | 'wall_s';
  /** EMA weight in [0, 1); default 0.6. */
  smoothing?: number;
  title?: string;
  /** Panel width and height in px; default 300 × 200. */
  width?: number;
  height?: number;
  /** The curve across seeds: default IQM. */
  statistic?: Statistic;
  /** The band around it: default a 95 % bootstrap interval. */
  band?: Band;
  /** Panels per row before wrapping; default 3. */
  columns?: number;
  /**
   * Font sizes for print (7–9 pt at 1 px = 1 pt, readable in a 3.25 in column) instead of the
   * screen's 10–14 px.
   */
  print?: boolean;
  /**
   * The figure's whole width in px, when it is fixed (a paper width): the title, caption and legend
   * wrap into lines that fit it instead of widening the figure.
   */
  figureWidth?: number;
}

/** Font sizes in px (= pt in a PDF) for screen and print. */
const FONT_SIZES = {
  screen: { title: 14, subtitle: 10, label: 10, axisTitle: 11, header: 12, legend: 11, switch: 9 },
  print: { title: 9, subtitle: 7, label: 7, axisTitle: 7.5, header: 8, legend: 7, switch: 6 },
} as const;

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
  const statistic = opts.statistic ?? 'iqm';
  const band = opts.band ?? 'ci95';
  const variants = [...new Set(runs.map((r) => r.label))];
  // The legend says how many seeds each curve is made of.
  const seedsOf = new Map(variants.map((v) => [v, runs.filter((r) => r.label === v).length]));
  const labels = variants.map((v) => `${v} (n=${seedsOf.get(v)})`);
  const nameOf = new Map(variants.map((v, i) => [v, labels[i]]));
  const values: Array<Record<string, unknown>> = [];
  const rules: Array<Record<string, unknown>> = [];
  for (const m of opts.metrics) {
    for (const label of variants) {
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
      for (const p of seedCurve(seeds, { statistic, band, maxPoints: MAX_POINTS }))
        values.push({
          metric: m.title,
          variant: nameOf.get(label),
          x: p.x,
          mean: p.value,
          lo: p.lo,
          hi: p.hi,
          n: p.n,
        });
    }
    for (const r of runs)
      for (const sw of relabelSwitches(r.rows, xKey))
        rules.push({ metric: m.title, variant: nameOf.get(r.label), x: sw.x, switch: sw.label });
  }
  if (values.length === 0)
    throw new Error(`learning curves: no run reports ${opts.metrics.map((m) => m.key).join(', ')}`);
  const color = variantColor(labels, { symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 });

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
  const f = FONT_SIZES[opts.print ? 'print' : 'screen'];
  const captionParts = [
    `${STATISTIC_LABEL[statistic]} over seeds (n per variant in the legend)`,
    ...(band === 'none' ? [] : [`band: ${BAND_LABEL[band]}`]),
    ...(weight > 0 ? [`EMA smoothing ${weight}`] : []),
  ];
  const fit = opts.figureWidth;
  const caption = captionText(captionParts, fit, f.subtitle);
  const titleText: string | string[] | undefined =
    opts.title && fit ? wrapParts(opts.title.split('; '), fit - 4, f.title, true) : opts.title;
  // A fixed width: as many legend entries per row as fit (Vega-Lite legends wrap by `columns`).
  const legendColumns = fit
    ? Math.max(1, Math.floor((fit - 8) / (Math.max(...labels.map((l) => textWidth(l, f.legend))) + 28)))
    : undefined;
  if (legendColumns !== undefined) Object.assign(color.legend, { columns: legendColumns });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleBlock(titleText, caption, f),
    config: paperConfig(f, opts.print, {
      axis: opts.print ? { titlePadding: 3, labelPadding: 2, tickSize: 3 } : {},
      header: { title: null, ...(opts.print ? { labelPadding: 3 } : {}) },
      legend: {
        labelFontSize: f.legend,
        ...(opts.print ? { symbolSize: 60, columnPadding: 8, labelLimit: 0 } : {}),
      },
    }),
    // One dataset: curve points, and relabeling switches marked by a `switch` field. One panel per
    // metric (a wrapped concat, not a facet: each panel's y axis names its own unit).
    data: { values: [...values, ...rules] },
    columns: Math.min(opts.columns ?? 3, opts.metrics.length),
    resolve: { scale: { color: 'shared' }, legend: { color: 'shared' } },
    ...(opts.print ? { spacing: 10 } : {}),
    concat: opts.metrics.map((m) => {
      const inPanel = `datum.metric === ${JSON.stringify(m.title)}`;
      const y = { type: 'quantitative', title: m.unit ?? null, axis: { tickCount: 5 } };
      return {
        width: opts.width ?? 300,
        height: opts.height ?? 200,
        title: {
          text: m.title,
          fontSize: f.header,
          fontWeight: 'bold',
          ...(opts.print ? { offset: 3 } : {}),
        },
        layer: [
          {
            transform: [{ filter: `${inPanel} && datum.switch == null` }],
            mark: { type: 'area', opacity: 0.18 },
            encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color },
          },
          {
            transform: [{ filter: `${inPanel} && datum.switch == null` }],
            mark: { type: 'line', strokeWidth: 2 },
            encoding: { x, y: { ...y, field: 'mean' }, color },
          },
          // Relabeling switches; without any, the layers are left out (an empty layer has no x extent).
          ...(rules.some((r) => r.metric === m.title)
            ? [
                {
                  transform: [{ filter: `${inPanel} && datum.switch != null` }],
                  mark: { type: 'rule', strokeDash: [4, 3] },
                  encoding: { x: { field: 'x', type: 'quantitative' }, color },
                },
                {
                  transform: [{ filter: `${inPanel} && datum.switch != null` }],
                  mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, y: 3, fontSize: f.switch },
                  encoding: { x: { field: 'x', type: 'quantitative' }, text: { field: 'switch' }, color },
                },
              ]
            : []),
        ],
      };
    }),
  };
}
