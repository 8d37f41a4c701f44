/**
 * Zero-shot planning over skill sequences with a learned skill dynamics: MPPI in the latent space of
 * DADS (Sharma et al. 2019, arXiv 1907.01657, §5 and Alg. 2, App. A.5; reference code
 * google-research/dads `dads_off.py` `eval_mppi`; reference/skill_discovery.md §1.5).
 *
 * A plan is H_P skills μ_1..μ_{H_P} ∈ [-1, 1]^d, each held for H_Z env steps. One replan from the
 * current state s (f_0 = f(s)) runs R refine steps; each:
 *   1. samples K candidate sequences z_{k,i} ~ N(μ_i, σ²·I) independently per slot i, clipped to
 *      [-1, 1] (reference: `_sample_primitives`, σ² = 1.5),
 *   2. smooths each sequence along the plan: z_{k,i} ← β·z_{k,i−1} + (1 − β)·z_{k,i} for i ≥ 2, in
 *      order, so z_{k,i−1} is already smoothed (reference: `_smooth_primitive_sequences`; the
 *      paper's sparse setting β = 0.9; a no-op for H_P = 1),
 *   3. rolls every candidate through the skill dynamics' mean prediction for T = H_P·H_Z steps,
 *      f_{t+1} = f_t + E_q[Δf | s_t, z_{k,⌊t/H_Z⌋+1}] (reference: `predict_state`),
 *   4. scores it by the task's reward summed over the predicted states, R_k = Σ_{t=1..T} r(f_t)
 *      (reference: `env.compute_reward` of each predicted next state),
 *   5. moves the plan to the exponentially weighted average of the (smoothed) candidates,
 *      w_k = exp(γ·(R_k − max_j R_j)) / (Σ_j exp(γ·(R_j − max R)) + 1e-10),  μ_i ← Σ_k w_k·z_{k,i}
 *      (paper Alg. 2; reference: `_update_parameters` with prior_type 'normal').
 * After R steps the first skill μ_1 is executed for H_Z env steps, the plan shifts by one slot
 * (μ_i ← μ_{i+1}) and its last slot starts afresh from μ ~ N(0, I) (reference: `prior_mean`), so
 * the rest of the plan warm-starts the next replan.
 *
 * Departures: none in the update. The covariance stays fixed (as in the reference); a plan slot may
 * also start at 0 (`init: 'zero'`) instead of a N(0, I) draw. With a skill dynamics whose Δf does not
 * depend on the state (DADS with the x-y prior: q(Δx, Δy | z)) a held skill predicts the same Δf at
 * every step, so each (candidate, slot) is predicted once — the same numbers with H_Z times fewer
 * network passes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mppiSettingsSchema, type MppiSettings } from './settings.ts';

export {
  MPPI_PRESETS,
  MPPI_PRESET_VALUES,
  mppiSettingsSchema,
  resolveMppiSettings,
  type MppiPresetName,
  type MppiSettings,
  type ResolvedMppiSettings,
} from './settings.ts';
import { Rng } from '../rng.ts';

/**
 * What the planner needs of a skill dynamics: the mean one-step change of f(s) under a skill.
 */
export interface SkillDynamicsModel {
  /** d, the length of z. */
  readonly skillDim: number;
  /** Length of f(s). */
  readonly fDim: number;
  /**
   * True when Δf depends on z alone (not on f or the observation); the planner then predicts each
   * held skill once.
   */
  readonly stateless: boolean;
  /**
   * Mean Δf of one env step for B rows, in data units (normalization undone). Called inside
   * `tf.tidy`; must not keep the tensors it makes.
   * @param f [B, fDim] the predicted f(s) so far; null when {@link stateless}
   * @param z [B, skillDim]
   * @param obs [obsDim] the observation at the replan, for what the model reads beyond f; null when
   *   {@link stateless}
   * @returns [B, fDim]
   */
  meanDelta(f: tf.Tensor2D | null, z: tf.Tensor2D, obs: tf.Tensor1D | null): tf.Tensor2D;
}

/** Scores predicted trajectories; higher is better. */
export interface TrajectoryScore {
  /**
   * @param traj [K, rows, fDim] row-major: row 0 is the current f(s), rows 1.. the predictions
   * @param K candidates
   * @param rows T + 1
   * @returns [K] scores; NaN counts as −∞
   */
  (traj: Float32Array, K: number, rows: number): Float32Array;
}

