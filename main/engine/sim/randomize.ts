/**
 * Domain randomization applied per reset (Tobin et al. 2017 style physics randomization): each
 * configured range yields one scale factor per reset, drawn from the env's seeded {@link Rng}, that
 * multiplies the nominal model values captured when the randomizer was built. Nothing accumulates
 * across resets, and draws happen in a fixed order, so the same seed gives the same physics.
 */
import type { MjModel } from './mujoco.ts';
import type { Rng } from '../rng.ts';
import type { TaskSpec } from '../tasks/schema.ts';

/** Which model elements each randomization acts on. */
export interface RandomizationTargets {
  /** Geom ids whose sliding friction scales. */
  frictionGeoms: readonly number[];
  /** Body ids whose mass (and inertia) scales. */
  massBodies: readonly number[];
  /** Dof ids whose damping scales. */
  dampedDofs: readonly number[];
  /** Actuator ids whose gain and bias scale (position kp, velocity kv, motor gain). */
  actuators: readonly number[];
}

/** Scale factors drawn by one {@link DomainRandomizer.apply}, 1 where not randomized. */
export interface RandomizationDraw {
  friction: number;
  mass: number;
  damping: number;
  actuatorGain: number;
}

const NGAIN = 10; // mjNGAIN
const NBIAS = 10; // mjNBIAS

/**
 * Holds the nominal values of a model's randomized parameters and rescales them on demand. It keeps
 * no reference to the model: the caller passes its (owned) model to each call.
 */
export class DomainRandomizer {
  private readonly friction: Float64Array;
  private readonly mass: Float64Array;
  private readonly inertia: Float64Array;
  private readonly damping: Float64Array;
  private readonly gain: Float64Array;
  private readonly bias: Float64Array;

  constructor(
    model: MjModel,
    private readonly ranges: TaskSpec['randomization'],
    private readonly targets: RandomizationTargets,
  ) {
    const f = model.geom_friction as Float64Array;
    this.friction = Float64Array.from(targets.frictionGeoms, (g) => f[3 * g]);
    const m = model.body_mass as Float64Array;
    const inertia = model.body_inertia as Float64Array;
    this.mass = Float64Array.from(targets.massBodies, (b) => m[b]);
    this.inertia = new Float64Array(3 * targets.massBodies.length);
    targets.massBodies.forEach((b, k) => this.inertia.set(inertia.subarray(3 * b, 3 * b + 3), 3 * k));
    const d = model.dof_damping as Float64Array;
    this.damping = Float64Array.from(targets.dampedDofs, (i) => d[i]);
    const gp = model.actuator_gainprm as Float64Array;
    const bp = model.actuator_biasprm as Float64Array;
    this.gain = Float64Array.from(targets.actuators, (a) => gp[NGAIN * a]);
    this.bias = new Float64Array(2 * targets.actuators.length);
    targets.actuators.forEach((a, k) => {
      this.bias[2 * k] = bp[NBIAS * a + 1];
      this.bias[2 * k + 1] = bp[NBIAS * a + 2];
    });
  }

  /** True when the spec randomizes anything. */
  get active(): boolean {
    const r = this.ranges;
    return Boolean(r.friction || r.mass || r.damping || r.actuatorGain);
  }

  /**
   * Draws the scale factors (friction, mass, damping, actuator gain, in that order, only for the
   * configured ranges) and writes nominal × scale into `model`.
   */
  apply(model: MjModel, rng: Rng): RandomizationDraw {
    const r = this.ranges;
    const draw = (range: readonly [number, number] | undefined) =>
      range ? rng.uniformRange(range[0], range[1]) : 1;
    const s: RandomizationDraw = {
      friction: draw(r.friction),
      mass: draw(r.mass),
      damping: draw(r.damping),
      actuatorGain: draw(r.actuatorGain),
    };
    const t = this.targets;
    const f = model.geom_friction as Float64Array;
    t.frictionGeoms.forEach((g, k) => (f[3 * g] = this.friction[k] * s.friction));
    const m = model.body_mass as Float64Array;
    const inertia = model.body_inertia as Float64Array;
    t.massBodies.forEach((b, k) => {
      m[b] = this.mass[k] * s.mass;
      for (let j = 0; j < 3; j++) inertia[3 * b + j] = this.inertia[3 * k + j] * s.mass;
    });
    const d = model.dof_damping as Float64Array;
    t.dampedDofs.forEach((i, k) => (d[i] = this.damping[k] * s.damping));
    const gp = model.actuator_gainprm as Float64Array;
    const bp = model.actuator_biasprm as Float64Array;
    t.actuators.forEach((a, k) => {
      gp[NGAIN * a] = this.gain[k] * s.actuatorGain;
      bp[NBIAS * a + 1] = this.bias[2 * k] * s.actuatorGain;
      bp[NBIAS * a + 2] = this.bias[2 * k + 1] * s.actuatorGain;
    });
    return s;
  }
}
