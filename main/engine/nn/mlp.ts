/**
 * Multilayer perceptron: the policy, Q-function, discriminator and skill-dynamics trunk of every
 * algorithm here.
 *
 * Initialization is Glorot-uniform (Glorot & Bengio 2010, Eq. 16: U[−√(6/(fan_in+fan_out)), +…])
 * for kernels and zeros for biases, the Keras/TF defaults that the SAC, DIAYN and DADS reference
 * code inherit. The numbers come from the engine's seeded Rng, not tfjs's random ops, so a seed
 * gives the same initial network on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng.ts';
import { denseAct } from './dense.ts';

/** Options of {@link MLP}. */
export interface MLPOptions {
  /** Logical name; parameters are called `${name}/l<i>/kernel` and `${name}/l<i>/bias`. */
  name: string;
  inputDim: number;
  /** Widths of the hidden layers, e.g. [256, 256]; may be empty (a linear map). */
  hiddenSizes: number[];
  outputDim: number;
  /** Hidden-layer nonlinearity; the output layer is linear. Default 'relu'. */
  activation?: 'relu' | 'tanh';
  /** Seed of the initial weights. */
  seed: number;
  /** Multiplies the output layer's Glorot bound (e.g. 1e-2 for near-zero initial outputs). Default 1. */
  outputInitScale?: number;
}

/**
 * tfjs keeps one global registry of variables by name, so two networks with the same logical
 * name (a SAC critic and its target, two runs' learners in one process) need distinct
 * registered names; the counter suffix provides them while `paramNames()` stays stable.
 */
let instanceCounter = 0;

/** Fully connected network: hidden layers with `activation`, a linear output layer. */
export class MLP {
  readonly name: string;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly hiddenSizes: readonly number[];
  readonly activation: 'relu' | 'tanh';
  /** Trainable parameters in layer order: l0/kernel [in,h0], l0/bias [h0], l1/kernel, …; the output layer last. */
  readonly variables: tf.Variable[];
  private readonly names: string[];
  private disposed = false;

  /** @throws Error on a non-positive or non-integer dimension. */
  constructor(opts: MLPOptions) {
    const { name, inputDim, hiddenSizes, outputDim, seed } = opts;
    const dims = [inputDim, ...hiddenSizes, outputDim];
    if (!dims.every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(`MLP '${name}': dimensions must be positive integers, got ${JSON.stringify(dims)}`);
    }
    this.name = name;
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.hiddenSizes = [...hiddenSizes];
    this.activation = opts.activation ?? 'relu';
    const outputScale = opts.outputInitScale ?? 1;
    const rng = new Rng(seed);
    const uid = ++instanceCounter;
    this.variables = [];
    this.names = [];
    for (let l = 0; l + 1 < dims.length; l++) {
      const [fanIn, fanOut] = [dims[l], dims[l + 1]];
      const isOutput = l + 2 === dims.length;
      const bound = Math.sqrt(6 / (fanIn + fanOut)) * (isOutput ? outputScale : 1);
      const kernel = new Float32Array(fanIn * fanOut);
      rng.fillUniform(kernel, -bound, bound);
      for (const [suffix, values, shape] of [
        ['kernel', kernel, [fanIn, fanOut]],
        ['bias', new Float32Array(fanOut), [fanOut]],
      ] as const) {
        const logical = `${name}/l${l}/${suffix}`;
        this.names.push(logical);
        const init = tf.tensor(values, [...shape], 'float32');
        this.variables.push(tf.variable(init, true, `${logical}#${uid}`));
        init.dispose(); // the variable holds its own reference to the data
      }
    }
  }

  /** Stable logical names, aligned with {@link variables}, for checkpoints. */
  paramNames(): string[] {
    return [...this.names];
  }

  /** Logical name → variable, for checkpoints. */
  namedVariables(): Record<string, tf.Variable> {
    return Object.fromEntries(this.names.map((n, i) => [n, this.variables[i]]));
  }

  /**
   * The forward pass.
   * @param x inputs, shape [B, inputDim], float32
   * @returns outputs, shape [B, outputDim]
   * @throws Error when x does not have inputDim columns or the network was disposed.
   */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    this.checkAlive();
    if (x.rank !== 2 || x.shape[1] !== this.inputDim) {
      throw new Error(
        `MLP '${this.name}': expected input [B, ${this.inputDim}], got [${x.shape.join(', ')}]`,
      );
    }
    return tf.tidy(() => {
      let h = x;
      const layers = this.variables.length / 2;
      for (let l = 0; l < layers; l++) {
        const act = l + 1 === layers ? 'linear' : this.activation;
        h = denseAct(h, this.variables[2 * l] as tf.Tensor2D, this.variables[2 * l + 1] as tf.Tensor1D, act);
      }
      return h;
    });
  }

  /**
   * θ ← θ_other (hard copy, e.g. to initialize a target network).
   * @throws Error when the architectures differ.
   */
  copyFrom(other: MLP): void {
    this.checkCompatible(other);
    tf.tidy(() => this.variables.forEach((v, i) => v.assign(tf.clone(other.variables[i]))));
  }

  /**
   * Polyak averaging θ ← τ·θ_other + (1 − τ)·θ, the SAC target-network update
   * (Haarnoja et al. 2018, Algorithm 1, ψ̄ ← τψ + (1 − τ)ψ̄).
   * @param tau in [0, 1]; 0.005 in SAC
   * @throws Error when the architectures differ or tau is outside [0, 1].
   */
  softUpdateFrom(other: MLP, tau: number): void {
    this.checkCompatible(other);
    if (!(tau >= 0 && tau <= 1)) throw new Error(`MLP '${this.name}': tau must lie in [0, 1], got ${tau}`);
    tf.tidy(() =>
      this.variables.forEach((v, i) => v.assign(tf.add(tf.mul(other.variables[i], tau), tf.mul(v, 1 - tau)))),
    );
  }

  /** Frees the variables; the network cannot be used afterwards. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.variables) v.dispose();
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error(`MLP '${this.name}' was disposed`);
  }

  private checkCompatible(other: MLP): void {
    this.checkAlive();
    other.checkAlive();
    const same =
      other.variables.length === this.variables.length &&
      other.variables.every((v, i) => tf.util.arraysEqual(v.shape, this.variables[i].shape));
    if (!same) {
      const shapes = (m: MLP) => m.variables.map((v) => `[${v.shape.join(',')}]`).join(' ');
      throw new Error(
        `MLP '${this.name}' and '${other.name}' differ in shape: ${shapes(this)} vs ${shapes(other)}`,
      );
    }
  }
}
