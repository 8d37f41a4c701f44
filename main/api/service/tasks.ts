/**
 * The task editor's requests (issue #4 §3), implemented against the engine's task specs for one
 * workspace: built-in tasks are read-only, workspace tasks live in `<workspace>/tasks/<name>.json`
 * and are written atomically after validation (an invalid spec writes nothing).
 *
 * Every function validates its params against the contract and throws {@link ApiError}: 'invalid'
 * with field-level issues (`objects[0].mass`, as the schema's messages name them), 'conflict' for
 * writes to a built-in task, 'not_found' for an unknown task. Node only (files, MuJoCo).
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import {
  BUILTIN_TASK_NAMES,
  builtinTask,
  checkTask,
  compileTask,
  formatPath,
  formatTaskIssues,
  isBuiltinTask,
  saveTaskFile,
  taskSpecSchema,
  workspaceTaskFile,
  workspaceTasksDir,
  type TaskSpec,
} from '../../engine/tasks/index.ts';
import { createGoalEnv } from '../../engine/sim/goal_envs.ts';
import { ApiError, checkParams, type ApiIssue, type ParamsOf, type ResultOf } from '../contract/contract.ts';
import type { TaskSample, TaskSummary } from '../contract/task_schemas.ts';

/** The one way from a task name to its file (engine/tasks/task_names.ts): never a path outside. */
const taskPath = workspaceTaskFile;

/**
 * A spec's problems as API issues: path `objects[0].mass`, message the schema's line without the
 * path (`must be in [0.01, 10] kg, got 50`); empty when the spec is valid.
 */
export function specIssues(input: unknown): { spec: TaskSpec | null; issues: ApiIssue[] } {
  const result = taskSpecSchema.safeParse(input);
  if (result.success) return { spec: result.data, issues: [] };
  const lines = formatTaskIssues(result.error.issues, input);
  const issues = result.error.issues.map((issue, k) => {
    const path = issue.path.length ? formatPath(issue.path) : '';
    const line = lines[k];
    const prefix = `${formatPath(issue.path)}: `;
    return { path, message: line.startsWith(prefix) ? line.slice(prefix.length) : line };
  });
  return { spec: null, issues };
}

/** A valid spec, or ApiError 'invalid' naming every bad field. */
function validSpec(input: unknown, what: string): TaskSpec {
  const { spec, issues } = specIssues(input);
  if (spec) return spec;
  const lines = issues.map((i) => `${i.path || '(spec)'}: ${i.message}`).join('\n  ');
  throw new ApiError('invalid', `invalid task spec ${what}:\n  ${lines}`, issues);
}

function summary(spec: TaskSpec, source: TaskSummary['source']): TaskSummary {
  return { name: spec.name, source, robot: spec.robot, description: spec.description ?? '' };
}

async function readWorkspaceTask(workspace: string, name: string): Promise<TaskSpec> {
  const path = taskPath(workspace, name);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ApiError(
        'not_found',
        `no task "${name}" (built-in tasks: ${BUILTIN_TASK_NAMES.join(', ')})`,
        [{ path: 'name', message: `no task "${name}"` }],
      );
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ApiError('internal', `${path}: not valid JSON (${(err as Error).message})`);
  }
  const spec = validSpec(json, path);
  if (spec.name !== name)
    throw new ApiError('internal', `${path}: its spec is named "${spec.name}", not "${name}"`);
  return spec;
}

/**
 * Built-in tasks in their fixed order, then the workspace's tasks by name. A workspace file that
 * cannot be read, does not validate, or whose name is not its spec's name is listed in `unreadable`.
 */
export async function listTasks(
  workspace: string,
  params?: ParamsOf<'listTasks'>,
): Promise<ResultOf<'listTasks'>> {
  checkParams('listTasks', params);
  const tasks: TaskSummary[] = BUILTIN_TASK_NAMES.map((name) => summary(builtinTask(name), 'builtin'));
  const unreadable: ResultOf<'listTasks'>['unreadable'] = [];
  const dir = workspaceTasksDir(workspace);
  const files = existsSync(dir)
    ? readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('.'))
    : [];
  for (const file of files.sort()) {
    const name = file.slice(0, -'.json'.length);
    try {
      if (isBuiltinTask(name)) throw new Error(`"${name}" is a built-in task's name; rename the file`);
      tasks.push(summary(await readWorkspaceTask(workspace, name), 'workspace'));
    } catch (err) {
      unreadable.push({ file, error: (err as Error).message });
    }
  }
  return { tasks, unreadable };
}

