/**
 * The aggregate figure of a metric's final scores across seeds, as rliable draws it (Agarwal et al.
 * 2021, Figs. 1, 5, 8): per variant the mean, median and IQM with 95 % stratified-bootstrap
 * intervals; the performance profile (fraction of runs scoring above τ); and the probability of
 * improvement P(X > Y) between every pair of variants with its interval. The three statistics in a
 * row with the variants named at its left, the profile and the improvement below it: side by side
 * where they fit at a readable size (two columns), else one above the other (one column), with the
 * variants keyed by letter ("P(A > B)", the legend naming A) where their names do not fit in full.
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
import { textWidth } from './fonts.ts';
import { captionText, paperConfig, titleBlock, variantColor, wrapParts } from './paper_style.ts';

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

/** How the aggregate figure is laid out at a width: see {@link aggregateLayout}. */
export interface AggregateLayout {
  /** The profile and the improvement one above the other, not side by side. */
  stacked: boolean;
  /** Variants named by a letter key ("A") where the full names do not fit; the legend maps them. */
  keyed: boolean;
  /** How fast the figure widens with the panel width (the panels per row that grow with it). */
  columns: number;
}

/** Letter keys of variants: A … Z, then AA, AB, … */
function keyOf(i: number): string {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return i < 26 ? letters[i] : keyOf(Math.floor(i / 26) - 1) + letters[i % 26];
}

/** Smallest readable panel widths (px = pt), and the room an axis with labels and title takes. */
const MIN_STATISTIC = 55;
const MIN_PANEL = 110;
const AXIS_ROOM = 32;

/**
 * The layout of the aggregate figure at a fixed width: the three statistics in a row with the
 * variants named at their left, then the profile and the probability of improvement side by side
 * when they fit at a readable size, else one above the other; variants are named in full where the
 * names fit, else by a letter key ("A: DIAYN sac.lr=0.001 (n=5)" in the legend, "P(A > B)").
 * Without a fixed width: side by side, names in full.
 */
export function aggregateLayout(
  variants: readonly VariantScores[],
  opts: Pick<AggregateOptions, 'figureWidth' | 'print'>,
): AggregateLayout {
  const f = FONT[opts.print ? 'print' : 'screen'];
  const W = opts.figureWidth;
  const pairs = variants.length > 1;
  const columnsOf = (stacked: boolean) => (pairs && !stacked ? 2 : 1);
  if (!W) return { stacked: false, keyed: false, columns: columnsOf(false) };
  const spacing = opts.print ? 10 : 20;
  const full = variants.map((v) => `${v.label} (n=${v.scores.length})`);
  const names = (keyed: boolean) =>
    keyed
      ? namesColumnWidth(
          full.map((l, i) => `${keyOf(i)}: ${l}`),
          W,
          f.label,
        )
      : namesWidth(full, f.label);
  const pairWidth = (keyed: boolean) => {
    if (!pairs) return 0;
    const n = variants.length;
    const labels = [];
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++)
        labels.push(
          keyed ? `P(${keyOf(i)} > ${keyOf(j)})` : `P(${variants[i].label} > ${variants[j].label})`,
        );
    return Math.max(...labels.map((l) => textWidth(l, f.label))) + 8;
  };
  const fits = (stacked: boolean, keyed: boolean) => {
    const row1 = names(keyed) + STATISTICS.length * MIN_STATISTIC + (STATISTICS.length - 1) * spacing;
    const profile = AXIS_ROOM + MIN_PANEL;
    const improvement = pairs ? pairWidth(keyed) + MIN_PANEL : 0;
    const row2 = stacked ? Math.max(profile, improvement) : profile + (pairs ? 20 + improvement : 0);
    // Full names are not cut: at most a third of the width beside the statistics. The rows share
    // their left edge, with the profile's axis hanging left of it.
    const namesFit = keyed || names(false) <= W / 3;
    return namesFit && AXIS_ROOM + row1 <= W && row2 <= W;
  };
  // Side by side where it fits, the names in full if they do; the last resort stacked and keyed.
  const tries = [
    [false, false],
    [false, true],
    [true, false],
  ] as const;
  const [stacked, keyed] = tries.find(([st, k]) => fits(st, k)) ?? [true, true];
  return { stacked, keyed, columns: columnsOf(stacked) };
}

/** The width of the names column for names in full. */
function namesWidth(labels: readonly string[], fontSize: number): number {
  return Math.max(...labels.map((l) => textWidth(l, fontSize))) + 6;
}

/** The names column of a keyed figure: the keyed names when they fit a third of the width, else the keys. */
function namesColumnWidth(keyedNames: readonly string[], width: number, fontSize: number): number {
  const w = namesWidth(keyedNames, fontSize);
  return w <= width / 3
    ? w
    : namesWidth(
        keyedNames.map((l) => l.slice(0, l.indexOf(':'))),
        fontSize,
      );
}

