/**
 * A trained SAC actor, frozen: the tanh-squashed Gaussian policy π(a | s, c) of Haarnoja et al. 2018
 * (arXiv 1812.05905, App. C) over a {@link PolicyInput} (the observation without hidden coordinates,
 * then the conditioning vector c: a skill z, or nothing). Built from a checkpoint's actor weights
 * (`sac/actor/weights/policy/…`, SacLearner.saveState) with no optimizer, critics or replay buffer,
 * for whatever uses a finished run's skills: planning with DADS's skill dynamics, a meta-controller
 * over skills. Nothing here changes a weight.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assignArrays, type NamedArrays } from '../nn/checkpoint.ts';
import { LOG_STD_MAX, LOG_STD_MIN, tanhGaussian } from '../nn/distributions.ts';
import { MLP } from '../nn/mlp.ts';
import type { Rng } from '../rng.ts';
import type { PolicyInput } from './skills.ts';
import { namedParams, underPrefix } from './state.ts';

/** How a frozen policy turns its distribution into actions. */
export type ActionMode = 'mean' | 'sample';

/** Where SacLearner.saveState('sac') keeps the actor's weights in a checkpoint. */
export const ACTOR_WEIGHTS_PREFIX = 'sac/actor/weights';

/** See the file comment. */
export class FrozenPolicy {
  private constructor(
    readonly net: MLP,
    readonly input: PolicyInput,
    readonly actDim: number,
    /** Whether dispose() frees the network (false for a view of a live learner's policy). */
    private readonly owned: boolean,
  ) {}

  /**
   * A frozen view of a live learner's policy network (`SacLearner.policy`, output [B, 2·actDim]:
   * mean then log-std); the network stays the learner's and is not disposed with the view.
   */
  static over(net: MLP, input: PolicyInput, actDim: number): FrozenPolicy {
    return new FrozenPolicy(net, input, actDim, false);
  }

  /**
   * The actor of a checkpoint.
   * @param arrays the checkpoint's arrays (at least those under {@link ACTOR_WEIGHTS_PREFIX})
   * @param hidden the run's `sac.hidden`
   * @param context names the file in errors
   * @throws Error naming `context` and the parameter when a weight is missing or mis-shaped.
   */
  static fromArrays(
    arrays: NamedArrays,
    input: PolicyInput,
    actDim: number,
    hidden: readonly number[],
    context: string,
  ): FrozenPolicy {
    const net = new MLP({
      name: 'policy',
      inputDim: input.dim,
      hiddenSizes: [...hidden],
      outputDim: 2 * actDim,
      seed: 0,
    });
    try {
      assignArrays(namedParams(net), underPrefix(ACTOR_WEIGHTS_PREFIX, arrays), `${context}: SAC policy`);
    } catch (err) {
      net.dispose();
      throw err;
    }
    return new FrozenPolicy(net, input, actDim, true);
  }

  /**
   * Actions for B rows: obs [B, obsDim], c [B, input.skillDim] → [B, actDim] in [-1, 1].
   * 'mean' gives tanh(μ) (what `skill-lab eval` rolls out); 'sample' draws a ~ π with standard
   * normal noise from `rng` (required then).
   * @throws Error for 'sample' without a generator.
   */
  act(obs: Float32Array, c: Float32Array, mode: ActionMode = 'mean', rng?: Rng): Float32Array {
    const x = this.input.build(obs, c);
    const B = x.length / this.input.dim;
    const a = this.actDim;
    if (mode === 'sample' && !rng) throw new Error("FrozenPolicy.act: 'sample' needs a random generator");
    const eps = mode === 'sample' ? (rng!.fillNormal(new Float32Array(B * a)) as Float32Array) : null;
    return tf.tidy(() => {
      const out = this.net.apply(tf.tensor2d(x, [B, this.input.dim]));
      const mean = tf.slice(out, [0, 0], [-1, a]) as tf.Tensor2D;
      if (!eps) return tf.tanh(mean).dataSync() as Float32Array;
      const logStd = tf.slice(out, [0, a], [-1, a]) as tf.Tensor2D;
      return tanhGaussian(mean, logStd, tf.tensor2d(eps, [B, a])).action.dataSync() as Float32Array;
    });
  }

  /**
   * The Gaussian before the tanh for B rows: obs [B, obsDim], c [B, input.skillDim] → mean μ and
   * log σ (clipped to [LOG_STD_MIN, LOG_STD_MAX] as {@link tanhGaussian} clips it), each [B, actDim].
   * tanh is a bijection, so divergences between two such policies equal those of their Gaussians.
   */
  distribution(obs: Float32Array, c: Float32Array): { mean: Float32Array; logStd: Float32Array } {
    const x = this.input.build(obs, c);
    const B = x.length / this.input.dim;
    const a = this.actDim;
    const [mean, logStd] = tf.tidy(() => {
      const out = this.net.apply(tf.tensor2d(x, [B, this.input.dim]));
      return [
        tf.slice(out, [0, 0], [-1, a]),
        tf.clipByValue(tf.slice(out, [0, a], [-1, a]), LOG_STD_MIN, LOG_STD_MAX),
      ];
    });
    const result = { mean: mean.dataSync() as Float32Array, logStd: logStd.dataSync() as Float32Array };
    tf.dispose([mean, logStd]);
    return result;
  }

  dispose(): void {
    if (this.owned) this.net.dispose();
  }
}
