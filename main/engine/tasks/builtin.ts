/**
 * Task files: the built-in specs in assets/tasks/*.json (Fetch Reach/Push/PickAndPlace/Slide scaled
 * to our arm, the transfer tasks of Hausman et al. 2018, point-mass goal reaching), and loading and
 * saving user task files. Saving validates first and writes atomically (temp file + rename), so a
 * task file is never half-written.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic.ts';
import { assetsDir } from '../paths.ts';
import { parseTaskSpec, serializeTaskSpec, type TaskSpec, type TaskSpecInput } from './schema.ts';

/** Names of the built-in tasks, in the order the task list shows them. */
export const BUILTIN_TASK_NAMES = Object.freeze([
  'reach',
  'push',
  'pick-and-place',
  'slide',
  'l-wall-push',
  'spring-wall',
  'rail-push',
  'point-mass-reach',
] as const);

export type BuiltinTaskName = (typeof BUILTIN_TASK_NAMES)[number];

/** Absolute path of assets/tasks. */
export function builtinTasksDir(): string {
  return join(assetsDir(), 'tasks');
}

/** True when `name` is a built-in task. */
export function isBuiltinTask(name: unknown): name is BuiltinTaskName {
  return typeof name === 'string' && (BUILTIN_TASK_NAMES as readonly string[]).includes(name);
}

function parseTaskText(text: string, path: string): TaskSpec {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`Cannot parse task file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseTaskSpec(json, path);
}

function readError(path: string, err: unknown): Error {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT')
    return new Error(`Task file not found: ${path}`, { cause: err });
  return new Error(`Cannot read task file ${path}: ${(err as Error).message}`, { cause: err });
}

/**
 * Reads and validates a task file.
 * @throws Error `Task file not found: <path>`; `Cannot parse task file <path>: …` for bad JSON;
 *   TaskSpecError `Invalid task spec <path>:` with one `<field>: <allowed>, got <value>` line per problem.
 */
export async function loadTaskFile(path: string): Promise<TaskSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw readError(path, err);
  }
  return parseTaskText(text, path);
}

/**
 * Validates `spec` and writes it as JSON to `path` atomically (creating the directory).
 * @returns the validated spec that was written (defaults filled in).
 * @throws TaskSpecError when the spec is invalid (nothing is written); the file system's error otherwise.
 */
export async function saveTaskFile(path: string, spec: TaskSpec | TaskSpecInput): Promise<TaskSpec> {
  const valid = parseTaskSpec(spec, path);
  await writeFileAtomic(path, serializeTaskSpec(valid));
  return valid;
}

const builtinCache = new Map<string, TaskSpec>();

/**
 * The spec of a built-in task (read once, then cached; callers get a deep copy).
 * @throws Error listing the built-in names for an unknown name; load errors as {@link loadTaskFile}.
 */
export function builtinTask(name: string): TaskSpec {
  if (!isBuiltinTask(name))
    throw new Error(`Unknown task "${name}"; built-in tasks: ${BUILTIN_TASK_NAMES.join(', ')}`);
  let spec = builtinCache.get(name);
  if (!spec) {
    const path = join(builtinTasksDir(), `${name}.json`);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw readError(path, err);
    }
    spec = parseTaskText(text, path);
    builtinCache.set(name, spec);
  }
  return structuredClone(spec);
}
