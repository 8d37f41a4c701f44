/**
 * The contract's figure schemas: the figure spec (engine/figures/figure_spec.ts) that the workbench's
 * figure builder sends, and what comes back. Browser-safe.
 */
import { z } from 'zod';
import { FIGURE_FORMATS, figureSpecSchema } from '../../engine/figures/figure_spec.ts';

export { FIGURE_FORMATS, figureSpecSchema };
export type { FigureSpec, FigureSpecInput, FigureFormat } from '../../engine/figures/figure_spec.ts';

/** A saved figure's name: the file name without extension (figures/<name>.svg …). */
export const figureNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$/, 'a figure name (letters, digits, _ . -)')
  .refine((s) => !s.includes('..'), 'a figure name, not a path');

/** A figure of the workspace's figures/ folder that has its spec beside it. */
export const savedFigureSchema = z.object({
  name: figureNameSchema,
  spec: z.unknown(),
  /** Files present, by extension (svg, pdf, png, csv, spec.json) → absolute path. */
  files: z.record(z.string(), z.string()),
  /** ISO 8601, when its spec was written. */
  createdAt: z.string(),
});
export type SavedFigure = z.infer<typeof savedFigureSchema>;
