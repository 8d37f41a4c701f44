/**
 * Corrections for kernels of @tensorflow/tfjs-backend-wasm 4.22 that return wrong numbers
 * without an error. Found by comparing wasm against the cpu reference backend
 * (native/wasm_fixes.test.ts); tfjs has had no release since 4.22, so they are fixed here by
 * wrapping the registered kernels.
 *
 * - OneHot with a dtype other than int32 writes int32 bit patterns into the output, so
 *   `tf.oneHot(i, n, 1, 0, 'float32')` yields 1.4e-45 instead of 1.
 * - GatherV2 with batchDims > 0 (`tf.gather(x, i, axis, batchDims)`) mixes up rows.
 *
 * And one that is right but slow: Slice copies its whole input out of the wasm heap before taking
 * the slice (`readSync`), so cutting a flat vector of P values into N parts copies N·P values
 * (7.7 ms for the 12 parts of two 2×512 critics, against 0.3 ms for the parts themselves). A
 * contiguous slice is now one copy of the slice from a view of the heap.
 *
 * And BatchMatMul with a batch dimension, which the backend runs as a plain loop instead of its
 * XNNPACK product (2 × [256,256]·[256,256]: 31.6 ms batched against 2.4 ms as two products): a batched
 * product of rank-3 operands is now one XNNPACK product per batch entry (transposed operands
 * materialized first, as matmul.ts does for 2-D ones), written into one output.
 */
import * as tf from '@tensorflow/tfjs-core';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The parts of the wasm backend object these fixes use. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
  disposeData(dataId: tf.DataId): boolean;
}

function wrap(
  kernelName: string,
  fix: (args: KernelArgs, original: tf.KernelFunc) => tf.TensorInfo | tf.TensorInfo[],
): void {
  const config = tf.getKernel(kernelName, 'wasm');
  if (!config) return;
  const original = config.kernelFunc;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...config, kernelFunc: (args) => fix(args, original) });
}

let patched = false;

/**
 * Installs the corrections above. Idempotent; a no-op when the wasm backend's kernels are not
 * registered.
 *
 * @returns the kernel names wrapped on this call (empty when already patched)
 */
