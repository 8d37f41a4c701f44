/**
 * Speed of sampling relabeled batches from the goal replay buffer, for `skill-lab bench`
 * (issue #4 speed goal: a batch of 256 with future relabeling from a 1M-transition buffer in ≤ 1 ms).
 * Speed goals are checked here, never in timed tests.
 */
import { Rng } from '../rng.ts';
import type { GoalRewardFn } from '../sim/types.ts';
import { GoalReplayBuffer } from './goal_buffer.ts';
import type { RelabelStrategy } from './relabel.ts';

/** Options of {@link benchGoalSampling}; defaults are Fetch-sized (reference/relabeling_and_multitask.md §6). */
export interface GoalSamplingBenchOptions {
  /** Stored transitions (default 1,000,000). */
  transitions?: number;
  /** Steps per episode (default 50, Fetch). */
  episodeSteps?: number;
  /** Observation length (default 25, FetchPush). */
  obsDim?: number;
  /** Goal length (default 3). */
  goalDim?: number;
  /** Action length (default 4). */
  actDim?: number;
  /** Batch size B (default 256). */
  batch?: number;
  strategy?: RelabelStrategy;
  /** Relabeled goals per original (default 4). */
  k?: number;
  /** Timed batches after 50 untimed ones (default 2000). */
  iters?: number;
}

/** What {@link benchGoalSampling} measured. */
export interface GoalSamplingBenchResult {
  /** Median wall-clock ms per sampled batch (indices, relabeling, gather, reward). */
  medianMs: number;
  /** 95th percentile ms per batch. */
  p95Ms: number;
  /** Seconds spent filling the buffer through `add`. */
  fillSeconds: number;
  /** Transitions stored. */
  size: number;
  /** Bytes held by the buffer's columns. */
  bytes: number;
}

/**
 * Fetch's sparse reward, batched: −(‖ag − g‖ > 0.05), success when ‖ag − g‖ < 0.05 (m)
 * (Gymnasium-Robotics `fetch_env.py`, reference §1.2), so the benchmark pays a realistic reward cost.
 */
export function fetchSparseReward(goalDim: number, threshold = 0.05): GoalRewardFn {
  return (achieved, desired) => {
    const B = achieved.length / goalDim;
    const reward = new Float32Array(B);
    const success = new Uint8Array(B);
    for (let b = 0; b < B; b++) {
      let d2 = 0;
      for (let i = b * goalDim; i < (b + 1) * goalDim; i++) d2 += (achieved[i] - desired[i]) ** 2;
      const ok = Math.sqrt(d2) <= threshold;
      success[b] = ok ? 1 : 0;
      reward[b] = ok ? 0 : -1;
    }
    return { reward, success };
  };
}

/**
 * Fills a goal replay buffer with random Fetch-sized episodes, then times `sample(batch)`.
 * @throws Error when a size is not a positive integer (from the buffer).
 */
export function benchGoalSampling(opts: GoalSamplingBenchOptions = {}): GoalSamplingBenchResult {
  const transitions = opts.transitions ?? 1_000_000;
  const T = opts.episodeSteps ?? 50;
  const obsDim = opts.obsDim ?? 25;
  const goalDim = opts.goalDim ?? 3;
  const actDim = opts.actDim ?? 4;
  const batch = opts.batch ?? 256;
  const iters = opts.iters ?? 2000;
  if (!(Number.isInteger(iters) && iters >= 1))
    throw new Error(`benchGoalSampling: iters must be ≥ 1, got ${iters}`);
  const rng = new Rng(2024);
  const buf = new GoalReplayBuffer({
    capacity: transitions,
    maxEpisodeSteps: T,
    obsDim,
    goalDim,
    actDim,
    reward: fetchSparseReward(goalDim),
    relabel: { strategy: opts.strategy ?? 'future', k: opts.k ?? 4 },
  });
  // A pool of random steps reused cyclically: filling 1M rows with fresh random numbers would time
  // the generator, not the buffer.
  const pool = 997;
  const rnd = (n: number) => rng.fillUniform(new Float32Array(n), -1, 1) as Float32Array;
  const obs = rnd(pool * obsDim);
  const act = rnd(pool * actDim);
  const goals = rng.fillUniform(new Float32Array(pool * goalDim), 0, 0.3) as Float32Array;
  const row = (a: Float32Array, w: number, i: number) => a.subarray((i % pool) * w, ((i % pool) + 1) * w);
  const t0 = performance.now();
  for (let i = 0; i < transitions; i++) {
    const t = i % T;
    buf.add(0, {
      observation: row(obs, obsDim, i),
      action: row(act, actDim, i),
      reward: -1,
      nextObservation: row(obs, obsDim, i + 1),
      achievedGoal: row(goals, goalDim, i),
      nextAchievedGoal: row(goals, goalDim, i + 1),
      desiredGoal: row(goals, goalDim, i - t + 500),
      terminated: false,
      truncated: t === T - 1,
    });
  }
  const fillSeconds = (performance.now() - t0) / 1000;
  const times: number[] = [];
  for (let i = 0; i < iters + 50; i++) {
    const s = performance.now();
    buf.sample(batch, rng);
    if (i >= 50) times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const perRow = 4 * (2 * obsDim + actDim + 3 * goalDim + 3) + 4 + 4 + 8;
  return {
    medianMs: times[Math.floor(times.length / 2)],
    p95Ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.95))],
    fillSeconds,
    size: buf.size,
    bytes: perRow * transitions,
  };
}
