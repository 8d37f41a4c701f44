/**
 * A finite family of goal-reaching tasks on the point mass, for multi-task RL with task relabeling
 * (issue #4 §5 and §7).
 *
 * - Dynamics are the registered point-mass env's (envs.ts, assets/models/point_mass.xml): obs
 *   [x, y, vx, vy], action in [-1, 1]², 0.05 s per step, reset noise qpos0 + U(−0.1, 0.1).
 * - Task t asks for the point mass at goal g_t. Its reward is the task compiler's batched goal reward
 *   (tasks/reward.ts): sparse −1 / 0 within `threshold` (Fetch's −(d > ε), the point-mass task's
 *   0.1 m), or dense −‖x − g_t‖. Success: d < threshold.
 * - The dynamics are task-agnostic and the reward reads only the next achieved position, so any
 *   stored transition can be re-scored under any task: the separation of HIPI's `Dynamics` and
 *   `TaskDistribution.evaluate(states, actions, tasks)` (reference/relabeling_and_multitask.md §2.1).
 * - The env is also a {@link GoalEnv}: achieved goal (x, y), desired goal g_t, so goal-conditioned
 *   code and the replay browser see the current task's goal.
 *
 * Never imports tfjs.
 */
import { makeGoalReward } from '../tasks/reward.ts';
import { PointMassGoalEnvBase } from './point_goal_env.ts';
import { createEnv, type MujocoEnv } from './envs.ts';
import type { GoalEnv, GoalEvaluation, GoalObservation, GoalRewardFn, StepInfo } from './types.ts';

/**
 * A finite family of K tasks over one dynamics, each with a batched pure reward of the next achieved
 * state features ("achieved", Gymnasium-Robotics' achieved goal). Relabeling a transition to task t
 * is `evaluate([t], achieved)`.
 */
export interface TaskFamily {
  /** Family name, for messages and run records. */
  readonly name: string;
  /** K ≥ 1. */
  readonly numTasks: number;
  /** [K] names of the tasks. */
  readonly taskNames: readonly string[];
  /** Width of the achieved features the reward reads. */
  readonly achievedDim: number;
  /** Per-step info columns the reward reads besides the achieved features (none for goal reaching). */
  readonly infoKeys: readonly string[];
  /**
   * Rewards and success flags of B transitions under the given tasks.
   * @param tasks [B] task ids in 0 … K−1
   * @param achieved [B, achievedDim] next achieved features, row-major
   * @param info optional per-transition columns of length B (the family's infoKeys)
   * @returns reward [B], success [B] (1 = success)
   * @throws Error when a task id is not an integer in range or the lengths disagree.
   */
  evaluate(
    tasks: ArrayLike<number>,
    achieved: Float32Array,
    info?: Readonly<Record<string, Float32Array>>,
  ): GoalEvaluation;
}

/** A {@link GoalEnv} whose episodes each pursue one task of a {@link TaskFamily}. */
export interface MultiTaskEnv extends GoalEnv {
  readonly family: TaskFamily;
  /** The task of the current (or, before the first reset, the next) episode. */
  readonly task: number;
  /**
   * Starts an episode of task `task` (default: the current one). `seed` reseeds the env's generator.
   * @throws Error for a task id out of range.
   */
  reset(opts?: { seed?: number; task?: number }): { obs: GoalObservation; info: StepInfo };
}

/** Reward kinds of a goal family: the task compiler's `sparse` and `dense` terms. */
export type GoalFamilyReward = 'sparse' | 'dense';

/** Options of {@link GoalTaskFamily}. */
export interface GoalTaskFamilyOptions {
  /** Family name; default 'goals'. */
  name?: string;
  /** [M][d] goal regions' centres, m: without `subsets` each is one task (K = M). */
  goals: readonly (readonly number[])[];
  /**
   * [K] the regions each task rewards (indices into `goals`): a task is solved in any of its regions,
   * so it has as many solutions (the didactic point-mass tasks of Hausman et al. 2018 §5.1, where a
   * task embedding must cover several solutions). Default: task k rewards region k alone.
   */
  subsets?: readonly (readonly number[])[];
  /** Default 'sparse'. */
  reward?: GoalFamilyReward;
  /** Success radius (and sparse threshold) in m; default 0.1 (point-mass-reach, Fetch uses 0.05). */
  threshold?: number;
}

/**
 * K goal-reaching tasks: task t's reward is the goal reward of (achieved, g), g the region of task t's
 * subset nearest the achieved point (with one region per task, g_t itself).
 */
