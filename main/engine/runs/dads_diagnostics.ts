/**
 * A held-out check of a DADS run's skills (issue #9 §6): does its skill dynamics q(Δf | s, z) use z,
 * and does the behaviour carry anything about z for q to use? It settles whether a near-zero
 * intrinsic reward and a falling skill-dynamics log-likelihood are a defect of q or of its
 * normalizer, or only a policy whose skills do not (yet) move the robot differently.
 *
 * Fresh episodes are collected with the run's frozen skill policy (runs/policy_source.ts), z drawn
 * per episode from the prior U[−1, 1]^d (Sharma et al. 2019 §3), twice: with actions sampled from π
 * (as in training) and with the mean action tanh μ (as `skill-lab eval` and planning roll skills
 * out). On each batch of transitions (s, z, Δf = f(s') − f(s)):
 *
 * - the target normalizer: the batch mean and variance of Δf beside the skill dynamics' moving mean
 *   and variance (BatchNorm, momentum 0.99, ε = 1e-3), and E‖Δn‖² of Δn = (Δf − μ_moving)/√(σ²_moving + ε).
 *   q's log-likelihood is computed in that space with identity covariance,
 *   log q = −(d_f/2)·log 2π − ½‖Δn − μ_q‖², so as σ²_moving falls from its initial 1 toward the
 *   data's, ‖Δn‖ grows and log q falls although the fit is not worse;
 * - log q(Δ | s, z) with the true z and with z shuffled across transitions: their difference is the
 *   information q extracts from z, in nats per transition — what DADS's reward (Eq. 6) estimates;
 * - the identity-covariance log-likelihood of the zero predictor (μ_q = 0) and of the best constant
 *   (μ_q = the batch mean of Δn): what any z-independent single Gaussian reaches;
 * - whether the behaviour carries z at all: a least-squares polynomial regression of Δn on z
 *   (features 1, z_i, z_i², z_i³ and z_i·z_j for i < j) fitted on the even episodes and scored on
 *   the odd ones (split by episode because z is constant within one), as R² and as the
 *   identity-covariance log-likelihood gain over the fit episodes' constant mean;
 * - the policy's use of z: the mean |tanh μ(s, z) − tanh μ(s, z')| with the shuffled z' beside the
 *   mean |tanh μ(s, z)|.
 *
 * Nothing here trains or writes to the run; the moving statistics are read, never updated.
 */
import * as tf from '@tensorflow/tfjs-core';
import { skillEnvOf, type RunConfig } from '../config.ts';
import type { ActionMode } from '../algos/frozen_policy.ts';
import { envOptionsOf } from '../algos/sac.ts';
import { continuousPrior, selectColumns } from '../algos/skills.ts';
import { Rng } from '../rng.ts';
import { createEnv, envSpec, type MujocoEnv } from '../sim/envs.ts';
import type { EnvName } from '../sim/types.ts';
import type { CheckpointRef, SkillSource } from './policy_source.ts';

/** Rows per network pass, to bound memory on long batches with wide networks. */
const CHUNK = 4096;

/**
 * Episodes per policy mode when the caller names no step count, per regression feature: with 20
 * fit episodes for 8 features (d = 2) the held-out R² of a trained point-mass run swung between
 * −0.6 and 0.65 from seed to seed; with 100 it stayed within 0.6–0.67.
 */
const DEFAULT_EPISODES_PER_FEATURE = 25;

/**
 * The fewest episodes per policy mode, per regression feature: 5 distinct z per feature in each half
 * of the split. With fewer, the cubic fit interpolates the fit episodes' noise (on the 1 M-step Ant
 * run, 10 fit episodes for 8 features gave a held-out R² of −6).
 */
const MIN_EPISODES_PER_FEATURE = 10;

