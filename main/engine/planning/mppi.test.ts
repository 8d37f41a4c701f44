import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import {
  MPPI_PRESET_VALUES,
  MppiPlanner,
  predictTrajectories,
  resolveMppiSettings,
  type MppiSettings,
  type SkillDynamicsModel,
  type TrajectoryScore,
} from './mppi.ts';
import { goalTask, waypointTask } from './tasks.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

/** A hand-made skill dynamics: every env step moves f by `scale`·z, whatever the state. */
function linearModel(scale: number, stateless = true): SkillDynamicsModel {
  return { skillDim: 2, fDim: 2, stateless, meanDelta: (_f, z) => tf.mul(z, scale) as tf.Tensor2D };
}

/** A state-dependent one: Δf = 0.1·z − 0.2·f (f relaxes toward z / 2). */
const sinkModel: SkillDynamicsModel = {
  skillDim: 2,
  fDim: 2,
  stateless: false,
  meanDelta: (f, z) => tf.sub(tf.mul(z, 0.1), tf.mul(f!, 0.2)) as tf.Tensor2D,
};

const settings = (over: Partial<MppiSettings> = {}): MppiSettings => ({
  ...MPPI_PRESET_VALUES.dense.settings,
  ...over,
});

/** Trajectories of explicit skill sequences under the linear model, scored by `score`. */
function scoreOf(
  seqs: number[][],
  H: number,
  hold: number,
  scale: number,
  score: TrajectoryScore,
): Float32Array {
  const flat = Float32Array.from(seqs.flat());
  const K = seqs.length;
  const traj = predictTrajectories(linearModel(scale), new Float32Array(2), null, flat, K, H, hold);
  return score(traj, K, H * hold + 1);
}

/** Every z on a grid of [-1, 1]^2 with spacing `step`. */
function grid(step: number): number[][] {
  const n = Math.round(2 / step);
  const out: number[][] = [];
  for (let i = 0; i <= n; i++) for (let j = 0; j <= n; j++) out.push([-1 + i * step, -1 + j * step]);
  return out;
}

