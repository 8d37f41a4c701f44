import { describe, expect, it } from 'vitest';
import { benchGoalSampling, fetchSparseReward } from './bench.ts';

describe('benchGoalSampling', () => {
  it('fills the buffer and returns per-batch times (no speed assertion here)', () => {
    const r = benchGoalSampling({ transitions: 5000, iters: 20 });
    expect(r.size).toBe(5000);
    expect(Number.isFinite(r.medianMs) && r.medianMs > 0).toBe(true);
    expect(r.p95Ms).toBeGreaterThanOrEqual(r.medianMs);
    expect(r.bytes).toBeGreaterThan(5000 * 4 * 60);
    expect(() => benchGoalSampling({ transitions: 100, iters: 0 })).toThrow(/iters/);
  });

  it("uses Fetch's sparse reward: 0 within 5 cm, −1 beyond", () => {
    const out = fetchSparseReward(3)(
      Float32Array.of(0, 0, 0, 0, 0, 0),
      Float32Array.of(0.03, 0.03, 0, 0.05, 0.01, 0),
    );
    expect([...out.reward]).toEqual([0, -1]);
    expect([...out.success]).toEqual([1, 0]);
  });
});
