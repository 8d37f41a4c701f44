/**
 * The task spec: a versioned JSON document that says what a goal-conditioned task is (robot, scene,
 * reset distribution, goal sampler, reward, success, episode length, domain randomization), validated
 * with zod. {@link ./compile.ts} turns a valid spec into an MJCF scene and a batched reward.
 *
 * Frames and units: SI (m, kg, rad, s). For the arm the table top is the plane z = 0, x points away
 * from the arm, y to its left (assets/models/arm.xml); heights are heights above the table. For the
 * point mass x, y are the arena coordinates (walls at ±1 m, assets/models/point_mass.xml).
 *
 * Every number has a bound. A bad field is reported with its exact path and the allowed range, e.g.
 * `objects[0].mass: must be in [0.01, 10] kg, got 50` ({@link formatTaskIssues}).
 *
 * Never imports tfjs.
 */
import { z } from 'zod';

/** The spec format this code reads and writes. */
export const TASK_SPEC_VERSION = 1;

/**
 * A task's name: a file-name-safe id, so `<workspace>/tasks/<name>.json` is one plain file inside
 * the tasks folder (no separator, no dot, no `..`). The spec's `name` and every task name the API
 * takes follow it.
 */
export const TASK_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** What {@link TASK_NAME_PATTERN} allows, in words. */
export const TASK_NAME_RULE = '1-64 of a-z, 0-9 and -, starting with a letter or digit';

function rangeText(min: number, max: number, unit: string): string {
  return `must be in [${min}, ${max}]${unit ? ` ${unit}` : ''}`;
}

/** A finite number in [min, max]; the message names the range and unit (the editor shows the unit). */
function num(min: number, max: number, unit = ''): z.ZodNumber {
  const msg = rangeText(min, max, unit);
  const schema = z
    .number({ error: `${msg}, a number` })
    .min(min, { error: msg })
    .max(max, { error: msg });
  return unit ? schema.meta({ unit }) : schema;
}

/** An integer in [min, max]. */
function int(min: number, max: number, unit = ''): z.ZodNumber {
  const msg = `must be an integer in [${min}, ${max}]${unit ? ` ${unit}` : ''}`;
  return z.number({ error: msg }).int({ error: msg }).min(min, { error: msg }).max(max, { error: msg });
}

/** [low, high] with both ends in [min, max] and low ≤ high. */
function range(min: number, max: number, unit = '') {
  return z
    .tuple([num(min, max, unit), num(min, max, unit)], {
      error: `must be a pair [low, high] with both in [${min}, ${max}]${unit ? ` ${unit}` : ''}`,
    })
    .refine((r) => r[0] <= r[1], { error: 'must have low <= high' });
}

function tupleError(n: number, min: number, max: number, unit: string): string {
  return `must be ${n} numbers, each ${rangeText(min, max, unit)}`;
}

function vec2(min: number, max: number, unit = '') {
  return z.tuple([num(min, max, unit), num(min, max, unit)], { error: tupleError(2, min, max, unit) });
}

function vec3(min: number, max: number, unit = '') {
  return z.tuple([num(min, max, unit), num(min, max, unit), num(min, max, unit)], {
    error: tupleError(3, min, max, unit),
  });
}

/** Bounds of positions on or above the table / in the arena, in m. */
const POS = 1.5;

const objectCommon = {
  /** Display name (defaults to object<i>). */
  name: z.string().max(40).optional(),
  /** kg. Fetch's block is 2 kg. */
  mass: num(0.01, 10, 'kg'),
  /** Sliding friction coefficient (MuJoCo geom friction[0]). */
  friction: num(0.01, 2),
  /** Reset region of the object's centre (x, y), drawn uniformly. */
  start: z.strictObject({ x: range(-POS, POS, 'm'), y: range(-POS, POS, 'm') }),
};

const blockSchema = z.strictObject({
  kind: z.literal('block'),
  /** Half sizes (x, y, z) in m. */
  halfSize: vec3(0.01, 0.1, 'm'),
  ...objectCommon,
});

