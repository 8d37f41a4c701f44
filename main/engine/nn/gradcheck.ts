/**
 * Finite-difference gradient checking for scalar tfjs functions, for tests of hand-written
 * gradients (this module's and the algorithms' losses).
 *
 * Central differences (f(x + h) − f(x − h)) / 2h have O(h²) truncation error; in float32 the
 * rounding error of f is ≈ 6e-8·|f|/h, so h ≈ 1e-2 balances the two for O(1) inputs. An entry
 * whose one-sided differences disagree sits on a kink (ReLU, max, clip) within h and is skipped,
 * since no finite difference is meaningful there.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng.ts';

/** Result of {@link gradCheck}. */
export interface GradCheckResult {
  /** Largest |analytic − numeric| over the checked entries, divided by the gradient scale. */
  maxRelError: number;
  /** Gradient scale: max(1e-3, largest |analytic| entry over all inputs). */
  scale: number;
  /** Entries compared. */
  checked: number;
  /** Entries skipped as kinks. */
  skipped: number;
  /** The worst entry, for failure messages. */
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
}

/** Options of the gradient checks. */
export interface GradCheckOptions {
  /** Finite-difference step. Default 1e-2. */
  h?: number;
  /** Entries sampled per input (all when fewer). Default 40. */
  maxEntries?: number;
  /** Seed of the entry sampling. */
  seed?: number;
  /** Relative disagreement of the one-sided differences that marks a kink. Default 0.1. */
  kinkTol?: number;
}

/**
 * Compares tf.grads(f) with central finite differences at `xs`.
 *
 * @param f scalar function of the inputs (float32); every input must influence it
 * @param xs points to check at; not modified
 */
export function gradCheck(
  f: (...xs: tf.Tensor[]) => tf.Scalar,
  xs: tf.Tensor[],
  opts: GradCheckOptions = {},
): GradCheckResult {
  const analytic = tf.tidy(() => tf.grads(f)(xs)).map(readAndDispose);
  return compare(
    analytic,
    xs.map((x) => Float32Array.from(x.dataSync())),
    (input, v) =>
      tf.tidy(() => f(...xs.map((x, i) => (i === input ? tf.tensor(v, x.shape, x.dtype) : x))).dataSync()[0]),
    opts,
  );
}

/**
 * Compares the gradient of a loss with respect to trainable variables (as `optimizer.minimize`
 * computes it) with central finite differences, perturbing each variable in place and
 * restoring it afterwards.
 *
 * @param f scalar loss that reads `vars`
 * @param vars the variables to differentiate by
 */
export function gradCheckVariables(
  f: () => tf.Scalar,
  vars: tf.Variable[],
  opts: GradCheckOptions = {},
): GradCheckResult {
  const { grads } = tf.variableGrads(f, vars);
  const analytic = vars.map((v) => readAndDispose(grads[v.name]));
  const originals = vars.map((v) => tf.clone(v));
  try {
    return compare(
      analytic,
      vars.map((v) => Float32Array.from(v.dataSync())),
      (input, values) =>
        tf.tidy(() => {
          vars[input].assign(tf.tensor(values, vars[input].shape));
          const out = f().dataSync()[0];
          vars[input].assign(originals[input]);
          return out;
        }),
      opts,
    );
  } finally {
    tf.dispose(originals);
  }
}

function readAndDispose(g: tf.Tensor): Float64Array {
  const d = Float64Array.from(g.dataSync());
  g.dispose();
  return d;
}

function compare(
  analytic: Float64Array[],
  values: Float32Array[],
  evaluate: (input: number, values: Float32Array) => number,
  opts: GradCheckOptions,
): GradCheckResult {
  const h = opts.h ?? 1e-2;
  const maxEntries = opts.maxEntries ?? 40;
  const kinkTol = opts.kinkTol ?? 0.1;
  const rng = new Rng(opts.seed ?? 7);
  const scale = Math.max(1e-3, ...analytic.map((a) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
  const evalAt = (input: number, index: number, delta: number): number => {
    const v = values[input].slice();
    v[index] += delta;
    return evaluate(input, v);
  };
  let maxRelError = 0;
  let checked = 0;
  let skipped = 0;
  let worst: GradCheckResult['worst'] = null;
  values.forEach((vals, input) => {
    const n = vals.length;
    const indices =
      n <= maxEntries ? [...Array(n).keys()] : Array.from({ length: maxEntries }, () => rng.int(n));
    for (const index of indices) {
      // The step is taken on the float32 value actually stored, so use the realized step size.
      const up = Math.fround(vals[index] + h) - vals[index];
      const down = vals[index] - Math.fround(vals[index] - h);
      const f0 = evalAt(input, index, 0);
      const fp = evalAt(input, index, up);
      const fm = evalAt(input, index, -down);
      const forward = (fp - f0) / up;
      const backward = (f0 - fm) / down;
      if (Math.abs(forward - backward) > kinkTol * Math.max(scale, Math.abs(forward), Math.abs(backward))) {
        skipped++;
        continue;
      }
      const numeric = (fp - fm) / (up + down);
      const a = analytic[input][index];
      const rel = Math.abs(a - numeric) / scale;
      checked++;
      if (worst === null || rel > maxRelError) {
        maxRelError = rel;
        worst = { input, index, analytic: a, numeric };
      }
    }
  });
  return { maxRelError, scale, checked, skipped, worst };
}
