/**
 * `skill-lab native [--gpu] [--force]`: builds the native TensorFlow backend from the official
 * TensorFlow wheel (native/tensorflow_build.ts) and says what it built, where, and what now uses it.
 */
import { relative } from 'node:path';
import { buildNative, type NativeVariant } from '../../native/tensorflow_build.ts';
import { NATIVE_MIN_WIDTH } from '../../native/backend.ts';

/** Options of {@link nativeCommand}. */
export interface NativeCommandOptions {
  gpu: boolean;
  force: boolean;
}

/** @throws NativeBuildError naming the step that failed and what to do about it */
export async function nativeCommand(opts: NativeCommandOptions): Promise<void> {
  const variant: NativeVariant = opts.gpu ? 'gpu' : 'cpu';
  const t0 = performance.now();
  const r = await buildNative({ variant, force: opts.force });
  const where = relative(process.cwd(), r.dir) || r.dir;
  const took = ((performance.now() - t0) / 1000).toFixed(0);
  const backend = variant === 'gpu' ? 'tfjs-node-gpu' : 'tfjs-node';
  if (r.built) console.log(`built TensorFlow ${r.manifest.tensorflow} (${variant}) in ${where} in ${took} s`);
  console.log(
    `runs with networks of ${NATIVE_MIN_WIDTH} units or more, and skill-lab bench, now use it ` +
      `(${backend}, TensorFlow on the ${r.device}) ahead of wasm; smaller networks stay on wasm, ` +
      `faster there; SKILL_LAB_BACKEND=${backend} or =wasm forces either`,
  );
  if (variant === 'gpu' && r.device !== 'gpu')
    console.log(
      'note: TensorFlow found no usable GPU (driver, CUDA 12 libraries?); this build runs on the CPU until it does',
    );
}
