import { describe, expect, it } from 'vitest';
import { markerRadius, pathPositions, trailRange, TRAIL_SECONDS } from './skill_trails.ts';

describe('skill markers and trails in 3D (issue #13 B5)', () => {
  it('sizes an agent’s floor marker to the arena, within bounds', () => {
    expect(markerRadius(1)).toBeCloseTo(0.08); // a 2 m point-mass arena: a 16 cm disc, not a dot
    expect(markerRadius(0.1)).toBe(0.04);
    expect(markerRadius(50)).toBe(0.4);
    expect(markerRadius(Number.NaN)).toBeCloseTo(0.08);
  });

  it('lays an episode’s x-y path on a plane, one point per state', () => {
    const qpos = [
      [0, 0, 9],
      [0.1, -0.2, 9],
      [0.3, -0.1, 9],
    ];
    expect([...pathPositions(qpos, { coordDims: [0, 1] }, 0.01)].map((v) => +v.toFixed(4))).toEqual([
      0, 0, 0.01, 0.1, -0.2, 0.01, 0.3, -0.1, 0.01,
    ]);
  });

  it('shows the last seconds of path up to the timeline’s time', () => {
    const dt = 0.05;
    expect(trailRange(0, dt, 100)).toEqual({ start: 0, count: 1 });
    expect(trailRange(1, dt, 100)).toEqual({ start: 0, count: 21 });
    const late = trailRange(4.5, dt, 100);
    expect(late.start + late.count - 1).toBe(90);
    expect(late.count).toBe(Math.round(TRAIL_SECONDS / dt) + 1);
    expect(trailRange(99, dt, 100)).toEqual({ start: 99 - 60, count: 61 }); // clamped to the last state
    expect(trailRange(1, dt, 0)).toEqual({ start: 0, count: 0 });
  });
});
