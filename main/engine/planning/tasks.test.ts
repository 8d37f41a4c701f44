import { describe, expect, it } from 'vitest';
import { builtinTask } from '../tasks/builtin.ts';
import { goalTask, positionsInF, taskSpecGoalTask, waypointTask } from './tasks.ts';

/** K trajectories of `rows` rows of 2-D f from nested arrays. */
function traj(cands: number[][][]): { t: Float32Array; K: number; rows: number } {
  return { t: Float32Array.from(cands.flat(2)), K: cands.length, rows: cands[0].length };
}

describe('planning tasks over f(s)', () => {
  it('a goal: distance to go, and the dense objective sums −distance over the predicted states', () => {
    const task = goalTask([1, 0], { dims: [0, 1], radius: 0.1 });
    const p = task.start();
    expect(task.distanceToGo(Float32Array.from([0, 0]), p)).toBeCloseTo(1, 6);
    const { t, K, rows } = traj([
      [
        [0, 0],
        [0.5, 0],
        [1, 0],
      ],
      [
        [0, 0],
        [0, 1],
        [0, 2],
      ],
    ]);
    const s = task.objective(p)(t, K, rows);
    // Row 0 is the current state and is not scored.
    expect(s[0]).toBeCloseTo(-0.5, 6);
    expect(s[1]).toBeCloseTo(-(Math.SQRT2 + Math.sqrt(5)), 5);
  });

  it('waypoints: passing one moves on, the distance to go includes the rest of the route', () => {
    const task = waypointTask(
      [
        [1, 0],
        [1, 1],
        [0, 1],
      ],
      { dims: [0, 1], radius: 0.1 },
    );
    const p = task.start();
    expect(task.distanceToGo(Float32Array.from([0, 0]), p)).toBeCloseTo(3, 6);
    task.observe(p, Float32Array.from([0.95, 0.02]));
    expect(p.next).toBe(1);
    expect(task.distanceToGo(Float32Array.from([0.95, 0.02]), p)).toBeCloseTo(Math.hypot(0.05, 0.98) + 1, 5);
    // The last waypoint is never passed.
    task.observe(p, Float32Array.from([1, 1]));
    task.observe(p, Float32Array.from([0, 1]));
    expect(p.next).toBe(2);
    expect(task.distanceToGo(Float32Array.from([0, 1]), p)).toBe(0);

    // In the objective each candidate advances along its own prediction: the one that turns the
    // corner scores better than the one heading straight for the final waypoint.
    const { t, K, rows } = traj([
      [
        [0, 0],
        [1, 0],
        [1, 1],
      ],
      [
        [0, 0],
        [0, 0.5],
        [0, 1],
      ],
    ]);
    const s = task.objective(task.start())(t, K, rows);
    expect(s[0]).toBeCloseTo(-(2 + 1), 5);
    expect(s[1]).toBeCloseTo(-(Math.hypot(1, 0.5) + 2 + (Math.SQRT2 + 2)), 5);
    expect(s[0]).toBeGreaterThan(s[1]);
  });

  it('the sparse form pays a bonus per waypoint reached and near the current one', () => {
    const task = waypointTask(
      [
        [1, 0],
        [2, 0],
      ],
      { dims: [0, 1], radius: 0.1, reward: { kind: 'sparse', bonus: 5, radius: 0.5 } },
    );
    const { t, K, rows } = traj([
      [
        [0, 0],
        [0.6, 0],
        [1, 0],
        [1.6, 0],
      ],
    ]);
    // [0.6]: near w0 → 5; [1.0]: reached w0 (i = 1), not near w1 → 5; [1.6]: i = 1 and near w1 → 10.
    expect(task.objective(task.start())(t, K, rows)[0]).toBe(20);
  });

  it('a task spec whose reward reads only the achieved goal plans with its own reward', () => {
    const spec = builtinTask('point-mass-reach');
    const task = taskSpecGoalTask(spec, [0.5, 0.5], [0, 1]);
    expect(task.radius).toBe(spec.success.threshold);
    const { t, K, rows } = traj([
      [
        [0, 0],
        [0.45, 0.5],
        [0.3, 0.3],
      ],
    ]);
    // The spec's sparse reward: 0 within 0.1 m of the goal, −1 otherwise.
    expect(task.objective(task.start())(t, K, rows)[0]).toBe(-1);
    const push = builtinTask('push');
    const withInfo = { ...push, reward: [{ kind: 'ee-object' as const, weight: 1 }] };
    expect(() => taskSpecGoalTask(withInfo, [0, 0, 0], [0, 1, 2])).toThrow(
      /reward\[0\] 'ee-object' reads more than f\(s\)/,
    );
  });

  it('refuses bad goals and options naming them', () => {
    expect(() => goalTask([1, Number.NaN], { dims: [0, 1], radius: 0.1 })).toThrow(
      'goal must be 2 finite numbers, got [1,null]',
    );
    expect(() => goalTask([1], { dims: [0, 1], radius: 0.1 })).toThrow('goal must be 2 finite numbers');
    expect(() => waypointTask([[0, 0], [1]], { dims: [0, 1], radius: 0.1 })).toThrow(
      'waypoint 2 must be 2 finite numbers',
    );
    expect(() => goalTask([1, 1], { dims: [0, 1], radius: 0 })).toThrow(
      'task radius must be a positive number',
    );
    expect(() => waypointTask([], { dims: [0, 1], radius: 0.1 })).toThrow('at least one waypoint');
  });

  it('finds the goal coordinates in f(s), or says what f(s) lacks', () => {
    expect(positionsInF([0, 1], [0, 1], 'x-y goals')).toEqual([0, 1]);
    expect(positionsInF([3, 1, 0], [0, 1], 'x-y goals')).toEqual([2, 1]);
    expect(() => positionsInF([2, 3], [0, 1], 'x-y goals')).toThrow(
      'x-y goals need f(s) to include observation column 0; this f(s) reads columns [2, 3]',
    );
  });
});
