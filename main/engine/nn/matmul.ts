/**
 * Matrix products that stay on the active backend's fast path.
 *
 * tfjs-backend-wasm runs a product through XNNPACK only when neither operand is flagged as
 * transposed (and there is no batch dimension); a flagged product falls to a naive loop that is
 * several times slower (DESIGN.md, "Measured on this machine class"; tfjs-backend-wasm
 * `batch_mat_mul_impl.cc`). Materializing the transpose costs one O(rows·cols) copy, far less than
 * the O(m·k·n) product it speeds up. libtensorflow (tfjs-node) and the JS cpu backend read
 * transposed operands at no cost, so there the flags are passed through and the copies skipped.
 */
import * as tf from '@tensorflow/tfjs-core';

/** True when transposed operands must be materialized to reach the fast product. */
export function needsExplicitTranspose(): boolean {
  return tf.getBackend() === 'wasm';
}

/**
 * op(a)·op(b) for rank-2 operands, where op is the identity or the transpose.
 *
 * @param a [m,k], or [k,m] when `transposeA`
 * @param b [k,n], or [n,k] when `transposeB`
 * @returns [m,n]
 * @throws Error (from tfjs) when the inner dimensions differ.
 */
export function matMulT(a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false, transposeB = false): tf.Tensor2D {
  if ((!transposeA && !transposeB) || !needsExplicitTranspose())
    return tf.matMul(a, b, transposeA, transposeB);
  return tf.tidy(() => tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b));
}
