/**
 * Statistics across seeds for figures a paper can print, following rliable's practice (Agarwal et
 * al. 2021, "Deep Reinforcement Learning at the Edge of the Statistical Precipice", NeurIPS):
 * interval estimates, not point estimates.
 *
 * Scores are matrices `runs × tasks` (scores[n][m]: run n's score on task m; one task when a figure
 * compares variants on one task). The aggregates are rliable's (rliable/metrics.py):
 * - mean: the mean over tasks of each task's mean over runs;
 * - median: the median over tasks of the per-task means;
 * - IQM: the interquartile mean, the 25 % trimmed mean of all runs × tasks scores (scipy's
 *   `trim_mean(…, 0.25)`: ⌊0.25·N⌋ values cut at each end after sorting).
 * Confidence intervals are percentile intervals of the stratified bootstrap (rliable's
 * StratifiedBootstrap: runs are resampled with replacement within each task; Efron & Tibshirani
 * 1993, ch. 13). Probability of improvement P(X > Y) is the Mann–Whitney U statistic over nx·ny per
 * task (ties count ½), averaged over tasks; performance profiles are the fraction of run × task
 * scores above each threshold τ (rliable's run-score distribution).
 *
 * Browser-safe (no Node built-ins): the workbench's figure builder computes the same numbers.
 */
import { Rng } from '../rng.ts';

/** The aggregate statistics a figure can show. */
export const STATISTICS = ['mean', 'median', 'iqm'] as const;
export type Statistic = (typeof STATISTICS)[number];

/** Human names, for legends and axis titles. */
export const STATISTIC_LABEL: Record<Statistic, string> = {
  mean: 'mean',
  median: 'median',
  iqm: 'IQM',
};

/** Scores of one variant: `runs × tasks`. */
export type ScoreMatrix = readonly (readonly number[])[];

function assertMatrix(scores: ScoreMatrix, what = 'scores'): void {
  if (scores.length === 0) throw new RangeError(`${what}: no runs`);
  const tasks = scores[0].length;
  if (tasks === 0) throw new RangeError(`${what}: no tasks`);
  for (const row of scores) {
    if (row.length !== tasks) throw new RangeError(`${what}: every run needs a score per task (${tasks})`);
    for (const v of row) if (!Number.isFinite(v)) throw new RangeError(`${what}: ${v} is not a finite score`);
  }
}

/** Arithmetic mean; NaN for no values. */
export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length ? s / xs.length : NaN;
}

/** Median (mean of the two middle values for an even count); NaN for no values. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * The mean after cutting ⌊p·N⌋ of the sorted values at each end (scipy.stats.trim_mean).
 * @param p proportion cut at each end, in [0, 0.5)
 */
export function trimMean(xs: readonly number[], p: number): number {
  if (!(p >= 0 && p < 0.5)) throw new RangeError(`trim proportion must be in [0, 0.5), got ${p}`);
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const cut = Math.floor(p * s.length);
  return mean(s.slice(cut, s.length - cut));
}

/** Interquartile mean: the 25 % trimmed mean. */
export function iqm(xs: readonly number[]): number {
  return trimMean(xs, 0.25);
}

/**
 * An aggregate of a `runs × tasks` score matrix as rliable defines it (see the file comment).
 * @throws RangeError for an empty or ragged matrix or a non-finite score
 */
export function aggregate(scores: ScoreMatrix, statistic: Statistic): number {
  assertMatrix(scores);
  if (statistic === 'iqm') return iqm(scores.flat());
  const taskMeans = scores[0].map((_, m) => mean(scores.map((row) => row[m])));
  return statistic === 'mean' ? mean(taskMeans) : median(taskMeans);
}

/**
 * The p-th percentile (0–100) with linear interpolation between order statistics (numpy's default,
 * which arch's percentile intervals use).
 */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const r = (p / 100) * (s.length - 1);
  const lo = Math.floor(r);
  const hi = Math.ceil(r);
  return s[lo] + (r - lo) * (s[hi] - s[lo]);
}

/** The percentile interval of a bootstrap distribution at confidence `level` (default 0.95) around `value`. */
function percentileInterval(value: number, dist: readonly number[], level = 0.95): Interval {
  const tail = ((1 - level) / 2) * 100;
  return { value, lo: percentile(dist, tail), hi: percentile(dist, 100 - tail) };
}

/** How a bootstrap is drawn. */
export interface BootstrapOptions {
  /** Bootstrap replications (rliable's default is 50,000; 2,000 is plenty for a 95 % interval's ends). */
  reps?: number;
  /** Seed of the resampling, so a figure redraws identically. */
  seed?: number;
  /** Confidence level, e.g. 0.95. */
  level?: number;
}

