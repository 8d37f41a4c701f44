import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import { GoalTaskFamily } from '../sim/multi_goal_env.ts';
import {
  assignTasks,
  checkTaskRelabelSetting,
  discountedTaskReturns,
  hipiLogits,
  hipiProbabilities,
  hipiTasks,
  planTaskBatch,
  randomTasks,
  ReturnCache,
  taskRelabelCount,
  TASK_SOURCES,
  type TaskRelabelSetting,
} from './task_relabel.ts';

const setting = (strategy: TaskRelabelSetting['strategy'], ratio = 1) =>
  checkTaskRelabelSetting(strategy, ratio);

describe('task relabel settings', () => {
  it('checks strategy and ratio; none relabels nothing; the first ⌊B·ratio⌋ rows are relabeled', () => {
    expect(checkTaskRelabelSetting('none', 0.7)).toEqual({ strategy: 'none', ratio: 0 });
    expect(() => checkTaskRelabelSetting('future', 0.5)).toThrow(/unknown task relabel strategy 'future'/);
    expect(() => checkTaskRelabelSetting('hipi', 1.5)).toThrow(/ratio must be in \[0, 1\]/);
    expect(taskRelabelCount(10, setting('random', 0.55))).toBe(5);
    expect(taskRelabelCount(10, setting('none'))).toBe(0);
    const a = assignTasks(
      setting('random', 0.5),
      planTaskBatch(8, 3, setting('random', 0.5), new Rng(0)),
      Int32Array.of(0, 1, 2, 0, 1, 2, 0, 1),
      3,
      new Rng(1),
    );
    expect([...a.source.slice(4)]).toEqual([0, 0, 0, 0]);
    expect([...a.task.slice(4)]).toEqual([1, 2, 0, 1]);
    expect(a.counts).toEqual({ original: 4, random: 4, all: 0, 'highest-return': 0, hipi: 0 });
    expect([...a.source.slice(0, 4)]).toEqual([1, 1, 1, 1].map(() => TASK_SOURCES.indexOf('random')));
  });
});

describe('random', () => {
  it('draws tasks uniformly over the K tasks', () => {
    const K = 5;
    const n = 50_000;
    const t = randomTasks(n, K, new Rng(7));
    const freq = new Array(K).fill(0);
    for (const k of t) freq[k] += 1;
    // χ² with K − 1 = 4 degrees of freedom: 18.5 is its 0.999 quantile.
    const chi2 = freq.reduce((s, f) => s + (f - n / K) ** 2 / (n / K), 0);
    expect(chi2).toBeLessThan(18.5);
    expect(Math.min(...t)).toBe(0);
    expect(Math.max(...t)).toBe(K - 1);
  });
});

describe('all', () => {
  it('replicates every drawn transition under every task when K divides the relabeled rows', () => {
    const plan = planTaskBatch(12, 4, setting('all', 1), new Rng(0));
    expect(plan.draws).toBe(3);
    expect([...plan.draw]).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect([...plan.task]).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    const original = Int32Array.of(2, 2, 2, 2, 0, 0, 0, 0, 3, 3, 3, 3);
    const a = assignTasks(setting('all', 1), plan, original, 4, new Rng(0));
    for (let j = 0; j < 3; j++) {
      const tasks = [...a.task.slice(4 * j, 4 * j + 4)].sort();
      expect(tasks).toEqual([0, 1, 2, 3]);
    }
    expect(a.counts.all).toBe(12);
    expect(a.changed).toBe(9); // one copy of each transition keeps its own task
  });

  it('fills a partial last group from a uniform task offset; the other rows are fresh draws', () => {
    // B = 10, ratio 0.5 → 5 relabeled rows: 2 transitions (4 + 1 rows), plus 5 original draws.
    const plan = planTaskBatch(10, 4, setting('all', 0.5), new Rng(3));
    expect(plan.relabeled).toBe(5);
    expect(plan.draws).toBe(7);
    expect([...plan.draw]).toEqual([0, 0, 0, 0, 1, 2, 3, 4, 5, 6]);
    expect([...plan.task.slice(0, 4)]).toEqual([0, 1, 2, 3]);
    expect([...plan.task.slice(5)]).toEqual([-1, -1, -1, -1, -1]);
    const counts = [0, 0, 0, 0];
    const rng = new Rng(11);
    for (let i = 0; i < 4000; i++) counts[planTaskBatch(10, 4, setting('all', 0.5), rng).task[4]] += 1;
    for (const c of counts) expect(Math.abs(c / 4000 - 0.25)).toBeLessThan(0.03);
  });
});

