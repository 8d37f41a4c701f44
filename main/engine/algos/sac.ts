/**
 * Soft Actor-Critic (Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and Applications",
 * arXiv 1812.05905): twin Q critics with target networks, a tanh-squashed Gaussian policy and a
 * temperature α learned against a target entropy.
 *
 * `SacLearner` is the learner alone (inside every off-policy agent, off_policy_agent.ts);
 * `SacAlgorithm` trains it on the env's own reward.
 */
import * as tf from '@tensorflow/tfjs-core';
import { skillEnvOf, type RunConfig } from '../config.ts';
import { MLP, type MLPOptions } from '../nn/mlp.ts';
import { LOG_STD_MAX, LOG_STD_MIN, tanhGaussian } from '../nn/distributions.ts';
import { makeAdam, type NamedArrays } from '../nn/checkpoint.ts';
import { namedParams, saveSacParts, loadSacParts, type SacCheckpointParts } from './state.ts';
import { Rng } from '../rng.ts';
import { VecEnv } from '../sim/vec_env.ts';
import { summarizeEpisodes } from './rollout.ts';
import { VecAgent } from './vec_agent.ts';
import { VecAgentAlgorithm } from './vec_algorithm.ts';
import type { AbortPoint, Algorithm, AlgorithmState, EvalSkill, Metrics } from './types.ts';
import type { Adam } from '../nn/adam.ts';

/**
 * The hyperparameters SAC and discrete SAC (discrete_sac.ts) share, named as a run config's `sac`
 * section and the off-policy options name them.
 */
export interface SacHyperparameters {
  /** Hidden layer sizes of the policy and of each critic. */
  hidden: number[];
  /** Adam's learning rate of the actor, the critics and α. */
  lr: number;
  gamma: number;
  /** Polyak coefficient of the target critics. */
  tau: number;
  /** Factor on the rewards in the critics' target. */
  rewardScale: number;
  alphaMode: 'auto' | 'fixed';
  alphaInit: number;
  /** Target entropy in nats; null → the learner's default (SAC: −dim(A); discrete SAC: 0.98·log N). */
  targetEntropy: number | null;
}

/** The {@link SacHyperparameters} of `s` alone (e.g. of a run config's `sac` section). */
export function sacHyperparametersOf(s: SacHyperparameters): SacHyperparameters {
  const { hidden, lr, gamma, tau, rewardScale, alphaMode, alphaInit, targetEntropy } = s;
  return { hidden, lr, gamma, tau, rewardScale, alphaMode, alphaInit, targetEntropy };
}

/** Hyperparameters of the learner (config.sac plus the sizes of this problem). */
export interface SacLearnerOptions extends SacHyperparameters {
  name: string;
  /** Policy/critic input size (observation part + skill). */
  inputDim: number;
  actDim: number;
  /**
   * Weight of a penalty on the squared mean action, mean over batch and action dimensions of
   * tanh(μ(s))², added to the actor loss (baselines HER `action_l2` = 1.0 on DDPG's actions; 0 →
   * plain SAC). It keeps the policy's mean near zero where the critic says nothing yet, so the
   * entropy noise explores around the start instead of a saturated drift.
   */
  actionL2?: number;
  seed: number;
  /**
   * Builds the policy and critic networks (default: a plain {@link MLP}); e.g. an MLP subclass that
   * maps a one-hot part of the input through a learned embedding first.
   */
  network?: (opts: MLPOptions) => MLP;
  /** Extra loss terms of the critic and actor objectives, with their own variables (default none). */
  auxiliary?: SacAuxiliaryLoss;
  /**
   * The input rows [B, inputDim] the actor objective evaluates π and Q at (default: the batch's own):
   * e.g. rows whose latent part is a fresh reparameterized sample of a trainable embedding, so the
   * actor step trains that embedding through π and Q (the skill embedding's SVG(0) update, Hausman
   * et al. 2018 §5; its variables go in `auxiliary.actorVariables`). Computed inside the actor's
   * gradient tape; it may draw random numbers only from generators of its own.
   */
  actorInput?: (t: SacBatchTensors) => tf.Tensor2D;
  /**
   * The critics' target y [B] in place of the one-step soft target ({@link SacLearner.criticTarget}):
   * e.g. a Retrace target over the batch rows' next steps (Munos et al. 2016; the skill embedding's
   * option). Computed before the critic step, as a constant; it may draw random numbers only from the
   * learner's generator (through the learner's methods) or generators of its own.
   */
  criticTargetOverride?: (t: SacBatchTensors, alpha: number) => tf.Tensor1D;
}

