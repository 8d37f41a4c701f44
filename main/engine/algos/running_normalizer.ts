/**
 * Input normalization by running statistics, as goal-conditioned and multi-task SAC apply it to
 * observations and goals before they enter the networks (baselines HER `her/normalizer.py`).
 */

/** JSON-able state of a {@link RunningNormalizer}: float64 sums as numbers (exact through JSON). */
export interface NormalizerState {
  sum: number[];
  sumSq: number[];
  n: number;
}

/**
 * Running mean and standard deviation of vectors, for input normalization
 * (baselines `her/normalizer.py`): mean = Σx/n, std = √max(ε², Σx²/n − mean²), output
 * clip((x − mean)/std, ±clip). Sums are float64 so the statistics are reproducible and can be
 * checkpointed exactly (as JSON numbers).
 */
export class RunningNormalizer {
  private sum: Float64Array;
  private sumSq: Float64Array;
  private n = 0;
  private readonly mean: Float32Array;
  private readonly invStd: Float32Array;

  /** @param dim vector length; @param eps ε of the std; @param clip bound of the output */
  constructor(
    readonly dim: number,
    readonly eps: number,
    readonly clip: number,
  ) {
    this.sum = new Float64Array(dim);
    this.sumSq = new Float64Array(dim);
    this.mean = new Float32Array(dim);
    this.invStd = new Float32Array(dim).fill(1);
  }

  /** Adds the rows of `x` [rows, dim] to the statistics and recomputes mean and std. */
  update(x: ArrayLike<number>): void {
    const d = this.dim;
    const rows = d === 0 ? 0 : x.length / d;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < d; i++) {
        const v = x[r * d + i];
        this.sum[i] += v;
        this.sumSq[i] += v * v;
      }
    }
    this.n += rows;
    this.recompute();
  }

  private recompute(): void {
    if (this.n === 0) return;
    for (let i = 0; i < this.dim; i++) {
      const m = this.sum[i] / this.n;
      const variance = this.sumSq[i] / this.n - m * m;
      this.mean[i] = m;
      this.invStd[i] = 1 / Math.sqrt(Math.max(this.eps * this.eps, variance));
    }
  }

  /**
   * Writes the normalized rows of `x` [rows, dim] into `out` [rows, width] at column `col`, so that
   * observation and goal land side by side in one input row.
   */
  normalizeInto(x: Float32Array, out: Float32Array, width: number, col: number): void {
    const d = this.dim;
    const rows = d === 0 ? 0 : x.length / d;
    const c = this.clip;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < d; i++) {
        const v = (x[r * d + i] - this.mean[i]) * this.invStd[i];
        out[r * width + col + i] = v > c ? c : v < -c ? -c : v;
      }
    }
  }

  /** JSON-able state (float64 sums as numbers, exact through JSON). */
  getState(): NormalizerState {
    return { sum: [...this.sum], sumSq: [...this.sumSq], n: this.n };
  }

  /** @throws Error when the state's length differs from dim. */
  setState(s: NormalizerState): void {
    if (s?.sum?.length !== this.dim || s.sumSq?.length !== this.dim)
      throw new Error(`normalizer state has the wrong length (expected ${this.dim})`);
    this.sum = Float64Array.from(s.sum);
    this.sumSq = Float64Array.from(s.sumSq);
    this.n = s.n;
    this.mean.fill(0);
    this.invStd.fill(1);
    this.recompute();
  }
}
