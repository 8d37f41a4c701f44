import { afterEach, describe, expect, it } from 'vitest';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabService } from './service.ts';
import { call, rejection } from './test_helpers.ts';
import { builtinTask } from '../../engine/tasks/index.ts';

const services: LabService[] = [];
const dirs: string[] = [];
function newService(): { service: LabService; workspace: string } {
  const workspace = mkdtempSync(join(tmpdir(), 'skill-lab-tasks-'));
  dirs.push(workspace);
  const service = new LabService({ workspace, preview: false });
  services.push(service);
  return { service, workspace };
}
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** l-wall-push under a new name. */
function lwall(name = 'my-l-wall'): Record<string, unknown> {
  return { ...builtinTask('l-wall-push'), name };
}

describe('task requests', () => {
  it('lists the built-in tasks, then workspace tasks; unreadable files are reported, not fatal', async () => {
    const { service, workspace } = newService();
    let list = await call(service, 'listTasks', {});
    expect(list.tasks.map((t) => t.name)).toContain('l-wall-push');
    expect(list.tasks.every((t) => t.source === 'builtin')).toBe(true);
    expect(list.tasks.find((t) => t.name === 'point-mass-reach')?.robot).toBe('point-mass');

    await call(service, 'saveTask', { spec: lwall() });
    mkdirSync(join(workspace, 'tasks'), { recursive: true });
    writeFileSync(join(workspace, 'tasks', 'broken.json'), '{ not json');
    writeFileSync(join(workspace, 'tasks', 'push.json'), JSON.stringify(builtinTask('push')));
    list = await call(service, 'listTasks', {});
    expect(list.tasks.at(-1)).toMatchObject({ name: 'my-l-wall', source: 'workspace', robot: 'arm' });
    expect(list.tasks.filter((t) => t.name === 'push')).toHaveLength(1);
    expect(list.unreadable.map((u) => u.file).sort()).toEqual(['broken.json', 'push.json']);
    expect(list.unreadable.find((u) => u.file === 'broken.json')?.error).toMatch(/not valid JSON/);
  });

  it('gets built-in and workspace specs; unknown and path-like names are refused', async () => {
    const { service } = newService();
    const builtin = await call(service, 'getTask', { name: 'l-wall-push' });
    expect(builtin.source).toBe('builtin');
    expect(builtin.spec).toEqual(builtinTask('l-wall-push'));
    await call(service, 'saveTask', { spec: lwall() });
    const mine = await call(service, 'getTask', { name: 'my-l-wall' });
    expect(mine).toMatchObject({ name: 'my-l-wall', source: 'workspace' });
    expect((await rejection(service.getTask({ name: 'nope' }))).code).toBe('not_found');
    const bad = await rejection(service.getTask({ name: '../etc/passwd' }));
    expect(bad.code).toBe('invalid');
    expect(bad.issues?.[0].path).toBe('name');
  });

  it('validates: field-level issues with path and range; warnings and MJCF for a valid spec', async () => {
    const { service } = newService();
    const spec = lwall();
    (spec.objects as Array<Record<string, unknown>>)[0].mass = 50;
    const bad = await call(service, 'validateTask', { spec });
    expect(bad.valid).toBe(false);
    expect(bad.xml).toBeNull();
    expect(bad.issues).toContainEqual({
      path: 'objects[0].mass',
      message: 'must be in [0.01, 10] kg, got 50',
    });

    const notObject = await call(service, 'validateTask', { spec: 'hello' });
    expect(notObject.valid).toBe(false);
    expect(notObject.issues[0].path).toBe('');

    const ok = await call(service, 'validateTask', { spec: lwall() });
    expect(ok).toMatchObject({ valid: true, issues: [] });
    expect(ok.xml).toMatch(/<mujoco/);
    expect(ok.xml).toMatch(/name="obstacle0"/);

    const far = lwall();
    far.goal = { x: [1.2, 1.3], y: [0, 0.1] };
    const warned = await call(service, 'validateTask', { spec: far });
    expect(warned.valid).toBe(true);
    expect(warned.warnings.some((w) => w.field === 'goal' && /beyond the arm/.test(w.message))).toBe(true);
    expect((await rejection(service.validateTask({ spec: {}, extra: 1 } as never))).code).toBe('invalid');
  });

  it('saves atomically to <workspace>/tasks/<name>.json; invalid specs and built-in names write nothing', async () => {
    const { service, workspace } = newService();
    const saved = await call(service, 'saveTask', { spec: lwall() });
    expect(saved.task).toMatchObject({ name: 'my-l-wall', source: 'workspace' });
    const file = join(workspace, 'tasks', 'my-l-wall.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(saved.spec);
    expect(readdirSync(join(workspace, 'tasks'))).toEqual(['my-l-wall.json']); // no temp files left

    const invalid = lwall('other');
    invalid.episodeLength = 0;
    const err = await rejection(service.saveTask({ spec: invalid }));
    expect(err.code).toBe('invalid');
    expect(err.issues).toContainEqual({
      path: 'episodeLength',
      message: 'must be an integer in [1, 1000] steps, got 0',
    });
    expect(existsSync(join(workspace, 'tasks', 'other.json'))).toBe(false);

    const conflict = await rejection(service.saveTask({ spec: builtinTask('l-wall-push') }));
    expect(conflict.code).toBe('conflict');
    expect(conflict.message).toMatch(/new name.*l-wall-push-copy/);
    expect(existsSync(join(workspace, 'tasks', 'l-wall-push.json'))).toBe(false);

    const evil = await rejection(service.saveTask({ spec: lwall('../../x') }));
    expect(evil.code).toBe('invalid');
    expect(evil.issues?.[0].path).toBe('name');
  });

  it('deletes workspace tasks only', async () => {
    const { service, workspace } = newService();
    await call(service, 'saveTask', { spec: lwall() });
    expect(await call(service, 'deleteTask', { name: 'my-l-wall' })).toEqual({ name: 'my-l-wall' });
    expect(existsSync(join(workspace, 'tasks', 'my-l-wall.json'))).toBe(false);
    expect((await rejection(service.deleteTask({ name: 'my-l-wall' }))).code).toBe('not_found');
    expect((await rejection(service.deleteTask({ name: 'reach' }))).code).toBe('conflict');
    expect(builtinTask('reach').name).toBe('reach');
    expect((await rejection(service.deleteTask({ name: 'a/b' }))).code).toBe('invalid');
  });

  it('samples resets with the real env: qpos and goals inside the goal region, reproducible by seed', async () => {
    const { service } = newService();
    const spec = lwall();
    const { samples } = await call(service, 'sampleResets', { spec, count: 10, seed: 3 });
    expect(samples).toHaveLength(10);
    const goal = builtinTask('l-wall-push').goal;
    for (const s of samples) {
      expect(s.qpos.length).toBeGreaterThan(9);
      expect(s.goal[0]).toBeGreaterThanOrEqual(goal.x[0]);
      expect(s.goal[0]).toBeLessThanOrEqual(goal.x[1]);
      expect(s.goal[1]).toBeGreaterThanOrEqual(goal.y[0]);
      expect(s.goal[1]).toBeLessThanOrEqual(goal.y[1]);
    }
    expect(new Set(samples.map((s) => s.goal.join())).size).toBeGreaterThan(1);
    const again = await call(service, 'sampleResets', { spec, count: 10, seed: 3 });
    expect(again.samples).toEqual(samples);

    const pm = await call(service, 'sampleResets', { spec: builtinTask('point-mass-reach'), count: 2 });
    expect(pm.samples[0].goal[2]).toBe(0);
    expect(pm.samples[0].qpos).toHaveLength(2);

    // No randomization, no physics draws.
    expect(samples.every((s) => Object.keys(s.physics).length === 0)).toBe(true);

    expect((await rejection(service.sampleResets({ spec, count: 21 }))).issues?.[0].path).toBe('count');
    const bad = await rejection(service.sampleResets({ spec: { ...spec, robot: 'tank' } }));
    expect(bad.code).toBe('invalid');
    expect(bad.issues?.[0]).toMatchObject({ path: 'robot' });
  });

  it('shows the physics each sampled reset drew: shared and per-body scale factors inside their ranges (issue #13 B1)', async () => {
    const { service } = newService();
    const spec = {
      ...lwall(),
      randomization: {
        friction: [0.8, 1.2],
        damping: [1, 3],
        bodies: [
          { body: 'table', friction: [0.2, 0.3] },
          { body: 'object0', mass: [2, 4] },
        ],
      },
    };
    const { samples } = await call(service, 'sampleResets', { spec, count: 6, seed: 1 });
    for (const s of samples) {
      expect(Object.keys(s.physics)).toEqual([
        'friction_scale',
        'damping_scale',
        'table_friction_scale',
        'object0_mass_scale',
      ]);
      const p = s.physics;
      expect(p.friction_scale).toBeGreaterThanOrEqual(0.8);
      expect(p.friction_scale).toBeLessThan(1.2);
      expect(p.damping_scale).toBeGreaterThanOrEqual(1);
      expect(p.table_friction_scale).toBeLessThan(0.3);
      expect(p.object0_mass_scale).toBeGreaterThanOrEqual(2);
    }
    expect(new Set(samples.map((s) => s.physics.object0_mass_scale)).size).toBe(6);
  });
});

describe('task requests with oversized specs', () => {
  /** A value nested `depth` levels deep: objects, or arrays with `array`. */
  function nested(depth: number, array = false): unknown {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = array ? [v] : { a: v };
    return v;
  }

  it('refuses a spec nested 100,000 levels deep with an issue naming the field and the limit (no stack overflow)', async () => {
    const { service, workspace } = newService();
    for (const [method, spec] of [
      ['validateTask', nested(100_000)],
      ['validateTask', { ...lwall(), name: nested(100_000) }],
      ['saveTask', { ...lwall(), objects: nested(100_000, true) }],
      ['sampleResets', { ...lwall(), goal: nested(100_000) }],
    ] as const) {
      const answer = await service.call(method, { spec }, 1);
      expect(answer, method).toMatchObject({
        ok: false,
        error: {
          code: 'invalid',
          issues: [{ path: 'spec', message: expect.stringMatching(/deeper than 32 levels/) }],
        },
      });
    }
    expect(existsSync(join(workspace, 'tasks'))).toBe(false);
    // Within the limit, a deep but bad field is an ordinary field issue.
    const shallow = await call(service, 'validateTask', { spec: { ...lwall(), name: nested(20) } });
    expect(shallow.issues).toEqual([expect.objectContaining({ path: 'name' })]);
  });
});
