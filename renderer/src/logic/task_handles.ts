/**
 * The draggable parts of a task scene as boxes (m, MuJoCo's z-up frame): the goal region, each
 * obstacle, each object's start region. The preview draws them as translucent handles and writes a
 * dragged handle's centre back with `moveTarget` (logic/task_form.ts). Pure: no three.js here.
 */
import type { DragTarget } from './task_form.ts';

/** A box handle: centre and half sizes in m, yaw about z in rad. */
export interface HandleBox {
  target: DragTarget;
  label: string;
  center: [number, number, number];
  half: [number, number, number];
  yaw: number;
}

type Json = Record<string, unknown>;
const pair = (v: unknown): [number, number] | null =>
  Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number') ? [v[0], v[1]] : null;
const nums = (v: unknown, n: number): number[] | null =>
  Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number') ? (v as number[]) : null;

/** Handles never get thinner than this (m), so a flat region can still be seen and grabbed. */
const MIN_HALF = 0.005;

function objectHalfHeight(o: Json): number {
  if (o.kind === 'block') return nums(o.halfSize, 3)?.[2] ?? 0.025;
  return typeof o.halfHeight === 'number' ? o.halfHeight : 0.025;
}

function regionBox(x: [number, number], y: [number, number], z: [number, number]) {
  return {
    center: [(x[0] + x[1]) / 2, (y[0] + y[1]) / 2, (z[0] + z[1]) / 2] as [number, number, number],
    half: [
      Math.max((x[1] - x[0]) / 2, MIN_HALF),
      Math.max((y[1] - y[0]) / 2, MIN_HALF),
      Math.max((z[1] - z[0]) / 2, MIN_HALF),
    ] as [number, number, number],
  };
}

/**
 * The handles of a (valid) spec. The goal region spans its z range, or the first object's resting
 * height, or a thin slab on the floor for the point mass.
 */
export function taskHandles(spec: Json): HandleBox[] {
  const out: HandleBox[] = [];
  const objects = (Array.isArray(spec.objects) ? spec.objects : []) as Json[];
  const goal = (spec.goal ?? {}) as Json;
  const gx = pair(goal.x);
  const gy = pair(goal.y);
  if (gx && gy) {
    const h = objects.length ? objectHalfHeight(objects[0]) : 0.02;
    const gz = pair(goal.z) ?? [h - 0.01, h + 0.01];
    out.push({ target: { kind: 'goal' }, label: 'goal region', ...regionBox(gx, gy, gz), yaw: 0 });
  }
  ((Array.isArray(spec.obstacles) ? spec.obstacles : []) as Json[]).forEach((o, index) => {
    const pos = pair(o.pos);
    if (!pos) return;
    const yaw = typeof o.yaw === 'number' ? o.yaw : 0;
    const half =
      o.kind === 'rail' && typeof o.height === 'number'
        ? [Number(o.halfLength), Number(o.halfWidth), o.height / 2]
        : nums(o.halfSize, 3);
    if (!half || half.some((v) => !Number.isFinite(v))) return;
    out.push({
      target: { kind: 'obstacle', index },
      label: `obstacles[${index}] (${String(o.kind)})`,
      center: [pos[0], pos[1], half[2]],
      half: [half[0], half[1], half[2]],
      yaw,
    });
  });
  objects.forEach((o, index) => {
    const start = (o.start ?? {}) as Json;
    const x = pair(start.x);
    const y = pair(start.y);
    if (!x || !y) return;
    const h = objectHalfHeight(o);
    out.push({
      target: { kind: 'object', index },
      label: `objects[${index}] start region`,
      ...regionBox(x, y, [0, 2 * h]),
      yaw: 0,
    });
  });
  return out;
}

/** An axis-aligned box by its corners (m). */
export interface FrameBox {
  min: [number, number, number];
  max: [number, number, number];
}

/**
 * The table of a compiled arm scene (the `<geom name="table">` box of tasks/mjcf.ts), or null for a
 * scene without one (point mass).
 */
export function tableBox(
  xml: string,
): { center: [number, number, number]; half: [number, number, number] } | null {
  const geom = /<geom\b[^>]*\bname="table"[^>]*>/.exec(xml)?.[0];
  if (!geom) return null;
  const attr = (name: string) =>
    new RegExp(`\\b${name}="([^"]*)"`).exec(geom)?.[1].trim().split(/\s+/).map(Number);
  const pos = attr('pos') ?? [0, 0, 0];
  const size = attr('size');
  if (!size || size.length !== 3 || pos.length !== 3 || [...pos, ...size].some((v) => !Number.isFinite(v)))
    return null;
  return { center: pos as [number, number, number], half: size as [number, number, number] };
}

/**
 * What the task preview frames (issue #13 B7): the table top and the task's own parts — goal region,
 * obstacles, objects' start regions — not the arm, which stands at the table's edge and reaches far
 * above it. Handles are grown by their yaw's worst case. Null without a table (the caller frames the
 * scene's bodies then).
 */
export function taskFrameBox(xml: string, handles: HandleBox[]): FrameBox | null {
  const table = tableBox(xml);
  if (!table) return null;
  const top = table.center[2] + table.half[2];
  const min: [number, number, number] = [
    table.center[0] - table.half[0],
    table.center[1] - table.half[1],
    top,
  ];
  const max: [number, number, number] = [
    table.center[0] + table.half[0],
    table.center[1] + table.half[1],
    top,
  ];
  for (const h of handles) {
    const r = Math.hypot(h.half[0], h.half[1]);
    const reach = [Math.abs(h.yaw) < 1e-9 ? h.half[0] : r, Math.abs(h.yaw) < 1e-9 ? h.half[1] : r, h.half[2]];
    for (let i = 0; i < 3; i++) {
      min[i] = Math.min(min[i], h.center[i] - reach[i]);
      max[i] = Math.max(max[i], h.center[i] + reach[i]);
    }
  }
  return { min, max };
}
