import { describe, it, expect } from 'vitest';
import { Rng } from '../rng.ts';
import type { GoalRewardFn } from '../sim/types.ts';
import { GoalReplayBuffer, type GoalBatch, type GoalBufferOptions } from './goal_buffer.ts';
import type { RelabelStrategy } from './relabel.ts';

/**
 * Achieved goals encode where they come from: ag_t of episode e is [e, t], so the next achieved
 * goal of transition t is [e, t + 1] and a relabeled goal names its episode and step. Original
 * desired goals are [e, −1]. observation = [e, t].
 */
const encode = (e: number, t: number) => Float32Array.of(e, t);

/**
 * An asymmetric reward that also reads an info column, so argument order and the info passed
 * along are both checked: reward = 10·ag[1] − g[1] + bonus; success when ag equals g.
 */
const reward: GoalRewardFn = (achieved, desired, info) => {
  const B = achieved.length / 2;
  const r = new Float32Array(B);
  const success = new Uint8Array(B);
  for (let b = 0; b < B; b++) {
    r[b] = 10 * achieved[2 * b + 1] - desired[2 * b + 1] + (info?.bonus?.[b] ?? 0);
    success[b] = achieved[2 * b] === desired[2 * b] && achieved[2 * b + 1] === desired[2 * b + 1] ? 1 : 0;
  }
  return { reward: r, success };
};

function makeBuffer(opts: Partial<GoalBufferOptions> = {}): GoalReplayBuffer {
  return new GoalReplayBuffer({
    capacity: 100,
    maxEpisodeSteps: 10,
    obsDim: 2,
    goalDim: 2,
    actDim: 1,
    infoKeys: ['bonus'],
    reward,
    ...opts,
  });
}

/** Adds episode `e` of T steps on env `env`; step t's action is t, bonus is e + t/100. */
function addEpisode(
  buf: GoalReplayBuffer,
  e: number,
  T: number,
  env = 0,
  last: 'truncated' | 'open' = 'truncated',
) {
  for (let t = 0; t < T; t++) {
    buf.add(env, {
      observation: encode(e, t),
      action: [t],
      reward: -1,
      nextObservation: encode(e, t + 1),
      achievedGoal: encode(e, t),
      nextAchievedGoal: encode(e, t + 1),
      desiredGoal: encode(e, -1),
      terminated: false,
      truncated: last === 'truncated' && t === T - 1,
      info: { bonus: e + t / 100 },
    });
  }
}

/** Episode lengths used by the tests: episode e has 3 + (e mod 5) steps. */
const lengthOf = (e: number) => 3 + (e % 5);

function filled(opts: Partial<GoalBufferOptions> = {}, episodes = 8): GoalReplayBuffer {
  const buf = makeBuffer(opts);
  for (let e = 0; e < episodes; e++) addEpisode(buf, e, lengthOf(e));
  return buf;
}

/** (episode, step t, goal episode, goal step) of each row. */
function rows(batch: GoalBatch) {
  return Array.from({ length: batch.size }, (_, b) => ({
    e: batch.observation[2 * b],
    t: batch.observation[2 * b + 1],
    ge: batch.desiredGoal[2 * b],
    gs: batch.desiredGoal[2 * b + 1],
    source: batch.source[b],
  }));
}

function sampleWith(buf: GoalReplayBuffer, strategy: RelabelStrategy, k: number, n = 4096, seed = 1) {
  buf.setRelabeling(strategy, k);
  return buf.sample(n, new Rng(seed));
}

