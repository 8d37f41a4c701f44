/** Builds the algorithm a run config names. */
import type { RunConfig } from '../config.ts';
import { DadsAlgorithm } from './dads.ts';
import { DiaynAlgorithm } from './diayn.ts';
import { GoalSacAlgorithm } from './goal_sac_run.ts';
import { MultitaskSacAlgorithm } from './multitask_sac_run.ts';
import { SacAlgorithm } from './sac.ts';
import type { Algorithm } from './types.ts';

/**
 * @param runDir the run's directory: goal-sac keeps its task spec there (see goal_sac_run.ts)
 * @throws Error for an algorithm name the engine does not know (config validation normally catches it first).
 */
export async function createAlgorithm(config: RunConfig, runDir: string | null = null): Promise<Algorithm> {
  switch (config.algo) {
    case 'sac':
      return SacAlgorithm.create(config);
    case 'diayn':
      return DiaynAlgorithm.create(config);
    case 'dads':
      return DadsAlgorithm.create(config);
    case 'goal-sac':
      return GoalSacAlgorithm.create(config, runDir);
    case 'multitask-sac':
      return MultitaskSacAlgorithm.create(config);
    default:
      throw new Error(`unknown algorithm ${(config as RunConfig).algo}`);
  }
}
