/**
 * What the 3D replay of skills draws over the agents (issue #13 B5): a marker on the floor under
 * each agent, sized to the arena so that a point mass is more than a dot, and a trail of each
 * skill's recent x-y path up to the timeline's time.
 */
import { frameAt, xyOf } from './episodes.ts';
import type { EnvInfo } from '../../../main/api/contract/contract.ts';

/** Seconds of path a trail shows behind its agent. */
export const TRAIL_SECONDS = 3;

/**
 * Radius (m) of an agent's floor marker in an arena of half-width `arenaHalf` (m): 8 % of it, within
 * [0.04, 0.4] m — readable on a 1 m point-mass arena and not swamping an ant on a large floor.
 */
export function markerRadius(arenaHalf: number): number {
  const half = Number.isFinite(arenaHalf) && arenaHalf > 0 ? arenaHalf : 1;
  return Math.max(0.04, Math.min(0.4, 0.08 * half));
}

/**
 * The x-y path of an episode as 3D points on the plane z = `z`: [T+1 × 3] floats, one per state
 * (m), ready for a line geometry.
 */
export function pathPositions(qpos: number[][], env: Pick<EnvInfo, 'coordDims'>, z: number): Float32Array {
  const out = new Float32Array(qpos.length * 3);
  qpos.forEach((q, i) => {
    const [x, y] = xyOf(q, env);
    out.set([x, y, z], i * 3);
  });
  return out;
}

/**
 * Which states of a `length`-state episode its trail shows at time `t` (s): from
 * {@link TRAIL_SECONDS} before the current frame to the current frame, as a draw range
 * (`start`, `count` ≥ 1 for a non-empty episode; 0 states for an empty one).
 */
export function trailRange(
  t: number,
  dt: number,
  length: number,
  seconds = TRAIL_SECONDS,
): { start: number; count: number } {
  if (length <= 0) return { start: 0, count: 0 };
  const now = frameAt(t, dt, length);
  const start = Math.max(0, now - Math.round(seconds / dt));
  return { start, count: now - start + 1 };
}
