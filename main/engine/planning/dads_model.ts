/**
 * A trained DADS run's frozen parts as the planner and the executor use them: its skill dynamics
 * q(Δf | s, z) as a {@link SkillDynamicsModel} and its skill policy π(a | s, z) as a
 * {@link SkillPolicy}. Nothing here trains or changes a weight; the moving statistics of the
 * normalizers are read, never updated.
 *
 * The state input of q. With the x-y prior and the reference code's `restrict_observation = 2`, q
 * reads no state (q(Δx, Δy | z), `dads.dynamicsInput = 'none'`) and the planner predicts each held
 * skill once. With `dynamicsInput = 'obs-without-coords'` q reads the observation without x, y. The
 * reference code predicts the whole (processed) observation and feeds its prediction back; here q
 * predicts only Δf, so each column of the state input is read from the predicted f(s) where f covers
 * it (f = 'full-without-xy': every column evolves with the prediction, as in the reference) and held
 * at the replan's observation where it does not (f = 'xy' with a state input: velocities, joint
 * angles stay as observed for the whole horizon — the one-step model's best guess without a model of
 * them, renewed at every replan).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DadsAlgorithm, SkillDynamics } from '../algos/dads.ts';
import { FrozenPolicy, type ActionMode } from '../algos/frozen_policy.ts';
import type { StateFunction } from '../algos/skills.ts';
import type { SkillSource } from '../runs/policy_source.ts';
import type { EnvSpec } from '../sim/envs.ts';
import type { Rng } from '../rng.ts';
import type { SkillDynamicsModel } from './mppi.ts';

export type { ActionMode } from '../algos/frozen_policy.ts';

/**
 * What planning needs of a trained DADS run, from a live algorithm ({@link dadsPartsOf}) or from a
 * run's checkpoint ({@link dadsPartsOfSource}): nothing here is trained.
 */
export interface DadsParts {
  readonly dynamics: SkillDynamics;
  readonly f: StateFunction;
  readonly policy: FrozenPolicy;
  /** The env the skills were trained on, with the run's episode length. */
  readonly env: Pick<EnvSpec, 'name' | 'obsDim' | 'actDim' | 'coordDims' | 'maxEpisodeSteps'>;
}

/** The parts of a live DADS algorithm (tests, the trainer's process); they stay the algorithm's. */
export function dadsPartsOf(algo: DadsAlgorithm): DadsParts {
  const env = algo.vec.env(0);
  return {
    dynamics: algo.dynamics,
    f: algo.f,
    policy: FrozenPolicy.over(algo.learner.policy, algo.input, algo.vec.actDim),
    env: {
      name: env.name,
      obsDim: algo.vec.obsDim,
      actDim: algo.vec.actDim,
      coordDims: env.coordDims,
      maxEpisodeSteps: env.maxEpisodeSteps,
    },
  };
}

/**
 * The parts of a DADS run loaded by runs/policy_source.ts.
 * @throws Error when the source is not a DADS run's.
 */
export function dadsPartsOfSource(source: SkillSource): DadsParts {
  if (!source.skillDynamics) throw new Error(`run ${source.run.id} is a ${source.algo} run, not DADS`);
  return {
    dynamics: source.skillDynamics,
    f: source.f,
    policy: source.policy,
    env: { ...source.env, maxEpisodeSteps: source.config.episodeSteps ?? source.env.maxEpisodeSteps },
  };
}

/** A frozen skill-conditioned policy. */
export interface SkillPolicy {
  /** d, the length of z. */
  readonly skillDim: number;
  /** How actions are drawn: the deterministic mean or a sample of π. */
  readonly mode: ActionMode;
  /**
   * Actions for B rows: obs [B, obsDim], z [B, skillDim] → [B, actDim] in the action space.
   * Never changes the policy's weights.
   */
  act(obs: Float32Array, z: Float32Array): Float32Array;
}

/**
 * The skill dynamics of a DADS algorithm as a planning model (see the file comment for the state input).
 * @throws Error when the algorithm's skill dynamics and f(s) disagree in size (a corrupt build).
 */
export function dadsSkillModel(parts: DadsParts): SkillDynamicsModel {
  const dyn = parts.dynamics;
  const fDims = parts.f.dims;
  const obsDim = parts.env.obsDim;
  if (dyn.fDim !== fDims.length)
    throw new Error(`DADS skill dynamics predicts ${dyn.fDim} numbers but f(s) has ${fDims.length}`);
  const stateless = dyn.stateDim === 0;
  // Column c of the state input: from predicted f (index < fDim) or the replan's obs (fDim + column).
  const gatherIdx = dyn.stateDims.map((c) => {
    const p = fDims.indexOf(c);
    return p >= 0 ? p : fDims.length + c;
  });
  return {
    skillDim: dyn.skillDim,
    fDim: dyn.fDim,
    stateless,
    meanDelta(f, z, obs) {
      if (stateless) return dyn.meanDelta(null, z);
      if (!f || !obs || obs.shape[0] !== obsDim)
        throw new Error(`DADS skill dynamics reads the state: give f [B, ${dyn.fDim}] and obs [${obsDim}]`);
      return tf.tidy(() => {
        const B = f.shape[0];
        const pool = tf.concat([f, tf.tile(tf.reshape(obs, [1, obsDim]), [B, 1])], 1);
        return dyn.meanDelta(tf.gather(pool, gatherIdx, 1) as tf.Tensor2D, z);
      });
    },
  };
}

/**
 * The skill policy of DADS parts: its deterministic action tanh(μ) ('mean', as `skill-lab eval`
 * rolls skills out) or a sample of π ('sample', as the reference code's eval_mppi acts through
 * tf-agents' SacAgent.policy) with noise from `rng`, never from a learner's own generator.
 */
export function dadsSkillPolicy(parts: DadsParts, mode: ActionMode, rng: Rng): SkillPolicy {
  return {
    skillDim: parts.dynamics.skillDim,
    mode,
    act: (obs, z) => parts.policy.act(obs, z, mode, rng),
  };
}
