/**
 * The contract's sweep schemas: a sweep with every point's status (engine/runs/sweeps.ts), and the
 * spec the sweep form sends (engine/runs/sweep_spec.ts). Browser-safe (zod and the spec schema).
 */
import { z } from 'zod';
import {
  POINT_STATES,
  SWEEP_EXECUTORS,
  sweepSpecSchema,
  sweepValueSchema,
} from '../../engine/runs/sweep_spec.ts';

export { POINT_STATES, SWEEP_EXECUTORS, sweepSpecSchema };
export type { SweepSpecInput, SweepValue, PointState } from '../../engine/runs/sweep_spec.ts';

/** A sweep id: its name and creation time (sweeps/<id>/ in the workspace). */
export const sweepIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, 'a sweep id (letters, digits, _ and -)');

/** One point of a sweep: its run, swept values and seed, and where it stands. */
export const sweepPointSchema = z.object({
  index: z.number().int().min(0),
  runId: z.string(),
  values: z.record(z.string(), sweepValueSchema),
  seed: z.number().int().min(0),
  state: z.enum(POINT_STATES),
  runStatus: z.string(),
  envSteps: z.number(),
  totalEnvSteps: z.number(),
  /** Why it failed, pends or stopped; null when nothing needs saying. */
  detail: z.string().nullable(),
  /** Slurm's view of the point's latest array task (local sweeps, or forgotten by Slurm: null). */
  slurm: z
    .object({
      jobId: z.string(),
      state: z.string(),
      reason: z.string(),
      exitCode: z.string().nullable(),
      source: z.enum(['squeue', 'sacct', 'scontrol']),
    })
    .nullable(),
  /** Slurm's output file of the point's latest array task. */
  log: z.string().nullable(),
  /** The run's last metric row. */
  last: z.record(z.string(), z.number()),
});
export type SweepPointInfo = z.infer<typeof sweepPointSchema>;

/** A sweep as the workbench lists it. */
export const sweepSummarySchema = z.object({
  id: sweepIdSchema,
  name: z.string(),
  createdAt: z.string(),
  spec: sweepSpecSchema,
  executor: z.enum(SWEEP_EXECUTORS),
  /** Slurm array job ids, oldest first. */
  jobIds: z.array(z.string()),
  cancelledAt: z.string().nullable(),
  /** The swept config keys (grid, then random search). */
  keys: z.array(z.string()),
  points: z.array(sweepPointSchema),
  counts: z.partialRecord(z.enum(POINT_STATES), z.number()),
  /** A Slurm command that failed while asking; the states are then the workspace's only. */
  slurmError: z.string().nullable(),
  /** True while a local executor of this lab service works through it. */
  localLive: z.boolean(),
});
export type SweepSummary = z.infer<typeof sweepSummarySchema>;

export const sweepRefSchema = z.object({ sweepId: sweepIdSchema }).strict();
