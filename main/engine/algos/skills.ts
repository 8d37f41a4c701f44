/**
 * Skill priors p(z), the named state functions f(s), and the policy input [s without coords, z].
 * Pure JS on typed arrays: these run per env step and per sampled batch.
 */
import type { Rng } from '../rng.ts';
import type { RunningNormalizer } from './running_normalizer.ts';
import type { StateFunctionName } from '../config.ts';

/** A skill prior p(z) that writes z vectors of length `dim`. */
export interface SkillPrior {
  readonly kind: 'categorical' | 'continuous';
  /** Length of the z vector given to the policy (N for one-hot, d for continuous). */
  readonly dim: number;
  /** Writes one z ~ p(z) into out[offset .. offset+dim). Returns the categorical id, or -1. */
  sample(rng: Rng, out: Float32Array, offset?: number): number;
  /** log p(z) for a sample (constant for both uniform priors). */
  readonly logProb: number;
}

/** What a skill run's skills are: DIAYN's N categorical skills (one-hot z) or DADS's z ∈ [−1, 1]^d. */
export type SkillSpace = { kind: 'discrete'; count: number } | { kind: 'continuous'; dim: number };

/** Length of the skill vector z of a skill space (N for one-hot skills, d for continuous ones). */
export function skillWidth(skills: SkillSpace): number {
  return skills.kind === 'discrete' ? skills.count : skills.dim;
}

/**
 * Uniform categorical prior over N skills, z one-hot (DIAYN, Eysenbach et al. 2018 §3: p(z) fixed uniform).
 */
export function categoricalPrior(n: number): SkillPrior {
  return {
    kind: 'categorical',
    dim: n,
    logProb: -Math.log(n),
    sample(rng, out, offset = 0) {
      const k = rng.int(n);
      out.fill(0, offset, offset + n);
      out[offset + k] = 1;
      return k;
    },
  };
}

/** Uniform continuous prior z ~ U[-1, 1]^d (DADS, Sharma et al. 2019 App. A: cont_uniform). */
export function continuousPrior(d: number): SkillPrior {
  return {
    kind: 'continuous',
    dim: d,
    logProb: -d * Math.log(2),
    sample(rng, out, offset = 0) {
      for (let i = 0; i < d; i++) out[offset + i] = rng.uniformRange(-1, 1);
      return -1;
    },
  };
}

/**
 * The state function f(s) that skills are judged on.
 * - `xy`: the global coordinates of the obs (x, y; x alone for half-cheetah).
 * - `full-without-xy`: the observation without them.
 */
export interface StateFunction {
  readonly name: StateFunctionName;
  /** Indices into obs that f(s) reads, in order. */
  readonly dims: readonly number[];
  /** Applies f to B rows of obs [B, obsDim] → [B, dims.length]. */
  apply(obs: Float32Array, obsDim: number): Float32Array;
}

/** Builds f(s) for an env whose global coordinates sit at `coordDims`. @throws Error if f would be empty. */
export function stateFunction(
  name: StateFunctionName,
  obsDim: number,
  coordDims: readonly number[],
): StateFunction {
  const dims =
    name === 'xy'
      ? [...coordDims]
      : Array.from({ length: obsDim }, (_, i) => i).filter((i) => !coordDims.includes(i));
  if (dims.length === 0) throw new Error(`state function ${name} is empty for this env`);
  return { name, dims, apply: (obs, od) => selectColumns(obs, od, dims) };
}

/** Copies the columns `dims` of a row-major [B, width] matrix. */
export function selectColumns(rows: Float32Array, width: number, dims: readonly number[]): Float32Array {
  const B = rows.length / width;
  const out = new Float32Array(B * dims.length);
  for (let b = 0; b < B; b++)
    for (let j = 0; j < dims.length; j++) out[b * dims.length + j] = rows[b * width + dims[j]];
  return out;
}