describe('GoalReplayBuffer: relabeling index sets (achieved goals encode their step)', () => {
  it('future: g′ = ag_j with j ∈ {t+1 … T} of the same episode, every value drawn', () => {
    const batch = sampleWith(filled(), 'future', 4);
    const seen = new Map<string, Set<number>>();
    for (const r of rows(batch).filter((r) => r.source === 2)) {
      const T = lengthOf(r.e);
      expect(r.ge).toBe(r.e);
      expect(r.gs).toBeGreaterThanOrEqual(r.t + 1);
      expect(r.gs).toBeLessThanOrEqual(T);
      const key = `${r.e}/${r.t}`;
      if (!seen.has(key)) seen.set(key, new Set());
      seen.get(key)!.add(r.gs);
    }
    // Episode 4 has T = 7; from t = 2 the set is exactly {3, …, 7}.
    expect([...seen.get('4/2')!].sort()).toEqual([3, 4, 5, 6, 7]);
    expect([...seen.get('4/6')!]).toEqual([7]);
  });

  it('final: g′ = ag_T', () => {
    for (const r of rows(sampleWith(filled(), 'final', 4)).filter((r) => r.source === 1)) {
      expect([r.ge, r.gs]).toEqual([r.e, lengthOf(r.e)]);
    }
  });

  it('episode: g′ ∈ {ag_1 … ag_T} of the same episode, before and after t', () => {
    const rs = rows(sampleWith(filled(), 'episode', 4)).filter((r) => r.source === 3);
    for (const r of rs) {
      expect(r.ge).toBe(r.e);
      expect(r.gs).toBeGreaterThanOrEqual(1);
      expect(r.gs).toBeLessThanOrEqual(lengthOf(r.e));
    }
    expect(rs.some((r) => r.gs <= r.t)).toBe(true);
    expect(new Set(rs.filter((r) => r.e === 4).map((r) => r.gs))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7]));
  });

  it('random: g′ is any stored next achieved goal, from any episode', () => {
    const rs = rows(sampleWith(filled(), 'random', 4)).filter((r) => r.source === 4);
    const stored = new Set<string>();
    for (let e = 0; e < 8; e++) for (let j = 1; j <= lengthOf(e); j++) stored.add(`${e}/${j}`);
    const drawnGoals = new Set(rs.map((r) => `${r.ge}/${r.gs}`));
    for (const g of drawnGoals) expect(stored.has(g)).toBe(true);
    expect(drawnGoals.size).toBe(stored.size);
    expect(rs.some((r) => r.ge !== r.e)).toBe(true);
  });

  it('none: every goal is the original one', () => {
    const batch = sampleWith(filled(), 'none', 4, 500);
    expect(batch.counts).toEqual({ original: 500, final: 0, future: 0, episode: 0, random: 0 });
    for (const r of rows(batch)) expect([r.ge, r.gs, r.source]).toEqual([r.e, -1, 0]);
  });
});

describe('GoalReplayBuffer: ratio, counts, rewards, switching', () => {
  it('relabels ⌊B·k/(k+1)⌋ rows and reports the counts per strategy', () => {
    const buf = filled();
    const b1 = sampleWith(buf, 'future', 4, 256);
    expect(b1.counts).toEqual({ original: 52, final: 0, future: 204, episode: 0, random: 0 });
    expect(rows(b1).filter((r) => r.gs === -1).length).toBe(52);
    expect(sampleWith(buf, 'episode', 1, 256).counts.episode).toBe(128);
    expect(sampleWith(buf, 'random', 3, 256).counts).toEqual({
      original: 64,
      final: 0,
      future: 0,
      episode: 0,
      random: 192,
    });
  });

  it('recomputes every reward as the reward function on (next achieved goal, goal, info)', () => {
    const batch = sampleWith(filled(), 'future', 4, 512);
    const again = reward(batch.nextAchievedGoal, batch.desiredGoal, batch.info);
    expect(batch.reward).toEqual(again.reward);
    expect(batch.success).toEqual(again.success);
    for (const [b, r] of rows(batch).entries()) {
      // ag_{t+1} = [e, t + 1]; the bonus is the transition's own info value.
      expect(batch.nextAchievedGoal[2 * b + 1]).toBe(r.t + 1);
      expect(batch.reward[b]).toBeCloseTo(10 * (r.t + 1) - r.gs + r.e + r.t / 100, 4);
      expect(batch.step[b]).toBe(r.t);
      expect(batch.action[b]).toBe(r.t);
    }
    // Relabeling with ag_{t+1} itself (j = t) is an immediate success.
    const hits = rows(batch).filter((r) => r.source === 2 && r.gs === r.t + 1);
    expect(hits.length).toBeGreaterThan(0);
    for (const [b, r] of rows(batch).entries())
      if (r.source === 2 && r.gs === r.t + 1) expect(batch.success[b]).toBe(1);
  });

  it('switches strategy and k between batches', () => {
    const buf = filled();
    const rng = new Rng(3);
    expect(buf.relabeling).toEqual({ strategy: 'future', k: 4 });
    expect(buf.sample(100, rng).counts.future).toBe(80);
    buf.setRelabeling('final', 1);
    expect(buf.sample(100, rng).counts).toEqual({
      original: 50,
      final: 50,
      future: 0,
      episode: 0,
      random: 0,
    });
    buf.setRelabeling('none', 4);
    expect(buf.sample(100, rng).counts.original).toBe(100);
    expect(() => buf.setRelabeling('later' as RelabelStrategy, 4)).toThrow(/unknown relabel strategy/);
    expect(buf.relabeling).toEqual({ strategy: 'none', k: 0 });
  });
});

