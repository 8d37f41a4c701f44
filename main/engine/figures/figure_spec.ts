/**
 * A figure spec: which runs (ids, or a query over the workspace), how they group into variants,
 * which metrics, the statistic across seeds and its band, and the paper width and formats. One JSON
 * object drives `skill-lab figure --spec F` and the workbench's figure builder, and is saved beside
 * every figure (with the runs it resolved to), so a figure can be regenerated from it.
 *
 *     { "title": "DIAYN: learning rate", "query": { "sweep": "lr-test-20261207-123130" },
 *       "groupBy": ["sac.lr"], "metrics": ["intrinsic_reward"], "statistic": "iqm", "band": "ci95",
 *       "width": "column", "formats": ["pdf", "png"] }
 *
 * Browser-safe (zod and the statistics' names only).
 */
import { z } from 'zod';
import { STATISTICS } from './stats.ts';
import { BANDS } from './series.ts';

export const FIGURE_FORMATS = ['svg', 'pdf', 'png'] as const;
export type FigureFormat = (typeof FIGURE_FORMATS)[number];

/** Run statuses a query may select. */
const STATUSES = ['created', 'running', 'stopped', 'completed', 'error'] as const;

const runIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, 'a run id');

/** What a query selects: every run of the workspace matching all the given fields. */
export const figureQuerySchema = z
  .object({
    /** Runs of this sweep. */
    sweep: z.string().min(1).optional(),
    algo: z.string().min(1).optional(),
    preset: z.string().min(1).optional(),
    env: z.string().min(1).optional(),
    task: z.string().min(1).optional(),
    /** Default: any status. */
    status: z.array(z.enum(STATUSES)).min(1).optional(),
  })
  .strict();
export type FigureQuery = z.infer<typeof figureQuerySchema>;

/** A dotted config key (sac.lr), or algo, preset, env, task, seed. */
const groupKeySchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)?$/, 'a config key such as sac.lr');

export const figureSpecSchema = z
  .object({
    /**
     * curves: learning curves across seeds; aggregate: each run's final value of one metric — mean,
     * median and IQM with bootstrap intervals, the performance profile, probability of improvement.
     */
    kind: z.enum(['curves', 'aggregate']).default('curves'),
    title: z.string().max(200).optional(),
    /** The runs, by id (what a saved spec holds); takes precedence over `query`. */
    runs: z.array(runIdSchema).min(1).max(500).optional(),
    query: figureQuerySchema.optional(),
    /**
     * How runs group into variants (seeds of one curve): "variant" — the algorithm, a goal-sac run's
     * relabeling, a sweep run's swept values — or config keys whose values name the variant.
     */
    groupBy: z.union([z.literal('variant'), z.array(groupKeySchema).min(1).max(6)]).default('variant'),
    /** Metric columns, one panel each; default: the union of the runs' algorithms' curves. */
    metrics: z.array(z.string().min(1)).max(24).default([]),
    x: z.enum(['env_steps', 'wall_s']).default('env_steps'),
    statistic: z.enum(STATISTICS).default('iqm'),
    band: z.enum(BANDS).default('ci95'),
    /** EMA weight in [0, 1). */
    smoothing: z.number().min(0).lt(1).default(0.6),
    /** "column" (3.25 in), "page" (6.75 in), or a length: "3.25in", "8.5cm", "90mm", "234pt". */
    width: z.union([z.string(), z.number()]).default('page'),
    /** Panels per row. */
    columns: z.number().int().min(1).max(6).default(3),
    formats: z.array(z.enum(FIGURE_FORMATS)).min(1).default(['svg', 'pdf', 'png']),
  })
  .strict()
  .refine((s) => s.runs !== undefined || s.query !== undefined, {
    message: 'give the runs (ids) or a query that selects them',
    path: ['runs'],
  })
  .refine((s) => s.kind !== 'aggregate' || s.metrics.length === 1, {
    message: 'an aggregate figure is of one metric: give exactly one, e.g. ["success_rate"]',
    path: ['metrics'],
  });
export type FigureSpec = z.output<typeof figureSpecSchema>;
export type FigureSpecInput = z.input<typeof figureSpecSchema>;