describe('MPPI over skill sequences on a hand-made skill dynamics', () => {
  it('finds the best single skill: as good as an exhaustive search over z', () => {
    const scale = 0.05;
    const task = goalTask([0.3, -0.2], { dims: [0, 1], radius: 0.05 });
    const score = task.objective(task.start());
    const zs = grid(0.01);
    const s = scoreOf(zs, 1, 10, scale, score);
    let best = 0;
    for (let i = 1; i < zs.length; i++) if (s[i] > s[best]) best = i;

    const planner = new MppiPlanner(linearModel(scale), settings(), 7);
    const plan = planner.replan(new Float32Array(2), null, score);
    const chosen = scoreOf([Array.from(plan.skill)], 1, 10, scale, score)[0];
    // Known best plan by brute force. With the paper's settings (50 candidates of σ² = 1.5 per refine
    // step, γ = 10) MPPI is a sampling search, not an exact optimizer: over 40 seeds its choice was in
    // the best 3 % of all skills (median 1.3 %) and within 6 % of the optimal score (median).
    const better = s.filter((v) => v > chosen).length / s.length;
    expect(better).toBeLessThan(0.03);
    expect(chosen).toBeGreaterThan(s[best] * 1.1);
    expect(Math.hypot(plan.skill[0] - zs[best][0], plan.skill[1] - zs[best][1])).toBeLessThan(0.3);
    // The plan's own prediction is what the executor will be shown.
    expect(plan.predictedScore).toBeCloseTo(chosen, 4);
    expect(plan.predicted.length).toBe(11 * 2);
    expect(plan.top.length).toBe(5);
    for (let i = 1; i < plan.top.length; i++)
      expect(plan.top[i].score).toBeLessThanOrEqual(plan.top[i - 1].score);
  });

  it('plans a two-skill route around a corner (H_P = 2): first along x, then along y', () => {
    const scale = 0.05;
    const task = waypointTask(
      [
        [0.5, 0],
        [0.5, 0.5],
      ],
      { dims: [0, 1], radius: 0.05 },
    );
    const score = task.objective(task.start());
    // Exhaustive search over the 4-D plan on a 0.1 grid.
    const g = grid(0.1);
    const seqs: number[][] = [];
    for (const a of g) for (const b of g) seqs.push([...a, ...b]);
    const s = scoreOf(seqs, 2, 10, scale, score);
    let best = 0;
    for (let i = 1; i < seqs.length; i++) if (s[i] > s[best]) best = i;
    expect(seqs[best]).toEqual([1, 0, 0, 1].map((v) => expect.closeTo(v, 5)));

    const planner = new MppiPlanner(
      linearModel(scale),
      settings({ horizon: 2, candidates: 200, smoothing: 0 }),
      3,
    );
    const plan = planner.replan(new Float32Array(2), null, score);
    const chosen = scoreOf([Array.from(plan.plan)], 2, 10, scale, score)[0];
    // Over 20 seeds the first skill was always ≈ (1, 0) and the second's y ≈ 1; its x, which matters
    // less, scattered more.
    expect(chosen).toBeGreaterThan(s[best] * 1.15);
    const [x1, y1, x2, y2] = plan.plan;
    expect(x1).toBeGreaterThan(0.9);
    expect(Math.abs(y1)).toBeLessThan(0.2);
    expect(y2).toBeGreaterThan(0.7);
    expect(Math.abs(x2)).toBeLessThan(0.5);
  });

  it('moves the plan to the exponentially weighted average of clipped candidates (Alg. 2)', () => {
    const scale = 0.1;
    const K = 16;
    const gamma = 3;
    let seen: Float32Array | null = null;
    const inner = goalTask([0.5, 0.2], { dims: [0, 1], radius: 0.05 }).objective({ next: 0 });
    const spy: TrajectoryScore = (traj, k, rows) => {
      if (k === K) seen = traj.slice();
      return inner(traj, k, rows);
    };
    // Mean 0 and σ² = 100: most coordinates of most candidates land outside [-1, 1] before clipping.
    const s = settings({ candidates: K, refineSteps: 1, gamma, variance: 100, init: 'zero', hold: 4 });
    const plan = new MppiPlanner(linearModel(scale), s, 11).replan(new Float32Array(2), null, spy);
    const traj = seen!;
    const rows = 5;
    const scores = inner(traj, K, rows);
    const z = Array.from({ length: K }, (_, k) => [0, 1].map((j) => traj[(k * rows + 1) * 2 + j] / scale));
    for (const zk of z) for (const v of zk) expect(Math.abs(v)).toBeLessThanOrEqual(1 + 1e-5);
    expect(z.flat().filter((v) => Math.abs(Math.abs(v) - 1) < 1e-5).length).toBeGreaterThan(K);
    const max = Math.max(...scores);
    const w = Array.from(scores, (r) => Math.exp(gamma * (r - max)));
    const sum = w.reduce((a, b) => a + b, 0) + 1e-10;
    for (const j of [0, 1]) {
      const expected = z.reduce((acc, zk, k) => acc + (w[k] / sum) * zk[j], 0);
      expect(plan.skill[j]).toBeCloseTo(expected, 4);
    }
  });

  it("smooths every candidate along the plan with β (the paper's sparse setting)", () => {
    const scale = 0.1;
    const hold = 2;
    const H = 4;
    const beta = 0.9;
    const K = 40;
    let traj: Float32Array | null = null;
    const spy: TrajectoryScore = (t, k) => {
      if (k === K) traj = t.slice();
      return new Float32Array(k);
    };
    const run = (smoothing: number) => {
      new MppiPlanner(
        linearModel(scale),
        settings({ horizon: H, hold, candidates: K, refineSteps: 1, smoothing }),
        5,
      ).replan(new Float32Array(2), null, spy);
      const rows = H * hold + 1;
      // Slot p's skill is the step p·hold → p·hold + 1 divided by the scale.
      let maxJump = 0;
      for (let k = 0; k < K; k++) {
        const slot = (p: number, j: number) =>
          (traj![(k * rows + p * hold + 1) * 2 + j] - traj![(k * rows + p * hold) * 2 + j]) / scale;
        for (let p = 1; p < H; p++)
          for (const j of [0, 1]) maxJump = Math.max(maxJump, Math.abs(slot(p, j) - slot(p - 1, j)));
      }
      return maxJump;
    };
    // z_i = β z_{i−1} + (1 − β) raw_i with raw_i ∈ [-1, 1]  ⇒  |z_i − z_{i−1}| ≤ (1 − β)·2.
    const smoothed = run(beta);
    expect(smoothed).toBeLessThanOrEqual(2 * (1 - beta) + 1e-5);
    expect(smoothed).toBeGreaterThan(0.05);
    expect(run(0)).toBeGreaterThan(1);
  });

  it('shifts the plan after a replan and starts its last slot afresh', () => {
    const planner = new MppiPlanner(linearModel(0.05), settings({ horizon: 3, init: 'zero' }), 1);
    const task = goalTask([0.4, 0.4], { dims: [0, 1], radius: 0.05 });
    const plan = planner.replan(new Float32Array(2), null, task.objective(task.start()));
    expect(Array.from(plan.skill)).toEqual(Array.from(plan.plan.slice(0, 2)));
    expect(Array.from(planner.plan)).toEqual([...Array.from(plan.plan.slice(2)), 0, 0]);
    // With init 'normal' (the reference code's N(0, I) draw) the fresh slot is not zero.
    const normal = new MppiPlanner(linearModel(0.05), settings({ horizon: 2 }), 1);
    normal.replan(new Float32Array(2), null, task.objective(task.start()));
    expect(Array.from(normal.plan.slice(2)).some((v) => v !== 0)).toBe(true);
  });

  it('replays exactly from its seed and differs with another', () => {
    const task = goalTask([0.4, -0.1], { dims: [0, 1], radius: 0.05 });
    const once = (seed: number) =>
      Array.from(
        new MppiPlanner(linearModel(0.05), settings(), seed).replan(
          new Float32Array(2),
          null,
          task.objective(task.start()),
        ).plan,
      );
    expect(once(4)).toEqual(once(4));
    expect(once(4)).not.toEqual(once(5));
  });

  it('predicts a held skill once for a stateless model, with the same trajectories as stepping', () => {
    const seqs = Float32Array.from([0.3, -0.7, 1, 0.2, -0.5, 0.5, 0, 1, -1, -1, 0.9, 0.1]);
    const f0 = Float32Array.from([0.2, -0.4]);
    const a = predictTrajectories(linearModel(0.05, true), f0, null, seqs, 3, 2, 5);
    const b = predictTrajectories(
      linearModel(0.05, false),
      f0,
      Float32Array.from([9, 9, 9, 9]),
      seqs,
      3,
      2,
      5,
    );
    expect(a.length).toBe(3 * 11 * 2);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 5);
  });

  it('rolls a state-dependent model forward step by step from its own predictions', () => {
    const seqs = Float32Array.from([1, 0, -0.5, 0.5, 0.2, 0.8, -1, -1]);
    const f0 = Float32Array.from([0.3, 0.1]);
    const K = 2;
    const H = 2;
    const hold = 3;
    const traj = predictTrajectories(sinkModel, f0, null, seqs, K, H, hold);
    for (let k = 0; k < K; k++) {
      const f = Array.from(f0);
      for (let p = 0; p < H; p++) {
        for (let h = 0; h < hold; h++) {
          for (const j of [0, 1]) f[j] += 0.1 * seqs[(k * H + p) * 2 + j] - 0.2 * f[j];
          const row = k * (H * hold + 1) + p * hold + h + 1;
          expect(traj[row * 2]).toBeCloseTo(f[0], 5);
          expect(traj[row * 2 + 1]).toBeCloseTo(f[1], 5);
        }
      }
    }
  });

  it('keeps the tensor count flat over replans', () => {
    const planner = new MppiPlanner(sinkModel, settings({ horizon: 2, candidates: 30 }), 2);
    const task = goalTask([0.2, 0.2], { dims: [0, 1], radius: 0.05 });
    planner.replan(new Float32Array(2), null, task.objective(task.start()));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++)
      planner.replan(Float32Array.from([0.01 * i, 0]), null, task.objective(task.start()));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses objectives that score nothing finite', () => {
    const planner = new MppiPlanner(linearModel(0.05), settings(), 2);
    expect(() => planner.replan(new Float32Array(2), null, (_t, k) => new Float32Array(k).fill(NaN))).toThrow(
      /every candidate scored NaN or −∞/,
    );
  });
});