describe('GoalReplayBuffer: episodes, wrapping, in-progress steps', () => {
  it('never samples an episode in progress and refuses to sample before the first one ended', () => {
    const buf = makeBuffer({ numEnvs: 2 });
    addEpisode(buf, 0, 4, 0, 'open');
    expect(buf.size).toBe(0);
    expect(() => buf.sample(4, new Rng(0))).toThrow(/first episode/);
    addEpisode(buf, 1, 3, 1); // env 1 finishes first
    expect(buf.size).toBe(3);
    for (const r of rows(sampleWith(buf, 'random', 4, 300))) {
      expect(r.e).toBe(1);
      expect([1, -1]).toContain(r.ge);
    }
    buf.endEpisode(0); // closes env 0's episode as truncated
    expect(buf.size).toBe(7);
    expect(buf.episodes).toBe(2);
  });

  it('keeps interleaved episodes of several envs contiguous', () => {
    const buf = makeBuffer({ numEnvs: 2 });
    for (let t = 0; t < 4; t++) {
      for (const env of [0, 1]) {
        const e = 10 + env;
        buf.add(env, {
          observation: encode(e, t),
          action: [t],
          reward: -1,
          nextObservation: encode(e, t + 1),
          achievedGoal: encode(e, t),
          nextAchievedGoal: encode(e, t + 1),
          desiredGoal: encode(e, -1),
          terminated: false,
          truncated: t === 3,
        });
      }
    }
    for (const r of rows(sampleWith(buf, 'future', 4, 400)).filter((r) => r.source === 2)) {
      expect(r.ge).toBe(r.e);
      expect(r.gs).toBeGreaterThan(r.t);
    }
  });

  it('drops whole oldest episodes when the ring wraps; their slots become invalid', () => {
    // Capacity 20; episodes of 3, 4, 5, 6, 7, 3, … steps: the sixth (7 steps) forces drops.
    const buf = makeBuffer({ capacity: 20 });
    for (let e = 0; e < 4; e++) addEpisode(buf, e, lengthOf(e)); // 3 + 4 + 5 + 6 = 18
    expect(buf.size).toBe(18);
    addEpisode(buf, 4, 7); // 25 > 20: episodes 0 (3) and 1 (4) go, 18 − 7 + 7 = 18
    expect(buf.size).toBe(18);
    expect(buf.oldest).toBe(7);
    let valid = 0;
    for (let s = 0; s < 20; s++) if (buf.epLength[s] > 0) valid++;
    expect(valid).toBe(18);
    for (const strategy of ['future', 'final', 'episode', 'random'] as const) {
      const rs = rows(sampleWith(buf, strategy, 4, 2000));
      for (const r of rs) {
        expect(r.e).toBeGreaterThanOrEqual(2);
        if (r.gs !== -1) expect(r.ge).toBeGreaterThanOrEqual(2);
        if (strategy === 'future' && r.source) expect(r.ge).toBe(r.e);
      }
      if (strategy === 'future') {
        // Episode 4 wraps around the end of the ring (slots 18, 19, 0 … 4); its future goals stay in it.
        const wrapped = rs.filter((r) => r.e === 4 && r.source === 2);
        expect(new Set(wrapped.map((r) => r.gs))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7]));
      }
    }
  });

  it('refuses wrong sizes and episodes longer than maxEpisodeSteps', () => {
    expect(() => makeBuffer({ capacity: 5 })).toThrow(/cannot fit/);
    expect(() => makeBuffer({ goalDim: 0 })).toThrow(/goalDim/);
    const buf = makeBuffer({ maxEpisodeSteps: 2 });
    expect(() => addEpisode(buf, 0, 3, 0, 'open')).toThrow(/exceeds maxEpisodeSteps = 2/);
    expect(() => addEpisode(buf, 0, 1, 3)).toThrow(/env index 3/);
    const good = makeBuffer();
    expect(() =>
      good.add(0, {
        observation: [0],
        action: [0],
        reward: 0,
        nextObservation: [0, 0],
        achievedGoal: [0, 0],
        nextAchievedGoal: [0, 0],
        desiredGoal: [0, 0],
        terminated: false,
        truncated: false,
      }),
    ).toThrow(/observation has length 1, expected 2/);
  });
});

