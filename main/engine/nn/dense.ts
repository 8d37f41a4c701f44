/**
 * Fully connected layers with a hand-written backward pass, tuned for tfjs-backend-wasm.
 *
 * For z = x·W + b, y = act(z) and upstream gradient dy (standard backpropagation):
 *   dz = dy ⊙ act'(z);  dx = dz·Wᵀ;  dW = xᵀ·dz;  db = Σ_batch dz.
 *
 * Why not `tf.matMul(x, w).add(b)` with tfjs's built-in gradient:
 * - The built-in MatMul gradient asks for dz·Wᵀ and xᵀ·dz through transpose flags, which
 *   tfjs-backend-wasm serves with a naive loop (≈ 17× slower than its XNNPACK path for 256²
 *   operands); `matMulT` materializes the transposes instead (see matmul.ts).
 * - The forward product, bias and ReLU run as one `_FusedMatMul` kernel.
 * - db = 1ᵀ·dz as a [1,B]·[B,out] product: wasm's Sum over axis 0 transposes its input first and
 *   is ≈ 10× slower than the product.
 * - The relu mask is `step(y)`; wasm's Sign and Greater kernels are ≈ 10× slower than Step.
 * - Gradients are handed to the tape lazily, per input, so tfjs computes only those it needs:
 *   no dx for a first layer fed with data, and no dW, db for a network whose weights are not
 *   being trained (SAC's actor loss backpropagates through the critics only to their input).
 */
import * as tf from '@tensorflow/tfjs-core';
import './gradients.ts';
import { matMulT, needsExplicitTranspose } from './matmul.ts';

/** Activations that {@link denseAct} can apply. `'linear'` is the identity. */
export type DenseActivation = 'linear' | 'relu' | 'tanh';

type LazyGrads = Record<string, () => tf.Tensor>;

/**
 * The engine's op constructor that takes per-input lazy gradients. `tf.customGrad` is built on
 * it but evaluates every input's gradient eagerly, so it is used here directly; it is an
 * internal of tfjs-core (stable through 3.x and 4.x), hence the customGrad fallback.
 */
interface KernelFuncEngine {
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: (tensors: tf.Tensor[]) => void) => tf.Tensor;
    backwardsFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => LazyGrads;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor;
}

/**
 * Runs `forward` as one differentiable op whose gradient per input is `backward(dy, saved)[name]`.
 * Tensors passed to `save` inside `forward` come back as `saved`.
 */