/** Transitions collected with the frozen policy: row-major arrays, one row per env step. */
export interface HeldOutBatch {
  size: number;
  /** [size, obsDim] */
  obs: Float32Array;
  /** [size, obsDim] */
  nextObs: Float32Array;
  /** [size, skillDim]: the episode's z on every row. */
  skill: Float32Array;
  /** [size]: the index of the row's episode, in the order episodes were started. */
  episode: Int32Array;
  /** Episodes collected. */
  episodes: number;
  /** Steps dropped because the simulation went unstable there (their Δf is not motion). */
  unstableSteps: number;
}

/** What the diagnostic finds on one batch; see the file comment. Log-likelihoods in nats per transition. */
export interface ModeDiagnostics {
  /** How the policy acted: 'sample' (as in training) or 'mean' (as in evaluation and planning). */
  actions: ActionMode;
  transitions: number;
  episodes: number;
  unstable_steps: number;
  normalizer: {
    /** Batch mean of the raw Δf, per dim of f (m per step for x-y). */
    batch_mean: number[];
    /** Batch (biased) variance of the raw Δf, per dim. */
    batch_var: number[];
    /** The skill dynamics' moving mean of Δf (initially 0). */
    moving_mean: number[];
    /** The skill dynamics' moving variance of Δf (initially 1). */
    moving_var: number[];
    /** ε added to the variance before the square root. */
    epsilon: number;
    /** E‖Δn‖² over the batch, Δn normalized with the moving statistics. */
    mean_sq_norm: number;
    /** Batch variance of Δn per dim (1 when the moving statistics match the batch). */
    norm_var: number[];
  };
  loglik: {
    /** Mean log q(Δn | s, z) with each transition's own z. */
    true_z: number;
    /** Mean log q(Δn | s, z') with z shuffled across transitions. */
    shuffled_z: number;
    /** true_z − shuffled_z: what q extracts from z. */
    gain_from_z: number;
    /** Identity-covariance Gaussian at 0: −(d_f/2)·log 2π − ½·E‖Δn‖². */
    zero_predictor: number;
    /** Identity-covariance Gaussian at the batch mean of Δn: −(d_f/2)·log 2π − ½·Σ norm_var. */
    best_constant: number;
  };
  regression: {
    /** Held-out R² of Δn on the z features, pooled over the dims of f. */
    r2: number;
    /** Held-out R² per dim of f. */
    r2_per_dim: number[];
    /** Held-out identity-covariance log-likelihood gain over the constant: ½(SS_const − SS_fit)/N_test. */
    loglik_gain: number;
    /** Number of features (1, z_i, z_i², z_i³, z_i·z_j). */
    features: number;
    fit_episodes: number;
    test_episodes: number;
  };
  policy: {
    /** Mean |tanh μ(s, z)| over transitions and action dims. */
    mean_abs_action: number;
    /** Mean |tanh μ(s, z) − tanh μ(s, z')| with the shuffled z'. */
    mean_abs_action_change: number;
  };
}

/** What {@link diagnoseDads} reports (`skill-lab diagnose --json`). */
export interface DadsDiagnosticsReport {
  run: string;
  checkpoint: CheckpointRef;
  env: EnvName;
  /** The state function f(s) of the run ('xy', 'full-without-xy'). */
  state_function: string;
  /** Observation columns f reads. */
  f_dims: number[];
  skill_dim: number;
  /** Env steps per episode (the run's episode length). */
  episode_steps: number;
  /** Env steps asked for per policy mode (rounded up to whole episodes). */
  steps: number;
  seed: number;
  /** With actions sampled from π, as in training. */
  stochastic: ModeDiagnostics;
  /** With the mean action, as in evaluation and planning. */
  deterministic: ModeDiagnostics;
}

/** Options of {@link diagnoseDads}. */
export interface DadsDiagnosticsOptions {
  /**
   * Env steps per policy mode, rounded up to whole episodes (default: 25 episodes per regression
   * feature, 200 for d = 2). At least 10 episodes per feature (80 for d = 2), so that each half of the
   * regression's split holds 5 episodes (distinct z) per feature.
   */
  steps?: number;
  /** Seeds the skills, the resets, the sampled actions and the shuffle (default 0). */
  seed?: number;
}

