/**
 * Domain randomization applied per reset (Tobin et al. 2017; Peng et al. 2018 for dynamics): each
 * configured range yields one scale factor per reset, drawn from the env's seeded {@link Rng}, that
 * multiplies the nominal model values captured when the randomizer was built. Nothing accumulates
 * across resets, and draws happen in a fixed order (the shared ranges friction, mass, damping,
 * actuator gain, then each `bodies` entry's friction and mass in spec order), so the same seed gives
 * the same physics — and a task without per-body ranges draws exactly as before they existed.
 *
 * Each draw has a name (tasks/physics_keys.ts), its column in the episode store and the replay
 * filter: `friction_scale`, `mass_scale`, `damping_scale`, `actuator_gain_scale` for the shared
 * ranges, `<body>_friction_scale` / `<body>_mass_scale` for a body's own (`table_…`, `object0_…`).
 */
import type { MjModel } from './mujoco.ts';
import type { Rng } from '../rng.ts';
import type { TaskSpec } from '../tasks/schema.ts';
import { SHARED_PHYSICS_KEYS, bodyPhysicsKey, type PhysicsKind } from '../tasks/physics_keys.ts';

/** A named part of the scene and the model elements its friction and mass act on. */
export interface RandomizedPart {
  /** 'table', 'object<i>', 'obstacle<i>' (what `randomization.bodies[].body` names), 'point'. */
  name: string;
  /** Geom ids whose sliding friction scales. */
  frictionGeoms: readonly number[];
  /** Body ids whose mass (and inertia) scales. */
  massBodies: readonly number[];
}

/** Which model elements each randomization acts on. */
export interface RandomizationTargets {
  parts: readonly RandomizedPart[];
  /** Dof ids whose damping scales. */
  dampedDofs: readonly number[];
  /** Actuator ids whose gain and bias scale (position kp, velocity kv, motor gain). */
  actuators: readonly number[];
}

type Kind = PhysicsKind;

/** One draw per reset: its name, range and the elements it scales, with their nominal values. */
interface Group {
  key: string;
  kind: Kind;
  range: readonly [number, number];
  /** Geom, body, dof or actuator ids. */
  ids: readonly number[];
  /** Nominal values: friction[0], mass (+ 3 inertia values), damping, gain (+ 2 bias values) per id. */
  nominal: Float64Array;
}

const NGAIN = 10; // mjNGAIN
const NBIAS = 10; // mjNBIAS
/** Values kept per id of each kind (mass: mass and the 3 principal inertias; gain: gain, 2 biases). */
const STRIDE: Record<Kind, number> = { friction: 1, mass: 4, damping: 1, actuatorGain: 3 };

/**
 * Holds the nominal values of a model's randomized parameters and rescales them on demand. It keeps
 * no reference to the model: the caller passes its (owned) model to each call.
 */
export class DomainRandomizer {
  /** Names of the draws, in draw order: what {@link apply} returns values for. */
  readonly keys: readonly string[];
  private readonly groups: readonly Group[];

  /** @throws Error when a `bodies` entry names a part the targets do not have. */
  constructor(model: MjModel, ranges: TaskSpec['randomization'], targets: RandomizationTargets) {
    const own = (kind: 'friction' | 'mass') =>
      new Set((ranges.bodies ?? []).filter((b) => b[kind] !== undefined).map((b) => b.body));
    const idsOf = (kind: 'friction' | 'mass', parts: readonly RandomizedPart[]) =>
      parts.flatMap((p) => (kind === 'friction' ? p.frictionGeoms : p.massBodies));
    const groups: Group[] = [];
    const add = (
      key: string,
      kind: Kind,
      range: readonly [number, number] | undefined,
      ids: readonly number[],
    ) => {
      if (range) groups.push({ key, kind, range, ids, nominal: nominalOf(model, kind, ids) });
    };
    for (const kind of ['friction', 'mass'] as const) {
      const mine = own(kind);
      add(
        SHARED_PHYSICS_KEYS[kind],
        kind,
        ranges[kind],
        idsOf(
          kind,
          targets.parts.filter((p) => !mine.has(p.name)),
        ),
      );
    }
    add(SHARED_PHYSICS_KEYS.damping, 'damping', ranges.damping, targets.dampedDofs);
    add(SHARED_PHYSICS_KEYS.actuatorGain, 'actuatorGain', ranges.actuatorGain, targets.actuators);
    for (const entry of ranges.bodies ?? []) {
      const part = targets.parts.find((p) => p.name === entry.body);
      if (!part)
        throw new Error(
          `randomization.bodies: no body '${entry.body}' in this scene (it has ${targets.parts.map((p) => p.name).join(', ')})`,
        );
      for (const kind of ['friction', 'mass'] as const)
        add(bodyPhysicsKey(entry.body, kind), kind, entry[kind], idsOf(kind, [part]));
    }
    this.groups = groups;
    this.keys = Object.freeze(groups.map((g) => g.key));
  }

