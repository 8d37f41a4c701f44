/**
 * The goal envs of task specs: `createGoalEnv(task, {seed})` builds the arm or the point mass for a
 * built-in task name, a task file path, a spec or a compiled task. Lives in sim (it builds envs) so
 * that tasks never imports sim: tasks describes and compiles, sim simulates.
 */
import { createArmEnv, type ArmEnv } from './arm_env.ts';
import { createPointGoalEnv, type PointGoalEnv } from './point_goal_env.ts';
import { builtinTask, loadTaskFile } from '../tasks/builtin.ts';
import { compileTask, type CompiledTask } from '../tasks/compile.ts';
import type { TaskSpec, TaskSpecInput } from '../tasks/schema.ts';

/** Options of {@link createGoalEnv}. */
export interface GoalEnvOptions {
  /** Seed of the env's generator for the first reset that gives none (default: from the OS). */
  seed?: number;
}

/** The goal env of a task: the arm or the point mass, with the info columns its reward reads. */
export type TaskGoalEnv = ArmEnv | PointGoalEnv;

/**
 * Builds the goal env of a task.
 * @param task a built-in task name (tasks/index.ts listTasks), a path to a task file (ending in .json),
 *   a spec object, or an already compiled task.
 * @returns an env that needs `reset()` before `step()`; the caller owns it and must `close()` it.
 * @throws Error for an unknown name (listing the built-in ones) or an unreadable file;
 *   TaskSpecError naming each bad field; MJCF errors from the compiled scene.
 */
export async function createGoalEnv(
  task: string | TaskSpec | TaskSpecInput | CompiledTask,
  opts: GoalEnvOptions = {},
): Promise<TaskGoalEnv> {
  let compiled: CompiledTask;
  if (typeof task === 'string')
    compiled = compileTask(task.endsWith('.json') ? await loadTaskFile(task) : builtinTask(task), task);
  else if ('xml' in task && 'evaluate' in task) compiled = task;
  else compiled = compileTask(task);
  return compiled.spec.robot === 'arm' ? createArmEnv(compiled, opts) : createPointGoalEnv(compiled, opts);
}
