/**
 * The Retrace target (Munos, Stepleton, Harutyunyan, Bellemare, "Safe and Efficient Off-Policy
 * Reinforcement Learning", NeurIPS 2016, Eq. 3 / Alg. 1's recursive form), with soft values as in
 * SAC, for critics learned from replayed sequences of an older behaviour policy μ (the skill
 * embedding's option: Hausman et al. 2018 §5, Eq. 5, learn their latent-conditioned Q with Retrace).
 *
 * For a replayed sequence of steps k = 0 … N−1 from s_0, a_0:
 *   G_{N−1} = r_{N−1} + γ·(1 − d_{N−1})·V̄(s'_{N−1})
 *   G_k     = r_k + γ·(1 − d_k)·[V̄(s'_k) + e_k·c_{k+1}·(G_{k+1} − Q̄(s_{k+1}, a_{k+1}))]
 * with V̄(s) = E_{a∼π}[Q̄(s, a) − α log π(a|s)] (the target critics' soft value, one sample),
 * c_k = λ·min(1, π(a_k|s_k) / μ(a_k|s_k)) the truncated importance weights, d_k the terminal flag of
 * step k and e_k = 1 where step k + 1 continues the same episode (0 at its end and at the sequence's
 * end, where G bootstraps from V̄ alone). With e ≡ 0 it is the one-step soft target; with c ≡ 1 the
 * N-step soft return corrected by Q̄ along the way (Munos et al.'s "Q^π(λ)" case).
 *
 * Pure tensor arithmetic: never reads a network.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The per-step quantities of B sequences of N steps, each [N, B] (step-major). */
export interface RetraceInputs {
  /** r_k, already scaled. */
  reward: tf.Tensor2D;
  /** 1 − d_k: 0 where step k ended the episode by termination (no bootstrap). */
  notDone: tf.Tensor2D;
  /** e_k: 1 where step k + 1 is stored and continues the episode, else 0 (row N − 1 is ignored: 0). */
  continues: tf.Tensor2D;
  /** V̄(s'_k): the target critics' soft value at step k's next state. */
  nextValue: tf.Tensor2D;
  /** Q̄(s_k, a_k): the target critics at each stored step (row 0 is not read). */
  q: tf.Tensor2D;
  /** c_k = λ·min(1, π/μ) at each stored step (row 0 is not read). */
  traces: tf.Tensor2D;
}

/**
 * G_0 of each sequence (see the file comment), a constant for the critic step.
 * @param gamma discount γ
 * @returns [B]
 * @throws Error when the inputs' shapes differ or N < 1.
 */
export function retraceTarget(x: RetraceInputs, gamma: number): tf.Tensor1D {
  const shape = x.reward.shape;
  for (const [name, t] of Object.entries(x))
    if ((t as tf.Tensor).shape.join() !== shape.join())
      throw new Error(`retrace: ${name} has shape [${(t as tf.Tensor).shape}], reward [${shape}]`);
  const [N, B] = shape;
  if (N < 1) throw new Error('retrace: sequences need at least one step');
  return tf.tidy(() => {
    const row = (t: tf.Tensor2D, k: number) => tf.reshape(tf.slice(t, [k, 0], [1, B]), [B]);
    let g = tf.add(
      row(x.reward, N - 1),
      tf.mul(gamma, tf.mul(row(x.notDone, N - 1), row(x.nextValue, N - 1))),
    );
    for (let k = N - 2; k >= 0; k--) {
      const correction = tf.mul(
        tf.mul(row(x.continues, k), row(x.traces, k + 1)),
        tf.sub(g, row(x.q, k + 1)),
      );
      g = tf.add(
        row(x.reward, k),
        tf.mul(gamma, tf.mul(row(x.notDone, k), tf.add(row(x.nextValue, k), correction))),
      );
    }
    return g as tf.Tensor1D;
  });
}

/**
 * The truncated importance weights c = λ·min(1, π(a|s) / μ(a|s)) from log-probabilities (nats).
 * @param logPi [N, B] log π of the stored actions under the current policy
 * @param logMu [N, B] log μ, the behaviour policy's at collection
 */
export function retraceTraces(logPi: tf.Tensor2D, logMu: tf.Tensor2D, lambda: number): tf.Tensor2D {
  return tf.tidy(() => tf.mul(lambda, tf.minimum(1, tf.exp(tf.sub(logPi, logMu)))) as tf.Tensor2D);
}
