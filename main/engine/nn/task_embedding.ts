/**
 * An MLP whose input carries a task as a one-hot block that is first mapped through a learned task
 * embedding: x = [x_pre, onehot(t), x_post] → [x_pre, E[t], x_post] → MLP, with E ∈ R^{K×d} trained
 * with the network's own loss. The policy π(a | s, e_t) and critics Q(s, a, e_t) of multi-task SAC
 * each own one (cf. the task embedding of Hausman et al. 2018, "Learning an Embedding Space for
 * Transferable Robot Skills", and garage's task-embedding policy, reference/relabeling_and_multitask.md
 * §3; here a deterministic lookup, not their Gaussian encoder).
 *
 * A one-hot block fed straight into the first layer already gives every task its own first-layer
 * offset (a K×h matrix); the embedding factors that matrix through d dimensions, so tasks share
 * structure when d < K and a new task is a point in a small space.
 *
 * It is an {@link MLP} (SacLearner builds its networks through a factory), with the embedding among
 * `variables`, so optimizers, target copies, Polyak averaging, checkpoints and dispose cover it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng.ts';
import { denseAct } from './dense.ts';
import { MLP, type MLPOptions } from './mlp.ts';

/** Where the one-hot block sits in the input row, and the embedding's size. */
export interface TaskEmbeddingOptions {
  /** Column of the first one-hot entry. */
  from: number;
  /** K: width of the one-hot block. */
  numTasks: number;
  /** d: embedding dimension. */
  dim: number;
}

let instanceCounter = 0;

/** See the file comment. */
export class TaskEmbeddingMLP extends MLP {
  /** Width of the input rows this network takes (with the one-hot block). */
  readonly rowDim: number;
  readonly embeddingOptions: Readonly<TaskEmbeddingOptions>;
  /** E, [K, d]; its logical name is `${name}/task_embedding`. */
  readonly embedding: tf.Variable;
  /** The MLP's kernels and biases, in layer order (without the embedding). */
  private readonly trunk: tf.Variable[];

  /**
   * @param opts the MLP's options, `inputDim` being the full row width (one-hot block included)
   * @param emb the one-hot block's position and the embedding dimension
   * @throws Error when the block does not fit the row or a size is not a positive integer.
   */
  constructor(opts: MLPOptions, emb: TaskEmbeddingOptions) {
    const { from, numTasks, dim } = emb;
    if (![numTasks, dim].every((v) => Number.isInteger(v) && v > 0) || !Number.isInteger(from) || from < 0)
      throw new Error(`task embedding '${opts.name}': from ≥ 0, numTasks and dim > 0 must be integers`);
    if (from + numTasks > opts.inputDim)
      throw new Error(
        `task embedding '${opts.name}': one-hot columns ${from} … ${from + numTasks - 1} exceed the input width ${opts.inputDim}`,
      );
    super({ ...opts, inputDim: opts.inputDim - numTasks + dim });
    this.rowDim = opts.inputDim;
    this.embeddingOptions = Object.freeze({ ...emb });
    this.trunk = [...this.variables];
    // Unit-variance uniform entries: an embedding has the scale of the normalized inputs beside it.
    const rng = new Rng(opts.seed ^ 0x5bd1e995);
    const values = new Float32Array(numTasks * dim);
    rng.fillUniform(values, -Math.sqrt(3), Math.sqrt(3));
    const init = tf.tensor2d(values, [numTasks, dim]);
    this.embedding = tf.variable(init, true, `${opts.name}/task_embedding#te${++instanceCounter}`);
    init.dispose();
    this.variables.push(this.embedding);
  }

  override paramNames(): string[] {
    return [...super.paramNames(), `${this.name}/task_embedding`];
  }

  override namedVariables(): Record<string, tf.Variable> {
    return { ...super.namedVariables(), [`${this.name}/task_embedding`]: this.embedding };
  }

  /**
   * @param x [B, rowDim]: the one-hot block may hold any weights (a mixture of tasks embeds as the
   *   mixture of their embeddings)
   * @returns [B, outputDim]
   * @throws Error on a wrong input width or after dispose.
   */
  override apply(x: tf.Tensor2D): tf.Tensor2D {
    if (this.embedding.isDisposed) throw new Error(`MLP '${this.name}' was disposed`);
    if (x.rank !== 2 || x.shape[1] !== this.rowDim)
      throw new Error(`MLP '${this.name}': expected input [B, ${this.rowDim}], got [${x.shape.join(', ')}]`);
    const { from, numTasks } = this.embeddingOptions;
    return tf.tidy(() => {
      const B = x.shape[0];
      const post = this.rowDim - from - numTasks;
      const parts: tf.Tensor2D[] = [];
      if (from > 0) parts.push(tf.slice(x, [0, 0], [B, from]));
      parts.push(tf.matMul(tf.slice(x, [0, from], [B, numTasks]), this.embedding as tf.Tensor2D));
      if (post > 0) parts.push(tf.slice(x, [0, from + numTasks], [B, post]));
      let h = parts.length === 1 ? parts[0] : tf.concat(parts, 1);
      const layers = this.trunk.length / 2;
      for (let l = 0; l < layers; l++) {
        const act = l + 1 === layers ? 'linear' : this.activation;
        h = denseAct(h, this.trunk[2 * l] as tf.Tensor2D, this.trunk[2 * l + 1] as tf.Tensor1D, act);
      }
      return h;
    });
  }
}
