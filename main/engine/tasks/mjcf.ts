/**
 * Task spec → MJCF text. The arm scene is assets/models/arm.xml with its marked regions rewritten
 * (table, objects + obstacles + goal site, extra actuators, keyframe); the point-mass scene is
 * assets/models/point_mass.xml plus a goal site. The text compiles from memory (no includes).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assetsDir } from '../paths.ts';
import type { Obstacle, TaskObject, TaskSpec } from './schema.ts';
import { objectHalfHeight } from './schema.ts';

/** Names the env looks up in compiled scenes. */
export const MJCF_NAMES = Object.freeze({
  /** Body, free joint, geom and site of object i. */
  object: (i: number) => `object${i}`,
  /** Geom (wall, rail) or body + joint + geom (spring block) of obstacle i. */
  obstacle: (i: number) => `obstacle${i}`,
  /** The visual goal site. */
  target: 'target0',
  /** Velocity actuator of arm joint j (1..7) in joint-velocity mode. */
  jointVelocity: (j: number) => `velocity_j${j}`,
});

/**
 * Gain of the joint-velocity servos in N·m per rad/s, and their force limit in N·m. The links are
 * gravity-compensated, so the servo only fights inertia and damping.
 */
const VELOCITY_KV = 40;
const VELOCITY_FORCE = 150;
/** Largest commanded joint speed in rad/s (action ±1). */
export const JOINT_SPEED = 1.5;

const templates = new Map<string, string>();

function template(file: string): string {
  let text = templates.get(file);
  if (text === undefined) {
    const path = join(assetsDir(), 'models', file);
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`Cannot read the scene template ${path}: ${(err as Error).message}`, { cause: err });
    }
    templates.set(file, text);
  }
  return text;
}

/** A number as MJCF text (shortest round-trip form). */
function n(v: number): string {
  return String(v);
}

function nums(...vs: number[]): string {
  return vs.map(n).join(' ');
}

function replaceRegion(xml: string, region: string, content: string): string {
  const begin = `<!-- skill-lab:${region}:begin -->`;
  const end = `<!-- skill-lab:${region}:end -->`;
  const a = xml.indexOf(begin);
  const b = xml.indexOf(end);
  if (a < 0 || b < a) throw new Error(`arm.xml lacks the region markers for '${region}'`);
  return xml.slice(0, a) + content + xml.slice(b + end.length);
}

const OBJECT_COLOURS = ['0.85 0.3 0.25 1', '0.25 0.45 0.85 1', '0.9 0.75 0.2 1'];

function objectXml(obj: TaskObject, i: number): string {
  const name = MJCF_NAMES.object(i);
  const x = (obj.start.x[0] + obj.start.x[1]) / 2;
  const y = (obj.start.y[0] + obj.start.y[1]) / 2;
  const shape =
    obj.kind === 'block'
      ? `type="box" size="${nums(...obj.halfSize)}"`
      : `type="cylinder" size="${nums(obj.radius, obj.halfHeight)}"`;
  return [
    `    <body name="${name}" pos="${nums(x, y, objectHalfHeight(obj))}">`,
    `      <freejoint name="${name}"/>`,
    `      <geom name="${name}" class="scene" ${shape} mass="${n(obj.mass)}" friction="${n(obj.friction)} 0.005 0.0001" rgba="${OBJECT_COLOURS[i % OBJECT_COLOURS.length]}"/>`,
    `      <site name="${name}" type="sphere" size="0.005" rgba="0 0 0 0"/>`,
    `    </body>`,
  ].join('\n');
}