export class GoalTaskFamily implements TaskFamily {
  readonly name: string;
  readonly numTasks: number;
  /** [K] the regions each task rewards (indices into the goals). */
  readonly subsets: readonly (readonly number[])[];
  readonly taskNames: readonly string[];
  readonly achievedDim: number;
  readonly infoKeys: readonly string[] = Object.freeze([]);
  readonly reward: GoalFamilyReward;
  readonly threshold: number;
  /** [K, d] row-major goals, m. */
  readonly goals: Float32Array;
  /** The shared goal reward, achieved first (tasks/reward.ts). */
  readonly goalReward: GoalRewardFn;

  /**
   * @throws Error for no goals, goals of unequal or zero length, a non-positive threshold, or a subset
   *   that is empty or names a region that does not exist.
   */
  constructor(opts: GoalTaskFamilyOptions) {
    const { goals } = opts;
    const d = goals[0]?.length ?? 0;
    if (goals.length === 0 || d === 0 || goals.some((g) => g.length !== d || !g.every(Number.isFinite)))
      throw new Error('goal task family: goals must be a non-empty list of finite vectors of one length');
    const threshold = opts.threshold ?? 0.1;
    if (!(threshold > 0)) throw new Error(`goal task family: threshold must be > 0, got ${threshold}`);
    this.name = opts.name ?? 'goals';
    const subsets = opts.subsets ?? goals.map((_, k) => [k]);
    subsets.forEach((sub, k) => {
      if (sub.length === 0 || sub.some((r) => !Number.isInteger(r) || r < 0 || r >= goals.length))
        throw new Error(
          `goal task family: task ${k}'s regions must be a non-empty list of region indices 0 … ${goals.length - 1}, got [${sub.join(', ')}]`,
        );
    });
    this.subsets = Object.freeze(subsets.map((sub) => Object.freeze([...sub])));
    this.numTasks = subsets.length;
    this.achievedDim = d;
    this.reward = opts.reward ?? 'sparse';
    this.threshold = threshold;
    this.goals = Float32Array.from(goals.flat());
    const where = (g: readonly number[]) => `(${g.map((v) => v.toFixed(2)).join(', ')})`;
    this.taskNames = Object.freeze(
      this.subsets.map((sub) =>
        sub.length === 1
          ? `goal ${where(goals[sub[0]])}`
          : `any of ${sub.map((r) => where(goals[r])).join(' ')}`,
      ),
    );
    const term =
      this.reward === 'sparse'
        ? { kind: 'sparse' as const, weight: 1, threshold }
        : { kind: 'dense' as const, weight: 1 };
    this.goalReward = makeGoalReward(this.name, d, [term], threshold);
  }

  /**
   * A copy of task t's goal, [d] m: its first region's centre (the desired goal the env shows).
   * @throws Error for a task out of range.
   */
  goal(task: number): Float32Array {
    this.checkTask(task);
    const d = this.achievedDim;
    const r = this.subsets[task][0];
    return this.goals.slice(r * d, (r + 1) * d);
  }

  evaluate(
    tasks: ArrayLike<number>,
    achieved: Float32Array,
    info?: Readonly<Record<string, Float32Array>>,
  ): GoalEvaluation {
    const d = this.achievedDim;
    if (achieved.length !== tasks.length * d)
      throw new Error(
        `${this.name}: evaluate needs achieved of length B*${d} for B = ${tasks.length} tasks, got ${achieved.length}`,
      );
    const desired = new Float32Array(achieved.length);
    for (let b = 0; b < tasks.length; b++) {
      const t = tasks[b];
      this.checkTask(t);
      let best = this.subsets[t][0];
      let bestSq = Infinity;
      for (const r of this.subsets[t]) {
        let sq = 0;
        for (let i = 0; i < d; i++) sq += (achieved[b * d + i] - this.goals[r * d + i]) ** 2;
        if (sq < bestSq) [best, bestSq] = [r, sq];
      }
      desired.set(this.goals.subarray(best * d, (best + 1) * d), b * d);
    }
    return this.goalReward(achieved, desired, info);
  }

  private checkTask(t: number): void {
    if (!Number.isInteger(t) || t < 0 || t >= this.numTasks)
      throw new Error(`${this.name}: task ${t} is not an integer in 0 … ${this.numTasks - 1}`);
  }
}

/**
 * K goals evenly spaced on a circle of radius `radius` m around the origin, the first at angle
 * `phase` rad. With K = 4 and phase π/4 they are the corners of a square of side radius·√2.
 * @throws Error when K is not a positive integer or radius is negative.
 */
