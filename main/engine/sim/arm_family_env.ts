/**
 * What the arm's task-family envs share (multi_goal_arm_env.ts's reach family, arm_skill_family.ts's
 * pre-training families): one wrapped {@link ArmEnv} whose spaces, timing and physics they forward,
 * the current task, and the construction seed the first reset uses when it is given none.
 *
 * Never imports tfjs.
 */
import type { ArmEnv } from './arm_env.ts';
import type { MultiTaskEnv, TaskFamily } from './multi_goal_env.ts';
import type { BoxSpace, GoalObservation, GoalRewardFn, GoalStepResult, StepInfo } from './types.ts';

/**
 * `space` followed by `n` unbounded entries: the observation of an env that shows more than the arm's
 * state (the block's start, a goal). `space` itself when n is 0.
 */
export function withUnboundedEntries(space: BoxSpace, n: number): BoxSpace {
  if (n === 0) return space;
  const fill = (v: number) => new Float32Array(n).fill(v);
  return {
    shape: [space.shape[0] + n],
    low: Float32Array.from([...space.low, ...fill(-Infinity)]),
    high: Float32Array.from([...space.high, ...fill(Infinity)]),
  };
}

/** The base of an arm task family's env; owns the wrapped arm env and closes it in {@link close}. */
export abstract class ArmFamilyEnv<F extends TaskFamily> implements MultiTaskEnv {
  readonly observationSpace: BoxSpace;
  readonly goalSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly dt: number;
  readonly maxEpisodeSteps: number;
  readonly nq: number;
  protected currentTask = 0;
  private pendingSeed: number | undefined;

  /**
   * Takes ownership of `inner`. `extraObservation` entries (unbounded) follow the arm's observation
   * (a family whose reward reads more than the arm's state shows them to the policy).
   */
  constructor(
    protected readonly inner: ArmEnv,
    readonly family: F,
    readonly name: string,
    readonly evaluate: GoalRewardFn,
    seed: number | undefined,
    extraObservation = 0,
  ) {
    this.observationSpace = withUnboundedEntries(inner.observationSpace, extraObservation);
    this.goalSpace = inner.goalSpace;
    this.actionSpace = inner.actionSpace;
    this.dt = inner.dt;
    this.maxEpisodeSteps = inner.maxEpisodeSteps;
    this.nq = inner.nq;
    this.pendingSeed = seed;
  }

  get task(): number {
    return this.currentTask;
  }

  get elapsedSteps(): number {
    return this.inner.elapsedSteps;
  }

  /** The arm env underneath. */
  get arm(): ArmEnv {
    return this.inner;
  }

  abstract reset(opts?: { seed?: number; task?: number }): { obs: GoalObservation; info: StepInfo };
  abstract step(action: ArrayLike<number>): GoalStepResult;

  /**
   * The seed a reset uses: its own, else the construction seed on the first reset that gives none
   * (as Gymnasium envs made with a seed do), else none (the env's generator goes on).
   */
  protected resetSeed(seed: number | undefined): number | undefined {
    const out = seed ?? this.pendingSeed;
    this.pendingSeed = undefined;
    return out;
  }

  /**
   * The task a reset starts: `task`, or the current one.
   * @throws Error for a task that is not an integer in 0 … K − 1.
   */
  protected resetTask(task: number | undefined): number {
    const t = task ?? this.currentTask;
    if (!Number.isInteger(t) || t < 0 || t >= this.family.numTasks)
      throw new Error(`${this.name}: task ${t} is not an integer in 0 … ${this.family.numTasks - 1}`);
    this.currentTask = t;
    return t;
  }

  qpos(): Float64Array {
    return this.inner.qpos();
  }

  close(): void {
    this.inner.close();
  }
}
