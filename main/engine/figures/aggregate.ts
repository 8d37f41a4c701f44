/**
 * The aggregate figure of a metric's final scores across seeds, as rliable draws it (Agarwal et al.
 * 2021, Figs. 1, 5, 8): per variant the mean, median and IQM with 95 % stratified-bootstrap
 * intervals; the performance profile (fraction of runs scoring above τ); and the probability of
 * improvement P(X > Y) between every pair of variants with its interval. The three statistics in a
 * row with the variants named at its left, the profile and the improvement below it.
 *
 * Node only (text measurement); the numbers come from stats.ts.
 */
import {
  STATISTICS,
  STATISTIC_LABEL,
  intervalEstimate,
  performanceProfile,
  probabilityOfImprovementInterval,
  type BootstrapOptions,
} from './stats.ts';
import { SKILL_PALETTE } from './palette.ts';
import { textWidth } from './fonts.ts';
import { captionText, paperConfig, titleBlock } from './paper_style.ts';

/** One variant's final scores, one per run (seed). */
export interface VariantScores {
  label: string;
  scores: number[];
}

/** Options of {@link aggregateSpec}. */
export interface AggregateOptions {
  /** The metric's panel title and axis unit, e.g. "success rate", "success (fraction of episodes)". */
  metric: { title: string; unit?: string };
  title?: string;
  /** Width of each of the three panels in px (= pt in print). */
  panelWidth?: number;
  /** The whole figure's width, when fixed: the caption wraps to it. */
  figureWidth?: number;
  /** Print font sizes (7–9 pt). */
  print?: boolean;
  bootstrap?: BootstrapOptions;
}

/** What the figure plots, for its CSV. */
export interface AggregateData {
  intervals: Array<{ variant: string; statistic: string; value: number; lo: number; hi: number; n: number }>;
  profile: Array<{ variant: string; tau: number; fraction: number }>;
  improvement: Array<{ pair: string; x: string; y: string; value: number; lo: number; hi: number }>;
}

/**
 * The numbers of the figure.
 * @throws RangeError for a variant without scores or a non-finite score (naming the variant)
 */
export function aggregateData(
  variants: readonly VariantScores[],
  bootstrap: BootstrapOptions = {},
): AggregateData {
  for (const v of variants) {
    if (v.scores.length === 0) throw new RangeError(`variant "${v.label}" has no final score`);
    if (!v.scores.every(Number.isFinite))
      throw new RangeError(`variant "${v.label}" has a non-finite final score`);
  }
  const matrix = (v: VariantScores) => v.scores.map((s) => [s]);
  const intervals = variants.flatMap((v) =>
    STATISTICS.map((statistic) => ({
      variant: v.label,
      statistic: STATISTIC_LABEL[statistic],
      ...intervalEstimate(matrix(v), statistic, bootstrap),
      n: v.scores.length,
    })),
  );
  const all = variants.flatMap((v) => v.scores);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const taus = Array.from({ length: 41 }, (_, i) => lo + ((hi - lo) * i) / 40);
  const profile = variants.flatMap((v) =>
    performanceProfile(matrix(v), taus).map((fraction, i) => ({ variant: v.label, tau: taus[i], fraction })),
  );
  const improvement: AggregateData['improvement'] = [];
  for (let i = 0; i < variants.length; i++)
    for (let j = i + 1; j < variants.length; j++) {
      const [x, y] = [variants[i], variants[j]];
      improvement.push({
        pair: `P(${x.label} > ${y.label})`,
        x: x.label,
        y: y.label,
        ...probabilityOfImprovementInterval(matrix(x), matrix(y), bootstrap),
      });
    }
  return { intervals, profile, improvement };
}

const FONT = {
  screen: { title: 14, subtitle: 10, label: 10, axisTitle: 11, header: 12 },
  print: { title: 9, subtitle: 7, label: 7, axisTitle: 7.5, header: 8 },
} as const;