/** A task's spec (defaults filled in). @throws ApiError 'not_found' for an unknown name. */
export async function getTask(workspace: string, params: ParamsOf<'getTask'>): Promise<ResultOf<'getTask'>> {
  const { name } = checkParams('getTask', params);
  if (isBuiltinTask(name)) return { name, source: 'builtin', spec: builtinTask(name) };
  return { name, source: 'workspace', spec: await readWorkspaceTask(workspace, name) };
}

/**
 * Validates a spec: issues for bad fields; for a valid spec the checkTask warnings and the compiled
 * MJCF. Never throws for a bad spec (that is the answer), only for bad params.
 */
export async function validateTask(params: ParamsOf<'validateTask'>): Promise<ResultOf<'validateTask'>> {
  const { spec: input } = checkParams('validateTask', params);
  const { spec, issues } = specIssues(input);
  if (!spec) return { valid: false, issues, warnings: [], xml: null };
  return { valid: true, issues: [], warnings: checkTask(spec), xml: compileTask(spec).xml };
}

/**
 * Saves a spec as workspace task `spec.name` (atomic: readers see the old file or the new one).
 * @throws ApiError 'invalid' with issues (nothing written); 'conflict' for a built-in task's name.
 */
export async function saveTask(
  workspace: string,
  params: ParamsOf<'saveTask'>,
): Promise<ResultOf<'saveTask'>> {
  const { spec: input } = checkParams('saveTask', params);
  const spec = validSpec(input, 'not saved');
  if (isBuiltinTask(spec.name))
    throw new ApiError(
      'conflict',
      `"${spec.name}" is a built-in task and read-only; save it under a new name (e.g. "${spec.name}-copy")`,
      [{ path: 'name', message: `is a built-in task's name; choose a new one, e.g. "${spec.name}-copy"` }],
    );
  const saved = await saveTaskFile(taskPath(workspace, spec.name), spec);
  return { task: summary(saved, 'workspace'), spec: saved };
}

/** Removes a workspace task. @throws ApiError 'conflict' for a built-in, 'not_found' for an unknown name. */
export async function deleteTask(
  workspace: string,
  params: ParamsOf<'deleteTask'>,
): Promise<ResultOf<'deleteTask'>> {
  const { name } = checkParams('deleteTask', params);
  if (isBuiltinTask(name))
    throw new ApiError('conflict', `"${name}" is a built-in task and cannot be deleted`);
  const path = taskPath(workspace, name);
  if (!existsSync(path))
    throw new ApiError('not_found', `no workspace task "${name}"`, [
      { path: 'name', message: `no task "${name}"` },
    ]);
  await rm(path);
  return { name };
}

/**
 * `count` resets of the spec's real env (first seeded with `seed`, the rest continue its generator):
 * qpos and the desired goal padded to (x, y, z). The env is closed whatever happens.
 * @throws ApiError 'invalid' with issues for a bad spec; the env's error when objects cannot be placed.
 */
export async function sampleResets(params: ParamsOf<'sampleResets'>): Promise<ResultOf<'sampleResets'>> {
  const { spec: input, count, seed } = checkParams('sampleResets', params);
  const spec = validSpec(input, 'cannot be sampled');
  const env = await createGoalEnv(spec, { seed });
  try {
    const samples: TaskSample[] = [];
    for (let k = 0; k < count; k++) {
      const { obs } = env.reset(k === 0 ? { seed } : {});
      const g = obs.desiredGoal;
      const keys = env.physicsKeys ?? [];
      const draws = env.physics?.() ?? [];
      samples.push({
        qpos: Array.from(env.qpos()),
        goal: [g[0], g[1], g.length > 2 ? g[2] : 0],
        physics: Object.fromEntries(keys.map((k, i) => [k, draws[i]])),
      });
    }
    return { samples };
  } finally {
    env.close();
  }
}
