/**
 * Probability distributions of the policies, discriminators and skill-dynamics models, written
 * as differentiable tfjs expressions. All log densities are in nats.
 */
import * as tf from '@tensorflow/tfjs-core';
import './gradients.ts';

const LOG_2PI = Math.log(2 * Math.PI);
const LOG_2 = Math.log(2);

/** Bounds of a policy's log standard deviation (SAC reference code; tf-agents' actor network). */
export const LOG_STD_MIN = -20;
export const LOG_STD_MAX = 2;

/**
 * A sample of the tanh-squashed diagonal Gaussian policy of SAC and its log-density, by the
 * reparameterization trick (Haarnoja et al. 2018, "Soft Actor-Critic", §4.2 and App. C):
 *
 *   σ = exp(clip(logStd, −20, 2)),  u = μ + σ ⊙ ε,  a = tanh(u),
 *   log π(a|s) = Σ_i log N(u_i; μ_i, σ_i) − Σ_i log(1 − tanh²(u_i))            (App. C, Eq. 21)
 *
 * with log N(u_i; μ_i, σ_i) = −ε_i²/2 − log σ_i − ½·log 2π, and the squashing correction in the
 * overflow-free form log(1 − tanh² u) = 2·(log 2 − u − softplus(−2u)).
 *
 * Differentiable with respect to `mean` and `logStd` (not through the clip's flat parts).
 *
 * @param mean μ, shape [B, d]
 * @param logStd log σ before clipping, shape [B, d]
 * @param eps standard-normal noise ε, shape [B, d] (drawn by the caller from the engine's Rng,
 *   so sampling is reproducible); zeros give the deterministic action tanh(μ)
 * @returns action a ∈ (−1, 1)^d, shape [B, d]; logProb log π(a|s), shape [B]
 * @throws Error when the three shapes differ or are not rank 2.
 */
export function tanhGaussian(
  mean: tf.Tensor2D,
  logStd: tf.Tensor2D,
  eps: tf.Tensor2D,
): { action: tf.Tensor2D; logProb: tf.Tensor1D } {
  if (
    mean.rank !== 2 ||
    !tf.util.arraysEqual(mean.shape, logStd.shape) ||
    !tf.util.arraysEqual(mean.shape, eps.shape)
  ) {
    throw new Error(
      `tanhGaussian: mean, logStd and eps must share one [B, d] shape, got ` +
        `[${mean.shape.join(',')}], [${logStd.shape.join(',')}], [${eps.shape.join(',')}]`,
    );
  }
  return tf.tidy(() => {
    const logStdC = tf.clipByValue(logStd, LOG_STD_MIN, LOG_STD_MAX);
    const u = tf.add(mean, tf.mul(tf.exp(logStdC), eps));
    const action = tf.tanh(u) as tf.Tensor2D;
    const gaussian = tf.sub(tf.mul(tf.square(eps), -0.5), tf.add(logStdC, 0.5 * LOG_2PI));
    const logOneMinusTanh2 = tf.mul(tf.sub(tf.sub(LOG_2, u), tf.softplus(tf.mul(u, -2))), 2);
    const logProb = tf.sum(tf.sub(gaussian, logOneMinusTanh2), 1) as tf.Tensor1D;
    return { action, logProb };
  });
}

/**
 * Log-probabilities of a categorical distribution given unnormalized logits, log softmax:
 * log p_k = ℓ_k − log Σ_j exp ℓ_j (DIAYN's discriminator q_φ(z|s), Eysenbach et al. 2019, Eq. 3).
 *
 * @param logits ℓ, shape [B, K]
 * @returns log p, shape [B, K]; each row log-sums-exp to 0
 * @throws Error when logits is not rank 2.
 */
export function categoricalLogProbs(logits: tf.Tensor2D): tf.Tensor2D {
  if (logits.rank !== 2)
    throw new Error(`categoricalLogProbs: expected logits [B, K], got [${logits.shape.join(',')}]`);
  return tf.logSoftmax(logits, -1);
}

/**
 * log p(label) under categorical logits: log softmax(ℓ)_{label}, per row.
 *
 * @param logits ℓ, shape [B, K]
 * @param labels class indices in [0, K), int32, shape [B]
 * @returns shape [B]
 * @throws Error on mismatched shapes or non-int32 labels.
 */
export function categoricalLogProbOf(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  if (logits.rank !== 2 || labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new Error(
      `categoricalLogProbOf: expected logits [B, K] and labels [B], got [${logits.shape.join(',')}] and [${labels.shape.join(',')}]`,
    );
  }
  if (labels.dtype !== 'int32')
    throw new Error(`categoricalLogProbOf: labels must be int32, got ${labels.dtype}`);
  return tf.tidy(() => {
    // tf.oneHot's float32 dtype option writes int32 bit patterns on tfjs-backend-wasm 4.22; cast instead.
    const oneHot = tf.cast(tf.oneHot(labels, logits.shape[1]), 'float32');
    return tf.sum(tf.mul(categoricalLogProbs(logits), oneHot), 1) as tf.Tensor1D;
  });
}

/**
 * Log-density of a mixture of K Gaussians with identity covariance, DADS's skill-dynamics model
 * q_φ(Δs | s, z) with `fix_variance=1` (Sharma et al. 2019, §3 and App. A.3):
 *
 *   log q(x) = log Σ_k softmax(ℓ)_k · N(x; μ_k, I)
 *            = logsumexp_k [ log softmax(ℓ)_k − ½‖x − μ_k‖² ] − (d/2)·log 2π,
 *
 * evaluated by log-sum-exp so that distant components do not underflow.
 *
 * @param x points, shape [B, d]
 * @param logits mixture logits ℓ, shape [B, K]
 * @param means component means μ, shape [B, K, d]
 * @returns log q(x), shape [B]
 * @throws Error on mismatched shapes.
 */
export function mixtureOfGaussiansLogProb(
  x: tf.Tensor2D,
  logits: tf.Tensor2D,
  means: tf.Tensor3D,
): tf.Tensor1D {
  const [B, d] = x.shape;
  if (
    x.rank !== 2 ||
    logits.rank !== 2 ||
    means.rank !== 3 ||
    logits.shape[0] !== B ||
    means.shape[0] !== B ||
    means.shape[1] !== logits.shape[1] ||
    means.shape[2] !== d
  ) {
    throw new Error(
      `mixtureOfGaussiansLogProb: expected x [B, d], logits [B, K], means [B, K, d], got ` +
        `[${x.shape.join(',')}], [${logits.shape.join(',')}], [${means.shape.join(',')}]`,
    );
  }
  return tf.tidy(() => {
    const sqDist = tf.sum(tf.square(tf.sub(tf.expandDims(x, 1), means)), 2);
    const perComponent = tf.sub(tf.logSoftmax(logits, -1), tf.mul(sqDist, 0.5));
    return tf.sub(tf.logSumExp(perComponent, 1), 0.5 * d * LOG_2PI) as tf.Tensor1D;
  });
}