describe('highest-return (Generalized Hindsight AIR)', () => {
  it('ranks each task column by mid-rank percentile and picks the highest', () => {
    const cache = new ReturnCache(10, 3);
    // Task 0 is easy (high returns in the cache), task 2 hard.
    for (const r of [
      [-5, -40, -50],
      [-4, -30, -50],
      [-6, -45, -49],
      [-3, -20, -50],
    ])
      cache.add(r);
    // The new trajectory: best raw return under task 0, but only the 2nd best there; under task 2
    // its −45 beats every cached trajectory.
    const traj = [-4.5, -35, -45];
    cache.add(traj);
    const { task, percentile } = cache.highestReturnTask(traj, 0);
    expect([...percentile]).toEqual([(2 * 2 + 1) / 10, (2 * 2 + 1) / 10, (2 * 4 + 1) / 10]);
    expect(task).toBe(2);
    expect(cache.percentile(1, -30)).toBe((2 * 3 + 1) / 10);
  });

  it('breaks ties by the higher return, then the own task, then the lowest id', () => {
    const cache = new ReturnCache(4, 3);
    cache.add([-50, -50, -50]);
    // Equal percentiles everywhere (all equal to the one cached trajectory … and itself).
    cache.add([-50, -50, -50]);
    expect(cache.highestReturnTask([-50, -50, -50], 1).task).toBe(1);
    expect(cache.highestReturnTask([-50, -50, -50], 5).task).toBe(0);
    const c2 = new ReturnCache(4, 3);
    c2.add([-10, -40, 0]);
    // Its own trajectory only: every percentile is ½; the higher return wins.
    expect(c2.highestReturnTask([-10, -40, 0], 0).task).toBe(2);
  });

  it('forgets the oldest trajectory at capacity and restores its state exactly', () => {
    const cache = new ReturnCache(2, 2);
    cache.add([1, 1]);
    cache.add([2, 2]);
    cache.add([3, 3]);
    expect(cache.size).toBe(2);
    expect(cache.percentile(0, 1.5)).toBe(0); // [1, 1] was dropped
    const copy = new ReturnCache(2, 2);
    copy.setState(JSON.parse(JSON.stringify(cache.getState())));
    expect(copy.percentile(0, 2.5)).toBe(cache.percentile(0, 2.5));
    expect(() => new ReturnCache(3, 2).setState(cache.getState())).toThrow(/does not fit/);
  });

  it('computes discounted returns under every task with the family reward', () => {
    const family = new GoalTaskFamily({
      goals: [
        [0, 0],
        [1, 0],
      ],
    });
    // Three next achieved positions: near goal 0, between, near goal 1.
    const achieved = Float32Array.of(0.05, 0, 0.5, 0, 0.95, 0);
    const R = discountedTaskReturns(family, achieved, 3, 0.9, undefined);
    expect(R[0]).toBeCloseTo(0 - 0.9 - 0.81, 12);
    expect(R[1]).toBeCloseTo(-1 - 0.9 + 0, 12);
  });
});

