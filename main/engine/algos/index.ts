/** Builds the algorithm a run config names. */
import type { RunConfig } from '../config.ts';
import { DadsAlgorithm } from './dads.ts';
import { DiaynAlgorithm } from './diayn.ts';
import { SacAlgorithm } from './sac.ts';
import type { Algorithm } from './types.ts';

/** @throws Error for an algorithm name the engine does not know (config validation normally catches it first). */
export async function createAlgorithm(config: RunConfig): Promise<Algorithm> {
  switch (config.algo) {
    case 'sac':
      return SacAlgorithm.create(config);
    case 'diayn':
      return DiaynAlgorithm.create(config);
    case 'dads':
      return DadsAlgorithm.create(config);
    default:
      throw new Error(`unknown algorithm ${(config as RunConfig).algo}`);
  }
}