function lazyGradOp(
  inputs: Record<string, tf.Tensor>,
  forward: (save: (tensors: tf.Tensor[]) => void) => tf.Tensor,
  backward: (dy: tf.Tensor, saved: tf.Tensor[]) => LazyGrads,
): tf.Tensor {
  const engine = tf.engine() as unknown as Partial<KernelFuncEngine>;
  if (typeof engine.runKernelFunc === 'function') {
    // The tape names a custom op after the enclosing scope, and a scope named like a kernel
    // with a registered gradient would take that gradient instead; this name matches none.
    return tf.tidy('skillLabDense', () =>
      (engine as KernelFuncEngine).runKernelFunc({
        forwardFunc: (_backend, save) => forward(save),
        backwardsFunc: backward,
        inputs,
      }),
    );
  }
  const names = Object.keys(inputs);
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args[names.length] as tf.GradSaveFunc;
    return {
      value: forward(save),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const grads = backward(dy, saved);
        return names.map((n) => grads[n]());
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(...names.map((n) => inputs[n]));
}

/**
 * x·W + b, then ReLU when asked, as one kernel. The kernel is invoked directly because
 * `tf.fused.matMul` declines to fuse a non-linear activation while a tape is recording; in a
 * custom op's forward pass the tape is paused, so fusing is safe.
 */
function fusedForward(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, relu: boolean): tf.Tensor2D {
  const [batch, inDim] = x.shape;
  const outDim = w.shape[1];
  return tf.tidy(() => {
    const out = tf.engine().runKernel(
      '_FusedMatMul',
      {
        a: tf.reshape(x, [1, batch, inDim]),
        b: tf.reshape(w, [1, inDim, outDim]),
        bias: b,
      } as tf.NamedTensorMap,
      { transposeA: false, transposeB: false, activation: relu ? 'relu' : 'linear', leakyreluAlpha: 0 },
    ) as tf.Tensor3D;
    return tf.reshape(out, [batch, outDim]);
  });
}

/**
 * relu'(z) = 1[z > 0] from y = relu(z) ≥ 0: step(y) on wasm, where Step is one fast kernel; sign(y)
 * elsewhere (equal for y ≥ 0), because tfjs-node builds Step from five TensorFlow ops (IsNan,
 * Greater, Fill, two Selects) and sign is one.
 */
function reluMask(y: tf.Tensor2D): tf.Tensor2D {
  return needsExplicitTranspose() ? tf.step(y) : tf.sign(y);
}

/** Σ_batch dz for dz [B,out], as 1ᵀ·dz on wasm (see the file comment). */
function biasGrad(dz: tf.Tensor2D): tf.Tensor1D {
  if (!needsExplicitTranspose()) return tf.sum(dz, 0);
  return tf.tidy(() => tf.reshape(tf.matMul(tf.ones([1, dz.shape[0]]), dz), [dz.shape[1]]));
}

function checkShapes(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, who: string): void {
  const fmt = (t: tf.Tensor) => `[${t.shape.join(',')}]`;
  if (
    x.rank !== 2 ||
    w.rank !== 2 ||
    b.rank !== 1 ||
    x.shape[1] !== w.shape[0] ||
    w.shape[1] !== b.shape[0]
  ) {
    throw new Error(
      `${who}: expected x [B,in], w [in,out], b [out]; got x ${fmt(x)}, w ${fmt(w)}, b ${fmt(b)}`,
    );
  }
  if (x.dtype !== 'float32' || w.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new Error(`${who}: expected float32 tensors, got ${x.dtype}, ${w.dtype}, ${b.dtype}`);
  }
}

/**
 * Affine map followed by an activation, y = act(x·W + b): fused forward kernel and an
 * explicit-transpose, lazily evaluated backward pass (see the file comment).
 *
 * @param x input, shape [B, in], float32
 * @param w kernel, shape [in, out]
 * @param b bias, shape [out]
 * @param activation `'linear'`, `'relu'` or `'tanh'`
 * @returns y, shape [B, out]; differentiable with respect to x, w and b.
 * @throws Error on mismatched shapes, non-float32 inputs or an unknown activation.
 */
export function denseAct(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  activation: DenseActivation,
): tf.Tensor2D {
  checkShapes(x, w, b, 'denseAct');
  if (activation !== 'linear' && activation !== 'relu' && activation !== 'tanh') {
    throw new Error(`denseAct: unknown activation '${String(activation)}' (expected linear, relu or tanh)`);
  }
  return lazyGradOp(
    { x, w, b },
    (save) => {
      let y: tf.Tensor2D;
      if (activation === 'tanh') y = tf.tidy(() => tf.tanh(fusedForward(x, w, b, false)));
      else y = fusedForward(x, w, b, activation === 'relu');
      save(activation === 'linear' ? [x, w] : [x, w, y]);
      return y;
    },
    (dyIn, saved) => {
      const dy = dyIn as tf.Tensor2D;
      const [xs, ws, ys] = saved as tf.Tensor2D[];
      let dz: tf.Tensor2D;
      // relu'(z) = 1[z > 0] = 1[y > 0] = step(y); tanh'(z) = 1 − tanh(z)² = 1 − y².
      if (activation === 'relu') dz = tf.mul(dy, reluMask(ys));
      else if (activation === 'tanh') dz = tf.tidy(() => tf.mul(dy, tf.sub(1, tf.square(ys))));
      else dz = dy;
      return {
        x: () => matMulT(dz, ws, false, true),
        w: () => matMulT(xs, dz, true, false),
        b: () => biasGrad(dz),
      };
    },
  ) as tf.Tensor2D;
}

/**
 * Affine map y = x·W + b with a backward pass that stays on tfjs-wasm's fast matmul path.
 *
 * @param x input, shape [B, in], float32
 * @param w kernel, shape [in, out]
 * @param b bias, shape [out]
 * @returns y, shape [B, out]. Differentiable with respect to x, w and b:
 *   dx = dy·Wᵀ, dW = xᵀ·dy, db = Σ_batch dy.
 * @throws Error when the ranks or inner dimensions do not match or a tensor is not float32.
 */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  checkShapes(x, w, b, 'dense');
  return denseAct(x, w, b, 'linear');
}
