/**
 * Planning tasks over f(s): what MPPI scores on predicted trajectories and what the executor judges
 * on the executed one. A task reads only f(s) — the state function the skills were learned on — so it
 * can be scored on the skill dynamics' predictions.
 *
 * - Reach a goal / follow waypoints w_0..w_{n−1} in the coordinates `dims` of f(s) (x-y for the
 *   point mass and Ant). The progress i is the waypoint being headed for; reaching it (‖f − w_i‖ <
 *   radius) moves on to i + 1, and the last one is never passed. The distance to go is
 *       D(f, i) = ‖f − w_i‖ + Σ_{j>i} ‖w_j − w_{j−1}‖
 *   (a single goal: the distance to it). Reaching w_i never raises D (triangle inequality), so
 *   following the route is never penalized. Per-step rewards:
 *     dense:  r = −D(f, i)   (DADS's goal reward −‖g − u‖, paper §5 / App. A.5, generalized to a route)
 *     sparse: r = bonus·(i + [‖f − w_i‖ < sparseRadius])   (reference code eval_mppi's
 *             sparsify_rewards: 5·[distance < 2 m], counted per waypoint reached)
 * - Any goal task whose reward reads only the achieved goal (task spec terms 'dense' and 'sparse'):
 *   its own batched reward (tasks/reward.ts) with f(s)[dims] as the achieved goal.
 *
 * The planner scores a candidate by Σ_{t=1..T} r(f_t, i_t), advancing i_t along the candidate's own
 * predicted states by the same rule as execution. Never imports tfjs.
 */
import type { GoalRewardFn } from '../sim/types.ts';
import { makeGoalReward } from '../tasks/reward.ts';
import type { TaskSpec } from '../tasks/schema.ts';
import type { TrajectoryScore } from './mppi.ts';

/** Where an episode stands on a task: the index of the waypoint being headed for. */
export interface TaskProgress {
  next: number;
}

/** A task over f(s); see the file comment. */
export interface PlanningTask {
  /** For reports and messages. */
  readonly name: string;
  /** Indices into f(s) of the coordinates the task reads. */
  readonly dims: readonly number[];
  /** Waypoints (a goal task has one), each of length dims.length; the goal is the last. */
  readonly targets: readonly (readonly number[])[];
  /** Distance in f's units (m for x-y) under which a waypoint counts as reached and an episode as a success. */
  readonly radius: number;
  /** Progress at an episode's start. */
  start(): TaskProgress;
  /** Advances `progress` past a waypoint that `f` [fDim] reached. */
  observe(progress: TaskProgress, f: Float32Array): void;
  /** D(f, i): the distance to go from `f` [fDim]. */
  distanceToGo(f: Float32Array, progress: TaskProgress): number;
  /** The planner's objective from `progress`: Σ_t r over each candidate's predicted states. */
  objective(progress: TaskProgress): TrajectoryScore;
}

/** The per-step reward form of {@link waypointTask}. */
export type RouteReward =
  | { kind: 'dense' }
  | {
      kind: 'sparse';
      /** Reward per waypoint reached (reference code: 5). */
      bonus: number;
      /** Distance counted as "at the waypoint" for the reward (reference code: 2 m on Ant). */
      radius: number;
    };

/** Options of {@link waypointTask} and {@link goalTask}. */
export interface RouteOptions {
  /** Indices into f(s) of the goal coordinates (e.g. [0, 1] for f = x-y). */
  dims: readonly number[];
  /** Success / waypoint radius in f's units (> 0). */
  radius: number;
  /** Default dense. */
  reward?: RouteReward;
  name?: string;
}

function checkPoint(p: readonly number[], dims: number, what: string): void {
  if (!Array.isArray(p) || p.length !== dims || !p.every((v) => typeof v === 'number' && Number.isFinite(v)))
    throw new Error(`${what} must be ${dims} finite numbers, got ${JSON.stringify(p)}`);
}

