/**
 * Gradients of the tfjs kernels the engine differentiates through.
 *
 * Why this file exists: tfjs-core 4.22's Node entry (`dist/tf-core.node.js`) ships no kernel
 * gradients. The official ones live in `dist/gradients/*.js` as ES modules with extensionless
 * relative imports, which Node's ESM loader cannot resolve, and are only bundled by the
 * `@tensorflow/tfjs` union package, which this project does not depend on. Without them every
 * `tf.grad`, `optimizer.minimize` fails with "gradient function not found for <Kernel>".
 *
 * Each gradient below is derived from the kernel's definition (y = f(inputs), upstream dy):
 * elementwise derivatives, sums over broadcast axes, and the adjoint of each shape operation.
 * Registration fills only kernels that have no gradient yet; BatchMatMul's is always installed
 * because it picks the fast product for the active backend (see matmul.ts). When tfjs-node is
 * loaded later, the union package it brings registers the official set over these, which is
 * equally correct. `registerEngineGradients` is idempotent and runs on import of any nn module.
 *
 * Kernels left out (asking for their gradient fails loudly): Prod, StridedSlice, convolutions,
 * pooling, FusedBatchNorm, UnsortedSegmentSum, Tan and the inverse trigonometric functions
 * other than Atan.
 */
import * as tf from '@tensorflow/tfjs-core';
import { matMulT } from './matmul.ts';

type T = tf.Tensor;
type GradMap = Record<string, () => T>;

/** Sums `g` over the axes along which an input of `shape` was broadcast, back to `shape`. */
function unbroadcast(g: T, shape: number[]): T {
  const axes = tf.backend_util.getReductionAxes(shape, g.shape);
  const summed = axes.length > 0 ? tf.sum(g, axes) : g;
  return tf.reshape(summed, shape);
}

function zerosFor(x: T): T {
  return tf.zeros(x.shape, 'float32');
}

function asFloat(x: T): T {
  return x.dtype === 'float32' ? x : tf.cast(x, 'float32');
}

function mask(cond: T): T {
  return tf.cast(cond, 'float32');
}

/** The upstream gradient as one tensor (kernels with one output get it unwrapped). */
function single(dy: T | T[]): T {
  return Array.isArray(dy) ? dy[0] : dy;
}

/** All upstream gradients of a multi-output kernel. */
function many(dy: T | T[]): T[] {
  return Array.isArray(dy) ? dy : [dy];
}

function axesOf(axis: number | number[] | null | undefined, shape: number[]): number[] {
  return tf.util.parseAxisParam(axis ?? shape.map((_, i) => i), shape);
}

/** dy of a reduction, reshaped to keep the reduced axes as size 1 and broadcast to `shape`. */
function expandReduced(g: T, shape: number[], axes: number[]): T {
  // With keepDims the reduced axes are already there as size 1.
  const kept = g.rank === shape.length ? g.shape : tf.backend_util.expandShapeToKeepDim(g.shape, axes);
  return tf.broadcastTo(tf.reshape(g, kept), shape);
}

function unary(kernelName: string, save: 'x' | 'y' | 'none', d: (dy: T, v: T) => T): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: save === 'x' ? ['x'] : [],
    outputsToSave: save === 'y' ? [true] : [],
    gradFunc: (dy, saved) => ({ x: () => d(single(dy), saved[0]) }),
  };
}

/** Kernels whose output is piecewise constant (or not float) in their inputs. */
function zeroGrad(kernelName: string, inputNames: string[]): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: inputNames,
    gradFunc: (_dy, saved) =>
      Object.fromEntries(inputNames.map((n, i) => [n, () => zerosFor(saved[i])])) as GradMap,
  };
}

function binary(
  kernelName: string,
  da: (dy: T, a: T, b: T) => T,
  db: (dy: T, a: T, b: T) => T,
): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved;
      const g = single(dy);
      return { a: () => unbroadcast(da(g, a, b), a.shape), b: () => unbroadcast(db(g, a, b), b.shape) };
    },
  };
}

