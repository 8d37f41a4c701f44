/**
 * Goal-conditioned tasks: `createGoalEnv(task, {seed})` builds the env of a built-in task name, a
 * task file path or a spec; `listTasks()` lists the built-in ones. Schema, compiler, checks and
 * file helpers are re-exported. Never imports tfjs.
 */
import { createArmEnv, type ArmEnv } from '../sim/arm_env.ts';
import { createPointGoalEnv, type PointGoalEnv } from '../sim/point_goal_env.ts';
import { builtinTask, BUILTIN_TASK_NAMES, loadTaskFile } from './builtin.ts';
import { compileTask, type CompiledTask } from './compile.ts';
import type { TaskSpec, TaskSpecInput } from './schema.ts';

export * from './schema.ts';
export { compileTask, checkTask, type CompiledTask, type TaskWarning } from './compile.ts';
export {
  BUILTIN_TASK_NAMES,
  builtinTask,
  builtinTasksDir,
  isBuiltinTask,
  loadTaskFile,
  saveTaskFile,
} from './builtin.ts';
export { INFO_EE_OBJECT_DISTANCE, INFO_LIFT_HEIGHT } from './reward.ts';
export {
  isTaskName,
  resolveTaskName,
  TASK_NAMES_ALLOWED,
  TaskNameError,
  workspaceTaskFile,
  workspaceTasksDir,
} from './task_names.ts';

/** Options of {@link createGoalEnv}. */
export interface GoalEnvOptions {
  /** Seed of the env's generator for the first reset that gives none (default: from the OS). */
  seed?: number;
}

/** The goal env of a task: the arm or the point mass, with the info columns its reward reads. */
export type TaskGoalEnv = ArmEnv | PointGoalEnv;

/**
 * Builds the goal env of a task.
 * @param task a built-in task name (see {@link listTasks}), a path to a task file (ending in .json),
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

/** A row of the task list. */
export interface TaskListing {
  name: string;
  robot: TaskSpec['robot'];
  description: string;
  /** Number of objects the task moves. */
  objects: number;
  episodeLength: number;
}

/** The built-in tasks, in a stable order. @throws Error when a built-in file is missing or invalid. */
export function listTasks(): TaskListing[] {
  return BUILTIN_TASK_NAMES.map((name) => {
    const spec = builtinTask(name);
    return {
      name,
      robot: spec.robot,
      description: spec.description ?? '',
      objects: spec.objects.length,
      episodeLength: spec.episodeLength,
    };
  });
}