/** Features of the regression of Δn on z ∈ R^d: 1, z_i, z_i², z_i³, and z_i·z_j for i < j. */
export function regressionFeatureCount(skillDim: number): number {
  return 1 + 3 * skillDim + (skillDim * (skillDim - 1)) / 2;
}

/** The episode length of a run: its `episodeSteps`, else its env's. */
export function runEpisodeSteps(config: RunConfig): number {
  return config.episodeSteps ?? envSpec(skillEnvOf(config) as EnvName).maxEpisodeSteps;
}

/**
 * Episodes per policy mode for a step count on a DADS run, checked: cheap and without tensors, so a
 * command can refuse a bad count before its compute backend starts.
 * @param steps env steps asked for, or undefined for the default (see {@link DadsDiagnosticsOptions.steps})
 * @param what the name of `steps` in the message (an option's name)
 * @throws Error naming `what`, its minimum and the episode length when `steps` is not an integer or too few.
 */
export function diagnosticEpisodes(config: RunConfig, steps: number | undefined, what = 'steps'): number {
  const T = runEpisodeSteps(config);
  const p = regressionFeatureCount(config.dads.skillDim);
  if (steps === undefined) return DEFAULT_EPISODES_PER_FEATURE * p;
  const minEpisodes = MIN_EPISODES_PER_FEATURE * p;
  const minSteps = minEpisodes * T;
  if (!Number.isInteger(steps) || steps < minSteps)
    throw new Error(
      `${what} must be an integer ≥ ${minSteps} (${minEpisodes} episodes of ${T} env steps, so that the ` +
        `regression on z's ${p} features holds out enough episodes), got ${steps}`,
    );
  return Math.ceil(steps / T);
}

/** The skill dynamics of a DADS source. @throws Error when the source has none. */
function dynamicsOf(source: SkillSource) {
  if (!source.skillDynamics || source.skills.kind !== 'continuous')
    throw new Error(
      `run ${source.run.id} is a ${source.algo} run: it has no DADS skill dynamics to diagnose`,
    );
  return source.skillDynamics;
}

/**
 * Collects whole episodes with the frozen skill policy, `source.config.numEnvs` envs stepped
 * together (the run's env options: episode length, goal). Episode e gets z ~ U[−1, 1]^d and a reset
 * seed from `seed`'s generator; 'sample' actions draw their noise from a generator of its own.
 * @throws Error for a source without continuous skills, episodes < 1, or from the env.
 */
