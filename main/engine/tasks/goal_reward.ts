/**
 * The contract of a goal task's reward, shared by the task compiler (tasks/compile.ts), the goal
 * envs (sim/), hindsight relabeling (replay/) and evaluation. Types only; never imports sim or tfjs.
 */

/** Rewards and success flags for a batch of B (achieved, desired) goal pairs. */
export interface GoalEvaluation {
  /** [B] */
  reward: Float32Array;
  /** [B], 1 for success */
  success: Uint8Array;
}

/**
 * The batched, pure reward of a goal task, achieved goal first as in Gymnasium-Robotics'
 * `compute_reward(achieved_goal, desired_goal, info)` (reference/relabeling_and_multitask.md §1.2).
 * `achieved` and `desired` are row-major [B, goalDim]; `info` holds optional per-transition
 * columns of length B (e.g. the step's extra scalars). Training, relabeling and evaluation all call
 * the same function, so a relabeled reward equals the reward the env would have given.
 * @throws Error when the lengths are not B·goalDim.
 */
export type GoalRewardFn = (
  achieved: Float32Array,
  desired: Float32Array,
  info?: Readonly<Record<string, Float32Array>>,
) => GoalEvaluation;
