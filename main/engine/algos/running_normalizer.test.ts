import { describe, it, expect } from 'vitest';
import { RunningNormalizer } from './running_normalizer.ts';

describe('RunningNormalizer (baselines her/normalizer.py)', () => {
  it('normalizes by running mean and std with ε and clips to ±clip', () => {
    const norm = new RunningNormalizer(2, 0.01, 5);
    const out = new Float32Array(6);
    norm.normalizeInto(Float32Array.of(3, 4), out, 3, 1); // no data yet: identity
    expect([...out]).toEqual([0, 3, 4, 0, 0, 0]);
    norm.update(Float32Array.of(1, 5, 3, 5)); // column 0: mean 2, std 1; column 1: constant → std ε
    norm.normalizeInto(Float32Array.of(4, 5, 2, 5.01), out, 3, 0);
    expect(out[0]).toBeCloseTo(2, 6);
    expect(out[1]).toBeCloseTo(0, 6);
    expect(out[3]).toBeCloseTo(0, 6);
    expect(out[4]).toBeCloseTo(1, 3); // (5.01 − 5) / 0.01
    norm.normalizeInto(Float32Array.of(100, -100), out, 3, 0);
    expect([out[0], out[1]]).toEqual([5, -5]);
  });

  it('restores its exact state', () => {
    const a = new RunningNormalizer(3, 0.01, 5);
    a.update(Float32Array.from({ length: 30 }, (_, i) => Math.sin(i) * 0.1 + 1 / 3));
    const b = new RunningNormalizer(3, 0.01, 5);
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    const x = Float32Array.of(0.3, 0.1, 0.7);
    const [oa, ob] = [new Float32Array(3), new Float32Array(3)];
    a.normalizeInto(x, oa, 3, 0);
    b.normalizeInto(x, ob, 3, 0);
    expect(ob).toEqual(oa);
    expect(() => b.setState({ sum: [0], sumSq: [0], n: 1 })).toThrow(/wrong length/);
  });
});
