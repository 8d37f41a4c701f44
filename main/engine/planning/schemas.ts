/**
 * What a planning request, an episode's trace and a planning report look like on the wire, as zod
 * schemas: shared by the API contract (the workbench's `planSkills` method and `planEpisode` event)
 * and the run-process protocol (the plan process's messages), so both check the same shapes.
 * Renderer-safe: zod only (the contract bundles it). The TypeScript interfaces of the same objects
 * are execute.ts's (EpisodeTrace, PlanReport); runs/protocol.ts checks at compile time that they and
 * these schemas agree.
 *
 * Numbers that may be NaN or ±Infinity (a simulation that went unstable) travel as null: JSON has no
 * NaN, and the plan process normalizes what it posts through JSON for both transports.
 */
import { z } from 'zod';
import type { AlgoInfo } from '../algos/algo_info.ts';
import { MPPI_PRESETS, mppiSettingsSchema } from './settings.ts';

/**
 * True for algorithms whose runs zero-shot planning can use (planning/dads_plan.ts): those whose
 * catalog entry has a skill dynamics to plan with (DADS), as `skill-lab plan` asks. The one place the
 * Skills view, the service and the plan process ask.
 */
export function plansWithSkills(info: Pick<AlgoInfo, 'skillModels'>): boolean {
  return info.skillModels.skillDynamics;
}

/** A JSON number: NaN and ±Infinity travel as null. */
const jnum = z.number().nullable();
const count = z.number().int().nonnegative();
/** One row of numbers (f(s), qpos, a skill z). */
const row = z.array(jnum);

/** The most goals a request may name. */
export const MAX_PLAN_GOALS = 16;
/** The most routes a request may name, and waypoints per route. */
export const MAX_PLAN_ROUTES = 8;
export const MAX_ROUTE_WAYPOINTS = 16;
/** The most episodes per goal or route. */
export const MAX_PLAN_EPISODES = 20;
/** The most episodes of one request, all goals and routes together (each takes seconds to minutes). */
export const MAX_PLAN_EPISODES_TOTAL = 64;

/** How the skill policy acts: its deterministic mean action or a sample of π (dads_model.ts). */
export const PLAN_ACTION_MODES = ['mean', 'sample'] as const;

/** A point x, y in m: two finite numbers. */
export const planPointSchema = z.tuple([z.number(), z.number()], {
  error: 'a point [x, y] of two finite numbers (m)',
});

/**
 * Planner values that override the preset's: any subset of the MPPI settings, each within its
 * bounds; an unknown key is an error naming it.
 */
export const plannerOverridesSchema = mppiSettingsSchema.partial().strict();

/**
 * The fields of a planning request (besides which run): what `skill-lab plan` takes as options, with
 * the same defaults (cli/index.ts).
 */
export const planRequestFields = {
  /** Goals in the env's x-y coordinates (m), one task each. */
  goals: z.array(planPointSchema).max(MAX_PLAN_GOALS).default([]),
  /** Routes of waypoints (m), each followed in order. */
  routes: z.array(z.array(planPointSchema).min(1).max(MAX_ROUTE_WAYPOINTS)).max(MAX_PLAN_ROUTES).default([]),
  /** Episodes per goal or route. */
  episodes: z.number().int().min(1).max(MAX_PLAN_EPISODES).default(1),
  /** Seed of the starts (episode e resets with seed + e) and of the planner. */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(0),
  /** The DADS paper's planner settings (App. A.5). */
  preset: z.enum(MPPI_PRESETS).default('dense'),
  overrides: plannerOverridesSchema.optional(),
  actions: z.enum(PLAN_ACTION_MODES).default('mean'),
  /** Also run random skill sequences on the same starts. */
  baseline: z.boolean().default(true),
  /** Success radius in m (default: the env's, dads_plan.ts DEFAULT_SUCCESS_RADIUS). */
  radius: z.number().positive().max(1000).optional(),
  /** Env steps per episode (default: the run's training episode length). */
  episodeSteps: z.number().int().min(1).max(10_000).optional(),
};

/**
 * The cross-field rules of a request: at least one goal or route (named at `goals`), and at most
 * {@link MAX_PLAN_EPISODES_TOTAL} episodes in all (named at `episodes`).
 */
export function checkPlanRequest(
  r: { goals: unknown[]; routes: unknown[]; episodes: number },
  ctx: z.RefinementCtx,
): void {
  const tasks = r.goals.length + r.routes.length;
  if (tasks === 0)
    ctx.addIssue({ code: 'custom', path: ['goals'], message: 'give at least one goal [x, y] (or a route)' });
  else if (tasks * r.episodes > MAX_PLAN_EPISODES_TOTAL)
    ctx.addIssue({
      code: 'custom',
      path: ['episodes'],
      message: `${tasks} goals and routes × ${r.episodes} episodes is more than ${MAX_PLAN_EPISODES_TOTAL} episodes`,
    });
}

/** A planning request as the plan process receives it (defaults filled in). */
export const planRequestSchema = z.object(planRequestFields).strict().superRefine(checkPlanRequest);
export type PlanRequest = z.output<typeof planRequestSchema>;

/** One segment of an episode (execute.ts SegmentTrace). */
export const segmentTraceSchema = z.object({
  start: count,
  skill: row,
  predicted: z.array(row).nullable(),
  candidates: z.array(z.object({ skills: z.array(row), trajectory: z.array(row), score: jnum })),
  planMs: jnum,
});

/** One episode for drawing and replay (execute.ts EpisodeTrace); a baseline's may have no qpos. */
export const episodeTraceSchema = z.object({
  goal: row,
  final_distance: jnum,
  success: z.boolean(),
  steps: count,
  task: z.string(),
  waypoints: z.array(row),
  seed: z.number().int(),
  steps_to_goal: count.nullable(),
  nan: z.boolean(),
  f: z.array(row),
  qpos: z.array(row),
  segments: z.array(segmentTraceSchema),
});
export type EpisodeTraceData = z.output<typeof episodeTraceSchema>;

const planFiguresShape = {
  episodes: z.array(z.object({ goal: row, final_distance: jnum, success: z.boolean(), steps: count })),
  mean_final_distance: jnum,
  success_rate: z.number(),
};

/** The report of a planning (execute.ts PlanReport; `skill-lab plan --json` without run and checkpoint). */
export const planReportSchema = z.object({
  ...planFiguresShape,
  success_radius: z.number(),
  baseline: z.object(planFiguresShape).nullable(),
  planner: z.object({
    preset: z.enum(MPPI_PRESETS),
    settings: mppiSettingsSchema,
    actions: z.enum(PLAN_ACTION_MODES),
    episode_steps: count,
    stop_at_goal: z.boolean(),
    seed: z.number().int(),
    sources: z.record(z.string(), z.string()),
  }),
});
export type PlanReportData = z.output<typeof planReportSchema>;

/** The checkpoint a planning used (runs/policy_source.ts CheckpointRef). */
export const checkpointRefSchema = z.object({
  file: z.string(),
  sha256: z.string(),
  iteration: count,
  envSteps: count,
  fallback: z.string().nullable(),
});
export type CheckpointRefData = z.output<typeof checkpointRefSchema>;

/** Whose episode a trace is: the planner's or the random-skill baseline's. */
export const PLAN_EPISODE_KINDS = ['planner', 'baseline'] as const;
export type PlanEpisodeKind = (typeof PLAN_EPISODE_KINDS)[number];