/** A point estimate with its confidence interval. */
export interface Interval {
  value: number;
  lo: number;
  hi: number;
}

/**
 * The stratified bootstrap's distribution of `stat`: each replication resamples the runs with
 * replacement within each task (rliable's StratifiedBootstrap, task_bootstrap=False).
 */
export function stratifiedBootstrap(
  scores: ScoreMatrix,
  stat: (resampled: number[][]) => number,
  opts: { reps?: number; seed?: number } = {},
): number[] {
  assertMatrix(scores);
  const reps = opts.reps ?? 2000;
  const rng = new Rng(opts.seed ?? 0);
  const n = scores.length;
  const tasks = scores[0].length;
  const out = new Array<number>(reps);
  const sample: number[][] = Array.from({ length: n }, () => new Array<number>(tasks));
  for (let r = 0; r < reps; r++) {
    for (let m = 0; m < tasks; m++)
      for (let i = 0; i < n; i++) sample[i][m] = scores[rng.nextUint32() % n][m];
    out[r] = stat(sample);
  }
  return out;
}

/**
 * An aggregate with its stratified-bootstrap percentile confidence interval (rliable's
 * get_interval_estimates).
 * @throws RangeError as {@link aggregate}
 */
export function intervalEstimate(
  scores: ScoreMatrix,
  statistic: Statistic,
  opts: BootstrapOptions = {},
): Interval {
  const value = aggregate(scores, statistic);
  if (scores.length < 2) return { value, lo: value, hi: value };
  return percentileInterval(
    value,
    stratifiedBootstrap(scores, (s) => aggregate(s, statistic), opts),
    opts.level,
  );
}

/** The statistic of one sample (seeds of one variant at one x): its mean, median or IQM. */
export function sampleStatistic(xs: readonly number[], statistic: Statistic): number {
  return statistic === 'mean' ? mean(xs) : statistic === 'median' ? median(xs) : iqm(xs);
}

/**
 * The statistic of one sample with a bootstrap percentile interval (the sample resampled with
 * replacement; one stratum, so the stratified bootstrap of a single task).
 */
export function sampleInterval(
  xs: readonly number[],
  statistic: Statistic,
  opts: BootstrapOptions = {},
): Interval {
  const value = sampleStatistic(xs, statistic);
  if (xs.length < 2) return { value, lo: value, hi: value };
  const dist = stratifiedBootstrap(
    xs.map((x) => [x]),
    (s) =>
      sampleStatistic(
        s.map((row) => row[0]),
        statistic,
      ),
    opts,
  );
  return percentileInterval(value, dist, opts.level);
}

/**
 * P(X > Y): per task the probability that a run of X scores above a run of Y (Mann–Whitney U over
 * nx·ny; ties count ½), averaged over tasks (rliable's probability_of_improvement).
 * @throws RangeError for mismatched task counts
 */
export function probabilityOfImprovement(x: ScoreMatrix, y: ScoreMatrix): number {
  assertMatrix(x, 'x');
  assertMatrix(y, 'y');
  const tasks = x[0].length;
  if (y[0].length !== tasks) throw new RangeError(`x has ${tasks} tasks, y ${y[0].length}`);
  let total = 0;
  for (let m = 0; m < tasks; m++) {
    let u = 0;
    for (const rx of x) for (const ry of y) u += rx[m] > ry[m] ? 1 : rx[m] === ry[m] ? 0.5 : 0;
    total += u / (x.length * y.length);
  }
  return total / tasks;
}

/**
 * P(X > Y) with a percentile interval from resampling X's and Y's runs independently within each
 * task (rliable's StratifiedIndependentBootstrap).
 */
export function probabilityOfImprovementInterval(
  x: ScoreMatrix,
  y: ScoreMatrix,
  opts: BootstrapOptions = {},
): Interval {
  const value = probabilityOfImprovement(x, y);
  const reps = opts.reps ?? 2000;
  const rng = new Rng(opts.seed ?? 0);
  const resample = (s: ScoreMatrix) => {
    const tasks = s[0].length;
    return s.map(() => Array.from({ length: tasks }, (_, m) => s[rng.nextUint32() % s.length][m]));
  };
  const dist = Array.from({ length: reps }, () => probabilityOfImprovement(resample(x), resample(y)));
  return percentileInterval(value, dist, opts.level);
}

/**
 * A performance profile: at each threshold τ the fraction of run × task scores above τ (rliable's
 * run-score distribution, Agarwal et al. 2021 §4.1).
 */
export function performanceProfile(scores: ScoreMatrix, taus: readonly number[]): number[] {
  assertMatrix(scores);
  const all = scores.flat();
  return taus.map((t) => all.filter((v) => v > t).length / all.length);
}
