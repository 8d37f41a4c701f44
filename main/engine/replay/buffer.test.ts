import { describe, it, expect } from 'vitest';
import { ReplayBuffer } from './buffer.ts';
import { Rng } from '../rng.ts';

const shape = { obsDim: 2, actDim: 1, skillDim: 3 };
function fill(buf: ReplayBuffer, n: number, from = 0) {
  for (let i = from; i < from + n; i++)
    buf.add(0, {
      obs: [i, -i],
      action: [i / 10],
      reward: i,
      nextObs: [i + 1, -i - 1],
      terminated: i % 7 === 0,
      skill: [i, 0, 1],
    });
}

describe('ReplayBuffer', () => {
  it('keeps the newest transitions in FIFO order', () => {
    const buf = new ReplayBuffer(5, shape);
    fill(buf, 8);
    expect(buf.size).toBe(5);
    const all = buf.all();
    expect(Array.from(all.reward)).toEqual([3, 4, 5, 6, 7]);
    expect(Array.from(all.obs.subarray(0, 2))).toEqual([3, -3]);
    expect(Array.from(all.terminated)).toEqual([0, 0, 0, 0, 1]);
  });

  it('samples rows that belong together', () => {
    const buf = new ReplayBuffer(100, shape);
    fill(buf, 50);
    const b = buf.sample(64, new Rng(0));
    for (let k = 0; k < b.size; k++) {
      const i = b.reward[k];
      expect(b.obs[2 * k]).toBe(i);
      expect(b.nextObs[2 * k]).toBe(i + 1);
      expect(b.skill[3 * k]).toBe(i);
      expect(b.action[k]).toBeCloseTo(i / 10);
    }
  });

  it('replaces rewards in insertion order and round-trips through arrays', () => {
    const buf = new ReplayBuffer(4, shape);
    fill(buf, 6);
    buf.replaceRewards(Float32Array.from([10, 11, 12, 13]));
    expect(Array.from(buf.all().reward)).toEqual([10, 11, 12, 13]);
    const copy = new ReplayBuffer(4, shape);
    copy.loadArrays(buf.toArrays());
    expect(copy.all()).toEqual(buf.all());
    expect(() => buf.replaceRewards(new Float32Array(3))).toThrow(/expected 4 rewards/);
  });

  it('a full, wrapped buffer comes back in the same ring rows and draws the same transitions', () => {
    const buf = new ReplayBuffer(5, shape);
    fill(buf, 8); // the next write goes to ring row 3
    const arrays = buf.toArrays();
    expect(Array.from(arrays['replay/cursor'].data)).toEqual([3]);
    const copy = new ReplayBuffer(5, shape);
    copy.loadArrays(arrays);
    expect(copy.sample(40, new Rng(4))).toEqual(buf.sample(40, new Rng(4)));
    fill(buf, 2, 8);
    fill(copy, 2, 8);
    expect(copy.all()).toEqual(buf.all());
    // A checkpoint without a cursor (earlier code) loads as if added oldest first.
    const { ['replay/cursor']: _c, ...old } = arrays;
    const fromOld = new ReplayBuffer(5, shape);
    fromOld.loadArrays(old);
    expect(Array.from(fromOld.all().reward)).toEqual([3, 4, 5, 6, 7]);
  });

  it('refuses to sample when empty', () => {
    expect(() => new ReplayBuffer(3, shape).sample(1, new Rng(0))).toThrow(/empty/);
  });
});