function checkOptions(opts: RouteOptions): void {
  if (
    !Array.isArray(opts.dims) ||
    opts.dims.length === 0 ||
    !opts.dims.every((d) => Number.isInteger(d) && d >= 0)
  )
    throw new Error(
      `task dims must be a non-empty list of indices into f(s), got ${JSON.stringify(opts.dims)}`,
    );
  if (!(opts.radius > 0 && Number.isFinite(opts.radius)))
    throw new Error(`task radius must be a positive number, got ${opts.radius}`);
  const r = opts.reward;
  if (r && r.kind === 'sparse') {
    if (!(r.bonus > 0 && Number.isFinite(r.bonus)))
      throw new Error(`sparse reward bonus must be positive, got ${r.bonus}`);
    if (!(r.radius > 0 && Number.isFinite(r.radius)))
      throw new Error(`sparse reward radius must be positive, got ${r.radius}`);
  }
}

class RouteTask implements PlanningTask {
  readonly name: string;
  readonly dims: readonly number[];
  readonly targets: readonly (readonly number[])[];
  readonly radius: number;
  private readonly reward: RouteReward;
  /** Σ_{j>i} ‖w_j − w_{j−1}‖ per i. */
  private readonly remaining: Float64Array;
  /** When set, the reward of a single goal comes from this function instead of {@link reward}. */
  private readonly goalReward: GoalRewardFn | null;

  constructor(
    waypoints: readonly (readonly number[])[],
    opts: RouteOptions,
    goalReward: GoalRewardFn | null,
  ) {
    checkOptions(opts);
    if (!Array.isArray(waypoints) || waypoints.length === 0)
      throw new Error('a route needs at least one waypoint');
    waypoints.forEach((w, i) =>
      checkPoint(w, opts.dims.length, waypoints.length > 1 ? `waypoint ${i + 1}` : 'goal'),
    );
    this.dims = Object.freeze([...opts.dims]);
    this.targets = Object.freeze(waypoints.map((w) => Object.freeze([...w])));
    this.radius = opts.radius;
    this.reward = opts.reward ?? { kind: 'dense' };
    this.goalReward = goalReward;
    const n = waypoints.length;
    this.remaining = new Float64Array(n);
    for (let i = n - 2; i >= 0; i--)
      this.remaining[i] = this.remaining[i + 1] + dist(waypoints[i + 1], waypoints[i]);
    this.name =
      opts.name ??
      (n === 1 ? `goal (${waypoints[0].join(', ')})` : `${n} waypoints to (${waypoints[n - 1].join(', ')})`);
  }

  start(): TaskProgress {
    return { next: 0 };
  }

  /** ‖f[dims] − w_i‖ for f at offset `o` of `buf`. */
  private gap(buf: Float32Array, o: number, i: number): number {
    const w = this.targets[i];
    let s = 0;
    for (let j = 0; j < this.dims.length; j++) {
      const v = buf[o + this.dims[j]] - w[j];
      s += v * v;
    }
    return Math.sqrt(s);
  }

  /** Advances i past reached waypoints for the row at `o`; returns the new i. */
  private advance(buf: Float32Array, o: number, i: number): number {
    while (i < this.targets.length - 1 && this.gap(buf, o, i) < this.radius) i++;
    return i;
  }

  observe(progress: TaskProgress, f: Float32Array): void {
    progress.next = this.advance(f, 0, progress.next);
  }

  distanceToGo(f: Float32Array, progress: TaskProgress): number {
    return this.gap(f, 0, progress.next) + this.remaining[progress.next];
  }