export function circleGoals(numTasks: number, radius: number, phase = Math.PI / 4): number[][] {
  if (!Number.isInteger(numTasks) || numTasks < 1)
    throw new Error(`circleGoals: numTasks must be a positive integer, got ${numTasks}`);
  if (!(radius >= 0)) throw new Error(`circleGoals: radius must be ≥ 0, got ${radius}`);
  return Array.from({ length: numTasks }, (_, k) => {
    const a = phase + (2 * Math.PI * k) / numTasks;
    return [radius * Math.cos(a), radius * Math.sin(a)];
  });
}

/** Options of {@link createMultiGoalPointEnv}. */
export interface MultiGoalPointEnvOptions {
  /** [M][2] goals (regions' centres) in m; default {@link circleGoals}(numTasks, radius). */
  goals?: readonly (readonly number[])[];
  /** [K] the regions each task rewards (see {@link GoalTaskFamilyOptions.subsets}); default one each. */
  subsets?: readonly (readonly number[])[];
  /** Used without `goals`; default 4. */
  numTasks?: number;
  /** Used without `goals`: circle radius in m; default 0.3. */
  radius?: number;
  /** Default 'sparse'. */
  reward?: GoalFamilyReward;
  /** Success radius in m; default 0.1 (the point-mass env's). */
  threshold?: number;
  /** Episode length in env steps; default 50 (the point-mass env's). */
  maxEpisodeSteps?: number;
  /** Seed of the env's generator for the first reset that gives none. */
  seed?: number;
  /** Task of the first episode; default 0. */
  task?: number;
}

/** The multi-goal point mass; owns the wrapped point-mass env and closes it in {@link close}. */
export class MultiGoalPointEnv extends PointMassGoalEnvBase implements MultiTaskEnv {
  readonly name: string;
  readonly family: GoalTaskFamily;
  /** Goal reward of (achieved, desired) pairs, the {@link GoalEnv} view of the family's reward. */
  readonly evaluate: GoalRewardFn;
  private currentTask: number;
  private pendingSeed: number | undefined;

  /** Use {@link createMultiGoalPointEnv}. Takes ownership of `inner` (closed here on failure). */
  constructor(inner: MujocoEnv, family: GoalTaskFamily, opts: { seed?: number; task?: number } = {}) {
    super(inner);
    try {
      if (inner.name !== 'point-mass' || family.achievedDim !== 2)
        throw new Error(`multi-goal point mass: needs the point-mass env and 2-d goals`);
      this.family = family;
      this.name = `multi-goal-point-mass(${family.numTasks})`;
      this.evaluate = family.goalReward;
      this.currentTask = 0;
      this.task = opts.task ?? 0;
      this.pendingSeed = opts.seed;
    } catch (err) {
      inner.close();
      throw err;
    }
  }

  get task(): number {
    return this.currentTask;
  }

  /** Sets the task of the next episode. @throws Error for a task out of range. */
  set task(t: number) {
    this.family.goal(t); // range check
    this.currentTask = t;
  }

  /**
   * Starts an episode of `task` (default: the current task).
   * @throws Error for a task out of range or a non-integer seed, or after close.
   */
  reset(opts?: { seed?: number; task?: number }): { obs: GoalObservation; info: StepInfo } {
    if (opts?.task !== undefined) this.task = opts.task;
    // The first reset without a seed uses the construction seed, as Gymnasium envs made with one do.
    const seed = opts?.seed ?? this.pendingSeed;
    this.pendingSeed = undefined;
    const { obs } = this.inner.reset(seed === undefined ? undefined : { seed });
    const info: StepInfo = {};
    const goalObs = this.goalObs(obs);
    this.score(goalObs, info);
    return { obs: goalObs, info };
  }

  protected desiredGoal(): Float32Array {
    return this.family.goal(this.currentTask);
  }

  protected rewardOf(obs: GoalObservation): { reward: number; success: boolean } {
    const ev = this.family.evaluate([this.currentTask], obs.achievedGoal);
    return { reward: ev.reward[0], success: ev.success[0] === 1 };
  }
}

/**
 * Builds the multi-goal point mass.
 * @returns an env that needs `reset()` before `step()`; the caller owns it and must `close()` it.
 * @throws Error for invalid goals, threshold or episode length; MJCF load errors.
 */
export async function createMultiGoalPointEnv(
  opts: MultiGoalPointEnvOptions = {},
): Promise<MultiGoalPointEnv> {
  const family = new GoalTaskFamily({
    name: 'multi-goal-point-mass',
    goals: opts.goals ?? circleGoals(opts.numTasks ?? 4, opts.radius ?? 0.3),
    subsets: opts.subsets,
    reward: opts.reward,
    threshold: opts.threshold,
  });
  const inner = await createEnv('point-mass', { maxEpisodeSteps: opts.maxEpisodeSteps ?? 50 });
  return new MultiGoalPointEnv(inner, family, { seed: opts.seed, task: opts.task });
}
