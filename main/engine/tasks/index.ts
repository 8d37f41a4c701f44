/**
 * Goal-conditioned tasks: schema, compiler, checks and file helpers re-exported; `listTasks()` lists
 * the built-in ones. The envs of tasks are built in sim (sim/goal_envs.ts createGoalEnv): tasks
 * never imports sim or tfjs.
 */
import { builtinTask, BUILTIN_TASK_NAMES } from './builtin.ts';
import type { TaskSpec } from './schema.ts';

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
