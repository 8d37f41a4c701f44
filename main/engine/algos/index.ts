/** Builds the algorithm a run config names, through the algorithm registry (registry.ts). */
import type { RunConfig } from '../config.ts';
import { algoSpec } from './registry.ts';
import type { Algorithm } from './types.ts';

/**
 * @param runDir the run's directory: goal-sac keeps its task spec there (see goal_sac_run.ts)
 * @throws Error for an algorithm name the engine does not know (config validation normally catches it first).
 */
export async function createAlgorithm(config: RunConfig, runDir: string | null = null): Promise<Algorithm> {
  return algoSpec(config.algo).create(config, runDir);
}
