import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILTIN_TASK_NAMES, builtinTask, builtinTasksDir, loadTaskFile, saveTaskFile } from './builtin.ts';
import { listTasks } from './index.ts';
import { TaskSpecError } from './schema.ts';

const tmp = mkdtempSync(join(tmpdir(), 'skill-lab-tasks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('task files', () => {
  it('ships exactly the built-in tasks, each named like its file', () => {
    const files = readdirSync(builtinTasksDir())
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(files).toEqual(BUILTIN_TASK_NAMES.map((n) => `${n}.json`).sort());
    for (const name of BUILTIN_TASK_NAMES) expect(builtinTask(name).name).toBe(name);
    expect(() => builtinTask('stack')).toThrow(/Unknown task "stack"; built-in tasks: reach, push/);
  });

  it('lists the built-in tasks', () => {
    const list = listTasks();
    expect(list.map((t) => t.name)).toEqual([...BUILTIN_TASK_NAMES]);
    expect(list.find((t) => t.name === 'push')).toMatchObject({
      robot: 'arm',
      objects: 1,
      episodeLength: 50,
    });
    expect(list.find((t) => t.name === 'point-mass-reach')?.robot).toBe('point-mass');
  });

  it('loading names the file and the field', async () => {
    const missing = join(tmp, 'missing.json');
    await expect(loadTaskFile(missing)).rejects.toThrow(`Task file not found: ${missing}`);
    const broken = join(tmp, 'broken.json');
    writeFileSync(broken, '{ "version": 1,');
    await expect(loadTaskFile(broken)).rejects.toThrow(`Cannot parse task file ${broken}:`);
    const bad = join(tmp, 'bad.json');
    const spec = JSON.parse(JSON.stringify(builtinTask('push')));
    spec.objects[0].friction = 5;
    writeFileSync(bad, JSON.stringify(spec));
    const err = (await loadTaskFile(bad).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(TaskSpecError);
    expect(err.message).toBe(`Invalid task spec ${bad}:\n  objects[0].friction: must be in [0.01, 2], got 5`);
  });

  it('saving validates, writes atomically and round-trips', async () => {
    const path = join(tmp, 'sub', 'my-push.json');
    const spec = { ...builtinTask('push'), name: 'my-push' };
    const written = await saveTaskFile(path, spec);
    expect(await loadTaskFile(path)).toEqual(written);
    const before = readFileSync(path, 'utf8');
    await expect(saveTaskFile(path, { ...spec, episodeLength: 0 })).rejects.toThrow(
      /episodeLength: must be an integer/,
    );
    // Nothing half-written: the old file is intact and no temp file is left behind.
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(join(tmp, 'sub'))).toEqual(['my-push.json']);
  });
});