/** A flat cylinder that slides (Fetch Slide's puck); the same geometry as a cylinder, a separate kind for the editor. */
const puckSchema = z.strictObject({
  kind: z.literal('puck'),
  radius: num(0.01, 0.1, 'm'),
  halfHeight: num(0.005, 0.1, 'm'),
  ...objectCommon,
});

const cylinderSchema = z.strictObject({
  kind: z.literal('cylinder'),
  radius: num(0.01, 0.1, 'm'),
  halfHeight: num(0.005, 0.1, 'm'),
  ...objectCommon,
});

/** A movable object; the first one's position is the achieved goal of object tasks. */
export const taskObjectSchema = z.discriminatedUnion('kind', [blockSchema, puckSchema, cylinderSchema], {
  error: "must be 'block', 'puck' or 'cylinder'",
});

const placement = {
  /** Centre (x, y) on the table in m. */
  pos: vec2(-POS, POS, 'm'),
  /** Rotation about the vertical in rad. */
  yaw: num(-Math.PI, Math.PI, 'rad'),
};

/** A fixed wall standing on the table: a box of half sizes (length, thickness, height). */
const wallSchema = z.strictObject({
  kind: z.literal('wall'),
  ...placement,
  halfSize: z.tuple([num(0.005, 1, 'm'), num(0.005, 0.2, 'm'), num(0.005, 0.3, 'm')], {
    error:
      'must be 3 numbers [half length in [0.005, 1], half thickness in [0.005, 0.2], half height in [0.005, 0.3]] m',
  }),
});

/** A fixed raised beam along its local x; a block lifted onto it can be pushed along it (Hausman et al. 2018, rail-push). */
const railSchema = z.strictObject({
  kind: z.literal('rail'),
  ...placement,
  halfLength: num(0.02, 1, 'm'),
  halfWidth: num(0.005, 0.2, 'm'),
  /** Height of the rail's top above the table in m. */
  height: num(0.01, 0.4, 'm'),
});

/**
 * A block on a spring: a body with a slide joint along its local x (travel ±travel), pulled back to
 * its rest pose with the given stiffness (MuJoCo joint stiffness). It yields when pushed and returns.
 */
const springBlockSchema = z.strictObject({
  kind: z.literal('spring-block'),
  ...placement,
  halfSize: vec3(0.005, 0.3, 'm'),
  mass: num(0.01, 10, 'kg'),
  /** N/m */
  stiffness: num(0, 2000, 'N/m'),
  /** N·s/m */
  damping: num(0, 200, 'N*s/m'),
  /** Largest displacement either way along the slide axis, in m. */
  travel: num(0.005, 0.5, 'm'),
});

/** A static or spring-loaded part of the scene. */
export const obstacleSchema = z.discriminatedUnion('kind', [wallSchema, railSchema, springBlockSchema], {
  error: "must be 'wall', 'rail' or 'spring-block'",
});

/** One weighted reward term; the reward is the sum of weight × term. */
export const rewardTermSchema = z.discriminatedUnion(
  'kind',
  [
    /** −1 while ‖achieved − desired‖ ≥ threshold, else 0 (Fetch sparse reward). */
    z.strictObject({ kind: z.literal('sparse'), weight: num(0, 100), threshold: num(0.001, 1, 'm') }),
    /** −‖achieved − desired‖ in m (Fetch dense reward; object → goal, or end effector → goal for reach). */
    z.strictObject({ kind: z.literal('dense'), weight: num(0, 100) }),
    /** −‖grip − object‖ in m, read from the per-step info column `eeObjectDistance`. */
    z.strictObject({ kind: z.literal('ee-object'), weight: num(0, 100) }),
    /** + min(max(lift, 0), maxHeight), lift = object height above its resting height (info column `liftHeight`). */
    z.strictObject({ kind: z.literal('lift'), weight: num(0, 100), maxHeight: num(0.01, 1, 'm') }),
  ],
  { error: "must be 'sparse', 'dense', 'ee-object' or 'lift'" },
);

/**
 * A range [low, high] of scale factors (× the nominal value) that one domain-randomization draw per
 * reset comes from; `appliesTo` says what it multiplies (shown by the task editor).
 */
