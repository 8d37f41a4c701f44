/**
 * The reset and goal samplers of a task spec: pure functions of the spec and a seeded {@link Rng},
 * so the same seed gives the same objects and goals.
 *
 * Objects (Fetch `_reset_sim`, reference/relabeling_and_multitask.md §1.5): each object's centre is
 * drawn uniformly from its start region and redrawn while it lies within `objectClearance` of the
 * gripper start in x-y (Fetch: 0.1 m); here also while its footprint overlaps an obstacle or an
 * object placed before it. Goals (Fetch `_sample_goal`): x, y uniform in the region, z uniform in
 * its height range or at the first object's resting height, then with probability `airProbability`
 * lifted by U(airHeight) (PickAndPlace: p = 0.5, U(0, 0.45)).
 */
import type { Rng } from '../rng.ts';
import { objectFootprintRadius, objectHalfHeight, type Obstacle, type TaskSpec } from './schema.ts';

/** An oriented rectangle on the table (an obstacle's footprint) with its top height, in m and rad. */
export interface Footprint {
  x: number;
  y: number;
  yaw: number;
  hx: number;
  hy: number;
  /** Height of the top above the table. */
  top: number;
}

/** The footprint of an obstacle at rest. */
export function obstacleFootprint(o: Obstacle): Footprint {
  const [x, y] = o.pos;
  switch (o.kind) {
    case 'wall':
      return { x, y, yaw: o.yaw, hx: o.halfSize[0], hy: o.halfSize[1], top: 2 * o.halfSize[2] };
    case 'rail':
      return { x, y, yaw: o.yaw, hx: o.halfLength, hy: o.halfWidth, top: o.height };
    case 'spring-block':
      return { x, y, yaw: o.yaw, hx: o.halfSize[0], hy: o.halfSize[1], top: 2 * o.halfSize[2] };
  }
}

/** True when the disc (cx, cy, r) overlaps the footprint (touching counts). */
export function discHitsFootprint(cx: number, cy: number, r: number, f: Footprint): boolean {
  const c = Math.cos(f.yaw);
  const s = Math.sin(f.yaw);
  const dx = cx - f.x;
  const dy = cy - f.y;
  const lx = c * dx + s * dy;
  const ly = -s * dx + c * dy;
  const ex = Math.max(Math.abs(lx) - f.hx, 0);
  const ey = Math.max(Math.abs(ly) - f.hy, 0);
  return ex * ex + ey * ey <= r * r;
}

/** Why a drawn object position was rejected, or null when it is fine. */
export type PlacementProblem =
  { kind: 'gripper' } | { kind: 'object'; index: number } | { kind: 'obstacle'; index: number } | null;

/**
 * Checks object `i` at (x, y) against the gripper clearance, the obstacles, and objects 0..i−1 at
 * `placed` (x, y pairs).
 */
export function placementProblem(
  spec: TaskSpec,
  i: number,
  x: number,
  y: number,
  placed: ArrayLike<number>,
): PlacementProblem {
  const [gx, gy] = spec.gripper.start;
  if (spec.robot === 'arm' && Math.hypot(x - gx, y - gy) < spec.objectClearance) return { kind: 'gripper' };
  const r = objectFootprintRadius(spec.objects[i]);
  for (let k = 0; k < spec.obstacles.length; k++)
    if (discHitsFootprint(x, y, r, obstacleFootprint(spec.obstacles[k])))
      return { kind: 'obstacle', index: k };
  for (let j = 0; j < i; j++) {
    const rj = objectFootprintRadius(spec.objects[j]);
    if (Math.hypot(x - placed[2 * j], y - placed[2 * j + 1]) <= r + rj) return { kind: 'object', index: j };
  }
  return null;
}

/** Draws allowed per object before {@link sampleObjectPositions} gives up. */
export const MAX_PLACEMENT_TRIES = 1000;

/**
 * Draws the objects' reset positions.
 * @returns [nObjects·2] x, y centres in m (objects rest at their half height, identity orientation).
 * @throws Error naming the task and object when no valid position was found in {@link MAX_PLACEMENT_TRIES} draws
 *   (checkTask reports such scenes before training).
 */
export function sampleObjectPositions(spec: TaskSpec, rng: Rng): Float64Array {
  const out = new Float64Array(2 * spec.objects.length);
  spec.objects.forEach((obj, i) => {
    for (let t = 0; t < MAX_PLACEMENT_TRIES; t++) {
      const x = rng.uniformRange(obj.start.x[0], obj.start.x[1]);
      const y = rng.uniformRange(obj.start.y[0], obj.start.y[1]);
      if (placementProblem(spec, i, x, y, out) === null) {
        out[2 * i] = x;
        out[2 * i + 1] = y;
        return;
      }
    }
    throw new Error(
      `${spec.name}: cannot place objects[${i}] in its start region without touching the gripper clearance, ` +
        `an obstacle or another object (${MAX_PLACEMENT_TRIES} draws); run checkTask for details`,
    );
  });
  return out;
}

/** Goal length: 3 (x, y, z) for the arm, 2 (x, y) for the point mass. */
export function goalDim(spec: TaskSpec): number {
  return spec.robot === 'arm' ? 3 : 2;
}

/**
 * Draws a desired goal.
 * @returns [goalDim] in m: (x, y, height above the table) for the arm, (x, y) for the point mass.
 */
export function sampleGoal(spec: TaskSpec, rng: Rng): Float64Array {
  const g = spec.goal;
  const x = rng.uniformRange(g.x[0], g.x[1]);
  const y = rng.uniformRange(g.y[0], g.y[1]);
  if (spec.robot !== 'arm') return Float64Array.of(x, y);
  let z = g.z ? rng.uniformRange(g.z[0], g.z[1]) : objectHalfHeight(spec.objects[0]);
  if (g.airProbability > 0 && rng.uniform() < g.airProbability)
    z += rng.uniformRange(g.airHeight[0], g.airHeight[1]);
  return Float64Array.of(x, y, z);
}
