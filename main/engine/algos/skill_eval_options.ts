/**
 * The `eval` config section: how `skill-lab eval` rolls out and measures the skills of a run judged by
 * its skills (runs/evaluate.ts). zod only (see config_section.ts).
 */
import { z } from 'zod';
import { configSection } from './config_section.ts';

export const evalSchema = z
  .object({
    /** Rollouts per skill in `skill-lab eval`. */
    rolloutsPerSkill: z.number().int().positive().max(100).default(5),
    /** DADS: number of fixed z evaluated (evenly spread directions for d = 2). */
    dadsSkills: z.number().int().positive().max(256).default(8),
    /** Side of the square cells counted for x-y coverage, in m. */
    coverageCell: z.number().positive().default(1),
  })
  .strict();

/** The `eval` section (its defaults are our own choices). */
export const skillEvalSection = configSection(evalSchema);
