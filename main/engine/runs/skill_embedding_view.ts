/**
 * What the workbench draws of a skill-embedding run (issue #11 §2): every task's embedding
 * p(z | t) = N(μ_t, diag σ_t²) (or a Bernoulli's p_t with spread √(p(1 − p))) from the run's latest checkpoint, in a 2-D view — z itself for d ≤ 2,
 * its first two principal components over the task means above 2 — with the KL divergences between
 * tasks (the paper's Fig. 3 measure). Reads only; no tensors.
 */
import { algoInfo } from '../algos/lookup.ts';
import { embeddingEntropy, embeddingKl } from '../algos/embedding_stats.ts';
import { armSkillFamilySpec } from '../sim/arm_skill_family.ts';
import { circleGoals, GoalTaskFamily } from '../sim/multi_goal_env.ts';
import { readRunCheckpoint } from './checkpoints.ts';
import { RunStoreError, type RunDir } from './store.ts';

/** Where the task embeddings are among a checkpoint's actor weights (skill_embedding.ts). */
const PREFIX = 'sac/actor/weights/aux/embedding/';

/** One task's embedding, in z and in the 2-D view. */
export interface TaskEmbeddingView {
  task: number;
  /** e.g. "any of (0.18, 0.18) (-0.18, -0.18)". */
  name: string;
  /** [d] μ_t. */
  mean: number[];
  /** [d] σ_t. */
  std: number[];
  /** Entropy H[p(z|t)], nats. */
  entropy: number;
  /** μ_t in the view's two coordinates. */
  x: number;
  y: number;
  /** σ along the view's axes: √(Σ_j P_ij² σ_j²), the projected covariance's diagonal. */
  sx: number;
  sy: number;
}

/** A skill-embedding run's task embeddings as the workbench draws them. */
export interface SkillEmbeddingView {
  runId: string;
  /** d. */
  latentDim: number;
  /** The view's axes: z's own for d ≤ 2; the task means' principal components above. */
  projection: { kind: 'direct' } | { kind: 'pca'; axes: number[][]; explained: number[] };
  tasks: TaskEmbeddingView[];
  /** [K][K] KL(p(z|i) ‖ p(z|j)), nats (0 on the diagonal). */
  kl: number[][];
  /** Checkpoint counters the embeddings come from. */
  iteration: number;
  envSteps: number;
}

/**
 * The view of a run's task embeddings from its latest readable checkpoint.
 * @throws RunStoreError for a run whose algorithm has no latent skills (naming it and what has), or
 *   one without a readable checkpoint; Error when the checkpoint lacks the embeddings.
 */
export async function skillEmbeddingView(run: RunDir): Promise<SkillEmbeddingView> {
  const config = run.readConfig();
  const latent = algoInfo(config.algo).latentSkills;
  if (!latent) throw new RunStoreError(`run ${run.id} is a ${config.algo} run; it has no task embeddings`);
  if (!run.hasCheckpoint()) throw new RunStoreError(`run ${run.id} has no checkpoint yet: nothing to draw`);
  const checkpoint = await readRunCheckpoint(run, config.algo, { select: (n) => n.startsWith(PREFIX) });
  const mean = checkpoint.arrays[`${PREFIX}mean`];
  const logStd = checkpoint.arrays[`${PREFIX}log_std`];
  if (!mean || !logStd || mean.shape.length !== 2)
    throw new Error(`${checkpoint.file}: no task embeddings (${PREFIX}mean, log_std)`);
  const [K, d] = mean.shape;
  const e = config.embedding;
  const taskNames =
    config.env === 'arm'
      ? armSkillFamilySpec(config.task ?? '').tasks.map((t) => t.name)
      : new GoalTaskFamily({ goals: circleGoals(e.regions, e.radius), subsets: e.tasks }).taskNames;
  const maxStd = e.embeddingMaxStd;
  const kind = e.distribution;
  // A Bernoulli's mean is p = σ(ℓ) of its logits ℓ (stored where a Gaussian keeps μ), its spread √(p(1 − p)).
  const rows = Array.from({ length: K }, (_, t) => {
    const param = Array.from(mean.data.subarray(t * d, (t + 1) * d));
    if (kind === 'bernoulli') {
      const p = param.map((l) => 1 / (1 + Math.exp(-l)));
      return { mean: p, std: p.map((v) => Math.sqrt(v * (1 - v))) };
    }
    return {
      mean: param,
      std: Array.from(logStd.data.subarray(t * d, (t + 1) * d), (v) =>
        Math.min(maxStd, Math.max(1e-3, Math.exp(v))),
      ),
    };
  });
  const asEmbedding = (r: { mean: number[]; std: number[] }) => ({
    mean: Float32Array.from(r.mean),
    std: Float32Array.from(r.std),
  });
  const projection = d <= 2 ? ({ kind: 'direct' } as const) : principalAxes(rows.map((r) => r.mean));
  const axes = projection.kind === 'direct' ? [0, 1].map((i) => unit(d, i)) : projection.axes;
  const counters = checkpoint.algoMeta as { iteration?: number; envSteps?: number };
  return {
    runId: run.id,
    latentDim: d,
    projection,
    tasks: rows.map((r, t) => ({
      task: t,
      name: taskNames[t] ?? `task ${t}`,
      ...r,
      entropy: embeddingEntropy(kind, asEmbedding(r)),
      x: dot(axes[0], r.mean),
      y: dot(axes[1], r.mean),
      sx: Math.sqrt(axes[0].reduce((s, p, j) => s + (p * r.std[j]) ** 2, 0)),
      sy: Math.sqrt(axes[1].reduce((s, p, j) => s + (p * r.std[j]) ** 2, 0)),
    })),
    kl: rows.map((p) => rows.map((q) => (p === q ? 0 : embeddingKl(kind, asEmbedding(p), asEmbedding(q))))),
    iteration: counters.iteration ?? 0,
    envSteps: counters.envSteps ?? 0,
  };
}

