/**
 * Numeric helpers behind the figures: TensorBoard-style smoothing, thinning long series, the mean /
 * min–max band over seeds that log at different x values, and learning curves across seeds with a
 * bootstrap confidence band on the seeds' common x range (stats.ts).
 */
import { sampleInterval, sampleStatistic, type Statistic } from './stats.ts';

/** A curve as parallel arrays, x ascending. */
export interface Series {
  x: number[];
  y: number[];
}

/**
 * Exponential moving average with TensorBoard's debiasing: `last = w·last + (1−w)·v`, reported as
 * `last / (1 − w^n)` after n points, so the start is not dragged toward 0 as a plain EMA seeded with 0
 * would be. Non-finite values are passed through unchanged and do not enter the average.
 * @param weight smoothing weight in [0, 1); 0 returns the input.
 * @throws RangeError if weight is outside [0, 1).
 */
export function emaSmooth(values: readonly number[], weight: number): number[] {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight must be in [0, 1), got ${weight}`);
  const out: number[] = new Array(values.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    n++;
    out[i] = weight === 0 ? v : last / (1 - weight ** n);
  }
  return out;
}

/**
 * Indices of at most `max` points spread evenly over `0..n−1`, always keeping the first and last (the
 * end of a trace and the final value of a curve are what readers look at).
 */
export function thinIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  if (max <= 1) return [n - 1];
  const out: number[] = [];
  let prev = -1;
  for (let k = 0; k < max; k++) {
    const i = Math.round((k * (n - 1)) / (max - 1));
    if (i !== prev) out.push(i);
    prev = i;
  }
  return out;
}

/** Linear interpolation of a series (x ascending) at `x`; undefined outside [x[0], x[last]]. */
export function interpolate(s: Series, x: number): number | undefined {
  const n = s.x.length;
  if (n === 0 || x < s.x[0] || x > s.x[n - 1]) return undefined;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (s.x[mid] <= x) lo = mid;
    else hi = mid;
  }
  if (s.x[lo] === x || lo === hi) return s.y[lo];
  if (s.x[hi] === x) return s.y[hi];
  const t = (x - s.x[lo]) / (s.x[hi] - s.x[lo]);
  return s.y[lo] + t * (s.y[hi] - s.y[lo]);
}

/** One x of the across-seed summary. `n` is how many seeds cover this x. */
export interface BandPoint {
  x: number;
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

/**
 * Mean and min–max over seeds. Seeds rarely log at identical env steps (and never at identical wall
 * times), so each seed is interpolated onto a common grid: the union of all logged x values, or
 * `maxPoints` evenly spaced x values when that union is larger. At each x only the seeds whose logged
 * range covers it are summarized, so a seed that ran longer extends the band instead of being cut.
 */
export function seedBand(seeds: readonly Series[], maxPoints = 400): BandPoint[] {
  const live = seeds.filter((s) => s.x.length > 0);
  if (live.length === 0) return [];
  const all = new Set<number>();
  for (const s of live) for (const x of s.x) all.add(x);
  let grid = [...all].sort((a, b) => a - b);
  if (grid.length > maxPoints) {
    const lo = grid[0];
    const hi = grid[grid.length - 1];
    grid = Array.from({ length: maxPoints }, (_, k) => lo + ((hi - lo) * k) / (maxPoints - 1));
  }
  const out: BandPoint[] = [];
  for (const x of grid) {
    let sum = 0;
    let n = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of live) {
      const v = interpolate(s, x);
      if (v === undefined) continue;
      sum += v;
      n++;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (n > 0) out.push({ x, mean: sum / n, lo, hi, n });
  }
  return out;
}

/** What the band around a curve across seeds shows. */
export const BANDS = ['ci95', 'minmax', 'none'] as const;
export type Band = (typeof BANDS)[number];

/** Words for a legend: "95 % bootstrap CI" etc. */
export const BAND_LABEL: Record<Band, string> = {
  ci95: '95 % stratified-bootstrap CI',
  minmax: 'min–max over seeds',
  none: 'no band',
};

/** One x of a curve across seeds: the statistic, its band, and the number of seeds `n`. */
export interface CurvePoint {
  x: number;
  value: number;
  lo: number;
  hi: number;
  n: number;
}

/**
 * A learning curve across seeds: each seed interpolated onto a common grid over the x range that
 * every seed covers (from the latest first x to the earliest last x), so that no seed ending early
 * makes the curve jump where it leaves (Agarwal et al. 2021 report curves on a common budget too);
 * at each x the statistic over seeds (mean, median or IQM) and the band: a 95 % stratified-bootstrap
 * percentile interval of that statistic (stats.ts), the min–max, or none.
 * @param opts.seed seed of the bootstrap (a figure redraws identically); opts.reps its replications
 */
export function seedCurve(
  seeds: readonly Series[],
  opts: { statistic: Statistic; band: Band; maxPoints?: number; reps?: number; seed?: number },
): CurvePoint[] {
  const live = seeds.filter((s) => s.x.length > 0);
  if (live.length === 0) return [];
  const from = Math.max(...live.map((s) => s.x[0]));
  const to = Math.min(...live.map((s) => s.x[s.x.length - 1]));
  if (!(to >= from)) return [];
  const all = new Set<number>();
  for (const s of live) for (const x of s.x) if (x >= from && x <= to) all.add(x);
  let grid = [...all].sort((a, b) => a - b);
  const maxPoints = opts.maxPoints ?? 400;
  if (grid.length > maxPoints)
    grid = Array.from({ length: maxPoints }, (_, k) => from + ((to - from) * k) / (maxPoints - 1));
  return grid.map((x, i) => {
    const ys = live.map((s) => interpolate(s, x)!);
    if (opts.band === 'ci95') {
      const ci = sampleInterval(ys, opts.statistic, { reps: opts.reps ?? 1000, seed: (opts.seed ?? 0) + i });
      return { x, value: ci.value, lo: ci.lo, hi: ci.hi, n: ys.length };
    }
    const value = sampleStatistic(ys, opts.statistic);
    if (opts.band === 'none') return { x, value, lo: value, hi: value, n: ys.length };
    return { x, value, lo: Math.min(...ys), hi: Math.max(...ys), n: ys.length };
  });
}

/**
 * A rounded-up limit for a symmetric axis extent: the smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 ×
 * 10^k that is ≥ v, so tick labels come out round. Non-positive or non-finite input gives 1.
 */
export function niceCeil(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    // The tolerance keeps float noise (0.30000000000000004) from bumping to the next step.
    // toPrecision: 6 × 0.1 is 0.6000000000000001 in floats, which would leak into tick labels.
    if (m * p >= v * (1 - 1e-12)) return +(m * p).toPrecision(12);
  }
  return 10 * p;
}

/**
 * Widens [lo, hi] outward to multiples of a 1-2-5 tick step (about `count` ticks), like d3's
 * `scale.nice()`. Needed because Vega does not nice a domain given explicitly, and shared axes have one.
 */
export function niceDomain(lo: number, hi: number, count = 4): [number, number] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [lo, hi];
  for (let pass = 0; pass < 2; pass++) {
    const raw = (hi - lo) / count;
    const power = 10 ** Math.floor(Math.log10(raw));
    const err = raw / power;
    const step = (err >= Math.sqrt(50) ? 10 : err >= Math.sqrt(10) ? 5 : err >= Math.SQRT2 ? 2 : 1) * power;
    // toPrecision strips float noise such as 1.5000000000000002 from the multiples.
    lo = +(Math.floor(lo / step) * step).toPrecision(12);
    hi = +(Math.ceil(hi / step) * step).toPrecision(12);
  }
  return [lo, hi];
}