/** A batch's tensors inside an update (see {@link SacLearner.batchTensors}). */
export interface SacBatchTensors {
  /** [B, inputDim] */
  input: tf.Tensor2D;
  /** [B, actDim] the stored actions */
  action: tf.Tensor2D;
  /** [B] unscaled rewards */
  reward: tf.Tensor1D;
  /** [B, inputDim] */
  nextInput: tf.Tensor2D;
  /** [B] 1 − terminated: 0 where the target must not bootstrap */
  notDone: tf.Tensor1D;
}

/** What an auxiliary critic term reads: the batch, the online Q values at (s, a) and the target y. */
export interface CriticLossTerms extends SacBatchTensors {
  /** [B] Q1(s, a) */
  q1: tf.Tensor1D;
  /** [B] Q2(s, a) */
  q2: tf.Tensor1D;
  /** [B] the soft Bellman target, a constant */
  target: tf.Tensor1D;
}

/**
 * What an auxiliary actor term reads: the batch (its `input` being the actor's, see
 * {@link SacLearnerOptions.actorInput}), the policy head and its reparameterized sample.
 */
export interface ActorLossTerms extends SacBatchTensors {
  /** [B, actDim] μ(s) before tanh */
  mean: tf.Tensor2D;
  /** [B, actDim] log σ(s) */
  logStd: tf.Tensor2D;
  /** [B, actDim] ã = tanh(μ + σ·ε) in [-1, 1] */
  sampled: tf.Tensor2D;
  /** [B] log π(ã|s), nats */
  logProb: tf.Tensor1D;
  /** [B] min(Q1, Q2)(s, ã) */
  qPi: tf.Tensor1D;
  /** the temperature α of this update */
  alpha: number;
}

/**
 * Extra terms added to SAC's objectives, trained together with them: the critic term with the critics'
 * Adam step, the actor term with the policy's. Each term may read the learner's networks (e.g. run a
 * latent embedding's output through Q, as the skill-embedding algorithm of Hausman et al. 2018 trains
 * its embedding network through the critic) and trains `criticVariables` / `actorVariables` besides
 * the objective's own networks. Those variables, and their Adam state, are checkpointed with the
 * objective (`<prefix>/critic/…`, `<prefix>/actor/…`) under their names, which must start with
 * `aux/`. A term is computed inside the objective's gradient tape and tidy scope; it must return a
 * scalar and may draw random numbers only from generators of its own.
 */
export interface SacAuxiliaryLoss {
  critic?: (terms: CriticLossTerms, learner: SacLearner) => tf.Scalar;
  actor?: (terms: ActorLossTerms, learner: SacLearner) => tf.Scalar;
  /** Variables the critic term trains, by logical name `aux/…`. */
  criticVariables?: Record<string, tf.Variable>;
  /** Variables the actor term trains, by logical name `aux/…`. */
  actorVariables?: Record<string, tf.Variable>;
}

/** A batch of learner inputs (already mapped to policy inputs), row-major Float32Arrays. */
export interface SacBatch {
  size: number;
  input: Float32Array; // [B, inputDim]
  action: Float32Array; // [B, actDim]
  reward: Float32Array; // [B]
  nextInput: Float32Array; // [B, inputDim]
  terminated: Float32Array; // [B] 1 → no bootstrap
}

