/**
 * DADS — "Dynamics-Aware Unsupervised Discovery of Skills" (Sharma et al. 2019, arXiv 1907.01657),
 * on-policy variant (paper Alg. 1; reference code configs/ant_xy_onpolicy.txt).
 *
 * Continuous skills z ~ U[-1,1]^d fixed per episode. Skill dynamics q_φ(Δf(s) | s, z) is a mixture
 * of K Gaussians with identity covariance over the batch-normalized target Δf(s) = f(s') − f(s), its
 * state input batch-normalized too (App. A.3). Each iteration: collect with the current policy, fit
 * q_φ, compute the intrinsic reward (Eq. 6 with the true skill in the denominator, as the reference
 * code does)
 *     r = log(L+1) − log(1 + Σ_{i=1..L} exp(clip(log q(Δ|s,z_i) − log q(Δ|s,z), −50, 50))),  z_i ~ p(z),
 * by log-sum-exp, then take SAC steps on the iteration's transitions and clear the buffer.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../config.ts';
import { MLP } from '../nn/mlp.ts';
import { BatchNorm } from '../nn/batchnorm.ts';
import { mixtureOfGaussiansLogProb } from '../nn/distributions.ts';
import { makeAdam } from '../nn/checkpoint.ts';
import { namedParams, saveTrainable, loadTrainable } from './state.ts';
import type { VecEnv } from '../sim/vec_env.ts';
import { Rng } from '../rng.ts';
import type { TransitionBatch } from '../replay/buffer.ts';
import { summarizeEpisodes } from './rollout.ts';
import { meanStats, trainingEnvs } from './sac.ts';
import type { RewardRelabeler } from './off_policy_agent.ts';
import { VecAgent } from './vec_agent.ts';
import { VecAgentAlgorithm } from './vec_algorithm.ts';
import {
  continuousPrior,
  evaluationSkills,
  selectColumns,
  stateFunction,
  type StateFunction,
} from './skills.ts';
import type { AbortPoint, Algorithm, AlgorithmState, EvalSkill, Metrics } from './types.ts';
import type { Adam } from '../nn/adam.ts';

/** Rows per chunk when evaluating the L alternative skills, to bound memory. */
const REWARD_CHUNK = 512;

/**
 * q_φ(Δf | s, z): MLP → (K logits, K means of dim fDim), identity covariance, in the space of the
 * batch-normalized target (reference code skill_dynamics.py with normalize_data and fix_variance).
 */
export class SkillDynamics {
  readonly net: MLP;
  readonly inputNorm: BatchNorm | null;
  readonly targetNorm: BatchNorm;
  readonly opt: Adam;
  readonly stateDim: number;

  constructor(
    name: string,
    readonly stateDims: readonly number[],
    readonly skillDim: number,
    readonly fDim: number,
    readonly components: number,
    hidden: number[],
    lr: number,
    seed: number,
  ) {
    this.stateDim = stateDims.length;
    this.inputNorm =
      this.stateDim > 0
        ? new BatchNorm({ name: `${name}/input_norm`, dim: this.stateDim, affine: true })
        : null;
    this.targetNorm = new BatchNorm({ name: `${name}/target_norm`, dim: fDim, affine: false });
    this.net = new MLP({
      name: `${name}/net`,
      inputDim: this.stateDim + skillDim,
      hiddenSizes: hidden,
      outputDim: components * (1 + fDim),
      seed,
    });
    this.opt = makeAdam(lr);
  }

  /** Mixture parameters for states [B, stateDim] (ignored when stateDim = 0) and skills [B, d]. */
  private params(
    state: tf.Tensor2D | null,
    z: tf.Tensor2D,
    training: boolean,
  ): { logits: tf.Tensor2D; means: tf.Tensor3D } {
    const x = state && this.inputNorm ? tf.concat([this.inputNorm.apply(state, training), z], 1) : z;
    const out = this.net.apply(x);
    const K = this.components;
    const B = out.shape[0];
    return {
      logits: tf.slice(out, [0, 0], [-1, K]),
      means: tf.reshape(tf.slice(out, [0, K], [-1, -1]), [B, K, this.fDim]),
    };
  }

  /** log q(Δ | s, z) [B] for normalized targets Δn [B, fDim]. */
  logProb(state: tf.Tensor2D | null, z: tf.Tensor2D, deltaNorm: tf.Tensor2D, training = false): tf.Tensor1D {
    const { logits, means } = this.params(state, z, training);
    return mixtureOfGaussiansLogProb(deltaNorm, logits, means);
  }

