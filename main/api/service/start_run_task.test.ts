import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { builtinTask, serializeTaskSpec } from '../../engine/tasks/index.ts';
import { serviceForFile } from './test_helpers.ts';

const { root, workspace, service } = serviceForFile('skill-lab-start-task-');
const outsideSpec = join(root, 'outside-spec.json');
writeFileSync(
  outsideSpec,
  serializeTaskSpec({ ...builtinTask('reach'), name: 'outside', description: 'SECRET-DESCRIPTION' }),
);
const outsideJunk = join(root, 'outside-junk.json');
writeFileSync(outsideJunk, JSON.stringify({ password: 'hunter2', robot: 'SECRET-ROBOT' }));
const missing = join(root, 'missing.json');

describe('startRun task names (issue #10 §2)', () => {
  it('refuses a task that is a path, whatever the file holds or whether it exists, and creates nothing', async () => {
    const answers = new Map<string, string>();
    for (const task of [
      outsideSpec,
      outsideJunk,
      missing,
      relative(process.cwd(), outsideSpec),
      '../outside-spec.json',
      '../../outside-spec',
      'reach/../../outside-spec',
    ]) {
      const answer = await service.call('startRun', {
        algo: 'goal-sac',
        preset: 'arm-reach',
        overrides: { task },
      });
      expect(answer.ok, task).toBe(false);
      if (answer.ok) continue;
      expect(answer.error.code).toBe('invalid');
      expect(answer.error.issues).toEqual([
        {
          path: 'overrides.task',
          message: expect.stringMatching(/is not a task name; a task is a built-in task/),
        },
      ]);
      const text = JSON.stringify(answer.error);
      expect(text, task).not.toMatch(/SECRET|hunter2|password/);
      answers.set(task, answer.error.message.replace(JSON.stringify(task), '<task>'));
    }
    // The answer tells nothing about an outside path: existing spec, junk and missing read alike.
    expect(answers.get(outsideSpec)).toBe(answers.get(missing));
    expect(answers.get(outsideJunk)).toBe(answers.get(missing));

    // Not for algorithms that ignore the task either: a run's config never names an outside file.
    const sac = await service.call('startRun', {
      algo: 'sac',
      preset: 'point-mass',
      overrides: { task: outsideSpec },
    });
    expect(sac).toMatchObject({
      ok: false,
      error: { code: 'invalid', issues: [{ path: 'overrides.task' }] },
    });

    expect(existsSync(join(workspace, 'runs')) ? readdirSync(join(workspace, 'runs')) : []).toEqual([]);
    expect(service.liveRunIds()).toEqual([]);
  });

  it('names the workspace task that does not exist, inside the workspace', async () => {
    const answer = await service.call('startRun', {
      algo: 'goal-sac',
      preset: 'arm-reach',
      overrides: { task: 'no-such-task' },
    });
    expect(answer).toMatchObject({
      ok: false,
      error: { code: 'invalid', issues: [{ path: 'overrides.task' }] },
    });
    if (!answer.ok) expect(answer.error.message).toContain(join(workspace, 'tasks', 'no-such-task.json'));
  });
});
