/**
 * Task names, and how a name becomes a spec: a built-in task (assets/tasks) or the workspace task
 * `<workspace>/tasks/<name>.json`, nothing else. A name follows {@link TASK_NAME_PATTERN}, so it is
 * never a path (no separator, no dot, no `..`) and resolving one cannot read a file outside the
 * built-in tasks or the workspace's tasks folder. This is the only resolution the API offers
 * (issue #10 §2). Task files a user names on the command line (`skill-lab train --task FILE`) are
 * the one other way in, kept apart in goal_sac_run.ts (`resolveTaskSpec` with `files: true`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_TASK_NAMES, builtinTask, isBuiltinTask } from './builtin.ts';
import { parseTaskSpec, TASK_NAME_PATTERN, TASK_NAME_RULE, type TaskSpec } from './schema.ts';

/** True when `value` is a task name (see the file comment): never a path. */
export function isTaskName(value: unknown): boolean {
  return typeof value === 'string' && TASK_NAME_PATTERN.test(value);
}

/** What a task may be, in words, for error messages. */
export const TASK_NAMES_ALLOWED =
  `a built-in task (${BUILTIN_TASK_NAMES.join(', ')}) or a workspace task ` +
  `(<workspace>/tasks/<name>.json) by its name: ${TASK_NAME_RULE}; not a path`;

/**
 * A value given as a task that is not a task name. Nothing was read for it, and the message says
 * only what the caller sent (shortened) and what is allowed.
 */
export class TaskNameError extends Error {
  constructor(readonly value: string) {
    const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    super(`${JSON.stringify(shown)} is not a task name; a task is ${TASK_NAMES_ALLOWED}`);
    this.name = 'TaskNameError';
  }
}

/** The folder of a workspace's task files. */
export function workspaceTasksDir(workspace: string): string {
  return join(workspace, 'tasks');
}

/**
 * The file of workspace task `name`, `<workspace>/tasks/<name>.json`.
 * @throws TaskNameError when `name` is not a task name (a path, `..`, an empty string …).
 */
export function workspaceTaskFile(workspace: string, name: string): string {
  if (!isTaskName(name)) throw new TaskNameError(name);
  return join(workspaceTasksDir(workspace), `${name}.json`);
}

/**
 * The spec of task `name`: a built-in task, else the workspace task `<workspace>/tasks/<name>.json`.
 * @param workspace null: built-in tasks only.
 * @throws TaskNameError for a value that is not a task name (nothing is read); Error naming the
 *   workspace file when there is no such task; Error for a workspace file that is not JSON and
 *   TaskSpecError for one that is not a valid spec (both name the file, inside the workspace).
 */
export function resolveTaskName(name: string, workspace: string | null): TaskSpec {
  if (isBuiltinTask(name)) return builtinTask(name);
  if (!isTaskName(name)) throw new TaskNameError(name);
  const file = workspace ? workspaceTaskFile(workspace, name) : null;
  if (!file || !existsSync(file))
    throw new Error(
      `task "${name}": not a built-in task (${BUILTIN_TASK_NAMES.join(', ')})` +
        (file ? ` and no workspace task ${file}` : ''),
    );
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read task file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseTaskSpec(json, file);
}