function obstacleXml(o: Obstacle, i: number): string {
  const name = MJCF_NAMES.obstacle(i);
  const colour = 'rgba="0.45 0.5 0.58 1"';
  switch (o.kind) {
    case 'wall':
      return `    <geom name="${name}" class="scene" type="box" pos="${nums(o.pos[0], o.pos[1], o.halfSize[2])}" euler="0 0 ${n(o.yaw)}" size="${nums(...o.halfSize)}" ${colour}/>`;
    case 'rail':
      return `    <geom name="${name}" class="scene" type="box" pos="${nums(o.pos[0], o.pos[1], o.height / 2)}" euler="0 0 ${n(o.yaw)}" size="${nums(o.halfLength, o.halfWidth, o.height / 2)}" ${colour}/>`;
    case 'spring-block':
      return [
        `    <body name="${name}" pos="${nums(o.pos[0], o.pos[1], o.halfSize[2])}" euler="0 0 ${n(o.yaw)}">`,
        `      <joint name="${name}" type="slide" axis="1 0 0" range="${nums(-o.travel, o.travel)}" stiffness="${n(o.stiffness)}" damping="${n(o.damping)}" solreflimit="0.004 1" solimplimit="0.99 0.999 0.001"/>`,
        `      <geom name="${name}" class="scene" type="box" size="${nums(...o.halfSize)}" mass="${n(o.mass)}" rgba="0.55 0.45 0.7 1"/>`,
        `    </body>`,
      ].join('\n');
  }
}

function targetXml(spec: TaskSpec, pos: [number, number, number]): string {
  return `    <site name="${MJCF_NAMES.target}" type="sphere" pos="${nums(...pos)}" size="${n(spec.success.threshold)}" rgba="0.2 0.8 0.3 0.35"/>`;
}

function goalCentre(spec: TaskSpec): [number, number, number] {
  const g = spec.goal;
  const z = g.z ? (g.z[0] + g.z[1]) / 2 : spec.objects.length ? objectHalfHeight(spec.objects[0]) : 0.05;
  return [(g.x[0] + g.x[1]) / 2, (g.y[0] + g.y[1]) / 2, z];
}

function armXml(spec: TaskSpec): string {
  let xml = template('arm.xml');
  const t = spec.table;
  xml = replaceRegion(
    xml,
    'table',
    `<geom name="table" class="scene" type="box" pos="${nums(t.center[0], t.center[1], -0.025)}" size="${nums(t.halfSize[0], t.halfSize[1], 0.025)}" friction="${n(t.friction)} 0.005 0.0001" material="table"/>`,
  );
  const scene = [
    ...spec.objects.map(objectXml),
    ...spec.obstacles.map(obstacleXml),
    targetXml(spec, goalCentre(spec)),
  ].join('\n');
  xml = replaceRegion(xml, 'objects', `<!-- compiled from task "${spec.name}" -->\n${scene}`);
  // The template's keyframe is sized for one block; the env sets the start pose itself.
  xml = replaceRegion(xml, 'keyframe', '');
  if (spec.control === 'joint-velocity') {
    const servos = Array.from(
      { length: 7 },
      (_, k) =>
        `    <velocity name="${MJCF_NAMES.jointVelocity(k + 1)}" joint="j${k + 1}" kv="${VELOCITY_KV}" ctrlrange="${nums(-JOINT_SPEED, JOINT_SPEED)}" forcerange="${nums(-VELOCITY_FORCE, VELOCITY_FORCE)}"/>`,
    ).join('\n');
    xml = xml.replace('<!-- skill-lab:actuators -->', servos);
  }
  return xml;
}

function pointMassXml(spec: TaskSpec): string {
  const xml = template('point_mass.xml');
  const [x, y] = goalCentre(spec);
  const at = xml.lastIndexOf('</worldbody>');
  if (at < 0) throw new Error('point_mass.xml has no </worldbody>');
  return `${xml.slice(0, at)}${targetXml(spec, [x, y, 0.05])}\n  ${xml.slice(at)}`;
}

/**
 * The MJCF scene of a validated spec.
 * @returns MJCF text that compiles from memory.
 * @throws Error when a model template cannot be read or lacks its region markers.
 */
export function taskMjcf(spec: TaskSpec): string {
  return spec.robot === 'arm' ? armXml(spec) : pointMassXml(spec);
}
