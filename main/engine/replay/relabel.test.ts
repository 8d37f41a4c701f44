import { describe, it, expect } from 'vitest';
import { Rng } from '../rng.ts';
import {
  checkRelabelSetting,
  drawGoalSlot,
  relabelCount,
  relabelRatio,
  relabelSlots,
  GOAL_SOURCES,
  type EpisodeIndex,
} from './relabel.ts';

/** A ring of capacity 10 holding episodes [8, 9, 0, 1] (T = 4, wrapping) and [2, 3, 4] (T = 3). */
function index(): EpisodeIndex {
  const epStart = new Int32Array(10);
  const epLength = new Int32Array(10);
  for (const s of [8, 9, 0, 1]) [epStart[s], epLength[s]] = [8, 4];
  for (const s of [2, 3, 4]) [epStart[s], epLength[s]] = [2, 3];
  return { capacity: 10, oldest: 8, size: 7, epStart, epLength };
}

/** Draws many goal slots for one transition and returns the set drawn. */
function drawn(strategy: 'final' | 'future' | 'episode' | 'random', slot: number): Set<number> {
  const rng = new Rng(1);
  const out = new Set<number>();
  for (let i = 0; i < 2000; i++) out.add(drawGoalSlot(strategy, slot, index(), rng));
  return out;
}

const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);

describe('relabel ratio 1 − 1/(k+1), deterministic split', () => {
  it('gives 0.8 for k = 4 and ⌊B·k/(k+1)⌋ rows', () => {
    expect(relabelRatio({ strategy: 'future', k: 4 })).toBeCloseTo(0.8, 12);
    expect(relabelCount(256, { strategy: 'future', k: 4 })).toBe(204);
    expect(relabelCount(256, { strategy: 'final', k: 1 })).toBe(128);
    expect(relabelCount(10, { strategy: 'episode', k: 4 })).toBe(8);
    expect(relabelCount(256, { strategy: 'future', k: 0 })).toBe(0);
    expect(relabelCount(256, { strategy: 'none', k: 4 })).toBe(0);
    expect(relabelRatio({ strategy: 'none', k: 4 })).toBe(0);
  });

  it('checks strategy and k', () => {
    expect(checkRelabelSetting('none', 7)).toEqual({ strategy: 'none', k: 0 });
    expect(() => checkRelabelSetting('fut', 4)).toThrow(/allowed: none, final, future, episode, random/);
    expect(() => checkRelabelSetting('future', -1)).toThrow(/integer ≥ 0/);
    expect(() => checkRelabelSetting('future', 1.5)).toThrow(/integer ≥ 0/);
  });
});

describe('exact index sets on a wrapping ring (goal = next achieved goal of the drawn slot)', () => {
  // Episode A = slots 8, 9, 0, 1 (steps 0..3); a drawn slot at step j gives g' = ag_{j+1}.
  it('future from step t draws steps t … T−1, i.e. ag_{t+1} … ag_T', () => {
    expect(sorted(drawn('future', 8))).toEqual([0, 1, 8, 9]);
    expect(sorted(drawn('future', 9))).toEqual([0, 1, 9]);
    expect(sorted(drawn('future', 0))).toEqual([0, 1]);
    expect(sorted(drawn('future', 1))).toEqual([1]);
    expect(sorted(drawn('future', 3))).toEqual([3, 4]);
  });

  it('final is the last step T−1 (ag_T)', () => {
    expect(sorted(drawn('final', 8))).toEqual([1]);
    expect(sorted(drawn('final', 0))).toEqual([1]);
    expect(sorted(drawn('final', 2))).toEqual([4]);
  });

  it('episode draws any step of the episode (ag_1 … ag_T)', () => {
    expect(sorted(drawn('episode', 0))).toEqual([0, 1, 8, 9]);
    expect(sorted(drawn('episode', 4))).toEqual([2, 3, 4]);
  });

  it('random draws any stored slot and never a free one', () => {
    expect(sorted(drawn('random', 4))).toEqual([0, 1, 2, 3, 4, 8, 9]);
  });

  it('refuses an invalid slot', () => {
    expect(() => drawGoalSlot('future', 6, index(), new Rng(0))).toThrow(/slot 6/);
  });
});

describe('relabelSlots', () => {
  it('relabels the first rows, keeps the rest, and counts per source', () => {
    const slots = Int32Array.from({ length: 10 }, (_, i) => [8, 9, 0, 1, 2, 3, 4][i % 7]);
    const out = relabelSlots(slots, { strategy: 'future', k: 4 }, index(), new Rng(2));
    expect(out.counts).toEqual({ original: 2, final: 0, future: 8, episode: 0, random: 0 });
    expect([...out.source]).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 0, 0]);
    expect(GOAL_SOURCES[out.source[0]]).toBe('future');
    expect([...out.goalSlot.subarray(8)]).toEqual([-1, -1]);
    expect([...out.goalSlot.subarray(0, 8)].every((s) => s >= 0)).toBe(true);
  });

  it('none relabels nothing', () => {
    const out = relabelSlots(Int32Array.of(8, 9, 2), { strategy: 'none', k: 4 }, index(), new Rng(2));
    expect(out.counts).toEqual({ original: 3, final: 0, future: 0, episode: 0, random: 0 });
    expect([...out.goalSlot]).toEqual([-1, -1, -1]);
    expect([...out.source]).toEqual([0, 0, 0]);
  });
});