/** The Vega-Lite spec of the aggregate figure and the data it plots. */
export function aggregateSpec(
  variants: readonly VariantScores[],
  opts: AggregateOptions,
): { spec: object; data: AggregateData } {
  if (variants.length === 0) throw new RangeError('aggregate figure: no variants');
  const data = aggregateData(variants, opts.bootstrap);
  const f = FONT[opts.print ? 'print' : 'screen'];
  const w = opts.panelWidth ?? 260;
  const labels = variants.map((v) => `${v.label} (n=${v.scores.length})`);
  const nameOf = new Map(variants.map((v, i) => [v.label, labels[i]]));
  const color = {
    field: 'variant',
    type: 'nominal',
    title: null,
    scale: { domain: labels, range: labels.map((_, i) => SKILL_PALETTE[i % SKILL_PALETTE.length]) },
    legend: { orient: 'bottom', direction: 'horizontal', labelFontSize: f.label },
  };
  const unit = opts.metric.unit ?? opts.metric.title;
  // The variants are named once, left of the three statistics, so the intervals read without the
  // legend; at a fixed width long names are cut to a third of it.
  const yLabelWidth = Math.min(
    Math.max(...labels.map((l) => textWidth(l, f.label))) + 6,
    opts.figureWidth ? opts.figureWidth / 3 : 180,
  );
  const spacing = opts.print ? 10 : 20;
  // The row of three spans the row below (the profile, and the improvement panel with its pair
  // names, 20 apart): both grow with the panel width, so a figure fitted to a width stays aligned.
  const pairWidth = data.improvement.length
    ? Math.min(180, Math.max(...data.improvement.map((d) => textWidth(d.pair, f.label)))) + 8
    : 0;
  const below = w + (data.improvement.length ? 20 + pairWidth + w : 0);
  const statisticWidth = Math.max(
    40,
    Math.floor((below - yLabelWidth - (STATISTICS.length - 1) * spacing) / STATISTICS.length),
  );
  const intervals = data.intervals.map((d) => ({ ...d, variant: nameOf.get(d.variant) }));
  const height = Math.max(40, 18 * variants.length);
  // The names are a view of their own, not the facet's y axis: an axis hangs left of its view's
  // origin, and the rows of the figure align their origins, which would push the panels below right.
  const names = {
    data: { values: labels.map((variant) => ({ variant })) },
    width: yLabelWidth,
    height,
    view: { stroke: null },
    mark: { type: 'text', align: 'right', baseline: 'middle', fontSize: f.label, limit: yLabelWidth },
    encoding: {
      y: { field: 'variant', type: 'nominal', sort: labels, axis: null },
      x: { value: yLabelWidth - 2 },
      text: { field: 'variant' },
    },
  };
  const facets = {
    data: { values: intervals },
    facet: {
      column: {
        field: 'statistic',
        type: 'nominal',
        sort: STATISTICS.map((s) => STATISTIC_LABEL[s]),
        title: null,
      },
    },
    spacing,
    spec: {
      width: statisticWidth,
      height,
      layer: [
        {
          mark: { type: 'rule', strokeWidth: 6, opacity: 0.35 },
          encoding: {
            y: { field: 'variant', type: 'nominal', title: null, sort: labels, axis: null },
            x: { field: 'lo', type: 'quantitative', title: unit, scale: { zero: false } },
            x2: { field: 'hi' },
            color,
          },
        },
        {
          mark: { type: 'tick', thickness: 2, size: 12 },
          encoding: {
            y: { field: 'variant', type: 'nominal', sort: labels, axis: null },
            x: { field: 'value', type: 'quantitative' },
            color,
          },
        },
      ],
    },
  };
  const profile = {
    title: { text: 'performance profile', fontSize: f.header },
    data: { values: data.profile.map((d) => ({ ...d, variant: nameOf.get(d.variant) })) },
    width: w,
    height: Math.min(200, Math.round(w * 0.6)),
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'tau', type: 'quantitative', title: `τ: ${unit}`, scale: { zero: false } },
      y: {
        field: 'fraction',
        type: 'quantitative',
        title: 'fraction of runs with score > τ',
        scale: { domain: [0, 1] },
      },
      color,
    },
  };
  const improvement = data.improvement.length
    ? [
        {
          title: { text: 'probability of improvement', fontSize: f.header },
          data: { values: data.improvement },
          width: w,
          height: Math.max(30, 18 * data.improvement.length),
          layer: [
            {
              mark: { type: 'rule', strokeWidth: 6, opacity: 0.4, color: '#4c78a8' },
              encoding: {
                y: { field: 'pair', type: 'nominal', title: null },
                x: { field: 'lo', type: 'quantitative', title: 'P(X > Y)', scale: { domain: [0, 1] } },
                x2: { field: 'hi' },
              },
            },
            {
              mark: { type: 'tick', thickness: 2, size: 12, color: '#222' },
              encoding: {
                y: { field: 'pair', type: 'nominal' },
                x: { field: 'value', type: 'quantitative' },
              },
            },
            {
              data: { values: [{ half: 0.5 }] },
              mark: { type: 'rule', strokeDash: [3, 3], color: '#888' },
              encoding: { x: { field: 'half', type: 'quantitative' } },
            },
          ],
        },
      ]
    : [];
  const captionParts = [
    `${opts.metric.title}: each run's final value`,
    'mean, median and IQM over runs with 95 % stratified-bootstrap CIs (Agarwal et al. 2021)',
    'n per variant in the legend',
  ];
  const caption = captionText(captionParts, opts.figureWidth, f.subtitle);
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleBlock(opts.title, caption, f),
    config: paperConfig(f, opts.print),
    resolve: { scale: { color: 'shared' }, legend: { color: 'shared' } },
    vconcat: [{ hconcat: [names, facets], spacing: 0 }, { hconcat: [profile, ...improvement] }],
  };
  return { spec, data };
}
