import { describe, expect, it } from 'vitest';
import {
  aggregate,
  intervalEstimate,
  iqm,
  percentile,
  performanceProfile,
  probabilityOfImprovement,
  probabilityOfImprovementInterval,
  trimMean,
} from './stats.ts';
import { Rng } from '../rng.ts';

// 7 runs × 3 tasks and 5 runs × 3 tasks. The expected values were computed with rliable's
// definitions in NumPy 2.4 / SciPy 1.17: scipy.stats.trim_mean(x, 0.25, axis=None),
// np.mean(np.mean(x, 0)), np.median(np.mean(x, 0)), mannwhitneyu(x[:, m], y[:, m],
// alternative='greater').statistic / (7·5) averaged over m, np.mean(x > τ), np.percentile.
const X = [
  [0.1, 0.9, 2.0],
  [0.4, 0.7, 1.5],
  [0.35, 0.2, 1.0],
  [0.8, 0.95, 3.0],
  [0.05, 0.5, 1.0],
  [0.6, 0.3, 2.5],
  [0.45, 0.85, 1.2],
];
const Y = [
  [0.2, 0.6, 1.0],
  [0.3, 0.65, 1.0],
  [0.1, 0.1, 2.0],
  [0.5, 0.7, 0.5],
  [0.45, 0.4, 1.5],
];

describe('statistics across seeds (rliable)', () => {
  it('aggregates as rliable does: IQM of all scores, mean and median of the per-task means', () => {
    expect(aggregate(X, 'iqm')).toBeCloseTo(0.740909090909091, 12);
    expect(aggregate(X, 'mean')).toBeCloseTo(0.9214285714285714, 12);
    expect(aggregate(X, 'median')).toBeCloseTo(0.6285714285714284, 12);
    expect(trimMean([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.1)).toBe(5.5);
    // the IQM ignores the outlier the mean follows
    expect(iqm([1, 2, 3, 4, 5, 6, 7, 8, 9, 100])).toBe(5.5);
    expect(() => aggregate([[1, 2], [3]], 'mean')).toThrow(/every run needs a score per task/);
    expect(() => aggregate([[NaN]], 'iqm')).toThrow(/not a finite score/);
  });

  it('percentiles interpolate linearly as numpy does', () => {
    const xs = [3, 1, 4, 1, 5, 9, 2, 6];
    expect(percentile(xs, 2.5)).toBeCloseTo(1, 12);
    expect(percentile(xs, 50)).toBeCloseTo(3.5, 12);
    expect(percentile(xs, 97.5)).toBeCloseTo(8.475, 12);
  });

  it('probability of improvement and performance profiles match the reference', () => {
    expect(probabilityOfImprovement(X, Y)).toBeCloseTo(0.6523809523809524, 12);
    expect(probabilityOfImprovement(X, X)).toBeCloseTo(0.5, 12);
    expect(performanceProfile(X, [0, 0.3, 0.5, 0.9, 2])).toEqual([1, 17 / 21, 13 / 21, 8 / 21, 2 / 21]);
    const p = probabilityOfImprovementInterval(X, Y, { reps: 500, seed: 1 });
    expect(p.lo).toBeLessThan(p.value);
    expect(p.hi).toBeGreaterThan(p.value);
    expect(p.lo).toBeGreaterThanOrEqual(0);
    expect(p.hi).toBeLessThanOrEqual(1);
  });

  it('bootstrap intervals are seeded, degenerate for constant scores, and near mean ± 1.96 s/√n for a large normal sample', () => {
    expect(intervalEstimate(X, 'iqm', { seed: 3 })).toEqual(intervalEstimate(X, 'iqm', { seed: 3 }));
    expect(intervalEstimate([[2], [2], [2]], 'mean')).toEqual({ value: 2, lo: 2, hi: 2 });
    const rng = new Rng(7);
    const sample = Array.from({ length: 400 }, () => [rng.normal()]);
    const m = sample.reduce((s, [v]) => s + v, 0) / sample.length;
    const sd = Math.sqrt(sample.reduce((s, [v]) => s + (v - m) ** 2, 0) / (sample.length - 1));
    const ci = intervalEstimate(sample, 'mean', { reps: 4000, seed: 1 });
    const half = (1.96 * sd) / Math.sqrt(sample.length);
    expect(ci.lo).toBeCloseTo(m - half, 1);
    expect(ci.hi).toBeCloseTo(m + half, 1);
    expect(Math.abs(ci.hi - ci.lo - 2 * half) / (2 * half)).toBeLessThan(0.1);
  });

  it('95 % intervals of the mean cover the true mean about 95 % of the time', () => {
    const rng = new Rng(11);
    let covered = 0;
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      const sample = Array.from({ length: 30 }, () => [rng.normal()]);
      const ci = intervalEstimate(sample, 'mean', { reps: 400, seed: t });
      if (ci.lo <= 0 && 0 <= ci.hi) covered++;
    }
    // The percentile bootstrap under-covers slightly at n = 30; 300 trials give ±2.5 % of noise.
    expect(covered / trials).toBeGreaterThan(0.88);
    expect(covered / trials).toBeLessThan(0.99);
  });
});