  /** True when the spec randomizes anything. */
  get active(): boolean {
    return this.groups.length > 0;
  }

  /**
   * Draws the scale factors (in {@link keys} order) and writes nominal × scale into `model`.
   * @returns [keys.length] the factors drawn (× nominal)
   */
  apply(model: MjModel, rng: Rng): Float64Array {
    const out = new Float64Array(this.groups.length);
    this.groups.forEach((g, k) => {
      const s = rng.uniformRange(g.range[0], g.range[1]);
      out[k] = s;
      writeScaled(model, g, s);
    });
    return out;
  }

  /**
   * Writes nominal × draws[k] into `model` for every range, drawing nothing: restores the physics of
   * an earlier {@link apply} (an env state being continued) bit for bit. Factors of 1 restore the
   * nominal model.
   * @param draws [keys.length] scale factors (× nominal), in {@link keys} order
   * @throws Error when `draws` has the wrong length or a factor that is not finite and positive; the
   *   model is unchanged then.
   */
  applyDraws(model: MjModel, draws: ArrayLike<number>): void {
    if (draws.length !== this.groups.length)
      throw new Error(
        `domain randomization: expected ${this.groups.length} scale factors (${this.keys.join(', ')}), got ${draws.length}`,
      );
    for (let k = 0; k < draws.length; k++)
      if (!Number.isFinite(draws[k]) || draws[k] <= 0)
        throw new Error(
          `domain randomization: scale factor ${this.keys[k]} must be finite and positive, got ${draws[k]}`,
        );
    this.groups.forEach((g, k) => writeScaled(model, g, draws[k]));
  }
}

/** The nominal values of `ids` for `kind` (see {@link Group.nominal}). */
function nominalOf(model: MjModel, kind: Kind, ids: readonly number[]): Float64Array {
  const n = STRIDE[kind];
  const out = new Float64Array(n * ids.length);
  ids.forEach((id, k) => {
    switch (kind) {
      case 'friction':
        out[k] = (model.geom_friction as Float64Array)[3 * id];
        break;
      case 'mass':
        out[4 * k] = (model.body_mass as Float64Array)[id];
        out.set((model.body_inertia as Float64Array).subarray(3 * id, 3 * id + 3), 4 * k + 1);
        break;
      case 'damping':
        out[k] = (model.dof_damping as Float64Array)[id];
        break;
      case 'actuatorGain':
        out[3 * k] = (model.actuator_gainprm as Float64Array)[NGAIN * id];
        out[3 * k + 1] = (model.actuator_biasprm as Float64Array)[NBIAS * id + 1];
        out[3 * k + 2] = (model.actuator_biasprm as Float64Array)[NBIAS * id + 2];
        break;
    }
  });
  return out;
}

/** Writes nominal × s for every element of the group. */
function writeScaled(model: MjModel, g: Group, s: number): void {
  const v = g.nominal;
  g.ids.forEach((id, k) => {
    switch (g.kind) {
      case 'friction':
        (model.geom_friction as Float64Array)[3 * id] = v[k] * s;
        break;
      case 'mass': {
        (model.body_mass as Float64Array)[id] = v[4 * k] * s;
        const inertia = model.body_inertia as Float64Array;
        for (let j = 0; j < 3; j++) inertia[3 * id + j] = v[4 * k + 1 + j] * s;
        break;
      }
      case 'damping':
        (model.dof_damping as Float64Array)[id] = v[k] * s;
        break;
      case 'actuatorGain': {
        const bias = model.actuator_biasprm as Float64Array;
        (model.actuator_gainprm as Float64Array)[NGAIN * id] = v[3 * k] * s;
        bias[NBIAS * id + 1] = v[3 * k + 1] * s;
        bias[NBIAS * id + 2] = v[3 * k + 2] * s;
        break;
      }
    }
  });
}