/**
 * Rolls K skill sequences through the model's mean prediction.
 * @param f0 [fDim] the current f(s)
 * @param obs [obsDim] the current observation, or null (stateless models ignore it)
 * @param sequences [K, horizon, d] skills
 * @returns [K, T + 1, fDim] with T = horizon·hold; row 0 of each candidate is f0
 * @throws Error when the lengths do not fit the model.
 */
export function predictTrajectories(
  model: SkillDynamicsModel,
  f0: Float32Array,
  obs: Float32Array | null,
  sequences: Float32Array,
  K: number,
  horizon: number,
  hold: number,
): Float32Array {
  const { fDim, skillDim: d } = model;
  if (f0.length !== fDim)
    throw new Error(`predictTrajectories: f has length ${f0.length}, the model's f(s) has ${fDim}`);
  if (sequences.length !== K * horizon * d)
    throw new Error(
      `predictTrajectories: sequences have length ${sequences.length}, expected K·H_P·d = ${K}·${horizon}·${d}`,
    );
  const rows = horizon * hold + 1;
  const out = new Float32Array(K * rows * fDim);
  if (model.stateless) {
    // One prediction per (candidate, slot): Δf does not change while a skill is held.
    const delta = tf.tidy(
      () => model.meanDelta(null, tf.tensor2d(sequences, [K * horizon, d]), null).dataSync() as Float32Array,
    );
    const cur = new Float64Array(fDim);
    for (let k = 0; k < K; k++) {
      cur.set(f0);
      let o = k * rows * fDim;
      out.set(f0, o);
      for (let p = 0; p < horizon; p++) {
        const dOff = (k * horizon + p) * fDim;
        for (let h = 0; h < hold; h++) {
          o += fDim;
          for (let j = 0; j < fDim; j++) out[o + j] = cur[j] += delta[dOff + j];
        }
      }
    }
    return out;
  }
  const traj = tf.tidy(() => {
    let f = tf.tile(tf.tensor2d(f0, [1, fDim]), [K, 1]) as tf.Tensor2D;
    const o = obs ? tf.tensor1d(obs) : null;
    const zAll = tf.tensor3d(sequences, [K, horizon, d]);
    const states: tf.Tensor2D[] = [f];
    for (let p = 0; p < horizon; p++) {
      const zp = tf.reshape(tf.slice(zAll, [0, p, 0], [K, 1, d]), [K, d]) as tf.Tensor2D;
      for (let h = 0; h < hold; h++) {
        f = tf.add(f, model.meanDelta(f, zp, o));
        states.push(f);
      }
    }
    return tf.stack(states, 1).dataSync() as Float32Array;
  });
  out.set(traj);
  return out;
}

/** One candidate kept for display: its skills, predicted f trajectory and score. */
export interface ScoredCandidate {
  /** [horizon, d] */
  skills: Float32Array;
  /** [T + 1, fDim], row 0 the current f(s) */
  trajectory: Float32Array;
  score: number;
}

/** The outcome of one replan. */
export interface MppiPlan {
  /** The skill to execute for `hold` env steps: μ_1, [d]. */
  skill: Float32Array;
  /** The whole plan μ_1..μ_{H_P} after refining, [horizon, d]. */
  plan: Float32Array;
  /** Predicted f trajectory of the plan itself, [T + 1, fDim]. */
  predicted: Float32Array;
  /** Score of {@link predicted} under the objective. */
  predictedScore: number;
  /** The best candidates of the last refine step, best first (at most `keepTop`). */
  top: ScoredCandidate[];
}

/**
 * MPPI over skill sequences (see the file comment). Keeps the plan between replans; `reset` starts an
 * episode afresh. Draws all its noise from its own seeded {@link Rng}.
 */
export class MppiPlanner {
  readonly settings: Readonly<MppiSettings>;
  private readonly rng: Rng;
  /** μ, [horizon, d]. */
  private means: Float64Array;