  /**
   * Stateless q (dynamicsInput 'none'): log q(Δ_c | z_l) for every pair of C targets and L skills,
   * [C, L], running the network once per skill rather than once per pair.
   */
  logProbPairs(z: tf.Tensor2D, deltaNorm: tf.Tensor2D): tf.Tensor2D {
    const { logits, means } = this.params(null, z, false); // [L, K], [L, K, fd]
    const [C, fd] = deltaNorm.shape;
    const diff = tf.sub(tf.reshape(deltaNorm, [C, 1, 1, fd]), tf.expandDims(means, 0)); // [C, L, K, fd]
    const logComponent = tf.sub(
      tf.sub(tf.expandDims(tf.logSoftmax(logits), 0), tf.mul(0.5, tf.sum(tf.square(diff), 3))),
      0.5 * fd * Math.log(2 * Math.PI),
    ); // [C, L, K]
    return tf.logSumExp(logComponent, 2);
  }

  /**
   * The mean of q(Δf | s, z) in data units, for planning: Σ_k softmax(logits)_k · means_k in the
   * normalized space, mapped back with the target BatchNorm's moving statistics (√(σ² + ε)·y + μ,
   * ε = 1e-3). This is the reference code's `predict_state` with `_use_modal_mean = False`, before it
   * adds s. Inference mode: both normalizers read their moving statistics and nothing is updated.
   * @param state [B, stateDim] raw observation columns `stateDims`, or null when stateDim = 0
   * @param z [B, skillDim]
   * @returns Δf [B, fDim]
   */
  meanDelta(state: tf.Tensor2D | null, z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const { logits, means } = this.params(state, z, false);
      const mixed = tf.sum(tf.mul(tf.expandDims(tf.softmax(logits), 2), means), 1) as tf.Tensor2D;
      return this.targetNorm.denormalize(mixed);
    });
  }

  /** One maximum-likelihood step on a batch; updates the moving statistics of both normalizers. */
  fitStep(state: Float32Array | null, z: Float32Array, delta: Float32Array, B: number): number {
    return tf.tidy(() => {
      const s = state ? tf.tensor2d(state, [B, this.stateDim]) : null;
      const zt = tf.tensor2d(z, [B, this.skillDim]);
      const target = this.targetNorm.apply(tf.tensor2d(delta, [B, this.fDim]), true);
      const loss = this.opt.minimize(
        () => tf.neg(tf.mean(this.logProb(s, zt, target, true))) as tf.Scalar,
        true,
        [...this.net.variables, ...(this.inputNorm?.variables ?? [])],
      )!;
      return loss.dataSync()[0];
    });
  }

  /** Named trainable and statistics variables, for checkpoints. */
  namedVariables(): Record<string, tf.Variable> {
    return {
      ...namedParams(this.net, 'net'),
      ...(this.inputNorm ? namedParams(this.inputNorm, 'input_norm') : {}),
      ...namedParams(this.targetNorm, 'target_norm'),
    };
  }

  trainableNamed(): Record<string, tf.Variable> {
    const all = this.namedVariables();
    const trainable = new Set([...this.net.variables, ...(this.inputNorm?.variables ?? [])]);
    return Object.fromEntries(Object.entries(all).filter(([, v]) => trainable.has(v)));
  }

  dispose(): void {
    this.net.dispose();
    this.inputNorm?.dispose();
    this.targetNorm.dispose();
    this.opt.dispose();
  }
}

/**
 * The DADS intrinsic reward (Sharma et al. 2019, Eq. 6, with the true skill in the denominator as in
 * the reference code): r = log(L+1) − log(1 + Σ_i exp(clip(log q_i − log q, −50, 50))), by log-sum-exp.
 * @param logq log q(Δ | s, z) of the true skills, [C]
 * @param logqAlt log q(Δ | s, z_i) of L alternatives per row, [C, L]
 * @returns r, [C], at most log(L+1) nats
 */
export function dadsReward(logq: tf.Tensor1D, logqAlt: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const [C, L] = logqAlt.shape;
    const ratio = tf.clipByValue(tf.sub(logqAlt, tf.expandDims(logq, 1)), -50, 50);
    // log(1 + Σ exp(ratio)) = logsumexp over [0, ratio_1..L]
    return tf.sub(Math.log(L + 1), tf.logSumExp(tf.concat([tf.zeros([C, 1]), ratio], 1), 1));
  });
}

export class DadsAlgorithm extends VecAgentAlgorithm implements Algorithm {
  readonly f: StateFunction;
  readonly dynamics: SkillDynamics;
  readonly skillDim: number;
  /** Observation dims fed to q_φ (empty for dynamicsInput 'none'). */
  private readonly dynStateDims: number[];
  /** Eq. 6 over the iteration's transitions. */
  private readonly reward: SkillDynamicsReward;

