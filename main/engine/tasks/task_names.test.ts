import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinTask, serializeTaskSpec } from './index.ts';
import {
  isTaskName,
  resolveTaskName,
  TaskNameError,
  workspaceTaskFile,
  workspaceTasksDir,
} from './task_names.ts';
import { checkRunTask, resolveTaskSpec } from '../algos/goal_sac_run.ts';
import { resolveRunConfig } from '../presets.ts';

const root = mkdtempSync(join(tmpdir(), 'skill-lab-task-names-'));
const workspace = join(root, 'workspace');
mkdirSync(join(workspace, 'tasks'), { recursive: true });
writeFileSync(
  join(workspace, 'tasks', 'my-reach.json'),
  serializeTaskSpec({ ...builtinTask('reach'), name: 'my-reach' }),
);
// Outside the workspace: a valid spec with a secret in it, and a JSON file that is no spec.
const outsideSpec = join(root, 'outside-spec.json');
writeFileSync(
  outsideSpec,
  serializeTaskSpec({ ...builtinTask('reach'), name: 'outside', description: 'SECRET-DESCRIPTION' }),
);
const outsideJunk = join(root, 'outside-junk.json');
writeFileSync(outsideJunk, JSON.stringify({ password: 'hunter2', robot: 'SECRET-ROBOT' }));

afterAll(() => rmSync(root, { recursive: true, force: true }));

const NOT_NAMES = [
  outsideSpec,
  outsideJunk,
  join(root, 'missing.json'),
  '../outside-spec',
  '../../outside-spec.json',
  'my-reach/../../../outside-spec',
  '..',
  '.',
  '',
  'reach.json',
  'a/b',
  'a\\b',
  'C:\\tasks\\x.json',
  'a\0b',
  'Reach',
  'x'.repeat(65),
];

describe('task names', () => {
  it('are plain ids, never paths', () => {
    for (const name of ['reach', 'my-reach', 'l-wall-push', '0', 'x'.repeat(64)])
      expect(isTaskName(name)).toBe(true);
    for (const text of NOT_NAMES) expect(isTaskName(text), text).toBe(false);
    expect(isTaskName(undefined)).toBe(false);
    expect(workspaceTaskFile(workspace, 'my-reach')).toBe(
      join(workspaceTasksDir(workspace), 'my-reach.json'),
    );
    for (const text of NOT_NAMES)
      expect(() => workspaceTaskFile(workspace, text), text).toThrow(TaskNameError);
  });

  it('resolve to a built-in or workspace task only; any other text is refused without reading it', () => {
    expect(resolveTaskName('push', workspace).name).toBe('push');
    expect(resolveTaskName('my-reach', workspace).name).toBe('my-reach');
    expect(() => resolveTaskName('my-reach', null)).toThrow(/not a built-in task/);
    expect(() => resolveTaskName('nope', workspace)).toThrow(join(workspace, 'tasks', 'nope.json'));
    const messages = new Map<string, string>();
    for (const text of NOT_NAMES) {
      let message = '';
      try {
        resolveTaskName(text, workspace);
      } catch (err) {
        expect(err, text).toBeInstanceOf(TaskNameError);
        message = (err as Error).message;
      }
      expect(message, text).toMatch(/is not a task name; a task is a built-in task \(reach, .*not a path/);
      expect(message).not.toMatch(/SECRET|hunter2|password/);
      messages.set(text, message.replace(JSON.stringify(text), '<text>'));
    }
    // Whether an outside path exists, and what it holds, does not change the answer.
    expect(messages.get(outsideSpec)).toBe(messages.get(join(root, 'missing.json')));
    expect(messages.get(outsideJunk)).toBe(messages.get(join(root, 'missing.json')));
  });

  it('are all checkRunTask takes by default (the API); files only with files: true (the CLI)', () => {
    const config = (task: string) =>
      resolveRunConfig({ algo: 'goal-sac', preset: 'arm-reach', overrides: { task } }).config;
    expect(() => checkRunTask(config('my-reach'), workspace)).not.toThrow();
    for (const text of [outsideSpec, '../../outside-spec.json'])
      expect(() => checkRunTask(config(text), workspace, { field: 'overrides.task' }), text).toThrow(
        expect.objectContaining({
          issues: [{ path: 'overrides.task', message: expect.stringMatching(/is not a task name/) }],
        }),
      );
    // Another algorithm never reads the task, but a path is still no task name over the API.
    const sac = resolveRunConfig({
      algo: 'sac',
      preset: 'point-mass',
      overrides: { task: outsideSpec },
    }).config;
    expect(() => checkRunTask(sac, workspace)).toThrow(/is not a task name/);

    // `skill-lab train --task FILE`: the user names the file on their own command line.
    expect(resolveTaskSpec(outsideSpec, workspace, { files: true }).description).toBe('SECRET-DESCRIPTION');
    expect(() => checkRunTask(config(outsideSpec), workspace, { files: true })).not.toThrow();
    expect(() => resolveTaskSpec(outsideSpec, workspace)).toThrow(TaskNameError);
  });
});