describe('GoalReplayBuffer: toArrays/loadArrays', () => {
  it('a loaded buffer samples the same batches from the same generator state, and wraps the same', () => {
    const a = makeBuffer({ capacity: 30 });
    for (let e = 0; e < 9; e++) addEpisode(a, e, lengthOf(e)); // wrapped, oldest not at slot 0
    addEpisode(a, 99, 2, 0, 'open'); // in progress: not saved
    const saved = a.toArrays();
    expect(saved['goal_replay/observation'].shape).toEqual([a.size, 2]);
    const b = makeBuffer({ capacity: 30 });
    b.loadArrays(saved);
    expect(b.size).toBe(a.size);
    expect(b.episodes).toBe(a.episodes);
    a.discardInProgress();
    for (const strategy of ['future', 'final', 'episode', 'random'] as const) {
      const [x, y] = [sampleWith(a, strategy, 4, 256, 9), sampleWith(b, strategy, 4, 256, 9)];
      for (const key of ['observation', 'desiredGoal', 'reward', 'source', 'step', 'action'] as const)
        expect(y[key]).toEqual(x[key]);
    }
    // Later writes drop the same episodes in both.
    addEpisode(a, 50, 7);
    addEpisode(b, 50, 7);
    expect(b.size).toBe(a.size);
    expect(sampleWith(b, 'random', 4, 256, 4).desiredGoal).toEqual(
      sampleWith(a, 'random', 4, 256, 4).desiredGoal,
    );
  });

  it('refuses a checkpoint that does not fit and leaves the buffer unchanged', () => {
    const a = filled();
    const saved = a.toArrays();
    expect(() => makeBuffer({ capacity: 20 }).loadArrays(saved)).toThrow(/more than the capacity 20/);
    expect(() => makeBuffer({ obsDim: 3 }).loadArrays(saved)).toThrow(/observation.*expected \[[0-9]+, 3\]/);
    const b = filled({}, 2);
    const before = b.size;
    const broken = {
      ...saved,
      'goal_replay/step': {
        shape: saved['goal_replay/step'].shape,
        data: saved['goal_replay/step'].data.map((v, i) => (i === 4 ? 0 : v)),
      },
    };
    expect(() => b.loadArrays(broken)).toThrow(/not whole/);
    expect(b.size).toBe(before);
    const { ['goal_replay/info/bonus']: _drop, ...noInfo } = saved;
    expect(() => b.loadArrays(noInfo)).toThrow(/info\/bonus/);
  });
});

describe('GoalReplayBuffer: gatherWindow', () => {
  it('gathers each transition’s window within its own episode, repeating the first and last rows past the ends, across the ring’s wrap', () => {
    // capacity 12 with episodes of 3 … 7 steps: the ring wraps, and old episodes are dropped
    const buf = filled({ capacity: 12 }, 6);
    const batch = buf.sample(200, new Rng(3));
    const offsets = [-2, -1, 0, 1];
    const w = buf.gatherWindow('observation', batch.slot, offsets);
    expect(w.length).toBe(batch.size * offsets.length * 2);
    for (let b = 0; b < batch.size; b++) {
      const [e, t] = [batch.observation[2 * b], batch.observation[2 * b + 1]];
      const T = lengthOf(e);
      offsets.forEach((o, j) => {
        const at = 2 * (b * offsets.length + j);
        expect([w[at], w[at + 1]]).toEqual([e, Math.min(T - 1, Math.max(0, t + o))]);
      });
    }
    expect(() => buf.gatherWindow('nope', batch.slot, [0])).toThrow(/no column nope/);
  });
});