  static async create(config: RunConfig): Promise<DadsAlgorithm> {
    return new DadsAlgorithm(config, await trainingEnvs(config));
  }

  private constructor(
    readonly config: RunConfig,
    vec: VecEnv,
  ) {
    super(new VecAgent(config, vec, continuousPrior(config.dads.skillDim)));
    const coordDims = vec.env(0).coordDims;
    this.skillDim = config.dads.skillDim;
    this.f = stateFunction(config.stateFunction, vec.obsDim, coordDims);
    this.dynStateDims =
      config.dads.dynamicsInput === 'none'
        ? []
        : Array.from({ length: vec.obsDim }, (_, i) => i).filter((i) => !coordDims.includes(i));
    const d = config.dads;
    this.dynamics = new SkillDynamics(
      'skill_dynamics',
      this.dynStateDims,
      this.skillDim,
      this.f.dims.length,
      d.components,
      d.dynamicsHidden,
      d.dynamicsLr,
      this.parts.rng.nextUint32(),
    );
    this.reward = new SkillDynamicsReward(this);
  }

  /** Δf(s) = f(s') − f(s) for rows of obs and next obs. */
  private deltas(obs: Float32Array, nextObs: Float32Array): Float32Array {
    const a = this.f.apply(obs, this.vec.obsDim);
    const b = this.f.apply(nextObs, this.vec.obsDim);
    for (let i = 0; i < a.length; i++) b[i] -= a[i];
    return b;
  }

  private dynState(obs: Float32Array): Float32Array | null {
    return this.dynStateDims.length ? selectColumns(obs, this.vec.obsDim, this.dynStateDims) : null;
  }

  /**
   * Intrinsic reward for N transitions (Eq. 6 with L prior samples and the true skill; log-sum-exp,
   * log-ratios clipped to ±50) and the skill-dynamics log-likelihood log q(Δ|s,z) under the current q.
   * With a state input the L alternative skills are drawn per transition, as the reference code does;
   * with the stateless q of the x-y prior one set of L draws is shared by a chunk of 512 transitions,
   * which leaves the estimator's expectation unchanged and cuts the network passes from N·L to L per
   * chunk (the hot spot of DADS on Ant).
   * @param abortPoint called before each chunk (see {@link AbortPoint})
   */
  intrinsicReward(
    obs: Float32Array,
    nextObs: Float32Array,
    skills: Float32Array,
    rng: Rng,
    abortPoint?: AbortPoint,
  ): { reward: Float32Array; logq: Float32Array } {
    const N = skills.length / this.skillDim;
    const L = this.config.dads.priorSamples;
    const d = this.skillDim;
    const fd = this.f.dims.length;
    const sd = this.dynStateDims.length;
    const delta = this.deltas(obs, nextObs);
    const state = this.dynState(obs);
    const reward = new Float32Array(N);
    const logqAll = new Float32Array(N);
    for (let start = 0; start < N; start += REWARD_CHUNK) {
      abortPoint?.();
      const C = Math.min(REWARD_CHUNK, N - start);
      const alt = rng.fillUniform(new Float32Array((state ? C : 1) * L * d), -1, 1) as Float32Array;
      const out = tf.tidy(() => {
        const s = state ? tf.tensor2d(state.subarray(start * sd, (start + C) * sd), [C, sd]) : null;
        const z = tf.tensor2d(skills.subarray(start * d, (start + C) * d), [C, d]);
        const target = this.dynamics.targetNorm.apply(
          tf.tensor2d(delta.subarray(start * fd, (start + C) * fd), [C, fd]),
          false,
        );
        const logq = this.dynamics.logProb(s, z, target); // [C]
        // With a state input, every transition against its own L alternatives: rows repeat L times.
        const rep = (t: tf.Tensor2D): tf.Tensor2D =>
          tf.reshape(tf.tile(tf.expandDims(t, 1), [1, L, 1]), [C * L, t.shape[1]]);
        const logqAlt: tf.Tensor2D = s
          ? tf.reshape(this.dynamics.logProb(rep(s), tf.tensor2d(alt, [C * L, d]), rep(target)), [C, L])
          : this.dynamics.logProbPairs(tf.tensor2d(alt, [L, d]), target);
        const r = dadsReward(logq, logqAlt);
        return [r.dataSync() as Float32Array, logq.dataSync() as Float32Array];
      });
      reward.set(out[0], start);
      logqAll.set(out[1], start);
    }
    return { reward, logq: logqAll };
  }

