import { describe, expect, it } from 'vitest';
import { BUILTIN_TASK_NAMES, builtinTask } from './builtin.ts';
import {
  formatTaskIssues,
  parseTaskSpec,
  serializeTaskSpec,
  taskSpecSchema,
  TaskSpecError,
} from './schema.ts';

/** The validation lines of `input`, or [] when it is valid. */
function problems(input: unknown): string[] {
  const r = taskSpecSchema.safeParse(input);
  return r.success ? [] : formatTaskIssues(r.error.issues, input);
}

function push(): Record<string, any> {
  return JSON.parse(JSON.stringify(builtinTask('push')));
}

describe('task spec schema', () => {
  it.each(BUILTIN_TASK_NAMES.map((n) => [n]))(
    'built-in %s validates and round-trips JSON → spec → JSON',
    (name) => {
      const spec = builtinTask(name);
      expect(problems(spec)).toEqual([]);
      const text = serializeTaskSpec(spec);
      const again = parseTaskSpec(JSON.parse(text), name);
      expect(again).toEqual(spec);
      expect(serializeTaskSpec(again)).toBe(text);
    },
  );

  it('names the field and the range of an out-of-range number', () => {
    const bad = push();
    bad.objects[0].mass = 50;
    expect(problems(bad)).toEqual(['objects[0].mass: must be in [0.01, 10] kg, got 50']);
    bad.objects[0].mass = 1;
    bad.goal.x = [0.2, 0.1];
    expect(problems(bad)).toEqual(['goal.x: must have low <= high, got [0.2,0.1]']);
    bad.goal.x = [-0.1, 0.1];
    bad.obstacles = [{ kind: 'wall', pos: [0, 0], yaw: 0, halfSize: [0.1, 0.5, 0.04] }];
    expect(problems(bad)).toEqual(['obstacles[0].halfSize[1]: must be in [0.005, 0.2] m, got 0.5']);
  });

  it('names integers, wrong types, enums, unknown and missing fields', () => {
    const bad = push();
    bad.episodeLength = 12.5;
    bad.robot = 'humanoid';
    bad.objects[0].friction = 'high';
    bad.table.colour = 'red';
    delete bad.reward;
    const lines = problems(bad);
    expect(lines).toContain('episodeLength: must be an integer in [1, 1000] steps, got 12.5');
    expect(lines).toContain("robot: must be 'arm' or 'point-mass', got \"humanoid\"");
    expect(lines).toContain('objects[0].friction: must be in [0.01, 2], a number, got "high"');
    expect(lines).toContain('table: unknown field "colour"');
    expect(lines.some((l) => l.startsWith('reward: is required'))).toBe(true);
  });

  it('names a bad object kind, reward kind and version', () => {
    const bad = push();
    bad.objects[0].kind = 'sphere';
    bad.reward[0] = { kind: 'shaped', weight: 1 };
    bad.version = 2;
    const lines = problems(bad);
    expect(lines).toContain('version: must be 1, got 2');
    expect(lines).toContain(`objects[0].kind: must be 'block', 'puck' or 'cylinder', got "sphere"`);
    expect(lines).toContain(`reward[0].kind: must be 'sparse', 'dense', 'ee-object' or 'lift', got "shaped"`);
  });

  it('checks fields across the spec', () => {
    const reach = JSON.parse(JSON.stringify(builtinTask('reach')));
    delete reach.goal.z;
    reach.reward.push({ kind: 'lift', weight: 1, maxHeight: 0.2 });
    expect(problems(reach)).toEqual([
      'goal.z: is required (is required when the task has no objects (the goal is a grip position))',
      "reward[1].kind: 'lift' needs an object; the task has none",
    ]);
    const pm = JSON.parse(JSON.stringify(builtinTask('point-mass-reach')));
    pm.objects = push().objects;
    expect(problems(pm)).toEqual(['objects: must be empty for robot point-mass (it has no objects)']);
  });

  it('per-body randomization: names the body the scene lacks, twice-named bodies, massless bodies, empty entries (issue #13 B1)', () => {
    const spec = push();
    spec.obstacles = [{ kind: 'wall', pos: [0.2, 0], yaw: 0, halfSize: [0.1, 0.01, 0.05] }];
    spec.randomization = {
      friction: [0.5, 1.5],
      bodies: [
        { body: 'table', friction: [0.2, 0.4] },
        { body: 'object0', mass: [0.5, 2] },
        { body: 'obstacle0', friction: [0.9, 1.1] },
      ],
    };
    expect(problems(spec)).toEqual([]);
    spec.randomization.bodies = [
      { body: 'object1', mass: [1, 2] },
      { body: 'table', friction: [1, 2] },
      { body: 'table', mass: [1, 2] },
      { body: 'obstacle0', mass: [1, 2] },
      { body: 'object0' },
      { body: 'block', friction: [1, 2] },
      { body: 'object0', friction: [0, 2] },
    ];
    expect(problems(spec)).toEqual([
      expect.stringMatching(
        /^randomization\.bodies\[5\]\.body: must be 'table', 'object<i>' or 'obstacle<i>'/,
      ),
      'randomization.bodies[6].friction[0]: must be in [0.1, 10] (× nominal), got 0',
      'randomization.bodies[0].body: names object1, but the task has only object0',
      'randomization.bodies[2].body: names table a second time',
      'randomization.bodies[2].mass: cannot be set: table is fixed (only objects and spring blocks have a mass)',
      'randomization.bodies[3].mass: cannot be set: obstacle0 is fixed (only objects and spring blocks have a mass)',
      'randomization.bodies[4].body: needs a friction or a mass range',
      'randomization.bodies[6].body: names object0 a second time',
    ]);
    const pm = JSON.parse(JSON.stringify(builtinTask('point-mass-reach')));
    pm.randomization = { mass: [0.5, 2], bodies: [{ body: 'table', friction: [1, 2] }] };
    expect(problems(pm)).toEqual([
      "randomization.bodies[0].body: must be absent for robot point-mass (use the shared 'mass' range)",
    ]);
  });

  it('parseTaskSpec throws a TaskSpecError naming the source and every line', () => {
    const bad = push();
    bad.objects[0].mass = 50;
    bad.success.threshold = 0;
    let err: unknown;
    try {
      parseTaskSpec(bad, 'my-task.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TaskSpecError);
    expect((err as Error).message).toBe(
      'Invalid task spec my-task.json:\n' +
        '  objects[0].mass: must be in [0.01, 10] kg, got 50\n' +
        '  success.threshold: must be in [0.001, 1] m, got 0',
    );
  });

  it('fills defaults (Fetch values) for omitted fields', () => {
    const spec = parseTaskSpec({
      version: 1,
      name: 'tiny',
      robot: 'arm',
      goal: { x: [0, 0.1], y: [0, 0.1], z: [0.1, 0.2] },
      reward: [{ kind: 'dense', weight: 1 }],
    });
    expect(spec.episodeLength).toBe(50);
    expect(spec.success.threshold).toBe(0.05);
    expect(spec.control).toBe('cartesian');
    expect(spec.objectClearance).toBe(0.1);
    expect(spec.goal.airHeight).toEqual([0, 0.45]);
  });
});
