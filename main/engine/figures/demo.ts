/**
 * Synthetic runs that look like real skill-discovery output (skills fanning out in spirals, rising noisy
 * learning curves), for tests and for checking the figure's look without training anything.
 */
import { Rng } from '../rng.ts';
import type { FigureRun } from './compare.ts';

/** Shape of the synthetic data. */
export interface DemoOptions {
  labels?: string[];
  seeds?: number[];
  skills?: number;
  rollouts?: number;
  /** Steps per evaluation trace. */
  steps?: number;
  /** Rows of metrics per run. */
  rows?: number;
  env?: string;
}

/**
 * Runs for every (label, seed): skill k spirals out from the origin toward angle 2πk/K (to ~0.8 m by the
 * end), each rollout slightly perturbed; metrics rise with noise. Deterministic for given options.
 */
export function demoRuns(o: DemoOptions = {}): FigureRun[] {
  const labels = o.labels ?? ['DIAYN', 'DADS'];
  const seeds = o.seeds ?? [0, 1];
  const K = o.skills ?? 4;
  const R = o.rollouts ?? 3;
  const T = o.steps ?? 100;
  const rows = o.rows ?? 60;
  const out: FigureRun[] = [];
  labels.forEach((label, li) => {
    for (const seed of seeds) {
      const rng = new Rng(1000 * li + seed);
      const traces: FigureRun['traces'] = [];
      for (let k = 0; k < K; k++) {
        for (let r = 0; r < R; r++) {
          const theta0 = (2 * Math.PI * k) / K + 0.15 * rng.normal();
          const curl = (li % 2 === 0 ? 1.6 : -1.0) + 0.2 * rng.normal();
          const reach = 0.8 * (1 + 0.08 * rng.normal()) * (li % 2 === 0 ? 1 : 0.7);
          for (let t = 0; t < T; t++) {
            const u = t / Math.max(1, T - 1);
            const rad = reach * u;
            const a = theta0 + curl * u;
            traces.push({ skill: k, rollout: r, step: t, x: rad * Math.cos(a), y: rad * Math.sin(a) });
          }
        }
      }
      const metrics: FigureRun['metrics'] = [];
      const rate = 3 + seed + li;
      for (let i = 0; i < rows; i++) {
        const env_steps = (i + 1) * 5000;
        const u = i / Math.max(1, rows - 1);
        const rise = 1 - Math.exp(-rate * u);
        metrics.push({
          env_steps,
          wall_s: env_steps / (900 + 120 * seed),
          intrinsic_reward: Math.log(K) * rise - 0.4 + 0.25 * rng.normal(),
          discriminator_accuracy: Math.min(1, (1 / K) * (1 - rise) + 0.95 * rise + 0.04 * rng.normal()),
          dynamics_log_likelihood: -3 + 4 * rise + 0.4 * rng.normal(),
        });
      }
      const curves =
        li % 2 === 0
          ? [
              { key: 'intrinsic_reward', title: 'intrinsic reward' },
              { key: 'discriminator_accuracy', title: 'discriminator accuracy' },
            ]
          : [
              { key: 'intrinsic_reward', title: 'intrinsic reward' },
              { key: 'dynamics_log_likelihood', title: 'dynamics log-likelihood' },
            ];
      out.push({ label, seed, env: o.env ?? 'point-mass', metrics, traces, curves });
    }
  });
  return out;
}