/** Losses and diagnostics of one update. */
export interface SacUpdateStats {
  /** SAC's own critic loss (without an auxiliary term). */
  critic_loss: number;
  /** SAC's own actor loss (with actionL2's penalty, without an auxiliary term). */
  actor_loss: number;
  alpha_loss: number;
  alpha: number;
  entropy: number;
  q_mean: number;
  /** The auxiliary critic term, when there is one. */
  aux_critic_loss?: number;
  /** The auxiliary actor term, when there is one. */
  aux_actor_loss?: number;
}

export class SacLearner {
  readonly opts: SacLearnerOptions;
  readonly policy: MLP;
  readonly q1: MLP;
  readonly q2: MLP;
  readonly q1Target: MLP;
  readonly q2Target: MLP;
  readonly logAlpha: tf.Variable;
  readonly targetEntropy: number;
  private readonly actorOpt: Adam;
  private readonly criticOpt: Adam;
  private readonly alphaOpt: Adam;
  /** Seeds the reparameterization noise so a run replays exactly from its seed. */
  readonly rng: Rng;

  constructor(opts: SacLearnerOptions) {
    this.opts = opts;
    this.rng = new Rng(opts.seed);
    const { inputDim, actDim, hidden, name } = opts;
    const seed = () => this.rng.nextUint32();
    const makeNet = opts.network ?? ((o: MLPOptions) => new MLP(o));
    this.policy = makeNet({
      name: 'policy',
      inputDim,
      hiddenSizes: hidden,
      outputDim: 2 * actDim,
      seed: seed(),
    });
    const critic = (n: string) =>
      makeNet({ name: n, inputDim: inputDim + actDim, hiddenSizes: hidden, outputDim: 1, seed: seed() });
    this.q1 = critic('q1');
    this.q2 = critic('q2');
    this.q1Target = critic('q1_target');
    this.q2Target = critic('q2_target');
    this.q1Target.copyFrom(this.q1);
    this.q2Target.copyFrom(this.q2);
    // The variable keeps its own reference to the initial value's data: the scalar itself is freed.
    const logAlphaInit = tf.scalar(Math.log(opts.alphaInit));
    this.logAlpha = tf.variable(logAlphaInit, opts.alphaMode === 'auto', `${name}/log_alpha_${uid()}`);
    logAlphaInit.dispose();
    this.targetEntropy = opts.targetEntropy ?? -actDim;
    for (const name of [
      ...Object.keys(opts.auxiliary?.criticVariables ?? {}),
      ...Object.keys(opts.auxiliary?.actorVariables ?? {}),
    ])
      if (!name.startsWith('aux/'))
        throw new Error(`SAC auxiliary loss: variable '${name}' must be named aux/…`);
    this.actorOpt = makeAdam(opts.lr);
    this.criticOpt = makeAdam(opts.lr);
    this.alphaOpt = makeAdam(opts.lr);
  }

  get alpha(): number {
    return Math.exp(this.logAlpha.dataSync()[0]);
  }

  private policyDist(input: tf.Tensor2D): { mean: tf.Tensor2D; logStd: tf.Tensor2D } {
    const out = this.policy.apply(input);
    const a = this.opts.actDim;
    return { mean: tf.slice(out, [0, 0], [-1, a]), logStd: tf.slice(out, [0, a], [-1, a]) };
  }

  private sampleAction(input: tf.Tensor2D): { action: tf.Tensor2D; logProb: tf.Tensor1D } {
    return this.sampleFrom(this.policyDist(input));
  }

  /** A reparameterized sample of the tanh-Gaussian with the policy head's `mean` and `logStd`. */
  private sampleFrom({ mean, logStd }: { mean: tf.Tensor2D; logStd: tf.Tensor2D }): {
    action: tf.Tensor2D;
    logProb: tf.Tensor1D;
  } {
    const eps = tf.randomNormal(mean.shape, 0, 1, 'float32', this.rng.nextUint32()) as tf.Tensor2D;
    return tanhGaussian(mean, logStd, eps);
  }

  private q(net: MLP, input: tf.Tensor2D, action: tf.Tensor2D): tf.Tensor1D {
    return tf.reshape(net.apply(tf.concat([input, action], 1)), [-1]);
  }

