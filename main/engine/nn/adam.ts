/**
 * Adam (Kingma & Ba 2015, Algorithm 1) over all of an objective's parameters at once.
 *
 * Why not tf.train.adam: it updates each variable with its own 13 elementwise kernels, so a SAC
 * update's three optimizers ran ≈ 250 of its ≈ 770 kernels, and per-kernel overhead (tens of µs on
 * TensorFlow's eager API) is much of an update's time (issue #12 §2). Here the gradients are
 * flattened into one vector, the moments live in one flat m and one flat v, and the elementwise
 * math runs once: 3N + 15 kernels for N variables instead of 13N + 4.
 *
 * The arithmetic is tf.train.adam's (tfjs-core 4.x), op for op and in float32, so both give
 * bit-identical parameters (tested): m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
 * θ ← −lr·(m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε) + θ, with β₁ᵗ, β₂ᵗ running float32 products.
 * A variable the objective does not reach keeps its moments and its value, as in tf.train.adam.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The state of an {@link Adam} as plain numbers, for checkpoints (nn/checkpoint.ts). */
export interface AdamSnapshot {
  /** Steps taken, t. */
  iterations: number;
  /** β₁ᵗ⁺¹ and β₂ᵗ⁺¹ as the optimizer holds them (float32 values). */
  betaPowers: [number, number];
  /** The variables the moments belong to, in slot order, with their moments. */
  slots: Array<{ variable: tf.Variable; m: Float32Array; v: Float32Array }>;
}

/**
 * Adam with flat moments. `minimize` takes the same arguments as tfjs's optimizers; every call must
 * pass the same variables in the same order (the moments are laid out by it).
 */
export class Adam {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private iterationCount = 0;
  /** β₁ᵗ⁺¹, β₂ᵗ⁺¹ after t steps, kept at float32 precision like tfjs's scalar variables. */
  private accBeta1: number;
  private accBeta2: number;
  private vars: tf.Variable[] = [];
  private m: tf.Variable | null = null;
  private v: tf.Variable | null = null;
  private disposed = false;

  /**
   * @param lr step size α
   * @throws Error when lr, β₁, β₂ or ε is out of range.
   */
  constructor(lr: number, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8) {
    if (!(lr > 0 && Number.isFinite(lr))) throw new Error(`Adam: learning rate must be positive, got ${lr}`);
    for (const [name, b] of [
      ['β₁', beta1],
      ['β₂', beta2],
    ] as const)
      if (!(b >= 0 && b < 1)) throw new Error(`Adam: ${name} must lie in [0, 1), got ${b}`);
    if (!(epsilon > 0)) throw new Error(`Adam: ε must be positive, got ${epsilon}`);
    this.learningRate = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.accBeta1 = Math.fround(beta1);
    this.accBeta2 = Math.fround(beta2);
  }

  /** Steps taken. */
  get iterations(): number {
    return this.iterationCount;
  }