export async function collectHeldOut(
  source: SkillSource,
  opts: { episodes: number; actions: ActionMode; seed: number },
): Promise<HeldOutBatch> {
  const d = dynamicsOf(source).skillDim;
  const { episodes, actions } = opts;
  if (!Number.isInteger(episodes) || episodes < 1)
    throw new Error(`episodes must be a positive integer, got ${episodes}`);
  const rng = new Rng(opts.seed);
  const prior = continuousPrior(d);
  const skills = new Float32Array(episodes * d);
  const resetSeeds: number[] = [];
  for (let e = 0; e < episodes; e++) {
    prior.sample(rng, skills, e * d);
    resetSeeds.push(rng.nextUint32());
  }
  const noise = rng.fork();
  const obsDim = source.env.obsDim;
  const n = Math.min(source.config.numEnvs, episodes);
  const envs: MujocoEnv[] = [];
  const obs: number[] = [];
  const nextObs: number[] = [];
  const skillRows: number[] = [];
  const episodeOf: number[] = [];
  let unstable = 0;
  try {
    for (let i = 0; i < n; i++) envs.push(await createEnv(source.env.name, envOptionsOf(source.config)));
    // Waves of n episodes stepped in lockstep; an env whose episode ended sits out the wave's rest.
    for (let first = 0; first < episodes; first += n) {
      const wave = Math.min(n, episodes - first);
      const current = envs.slice(0, wave).map((env, i) => env.reset({ seed: resetSeeds[first + i] }).obs);
      const live = Array.from({ length: wave }, (_, i) => i);
      while (live.length > 0) {
        const o = new Float32Array(live.length * obsDim);
        const z = new Float32Array(live.length * d);
        live.forEach((i, r) => {
          o.set(current[i], r * obsDim);
          z.set(skills.subarray((first + i) * d, (first + i + 1) * d), r * d);
        });
        const a = source.policy.act(o, z, actions, actions === 'sample' ? noise : undefined);
        const act = source.env.actDim;
        for (let r = live.length - 1; r >= 0; r--) {
          const i = live[r];
          const out = envs[i].step(a.subarray(r * act, (r + 1) * act));
          if (out.info.nan) unstable++;
          else {
            for (const v of current[i]) obs.push(v);
            for (const v of out.obs) nextObs.push(v);
            for (const v of z.subarray(r * d, (r + 1) * d)) skillRows.push(v);
            episodeOf.push(first + i);
          }
          current[i] = out.obs;
          if (out.terminated || out.truncated) live.splice(r, 1);
        }
      }
    }
  } finally {
    for (const env of envs) env.close();
  }
  // Rows in episode order (the envs of a wave interleave while stepping).
  const order = episodeOf.map((_, k) => k).sort((x, y) => episodeOf[x] - episodeOf[y] || x - y);
  const size = order.length;
  const pick = (src: number[], w: number) => {
    const out = new Float32Array(size * w);
    order.forEach((k, r) => {
      for (let j = 0; j < w; j++) out[r * w + j] = src[k * w + j];
    });
    return out;
  };
  return {
    size,
    obs: pick(obs, obsDim),
    nextObs: pick(nextObs, obsDim),
    skill: pick(skillRows, d),
    episode: Int32Array.from(order, (k) => episodeOf[k]),
    episodes,
    unstableSteps: unstable,
  };
}

/** A permutation of 0..n−1 (Fisher–Yates). */
function permutation(n: number, rng: Rng): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const k = rng.int(i + 1);
    [p[i], p[k]] = [p[k], p[i]];
  }
  return p;
}

/** Rows of `a` ([n, w]) in the order `perm`. */
function permuteRows(a: Float32Array, w: number, perm: Int32Array): Float32Array {
  const out = new Float32Array(a.length);
  perm.forEach((src, r) => out.set(a.subarray(src * w, (src + 1) * w), r * w));
  return out;
}

/** Polynomial features of z, [n, regressionFeatureCount(d)] as rows of numbers. */
function features(z: Float32Array, d: number, row: number): number[] {
  const x = Array.from(z.subarray(row * d, (row + 1) * d));
  const f = [1];
  for (const v of x) f.push(v, v * v, v * v * v);
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) f.push(x[i] * x[j]);
  return f;
}

/**
 * Solves (A + λI) w = b for a symmetric positive semi-definite A by Cholesky, in place of a
 * linear-algebra dependency for a system of a handful of unknowns. λ = 1e-6·(1 + mean diagonal)
 * keeps it solvable when the fit split holds fewer distinct skills than features.
 */
function solveNormalEquations(A: number[][], b: number[]): number[] {
  const p = b.length;
  const ridge = 1e-6 * (1 + A.reduce((s, row, i) => s + row[i], 0) / p);
  const L = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let i = 0; i < p; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i][j] + (i === j ? ridge : 0);
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      L[i][j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / L[j][j];
    }
  const y = new Array<number>(p).fill(0);
  for (let i = 0; i < p; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i][k] * y[k];
    y[i] = s / L[i][i];
  }
  const w = new Array<number>(p).fill(0);
  for (let i = p - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < p; k++) s -= L[k][i] * w[k];
    w[i] = s / L[i][i];
  }
  return w;
}

/**
 * Held-out regression of Δn [n, fd] on z's polynomial features: fit on even episodes, score on odd
 * ones (see the file comment).
 */
