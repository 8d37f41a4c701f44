import { describe, expect, it } from 'vitest';
import {
  branchFor,
  getAt,
  jsonErrorOffset,
  moveTarget,
  parseJsonText,
  parseNumberText,
  pathKey,
  setAt,
  skeleton,
  switchKind,
  taskFormSchema,
  widgetOf,
} from './task_form.ts';
import { taskHandles } from './task_handles.ts';
import { taskSpecSchema } from '../../../main/api/contract/task_schemas.ts';
import lWallPush from '../../../assets/tasks/l-wall-push.json' with { type: 'json' };

describe('task form logic', () => {
  const schema = taskFormSchema();

  it('derives widgets from the task schema: tuples, unions, lists, enums, numbers with bounds', () => {
    const p = schema.properties!;
    expect(widgetOf(schema)).toBe('object');
    expect(widgetOf(p.robot)).toBe('enum');
    expect(widgetOf(p.version)).toBe('const');
    expect(widgetOf(p.episodeLength)).toBe('number');
    expect(p.episodeLength).toMatchObject({ minimum: 1, maximum: 1000 });
    expect(widgetOf(p.goal.properties!.x)).toBe('tuple');
    expect(widgetOf(p.obstacles)).toBe('list');
    expect(widgetOf(p.obstacles.items as object)).toBe('union');
    expect(widgetOf(p.gripper.properties!.blocked)).toBe('boolean');
    // Defaulted fields are optional in the form (input side of the schema).
    expect(schema.required).not.toContain('episodeLength');
    expect(schema.required).toContain('goal');
  });

  it('sets and removes values by path without touching the original', () => {
    const spec = structuredClone(lWallPush);
    const next = setAt(spec, ['obstacles', 0, 'halfSize', 0], 0.2) as typeof spec;
    expect(next.obstacles[0].halfSize[0]).toBe(0.2);
    expect(spec.obstacles[0].halfSize[0]).toBe(0.16);
    const fewer = setAt(spec, ['obstacles', 0], undefined) as typeof spec;
    expect(fewer.obstacles).toHaveLength(1);
    const noGoalZ = setAt(setAt(spec, ['goal', 'z'], [0, 0.1]), ['goal', 'z'], undefined);
    expect(getAt(noGoalZ, ['goal'])).toEqual(spec.goal);
    expect(pathKey(['objects', 0, 'start', 'x', 1])).toBe('objects[0].start.x[1]');
  });

  it('builds skeletons that validate: a new obstacle of each kind, a switched object kind', () => {
    const obstacle = schema.properties!.obstacles.items as never;
    for (const kind of ['wall', 'rail', 'spring-block']) {
      const spec = structuredClone(lWallPush);
      spec.obstacles = [switchKind(obstacle, skeleton(obstacle), kind) as never];
      expect(taskSpecSchema.safeParse(spec).success, kind).toBe(true);
    }
    const object = schema.properties!.objects.items as never;
    const puck = switchKind(object, lWallPush.objects[0], 'puck') as Record<string, unknown>;
    expect(puck).toMatchObject({ kind: 'puck', mass: 2, friction: 1 });
    expect(branchFor(object, puck).properties?.radius).toBeDefined();
  });

  it('reads number text and locates JSON errors by line and column', () => {
    expect(parseNumberText(' 0.25 ')).toBe(0.25);
    expect(parseNumberText('abc')).toBe('abc');
    expect(parseNumberText('')).toBe('');
    const bad = parseJsonText('{\n  "a": 1,\n  "b": }\n');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problem).toMatchObject({ line: 3, column: 8 });
    const cases: Array<[string, number | null]> = [
      ['{"a": [1, 2,]}', 12],
      ['{"a": tru}', 6],
      ['{"a": "x\\q"}', 9],
      ['{"a": 1} x', 9],
      ['{"a": -}', 6],
      ['{"a": "\\u00e9", "b": [true, null, 1.5e3]}', null],
    ];
    for (const [text, offset] of cases) expect(jsonErrorOffset(text), text).toBe(offset);
    expect(parseJsonText('[1]')).toEqual({ ok: true, value: [1] });
  });

  it('writes dragged positions back: regions keep their size, obstacles take the new pos (mm)', () => {
    const spec = structuredClone(lWallPush);
    const goal = moveTarget(spec, { kind: 'goal' }, 0.3, 0.1) as typeof spec;
    expect(goal.goal.x).toEqual([0.25, 0.35]);
    expect(goal.goal.y[1] - goal.goal.y[0]).toBeCloseTo(0.11, 6);
    const wall = moveTarget(spec, { kind: 'obstacle', index: 1 }, 0.123456, -0.2) as typeof spec;
    expect(wall.obstacles[1].pos).toEqual([0.123, -0.2]);
    const obj = moveTarget(spec, { kind: 'object', index: 0 }, 0, 0) as typeof spec;
    expect(obj.objects[0].start).toEqual({ x: [-0.05, 0.05], y: [-0.1, 0.1] });
  });

  it('lists the handles of a scene: goal region, walls with yaw, object start regions', () => {
    const handles = taskHandles(structuredClone(lWallPush));
    expect(handles.map((h) => h.label)).toEqual([
      'goal region',
      'obstacles[0] (wall)',
      'obstacles[1] (wall)',
      'objects[0] start region',
    ]);
    expect(handles[1]).toMatchObject({ center: [0.05, -0.05, 0.04], half: [0.16, 0.01, 0.04] });
    expect(handles[1].yaw).toBeCloseTo(Math.PI / 2);
    expect(handles[0].center[0]).toBeCloseTo(0.17);
  });
});