const rangeScale = (appliesTo: string) =>
  range(0.1, 10, '(× nominal)').meta({ unit: '×', description: `multiplies ${appliesTo}` });

/**
 * The parts of a scene a per-body randomization range can name: the table, `object<i>` and
 * `obstacle<i>` (0-based, in the order of `objects` and `obstacles`; the MJCF names).
 */
export const RANDOMIZED_BODY_PATTERN = /^(table|object[0-9]|obstacle[0-9])$/;

/**
 * One body's own randomization: its friction and/or mass factor is drawn separately and replaces
 * the shared range for that body (e.g. the table's friction alone, the block's mass alone).
 */
const bodyRandomizationSchema = z.strictObject({
  body: z
    .string({ error: "must be 'table', 'object<i>' or 'obstacle<i>'" })
    .regex(RANDOMIZED_BODY_PATTERN, {
      error: "must be 'table', 'object<i>' or 'obstacle<i>' (i from 0, in the order of objects / obstacles)",
    })
    .meta({ description: "'table', 'object0', 'obstacle1', … (i counts from 0 in objects / obstacles)" }),
  friction: rangeScale("this body's sliding friction, instead of the shared friction range").optional(),
  mass: rangeScale("this body's mass and inertia, instead of the shared mass range").optional(),
});

