import { describe, it, expect } from 'vitest';
import { Rng } from './rng.ts';

describe('Rng', () => {
  it('replays from a seed and from a saved state', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    expect([a.uniform(), a.normal(), a.int(10)]).toEqual([b.uniform(), b.normal(), b.int(10)]);
    const state = a.getState();
    const next = [a.uniform(), a.normal(), a.normal()];
    const c = new Rng(0);
    c.setState(state);
    expect([c.uniform(), c.normal(), c.normal()]).toEqual(next);
    expect(new Rng(1).uniform()).not.toBe(new Rng(2).uniform());
  });

  it('has the right moments', () => {
    const r = new Rng(7);
    let s = 0;
    let s2 = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.02);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.03);
  });
});
