/** The `diayn` config section (DIAYN's skills and discriminator). zod only (see config_section.ts). */
import { z } from 'zod';
import { configSection } from './config_section.ts';
import { hiddenSchema } from './sac_options.ts';

export const diaynSchema = z
  .object({
    /** Number of categorical skills N; p(z) is uniform and fixed (Eysenbach et al. 2018 §3). */
    skills: z.number().int().min(2).max(1024).default(50),
    discriminatorHidden: hiddenSchema.default([300, 300]),
    discriminatorLr: z.number().positive().max(1).default(3e-4),
    discriminatorBatchSize: z.number().int().positive().default(128),
    /** Discriminator gradient steps per iteration. */
    discriminatorSteps: z.number().int().positive().default(1000),
  })
  .strict();

/** The `diayn` section with the sources of its defaults. */
export const diaynSection = configSection(diaynSchema, {
  skills: 'DIAYN reference code examples/mujoco_all_diayn.py',
  discriminatorHidden: 'DIAYN reference code (300 × 2)',
  discriminatorLr: 'DIAYN paper App. C',
  discriminatorBatchSize: 'DIAYN paper App. C',
});