export function patchWasmKernels(): string[] {
  if (patched) return [];
  patched = true;
  const done: string[] = [];

  if (tf.getKernel('OneHot', 'wasm')) {
    wrap('OneHot', (args, original) => {
      const dtype = (args.attrs as { dtype?: tf.DataType }).dtype ?? 'int32';
      if (dtype === 'int32') return original(args);
      const backend = args.backend as unknown as WasmBackendLike;
      const asInt = original({ ...args, attrs: { ...args.attrs, dtype: 'int32' } }) as tf.TensorInfo;
      const out = backend.makeOutput(asInt.shape, dtype);
      backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(asInt));
      backend.disposeData(asInt.dataId);
      return out;
    });
    done.push('OneHot');
  }

  if (tf.getKernel('GatherV2', 'wasm')) {
    wrap('GatherV2', (args, original) => {
      const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
      const attrs = args.attrs as { axis: number; batchDims: number };
      const batchDims = attrs.batchDims < 0 ? attrs.batchDims + indices.shape.length : attrs.batchDims;
      if (!batchDims) return original(args);
      // out[b, o, j, s] = x[b, o, idx[b, j], s] on the flattened views, in plain JS: the batched
      // form is rare and small (per-sample selections), so clarity beats speed here.
      const backend = args.backend as unknown as WasmBackendLike;
      const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
      const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
        x as tf.Tensor,
        indices as tf.Tensor,
        axis,
        batchDims,
      );
      const { batchSize, outerSize, dimSize, sliceSize, outputShape } = info;
      const xv = backend.readSync(x.dataId) as tf.TypedArray;
      const iv = backend.readSync(indices.dataId) as tf.TypedArray;
      const perBatch = iv.length / batchSize;
      const out = backend.makeOutput(outputShape, x.dtype);
      const ov = backend.typedArrayFromHeap(out);
      for (let b = 0; b < batchSize; b++) {
        for (let j = 0; j < perBatch; j++) {
          const k = iv[b * perBatch + j];
          if (!(k >= 0 && k < dimSize)) {
            backend.disposeData(out.dataId);
            throw new Error(`GatherV2: the index value ${k} is not in [0, ${dimSize - 1}]`);
          }
          for (let o = 0; o < outerSize; o++) {
            const src = ((b * outerSize + o) * dimSize + k) * sliceSize;
            const dst = ((b * outerSize + o) * perBatch + j) * sliceSize;
            for (let s = 0; s < sliceSize; s++) ov[dst + s] = xv[src + s];
          }
        }
      }
      return out;
    });
    done.push('GatherV2');
  }
  if (tf.getKernel('Slice', 'wasm')) {
    wrap('Slice', (args, original) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
      const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
      if (x.dtype === 'string' || !tf.slice_util.isSliceContinous(x.shape, b, s)) return original(args);
      const backend = args.backend as unknown as WasmBackendLike;
      const offset = tf.slice_util.computeFlatOffset(b, tf.util.computeStrides(x.shape));
      const out = backend.makeOutput(s, x.dtype);
      // The input's view is taken after makeOutput: an allocation may grow (and move) the heap.
      const xv = backend.typedArrayFromHeap(x);
      backend.typedArrayFromHeap(out).set(xv.subarray(offset, offset + tf.util.sizeFromShape(s)));
      return out;
    });
    done.push('Slice');
    // SplitV slices through the module's own Slice, not the registered one: route it through ours.
    if (tf.getKernel('SplitV', 'wasm')) {
      wrap('SplitV', (args) => {
        const { x } = args.inputs as { x: tf.TensorInfo };
        const attrs = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
        const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
        const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits, axis);
        const slice = tf.getKernel('Slice', 'wasm')!.kernelFunc;
        const begin = new Array<number>(x.shape.length).fill(0);
        return sizes.map((n) => {
          const size = [...x.shape];
          size[axis] = n;
          const part = slice({ ...args, inputs: { x }, attrs: { begin: [...begin], size } }) as tf.TensorInfo;
          begin[axis] += n;
          return part;
        });
      });
      done.push('SplitV');
    }
  }
  if (tf.getKernel('BatchMatMul', 'wasm') && tf.getKernel('Transpose', 'wasm')) {
    wrap('BatchMatMul', (args, original) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as {
        transposeA: boolean;
        transposeB: boolean;
      };
      const batch = Math.max(a.shape[0], b.shape[0]);
      const fits = (x: tf.TensorInfo) =>
        x.shape.length === 3 && x.dtype === 'float32' && (x.shape[0] === batch || x.shape[0] === 1);
      if (batch <= 1 || !fits(a) || !fits(b)) return original(args);
      const backend = args.backend as unknown as WasmBackendLike;
      const slice = tf.getKernel('Slice', 'wasm')!.kernelFunc;
      const transpose = tf.getKernel('Transpose', 'wasm')!.kernelFunc;
      const call = (f: tf.KernelFunc, inputs: Record<string, tf.TensorInfo>, attrs: object) =>
        f({ ...args, inputs, attrs } as KernelArgs) as tf.TensorInfo;
      /** Batch entry i of x as [1, rows, cols] un-transposed (broadcast when x has one entry). */
      const entry = (x: tf.TensorInfo, i: number, transposed: boolean): tf.TensorInfo => {
        const part = call(
          slice,
          { x },
          { begin: [Math.min(i, x.shape[0] - 1), 0, 0], size: [1, x.shape[1], x.shape[2]] },
        );
        if (!transposed) return part;
        const t = call(transpose, { x: part }, { perm: [0, 2, 1] });
        backend.disposeData(part.dataId);
        return t;
      };
      const m = transposeA ? a.shape[2] : a.shape[1];
      const n = transposeB ? b.shape[1] : b.shape[2];
      const out = backend.makeOutput([batch, m, n], 'float32');
      for (let i = 0; i < batch; i++) {
        const ai = entry(a, i, transposeA);
        const bi = entry(b, i, transposeB);
        const yi = call(original, { a: ai, b: bi }, { ...args.attrs, transposeA: false, transposeB: false });
        // Views are taken after the allocations above: an allocation may grow (and move) the heap.
        backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(yi), i * m * n);
        for (const t of [ai, bi, yi]) backend.disposeData(t.dataId);
      }
      return out;
    });
    done.push('BatchMatMul');
  }
  return done;
}
