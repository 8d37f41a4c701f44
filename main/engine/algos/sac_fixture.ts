/**
 * A SAC learner with fixed settings and one fixed batch, for measurements that must compare like
 * with like: the bench's update timings and kernel counts (main/cli/bench.ts) and the backend parity
 * probe (parity_probe.ts). Settings: Adam 3e-4, γ 0.99, τ 0.005, automatic α from 1, target entropy
 * −|A| (Haarnoja et al. 2018b), weights seeded with 3; the batch's values uniform in [−1, 1] from
 * Rng(4), so two processes build the same numbers.
 */
import { Rng } from '../rng.ts';
import { SacLearner, type SacBatch } from './sac.ts';

/** Options of {@link sacFixture}. */
export interface SacFixtureOptions {
  /** Variable-name prefix (tfjs keeps one registry of variable names). */
  name: string;
  inputDim: number;
  actDim: number;
  hidden: number[];
  /** Batch size B. */
  batch: number;
  /** Every k-th transition is terminal (no bootstrap); default none. */
  terminalEvery?: number;
}

/**
 * @returns the learner (the caller disposes it) and a batch of B transitions, inputs [B, inputDim],
 *   actions [B, actDim]
 */
export function sacFixture(o: SacFixtureOptions): { learner: SacLearner; batch: SacBatch } {
  const { inputDim, actDim, batch: B } = o;
  const learner = new SacLearner({
    name: o.name,
    inputDim,
    actDim,
    hidden: o.hidden,
    lr: 3e-4,
    gamma: 0.99,
    tau: 0.005,
    rewardScale: 1,
    alphaMode: 'auto',
    alphaInit: 1,
    targetEntropy: null,
    seed: 3,
  });
  const rng = new Rng(4);
  const mk = (n: number) => rng.fillUniform(new Float32Array(n), -1, 1) as Float32Array;
  const every = o.terminalEvery ?? 0;
  return {
    learner,
    batch: {
      size: B,
      input: mk(B * inputDim),
      action: mk(B * actDim),
      reward: mk(B),
      nextInput: mk(B * inputDim),
      terminated: Float32Array.from({ length: B }, (_, i) => (every > 0 && i % every === 0 ? 1 : 0)),
    },
  };
}