/** The task spec, version 1. */
export const taskSpecSchema = z
  .strictObject({
    version: z.literal(TASK_SPEC_VERSION, { error: `must be ${TASK_SPEC_VERSION}` }),
    /** File-name-safe id: lower case letters, digits and dashes. */
    name: z.string({ error: 'must be a string' }).regex(TASK_NAME_PATTERN, {
      error: `must be ${TASK_NAME_RULE}`,
    }),
    description: z.string().max(1000, { error: 'must be at most 1000 characters' }).optional(),
    robot: z.enum(['arm', 'point-mass'], { error: "must be 'arm' or 'point-mass'" }),
    /** Arm only: Fetch-style mocap control of the grip site, or joint velocities (weld off). */
    control: z
      .enum(['cartesian', 'joint-velocity'], { error: "must be 'cartesian' or 'joint-velocity'" })
      .default('cartesian'),
    /** Env steps per episode (truncation; goal tasks never terminate on success). Fetch: 50. */
    episodeLength: int(1, 1000, 'steps').default(50),
    /** Arm only: the table top (z = 0) as a box footprint. */
    table: z
      .strictObject({
        center: vec2(-1, 1, 'm'),
        halfSize: vec2(0.2, 1.5, 'm'),
        friction: num(0.01, 2),
      })
      .default({ center: [0, 0], halfSize: [0.45, 0.55], friction: 1 }),
    /** Arm only: where the grip site starts each episode and whether the fingers are held closed (Fetch: blocked except PickAndPlace). */
    gripper: z
      .strictObject({
        start: z.tuple([num(-1, 1, 'm'), num(-1, 1, 'm'), num(0, 0.8, 'm')], {
          error: 'must be [x in [-1, 1], y in [-1, 1], z in [0, 0.8]] m',
        }),
        blocked: z.boolean({ error: 'must be true or false' }),
      })
      .default({ start: [0, 0, 0.2], blocked: true }),
    /** Arm only: the box the mocap target is clipped to, in m (z ≥ 0.03 keeps the fingertips, 2.5 cm below the grip site, above the table). */
    workspace: z
      .strictObject({ low: vec3(-POS, POS, 'm'), high: vec3(-POS, POS, 'm') })
      .refine((w) => w.low.every((l, i) => l < w.high[i]), { error: 'must have low < high on every axis' })
      .default({ low: [-0.3, -0.45, 0.03], high: [0.4, 0.45, 0.6] }),
    objects: z.array(taskObjectSchema).max(3, { error: 'must have at most 3 objects' }).default([]),
    obstacles: z.array(obstacleSchema).max(8, { error: 'must have at most 8 obstacles' }).default([]),
    /** Arm only: objects start at least this far (in x-y) from the grip site (Fetch: 0.1 m). */
    objectClearance: num(0, 0.5, 'm').default(0.1),
    /**
     * Goal sampler: x, y uniform in the ranges; z uniform in `z` (heights above the table) or, without
     * `z`, the first object's resting height; then with probability `airProbability` z += U(airHeight)
     * (Fetch PickAndPlace: 0.5 and [0, 0.45]). Point mass: x, y only.
     */
    goal: z.strictObject({
      x: range(-POS, POS, 'm'),
      y: range(-POS, POS, 'm'),
      z: range(0, 1, 'm').optional(),
      airProbability: num(0, 1).default(0),
      airHeight: range(0, 1, 'm').default([0, 0.45]),
    }),
    reward: z
      .array(rewardTermSchema)
      .min(1, { error: 'must have at least one term' })
      .max(8, { error: 'must have at most 8 terms' }),
    /** Success: ‖achieved − desired‖ < threshold (Fetch: 0.05 m). */
    success: z.strictObject({ threshold: num(0.001, 1, 'm').default(0.05) }).default({ threshold: 0.05 }),
    /**
     * Domain randomization (Tobin et al. 2017; Peng et al. 2018): each reset draws one scale factor
     * per range uniformly and multiplies the nominal values: friction (sliding friction of the table,
     * objects and obstacles), mass (objects and spring blocks; inertia scales with it; the point
     * mass's body), damping (every joint), actuator gain (every actuator's gain and bias). A `bodies`
     * entry draws its own friction and/or mass factor for one body, replacing the shared one there.
     * The draws of each episode are stored with it (episode_store.ts `physics`).
     */
    randomization: z
      .strictObject({
        friction: rangeScale('sliding friction of the table, objects and obstacles').optional(),
        mass: rangeScale(
          'mass and inertia of the objects and spring blocks (point mass: its body)',
        ).optional(),
        damping: rangeScale('damping of every joint').optional(),
        actuatorGain: rangeScale("every actuator's gain and bias").optional(),
        bodies: z
          .array(bodyRandomizationSchema)
          .max(12, { error: 'must have at most 12 entries' })
          .default([]),
      })
      .default({ bodies: [] }),
  })
  .superRefine((spec, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message, params: { crossField: true } });
    if (spec.robot === 'point-mass') {
      if (spec.objects.length) issue(['objects'], 'must be empty for robot point-mass (it has no objects)');
      if (spec.obstacles.length) issue(['obstacles'], 'must be empty for robot point-mass');
      if (spec.control !== 'cartesian') issue(['control'], "must be 'cartesian' for robot point-mass");
      if (spec.goal.z) issue(['goal', 'z'], 'must be absent for robot point-mass (goals are x, y)');
      if (spec.goal.airProbability > 0) issue(['goal', 'airProbability'], 'must be 0 for robot point-mass');
    } else if (!spec.objects.length && !spec.goal.z) {
      issue(['goal', 'z'], 'is required when the task has no objects (the goal is a grip position)');
    }
    spec.reward.forEach((term, i) => {
      if ((term.kind === 'ee-object' || term.kind === 'lift') && !spec.objects.length)
        issue(['reward', i, 'kind'], `'${term.kind}' needs an object; the task has none`);
    });
    bodyRandomizationIssues(spec).forEach(([path, message]) => issue(path, message));
  });

/**
 * Cross-field problems of `randomization.bodies`: a body the scene does not have, one named twice,
 * an entry without a range, a mass range on a body without mass (the table, walls, rails).
 */