function batchMatMulGrad(): tf.GradConfig {
  return {
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dyIn, saved, attrs) => {
      const [a, b] = saved;
      const dy = single(dyIn);
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      // For y = op(a)·op(b): with neither transposed, da = dy·bᵀ and db = aᵀ·dy; the other three
      // cases follow by transposing both sides of those identities.
      const mm = (p: T, q: T, tp: boolean, tq: boolean): T =>
        p.rank === 2 && q.rank === 2
          ? matMulT(p as tf.Tensor2D, q as tf.Tensor2D, tp, tq)
          : tf.matMul(p as tf.Tensor3D, q as tf.Tensor3D, tp, tq);
      let da: () => T;
      let db: () => T;
      if (!transposeA && !transposeB) {
        da = () => mm(dy, b, false, true);
        db = () => mm(a, dy, true, false);
      } else if (!transposeA && transposeB) {
        da = () => mm(dy, b, false, false);
        db = () => mm(dy, a, true, false);
      } else if (transposeA && !transposeB) {
        da = () => mm(b, dy, false, true);
        db = () => mm(a, dy, false, false);
      } else {
        da = () => mm(b, dy, true, true);
        db = () => mm(dy, a, true, true);
      }
      return { a: () => unbroadcast(da(), a.shape), b: () => unbroadcast(db(), b.shape) };
    },
  };
}

function gatherGrad(): tf.GradConfig {
  return {
    kernelName: 'GatherV2',
    inputsToSave: ['x', 'indices'],
    gradFunc: (dyIn, saved, attrs) => {
      const [x, indices] = saved;
      const dy = single(dyIn);
      const { axis: axisAttr, batchDims } = attrs as unknown as { axis: number; batchDims: number };
      return {
        x: () => {
          const axis = axesOf(axisAttr, x.shape)[0];
          const bd = batchDims < 0 ? batchDims + indices.rank : batchDims;
          const prod = (s: number[]) => s.reduce((p, v) => p * v, 1);
          // y = x[b, o, idx[b, j], i] laid out as [B, O, J, I]; its adjoint scatters dy back with
          // dx[b, o, n, i] = Σ_j 1[idx[b,j] = n]·dy[b, o, j, i], a product with a one-hot matrix.
          const B = prod(x.shape.slice(0, bd));
          const O = prod(x.shape.slice(bd, axis));
          const N = x.shape[axis];
          const I = prod(x.shape.slice(axis + 1));
          const J = prod(indices.shape.slice(bd));
          // oneHot's own float32 option is broken on wasm 4.22 (it writes int32 bit patterns), so cast.
          const oneHot = tf.cast(
            tf.oneHot(tf.reshape(tf.cast(indices, 'int32'), [B, J]) as tf.Tensor2D, N),
            'float32',
          );
          const dyT = tf.reshape(tf.transpose(tf.reshape(dy, [B, O, J, I]), [0, 2, 1, 3]), [B, J, O * I]);
          const dxT =
            B === 1
              ? tf.reshape(
                  matMulT(
                    tf.reshape(oneHot, [J, N]) as tf.Tensor2D,
                    tf.reshape(dyT, [J, O * I]) as tf.Tensor2D,
                    true,
                  ),
                  [1, N, O * I],
                )
              : tf.matMul(oneHot as tf.Tensor3D, dyT as tf.Tensor3D, true, false);
          return tf.reshape(tf.transpose(tf.reshape(dxT, [B, N, O, I]), [0, 2, 1, 3]), x.shape);
        },
        indices: () => zerosFor(indices),
      };
    },
  };
}

function reductionGrad(kernelName: 'Sum' | 'Mean'): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const axes = axesOf((attrs as unknown as { axis: number | number[] }).axis, x.shape);
      return {
        x: () => {
          const g = expandReduced(single(dy), x.shape, axes);
          if (kernelName === 'Sum') return g;
          const count = axes.reduce((p, a) => p * x.shape[a], 1);
          return tf.div(g, count);
        },
      };
    },
  };
}

function extremumGrad(kernelName: 'Max' | 'Min', axisAttr: 'reductionIndices' | 'axis'): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, y] = saved;
      const axes = axesOf((attrs as unknown as Record<string, number | number[]>)[axisAttr], x.shape);
      return {
        x: () => {
          // Ties all receive the full gradient, as tfjs's own Max/Min gradients do.
          const yFull = expandReduced(y, x.shape, axes);
          return tf.mul(expandReduced(single(dy), x.shape, axes), mask(tf.equal(x, yFull)));
        },
      };
    },
  };
}

function sliceGrad(): tf.GradConfig {
  return {
    kernelName: 'Slice',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const { begin, size } = attrs as unknown as { begin: number | number[]; size: number | number[] };
      const [b, s] = tf.slice_util.parseSliceParams(x as tf.TensorInfo, begin, size);
      const paddings = x.shape.map((d, i) => [b[i], d - b[i] - s[i]] as [number, number]);
      return { x: () => tf.pad(single(dy), paddings) };
    },
  };
}

