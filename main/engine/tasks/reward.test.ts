import { describe, expect, it } from 'vitest';
import { INFO_EE_OBJECT_DISTANCE, INFO_LIFT_HEIGHT, makeGoalReward, rewardInfoKeys } from './reward.ts';

const f32 = (...v: number[]) => Float32Array.from(v);

describe('batched goal reward', () => {
  it('sparse is −1 / 0 and dense is −distance, per row, achieved first', () => {
    const sparse = makeGoalReward('t', 3, [{ kind: 'sparse', weight: 1, threshold: 0.05 }], 0.05);
    const dense = makeGoalReward('t', 3, [{ kind: 'dense', weight: 1 }], 0.05);
    // Row 0: 3-4-0 triangle scaled to 0.5 m; row 1: 0.03 m off on z.
    const achieved = f32(0.3, 0.4, 0, 0, 0, 0.03);
    const desired = f32(0, 0, 0, 0, 0, 0);
    const s = sparse(achieved, desired);
    expect(Array.from(s.reward)).toEqual([-1, 0]);
    expect(Array.from(s.success)).toEqual([0, 1]);
    const d = dense(achieved, desired);
    expect(d.reward[0]).toBeCloseTo(-0.5, 6);
    expect(d.reward[1]).toBeCloseTo(-0.03, 6);
  });

  it('success and sparse reward switch exactly at the threshold (d < threshold succeeds)', () => {
    const ev = makeGoalReward('t', 2, [{ kind: 'sparse', weight: 1, threshold: 0.5 }], 0.5);
    // 0.5 is exact in float32; nudge one float either side.
    const below = Math.fround(0.5 - 2 ** -25);
    const above = Math.fround(0.5 + 2 ** -24);
    const r = ev(f32(below, 0, 0.5, 0, above, 0), f32(0, 0, 0, 0, 0, 0));
    expect(Array.from(r.success)).toEqual([1, 0, 0]);
    expect(Array.from(r.reward)).toEqual([0, -1, -1]);
  });

  it('adds weighted terms, reading ee-object and lift from info columns', () => {
    const terms = [
      { kind: 'sparse', weight: 2, threshold: 0.05 },
      { kind: 'dense', weight: 0.5 },
      { kind: 'ee-object', weight: 0.25 },
      { kind: 'lift', weight: 3, maxHeight: 0.1 },
    ] as const;
    expect(rewardInfoKeys([...terms])).toEqual([INFO_EE_OBJECT_DISTANCE, INFO_LIFT_HEIGHT]);
    const ev = makeGoalReward('t', 3, [...terms], 0.05);
    const r = ev(f32(0.1, 0, 0, 0, 0, 0), f32(0, 0, 0, 0, 0, 0.01), {
      [INFO_EE_OBJECT_DISTANCE]: f32(0.2, 0),
      [INFO_LIFT_HEIGHT]: f32(0.3, -0.05),
    });
    // Row 0: 2·(−1) + 0.5·(−0.1) + 0.25·(−0.2) + 3·min(0.3, 0.1) = −2 − 0.05 − 0.05 + 0.3
    expect(r.reward[0]).toBeCloseTo(-1.8, 6);
    // Row 1: 0 + 0.5·(−0.01) + 0 + 3·max(−0.05, 0)
    expect(r.reward[1]).toBeCloseTo(-0.005, 6);
  });

  it('rejects mismatched lengths and missing info columns', () => {
    const ev = makeGoalReward('push', 3, [{ kind: 'ee-object', weight: 1 }], 0.05);
    expect(() => ev(f32(0, 0, 0), f32(0, 0))).toThrow(
      /push: evaluate needs achieved and desired goals of equal length B\*3/,
    );
    expect(() => ev(f32(0, 0, 0), f32(0, 0, 0))).toThrow(
      /info column 'eeObjectDistance' of length 1 \(got none\)/,
    );
    expect(() => ev(f32(0, 0, 0), f32(0, 0, 0), { eeObjectDistance: f32(1, 2) })).toThrow(/got 2/);
  });
});