  objective(progress: TaskProgress): TrajectoryScore {
    const start = progress.next;
    return (traj, K, rows) => {
      const fDim = traj.length / (K * rows);
      if (!Number.isInteger(fDim) || this.dims.some((d) => d >= fDim))
        throw new Error(
          `${this.name}: trajectories of ${traj.length} numbers do not fit K = ${K}, ${rows} rows and the task's f(s) dims`,
        );
      if (this.goalReward) return this.scoreWithGoalReward(traj, K, rows, fDim);
      const out = new Float32Array(K);
      const r = this.reward;
      for (let k = 0; k < K; k++) {
        let i = start;
        let total = 0;
        for (let t = 1; t < rows; t++) {
          const o = (k * rows + t) * fDim;
          i = this.advance(traj, o, i);
          const g = this.gap(traj, o, i);
          total += r.kind === 'dense' ? -(g + this.remaining[i]) : r.bonus * (i + (g < r.radius ? 1 : 0));
        }
        out[k] = total;
      }
      return out;
    };
  }

  private scoreWithGoalReward(traj: Float32Array, K: number, rows: number, fDim: number): Float32Array {
    const g = this.dims.length;
    const n = K * (rows - 1);
    const achieved = new Float32Array(n * g);
    const desired = new Float32Array(n * g);
    const goal = this.targets[0];
    for (let k = 0, b = 0; k < K; k++) {
      for (let t = 1; t < rows; t++, b++) {
        const o = (k * rows + t) * fDim;
        for (let j = 0; j < g; j++) {
          achieved[b * g + j] = traj[o + this.dims[j]];
          desired[b * g + j] = goal[j];
        }
      }
    }
    const { reward } = this.goalReward!(achieved, desired);
    const out = new Float32Array(K);
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let t = 0; t < rows - 1; t++) s += reward[k * (rows - 1) + t];
      out[k] = s;
    }
    return out;
  }
}

function dist(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j] - b[j]) ** 2;
  return Math.sqrt(s);
}

/**
 * Reach one goal in the coordinates `dims` of f(s).
 * @throws Error naming the goal or option when it is not valid (not dims.length finite numbers, radius ≤ 0…).
 */
export function goalTask(goal: readonly number[], opts: RouteOptions): PlanningTask {
  return new RouteTask([goal], opts, null);
}

/**
 * Visit waypoints in order, ending at the last.
 * @throws Error naming the waypoint or option when it is not valid.
 */
export function waypointTask(waypoints: readonly (readonly number[])[], opts: RouteOptions): PlanningTask {
  return new RouteTask(waypoints, opts, null);
}

/**
 * A goal task from a task spec whose reward reads only the achieved goal: its terms 'dense' and
 * 'sparse' scored on f(s)[dims] against `goal`, success within the spec's success threshold.
 * @param dims indices into f(s) of the achieved goal (e.g. x, y for the point mass)
 * @throws Error naming the task and the term when a reward term reads more than f(s) ('ee-object',
 *   'lift'), or when the goal does not fit.
 */
export function taskSpecGoalTask(
  spec: TaskSpec,
  goal: readonly number[],
  dims: readonly number[],
): PlanningTask {
  spec.reward.forEach((term, i) => {
    if (term.kind !== 'dense' && term.kind !== 'sparse')
      throw new Error(
        `task ${spec.name}: reward[${i}] '${term.kind}' reads more than f(s) (a per-step info column); ` +
          "planning over skills supports terms that read only the achieved goal: 'dense', 'sparse'",
      );
  });
  const reward = makeGoalReward(spec.name, dims.length, spec.reward, spec.success.threshold);
  return new RouteTask(
    [goal],
    { dims, radius: spec.success.threshold, name: `${spec.name} (${goal.join(', ')})` },
    reward,
  );
}

/**
 * Positions within f(s) of the observation columns `wanted` (e.g. the env's x-y coordinate dims).
 * @param fDims the observation columns f(s) reads, in order
 * @throws Error saying what f(s) lacks.
 */
export function positionsInF(fDims: readonly number[], wanted: readonly number[], what: string): number[] {
  return wanted.map((w) => {
    const p = fDims.indexOf(w);
    if (p < 0)
      throw new Error(
        `${what} need f(s) to include observation column ${w}; this f(s) reads columns [${fDims.join(', ')}]`,
      );
    return p;
  });
}
