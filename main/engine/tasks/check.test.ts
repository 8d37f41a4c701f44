import { describe, expect, it } from 'vitest';
import { BUILTIN_TASK_NAMES, builtinTask } from './builtin.ts';
import { checkTask } from './check.ts';

describe('checkTask', () => {
  it.each(BUILTIN_TASK_NAMES.map((n) => [n]))('built-in %s has no warnings', (name) => {
    expect(checkTask(builtinTask(name))).toEqual([]);
  });

  it('warns about a goal region beyond the arm and outside the workspace', () => {
    const spec = builtinTask('reach');
    spec.goal.x = [0.6, 0.9];
    const w = checkTask(spec);
    expect(w.map((x) => x.field)).toEqual(['goal', 'goal', 'goal']);
    expect(w[0].message).toMatch(
      /^the goal region reaches beyond the arm: at \(0\.60, -0\.15, 0\.05\) m the wrist would be 1\.11 m from the shoulder, the arm reaches 0\.96 m$/,
    );
    expect(w[1].message).toMatch(/^the goal region leaves the gripper's workspace box/);
    expect(w[2].message).toMatch(/^the goal region extends past the table's edge/);
  });

  it('warns about objects that overlap each other or obstacles at reset', () => {
    const spec = builtinTask('push');
    spec.objects.push({ ...structuredClone(spec.objects[0]) });
    spec.objects[0].start = { x: [0.2, 0.2], y: [0.1, 0.1] };
    spec.objects[1].start = { x: [0.21, 0.21], y: [0.1, 0.1] };
    spec.obstacles.push({ kind: 'wall', pos: [0.2, -0.1], yaw: 0, halfSize: [0.1, 0.01, 0.04] });
    spec.objects.push({ ...structuredClone(spec.objects[0]), start: { x: [0.1, 0.3], y: [-0.12, -0.08] } });
    const messages = checkTask(spec).map((x) => `${x.field}: ${x.message}`);
    expect(messages).toContain('objects[1].start: objects[1] overlaps objects[0] in 100% of sampled resets');
    expect(messages).toContain(
      'objects[1].start: objects[1] cannot be placed: every sampled reset is rejected',
    );
    expect(
      messages.some((m) =>
        /^objects\[2\]\.start: objects\[2\] overlaps obstacles\[0\] \(wall\) in \d+% of sampled resets$/.test(
          m,
        ),
      ),
    ).toBe(true);
  });

  it('warns about goals inside an obstacle and goals off the point-mass arena', () => {
    const spec = builtinTask('push');
    spec.obstacles.push({ kind: 'wall', pos: [0, 0], yaw: 0, halfSize: [0.3, 0.05, 0.04] });
    spec.objects[0].start = { x: [-0.15, 0.15], y: [0.1, 0.15] };
    const w = checkTask(spec);
    expect(
      w.some(
        (x) => x.field === 'goal' && /% of sampled goals lie inside obstacles\[0\] \(wall\)/.test(x.message),
      ),
    ).toBe(true);
    const pm = builtinTask('point-mass-reach');
    pm.goal.x = [-1.2, 0];
    expect(checkTask(pm)).toEqual([
      {
        field: 'goal',
        message: "the goal region leaves the arena: the point mass's centre stays within ±0.95 m",
      },
    ]);
    pm.goal.x = [-0.5, 0];
    pm.randomization.friction = [0.5, 2];
    expect(checkTask(pm)).toEqual([
      { field: 'randomization.friction', message: expect.stringMatching(/^has no effect: the point mass/) },
    ]);
  });
});