/** e_i in R^d (zeros for i ≥ d: a 1-D latent draws on a line). */
function unit(d: number, i: number): number[] {
  return Array.from({ length: d }, (_, j) => (j === i ? 1 : 0));
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, v, j) => s + v * b[j], 0);
}

/**
 * The two leading principal axes of points [n][d] (d > 2) and the share of variance each explains:
 * eigenvectors of the centred points' covariance by power iteration with deflation (d is small).
 * With fewer distinct points than axes, the remaining axis is any unit vector orthogonal to the first.
 */
export function principalAxes(points: readonly number[][]): {
  kind: 'pca';
  axes: number[][];
  explained: number[];
} {
  const n = points.length;
  const d = points[0].length;
  const centre = Array.from({ length: d }, (_, j) => points.reduce((s, p) => s + p[j], 0) / n);
  const cov = Array.from({ length: d }, (_, i) =>
    Array.from(
      { length: d },
      (_, j) => points.reduce((s, p) => s + (p[i] - centre[i]) * (p[j] - centre[j]), 0) / n,
    ),
  );
  const total = cov.reduce((s, row, i) => s + row[i], 0);
  const axes: number[][] = [];
  const explained: number[] = [];
  const work = cov.map((row) => [...row]);
  for (let k = 0; k < 2; k++) {
    // Start from a vector not orthogonal to typical data, orthogonal to the axes found.
    let v = Array.from({ length: d }, (_, j) => 1 + j * 0.1);
    for (let it = 0; it < 200; it++) {
      for (const a of axes) {
        const c = dot(a, v);
        v = v.map((x, j) => x - c * a[j]);
      }
      const w = work.map((row) => dot(row, v));
      const norm = Math.hypot(...w);
      if (norm < 1e-12) break;
      v = w.map((x) => x / norm);
    }
    for (const a of axes) {
      const c = dot(a, v);
      v = v.map((x, j) => x - c * a[j]);
    }
    let norm = Math.hypot(...v);
    if (norm < 1e-9) {
      v = unit(d, axes.length === 0 ? 0 : axes[0].findIndex((x) => Math.abs(x) < 0.9));
      for (const a of axes) {
        const c = dot(a, v);
        v = v.map((x, j) => x - c * a[j]);
      }
      norm = Math.hypot(...v);
    }
    v = v.map((x) => x / norm);
    const lambda = dot(
      v,
      work.map((row) => dot(row, v)),
    );
    axes.push(v);
    explained.push(total > 0 ? Math.max(0, lambda) / total : 0);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) work[i][j] -= lambda * v[i] * v[j];
  }
  return { kind: 'pca', axes, explained };
}
