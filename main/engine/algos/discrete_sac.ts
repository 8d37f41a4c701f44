/**
 * Soft Actor-Critic for discrete actions (Christodoulou 2019, "Soft Actor-Critic for Discrete Action
 * Settings", arXiv 1910.07207): the skill controller's learner over N categorical skills (DIAYN's).
 *
 * With N actions the policy outputs the whole distribution π(·|s) and each critic all N values Q(s, ·),
 * so the expectations over actions that continuous SAC estimates with a reparameterized sample are
 * computed exactly (§4):
 *   target   y = rewardScale·r + γ(1 − done) Σ_a π(a|s')[min Q̄(s', a) − α log π(a|s')]      (Eq. 10)
 *   critics  ½(mean (Q1(s, a) − y)² + mean (Q2(s, a) − y)²) at the stored action a
 *   actor    mean Σ_a π(a|s)[α log π(a|s) − min Q(s, a)]                                   (Eq. 12)
 *   α        −log α · (Σ_a π(a|s) log π(a|s) + H̄), H̄ = 0.98·log N by default             (Eq. 11, §5)
 * then Polyak averaging of the target critics — continuous SAC's order (sac.ts), so both meta-controllers
 * of the DIAYN/DADS comparison are one learner family with the same networks, optimizers and targets.
 *
 * Actions travel as vectors of length N, as continuous ones do (the replay buffer, the step collector):
 * this learner acts with one-hot vectors and reads a stored action as the index of its largest entry,
 * which is also how the high-level envs decode it (skill_env.ts), so uniform random vectors of a
 * warm-up pick uniform skills and are learned from as the skills they executed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MLP } from '../nn/mlp.ts';
import { makeAdam, type NamedArrays } from '../nn/checkpoint.ts';
import { Rng } from '../rng.ts';
import { uid, type SacBatch, type SacHyperparameters, type SacUpdateStats } from './sac.ts';
import { loadSacParts, namedParams, saveSacParts, type SacCheckpointParts } from './state.ts';
import type { VecLearner } from './vec_agent.ts';
import type { Adam } from '../nn/adam.ts';

/** Christodoulou 2019 §5: the target entropy is 0.98 of the maximum, log N. */
export const DISCRETE_TARGET_ENTROPY_SHARE = 0.98;

/** Hyperparameters of {@link DiscreteSacLearner}. */
export interface DiscreteSacOptions extends SacHyperparameters {
  name: string;
  /** Policy / critic input size. */
  inputDim: number;
  /** N, the number of actions (≥ 2). */
  actions: number;
  seed: number;
}

/** Index of the largest entry of each row of a row-major [B, n] matrix (first one on ties). */
export function argmaxRows(a: Float32Array, n: number): Int32Array {
  const B = a.length / n;
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    let best = 0;
    for (let j = 1; j < n; j++) if (a[b * n + j] > a[b * n + best]) best = j;
    out[b] = best;
  }
  return out;
}

/** See the file comment. */
export class DiscreteSacLearner implements VecLearner {
  readonly opts: DiscreteSacOptions;
  readonly policy: MLP;
  readonly q1: MLP;
  readonly q2: MLP;
  readonly q1Target: MLP;
  readonly q2Target: MLP;
  readonly logAlpha: tf.Variable;
  readonly targetEntropy: number;
  /** Draws the sampled actions, so a run replays exactly from its seed. */
  readonly rng: Rng;
  private readonly actorOpt: Adam;
  private readonly criticOpt: Adam;
  private readonly alphaOpt: Adam;

  /** @throws Error for fewer than 2 actions. */
  constructor(opts: DiscreteSacOptions) {
    if (!Number.isInteger(opts.actions) || opts.actions < 2)
      throw new Error(`discrete SAC needs at least 2 actions, got ${opts.actions}`);
    this.opts = opts;
    this.rng = new Rng(opts.seed);
    const { inputDim, actions: N, hidden } = opts;
    const net = (name: string) =>
      new MLP({ name, inputDim, hiddenSizes: hidden, outputDim: N, seed: this.rng.nextUint32() });
    this.policy = net('policy');
    this.q1 = net('q1');
    this.q2 = net('q2');
    this.q1Target = net('q1_target');
    this.q2Target = net('q2_target');
    this.q1Target.copyFrom(this.q1);
    this.q2Target.copyFrom(this.q2);
    const init = tf.scalar(Math.log(opts.alphaInit));
    this.logAlpha = tf.variable(init, opts.alphaMode === 'auto', `${opts.name}/log_alpha_${uid()}`);
    init.dispose();
    this.targetEntropy = opts.targetEntropy ?? DISCRETE_TARGET_ENTROPY_SHARE * Math.log(N);
    this.actorOpt = makeAdam(opts.lr);
    this.criticOpt = makeAdam(opts.lr);
    this.alphaOpt = makeAdam(opts.lr);
  }

  get alpha(): number {
    return Math.exp(this.logAlpha.dataSync()[0]);
  }

  /** π(·|s) for inputs [B, inputDim]: probabilities [B, N]. */
  probabilities(input: Float32Array): Float32Array {
    const B = input.length / this.opts.inputDim;
    return tf.tidy(
      () =>
        tf.softmax(this.policy.apply(tf.tensor2d(input, [B, this.opts.inputDim]))).dataSync() as Float32Array,
    );
  }

