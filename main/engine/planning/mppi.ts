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
import { z } from 'zod';
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

/** MPPI settings (see the file comment for the symbols). */
export interface MppiSettings {
  /** H_P: skills per plan. */
  horizon: number;
  /** H_Z: env steps each skill is held. */
  hold: number;
  /** K: candidate sequences per refine step. */
  candidates: number;
  /** R: refine steps per replan. */
  refineSteps: number;
  /** γ: the MPPI weighting's inverse temperature, per unit of summed reward. */
  gamma: number;
  /** σ²: variance of each coordinate of the proposal N(μ, σ²·I). */
  variance: number;
  /** β ∈ [0, 1): smoothing of each candidate along the plan. */
  smoothing: number;
  /** A fresh plan slot's mean: a N(0, I) draw (reference code) or 0. */
  init: 'normal' | 'zero';
}

const positiveInt = (max: number) => z.number().int().min(1).max(max);

/** Validates {@link MppiSettings}; bounds keep one replan's work finite. */
export const mppiSettingsSchema = z
  .object({
    horizon: positiveInt(64),
    hold: positiveInt(10_000),
    candidates: positiveInt(100_000),
    refineSteps: positiveInt(1000),
    gamma: z.number().positive().max(1e6),
    variance: z.number().positive().max(1e3),
    smoothing: z.number().min(0).lt(1),
    init: z.enum(['normal', 'zero']),
  })
  .strict();

/** Names of the planner presets. */
export const MPPI_PRESETS = ['dense', 'sparse'] as const;
export type MppiPresetName = (typeof MPPI_PRESETS)[number];

const SOURCES_COMMON = {
  variance: 'DADS reference code eval_mppi (prior_cov = 1.5·I)',
  init: 'DADS reference code eval_mppi (prior_mean ~ N(0, I))',
};

/**
 * The paper's two settings (App. A.5; reference/skill_discovery.md §1.5), each value with its
 * source. Dense reward: H_P = 1, H_Z = 10, K = 50, R = 10, γ = 10. Sparse reward: H_P = 4, H_Z = 25,
 * K = 200, β = 0.9; its R and γ are the reference code's flag defaults.
 */
export const MPPI_PRESET_VALUES: Readonly<
  Record<MppiPresetName, { settings: MppiSettings; sources: Record<keyof MppiSettings, string> }>
> = Object.freeze({
  dense: {
    settings: {
      horizon: 1,
      hold: 10,
      candidates: 50,
      refineSteps: 10,
      gamma: 10,
      variance: 1.5,
      smoothing: 0.9,
      init: 'normal',
    },
    sources: {
      horizon: 'DADS paper App. A.5, dense reward (H_P = 1)',
      hold: 'DADS paper App. A.5, dense reward (H_Z = 10)',
      candidates: 'DADS paper App. A.5, dense reward (50 candidate plans)',
      refineSteps: 'DADS paper App. A.5, dense reward (R = 10)',
      gamma: 'DADS paper App. A.5, dense reward (γ = 10)',
      smoothing: 'DADS reference code flag smoothing_beta (no effect with H_P = 1)',
      ...SOURCES_COMMON,
    },
  },
  sparse: {
    settings: {
      horizon: 4,
      hold: 25,
      candidates: 200,
      refineSteps: 10,
      gamma: 10,
      variance: 1.5,
      smoothing: 0.9,
      init: 'normal',
    },
    sources: {
      horizon: 'DADS paper App. A.5, sparse reward (H_P = 4)',
      hold: 'DADS paper App. A.5, sparse reward (H_Z = 25)',
      candidates: 'DADS paper App. A.5, sparse reward (200 candidates)',
      refineSteps: 'DADS reference code flag refine_steps (the paper states R for the dense setting)',
      gamma: 'DADS reference code flag mppi_gamma (the paper states γ for the dense setting)',
      smoothing: 'DADS paper App. A.5, sparse reward (β = 0.9)',
      ...SOURCES_COMMON,
    },
  },
});

/** Settings resolved from a preset and overrides, with the source of every value. */
export interface ResolvedMppiSettings {
  preset: MppiPresetName;
  settings: MppiSettings;
  sources: Record<keyof MppiSettings, string>;
}

/**
 * The settings of a preset with some values overridden; an overridden value's source says so.
 * @param overrides any subset of {@link MppiSettings}
 * @throws Error listing the presets for an unknown preset; Error naming the field, what it got and
 *   what is allowed for a bad or unknown override.
 */
export function resolveMppiSettings(
  preset: string,
  overrides: Readonly<Record<string, unknown>> = {},
): ResolvedMppiSettings {
  if (!(MPPI_PRESETS as readonly string[]).includes(preset))
    throw new Error(`Unknown planner preset "${preset}"; allowed: ${MPPI_PRESETS.join(', ')}`);
  const base = MPPI_PRESET_VALUES[preset as MppiPresetName];
  const merged = { ...base.settings, ...overrides };
  const parsed = mppiSettingsSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys')
        return `planner: unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; allowed: ${Object.keys(base.settings).join(', ')}`;
      const key = issue.path.length ? String(issue.path[0]) : '(settings)';
      const got = key in merged ? JSON.stringify((merged as Record<string, unknown>)[key]) : 'nothing';
      return `planner.${key}: ${issue.message} (got ${got})`;
    });
    throw new Error(`Invalid planner settings:\n  ${lines.join('\n  ')}`);
  }
  const sources = { ...base.sources };
  for (const key of Object.keys(overrides) as (keyof MppiSettings)[]) sources[key] = 'override';
  return { preset: preset as MppiPresetName, settings: parsed.data, sources };
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
