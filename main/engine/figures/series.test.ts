import { describe, expect, it } from 'vitest';
import { emaSmooth, interpolate, niceCeil, niceDomain, seedBand, seedCurve, thinIndices } from './series.ts';
import { textWidth } from './fonts.ts';

describe('emaSmooth', () => {
  it('matches a hand-computed debiased EMA', () => {
    // w = 0.5: last = 0.5, 1.25, 2.125; debias by 1 − 0.5^n = 0.5, 0.75, 0.875.
    const s = emaSmooth([1, 2, 3], 0.5);
    expect(s[0]).toBeCloseTo(1, 12);
    expect(s[1]).toBeCloseTo(1.25 / 0.75, 12);
    expect(s[2]).toBeCloseTo(2.125 / 0.875, 12);
  });

  it('leaves a constant series unchanged (no pull toward 0 at the start)', () => {
    for (const v of emaSmooth(new Array(20).fill(3.5), 0.9)) expect(v).toBeCloseTo(3.5, 12);
  });

  it('is the identity at weight 0 and lags a step at high weight', () => {
    expect(emaSmooth([4, -1, 7], 0)).toEqual([4, -1, 7]);
    const step = emaSmooth([...new Array(10).fill(0), ...new Array(10).fill(1)], 0.6);
    expect(step[10]).toBeGreaterThan(0);
    expect(step[10]).toBeLessThan(1);
    expect(step[19]).toBeGreaterThan(step[10]);
  });

  it('passes non-finite values through without poisoning later points', () => {
    const s = emaSmooth([1, NaN, 1, Infinity, 1], 0.6);
    expect(Number.isNaN(s[1])).toBe(true);
    expect(s[3]).toBe(Infinity);
    expect(s[4]).toBeCloseTo(1, 12);
  });

  it('rejects weights outside [0, 1)', () => {
    expect(() => emaSmooth([1], 1)).toThrow(RangeError);
    expect(() => emaSmooth([1], -0.1)).toThrow(/\[0, 1\)/);
    expect(() => emaSmooth([1], NaN)).toThrow(RangeError);
  });
});

describe('thinIndices', () => {
  it('keeps everything when short enough', () => {
    expect(thinIndices(5, 10)).toEqual([0, 1, 2, 3, 4]);
  });
  it('keeps at most max indices, first and last included, ascending', () => {
    const idx = thinIndices(1000, 100);
    expect(idx.length).toBeLessThanOrEqual(100);
    expect(idx[0]).toBe(0);
    expect(idx[idx.length - 1]).toBe(999);
    for (let i = 1; i < idx.length; i++) expect(idx[i]).toBeGreaterThan(idx[i - 1]);
  });
});

describe('interpolate and seedBand', () => {
  it('interpolates linearly and refuses to extrapolate', () => {
    const s = { x: [0, 10, 20], y: [0, 10, 0] };
    expect(interpolate(s, 5)).toBe(5);
    expect(interpolate(s, 15)).toBe(5);
    expect(interpolate(s, 20)).toBe(0);
    expect(interpolate(s, 21)).toBeUndefined();
  });

  it('summarizes seeds logged at different x, counting only seeds that cover each x', () => {
    const a = { x: [0, 10, 20], y: [0, 1, 2] };
    const b = { x: [5, 15, 25, 35], y: [2, 2, 2, 2] };
    const band = seedBand([a, b]);
    const at = (x: number) => band.find((p) => p.x === x);
    expect(at(0)).toEqual({ x: 0, mean: 0, lo: 0, hi: 0, n: 1 });
    expect(at(10)).toEqual({ x: 10, mean: 1.5, lo: 1, hi: 2, n: 2 });
    expect(at(35)).toEqual({ x: 35, mean: 2, lo: 2, hi: 2, n: 1 });
    for (const p of band) {
      expect(p.lo).toBeLessThanOrEqual(p.mean);
      expect(p.mean).toBeLessThanOrEqual(p.hi);
    }
  });

  it('caps the grid for long, misaligned series', () => {
    const mk = (off: number) => ({
      x: Array.from({ length: 5000 }, (_, i) => i * 3 + off),
      y: Array.from({ length: 5000 }, (_, i) => i),
    });
    const band = seedBand([mk(0), mk(1), mk(2)], 300);
    expect(band.length).toBeLessThanOrEqual(300);
    expect(band[band.length - 1].x).toBe(4999 * 3 + 2);
  });
});

describe('axis helpers', () => {
  it('niceCeil rounds up to a round limit', () => {
    expect(niceCeil(0.945)).toBe(1);
    expect(niceCeil(1.05)).toBe(1.2);
    expect(niceCeil(3.3)).toBe(4);
    expect(niceCeil(12)).toBe(12);
    expect(niceCeil(0)).toBe(1);
  });

  it('niceDomain widens to 1-2-5 multiples', () => {
    expect(niceDomain(-0.709, 1.339, 4)).toEqual([-1, 1.5]);
    expect(niceDomain(0.13, 0.97, 4)).toEqual([0, 1]);
    expect(niceDomain(2, 2)).toEqual([2, 2]);
  });
});

describe('font metrics', () => {
  it('reads DejaVu Sans advance widths from the shipped TTF', () => {
    // H .752 + e .615 + l .278 + l .278 + o .612 em in DejaVu Sans.
    expect(textWidth('Hello', 10)).toBeCloseTo(25.35, 1);
    expect(textWidth('Hello', 10, true)).toBeGreaterThan(textWidth('Hello', 10));
    expect(textWidth('', 12)).toBe(0);
  });

  it('seedCurve: the statistic over seeds on their common range, with a bootstrap, min–max or no band', () => {
    const seeds = [
      { x: [0, 1, 2, 3], y: [0, 1, 2, 3] },
      { x: [0, 1, 2], y: [0, 2, 4] },
      { x: [0.5, 1.5, 2.5], y: [1, 1, 1] },
    ];
    const minmax = seedCurve(seeds, { statistic: 'mean', band: 'minmax' });
    expect(minmax.map((p) => p.x)).toEqual([0.5, 1, 1.5, 2]);
    expect(minmax.every((p) => p.n === 3)).toBe(true);
    expect(minmax[1]).toEqual({ x: 1, value: (1 + 2 + 1) / 3, lo: 1, hi: 2, n: 3 });
    const ci = seedCurve(seeds, { statistic: 'iqm', band: 'ci95', seed: 1 });
    for (const p of ci) {
      expect(p.lo).toBeLessThanOrEqual(p.value);
      expect(p.hi).toBeGreaterThanOrEqual(p.value);
    }
    expect(seedCurve(seeds, { statistic: 'iqm', band: 'ci95', seed: 1 })).toEqual(ci);
    const none = seedCurve(seeds, { statistic: 'median', band: 'none' });
    expect(none[1]).toEqual({ x: 1, value: 1, lo: 1, hi: 1, n: 3 });
    expect(
      seedCurve(
        [
          { x: [0, 1], y: [0, 0] },
          { x: [2, 3], y: [0, 0] },
        ],
        { statistic: 'mean', band: 'none' },
      ),
    ).toEqual([]);
  });
});