  /**
   * One-hot actions [B, N] for inputs [B, inputDim]: the most probable action when deterministic
   * (evaluation), else a ~ π(·|s) drawn with the learner's generator.
   */
  act(input: Float32Array, deterministic: boolean): Float32Array {
    const N = this.opts.actions;
    const p = this.probabilities(input);
    const B = p.length / N;
    const out = new Float32Array(B * N);
    const chosen = deterministic ? argmaxRows(p, N) : null;
    for (let b = 0; b < B; b++) {
      let a = N - 1;
      if (chosen) a = chosen[b];
      else {
        let u = this.rng.uniform();
        for (let j = 0; j < N; j++) {
          u -= p[b * N + j];
          if (u < 0) {
            a = j;
            break;
          }
        }
      }
      out[b * N + a] = 1;
    }
    return out;
  }

  /**
   * One update (file comment): target, critics, actor, α, Polyak. `batch.action` rows are read as
   * the index of their largest entry.
   */
  update(batch: SacBatch): SacUpdateStats {
    const { inputDim, actions: N, gamma, rewardScale } = this.opts;
    const B = batch.size;
    const alpha = this.alpha;
    const taken = argmaxRows(batch.action, N);
    const stats = tf.tidy(() => {
      const s = tf.tensor2d(batch.input, [B, inputDim]);
      const s2 = tf.tensor2d(batch.nextInput, [B, inputDim]);
      const mask = tf.cast(tf.oneHot(tf.tensor1d(taken, 'int32'), N), 'float32') as tf.Tensor2D;
      const notDone = tf.sub(1, tf.tensor1d(batch.terminated));

      // Target (Eq. 10): the soft value of s' under the current policy, an exact expectation.
      const nextLogits = this.policy.apply(s2);
      const nextP = tf.softmax(nextLogits);
      const nextLogP = tf.logSoftmax(nextLogits);
      const qNext = tf.minimum(this.q1Target.apply(s2), this.q2Target.apply(s2));
      const softV = tf.sum(tf.mul(nextP, tf.sub(qNext, tf.mul(alpha, nextLogP))), 1);
      const y = tf.add(tf.mul(rewardScale, tf.tensor1d(batch.reward)), tf.mul(gamma, tf.mul(notDone, softV)));

      let qMean: tf.Scalar = tf.scalar(0);
      const criticLoss = this.criticOpt.minimize(
        () => {
          const q1 = tf.sum(tf.mul(this.q1.apply(s), mask), 1);
          const q2 = tf.sum(tf.mul(this.q2.apply(s), mask), 1);
          qMean = tf.keep(tf.mean(q1) as tf.Scalar);
          return tf.mul(
            0.5,
            tf.add(tf.mean(tf.square(tf.sub(q1, y))), tf.mean(tf.square(tf.sub(q2, y)))),
          ) as tf.Scalar;
        },
        true,
        [...this.q1.variables, ...this.q2.variables],
      )!;

      // Actor (Eq. 12) against the critics as they are after their step, held constant.
      const qMin = tf.minimum(this.q1.apply(s), this.q2.apply(s));
      let negEntropy: tf.Scalar = tf.scalar(0);
      const actorLoss = this.actorOpt.minimize(
        () => {
          const logits = this.policy.apply(s);
          const p = tf.softmax(logits);
          const logP = tf.logSoftmax(logits);
          negEntropy = tf.keep(tf.mean(tf.sum(tf.mul(p, logP), 1)) as tf.Scalar);
          return tf.mean(tf.sum(tf.mul(p, tf.sub(tf.mul(alpha, logP), qMin)), 1)) as tf.Scalar;
        },
        true,
        this.policy.variables,
      )!;

      let alphaLoss: tf.Scalar = tf.scalar(0);
      if (this.opts.alphaMode === 'auto') {
        const gap = tf.add(negEntropy, this.targetEntropy);
        alphaLoss = this.alphaOpt.minimize(() => tf.neg(tf.mul(this.logAlpha, gap)) as tf.Scalar, true, [
          this.logAlpha,
        ])!;
      }
      const out = tf.stack([criticLoss, actorLoss, alphaLoss, tf.neg(negEntropy), qMean]);
      tf.dispose([qMean, negEntropy]);
      return out;
    });
    const v = stats.dataSync();
    stats.dispose();
    this.q1Target.softUpdateFrom(this.q1, this.opts.tau);
    this.q2Target.softUpdateFrom(this.q2, this.opts.tau);
    return {
      critic_loss: v[0],
      actor_loss: v[1],
      alpha_loss: v[2],
      alpha: this.alpha,
      entropy: v[3],
      q_mean: v[4],
    };
  }

  /** Weights, the three optimizers' states and the generator's state, in SacLearner's layout. */
  async saveState(prefix: string): Promise<{ arrays: NamedArrays; rng: number[] }> {
    return { arrays: await saveSacParts(prefix, this.checkpointParts()), rng: this.rng.getState() };
  }

  /** Restores {@link saveState}. @throws Error naming a missing or mis-shaped parameter. */
  async loadState(prefix: string, arrays: NamedArrays, rng: number[]): Promise<void> {
    await loadSacParts(prefix, arrays, this.checkpointParts(), 'discrete SAC');
    this.rng.setState(rng);
  }

  private checkpointParts(): SacCheckpointParts {
    return {
      actor: namedParams(this.policy),
      critic: { ...namedParams(this.q1), ...namedParams(this.q2) },
      targets: { ...namedParams(this.q1Target), ...namedParams(this.q2Target) },
      alpha: { log_alpha: this.logAlpha },
      actorOpt: this.actorOpt,
      criticOpt: this.criticOpt,
      alphaOpt: this.alphaOpt,
      alphaMode: this.opts.alphaMode,
    };
  }

  dispose(): void {
    for (const net of [this.policy, this.q1, this.q2, this.q1Target, this.q2Target]) net.dispose();
    this.logAlpha.dispose();
    this.actorOpt.dispose();
    this.criticOpt.dispose();
    this.alphaOpt.dispose();
  }
}
