/**
 * The task editor's part of the API contract (issue #4 §3): task names, list rows, validation
 * reports and sampled resets, plus the task spec schema itself, which the renderer turns into the
 * editor's form (`z.toJSONSchema`).
 *
 * Browser-safe: imports only zod, the zod-only task schema and the import-free physics key names
 * (contract.test.ts checks the closure).
 */
import { z } from 'zod';
import {
  taskSpecSchema,
  TASK_NAME_PATTERN,
  TASK_NAME_RULE,
  TASK_SPEC_VERSION,
  formatPath,
} from '../../engine/tasks/schema.ts';

export { taskSpecSchema, TASK_SPEC_VERSION, formatPath };
/** Names, labels and meanings of domain-randomization draws (sampled resets, the replay columns). */
export { PHYSICS_KEY_PATTERN, describePhysicsKey, physicsLabel } from '../../engine/tasks/physics_keys.ts';

/** A task name: what the spec's `name` allows, so `<workspace>/tasks/<name>.json` is a plain file name. */
export const taskNameSchema = z.string().regex(TASK_NAME_PATTERN, `a task name: ${TASK_NAME_RULE} (no path)`);

/** Where a task comes from: shipped with the lab (read-only) or the workspace's tasks folder. */
export const TASK_SOURCES = ['builtin', 'workspace'] as const;
export type TaskSource = (typeof TASK_SOURCES)[number];

/** A row of the task list. */
export const taskSummarySchema = z.object({
  name: taskNameSchema,
  source: z.enum(TASK_SOURCES),
  robot: z.string(),
  description: z.string(),
});
export type TaskSummary = z.infer<typeof taskSummarySchema>;

/** A scene problem that does not stop validation (goal out of reach, overlapping objects …). */
export const taskWarningSchema = z.object({ field: z.string(), message: z.string() });
export type TaskWarningInfo = z.infer<typeof taskWarningSchema>;

/** A task spec as returned: a JSON object (validated by the service before it is sent). */
export const taskSpecInputSchema = z.record(z.string(), z.unknown());

/**
 * A task spec as sent for validation or saving: any value but a missing one; the task schema then
 * judges it field by field (so a bad spec is an answer with issues, not a params error).
 */
export const taskSpecParamSchema = z.custom<NonNullable<unknown> | null>((v) => v !== undefined, {
  error: 'is required: a task spec (a JSON object)',
});

/**
 * One sampled reset: the full qpos (for the 3D preview), the desired goal (x, y, z) in m, and the
 * physics domain randomization drew for it.
 */
export const taskSampleSchema = z.object({
  qpos: z.array(z.number()),
  /** x, y, z in m; point-mass goals are x, y on the arena floor, so z = 0. */
  goal: z.tuple([z.number(), z.number(), z.number()]),
  /**
   * Scale factors (× nominal) by draw name, in draw order (`friction_scale`, `table_friction_scale`,
   * …; engine/tasks/physics_keys.ts); empty when the task randomizes nothing.
   */
  physics: z.record(z.string(), z.number()),
});
export type TaskSample = z.infer<typeof taskSampleSchema>;

/** At most this many resets per sampleResets request (each one steps the real env to settle it). */
export const MAX_SAMPLE_RESETS = 20;