function concatGrad(): tf.GradConfig {
  return {
    kernelName: 'Concat',
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = axesOf((attrs as unknown as { axis: number }).axis, saved[0].shape)[0];
      const sizes = saved.map((t) => t.shape[axis]);
      const parts = sizes.length === 1 ? [single(dy)] : tf.split(single(dy), sizes, axis);
      return parts.map((p) => () => p) as unknown as GradMap;
    },
  };
}

function tileGrad(kernelName: 'Tile' | 'BroadcastTo'): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const g = single(dy);
      return {
        x: () => {
          // Left-pad the input shape to the output rank, view each output axis of length r·s as
          // [r, s] (copy index, position), and sum over the copies.
          const shape = [...Array(g.rank - x.rank).fill(1), ...x.shape];
          const split: number[] = [];
          const copyAxes: number[] = [];
          shape.forEach((s, i) => {
            copyAxes.push(split.length);
            split.push(g.shape[i] / s, s);
          });
          return tf.reshape(tf.sum(tf.reshape(g, split), copyAxes), x.shape);
        },
      };
    },
  };
}

/** Every gradient this module provides, keyed by kernel name. */
function allGradients(): tf.GradConfig[] {
  const sq = (t: T) => tf.mul(t, t);
  return [
    // Elementwise binary ops, with broadcasting undone by `binary`.
    binary(
      'Add',
      (g) => g,
      (g) => g,
    ),
    binary(
      'Sub',
      (g) => g,
      (g) => tf.neg(g),
    ),
    binary(
      'Multiply',
      (g, _a, b) => tf.mul(g, asFloat(b)),
      (g, a) => tf.mul(g, asFloat(a)),
    ),
    binary(
      'RealDiv',
      (g, _a, b) => tf.div(g, b),
      (g, a, b) => tf.neg(tf.div(tf.mul(g, a), sq(b))),
    ),
    binary(
      'SquaredDifference',
      (g, a, b) => tf.mul(g, tf.mul(2, tf.sub(a, b))),
      (g, a, b) => tf.mul(g, tf.mul(-2, tf.sub(a, b))),
    ),
    binary(
      'Maximum',
      (g, a, b) => tf.mul(g, mask(tf.greaterEqual(a, b))),
      (g, a, b) => tf.mul(g, mask(tf.less(a, b))),
    ),
    binary(
      'Minimum',
      (g, a, b) => tf.mul(g, mask(tf.lessEqual(a, b))),
      (g, a, b) => tf.mul(g, mask(tf.greater(a, b))),
    ),
    {
      kernelName: 'Pow',
      inputsToSave: ['a', 'b'],
      outputsToSave: [true],
      gradFunc: (dy, saved) => {
        const [a, b, y] = saved;
        const g = single(dy);
        // y = a^b: ∂y/∂a = b·a^(b−1); ∂y/∂b = y·ln a, taken as 0 where a ≤ 0 (ln undefined).
        return {
          a: () => unbroadcast(tf.mul(g, tf.mul(asFloat(b), tf.pow(a, tf.sub(asFloat(b), 1)))), a.shape),
          b: () => {
            const pos = tf.greater(a, 0);
            const lnA = tf.where(pos, tf.log(tf.where(pos, a, tf.onesLike(a))), tf.zerosLike(a));
            return unbroadcast(tf.mul(g, tf.mul(y, lnA)), b.shape);
          },
        };
      },
    },
    {
      kernelName: 'AddN',
      saveAllInputs: true,
      gradFunc: (dy, saved) => saved.map(() => () => tf.clone(single(dy))) as unknown as GradMap,
    },
    // Elementwise unary ops; v is the saved input x or output y as declared.
    unary('Neg', 'none', (g) => tf.neg(g)),
    unary('Identity', 'none', (g) => tf.clone(g)),
    unary('Square', 'x', (g, x) => tf.mul(g, tf.mul(2, x))),
    unary('Abs', 'x', (g, x) => tf.mul(g, tf.sign(x))),
    unary('Sqrt', 'y', (g, y) => tf.div(g, tf.mul(2, y))),
    unary('Rsqrt', 'y', (g, y) => tf.mul(g, tf.mul(-0.5, tf.mul(y, sq(y))))),
    unary('Reciprocal', 'x', (g, x) => tf.neg(tf.div(g, sq(x)))),
    unary('Exp', 'y', (g, y) => tf.mul(g, y)),
    unary('Expm1', 'y', (g, y) => tf.mul(g, tf.add(y, 1))),
    unary('Log', 'x', (g, x) => tf.div(g, x)),
    unary('Log1p', 'x', (g, x) => tf.div(g, tf.add(x, 1))),
    unary('Tanh', 'y', (g, y) => tf.mul(g, tf.sub(1, sq(y)))),
    unary('Sigmoid', 'y', (g, y) => tf.mul(g, tf.mul(y, tf.sub(1, y)))),
    unary('Softplus', 'x', (g, x) => tf.mul(g, tf.sigmoid(x))),
    // relu'(x) = step(x); Step is also far cheaper on wasm than Greater + Cast.
    unary('Relu', 'x', (g, x) => tf.mul(g, tf.step(x))),
    unary('Relu6', 'x', (g, x) => tf.mul(g, mask(tf.logicalAnd(tf.greater(x, 0), tf.less(x, 6))))),
    unary('Elu', 'y', (g, y) => tf.mul(g, tf.where(tf.greater(y, 0), tf.onesLike(y), tf.add(y, 1)))),
    unary('Selu', 'x', (g, x) => {
      // selu(x) = λx for x > 0, λα(eˣ − 1) otherwise (Klambauer et al. 2017, Eq. 2).
      const lambda = 1.0507009873554805;
      const alpha = 1.6732632423543772;
      return tf.mul(
        g,
        tf.where(tf.greater(x, 0), tf.fill(x.shape, lambda), tf.mul(lambda * alpha, tf.exp(x))),
      );
    }),
    unary('Erf', 'x', (g, x) => tf.mul(g, tf.mul(2 / Math.sqrt(Math.PI), tf.exp(tf.neg(sq(x)))))),
    unary('Sin', 'x', (g, x) => tf.mul(g, tf.cos(x))),
    unary('Cos', 'x', (g, x) => tf.neg(tf.mul(g, tf.sin(x)))),
    unary('Atan', 'x', (g, x) => tf.div(g, tf.add(1, sq(x)))),
    {
      kernelName: 'LeakyRelu',
      inputsToSave: ['x'],
      gradFunc: (dy, saved, attrs) => {
        const alpha = (attrs as unknown as { alpha: number }).alpha;
        const [x] = saved;
        return {
          x: () => tf.mul(single(dy), tf.where(tf.greater(x, 0), tf.onesLike(x), tf.fill(x.shape, alpha))),
        };
      },
    },
    {
      kernelName: 'Prelu',
      inputsToSave: ['x', 'alpha'],
      gradFunc: (dy, saved) => {
        const [x, alpha] = saved;
        const g = single(dy);
        const pos = tf.greater(x, 0);
        return {
          x: () => tf.mul(g, tf.where(pos, tf.onesLike(x), tf.broadcastTo(alpha, x.shape))),
          alpha: () => unbroadcast(tf.mul(g, tf.where(pos, tf.zerosLike(x), x)), alpha.shape),
        };
      },
    },
    {
      kernelName: 'ClipByValue',
      inputsToSave: ['x'],
      gradFunc: (dy, saved, attrs) => {
        const [x] = saved;
        const { clipValueMin, clipValueMax } = attrs as unknown as {
          clipValueMin: number;
          clipValueMax: number;
        };
        const inside = tf.logicalAnd(tf.greaterEqual(x, clipValueMin), tf.lessEqual(x, clipValueMax));
        return { x: () => tf.mul(single(dy), mask(inside)) };
      },
    },
    {
      kernelName: 'Cast',
      inputsToSave: ['x'],
      gradFunc: (dy, saved) => {
        const [x] = saved;
        return { x: () => (x.dtype === 'float32' ? tf.clone(single(dy)) : zerosFor(x)) };
      },
    },
    {
      kernelName: 'Select',
      inputsToSave: ['condition'],
      gradFunc: (dy, saved) => {
        const [cond] = saved;
        const g = single(dy);
        return {
          condition: () => zerosFor(cond),
          t: () => tf.where(cond, g, tf.zerosLike(g)),
          e: () => tf.where(cond, tf.zerosLike(g), g),
        };
      },
    },
    // Piecewise-constant or non-float outputs.
    ...[
      'Sign',
      'Round',
      'Floor',
      'Ceil',
      'Step',
      'IsNan',
      'IsInf',
      'IsFinite',
      'LogicalNot',
      'ZerosLike',
      'OnesLike',
    ].map((k) => zeroGrad(k, ['x'])),
    ...['ArgMax', 'ArgMin'].map((k) => zeroGrad(k, ['x'])),
    ...[
      'Greater',
      'GreaterEqual',
      'Less',
      'LessEqual',
      'Equal',
      'NotEqual',
      'LogicalAnd',
      'LogicalOr',
      'FloorDiv',
    ].map((k) => zeroGrad(k, ['a', 'b'])),
    zeroGrad('OneHot', ['indices']),
    // Reductions.
    reductionGrad('Sum'),
    reductionGrad('Mean'),
    extremumGrad('Max', 'reductionIndices'),
    extremumGrad('Min', 'axis'),
    {
      kernelName: 'Softmax',
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [y] = saved;
        const dim = axesOf((attrs as unknown as { dim: number }).dim, y.shape);
        const g = single(dy);
        // ∂softmax: dx = y ⊙ (dy − Σ_dim dy ⊙ y).
        return { logits: () => tf.mul(y, tf.sub(g, tf.sum(tf.mul(g, y), dim, true))) };
      },
    },
    {
      kernelName: 'Cumsum',
      gradFunc: (dy, _saved, attrs) => {
        const { axis, exclusive, reverse } = attrs as unknown as {
          axis: number;
          exclusive: boolean;
          reverse: boolean;
        };
        // The adjoint of a running sum is the running sum in the opposite direction.
        return { x: () => tf.cumsum(single(dy), axis, exclusive, !reverse) };
      },
    },
    // Products.
    batchMatMulGrad(),
    gatherGrad(),
    // Shape operations: each gradient is the adjoint data movement.
    {
      kernelName: 'Reshape',
      inputsToSave: ['x'],
      gradFunc: (dy, saved) => ({ x: () => tf.reshape(single(dy), saved[0].shape) }),
    },
    {
      kernelName: 'ExpandDims',
      inputsToSave: ['input'],
      gradFunc: (dy, saved) => ({ input: () => tf.reshape(single(dy), saved[0].shape) }),
    },
    {
      kernelName: 'Transpose',
      gradFunc: (dy, _saved, attrs) => {
        const perm = (attrs as unknown as { perm: number[] }).perm;
        const inverse = tf.backend_util.getUndoAxesPermutation(perm);
        return { x: () => tf.transpose(single(dy), inverse) };
      },
    },
    {
      kernelName: 'Pack',
      saveAllInputs: true,
      gradFunc: (dy, saved, attrs) => {
        const axis = (attrs as unknown as { axis: number }).axis;
        const parts = tf.unstack(single(dy), axis);
        return saved.map((_, i) => () => parts[i]) as unknown as GradMap;
      },
    },
    {
      kernelName: 'Unpack',
      gradFunc: (dy, _saved, attrs) => {
        const axis = (attrs as unknown as { axis: number }).axis;
        return { value: () => tf.stack(many(dy), axis) };
      },
    },
    {
      kernelName: 'SplitV',
      gradFunc: (dy, _saved, attrs) => {
        const axis = (attrs as unknown as { axis: number }).axis;
        return { x: () => tf.concat(many(dy), axis) };
      },
    },
    concatGrad(),
    sliceGrad(),
    {
      kernelName: 'PadV2',
      inputsToSave: ['x'],
      gradFunc: (dy, saved, attrs) => {
        const [x] = saved;
        const paddings = (attrs as unknown as { paddings: Array<[number, number]> }).paddings;
        return {
          x: () =>
            tf.slice(
              single(dy),
              paddings.map((p) => p[0]),
              x.shape,
            ),
        };
      },
    },
    {
      kernelName: 'Reverse',
      gradFunc: (dy, _saved, attrs) => {
        const dims = (attrs as unknown as { dims: number | number[] }).dims;
        return { x: () => tf.reverse(single(dy), dims) };
      },
    },
    tileGrad('Tile'),
    tileGrad('BroadcastTo'),
  ];
}

/** Kernels whose gradient here replaces whatever is registered (see the file comment). */
const ALWAYS_OURS = new Set(['BatchMatMul']);

let registered = false;

/**
 * Registers the gradients above into tfjs-core's global gradient registry. Idempotent; a kernel
 * that already has a gradient keeps it unless listed in ALWAYS_OURS.
 *
 * @returns the kernel names that received a gradient from this module.
 */
export function registerEngineGradients(): string[] {
  const installed: string[] = [];
  if (registered) return installed;
  registered = true;
  for (const config of allGradients()) {
    if (tf.getGradient(config.kernelName) != null && !ALWAYS_OURS.has(config.kernelName)) continue;
    tf.registerGradient(config);
    installed.push(config.kernelName);
  }
  return installed;
}

/** Kernel names this module can differentiate (for diagnostics and tests). */
export function engineGradientKernels(): string[] {
  return allGradients().map((c) => c.kernelName);
}

registerEngineGradients();
