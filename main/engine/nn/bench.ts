/**
 * Speed of one network update on the active compute backend, for `skill-lab bench`. Speed goals
 * are checked there, never in timed tests.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng.ts';
import { makeAdam } from './checkpoint.ts';
import { MLP } from './mlp.ts';

/** Options of {@link benchMlpUpdate}. */
export interface BenchMlpOptions {
  /** Hidden widths, e.g. [256, 256]. */
  hidden: number[];
  /** Minibatch size B. */
  batch: number;
  inputDim: number;
  outputDim: number;
  /** Timed updates (after 5 untimed warm-up updates). */
  iters: number;
}

/**
 * Times Adam updates of a ReLU MLP on a mean-squared-error regression of random data: forward,
 * backward and parameter update, synchronized by reading the loss back each step.
 *
 * @returns the median wall-clock milliseconds per update
 * @throws Error when iters < 1 or a dimension is not a positive integer.
 */
export async function benchMlpUpdate(opts: BenchMlpOptions): Promise<number> {
  const { hidden, batch, inputDim, outputDim, iters } = opts;
  if (!(Number.isInteger(iters) && iters >= 1))
    throw new Error(`benchMlpUpdate: iters must be ≥ 1, got ${iters}`);
  if (!(Number.isInteger(batch) && batch >= 1))
    throw new Error(`benchMlpUpdate: batch must be ≥ 1, got ${batch}`);
  await tf.ready();
  const rng = new Rng(12345);
  const net = new MLP({ name: 'bench', inputDim, hiddenSizes: hidden, outputDim, seed: 1 });
  const opt = makeAdam(3e-4);
  const x = tf.tensor2d(rng.fillNormal(new Float32Array(batch * inputDim)) as Float32Array, [
    batch,
    inputDim,
  ]);
  const y = tf.tensor2d(rng.fillNormal(new Float32Array(batch * outputDim)) as Float32Array, [
    batch,
    outputDim,
  ]);
  const times: number[] = [];
  try {
    for (let i = 0; i < iters + 5; i++) {
      const t0 = performance.now();
      const loss = opt.minimize(
        () => tf.mean(tf.squaredDifference(net.apply(x), y)) as tf.Scalar,
        true,
        net.variables,
      );
      loss?.dataSync();
      loss?.dispose();
      if (i >= 5) times.push(performance.now() - t0);
    }
  } finally {
    tf.dispose([x, y]);
    opt.dispose();
    net.dispose();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
