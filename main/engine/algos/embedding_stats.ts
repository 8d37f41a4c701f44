/**
 * Statistics of task embeddings p(z | t) (the skill embedding of Hausman et al. 2018,
 * algos/skill_embedding.ts) — diagonal Gaussians N(μ_t, diag σ_t²), or independent Bernoullis with
 * P(z_j = 1) = p_tj (the paper's didactic comparison): per-task entropy and the KL divergences between
 * tasks that the paper's Fig. 3 plots. Plain numbers, no tensors, so the workbench's reads use them too.
 */
import type { Metrics } from './types.ts';

/** The embedding's distribution family. */
export type EmbeddingDistribution = 'gaussian' | 'bernoulli';

/**
 * A task's embedding p_φ(z | t), [d] each: a Gaussian's mean and σ, or a Bernoulli's mean p (the
 * probability of z_j = 1) and its standard deviation √(p(1 − p)).
 */
export interface TaskEmbedding {
  mean: Float32Array;
  std: Float32Array;
}

/** H[Bernoulli(p)] summed over dims, nats. */
export function bernoulliEntropy(p: ArrayLike<number>): number {
  let h = 0;
  for (let j = 0; j < p.length; j++) h -= xlogy(p[j], p[j]) + xlogy(1 - p[j], 1 - p[j]);
  return h;
}

/** KL(Bernoulli(p) ‖ Bernoulli(q)) summed over dims, nats (q clamped to [1e-6, 1 − 1e-6]). */
export function bernoulliKl(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let kl = 0;
  for (let j = 0; j < p.length; j++) {
    const qj = Math.min(1 - 1e-6, Math.max(1e-6, q[j]));
    kl += xlogy(p[j], p[j] / qj) + xlogy(1 - p[j], (1 - p[j]) / (1 - qj));
  }
  return kl;
}

/** x·log y with 0·log 0 = 0. */
function xlogy(x: number, y: number): number {
  return x === 0 ? 0 : x * Math.log(y);
}

/** The entropy of a task embedding of `kind`, nats. */
export function embeddingEntropy(kind: EmbeddingDistribution, e: TaskEmbedding): number {
  return kind === 'bernoulli' ? bernoulliEntropy(e.mean) : gaussianEntropy(e.std);
}

/** KL(p ‖ q) of two task embeddings of `kind`, nats. */
export function embeddingKl(kind: EmbeddingDistribution, p: TaskEmbedding, q: TaskEmbedding): number {
  return kind === 'bernoulli' ? bernoulliKl(p.mean, q.mean) : gaussianKl(p, q);
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
 * different tasks, for Gaussians KL(N(μ_i, σ_i²) ‖ N(μ_j, σ_j²)) = Σ_d [log(σ_j/σ_i) + (σ_i² +
 * (μ_i − μ_j)²)/(2σ_j²) − ½], for Bernoullis Σ_d [p log(p/q) + (1 − p) log((1 − p)/(1 − q))].
 */
export function embeddingMetrics(
  embeddings: readonly TaskEmbedding[],
  kind: EmbeddingDistribution = 'gaussian',
): Metrics {
  const out: Metrics = {};
  embeddings.forEach((e, k) => {
    e.mean.forEach((v, j) => (out[`embedding_mean_t${k}_${j}`] = v));
    out[`embedding_std_t${k}`] = mean(e.std);
    out[`embedding_entropy_t${k}`] = embeddingEntropy(kind, e);
  });
  const kls: number[] = [];
  for (const [i, p] of embeddings.entries())
    for (const [j, q] of embeddings.entries()) if (i !== j) kls.push(embeddingKl(kind, p, q));
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
