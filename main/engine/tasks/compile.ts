/**
 * Task spec → what a goal env runs: the MJCF scene, the batched pure reward `evaluate(achieved,
 * desired, info)` (achieved first, Gymnasium-Robotics), the info columns that reward reads, and the
 * reset / goal samplers. {@link checkTask} reports scenes that cannot work before anyone trains on them.
 *
 * Info columns (per transition, after the step; the env puts them in `step().info`, a replay buffer
 * stores them and hands them back to `evaluate` when it relabels):
 * - `eeObjectDistance` (m): grip site to the first object, read by the `ee-object` term;
 * - `liftHeight` (m): first object's centre above its resting height, read by the `lift` term.
 * Both depend on the state only, never on the goal, so relabeling keeps them.
 *
 * Never imports tfjs.
 */
import type { Rng } from '../rng.ts';
import type { GoalRewardFn } from './goal_reward.ts';
import { taskMjcf } from './mjcf.ts';
import { makeGoalReward, rewardInfoKeys } from './reward.ts';
import { goalDim, sampleGoal, sampleObjectPositions } from './samplers.ts';
import { parseTaskSpec, type TaskSpec, type TaskSpecInput } from './schema.ts';

export { checkTask, type TaskWarning } from './check.ts';

/** A validated spec with everything an env needs to run it. */
export interface CompiledTask {
  readonly spec: TaskSpec;
  /** MJCF text of the scene (compiles from memory). */
  readonly xml: string;
  /** 3 (x, y, z) for the arm, 2 (x, y) for the point mass. */
  readonly goalDim: number;
  /** The task's reward; see the module docs for the info columns. */
  readonly evaluate: GoalRewardFn;
  /** Names of the info columns `evaluate` reads (empty for goal-only rewards). */
  readonly infoKeys: readonly string[];
  /** Draws the objects' reset x-y centres, [nObjects·2] m. @throws Error when they cannot be placed. */
  sampleObjects(rng: Rng): Float64Array;
  /** Draws a desired goal, [goalDim] m. */
  sampleGoal(rng: Rng): Float64Array;
}

/**
 * Validates (filling defaults) and compiles a task spec.
 * @param source names the spec in validation errors (a file path or task name).
 * @throws TaskSpecError naming each bad field and its allowed range; Error when a model template is unreadable.
 */
export function compileTask(input: TaskSpec | TaskSpecInput, source?: string): CompiledTask {
  const spec = parseTaskSpec(
    input,
    source ?? (typeof input.name === 'string' ? `"${input.name}"` : '<spec>'),
  );
  const dim = goalDim(spec);
  return Object.freeze({
    spec,
    xml: taskMjcf(spec),
    goalDim: dim,
    evaluate: makeGoalReward(spec.name, dim, spec.reward, spec.success.threshold),
    infoKeys: Object.freeze(rewardInfoKeys(spec.reward)),
    sampleObjects: (rng: Rng) => sampleObjectPositions(spec, rng),
    sampleGoal: (rng: Rng) => sampleGoal(spec, rng),
  });
}
