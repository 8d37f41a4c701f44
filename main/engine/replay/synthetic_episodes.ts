/**
 * Synthetic Fetch-sized episodes (qpos 16, goal 3, action 4, 50 steps) for the episode store's
 * tests and benchmark: goals on a Fetch table (x ∈ [1.05, 1.55], y ∈ [0.40, 1.10], z = 0.42 m),
 * an achieved goal that moves part of the way towards the goal each step, and Fetch's sparse
 * reward −(‖ag_{t+1} − g‖ > 0.05). Deterministic given the Rng.
 */
import type { Rng } from '../rng.ts';
import type { EpisodeRecord, EpisodeShape } from './episode_store.ts';

/** Fetch's sizes, the task named 'synthetic-push'. */
export const FETCH_SHAPE: EpisodeShape = Object.freeze({
  task: 'synthetic-push',
  goalDim: 3,
  actDim: 4,
  nq: 16,
  infoKeys: [],
  dt: 0.04,
});

/** Success radius of the synthetic reward, m (Fetch's). */
export const SYNTHETIC_THRESHOLD = 0.05;

/**
 * Episode `id` of T steps (default 50) for `shape` (goalDim ≥ 2; extra goal dims get 0.42).
 * @param iteration collecting iteration; envStep is derived as (id + 1)·T
 */
export function syntheticEpisode(
  id: number,
  rng: Rng,
  shape: EpisodeShape = FETCH_SHAPE,
  T = 50,
  iteration = 1 + Math.floor(id / 4),
): EpisodeRecord {
  const { goalDim: G, actDim: A, nq, infoKeys } = shape;
  const goal = new Float32Array(G).fill(0.42);
  goal[0] = rng.uniformRange(1.05, 1.55);
  goal[1] = rng.uniformRange(0.4, 1.1);
  const ag = new Float32Array((T + 1) * G);
  ag.set([1.3, 0.75].slice(0, G), 0);
  for (let i = 2; i < G; i++) ag[i] = 0.42;
  const pull = rng.uniformRange(0, 0.15); // some episodes reach the goal, most do not
  for (let t = 1; t <= T; t++) {
    for (let i = 0; i < G; i++) {
      const prev = ag[(t - 1) * G + i];
      ag[t * G + i] = prev + pull * (goal[i] - prev) + rng.uniformRange(-0.002, 0.002);
    }
  }
  const reward = new Float32Array(T);
  const stepSuccess = new Uint8Array(T);
  let ret = 0;
  for (let t = 0; t < T; t++) {
    let d2 = 0;
    for (let i = 0; i < G; i++) d2 += (ag[(t + 1) * G + i] - goal[i]) ** 2;
    const ok = Math.sqrt(d2) <= SYNTHETIC_THRESHOLD;
    stepSuccess[t] = ok ? 1 : 0;
    reward[t] = ok ? 0 : -1;
    ret += reward[t];
  }
  const qpos = new Float32Array((T + 1) * nq);
  for (let i = 0; i < qpos.length; i++) qpos[i] = (i < nq ? 0 : qpos[i - nq]) + rng.uniformRange(-0.01, 0.01);
  const action = new Float32Array(T * A);
  for (let i = 0; i < action.length; i++) action[i] = rng.uniformRange(-1, 1);
  const info = new Float32Array(T * infoKeys.length);
  for (let i = 0; i < info.length; i++) info[i] = rng.uniformRange(0, 1);
  // Drawn last, so that shapes without physics keys give the same episodes as before they existed.
  const physics = Float64Array.from(shape.physicsKeys ?? [], () => rng.uniformRange(0.5, 2));
  return {
    episodeId: id,
    iteration,
    envStep: (id + 1) * T,
    envIndex: id % 2,
    task: shape.task,
    desiredGoal: goal,
    length: T,
    return: ret,
    success: stepSuccess[T - 1] === 1,
    qpos,
    achievedGoal: ag.slice(0, T * G),
    nextAchievedGoal: ag.slice(G),
    action,
    reward,
    stepSuccess,
    info,
    physics,
  };
}