function bodyRandomizationIssues(spec: {
  robot: string;
  objects: readonly unknown[];
  obstacles: ReadonlyArray<{ kind: string }>;
  randomization: { bodies: ReadonlyArray<{ body: string; friction?: unknown; mass?: unknown }> };
}): Array<[(string | number)[], string]> {
  const out: Array<[(string | number)[], string]> = [];
  const seen = new Set<string>();
  spec.randomization.bodies.forEach((entry, i) => {
    const at = (key: string): (string | number)[] => ['randomization', 'bodies', i, key];
    if (spec.robot === 'point-mass') {
      out.push([at('body'), "must be absent for robot point-mass (use the shared 'mass' range)"]);
      return;
    }
    const m = /^(table|object|obstacle)(\d*)$/.exec(entry.body);
    if (!m) return; // the pattern's own issue
    const index = Number(m[2]);
    const count = m[1] === 'object' ? spec.objects.length : spec.obstacles.length;
    if (m[1] !== 'table' && index >= count) {
      const names = Array.from({ length: count }, (_, k) => `${m[1]}${k}`).join(', ');
      const has = count ? `only ${names}` : `no ${m[1]}s`;
      out.push([at('body'), `names ${entry.body}, but the task has ${has}`]);
      return;
    }
    if (seen.has(entry.body)) out.push([at('body'), `names ${entry.body} a second time`]);
    seen.add(entry.body);
    if (entry.friction === undefined && entry.mass === undefined)
      out.push([at('body'), 'needs a friction or a mass range']);
    const massless =
      m[1] === 'table' || (m[1] === 'obstacle' && spec.obstacles[index].kind !== 'spring-block');
    if (entry.mass !== undefined && massless)
      out.push([
        at('mass'),
        `cannot be set: ${entry.body} is fixed (only objects and spring blocks have a mass)`,
      ]);
  });
  return out;
}

/** A validated task spec (defaults filled in). */
export type TaskSpec = z.output<typeof taskSpecSchema>;
/** A task spec as written in JSON (defaults may be omitted). */
export type TaskSpecInput = z.input<typeof taskSpecSchema>;
export type TaskObject = z.output<typeof taskObjectSchema>;
export type Obstacle = z.output<typeof obstacleSchema>;
export type RewardTerm = z.output<typeof rewardTermSchema>;

/** `['objects', 0, 'mass']` → `objects[0].mass`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(spec)';
}

function valueAt(input: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || !(key in (cur as object))) return { found: false };
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value: cur };
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * One line per zod issue: `<field path>: <what is allowed>, got <the value>` (the value only when the
 * field is present in `input`), e.g. `objects[0].mass: must be in [0.01, 10] kg, got 50`.
 * Unknown fields read `table: unknown field "colour"`; missing ones `goal: is required`.
 */
export function formatTaskIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  return issues.map((issue) => {
    const field = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys')
      return `${field}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    const at = valueAt(input, issue.path);
    if (!at.found || at.value === undefined) return `${field}: is required (${issue.message})`;
    if (issue.code === 'custom' && issue.params?.crossField) return `${field}: ${issue.message}`;
    return `${field}: ${issue.message}, got ${shortJson(at.value)}`;
  });
}

/** A spec that failed validation; `lines` are {@link formatTaskIssues}'s lines. */
export class TaskSpecError extends Error {
  constructor(
    readonly source: string,
    readonly lines: readonly string[],
  ) {
    super(`Invalid task spec ${source}:\n  ${lines.join('\n  ')}`);
    this.name = 'TaskSpecError';
  }
}

/**
 * Validates `input` and fills in defaults.
 * @param source names the spec in the error (a file path, or a task name).
 * @throws TaskSpecError listing every bad field with its path and allowed range.
 */
export function parseTaskSpec(input: unknown, source = '<spec>'): TaskSpec {
  const result = taskSpecSchema.safeParse(input);
  if (!result.success) throw new TaskSpecError(source, formatTaskIssues(result.error.issues, input));
  return result.data;
}

/** The spec as JSON text (2-space indent, trailing newline); parseTaskSpec of it gives the spec back. */
export function serializeTaskSpec(spec: TaskSpec): string {
  return `${JSON.stringify(spec, null, 2)}\n`;
}

/** Resting height of an object's centre on the table, in m. */
export function objectHalfHeight(obj: TaskObject): number {
  return obj.kind === 'block' ? obj.halfSize[2] : obj.halfHeight;
}

/** Radius of the circle around the object's centre that covers its footprint in any yaw, in m. */
export function objectFootprintRadius(obj: TaskObject): number {
  return obj.kind === 'block' ? Math.hypot(obj.halfSize[0], obj.halfSize[1]) : obj.radius;
}
