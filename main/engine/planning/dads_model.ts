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
import type { DadsAlgorithm } from '../algos/dads.ts';
import { tanhGaussian } from '../nn/distributions.ts';
import type { Rng } from '../rng.ts';
import type { SkillDynamicsModel } from './mppi.ts';

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
export function dadsSkillModel(algo: DadsAlgorithm): SkillDynamicsModel {
  const dyn = algo.dynamics;
  const fDims = algo.f.dims;
  const obsDim = algo.vec.obsDim;
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

/** How the executor turns the policy into actions. */
export type ActionMode = 'mean' | 'sample';

/**
 * The skill policy of a DADS algorithm: its deterministic action tanh(μ) ('mean', as `skill-lab eval`
 * rolls skills out) or a sample of π ('sample', as the reference code's eval_mppi acts through
 * tf-agents' SacAgent.policy) with noise from `rng`, never from the learner's own generator.
 */
export function dadsSkillPolicy(algo: DadsAlgorithm, mode: ActionMode, rng: Rng): SkillPolicy {
  const { learner, input } = algo;
  const actDim = algo.vec.actDim;
  return {
    skillDim: algo.skillDim,
    mode,
    act(obs, z) {
      if (mode === 'mean') return algo.actDeterministic(obs, z);
      const x = input.build(obs, z);
      const B = x.length / input.dim;
      const eps = rng.fillNormal(new Float32Array(B * actDim)) as Float32Array;
      return tf.tidy(() => {
        const out = learner.policy.apply(tf.tensor2d(x, [B, input.dim]));
        const mean = tf.slice(out, [0, 0], [-1, actDim]) as tf.Tensor2D;
        const logStd = tf.slice(out, [0, actDim], [-1, actDim]) as tf.Tensor2D;
        return tanhGaussian(mean, logStd, tf.tensor2d(eps, [B, actDim])).action.dataSync() as Float32Array;
      });
    },
  };
}
