/** Helpers for the unit tests of the algorithms on whole episodes (goal-conditioned and multi-task SAC, REINFORCE). */
import type { EpisodicAlgorithm } from './off_policy_run.ts';
import type { OffPolicyOptions } from './off_policy_options.ts';
import type { AlgorithmState, Metrics } from './types.ts';

/** An algorithm with its counters, iteration and checkpoint methods (SAC variants, REINFORCE). */
type Core = Pick<EpisodicAlgorithm, 'envSteps' | 'iteration'> & {
  iterate(): Promise<Metrics>;
  saveState(): Promise<AlgorithmState>;
  loadState(state: AlgorithmState): Promise<void>;
};

/** Shared options of the tests' small, fast configurations: 2 envs, 16-wide nets, 4 updates of 32. */
export const SMALL_OPTIONS = {
  seed: 3,
  numEnvs: 2,
  hidden: [16, 16],
  batchSize: 32,
  episodesPerIteration: 1,
  updatesPerIteration: 4,
} satisfies Partial<OffPolicyOptions>;

/**
 * A fresh instance from `make` loaded with `a`'s checkpoint, its meta sent through JSON first as the
 * checkpoint file stores it.
 * @returns the instance and the checkpoint
 */
export async function restoredCopy<A extends Core>(
  a: A,
  make: () => Promise<A>,
): Promise<{ b: A; state: AlgorithmState }> {
  const state = await a.saveState();
  state.meta = JSON.parse(JSON.stringify(state.meta));
  const b = await make();
  await b.loadState(state);
  return { b, state };
}

/**
 * What `iterations` further iterations of `a` and of `b` report, in turn, then `evaluate`'s result and
 * the counters of each: equal when `b` continues exactly as `a` does.
 */
export async function sideBySide<A extends Core>(
  a: A,
  b: A,
  iterations: number,
  evaluate: (algo: A) => unknown,
): Promise<{ a: unknown[]; b: unknown[] }> {
  const out = { a: [] as unknown[], b: [] as unknown[] };
  for (let i = 0; i < iterations; i++) {
    out.a.push(await a.iterate());
    out.b.push(await b.iterate());
  }
  for (const [algo, into] of [
    [a, out.a],
    [b, out.b],
  ] as const)
    into.push(evaluate(algo), [algo.envSteps, algo.iteration]);
  return out;
}
