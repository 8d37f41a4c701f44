/**
 * Warnings for task scenes that validate but cannot work, reported before training (issue #4 §2):
 * goal or start regions beyond the arm's reach or outside the mocap workspace, goals off the table
 * or outside the point-mass arena, objects that overlap each other or obstacles at reset, goals
 * inside obstacles. Region checks use the corners; overlap checks draw 500 resets and goals from the
 * task's own samplers with a fixed seed, so the percentages are reproducible.
 */
import { ARM_GEOMETRY } from './arm_geometry.ts';
import { Rng } from '../rng.ts';
import { discHitsFootprint, goalDim, obstacleFootprint, placementProblem, sampleGoal } from './samplers.ts';
import {
  objectFootprintRadius,
  objectHalfHeight,
  parseTaskSpec,
  type TaskSpec,
  type TaskSpecInput,
} from './schema.ts';

/** One problem of a scene: the spec field it is about and what is wrong. */
export interface TaskWarning {
  /** Field path as in schema errors, e.g. `goal` or `objects[1].start`. */
  field: string;
  message: string;
}

const DRAWS = 500;
/** Objects with at most this sliding friction count as sliding (goal reach is not checked). */
const SLIDING_FRICTION = 0.2;
/** How far (m) a grasped or pushed object's centre may sit below the grip site. */
const OBJECT_BELOW_GRIP = 0.05;
/** The point mass's centre stays its radius inside the ±1 m walls. */
const POINT_MASS_LIMIT = 0.95;

function corners(
  x: readonly number[],
  y: readonly number[],
  z: readonly number[],
): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (const a of x) for (const b of y) for (const c of z) out.push([a, b, c]);
  return out;
}

function fmt(p: readonly number[]): string {
  return `(${p.map((v) => v.toFixed(2)).join(', ')})`;
}

/** Distance in m from the shoulder to the wrist when the grip site is at `p` with the hand pointing down. */
function shoulderToWrist(p: readonly number[]): number {
  const s = ARM_GEOMETRY.shoulder;
  return Math.hypot(p[0] - s[0], p[1] - s[1], p[2] + ARM_GEOMETRY.wristToGrip - s[2]);
}

/**
 * Reach, workspace and table-edge warnings for points the grip site (or an object under it) must
 * get to. `objectBelow` (m) lets a point lie that far under the workspace floor: an object resting on
 * the table sits below the lowest grip position that reaches it.
 */
function reachWarnings(
  spec: TaskSpec,
  field: string,
  what: string,
  points: [number, number, number][],
  objectBelow = 0,
): TaskWarning[] {
  const out: TaskWarning[] = [];
  const far = points.find((p) => shoulderToWrist(p) > ARM_GEOMETRY.reach);
  if (far)
    out.push({
      field,
      message: `${what} reaches beyond the arm: at ${fmt(far)} m the wrist would be ${shoulderToWrist(far).toFixed(2)} m from the shoulder, the arm reaches ${ARM_GEOMETRY.reach} m`,
    });
  const ws = spec.workspace;
  const low = [ws.low[0], ws.low[1], ws.low[2] - objectBelow];
  const outside = points.find((p) => p.some((v, k) => v < low[k] - 1e-9 || v > ws.high[k] + 1e-9));
  if (outside)
    out.push({
      field,
      message: `${what} leaves the gripper's workspace box ${fmt(ws.low)}-${fmt(ws.high)} m at ${fmt(outside)}`,
    });
  const t = spec.table;
  const offTable = points.find(
    (p) => Math.abs(p[0] - t.center[0]) > t.halfSize[0] || Math.abs(p[1] - t.center[1]) > t.halfSize[1],
  );
  if (offTable) out.push({ field, message: `${what} extends past the table's edge at ${fmt(offTable)}` });
  return out;
}

function armRegionWarnings(spec: TaskSpec): TaskWarning[] {
  const g = spec.goal;
  const base = g.z ?? (spec.objects.length ? [objectHalfHeight(spec.objects[0])] : [0]);
  const z = g.airProbability > 0 ? [base[0], base[base.length - 1] + g.airHeight[1]] : base;
  // A sliding object (Fetch Slide: friction 0.1) is meant to travel past the arm's reach on its own.
  const slides =
    !g.z && g.airProbability === 0 && spec.objects.length > 0 && spec.objects[0].friction <= SLIDING_FRICTION;
  const below = spec.objects.length ? OBJECT_BELOW_GRIP : 0;
  const out = slides ? [] : reachWarnings(spec, 'goal', 'the goal region', corners(g.x, g.y, z), below);
  spec.objects.forEach((o, i) => {
    const h = objectHalfHeight(o);
    out.push(
      ...reachWarnings(
        spec,
        `objects[${i}].start`,
        `the start region of objects[${i}]`,
        corners(o.start.x, o.start.y, [h]),
        OBJECT_BELOW_GRIP,
      ),
    );
  });
  out.push(...reachWarnings(spec, 'gripper.start', 'the gripper start', [[...spec.gripper.start]]));
  return out;
}

