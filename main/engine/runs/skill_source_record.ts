/**
 * What run.json records of the skill run a run composes (a skill controller's `--skills-from`,
 * runs/skill_pin.ts pins it at the run's first start), as a zod schema: shared by the run store,
 * which reads run.json, and the API contract, whose run record carries it to the workbench (the
 * run page's "skills from RUN" line). zod only, so the renderer-safe contract may import it.
 */
import { z } from 'zod';

/**
 * The skill run a run composes, as pinned at its first start: which run, which checkpoint (file,
 * SHA-256, counters) and the copy the run reads.
 */
export const skillSourceRecordSchema = z.object({
  /** The skill run's id and directory when it was pinned (it may since have trained on or be gone). */
  run: z.string(),
  path: z.string(),
  algo: z.string(),
  /** The checkpoint file the parts were copied from, its SHA-256 (hex) and its counters. */
  checkpoint: z.string(),
  sha256: z.string(),
  iteration: z.number(),
  envSteps: z.number(),
  /** The copy in this run's directory (skills.bin). */
  copy: z.string(),
  /** When it was pinned (ISO 8601). */
  pinnedAt: z.string(),
});
export type SkillSourceRecord = z.infer<typeof skillSourceRecordSchema>;