  /**
   * min(Q1, Q2)(s, a) of the online critics, as a differentiable tensor (for auxiliary terms).
   * @param input [B, inputDim]
   * @param action [B, actDim]
   * @returns [B]
   */
  minQ(input: tf.Tensor2D, action: tf.Tensor2D): tf.Tensor1D {
    return tf.minimum(this.q(this.q1, input, action), this.q(this.q2, input, action)) as tf.Tensor1D;
  }

  /**
   * Actions for a batch of inputs [B, inputDim] → [B, actDim] in [-1, 1]: a sample of π, or tanh(mean)
   * when deterministic (evaluation).
   */
  act(input: Float32Array, deterministic: boolean): Float32Array {
    const B = input.length / this.opts.inputDim;
    return tf.tidy(() => {
      const x = tf.tensor2d(input, [B, this.opts.inputDim]);
      if (deterministic) return tf.tanh(this.policyDist(x).mean).dataSync() as Float32Array;
      return this.sampleAction(x).action.dataSync() as Float32Array;
    });
  }

  /**
   * log π(a|s) of given actions (HIPI's relabeling logits, Eysenbach et al. 2020 §4): the
   * tanh-Gaussian density of App. C, Eq. 21, at u = atanh(a), with a clipped to ±(1 − 1e-6) so
   * saturated actions stay finite.
   * @param input [N, inputDim]
   * @param action [N, actDim] in [-1, 1]
   * @returns [N] nats
   */
  logProbOf(input: Float32Array, action: Float32Array): Float32Array {
    const { inputDim, actDim } = this.opts;
    const N = input.length / inputDim;
    return tf.tidy(
      () =>
        this.logProbTensor(
          tf.tensor2d(input, [N, inputDim]),
          tf.tensor2d(action, [N, actDim]),
        ).dataSync() as Float32Array,
    );
  }

  /** {@link logProbOf} on tensors (inside the caller's tidy): [N, inputDim], [N, actDim] → [N] nats. */
  logProbTensor(input: tf.Tensor2D, action: tf.Tensor2D): tf.Tensor1D {
    const { mean, logStd } = this.policyDist(input);
    const a = tf.clipByValue(action, -1 + 1e-6, 1 - 1e-6);
    const u = tf.mul(0.5, tf.sub(tf.log(tf.add(1, a)), tf.log(tf.sub(1, a))));
    const std = tf.exp(tf.clipByValue(logStd, LOG_STD_MIN, LOG_STD_MAX));
    const eps = tf.div(tf.sub(u, mean), std) as tf.Tensor2D;
    return tanhGaussian(mean, logStd, eps).logProb;
  }

  /**
   * min(Q̄1, Q̄2)(s, a) of the target critics (inside the caller's tidy).
   * @returns [N]
   */
  targetMinQ(input: tf.Tensor2D, action: tf.Tensor2D): tf.Tensor1D {
    return tf.minimum(
      this.q(this.q1Target, input, action),
      this.q(this.q2Target, input, action),
    ) as tf.Tensor1D;
  }

  /**
   * The target critics' soft value V̄(s) = min Q̄(s, a') − α log π(a'|s), one a' ~ π(·|s) drawn with
   * the learner's generator (inside the caller's tidy): what the one-step target bootstraps from.
   * @returns [N]
   */
  targetSoftValue(input: tf.Tensor2D, alpha: number): tf.Tensor1D {
    const next = this.sampleAction(input);
    return tf.sub(this.targetMinQ(input, next.action), tf.mul(alpha, next.logProb)) as tf.Tensor1D;
  }

  /**
   * min(Q1, Q2)(s, a) of the online critics at a' ~ π(·|s) sampled with the learner's generator
   * (HIPI's Q(s', a' ~ π(·|s', ψ), ψ) term).
   * @param input [N, inputDim]
   * @returns [N]
   */
  sampledQ(input: Float32Array): Float32Array {
    const N = input.length / this.opts.inputDim;
    return tf.tidy(() => {
      const s = tf.tensor2d(input, [N, this.opts.inputDim]);
      const { action } = this.sampleAction(s);
      return this.minQ(s, action).dataSync() as Float32Array;
    });
  }

