import { describe, it, expect } from 'vitest';
import { Rng } from '../rng.ts';
import { ReplayBuffer, type Transition, type TransitionBatch } from './buffer.ts';
import { GoalReplayBuffer, type GoalBatch, type GoalTransition } from './goal_buffer.ts';
import { ColumnTable, type ReplayStore } from './store.ts';

/**
 * What any {@link ReplayStore} must do, written once against the interface: `rows` steps of env 0
 * (step i made by `row(i)`, the last one ending the episode) go in; `key(batch)` reads one number
 * per row that tells the steps apart.
 */
function checkStore<R, B extends { size: number }>(
  make: () => ReplayStore<R, B>,
  row: (i: number, last: boolean) => R,
  key: (batch: B) => number[],
  rows: number,
): void {
  const a = make();
  for (let i = 0; i < rows; i++) a.add(0, row(i, i === rows - 1));
  expect(a.size).toBe(rows);
  expect(key(a.all())).toEqual(Array.from({ length: rows }, (_, i) => i));
  const drawn = key(a.sample(64, new Rng(1)));
  expect(drawn).toHaveLength(64);
  for (const v of drawn) expect(v >= 0 && v < rows && Number.isInteger(v)).toBe(true);

  const arrays = a.toArrays('p');
  expect(Object.keys(arrays).filter((k) => a.columns.some((c) => k === `p/${c.name}`))).toHaveLength(
    a.columns.length,
  );
  for (const c of a.columns) expect(arrays[`p/${c.name}`].data.length).toBe(rows * c.width);
  const b = make();
  b.loadArrays(arrays, 'p');
  expect(b.size).toBe(rows);
  expect(b.all()).toEqual(a.all());
  expect(b.sample(32, new Rng(7))).toEqual(a.sample(32, new Rng(7)));
  expect(() => make().loadArrays({}, 'p')).toThrow(/p\//);

  a.clear();
  expect(a.size).toBe(0);
  expect(a.all().size).toBe(0);
  expect(() => a.sample(1, new Rng(0))).toThrow();
}

describe('ReplayStore: one interface over both buffers', () => {
  it('the flat transition buffer, with vector extra columns', () => {
    const make = () =>
      new ReplayBuffer(50, {
        obsDim: 3,
        actDim: 2,
        skillDim: 2,
        extra: [
          { name: 'logProb', width: 1 },
          { name: 'z', width: 4 },
        ],
      });
    const row = (i: number): Transition => ({
      obs: [i, 1, 2],
      action: [i / 2, -i],
      reward: i,
      nextObs: [i + 1, 1, 2],
      terminated: false,
      skill: [i, 0],
      extra: { logProb: [-i], z: [i, i + 0.5, -i, 3] },
    });
    checkStore(make, row, (b: TransitionBatch) => Array.from(b.reward), 20);

    const buf = make();
    expect(buf.columns.map((c) => `${c.name}:${c.width}`)).toEqual([
      'obs:3',
      'action:2',
      'reward:1',
      'nextObs:3',
      'terminated:1',
      'skill:2',
      'logProb:1',
      'z:4',
    ]);
    for (let i = 0; i < 10; i++) buf.add(0, row(i));
    const batch = buf.sample(40, new Rng(3));
    for (let b = 0; b < batch.size; b++) {
      const i = batch.reward[b];
      expect(batch.extra.logProb[b]).toBe(-i);
      expect(Array.from(batch.extra.z.subarray(4 * b, 4 * b + 4))).toEqual([i, i + 0.5, -i, 3]);
      expect(batch.obs[3 * b]).toBe(i);
    }
    const arrays = buf.toArrays();
    expect(arrays['replay/z'].shape).toEqual([10, 4]);
    expect(arrays['replay/logProb'].shape).toEqual([10]);
    expect(arrays['replay/action'].shape).toEqual([10, 2]);
    expect(() => buf.add(0, { ...row(1), extra: { logProb: [0] } })).toThrow(/no 'z' column/);
    expect(() => buf.add(0, { ...row(1), extra: { logProb: [0], z: [1, 2] } })).toThrow(
      /z has length 2, expected 4/,
    );
    expect(
      () => new ReplayBuffer(5, { obsDim: 1, actDim: 1, skillDim: 0, extra: [{ name: 'reward', width: 1 }] }),
    ).toThrow(/'reward' is declared twice/);
  });

  it('a buffer without extra columns loads a checkpoint into the same ring rows (FIFO past capacity)', () => {
    const shape = { obsDim: 2, actDim: 1, skillDim: 0 };
    const big = new ReplayBuffer(10, shape);
    for (let i = 0; i < 7; i++)
      big.add(0, { obs: [i, i], action: [i], reward: i, nextObs: [i, i], terminated: false, skill: [] });
    const small = new ReplayBuffer(4, shape);
    small.loadArrays(big.toArrays());
    // As if rows 0 … 6 had been added to the small buffer one by one.
    const direct = new ReplayBuffer(4, shape);
    for (let i = 0; i < 7; i++)
      direct.add(0, { obs: [i, i], action: [i], reward: i, nextObs: [i, i], terminated: false, skill: [] });
    expect(Array.from(small.all().reward)).toEqual([3, 4, 5, 6]);
    expect(small.sample(16, new Rng(2))).toEqual(direct.sample(16, new Rng(2)));
  });

  it('the episodic goal buffer (relabeling off)', () => {
    const make = () =>
      new GoalReplayBuffer({
        capacity: 40,
        maxEpisodeSteps: 30,
        obsDim: 2,
        goalDim: 1,
        actDim: 1,
        infoKeys: ['bonus'],
        reward: (achieved, desired) => ({
          reward: Float32Array.from(achieved, (a, b) => a - desired[b]),
          success: new Uint8Array(achieved.length),
        }),
        relabel: { strategy: 'none', k: 0 },
      });
    const row = (i: number, last: boolean): GoalTransition => ({
      observation: [i, 0],
      action: [i],
      reward: 0,
      nextObservation: [i + 1, 0],
      achievedGoal: [i],
      nextAchievedGoal: [i + 1],
      desiredGoal: [0],
      terminated: false,
      truncated: last,
      info: { bonus: i },
    });
    checkStore(make, row, (b: GoalBatch) => Array.from(b.info.bonus), 25);
    const buf = make();
    expect(buf.columns.map((c) => `${c.name}:${c.width}`)).toEqual([
      'observation:2',
      'action:1',
      'reward:1',
      'nextObservation:2',
      'achievedGoal:1',
      'nextAchievedGoal:1',
      'desiredGoal:1',
      'terminated:1',
      'truncated:1',
      'info/bonus:1',
    ]);
    for (let i = 0; i < 3; i++) buf.add(0, row(i, false)); // in progress: not stored yet
    expect(buf.all().size).toBe(0);
    buf.add(0, row(3, true));
    const all = buf.all();
    expect(Array.from(all.reward)).toEqual([1, 2, 3, 4]); // recomputed: next achieved − desired
    expect(Array.from(all.source)).toEqual([0, 0, 0, 0]);
    expect(all.counts.original).toBe(4);
    buf.clear();
    expect(buf.episodes).toBe(1); // ids go on counting
  });
});

describe('ColumnTable', () => {
  it('refuses repeated names and bad widths, and gathers rows in order', () => {
    expect(() => new ColumnTable(2, [{ name: 'a', width: -1 }])).toThrow(/'a' must have an integer width/);
    expect(() => new ColumnTable(2, [{ name: '', width: 1 }])).toThrow(/needs a name/);
    const t = new ColumnTable(3, [
      { name: 'v', width: 2 },
      { name: 's', width: 1 },
      { name: 'none', width: 0 },
    ]);
    t.put('t', 'v', 1, [5, 6]);
    t.put('t', 'v', 2, [7, 8]);
    expect(() => t.put('t', 'v', 0, [1])).toThrow(/t: v has length 1, expected 2/);
    expect(Array.from(t.gather('v', [2, 1, 2]))).toEqual([7, 8, 5, 6, 7, 8]);
    const arrays = t.toArrays('x', 2);
    expect(arrays['x/v']).toEqual({ shape: [2, 2], data: Float32Array.of(0, 0, 5, 6) });
    expect(arrays['x/s'].shape).toEqual([2]);
    expect(arrays['x/none'].shape).toEqual([2, 0]);
  });
});
