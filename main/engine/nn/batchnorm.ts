/**
 * Batch normalization over the batch axis of [B, dim] data (Ioffe & Szegedy 2015, Algorithm 1),
 * as DADS's skill dynamics uses it with `normalize_data=1` (Sharma et al. 2019, App. A.3;
 * reference code `skill_dynamics.py`): an affine BatchNorm on the network input and a non-affine
 * one on the target Δs, whose log-likelihood is computed in the normalized space;
 * `predict_state` maps predictions back with the moving statistics.
 *
 * Conventions follow the TF1/Keras layer the reference code calls: biased batch variance
 * (divide by B), moving averages m ← momentum·m + (1 − momentum)·batch with momentum 0.99, and
 * ε = 1e-3 inside the square root.
 */
import * as tf from '@tensorflow/tfjs-core';
import './gradients.ts';

/** Options of {@link BatchNorm}. */
export interface BatchNormOptions {
  /** Logical name; parameters are `${name}/gamma`, `${name}/beta`, `${name}/moving_mean`, `${name}/moving_variance`. */
  name: string;
  /** Feature count (columns). */
  dim: number;
  /** Learn a scale γ and shift β after normalizing. */
  affine: boolean;
  /** Moving-average decay. Default 0.99. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-3. */
  epsilon?: number;
}

/** See the file comment. Stable logical names for checkpoints, unique registered names for tfjs. */
let instanceCounter = 0;

/** Batch normalization with moving statistics; see the file comment. */
export class BatchNorm {
  readonly name: string;
  readonly dim: number;
  readonly affine: boolean;
  readonly momentum: number;
  readonly epsilon: number;
  /** Trainable: [gamma [dim], beta [dim]] when affine, else empty. */
  readonly variables: tf.Variable[];
  /** Non-trainable: [moving_mean [dim], moving_variance [dim]], initialized to 0 and 1. */
  readonly stateVariables: tf.Variable[];
  private readonly names: string[];
  private disposed = false;

  /** @throws Error when dim is not a positive integer, momentum is outside [0, 1) or epsilon ≤ 0. */
  constructor(opts: BatchNormOptions) {
    const { name, dim, affine } = opts;
    this.momentum = opts.momentum ?? 0.99;
    this.epsilon = opts.epsilon ?? 1e-3;
    if (!Number.isInteger(dim) || dim <= 0)
      throw new Error(`BatchNorm '${name}': dim must be a positive integer, got ${dim}`);
    if (!(this.momentum >= 0 && this.momentum < 1)) {
      throw new Error(`BatchNorm '${name}': momentum must lie in [0, 1), got ${this.momentum}`);
    }
    if (!(this.epsilon > 0))
      throw new Error(`BatchNorm '${name}': epsilon must be positive, got ${this.epsilon}`);
    this.name = name;
    this.dim = dim;
    this.affine = affine;
    const uid = ++instanceCounter;
    const make = (suffix: string, fill: number, trainable: boolean) => {
      const init = tf.fill([dim], fill, 'float32');
      const v = tf.variable(init, trainable, `${name}/${suffix}#${uid}`);
      init.dispose(); // the variable holds its own reference to the data
      return v;
    };
    this.variables = affine ? [make('gamma', 1, true), make('beta', 0, true)] : [];
    this.stateVariables = [make('moving_mean', 0, false), make('moving_variance', 1, false)];
    this.names = [...(affine ? ['gamma', 'beta'] : []), 'moving_mean', 'moving_variance'].map(
      (s) => `${name}/${s}`,
    );
  }

  /** Trainable then state variables, aligned with {@link paramNames}. */
  get allVariables(): tf.Variable[] {
    return [...this.variables, ...this.stateVariables];
  }

  /** Stable logical names of {@link allVariables}, for checkpoints. */
  paramNames(): string[] {
    return [...this.names];
  }

  /** Logical name → variable (trainable and state), for checkpoints. */
  namedVariables(): Record<string, tf.Variable> {
    const all = this.allVariables;
    return Object.fromEntries(this.names.map((n, i) => [n, all[i]]));
  }

  /**
   * Normalizes x. In training, uses the batch mean μ_B and biased variance σ²_B (gradients flow
   * through both, Ioffe & Szegedy 2015, §3) and moves the moving statistics toward them; in
   * inference, uses the moving statistics. y = γ·(x − μ)/√(σ² + ε) + β (γ, β only when affine).
   *
   * @param x [B, dim]; in training B ≥ 2 gives meaningful statistics
   * @param training batch statistics and a moving-average update when true
   * @returns y [B, dim]
   * @throws Error on a wrong shape or after dispose().
   */
  apply(x: tf.Tensor2D, training: boolean): tf.Tensor2D {
    this.check(x, 'apply');
    return tf.tidy(() => {
      let mean: tf.Tensor1D;
      let variance: tf.Tensor1D;
      if (training) {
        mean = tf.mean(x, 0);
        variance = tf.mean(tf.square(tf.sub(x, mean)), 0);
        const [mm, mv] = this.stateVariables;
        const m = this.momentum;
        // assign() is not an op on the gradient tape, so this update stays off the backward pass.
        mm.assign(tf.add(tf.mul(mm, m), tf.mul(mean, 1 - m)));
        mv.assign(tf.add(tf.mul(mv, m), tf.mul(variance, 1 - m)));
      } else {
        [mean, variance] = this.stateVariables as unknown as [tf.Tensor1D, tf.Tensor1D];
      }
      let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      if (this.affine) y = tf.add(tf.mul(y, this.variables[0]), this.variables[1]);
      return y as tf.Tensor2D;
    });
  }

  /**
   * The inverse of inference-mode {@link apply}: x = (y − β)/γ·√(σ²_moving + ε) + μ_moving, as
   * DADS's `predict_state` de-normalizes predicted Δs.
   * @param y [B, dim] in normalized units
   * @returns x [B, dim] in data units
   * @throws Error on a wrong shape or after dispose().
   */
  denormalize(y: tf.Tensor2D): tf.Tensor2D {
    this.check(y, 'denormalize');
    return tf.tidy(() => {
      const [mean, variance] = this.stateVariables;
      let z: tf.Tensor = y;
      if (this.affine) z = tf.div(tf.sub(z, this.variables[1]), this.variables[0]);
      return tf.add(tf.mul(z, tf.sqrt(tf.add(variance, this.epsilon))), mean) as tf.Tensor2D;
    });
  }

  /** Frees the variables. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.allVariables) v.dispose();
  }

  private check(x: tf.Tensor, who: string): void {
    if (this.disposed) throw new Error(`BatchNorm '${this.name}' was disposed`);
    if (x.rank !== 2 || x.shape[1] !== this.dim) {
      throw new Error(
        `BatchNorm '${this.name}'.${who}: expected [B, ${this.dim}], got [${x.shape.join(', ')}]`,
      );
    }
  }
}