/**
 * Maps raw observations and skills to the policy/critic input [obs without hidden dims, z].
 * DADS (reference code hide_coords): the policy never sees x, y, so skills must be about motion,
 * not about places.
 */
export class PolicyInput {
  readonly keptDims: number[];
  readonly dim: number;
  constructor(
    readonly obsDim: number,
    hiddenDims: readonly number[],
    readonly skillDim: number,
  ) {
    this.keptDims = Array.from({ length: obsDim }, (_, i) => i).filter((i) => !hiddenDims.includes(i));
    this.dim = this.keptDims.length + skillDim;
  }

  /** obs [B, obsDim], skill [B, skillDim] → [B, dim]. */
  build(obs: Float32Array, skill: Float32Array): Float32Array {
    const B = obs.length / this.obsDim;
    const out = new Float32Array(B * this.dim);
    const k = this.keptDims.length;
    for (let b = 0; b < B; b++) {
      const o = b * this.dim;
      for (let j = 0; j < k; j++) out[o + j] = obs[b * this.obsDim + this.keptDims[j]];
      for (let j = 0; j < this.skillDim; j++) out[o + k + j] = skill[b * this.skillDim + j];
    }
    return out;
  }
}

/**
 * The input of a skill-embedding run's policy π(a | s, z) (algos/skill_embedding.ts) as a controller
 * steers it: the observation normalized with the run's frozen statistics, then z = center + scale ⊙ c
 * for the controller's skill c ∈ [−1, 1]^d, so that the box a controller acts in covers the tasks'
 * embeddings (see runs/policy_source.ts for center and scale).
 */
export class LatentPolicyInput extends PolicyInput {
  /**
   * @param normalizer the run's observation normalizer, restored to its checkpoint's statistics
   * @param center [d] the box's centre in z
   * @param scale [d] its half-widths
   */
  constructor(
    obsDim: number,
    private readonly normalizer: RunningNormalizer,
    readonly center: Float32Array,
    readonly scale: Float32Array,
  ) {
    super(obsDim, [], center.length);
  }

  /** The z of controller skills: c [B, d] in [−1, 1] → center + scale ⊙ c, [B, d]. */
  latentOf(skill: Float32Array): Float32Array {
    const d = this.skillDim;
    return skill.map((v, i) => this.center[i % d] + this.scale[i % d] * v);
  }

  /** obs [B, obsDim], c [B, d] → [B, obsDim + d]: normalized observation, then z. */
  override build(obs: Float32Array, skill: Float32Array): Float32Array {
    const B = obs.length / this.obsDim;
    const out = new Float32Array(B * this.dim);
    this.normalizer.normalizeInto(obs, out, this.dim, 0);
    const z = this.latentOf(skill);
    for (let b = 0; b < B; b++)
      out.set(z.subarray(b * this.skillDim, (b + 1) * this.skillDim), b * this.dim + this.obsDim);
    return out;
  }
}

/**
 * What a skill c given to a policy through `input` is in the policy's own terms: z = center + scale ⊙ c
 * over a skill embedding ({@link LatentPolicyInput}), c itself otherwise. For traces and reports,
 * which name the z a policy was given.
 * @param skill c [B, skillDim]
 */
export function policySkillOf(input: PolicyInput, skill: Float32Array): Float32Array {
  return input instanceof LatentPolicyInput ? input.latentOf(skill) : skill;
}

/**
 * A fixed, reproducible set of z for evaluating DADS: for d = 2, `count` directions evenly spread on
 * the unit circle (so their x-y traces can be compared run to run); otherwise draws from a fixed seed.
 */
export function evaluationSkills(d: number, count: number, rng: Rng): Float32Array[] {
  if (d === 2) {
    return Array.from({ length: count }, (_, k) => {
      const th = (2 * Math.PI * k) / count;
      return Float32Array.from([Math.cos(th), Math.sin(th)]);
    });
  }
  return Array.from({ length: count }, () => rng.fillUniform(new Float32Array(d), -1, 1) as Float32Array);
}