  /** A batch as tensors, for {@link criticLoss} and {@link actorLoss} (inside the caller's tidy). */
  batchTensors(batch: SacBatch): SacBatchTensors {
    const { inputDim, actDim } = this.opts;
    const B = batch.size;
    return {
      input: tf.tensor2d(batch.input, [B, inputDim]),
      action: tf.tensor2d(batch.action, [B, actDim]),
      reward: tf.tensor1d(batch.reward),
      nextInput: tf.tensor2d(batch.nextInput, [B, inputDim]),
      notDone: tf.sub(1, tf.tensor1d(batch.terminated)),
    };
  }

  /**
   * The soft Bellman target (Haarnoja et al. 2018b, Eq. 5's target with the min of the twin target
   * critics): y = rewardScale·r + γ(1 − done)(min Q̄(s', a') − α log π(a'|s')), a' ~ π(·|s'), drawn
   * with the learner's generator. A constant for the critic step.
   * @returns [B]
   */
  criticTarget(t: SacBatchTensors, alpha: number): tf.Tensor1D {
    const { gamma, rewardScale } = this.opts;
    const softV = this.targetSoftValue(t.nextInput, alpha);
    return tf.add(tf.mul(rewardScale, t.reward), tf.mul(gamma, tf.mul(t.notDone, softV)));
  }

  /**
   * The critic objective: ½(mean (Q1 − y)² + mean (Q2 − y)²) (Eq. 5), plus the auxiliary critic term
   * when there is one.
   * @param report receives SAC's own loss, mean Q1 and the auxiliary term (kept: the caller disposes)
   */
  criticLoss(t: SacBatchTensors, y: tf.Tensor1D, report: LossReport = {}): tf.Scalar {
    const q1 = this.q(this.q1, t.input, t.action);
    const q2 = this.q(this.q2, t.input, t.action);
    report.qMean = tf.keep(tf.mean(q1) as tf.Scalar);
    const loss = tf.mul(
      0.5,
      tf.add(tf.mean(tf.square(tf.sub(q1, y))), tf.mean(tf.square(tf.sub(q2, y)))),
    ) as tf.Scalar;
    const aux = this.opts.auxiliary?.critic;
    if (!aux) return loss;
    report.own = tf.keep(loss);
    report.aux = tf.keep(aux({ ...t, q1, q2, target: y }, this));
    return tf.add(loss, report.aux);
  }

  /**
   * The actor objective: mean(α log π(ã|s) − min Q(s, ã)), ã ~ π(·|s) reparameterized (Eq. 7), plus
   * actionL2 · mean tanh(μ)² when set, plus the auxiliary actor term when there is one.
   * @param report receives mean log π, SAC's own loss and the auxiliary term (kept)
   */
  actorLoss(t: SacBatchTensors, alpha: number, report: LossReport = {}): tf.Scalar {
    const input = this.opts.actorInput?.(t) ?? t.input;
    const dist = this.policyDist(input);
    const { action, logProb } = this.sampleFrom(dist);
    const qPi = this.minQ(input, action);
    report.logProbMean = tf.keep(tf.mean(logProb) as tf.Scalar);
    const sac = tf.mean(tf.sub(tf.mul(alpha, logProb), qPi)) as tf.Scalar;
    const l2 = this.opts.actionL2 ?? 0;
    const loss: tf.Scalar = l2 > 0 ? tf.add(sac, tf.mul(l2, tf.mean(tf.square(tf.tanh(dist.mean))))) : sac;
    const aux = this.opts.auxiliary?.actor;
    if (!aux) return loss;
    report.own = tf.keep(loss);
    report.aux = tf.keep(
      aux({ ...t, input, mean: dist.mean, logStd: dist.logStd, sampled: action, logProb, qPi, alpha }, this),
    );
    return tf.add(loss, report.aux);
  }