function regressOnSkills(
  batch: HeldOutBatch,
  dn: Float32Array,
  fd: number,
  d: number,
): ModeDiagnostics['regression'] {
  const p = regressionFeatureCount(d);
  const fit: number[] = [];
  const test: number[] = [];
  for (let r = 0; r < batch.size; r++) (batch.episode[r] % 2 === 0 ? fit : test).push(r);
  const episodesIn = (rows: number[]) => new Set(rows.map((r) => batch.episode[r])).size;
  const A = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const B = Array.from({ length: fd }, () => new Array<number>(p).fill(0));
  const fitMean = new Array<number>(fd).fill(0);
  for (const r of fit) {
    const x = features(batch.skill, d, r);
    for (let a = 0; a < p; a++) {
      for (let c = 0; c < p; c++) A[a][c] += x[a] * x[c];
      for (let j = 0; j < fd; j++) B[j][a] += x[a] * dn[r * fd + j];
    }
    for (let j = 0; j < fd; j++) fitMean[j] += dn[r * fd + j] / fit.length;
  }
  const W = B.map((b) => solveNormalEquations(A, b));
  const ssFit = new Array<number>(fd).fill(0);
  const ssConst = new Array<number>(fd).fill(0);
  for (const r of test) {
    const x = features(batch.skill, d, r);
    for (let j = 0; j < fd; j++) {
      const pred = W[j].reduce((s, w, a) => s + w * x[a], 0);
      ssFit[j] += (dn[r * fd + j] - pred) ** 2;
      ssConst[j] += (dn[r * fd + j] - fitMean[j]) ** 2;
    }
  }
  const sum = (v: number[]) => v.reduce((s, x) => s + x, 0);
  return {
    r2: 1 - sum(ssFit) / sum(ssConst),
    r2_per_dim: ssFit.map((s, j) => 1 - s / ssConst[j]),
    loglik_gain: (0.5 * (sum(ssConst) - sum(ssFit))) / test.length,
    features: p,
    fit_episodes: episodesIn(fit),
    test_episodes: episodesIn(test),
  };
}

/**
 * The diagnostic's figures on one batch (see the file comment). `seed` seeds the shuffle of z.
 * Reads the skill dynamics and the policy; every tensor is freed before it returns.
 * @throws Error for a source without a skill dynamics, or a batch with fewer than 2 transitions.
 */