  /**
   * One on-policy iteration (paper Alg. 1): an empty buffer and fresh episodes (reference code
   * clear_buffer_every_iter, env reset); collect `stepsPerIteration` env steps; fit q_φ with
   * `dynamicsSteps` maximum-likelihood steps; rewrite the stored rewards with Eq. 6 under the fitted
   * q_φ, once; then `updatesPerIteration` SAC steps on those transitions.
   */
  async iterate(abortPoint?: AbortPoint): Promise<Metrics> {
    const agent = this.parts.agent;
    const replay = this.parts.replay;
    const { dynamicsSteps, dynamicsBatchSize } = this.config.dads;
    replay.clear();
    this.parts.collector.start(this.config.seed + 7919 * (agent.iteration + 1));
    const metrics: Metrics = { ...summarizeEpisodes(this.parts.collect(abortPoint)) };

    let lossSum = 0;
    for (let k = 0; k < dynamicsSteps; k++) {
      abortPoint?.();
      const batch = replay.sample(dynamicsBatchSize, agent.sampleRng);
      lossSum += this.dynamics.fitStep(
        this.dynState(batch.obs),
        batch.skill,
        this.deltas(batch.obs, batch.nextObs),
        batch.size,
      );
    }
    metrics.skill_dynamics_loss = lossSum / dynamicsSteps;

    replay.replaceRewards(this.reward.relabel(replay.all(), agent.sampleRng, abortPoint).reward);
    Object.assign(metrics, this.reward.drain());

    const stats = agent.train(abortPoint);
    Object.assign(metrics, meanStats(stats));
    agent.iteration += 1;
    return metrics;
  }

  evaluationSkills(): EvalSkill[] {
    return evaluationSkills(this.skillDim, this.config.eval.dadsSkills, new Rng(12345)).map((z, id) => ({
      id,
      z,
      category: null,
    }));
  }

  /** Mean skill-dynamics log-likelihood log q(Δf | s, z) over a skill's evaluation transitions. */
  scoreSkill(skill: EvalSkill, obs: Float32Array, nextObs: Float32Array): Metrics {
    const T = obs.length / this.vec.obsDim;
    const skills = new Float32Array(T * this.skillDim);
    for (let t = 0; t < T; t++) skills.set(skill.z, t * this.skillDim);
    const { logq, reward } = this.intrinsicReward(obs, nextObs, skills, new Rng(skill.id + 1));
    return { skill_dynamics_loglik: mean(logq), intrinsic_reward: mean(reward) };
  }

  async saveState(): Promise<AlgorithmState> {
    // The buffer is cleared every iteration, so it is not part of the state.
    const base = await this.parts.saveState(false);
    const dyn = this.dynamics;
    const arrays = await saveTrainable('skill_dynamics', dyn.namedVariables(), dyn.opt, dyn.trainableNamed());
    return { arrays: { ...base.arrays, ...arrays }, meta: base.meta };
  }

  async loadState(state: AlgorithmState): Promise<void> {
    await this.parts.loadState(state, false);
    const dyn = this.dynamics;
    await loadTrainable(
      'skill_dynamics',
      state.arrays,
      dyn.namedVariables(),
      dyn.opt,
      'DADS skill dynamics',
      dyn.trainableNamed(),
    );
  }

  override dispose(): void {
    this.dynamics.dispose();
    super.dispose();
  }
}

/**
 * DADS's intrinsic reward as a relabeler (Eq. 6 under the current q_φ, see
 * {@link DadsAlgorithm.intrinsicReward}), applied once per iteration to the stored transitions.
 * Keeps the mean reward and skill-dynamics log-likelihood of its last call for the metrics.
 */
export class SkillDynamicsReward implements RewardRelabeler<TransitionBatch> {
  private last: Metrics = {};

  constructor(private readonly dads: DadsAlgorithm) {}

  relabel(batch: TransitionBatch, rng: Rng, abortPoint?: AbortPoint): TransitionBatch {
    const { reward, logq } = this.dads.intrinsicReward(
      batch.obs,
      batch.nextObs,
      batch.skill,
      rng,
      abortPoint,
    );
    this.last = { intrinsic_reward: mean(reward), skill_dynamics_loglik: mean(logq) };
    return { ...batch, reward };
  }

  /** intrinsic_reward and skill_dynamics_loglik of the last call, then nothing until the next. */
  drain(): Metrics {
    const out = this.last;
    this.last = {};
    return out;
  }
}

function mean(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : NaN;
}
