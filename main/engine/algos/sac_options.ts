/**
 * The `sac` config section (the SAC learner every algorithm trains with) and the env rule of plain
 * SAC and skill discovery. zod only: part of the renderer-safe run config (see config_section.ts).
 */
import { z } from 'zod';
import { SKILL_ENVS } from '../env_names.ts';
import { configSection, type ConfigCheck } from './config_section.ts';

const positiveInt = z.number().int().positive();
/** Hidden layer sizes of an MLP: 1–6 layers of positive widths. */
export const hiddenSchema = z.array(positiveInt).min(1).max(6);

export const sacSchema = z
  .object({
    /** Hidden layer sizes of the policy and of each of the twin critics. */
    hidden: hiddenSchema.default([256, 256]),
    lr: z.number().positive().max(1).default(3e-4),
    /** Discount γ. */
    gamma: z.number().gt(0).lt(1).default(0.99),
    /** Polyak factor τ of the target critics. */
    tau: z.number().gt(0).max(1).default(0.005),
    batchSize: positiveInt.default(256),
    /** Multiplies the reward before the Bellman target (DADS: 1/β = 10). */
    rewardScale: z.number().positive().default(1),
    /** Temperature α: learned against a target entropy, or fixed (DIAYN reference code: 0.1). */
    alphaMode: z.enum(['auto', 'fixed']).default('auto'),
    alphaInit: z.number().positive().default(1),
    /** Target entropy in nats; null → −dim(A) (Haarnoja et al. 2018b §5). */
    targetEntropy: z.number().nullable().default(null),
    /**
     * Penalty weight on the squared mean action in the actor loss (baselines HER `action_l2` 1.0);
     * 0 is plain SAC.
     */
    actionL2: z.number().min(0).max(100).default(0),
    replayCapacity: positiveInt.default(1_000_000),
    /** Env steps collected with uniform random actions before learning starts. */
    learningStarts: z.number().int().nonnegative().default(1000),
  })
  .strict();

/** The `sac` section with the sources of its defaults. */
export const sacSection = configSection(sacSchema, {
  lr: 'Haarnoja et al. 2018, Table 1',
  gamma: 'Haarnoja et al. 2018, Table 1',
  tau: 'Haarnoja et al. 2018, Table 1',
  batchSize: 'Haarnoja et al. 2018, Table 1',
  hidden: 'Haarnoja et al. 2018, Table 1',
  targetEntropy: 'Haarnoja et al. 2018b §5 (−dim A)',
  replayCapacity: 'Haarnoja et al. 2018, Table 1',
});

/**
 * Plain SAC, DIAYN and DADS train on the MuJoCo skill envs; the message names the algorithms that do
 * train on the env given.
 */
export const skillEnvCheck: ConfigCheck = (config, ctx) => {
  if ((SKILL_ENVS as readonly string[]).includes(config.env)) return [];
  const others = ctx.algosOn(config.env);
  return [
    {
      path: 'env',
      message:
        `${config.algo} trains on one of ${SKILL_ENVS.join(', ')}, got ${config.env}` +
        (others.length ? ` (goal envs are for ${others.join(', ')})` : ''),
    },
  ];
};