describe('HIPI soft relabeling', () => {
  it('computes logits r − log π + γ(1 − done)·Q', () => {
    const l = hipiLogits([1, 2, 3, 4], [0.5, 0.5, -1, 0], [10, 20, 30, 40], [0, 1], 0.9);
    expect([...l]).toEqual([1 - 0.5 + 9, 2 - 0.5 + 18, 3 + 1, 4]);
    expect(() => hipiLogits([1, 2, 3], [1, 2, 3], [1, 2, 3], [0, 0], 0.9)).toThrow(/\[B, K\]/);
  });

  it('normalizes each task column over the batch: a constant added to one task for every row changes nothing', () => {
    const B = 6;
    const K = 3;
    const rng = new Rng(5);
    const logits = Float64Array.from({ length: B * K }, () => rng.normal() * 3);
    const shifted = logits.slice();
    for (let b = 0; b < B; b++) shifted[b * K + 1] += 100; // e.g. task 1 pays +100 per step
    const p = hipiProbabilities(logits, B, K);
    const q = hipiProbabilities(shifted, B, K);
    for (let i = 0; i < p.length; i++) expect(q[i]).toBeCloseTo(p[i], 12);
    expect([...hipiTasks(shifted, B, K, new Rng(9))]).toEqual([...hipiTasks(logits, B, K, new Rng(9))]);
    // Without the partition the shifted task would take every row.
    for (let b = 0; b < B; b++) {
      const row = [0, 1, 2].map((k) => shifted[b * K + k]);
      expect(Math.max(...row)).toBe(row[1]);
    }
    for (let b = 0; b < B; b++)
      expect(p.slice(b * K, b * K + K).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
  });

  it('matches the closed form on a small batch and gives a dominating row its task', () => {
    // Column-normalized logits ℓ'[b,k] = ℓ[b,k] − log Σ_b' exp ℓ[b',k]; row softmax of ℓ'.
    const L = [
      [0, Math.log(3)],
      [Math.log(2), 0],
    ];
    const p = hipiProbabilities(L.flat(), 2, 2);
    // Column sums: exp: col0 = 1 + 2 = 3, col1 = 3 + 1 = 4 → ℓ' = [[log 1/3, log 3/4], [log 2/3, log 1/4]].
    const expected = [
      [1 / 3 / (1 / 3 + 3 / 4), 3 / 4 / (1 / 3 + 3 / 4)],
      [2 / 3 / (2 / 3 + 1 / 4), 1 / 4 / (2 / 3 + 1 / 4)],
    ];
    expected.flat().forEach((v, i) => expect(p[i]).toBeCloseTo(v, 12));
    const B = 5;
    const K = 4;
    const logits = new Float64Array(B * K);
    logits[2 * K + 3] = 60; // row 2 has by far the highest logit for task 3 …
    for (const k of [0, 1, 2]) logits[2 * K + k] = -60; // … and a very low one elsewhere
    const tasks = hipiTasks(logits, B, K, new Rng(1));
    expect(tasks[2]).toBe(3);
    expect(hipiProbabilities(logits, B, K)[2 * K + 3]).toBeGreaterThan(0.999999);
  });

  it('samples rows in proportion to their probabilities', () => {
    const probs = Float64Array.of(0.2, 0.8, 0.6, 0.4);
    const logits = Float64Array.from(probs, Math.log);
    // Column normalization changes these probabilities; compare sample frequencies with them instead.
    const p = hipiProbabilities(logits, 2, 2);
    const rng = new Rng(2);
    let ones = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) ones += hipiTasks(logits, 2, 2, rng, 1)[0];
    expect(Math.abs(ones / n - p[1])).toBeLessThan(0.015);
  });
});

describe('recomputed rewards', () => {
  it('equal the chosen task’s own reward of the next achieved position', () => {
    const family = new GoalTaskFamily({
      goals: [
        [0.3, 0.3],
        [-0.3, 0.3],
        [0, -0.3],
      ],
    });
    const B = 9;
    const rng = new Rng(4);
    const achieved = Float32Array.from({ length: 2 * B }, () => rng.uniformRange(-0.4, 0.4));
    achieved.set([0.31, 0.29], 0); // a success for task 0
    const original = randomTasks(B, 3, rng);
    for (const s of ['random', 'all'] as const) {
      const plan = planTaskBatch(B, 3, setting(s), rng);
      const rows = Float32Array.from({ length: 2 * B }, (_, i) => achieved[2 * plan.draw[i >> 1] + (i & 1)]);
      const { task } = assignTasks(setting(s), plan, original, 3, rng);
      const ev = family.evaluate(task, rows);
      for (let b = 0; b < B; b++) {
        const one = family.evaluate([task[b]], rows.slice(2 * b, 2 * b + 2));
        expect(ev.reward[b]).toBe(one.reward[0]);
        expect(ev.success[b]).toBe(one.success[0]);
      }
    }
  });
});