describe('planner settings', () => {
  it("has the paper's dense and sparse settings, each value with its source", () => {
    const dense = resolveMppiSettings('dense');
    expect(dense.settings).toEqual({
      horizon: 1,
      hold: 10,
      candidates: 50,
      refineSteps: 10,
      gamma: 10,
      variance: 1.5,
      smoothing: 0.9,
      init: 'normal',
    });
    const sparse = resolveMppiSettings('sparse');
    expect(sparse.settings).toMatchObject({ horizon: 4, hold: 25, candidates: 200, smoothing: 0.9 });
    for (const r of [dense, sparse])
      for (const key of Object.keys(r.settings))
        expect(r.sources[key as keyof MppiSettings]).toMatch(/DADS (paper|reference)/);
    expect(sparse.sources.smoothing).toMatch(/App\. A\.5/);
  });

  it('overrides values and records them as overrides', () => {
    const r = resolveMppiSettings('dense', { hold: 5, gamma: 30 });
    expect(r.settings).toMatchObject({ hold: 5, gamma: 30, candidates: 50 });
    expect(r.sources.hold).toBe('override');
    expect(r.sources.candidates).toMatch(/App\. A\.5/);
  });

  it('refuses bad values naming the field, and unknown presets listing the allowed ones', () => {
    expect(() => resolveMppiSettings('greedy')).toThrow(
      'Unknown planner preset "greedy"; allowed: dense, sparse',
    );
    expect(() => resolveMppiSettings('dense', { smoothing: 1 })).toThrow(/planner\.smoothing: .* \(got 1\)/);
    expect(() => resolveMppiSettings('dense', { hold: 2.5 })).toThrow(/planner\.hold: .* \(got 2\.5\)/);
    expect(() => resolveMppiSettings('dense', { temperature: 1 })).toThrow(/temperature/);
  });
});