export function diagnoseBatch(
  source: SkillSource,
  batch: HeldOutBatch,
  actions: ActionMode,
  seed: number,
): ModeDiagnostics {
  const dyn = dynamicsOf(source);
  const N = batch.size;
  if (N < 2) throw new Error(`the held-out batch has ${N} transitions; the diagnostic needs at least 2`);
  const d = dyn.skillDim;
  const fd = dyn.fDim;
  const obsDim = source.env.obsDim;
  const f0 = source.f.apply(batch.obs, obsDim);
  const delta = source.f.apply(batch.nextObs, obsDim);
  for (let i = 0; i < delta.length; i++) delta[i] -= f0[i];

  const shuffled = permuteRows(batch.skill, d, permutation(N, new Rng(seed)));
  const state = dyn.stateDim > 0 ? selectColumns(batch.obs, obsDim, dyn.stateDims) : null;
  const tn = dyn.targetNorm;
  const [movingMean, movingVar] = tn.stateVariables.map((v) => Array.from(v.dataSync()));

  const dn = new Float32Array(N * fd);
  let logqTrue = 0;
  let logqShuffled = 0;
  for (let start = 0; start < N; start += CHUNK) {
    const C = Math.min(CHUNK, N - start);
    const rows = <T extends Float32Array>(a: T, w: number) => a.subarray(start * w, (start + C) * w);
    const out = tf.tidy(() => {
      const s = state ? tf.tensor2d(rows(state, dyn.stateDim), [C, dyn.stateDim]) : null;
      const target = tn.apply(tf.tensor2d(rows(delta, fd), [C, fd]), false);
      const lq = tf.sum(dyn.logProb(s, tf.tensor2d(rows(batch.skill, d), [C, d]), target));
      const lqs = tf.sum(dyn.logProb(s, tf.tensor2d(rows(shuffled, d), [C, d]), target));
      return { dn: target.dataSync() as Float32Array, lq: lq.dataSync()[0], lqs: lqs.dataSync()[0] };
    });
    dn.set(out.dn, start * fd);
    logqTrue += out.lq / N;
    logqShuffled += out.lqs / N;
  }

  const batchMean = new Array<number>(fd).fill(0);
  const batchVar = new Array<number>(fd).fill(0);
  const normMean = new Array<number>(fd).fill(0);
  const normVar = new Array<number>(fd).fill(0);
  let meanSqNorm = 0;
  for (let i = 0; i < N; i++)
    for (let j = 0; j < fd; j++) {
      batchMean[j] += delta[i * fd + j] / N;
      normMean[j] += dn[i * fd + j] / N;
      meanSqNorm += dn[i * fd + j] ** 2 / N;
    }
  for (let i = 0; i < N; i++)
    for (let j = 0; j < fd; j++) {
      batchVar[j] += (delta[i * fd + j] - batchMean[j]) ** 2 / N;
      normVar[j] += (dn[i * fd + j] - normMean[j]) ** 2 / N;
    }
  const c = -0.5 * fd * Math.log(2 * Math.PI);

  // The policy's mean action under the true and the shuffled skills, on the same states.
  const aTrue = source.policy.act(batch.obs, batch.skill, 'mean');
  const aShuffled = source.policy.act(batch.obs, shuffled, 'mean');
  let absA = 0;
  let absDelta = 0;
  for (let i = 0; i < aTrue.length; i++) {
    absA += Math.abs(aTrue[i]) / aTrue.length;
    absDelta += Math.abs(aTrue[i] - aShuffled[i]) / aTrue.length;
  }

  return {
    actions,
    transitions: N,
    episodes: batch.episodes,
    unstable_steps: batch.unstableSteps,
    normalizer: {
      batch_mean: batchMean,
      batch_var: batchVar,
      moving_mean: movingMean,
      moving_var: movingVar,
      epsilon: tn.epsilon,
      mean_sq_norm: meanSqNorm,
      norm_var: normVar,
    },
    loglik: {
      true_z: logqTrue,
      shuffled_z: logqShuffled,
      gain_from_z: logqTrue - logqShuffled,
      zero_predictor: c - 0.5 * meanSqNorm,
      best_constant: c - 0.5 * normVar.reduce((s, v) => s + v, 0),
    },
    regression: regressOnSkills(batch, dn, fd, d),
    policy: { mean_abs_action: absA, mean_abs_action_change: absDelta },
  };
}

/**
 * The diagnostic of a DADS run's frozen parts on fresh episodes: stochastic (sampled actions), then
 * deterministic (mean actions), each on its own episodes. Deterministic for a given source, steps
 * and seed.
 * @throws Error for a source without a skill dynamics, or naming `steps` when it is too few (see
 *   {@link diagnosticEpisodes}).
 */
export async function diagnoseDads(
  source: SkillSource,
  opts: DadsDiagnosticsOptions = {},
): Promise<DadsDiagnosticsReport> {
  const dyn = dynamicsOf(source);
  const seed = opts.seed ?? 0;
  const T = runEpisodeSteps(source.config);
  const episodes = diagnosticEpisodes(source.config, opts.steps);
  // Separate streams per mode and per use, so neither batch repeats the other's skills or starts.
  const seeds = new Rng(seed);
  const mode = async (actions: ActionMode) => {
    const batch = await collectHeldOut(source, { episodes, actions, seed: seeds.nextUint32() });
    return diagnoseBatch(source, batch, actions, seeds.nextUint32());
  };
  return {
    run: source.run.id,
    checkpoint: source.checkpoint,
    env: source.env.name,
    state_function: source.f.name,
    f_dims: [...source.f.dims],
    skill_dim: dyn.skillDim,
    episode_steps: T,
    steps: episodes * T,
    seed,
    stochastic: await mode('sample'),
    deterministic: await mode('mean'),
  };
}
