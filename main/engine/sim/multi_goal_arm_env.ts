/**
 * The arm reach family: K goal-reaching tasks for the arm's grip site, for multi-task RL over one
 * dynamics (issue #11 §3: REINFORCE "on the multi-goal point mass and the arm reach family").
 *
 * - Dynamics, observation and control are the built-in `reach` task's arm (assets/tasks/reach.json,
 *   sim/arm_env.ts: Fetch Reach's Cartesian control, 10-D observation, gripper blocked, 50 steps).
 * - Task k asks for the grip site at goal g_k: K goals evenly spaced on a horizontal circle of
 *   `radius` m around the gripper's start (0, 0, 0.2), first at angle π/4, at the start's height.
 * - Rewards are the family's (sim/multi_goal_env.ts GoalTaskFamily over 3-D goals): sparse −1/0
 *   within `threshold` (the reach task's 0.05 m) or dense −distance; success within the threshold.
 *   Any transition can be re-scored under any task from its achieved goal, as on the point mass.
 *
 * Never imports tfjs.
 */
import { builtinTask, compileTask } from '../tasks/index.ts';
import { createArmEnv, type ArmEnv } from './arm_env.ts';
import { ArmFamilyEnv } from './arm_family_env.ts';
import { circleGoals, GoalTaskFamily, type GoalFamilyReward } from './multi_goal_env.ts';
import type { GoalObservation, GoalStepResult, StepInfo } from './types.ts';

/** Where the reach task's gripper starts (x, y, height above the table), m: the goals' centre. */
const REACH_START = [0, 0, 0.2] as const;

/** Options of {@link createMultiGoalArmEnv}. */
export interface MultiGoalArmEnvOptions {
  /** K, default 4. */
  numTasks?: number;
  /** Radius of the goals' circle around the gripper's start, m; default 0.1. */
  radius?: number;
  /** Default 'sparse'. */
  reward?: GoalFamilyReward;
  /** Success radius (and sparse threshold), m; default 0.05 (the reach task's). */
  threshold?: number;
  /** Episode length in env steps; default the reach task's 50. */
  maxEpisodeSteps?: number;
  /** Seed of the env's generator for the first reset that gives none. */
  seed?: number;
}

/** The arm reach family's env; owns the wrapped arm env and closes it in {@link close}. */
export class MultiGoalArmEnv extends ArmFamilyEnv<GoalTaskFamily> {
  /** Use {@link createMultiGoalArmEnv}. Takes ownership of `inner`. */
  constructor(inner: ArmEnv, family: GoalTaskFamily, opts: { seed?: number } = {}) {
    super(inner, family, `arm-reach-family(${family.numTasks})`, family.goalReward, opts.seed);
  }

  /**
   * Starts an episode of `task` (default: the current one) with the desired goal g_task.
   * @throws Error for a task out of range, a non-integer seed, or after close.
   */
  reset(opts?: { seed?: number; task?: number }): { obs: GoalObservation; info: StepInfo } {
    const goal = this.family.goal(this.resetTask(opts?.task));
    const seed = this.resetSeed(opts?.seed);
    const out = this.inner.reset({ ...(seed === undefined ? {} : { seed }), goal });
    return { obs: out.obs, info: { ...out.info, ...this.scored(out.obs.achievedGoal) } };
  }

  /** The arm's step, rewarded and judged by the family under the current task. */
  step(action: ArrayLike<number>): GoalStepResult {
    const out = this.inner.step(action);
    const { reward, ...info } = this.scored(out.obs.achievedGoal);
    return { ...out, reward, info: { ...out.info, ...info } };
  }

  private scored(achieved: Float32Array): { reward: number; success: boolean } {
    const ev = this.family.evaluate([this.currentTask], achieved);
    return { reward: ev.reward[0], success: ev.success[0] === 1 };
  }
}

/**
 * Builds the arm reach family's env.
 * @returns an env that needs `reset()` before `step()`; the caller owns it and must `close()` it.
 * @throws Error for a bad number of tasks, radius, threshold or episode length; MJCF errors.
 */
export async function createMultiGoalArmEnv(opts: MultiGoalArmEnvOptions = {}): Promise<MultiGoalArmEnv> {
  const radius = opts.radius ?? 0.1;
  if (!(radius > 0 && radius <= 0.15))
    throw new Error(`arm reach family: radius must be in (0, 0.15] m (the reach workspace), got ${radius}`);
  const goals = circleGoals(opts.numTasks ?? 4, radius).map(([x, y]) => [
    REACH_START[0] + x,
    REACH_START[1] + y,
    REACH_START[2],
  ]);
  const family = new GoalTaskFamily({
    name: 'arm-reach-family',
    goals,
    reward: opts.reward,
    threshold: opts.threshold ?? 0.05,
  });
  const spec = builtinTask('reach');
  const task = compileTask(
    opts.maxEpisodeSteps === undefined ? spec : { ...spec, episodeLength: opts.maxEpisodeSteps },
    'reach',
  );
  const inner = await createArmEnv(task, { seed: opts.seed });
  return new MultiGoalArmEnv(inner, family, { seed: opts.seed });
}