/** The Vega-Lite spec of the aggregate figure and the data it plots. */
export function aggregateSpec(
  variants: readonly VariantScores[],
  opts: AggregateOptions,
): { spec: object; data: AggregateData; layout: AggregateLayout } {
  if (variants.length === 0) throw new RangeError('aggregate figure: no variants');
  const data = aggregateData(variants, opts.bootstrap);
  const f = FONT[opts.print ? 'print' : 'screen'];
  const layout = aggregateLayout(variants, opts);
  // Whole pixels: Vega places the facets' panels at whole pixels, so fractional widths would step.
  const panel = opts.panelWidth ?? 260;
  const w = Math.floor(panel);
  const W = opts.figureWidth;
  const full = variants.map((v) => `${v.label} (n=${v.scores.length})`);
  // The colour domain and legend: the names in full, prefixed by their key when keyed.
  const labels = layout.keyed ? full.map((l, i) => `${keyOf(i)}: ${l}`) : full;
  const keyOfLabel = new Map(variants.map((v, i) => [v.label, keyOf(i)]));
  const nameOf = new Map(variants.map((v, i) => [v.label, labels[i]]));
  // The names left of the statistics: in full (with the key when keyed) where they fit, else keys.
  const yLabelWidth = layout.keyed
    ? namesColumnWidth(labels, W ?? Infinity, f.label)
    : Math.min(namesWidth(labels, f.label), W ? W / 3 : 180);
  const shownName = (l: string) =>
    layout.keyed && namesWidth([l], f.label) > yLabelWidth ? l.slice(0, l.indexOf(':')) : l;
  const unit = opts.metric.unit ?? opts.metric.title;
  const spacing = opts.print ? 10 : 20;
  const pairOf = (x: string, y: string) =>
    layout.keyed ? `P(${keyOfLabel.get(x)} > ${keyOfLabel.get(y)})` : `P(${x} > ${y})`;
  const improvementValues = data.improvement.map((d) => ({ ...d, pair: pairOf(d.x, d.y) }));
  const pairWidth = improvementValues.length
    ? Math.ceil(Math.max(...improvementValues.map((d) => textWidth(d.pair, f.label)))) + 8
    : 0;
  // The legend starts at the rows' left edge, right of the axes hanging left of it (the profile's;
  // stacked, the improvement's pair names too): a name wider than what is left of the width is
  // broken into lines between its words, and as many entries share a row as fit.
  const hang = Math.max(AXIS_ROOM, layout.stacked ? pairWidth : 0);
  const legendLabelLimit = W ? W - hang - 4 - 20 : 0;
  const legendLines = labels.map((l) => (W ? wrapParts([l], legendLabelLimit, f.label) : [l]));
  const legendWidth = Math.max(...legendLines.flat().map((l) => textWidth(l, f.label)));
  const legendColumns = W
    ? Math.max(1, Math.min(labels.length, Math.floor((W - hang - 4) / (legendWidth + 24))))
    : undefined;
  const wrapped = labels.map((l, i) => [l, legendLines[i]] as const).filter(([, lines]) => lines.length > 1);
  const labelExpr = wrapped.length
    ? wrapped.reduceRight(
        (rest, [l, lines]) => `datum.label === ${JSON.stringify(l)} ? ${JSON.stringify(lines)} : ${rest}`,
        'datum.label',
      )
    : undefined;
  const color = variantColor(labels, {
    labelFontSize: f.label,
    ...(legendColumns !== undefined ? { columns: legendColumns, labelLimit: 0 } : {}),
    ...(labelExpr ? { labelExpr } : {}),
    ...(opts.print ? { symbolSize: 50, columnPadding: 10, rowPadding: 2 } : {}),
  });
  // The rows share their left edge, axes hanging left of it. The statistics row (names, then the
  // three panels) spans the row below: side by side the profile and the improvement (its pair names
  // left of it, 20 apart), stacked the profile alone, with the improvement as wide. So the figure's
  // width is affine in the panel width.
  const sideBySide = !layout.stacked && improvementValues.length > 0;
  // Side by side the two panels together are 2 × panel wide to the pixel, so every width is reached.
  const improvementWidth = sideBySide ? Math.round(2 * panel) - w : w;
  const below = sideBySide ? w + 20 + pairWidth + improvementWidth : w;
  const statisticWidth = Math.floor(
    (below - yLabelWidth - (STATISTICS.length - 1) * spacing) / STATISTICS.length,
  );
  // The names column takes what the whole panels leave.
  const namesColumn = below - STATISTICS.length * statisticWidth - (STATISTICS.length - 1) * spacing;
  const intervals = data.intervals.map((d) => ({ ...d, variant: nameOf.get(d.variant) }));
  const rowStep = opts.print ? 14 : 18;
  const height = Math.max(opts.print ? 30 : 40, rowStep * variants.length);
  // The names are a view of their own, not the facet's y axis: an axis hangs left of its view's
  // origin, and the rows of the figure align their origins, which would push the panels below right.
  const names = {
    data: { values: labels.map((variant) => ({ variant, name: shownName(variant) })) },
    width: namesColumn,
    height,
    view: { stroke: null },
    mark: { type: 'text', align: 'right', baseline: 'middle', fontSize: f.label, limit: yLabelWidth },
    encoding: {
      y: { field: 'variant', type: 'nominal', sort: labels, axis: null },
      x: { value: namesColumn - 2 },
      text: { field: 'name' },
    },
  };
  const facets = {
    data: { values: intervals },
    // One axis title under the three statistics, not one per panel (they would run into each other).
    title: {
      text: unit,
      orient: 'bottom',
      anchor: 'middle',
      fontSize: f.axisTitle,
      fontWeight: 'bold',
      offset: 2,
    },
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
          mark: { type: 'rule', strokeWidth: opts.print ? 5 : 6, opacity: 0.35 },
          encoding: {
            y: { field: 'variant', type: 'nominal', title: null, sort: labels, axis: null },
            x: {
              field: 'lo',
              type: 'quantitative',
              title: null,
              // a few px inside the frame at either end, so an interval at the end is drawn whole
              scale: { zero: false, nice: true, padding: 4 },
              axis: { tickCount: Math.max(2, Math.round(statisticWidth / 30)), labelOverlap: true },
            },
            x2: { field: 'hi' },
            color,
          },
        },
        {
          mark: { type: 'tick', thickness: 2, size: opts.print ? 10 : 12 },
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
    height: Math.min(opts.print ? 150 : 200, Math.round(w * 0.6)),
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
    encoding: {
      x: {
        field: 'tau',
        type: 'quantitative',
        title: `τ: ${unit}`,
        scale: { zero: false },
        axis: { tickCount: Math.max(2, Math.round(w / 40)), labelOverlap: true },
      },
      y: {
        field: 'fraction',
        type: 'quantitative',
        title: 'fraction of runs > τ',
        scale: { domain: [0, 1] },
        axis: { tickCount: 5 },
      },
      color,
    },
  };
  const pairSort = improvementValues.map((d) => d.pair);
  const improvement = improvementValues.length
    ? [
        {
          title: { text: 'probability of improvement', fontSize: f.header },
          data: { values: improvementValues },
          width: improvementWidth,
          height: Math.max(opts.print ? 24 : 30, rowStep * improvementValues.length),
          layer: [
            {
              mark: { type: 'rule', strokeWidth: opts.print ? 5 : 6, opacity: 0.4, color: '#4c78a8' },
              encoding: {
                y: { field: 'pair', type: 'nominal', title: null, sort: pairSort, axis: { labelLimit: 0 } },
                x: {
                  field: 'lo',
                  type: 'quantitative',
                  title: 'P(X > Y)',
                  scale: { domain: [0, 1] },
                  axis: { tickCount: Math.max(2, Math.min(5, Math.round(improvementWidth / 30))) },
                },
                x2: { field: 'hi' },
              },
            },
            {
              mark: { type: 'tick', thickness: 2, size: opts.print ? 10 : 12, color: '#222' },
              encoding: {
                y: { field: 'pair', type: 'nominal', sort: pairSort },
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
    layout.keyed ? 'variants by letter and n per variant in the legend' : 'n per variant in the legend',
  ];
  // Wrapped a few px short of the width: Vega rounds the figure's bounds out to whole pixels.
  const caption = captionText(captionParts, W && W - 4, f.subtitle);
  const titleText: string | string[] | undefined =
    opts.title && W ? wrapParts(opts.title.split('; '), W - 8, f.title, true) : opts.title;
  const rows = layout.stacked
    ? [{ hconcat: [names, facets], spacing: 0 }, profile, ...improvement]
    : [{ hconcat: [names, facets], spacing: 0 }, { hconcat: [profile, ...improvement] }];
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleBlock(titleText, caption, f),
    config: {
      ...paperConfig(f, opts.print, {
        axis: opts.print ? { titlePadding: 3, labelPadding: 2, tickSize: 3 } : {},
        header: opts.print ? { labelPadding: 3 } : {},
      }),
      // x labels inside their panel's ends: none hangs past the figure's edge or into the next panel
      ...(opts.print ? { axisX: { labelFlush: true, labelOverlap: true, labelSeparation: 4 } } : {}),
    },
    resolve: { scale: { color: 'shared' }, legend: { color: 'shared' } },
    ...(opts.print ? { spacing: 12 } : {}),
    vconcat: rows,
  };
  return { spec, data, layout };
}