  /**
   * One SAC update on a batch (Haarnoja et al. 2018b, Alg. 1), in the paper's order: the target, the
   * critics on the soft Bellman residual (Eq. 5), the actor on E[α log π − min Q] (Eq. 7), α on
   * −α·E[log π + H̄] (Eq. 18), then Polyak averaging of the target critics with τ. Auxiliary terms
   * join the critic and actor steps (see {@link SacAuxiliaryLoss}).
   */
  update(batch: SacBatch): SacUpdateStats {
    const alpha = this.alpha;
    const aux = this.opts.auxiliary;
    // Kept out of the optimizers' tidy scopes to report them; disposed below.
    const critic: LossReport = {};
    const actor: LossReport = {};
    const stats = tf.tidy(() => {
      const t = this.batchTensors(batch);
      const y = this.opts.criticTargetOverride?.(t, alpha) ?? this.criticTarget(t, alpha);

      const criticVars = [...this.q1.variables, ...this.q2.variables];
      const criticLoss = this.criticOpt.minimize(
        () => this.criticLoss(t, y, critic),
        true,
        aux?.criticVariables ? [...criticVars, ...Object.values(aux.criticVariables)] : criticVars,
      )!;

      const actorVars = this.policy.variables;
      const actorLoss = this.actorOpt.minimize(
        () => this.actorLoss(t, alpha, actor),
        true,
        aux?.actorVariables ? [...actorVars, ...Object.values(aux.actorVariables)] : actorVars,
      )!;

      let alphaLoss: tf.Scalar = tf.scalar(0);
      if (this.opts.alphaMode === 'auto') {
        const lp = actor.logProbMean!;
        alphaLoss = this.alphaOpt.minimize(
          () => tf.neg(tf.mul(this.logAlpha, tf.add(lp, this.targetEntropy))) as tf.Scalar,
          true,
          [this.logAlpha],
        )!;
      }
      return tf.stack([
        critic.own ?? criticLoss,
        actor.own ?? actorLoss,
        alphaLoss,
        tf.neg(actor.logProbMean!),
        critic.qMean!,
        critic.aux ?? tf.scalar(0),
        actor.aux ?? tf.scalar(0),
      ]);
    });
    const v = stats.dataSync();
    tf.dispose([stats, ...Object.values(critic), ...Object.values(actor)]);
    this.q1Target.softUpdateFrom(this.q1, this.opts.tau);
    this.q2Target.softUpdateFrom(this.q2, this.opts.tau);
    const out: SacUpdateStats = {
      critic_loss: v[0],
      actor_loss: v[1],
      alpha_loss: v[2],
      alpha: this.alpha,
      entropy: v[3],
      q_mean: v[4],
    };
    if (aux?.critic) out.aux_critic_loss = v[5];
    if (aux?.actor) out.aux_actor_loss = v[6];
    return out;
  }

  private nets(): Record<string, MLP> {
    return {
      policy: this.policy,
      q1: this.q1,
      q2: this.q2,
      q1_target: this.q1Target,
      q2_target: this.q2Target,
    };
  }

  /** Weights, the three optimizers' states and the noise generator's state, for a checkpoint. */
  async saveState(prefix: string): Promise<{ arrays: NamedArrays; rng: number[] }> {
    return { arrays: await saveSacParts(prefix, this.checkpointParts()), rng: this.rng.getState() };
  }

  /** Restores {@link saveState}. @throws Error naming a missing or mis-shaped parameter. */
  async loadState(prefix: string, arrays: NamedArrays, rng: number[]): Promise<void> {
    await loadSacParts(prefix, arrays, this.checkpointParts(), 'SAC');
    this.rng.setState(rng);
  }

  private checkpointParts(): SacCheckpointParts {
    // MLP names are 'policy', 'q1', … so their parameter names are already unique within the learner.
    const aux = this.opts.auxiliary;
    return {
      actor: { ...namedParams(this.policy), ...aux?.actorVariables },
      critic: { ...namedParams(this.q1), ...namedParams(this.q2), ...aux?.criticVariables },
      targets: { ...namedParams(this.q1Target), ...namedParams(this.q2Target) },
      alpha: { log_alpha: this.logAlpha },
      actorOpt: this.actorOpt,
      criticOpt: this.criticOpt,
      alphaOpt: this.alphaOpt,
      alphaMode: this.opts.alphaMode,
    };
  }