  /** @throws Error naming the field when `settings` are invalid. */
  constructor(
    readonly model: SkillDynamicsModel,
    settings: MppiSettings,
    seed: number,
  ) {
    const parsed = mppiSettingsSchema.safeParse(settings);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`MppiPlanner: planner.${String(issue.path[0] ?? '')}: ${issue.message}`);
    }
    this.settings = Object.freeze({ ...parsed.data });
    this.rng = new Rng(seed);
    this.means = new Float64Array(this.settings.horizon * model.skillDim);
    this.reset();
  }

  /** The current plan μ, [horizon, d] (a copy). */
  get plan(): Float32Array {
    return Float32Array.from(this.means);
  }

  /** Starts a new episode: every plan slot afresh. */
  reset(): void {
    for (let p = 0; p < this.settings.horizon; p++) this.initSlot(p);
  }

  private initSlot(p: number): void {
    const d = this.model.skillDim;
    for (let j = 0; j < d; j++)
      this.means[p * d + j] = this.settings.init === 'normal' ? this.rng.normal() : 0;
  }

  /**
   * One replan: R refine steps from f(s), then the first skill; the plan then shifts by one slot.
   * @param f [fDim] the current f(s)
   * @param obs [obsDim] the current observation (for models that read more than f), or null
   * @param score the task's objective over predicted trajectories
   * @param keepTop how many of the last refine step's best candidates to return (default 5)
   * @throws Error when every candidate scores NaN or −∞.
   */
  replan(f: Float32Array, obs: Float32Array | null, score: TrajectoryScore, keepTop = 5): MppiPlan {
    const {
      horizon: H,
      hold,
      candidates: K,
      refineSteps: R,
      gamma,
      variance,
      smoothing: beta,
    } = this.settings;
    const d = this.model.skillDim;
    const fDim = this.model.fDim;
    const rows = H * hold + 1;
    const std = Math.sqrt(variance);
    const seqs = new Float32Array(K * H * d);
    const weights = new Float64Array(K);
    let scores: Float32Array = new Float32Array(K);
    let traj: Float32Array = new Float32Array(0);
    for (let r = 0; r < R; r++) {
      for (let k = 0; k < K; k++) {
        for (let p = 0; p < H; p++) {
          for (let j = 0; j < d; j++) {
            const v = this.means[p * d + j] + std * this.rng.normal();
            seqs[(k * H + p) * d + j] = v < -1 ? -1 : v > 1 ? 1 : v;
          }
        }
        for (let p = 1; p < H; p++) {
          const o = (k * H + p) * d;
          for (let j = 0; j < d; j++) seqs[o + j] = beta * seqs[o - d + j] + (1 - beta) * seqs[o + j];
        }
      }
      traj = predictTrajectories(this.model, f, obs, seqs, K, H, hold);
      scores = score(traj, K, rows);
      if (scores.length !== K)
        throw new Error(`MPPI: the objective returned ${scores.length} scores for ${K} candidates`);
      let best = -Infinity;
      for (let k = 0; k < K; k++) if (scores[k] > best) best = scores[k];
      if (!(best > -Infinity))
        throw new Error('MPPI: every candidate scored NaN or −∞ (check the skill dynamics and the task)');
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const s = scores[k];
        weights[k] = s > -Infinity ? Math.exp(gamma * (s - best)) : 0; // NaN > −∞ is false
        sum += weights[k];
      }
      sum += 1e-10;
      this.means.fill(0);
      for (let k = 0; k < K; k++) {
        const w = weights[k] / sum;
        if (w === 0) continue;
        for (let i = 0; i < H * d; i++) this.means[i] += w * seqs[k * H * d + i];
      }
    }

    const order = Array.from({ length: K }, (_, k) => k)
      .filter((k) => !Number.isNaN(scores[k]))
      .sort((a, b) => scores[b] - scores[a])
      .slice(0, Math.max(0, keepTop));
    const top = order.map((k) => ({
      skills: seqs.slice(k * H * d, (k + 1) * H * d),
      trajectory: traj.slice(k * rows * fDim, (k + 1) * rows * fDim),
      score: scores[k],
    }));
    const plan = Float32Array.from(this.means);
    const predicted = predictTrajectories(this.model, f, obs, plan, 1, H, hold);
    const predictedScore = score(predicted, 1, rows)[0];
    const skill = plan.slice(0, d);
    this.means.copyWithin(0, d);
    this.initSlot(H - 1);
    return { skill, plan, predicted, predictedScore, top };
  }
}