  /**
   * Computes the gradients of `f` with respect to `varList` and takes one Adam step.
   * @param f the objective, a scalar (run inside a gradient tape)
   * @param returnCost return f's value (the caller disposes it) or null
   * @param varList the parameters; the same variables in the same order on every call
   * @throws Error when varList differs from the one the optimizer's state belongs to, or no
   *   parameter is connected to the objective (from tfjs).
   */
  minimize(f: () => tf.Scalar, returnCost = false, varList?: tf.Variable[]): tf.Scalar | null {
    this.checkAlive();
    const vars = varList ?? Object.values(tf.engine().registeredVariables).filter((v) => v.trainable);
    this.bind(vars);
    const { value, grads } = tf.variableGrads(f, vars);
    try {
      this.applyGradients(vars.map((v) => grads[v.name] ?? null));
    } finally {
      tf.dispose(Object.values(grads));
    }
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  /** Snapshot of the step count, β powers and moments (for nn/checkpoint.ts). */
  async snapshot(): Promise<AdamSnapshot> {
    this.checkAlive();
    const m = this.m ? ((await this.m.data()) as Float32Array) : new Float32Array(0);
    const v = this.v ? ((await this.v.data()) as Float32Array) : new Float32Array(0);
    let offset = 0;
    const slots = this.vars.map((variable) => {
      const n = variable.size;
      const slot = { variable, m: m.slice(offset, offset + n), v: v.slice(offset, offset + n) };
      offset += n;
      return slot;
    });
    return { iterations: this.iterationCount, betaPowers: [this.accBeta1, this.accBeta2], slots };
  }

  /**
   * Replaces the state with a snapshot's, so the next step equals the one the snapshot's optimizer
   * would have taken.
   * @throws Error when a slot's moments do not match its variable's size.
   */
  restore(s: AdamSnapshot): void {
    this.checkAlive();
    for (const { variable, m, v } of s.slots)
      if (m.length !== variable.size || v.length !== variable.size)
        throw new Error(
          `Adam: restored moments of '${variable.name}' have ${m.length}/${v.length} values, the variable ${variable.size}`,
        );
    this.freeMoments();
    this.iterationCount = s.iterations;
    this.accBeta1 = Math.fround(s.betaPowers[0]);
    this.accBeta2 = Math.fround(s.betaPowers[1]);
    if (s.slots.length === 0) return;
    this.vars = s.slots.map((x) => x.variable);
    const flat = (key: 'm' | 'v') => {
      const out = new Float32Array(s.slots.reduce((n, x) => n + x.variable.size, 0));
      let offset = 0;
      for (const x of s.slots) {
        out.set(x[key], offset);
        offset += x.variable.size;
      }
      return out;
    };
    this.m = variableOf(flat('m'));
    this.v = variableOf(flat('v'));
  }

  /** Frees the moments. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.freeMoments();
  }

  /** Lays out the moments for `vars` on first use; afterwards checks that the same list comes. */
  private bind(vars: tf.Variable[]): void {
    if (this.m) {
      const same = vars.length === this.vars.length && vars.every((v, i) => v === this.vars[i]);
      if (!same)
        throw new Error(
          `Adam: minimize got variables [${vars.map((v) => v.name).join(', ')}] but the optimizer's state ` +
            `belongs to [${this.vars.map((v) => v.name).join(', ')}]`,
        );
      return;
    }
    const total = vars.reduce((n, v) => n + v.size, 0);
    this.vars = [...vars];
    this.m = zerosVariable(total);
    this.v = zerosVariable(total);
  }

  private applyGradients(grads: Array<tf.Tensor | null>): void {
    const m = this.m!;
    const v = this.v!;
    const vars = this.vars;
    const { beta1, beta2, epsilon, learningRate } = this;
    tf.tidy(() => {
      const oneMinusAcc1 = Math.fround(1 - this.accBeta1);
      const oneMinusAcc2 = Math.fround(1 - this.accBeta2);
      const missing = grads.some((g) => g === null);
      const flat = (parts: tf.Tensor[]) =>
        parts.length === 1 ? tf.reshape(parts[0], [-1]) : tf.concat(parts.map((p) => tf.reshape(p, [-1])));
      const g = flat(grads.map((x, i) => x ?? tf.zeros(vars[i].shape)));
      let newM = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
      let newV = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
      // Parameters without a gradient keep their moments (tf.train.adam skips them).
      const keep = missing ? this.presentMask(grads) : null;
      if (keep) {
        newM = tf.where(keep, newM, m);
        newV = tf.where(keep, newV, v);
      }
      const step = tf.mul(
        tf.div(tf.div(newM, oneMinusAcc1), tf.add(tf.sqrt(tf.div(newV, oneMinusAcc2)), epsilon)),
        -learningRate,
      );
      m.assign(newM);
      v.assign(newV);
      const parts =
        vars.length === 1
          ? [step]
          : tf.split(
              step,
              vars.map((x) => x.size),
            );
      vars.forEach((x, i) => {
        if (grads[i] !== null) x.assign(tf.add(tf.reshape(parts[i], x.shape), x));
      });
    });
    // tfjs multiplies two float32 scalars: the product of the float32 values, rounded once.
    this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(beta1));
    this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(beta2));
    this.iterationCount += 1;
  }

  /** [P] true where the parameter's variable received a gradient. */
  private presentMask(grads: Array<tf.Tensor | null>): tf.Tensor1D {
    const out = new Uint8Array(this.m!.size);
    let offset = 0;
    this.vars.forEach((x, i) => {
      if (grads[i] !== null) out.fill(1, offset, offset + x.size);
      offset += x.size;
    });
    return tf.tensor1d(out, 'bool');
  }

  private freeMoments(): void {
    this.m?.dispose();
    this.v?.dispose();
    this.m = null;
    this.v = null;
    this.vars = [];
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('Adam: the optimizer was disposed');
  }
}

/** A non-trainable variable holding `values` (the initial tensor is freed: the variable keeps the data). */
function variableOf(values: Float32Array): tf.Variable {
  const init = tf.tensor1d(values);
  const out = tf.variable(init, false);
  init.dispose();
  return out;
}

function zerosVariable(n: number): tf.Variable {
  return variableOf(new Float32Array(n));
}