  dispose(): void {
    for (const net of Object.values(this.nets())) net.dispose();
    this.logAlpha.dispose();
    this.actorOpt.dispose();
    this.criticOpt.dispose();
    this.alphaOpt.dispose();
  }
}

/** Scalars an objective hands back for the update's statistics (each kept; the update disposes them). */
export interface LossReport {
  /** SAC's own term, when an auxiliary term was added. */
  own?: tf.Scalar;
  /** The auxiliary term. */
  aux?: tf.Scalar;
  /** Critic: mean Q1(s, a). */
  qMean?: tf.Scalar;
  /** Actor: mean log π(ã|s). */
  logProbMean?: tf.Scalar;
}

let uidCounter = 0;
/** tfjs variable names are global to the process: keep them unique across learners. */
export function uid(): number {
  return ++uidCounter;
}

/** Builds the learner for a run config and a policy-input size. */
export function sacLearnerFor(config: RunConfig, inputDim: number, actDim: number, seed: number): SacLearner {
  return new SacLearner({
    name: `sac${uid()}`,
    inputDim,
    actDim,
    ...sacHyperparametersOf(config.sac),
    actionL2: config.sac.actionL2,
    seed,
  });
}

/** Means of a list of per-update stats, as a metric row fragment. */
export function meanStats(list: SacUpdateStats[]): Metrics {
  const out: Metrics = {};
  if (list.length === 0) return out;
  for (const key of Object.keys(list[0]) as (keyof SacUpdateStats)[]) {
    out[key] = list.reduce((s, x) => s + (x[key] ?? 0), 0) / list.length;
  }
  return out;
}

/**
 * Plain SAC on the env's reward (e.g. point-mass goal reaching): each iteration collects
 * `stepsPerIteration` env steps into the replay buffer (uniform random actions before
 * `learningStarts`), then takes `updatesPerIteration` SAC steps on uniform minibatches.
 */
export class SacAlgorithm extends VecAgentAlgorithm implements Algorithm {
  /** Builds the envs and the agent from the config. */
  static async create(config: RunConfig): Promise<SacAlgorithm> {
    return new SacAlgorithm(config, await trainingEnvs(config));
  }

  private constructor(
    readonly config: RunConfig,
    vec: VecEnv,
  ) {
    super(new VecAgent(config, vec, null));
  }

  async iterate(abortPoint?: AbortPoint): Promise<Metrics> {
    const agent = this.parts.agent;
    const episodes = this.parts.collect(abortPoint);
    const stats = agent.warmingUp ? [] : agent.train(abortPoint);
    agent.iteration += 1;
    return { ...summarizeEpisodes(episodes, true), ...meanStats(stats) };
  }

  evaluationSkills(): EvalSkill[] {
    return [{ id: 0, z: new Float32Array(0), category: null }];
  }

  saveState(): Promise<AlgorithmState> {
    return this.parts.saveState(true);
  }

  loadState(state: AlgorithmState): Promise<void> {
    return this.parts.loadState(state, true);
  }
}

/** A run's training envs: `numEnvs` of its skill env with its env options, seeded by its seed. */
export function trainingEnvs(config: RunConfig): Promise<VecEnv> {
  return VecEnv.create(skillEnvOf(config), config.numEnvs, envOptionsOf(config), config.seed);
}

/** Env options of a run config. */
export function envOptionsOf(config: RunConfig): { maxEpisodeSteps?: number; goal?: [number, number] } {
  const out: { maxEpisodeSteps?: number; goal?: [number, number] } = {};
  if (config.episodeSteps !== null) out.maxEpisodeSteps = config.episodeSteps;
  if (config.goal !== null) out.goal = config.goal;
  return out;
}
