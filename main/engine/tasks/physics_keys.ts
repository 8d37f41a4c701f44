/**
 * Names of domain-randomization draws (sim/randomize.ts): each reset's scale factors are stored per
 * episode under these names (episode_store.ts `physics`, the replay browser's columns) and shown by
 * the task editor's sampled resets. One place for the names, what each multiplies, and a short
 * label, so the engine, the replay filter and the workbench agree.
 *
 * Browser-safe: no imports.
 */

/** Which nominal value a draw multiplies. */
export type PhysicsKind = 'friction' | 'mass' | 'damping' | 'actuatorGain';

/** Names of the shared draws (one factor for every part of the kind). */
export const SHARED_PHYSICS_KEYS: Readonly<Record<PhysicsKind, string>> = Object.freeze({
  friction: 'friction_scale',
  mass: 'mass_scale',
  damping: 'damping_scale',
  actuatorGain: 'actuator_gain_scale',
});

/** Every name a draw can have: shared, or a body's own (`table_friction_scale`, `object0_mass_scale`). */
export const PHYSICS_KEY_PATTERN =
  /^(?:(table|object[0-9]|obstacle[0-9])_)?(friction|mass|damping|actuator_gain)_scale$/;

/** The name of body `body`'s own draw of `kind` (friction or mass). */
export function bodyPhysicsKey(body: string, kind: 'friction' | 'mass'): string {
  return `${body}_${SHARED_PHYSICS_KEYS[kind]}`;
}

const WHAT: Record<string, string> = {
  friction: 'sliding friction',
  mass: 'mass and inertia',
  damping: 'joint damping',
  actuator_gain: 'actuator gain and bias',
};
const SHARED_TARGETS: Record<string, string> = {
  friction: 'the table, objects and obstacles',
  mass: 'the objects and spring blocks',
  damping: 'every joint',
  actuator_gain: 'every actuator',
};

/**
 * A short label: `friction ×`, `table friction ×`, `object0 mass ×`.
 * @throws Error for a name that is not a physics key.
 */
export function physicsLabel(key: string): string {
  const [, body, kind] = parse(key);
  return `${body ? `${body} ` : ''}${kind.replace('_', ' ')} ×`;
}

/**
 * What the factor multiplies, in words: "scale factor (× nominal) of the sliding friction of the
 * table, objects and obstacles, drawn at the reset".
 * @throws Error for a name that is not a physics key.
 */
export function describePhysicsKey(key: string): string {
  const [, body, kind] = parse(key);
  const of = body ? `${body}'s ${WHAT[kind]}` : `the ${WHAT[kind]} of ${SHARED_TARGETS[kind]}`;
  return `scale factor (× nominal) of ${of}, drawn at the reset`;
}

function parse(key: string): RegExpExecArray {
  const m = PHYSICS_KEY_PATTERN.exec(key);
  if (!m)
    throw new Error(
      `'${key}' is not a domain-randomization column (e.g. friction_scale, table_friction_scale)`,
    );
  return m;
}
