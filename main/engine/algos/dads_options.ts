/** The `dads` config section (DADS's skills and skill dynamics). zod only (see config_section.ts). */
import { z } from 'zod';
import { configSection } from './config_section.ts';
import { hiddenSchema } from './sac_options.ts';

const positiveInt = z.number().int().positive();

export const dadsSchema = z
  .object({
    /** Dimension d of the continuous skill z ~ U[-1,1]^d. */
    skillDim: z.number().int().min(1).max(32).default(2),
    dynamicsHidden: hiddenSchema.default([512, 512]),
    dynamicsLr: z.number().positive().max(1).default(3e-4),
    /** Mixture components of q(Δf(s) | s, z); identity covariance. */
    components: z.number().int().min(1).max(16).default(4),
    dynamicsSteps: positiveInt.default(32),
    dynamicsBatchSize: positiveInt.default(256),
    /** L, the prior samples in the reward's denominator. */
    priorSamples: positiveInt.default(100),
    /**
     * State input of the skill dynamics: 'none' (q(Δf|z), what the reference code ends up with for the
     * x-y prior) or 'obs-without-coords' (the observation with x, y dropped).
     */
    dynamicsInput: z.enum(['none', 'obs-without-coords']).default('none'),
  })
  .strict();

/** The `dads` section with the sources of its defaults. */
export const dadsSection = configSection(dadsSchema, {
  skillDim: 'DADS paper App. A (Ant x-y: d = 2)',
  components: 'DADS paper App. A.3 (4 experts, identity covariance)',
  dynamicsHidden: 'DADS paper App. A (Ant: 512)',
  dynamicsLr: 'DADS paper App. A',
  dynamicsSteps: 'DADS reference code configs/ant_xy_onpolicy.txt',
  dynamicsBatchSize: 'DADS reference code configs/ant_xy_onpolicy.txt',
  priorSamples: 'DADS reference code configs (paper: 500)',
  dynamicsInput: 'DADS reference code (x-y prior leaves q(Δx,Δy | z))',
});