function pointMassWarnings(spec: TaskSpec): TaskWarning[] {
  const g = spec.goal;
  const out: TaskWarning[] = [];
  if ([...g.x, ...g.y].some((v) => Math.abs(v) > POINT_MASS_LIMIT))
    out.push({
      field: 'goal',
      message: `the goal region leaves the arena: the point mass's centre stays within ±${POINT_MASS_LIMIT} m`,
    });
  if (spec.randomization.friction)
    out.push({
      field: 'randomization.friction',
      message: 'has no effect: the point mass moves on actuated slide joints, no friction acts on it',
    });
  return out;
}

function pct(count: number): string {
  return `${((100 * count) / DRAWS).toFixed(0)}%`;
}

/** Draws each object's start region DRAWS times against the gripper, obstacles and the earlier objects' region centres. */
function overlapWarnings(spec: TaskSpec): TaskWarning[] {
  const out: TaskWarning[] = [];
  const rng = new Rng(0);
  const placed = new Float64Array(2 * spec.objects.length);
  spec.objects.forEach((o, i) => {
    const counts = new Map<string, number>();
    let rejected = 0;
    for (let t = 0; t < DRAWS; t++) {
      // Earlier objects anywhere in their regions: a fresh draw each time.
      for (let j = 0; j < i; j++) {
        const oj = spec.objects[j];
        placed[2 * j] = rng.uniformRange(oj.start.x[0], oj.start.x[1]);
        placed[2 * j + 1] = rng.uniformRange(oj.start.y[0], oj.start.y[1]);
      }
      const problem = placementProblem(
        spec,
        i,
        rng.uniformRange(o.start.x[0], o.start.x[1]),
        rng.uniformRange(o.start.y[0], o.start.y[1]),
        placed,
      );
      if (!problem) continue;
      rejected++;
      const what =
        problem.kind === 'gripper'
          ? `lies within ${spec.objectClearance} m of the gripper start`
          : problem.kind === 'object'
            ? `overlaps objects[${problem.index}]`
            : `overlaps obstacles[${problem.index}] (${spec.obstacles[problem.index].kind})`;
      counts.set(what, (counts.get(what) ?? 0) + 1);
    }
    for (const [what, count] of counts)
      if (!what.includes('gripper start') || count === DRAWS)
        out.push({
          field: `objects[${i}].start`,
          message: `objects[${i}] ${what} in ${pct(count)} of sampled resets`,
        });
    if (rejected === DRAWS)
      out.push({
        field: `objects[${i}].start`,
        message: `objects[${i}] cannot be placed: every sampled reset is rejected`,
      });
  });
  return out;
}

function goalInObstacleWarnings(spec: TaskSpec): TaskWarning[] {
  if (!spec.obstacles.length) return [];
  const rng = new Rng(1);
  const r = spec.objects.length ? objectFootprintRadius(spec.objects[0]) : 0;
  const counts = new Array<number>(spec.obstacles.length).fill(0);
  for (let t = 0; t < DRAWS; t++) {
    const g = sampleGoal(spec, rng);
    spec.obstacles.forEach((o, k) => {
      const f = obstacleFootprint(o);
      // A goal resting on top of an obstacle (a rail) is fine; one below its top inside its footprint is not.
      const below = goalDim(spec) < 3 || g[2] < f.top;
      if (below && discHitsFootprint(g[0], g[1], Math.max(r - 1e-3, 0), f)) counts[k]++;
    });
  }
  return counts.flatMap((c, k) =>
    c
      ? [
          {
            field: 'goal',
            message: `${pct(c)} of sampled goals lie inside obstacles[${k}] (${spec.obstacles[k].kind})`,
          },
        ]
      : [],
  );
}

/**
 * Problems of a scene that validates but cannot work.
 * @param input a spec (validated here; defaults filled).
 * @returns warnings, empty when none; deterministic.
 * @throws TaskSpecError when the spec does not validate.
 */
export function checkTask(input: TaskSpec | TaskSpecInput): TaskWarning[] {
  const spec = parseTaskSpec(input, typeof input.name === 'string' ? `"${input.name}"` : '<spec>');
  if (spec.robot === 'point-mass') return pointMassWarnings(spec);
  return [...armRegionWarnings(spec), ...overlapWarnings(spec), ...goalInObstacleWarnings(spec)];
}
