/**
 * Statistics of task embeddings p(z | t) = N(μ_t, diag σ_t²) (the skill embedding of Hausman et al.
 * 2018, algos/skill_embedding.ts): per-task entropy and the KL divergences between tasks that the
 * paper's Fig. 3 plots. Plain numbers, no tensors, so the workbench's reads use them too.
 */
import type { Metrics } from './types.ts';

/** A task's embedding p_φ(z | t): mean and σ, [d] each. */
export interface TaskEmbedding {
  mean: Float32Array;
  std: Float32Array;
}

/** 0.5·log(2πe): a unit Gaussian's entropy per dimension, nats. */
const HALF_LOG_2PI_E = 0.5 * Math.log(2 * Math.PI * Math.E);

/** H[N(μ, diag σ²)] = Σ_j (log σ_j + ½ log 2πe), nats. */
export function gaussianEntropy(std: ArrayLike<number>): number {
  let h = 0;
  for (let j = 0; j < std.length; j++) h += Math.log(std[j]) + HALF_LOG_2PI_E;
  return h;
}

/**
 * Per-task embedding diagnostics: embedding_mean_t<k>_<j>, embedding_std_t<k> (mean σ over dims),
 * embedding_entropy_t<k> (nats), and embedding_kl_mean / embedding_kl_min over ordered pairs of
 * different tasks, KL(N(μ_i, σ_i²) ‖ N(μ_j, σ_j²)) = Σ_d [log(σ_j/σ_i) + (σ_i² + (μ_i − μ_j)²)/(2σ_j²) − ½].
 */
export function embeddingMetrics(embeddings: readonly TaskEmbedding[]): Metrics {
  const out: Metrics = {};
  embeddings.forEach((e, k) => {
    e.mean.forEach((v, j) => (out[`embedding_mean_t${k}_${j}`] = v));
    out[`embedding_std_t${k}`] = mean(e.std);
    out[`embedding_entropy_t${k}`] = gaussianEntropy(e.std);
  });
  const kls: number[] = [];
  for (const [i, p] of embeddings.entries())
    for (const [j, q] of embeddings.entries()) if (i !== j) kls.push(gaussianKl(p, q));
  if (kls.length > 0) {
    out.embedding_kl_mean = mean(kls);
    out.embedding_kl_min = Math.min(...kls);
  }
  return out;
}

/** KL(p ‖ q) of two diagonal Gaussians, nats. */
export function gaussianKl(p: TaskEmbedding, q: TaskEmbedding): number {
  let kl = 0;
  for (let j = 0; j < p.mean.length; j++) {
    const [si, sj] = [p.std[j], q.std[j]];
    kl += Math.log(sj / si) + (si * si + (p.mean[j] - q.mean[j]) ** 2) / (2 * sj * sj) - 0.5;
  }
  return kl;
}

/** Arithmetic mean; 0 for no values. */
export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length === 0 ? 0 : s / values.length;
}
