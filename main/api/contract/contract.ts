/**
 * The one API contract between the lab's front ends (renderer over Electron IPC or WebSocket, tests)
 * and the lab service: request methods with their params and results, pushed events, and the
 * envelopes that carry them. zod schemas with their TypeScript types; both transports validate every
 * message against them.
 *
 * Browser-safe: this file and everything it imports use only `zod` (main/api/contract/contract.test.ts checks
 * the import closure), so the renderer bundles it as is.
 *
 * Wire format (WebSocket text frames, one JSON object each; HTTP `POST /api/<method>` with the
 * params as body and the response envelope as answer, id null):
 *     → { id, method, params }                       request
 *     ← { id, ok: true, result } | { id, ok: false, error: { code, message, issues? } }
 *     ← { event, data }                              pushed event
 */
import { z } from 'zod';
import {
  ALGOS,
  ENVS,
  SKILL_ENVS,
  STATE_FUNCTIONS,
  allConfigKeys,
  configIssues,
  runConfigSchema,
  type ConfigIssue,
  type RunConfig,
} from '../../engine/config.ts';
import { RELABEL_STRATEGIES } from '../../engine/replay/relabel.ts';
import { TASK_RELABEL_STRATEGIES } from '../../engine/replay/task_relabel.ts';

/** Every relabeling strategy a run can be switched to: hindsight (goal-sac) and task (multitask-sac). */
const ANY_RELABEL_STRATEGIES = [...new Set([...RELABEL_STRATEGIES, ...TASK_RELABEL_STRATEGIES])] as [
  string,
  ...string[],
];
import {
  MAX_SAMPLE_RESETS,
  taskNameSchema,
  taskSampleSchema,
  taskSpecInputSchema,
  taskSpecParamSchema,
  taskSummarySchema,
  taskWarningSchema,
} from './task_schemas.ts';
import * as replay from './replay_schemas.ts';
import {
  checkPlanRequest,
  checkpointRefSchema,
  episodeTraceSchema,
  planReportSchema,
  planRequestFields,
  PLAN_EPISODE_KINDS,
} from '../../engine/planning/schemas.ts';
import { paramsLimitIssue } from './params_limits.ts';
import { skillSourceRecordSchema } from '../../engine/runs/skill_source_record.ts';
import { sweepRefSchema, sweepSpecSchema, sweepSummarySchema } from './sweep_schemas.ts';
import { figureNameSchema, figureSpecSchema, savedFigureSchema } from './figure_schemas.ts';

export { RELABEL_STRATEGIES, TASK_RELABEL_STRATEGIES };
export { ALGOS, ENVS, SKILL_ENVS, STATE_FUNCTIONS, allConfigKeys, runConfigSchema, type RunConfig };
/** Seconds per env step of the arm, for views that play arm rollouts. */
export { ARM_STEP_DT } from '../../engine/env_names.ts';
export * from './sweep_schemas.ts';
export * from './figure_schemas.ts';

/** Lifecycle of a run as stored in run.json (same list as the engine's run store). */
export const RUN_STATUSES = ['created', 'running', 'stopped', 'completed', 'error'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** What a run's process is doing right now, as seen by the service; null: no process. */
export const RUN_ACTIVITIES = ['training', 'stopping', 'evaluating'] as const;

// ── building blocks ────────────────────────────────────────────────────────────────────────────

const int = z.number().int();
const count = z.number().int().nonnegative();
/** A JSON number: NaN and ±Infinity travel as null. */
const jnum = z.number().nullable();

/** A run id: a directory name under <workspace>/runs, never a path. */
export const runIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/,
    'a run id: letters, digits, ".", "_" and "-", starting with a letter or digit (no path)',
  );

/** One field-level problem: dotted config key or params field, message, allowed values if a closed set. */
export const issueSchema = z.object({
  path: z.string(),
  message: z.string(),
  allowed: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type ApiIssue = z.infer<typeof issueSchema>;

/**
 * Error codes: `invalid` (bad params or config — see issues), `not_found` (no such run/method),
 * `conflict` (the run is busy or in the wrong state), `unauthorized` (no or a wrong session token),
 * `internal` (anything else; the message says what).
 */
export const ERROR_CODES = ['invalid', 'not_found', 'conflict', 'unauthorized', 'internal'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const apiErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  issues: z.array(issueSchema).optional(),
});
export type ApiErrorPayload = z.infer<typeof apiErrorSchema>;

/** A metric row of metrics.jsonl: iteration, env steps, wall-clock seconds, then the algorithm's scalars. */
export const metricRowSchema = z
  .object({ iteration: count, env_steps: count, wall_s: z.number() })
  .catchall(z.number());
export type MetricRow = z.infer<typeof metricRowSchema>;

/** Static facts of an environment (SI units), from the engine's env registry. */
export const envInfoSchema = z.object({
  name: z.enum(SKILL_ENVS),
  /** Observation length (nq + nv) and action length (motors). */
  obsDim: count,
  actDim: count,
  nq: count,
  nv: count,
  /** Indices into the observation of the global x(, y) coordinates. */
  coordDims: z.array(count),
  /** Physics timestep (s), physics steps per env step, control period (s). */
  timestep: z.number(),
  frameSkip: count,
  dt: z.number(),
  /** Default episode length in env steps. */
  maxEpisodeSteps: count,
  /** The MJCF file name under assets/models (fetch its text with getEnvModel). */
  modelFile: z.string(),
  source: z.string(),
});
export type EnvInfo = z.infer<typeof envInfoSchema>;

const algoEnum = z.enum(ALGOS);

/** A preset with, per algorithm it offers, the fully resolved config and each value's source. */
export const presetInfoSchema = z.object({
  name: z.string(),
  description: z.string(),
  env: z.enum(ENVS),
  algos: z.array(algoEnum),
  configs: z.partialRecord(algoEnum, runConfigSchema),
  sources: z.partialRecord(algoEnum, z.record(z.string(), z.string())),
});
export type PresetInfo = z.infer<typeof presetInfoSchema>;

/** A run as listed: identity, state, progress and the key metrics of its last metric row. */
export const runSummarySchema = z.object({
  id: runIdSchema,
  algo: algoEnum,
  env: z.enum(ENVS),
  preset: z.string().nullable(),
  /** The goal task a goal-conditioned run trains on (a name, or a task file's name); null for others. */
  task: z.string().nullable(),
  /**
   * A relabeling run's settings in the order it trained with them ("future k=4 → final k=2", the
   * label figures give it too); null for runs without relabeling or before their first iteration.
   */
  relabeling: z.string().nullable(),
  seed: count,
  status: z.enum(RUN_STATUSES),
  /** The reason of status 'error' (the worker's error, or how its process ended). */
  error: z.string().nullable(),
  /** What this service's process for the run is doing; null when none runs. */
  activity: z.enum(RUN_ACTIVITIES).nullable(),
  envSteps: count,
  totalEnvSteps: count,
  iterations: count,
  wallSeconds: z.number(),
  /** Key metrics (per algorithm: e.g. discriminator_accuracy, intrinsic_reward, alpha) of the last row. */
  metrics: z.record(z.string(), z.number()),
  /** True when eval/summary.json exists. */
  evaluated: z.boolean(),
  /** ISO 8601 timestamps. */
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The sweep this run is a point of. */
  sweep: z.object({ id: z.string(), index: z.number().int().min(0) }).optional(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/**
 * A run's full record: the summary plus its config, the source of every value, backend and versions;
 * for a run over another run's frozen skills (catalog `skillsFromOption`), the skill run and
 * checkpoint it pinned at its first start (absent before that, and for other runs).
 */
export const runRecordSchema = runSummarySchema.extend({
  path: z.string(),
  config: runConfigSchema,
  sources: z.record(z.string(), z.string()),
  backend: z.record(z.string(), z.unknown()).nullable(),
  versions: z.record(z.string(), z.string()),
  pid: int.nullable(),
  skillSource: skillSourceRecordSchema.optional(),
});
export type RunRecordInfo = z.infer<typeof runRecordSchema>;

/** Per-skill evaluation figures (see main/engine/runs/evaluate.ts). */
export const skillReportSchema = z
  .object({
    id: count,
    z: z.array(z.number()),
    final_mean: z.array(jnum),
    final_std: z.array(jnum),
    distance_travelled: jnum,
    normalized_variance: jnum,
  })
  .catchall(z.union([jnum, z.array(jnum)]));

/**
 * The evaluation report (`skill-lab eval --json`, eval/summary.json). Besides the fields every report
 * has, those of an algorithm whose goal evaluation traces the skills it picked (catalog
 * `evalSkillTraces`, engine/algos/skill_controller.ts ControllerEvaluation): every episode's trace in
 * the shape the Skills view draws (without predictions or candidates), the goal, the success radius
 * and mean final distance (m), and the skill run composed; and those of a skill embedding's (its
 * interpolations between tasks and the regions).
 */
export const evalSummarySchema = z
  .object({
    run: z.string(),
    algo: z.string(),
    env: z.string(),
    env_steps: count,
    state_function: z.string(),
    rollouts_per_skill: count,
    episode_steps: count,
    coverage_cells: count,
    coverage_cell_m: z.number(),
    mean_normalized_variance: jnum,
    skills: z.array(skillReportSchema),
    traces: z.array(episodeTraceSchema).optional(),
    goal: z.array(jnum).optional(),
    success_radius: jnum.optional(),
    mean_final_distance: jnum.optional(),
    skills_from: z.object({ run: z.string(), algo: z.string(), sha256: z.string() }).optional(),
    /**
     * A skill embedding's interpolations between two tasks' embedding means (engine/algos/
     * skill_embedding_run.ts): one trace per α, z as its one segment's skill.
     */
    interpolations: z
      .array(
        z.object({
          from: count,
          to: count,
          alphas: z.array(z.number()),
          traces: z.array(episodeTraceSchema),
          /** On the arm: every task's goal (m, 3-D) for the pair's block start, in task order. */
          goals: z.array(z.array(jnum)).optional(),
        }),
      )
      .optional(),
    /** The target regions' centres (m) a skill embedding's tasks reward. */
    regions: z.array(z.array(jnum)).optional(),
    /** A multi-task evaluation's task names, in task order. */
    task_names: z.array(z.string()).optional(),
  })
  .catchall(z.unknown());
export type EvalSummary = z.infer<typeof evalSummarySchema>;

/** One evaluation rollout: per step (row 0 = reset state) f(s), global x-y (m) and qpos. */
export const evalRolloutSchema = z.object({
  skill: count,
  rollout: count,
  z: z.array(z.number()),
  f: z.array(z.array(z.number())),
  xy: z.array(z.array(z.number())),
  qpos: z.array(z.array(z.number())),
});
export type EvalRollout = z.infer<typeof evalRolloutSchema>;

/** A planning's id, chosen by the client that asks for it (to tell its events apart and stop it). */
export const planIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'a plan id: up to 64 letters, digits, ".", "_" and "-", starting with a letter or digit',
  );

/** One episode of a planning as drawn: executed f(s) and qpos per step, each segment's skill and predictions. */
export { episodeTraceSchema, planReportSchema };
export {
  MAX_PLAN_EPISODES,
  MAX_PLAN_EPISODES_TOTAL,
  MAX_PLAN_GOALS,
  plansWithSkills,
} from '../../engine/planning/schemas.ts';
export { MPPI_PRESETS, MPPI_PRESET_VALUES } from '../../engine/planning/settings.ts';
export type PlanEpisodeTrace = z.infer<typeof episodeTraceSchema>;
export type PlanReport = z.infer<typeof planReportSchema>;

// ── requests ───────────────────────────────────────────────────────────────────────────────────

const noParams = z.object({}).strict();
const runRef = z.object({ runId: runIdSchema }).strict();

/**
 * Every request: params and result schemas. Params objects are strict (a misspelt field is an error,
 * not silently ignored).
 */
export const METHODS = {
  /** The registered environments. */
  listEnvs: { params: noParams, result: z.object({ envs: z.array(envInfoSchema) }) },
  /** An environment's MJCF text, for building its 3D scene. */
  getEnvModel: {
    params: z.object({ env: z.enum(SKILL_ENVS) }).strict(),
    result: z.object({ env: z.enum(SKILL_ENVS), file: z.string(), xml: z.string() }),
  },
  /** The presets with their resolved configs, and every settable dotted config key. */
  listPresets: {
    params: noParams,
    result: z.object({ presets: z.array(presetInfoSchema), configKeys: z.array(z.string()) }),
  },
  /** Every run of the workspace; runs whose files cannot be read are listed apart with the reason. */
  listRuns: {
    params: noParams,
    result: z.object({
      runs: z.array(runSummarySchema),
      unreadable: z.array(z.object({ id: z.string(), error: z.string() })),
    }),
  },
  /**
   * Creates a run from a preset and starts its process. `overrides` sets config values by dotted key
   * (`{ 'sac.lr': 0.001 }`); an invalid value fails with code 'invalid' and per-field issues, and
   * creates nothing.
   */
  startRun: {
    params: z
      .object({
        algo: algoEnum,
        preset: z.string().min(1),
        seed: count.optional(),
        totalEnvSteps: z.number().int().positive().optional(),
        overrides: z.record(z.string(), z.unknown()).optional(),
      })
      .strict(),
    result: z.object({ run: runSummarySchema }),
  },
  /** Asks a training run to stop after its current iteration (with a checkpoint); resolves once it has. */
  stopRun: { params: runRef, result: z.object({ run: runSummarySchema }) },
  /** Continues a stopped, failed or killed run from its last checkpoint in a new process. */
  resumeRun: { params: runRef, result: z.object({ run: runSummarySchema }) },
  /** Ends the run's process if any, then removes its directory. */
  deleteRun: { params: runRef, result: z.object({ runId: runIdSchema }) },
  /** A run's full record. */
  getRun: { params: runRef, result: z.object({ run: runRecordSchema }) },
  /** A run's metric rows, those after `sinceIteration` when given. */
  getMetrics: {
    params: z.object({ runId: runIdSchema, sinceIteration: count.optional() }).strict(),
    result: z.object({ runId: runIdSchema, rows: z.array(metricRowSchema) }),
  },
  /**
   * A run's evaluation: the summary and the rollouts per skill and rollout (only the listed `skills`
   * when given). summary null and no rollouts: not evaluated yet.
   */
  getEvaluation: {
    params: z.object({ runId: runIdSchema, skills: z.array(count).optional() }).strict(),
    result: z.object({
      runId: runIdSchema,
      summary: evalSummarySchema.nullable(),
      rollouts: z.array(evalRolloutSchema),
    }),
  },
  /** Evaluates a run's checkpoint in a run process, as `skill-lab eval`; resolves with the summary. */
  evaluateRun: {
    params: z.object({ runId: runIdSchema, rollouts: z.number().int().min(1).max(100).optional() }).strict(),
    result: z.object({ runId: runIdSchema, summary: evalSummarySchema }),
  },
  /**
   * Switches a goal-sac run's hindsight relabeling (as `skill-lab relabel`): from the run's next
   * iteration when it trains, else when it resumes. The switch shows in its metric rows
   * (relabel_strategy, relabel_k) and on its learning curves.
   */
  setRelabeling: {
    params: z
      .object({
        runId: runIdSchema,
        /** goal-sac: a hindsight strategy; multitask-sac: a task relabeling strategy. */
        strategy: z.enum(ANY_RELABEL_STRATEGIES),
        /** goal-sac: k, the relabeled share being 1 − 1/(k+1). */
        k: z.number().int().min(0).max(32).optional(),
        /** multitask-sac: the relabeled share of each batch. */
        ratio: z.number().min(0).max(1).optional(),
      })
      .strict(),
    result: z.object({
      runId: runIdSchema,
      strategy: z.enum(ANY_RELABEL_STRATEGIES),
      k: count.optional(),
      ratio: z.number().optional(),
      appliesAt: z.enum(['next-iteration', 'resume']),
    }),
  },
  /**
   * The task a goal-sac run trains on — its own task.json, as trained even if the workspace task
   * changed since — and the compiled scene (MJCF) for 3D replays; both null for bit flipping.
   */
  getRunTask: {
    params: z.object({ runId: runIdSchema }).strict(),
    result: z.object({
      runId: runIdSchema,
      spec: taskSpecInputSchema.nullable(),
      xml: z.string().nullable(),
    }),
  },
  /**
   * A skill-embedding run's task embeddings p(z | t) from its latest checkpoint, drawn in 2-D (z
   * itself for d ≤ 2, the task means' two principal components above) with the KL divergences
   * between tasks. 'conflict' for a run of an algorithm without task embeddings or without a
   * checkpoint.
   */
  getSkillEmbedding: {
    params: runRef,
    result: z.object({
      runId: runIdSchema,
      latentDim: count,
      projection: z.union([
        z.object({ kind: z.literal('direct') }),
        z.object({
          kind: z.literal('pca'),
          axes: z.array(z.array(z.number())),
          explained: z.array(z.number()),
        }),
      ]),
      tasks: z.array(
        z.object({
          task: count,
          name: z.string(),
          mean: z.array(z.number()),
          std: z.array(z.number()),
          entropy: z.number(),
          x: z.number(),
          y: z.number(),
          sx: z.number(),
          sy: z.number(),
        }),
      ),
      kl: z.array(z.array(z.number())),
      iteration: count,
      envSteps: count,
    }),
  },
  /**
   * Zero-shot goal reaching with a DADS run's skills (as `skill-lab plan`, the same numbers for the
   * same goals and seed): MPPI over its skill dynamics picks a skill every H_Z env steps, its skill
   * policy acts, random skill sequences on the same starts as the baseline. Runs in a process of its
   * own from the run's latest checkpoint (a run that trains meanwhile is fine); each finished episode
   * is pushed as a `planEpisode` event with this `planId`; resolves with the report and every
   * episode (the baseline's without qpos). 'conflict' for a run that is not DADS, has no checkpoint,
   * a plan id in use or too many plans at once; 'invalid' naming the field for bad goals or planner
   * settings; 'internal' with the reason when the planning fails, 'conflict' when it was stopped.
   */
  planSkills: {
    params: z
      .object({ runId: runIdSchema, planId: planIdSchema, ...planRequestFields })
      .strict()
      .superRefine(checkPlanRequest),
    result: z.object({
      runId: runIdSchema,
      planId: planIdSchema,
      /** The checkpoint the skills came from. */
      checkpoint: checkpointRefSchema,
      report: planReportSchema,
      traces: z.object({ planner: z.array(episodeTraceSchema), baseline: z.array(episodeTraceSchema) }),
    }),
  },
  /** Stops a running planning (its planSkills request then fails with 'conflict'); stopped false: none ran. */
  stopPlan: {
    params: z.object({ planId: planIdSchema }).strict(),
    result: z.object({ planId: planIdSchema, stopped: z.boolean() }),
  },
  // ── tasks (issue #4 §3) ──
  /** Built-in tasks (read-only) and the workspace's tasks (<workspace>/tasks/<name>.json). */
  listTasks: {
    params: noParams,
    result: z.object({
      tasks: z.array(taskSummarySchema),
      /** Workspace task files that cannot be read or do not validate, with the reason. */
      unreadable: z.array(z.object({ file: z.string(), error: z.string() })),
    }),
  },
  /** A task's spec as stored (defaults filled in); a workspace task shadows nothing: built-in names are reserved. */
  getTask: {
    params: z.object({ name: taskNameSchema }).strict(),
    result: z.object({
      name: taskNameSchema,
      source: taskSummarySchema.shape.source,
      spec: taskSpecInputSchema,
    }),
  },
  /**
   * Validates a spec without saving it: field-level issues (path as `objects[0].mass`), the scene
   * warnings of checkTask, and the compiled MJCF when the spec is valid (null otherwise).
   */
  validateTask: {
    params: z.object({ spec: taskSpecParamSchema }).strict(),
    result: z.object({
      valid: z.boolean(),
      issues: z.array(issueSchema),
      warnings: z.array(taskWarningSchema),
      xml: z.string().nullable(),
    }),
  },
  /**
   * Saves a spec as the workspace task `spec.name` (atomic write, replacing a workspace task of that
   * name). 'invalid' with issues for a bad spec (nothing written); 'conflict' for a built-in name.
   */
  saveTask: {
    params: z.object({ spec: taskSpecParamSchema }).strict(),
    result: z.object({ task: taskSummarySchema, spec: taskSpecInputSchema }),
  },
  /** Removes a workspace task's file; 'conflict' for a built-in, 'not_found' for an unknown name. */
  deleteTask: {
    params: z.object({ name: taskNameSchema }).strict(),
    result: z.object({ name: taskNameSchema }),
  },
  /**
   * Resets the real env of a spec `count` times (first reset seeded with `seed`) and returns each
   * reset's qpos, desired goal and domain-randomization draws. 'invalid' with issues for a bad spec.
   */
  sampleResets: {
    params: z
      .object({
        spec: taskSpecParamSchema,
        count: z.number().int().min(1).max(MAX_SAMPLE_RESETS).default(10),
        seed: z.number().int().nonnegative().default(0),
      })
      .strict(),
    result: z.object({ samples: z.array(taskSampleSchema) }),
  },
  // ── end tasks ──
  // ── replay browser (issue #4 §6) ──
  /**
   * A page of a run's stored episodes (replay/episode_store.ts), sorted, filtered by a SQL boolean
   * expression over the listed columns; 'invalid' naming the problem for a refused filter. A run
   * without episodes gives an empty page.
   */
  listEpisodes: {
    params: z.object({ runId: runIdSchema, ...replay.listEpisodesFields }).strict(),
    result: z.object({ runId: runIdSchema, ...replay.listEpisodesResultFields }),
  },
  /** One episode's per-step arrays, and its reward recomputed under a relabeled goal when asked. */
  getEpisode: {
    params: z.object({ runId: runIdSchema, ...replay.getEpisodeFields }).strict(),
    result: z.object({ runId: runIdSchema, ...replay.getEpisodeResultFields }),
  },
  /** Return histogram and desired-goal heat map of the (filtered) episodes. */
  episodeStats: {
    params: z.object({ runId: runIdSchema, ...replay.episodeStatsFields }).strict(),
    result: z.object({ runId: runIdSchema, ...replay.episodeStatsResultFields }),
  },
  /** Writes the (filtered / selected) episodes with their per-step arrays to <run>/exports/. */
  exportEpisodes: {
    params: z.object({ runId: runIdSchema, ...replay.exportEpisodesFields }).strict(),
    result: z.object({ runId: runIdSchema, ...replay.exportEpisodesResultFields }),
  },
  // ── end replay browser ──
  /**
   * Every sweep of the workspace with each point's status (its run, and Slurm's state for Slurm
   * sweeps); unreadable sweeps apart with the reason.
   */
  listSweeps: {
    params: noParams,
    result: z.object({
      sweeps: z.array(sweepSummarySchema),
      unreadable: z.array(z.object({ id: z.string(), error: z.string() })),
    }),
  },
  /**
   * Creates a sweep from a spec (the same object as a spec file) and starts it: local sweeps train
   * in this service's run processes, `parallel` at a time; Slurm sweeps are submitted as a job array
   * after a probe job checked the workspace is writable from a job. An invalid spec or point fails
   * with 'invalid' naming the point and field, and creates nothing; so does a refused submission.
   */
  startSweep: {
    params: z.object({ spec: sweepSpecSchema }).strict(),
    result: z.object({ sweep: sweepSummarySchema }),
  },
  /** Cancels a sweep: no further point starts, live runs stop with a checkpoint, Slurm arrays are scancelled. */
  cancelSweep: { params: sweepRefSchema, result: z.object({ sweep: sweepSummarySchema }) },
  /** Trains the points that did not complete again, each from its checkpoint, on the sweep's executor. */
  resumeSweep: { params: sweepRefSchema, result: z.object({ sweep: sweepSummarySchema }) },
  /**
   * Draws a figure from a figure spec as `skill-lab figure --spec` does (in a child process: the
   * service never blocks on it) and answers with its SVG, the plotted data as CSV and the runs the
   * spec resolved to; nothing is saved. An invalid spec, unknown run, empty query or metric no run
   * reports fails with 'invalid' and the command's message.
   */
  previewFigure: {
    params: z.object({ spec: figureSpecSchema }).strict(),
    result: z.object({ svg: z.string(), csv: z.string(), runIds: z.array(z.string()) }),
  },
  /**
   * Writes a figure from a spec into the workspace's figures/ folder as `<name>-<time>`: the spec's
   * formats (SVG, PDF, PNG), the CSV and the spec with its runs beside; answers with the files.
   */
  exportFigure: {
    params: z.object({ spec: figureSpecSchema, name: figureNameSchema.optional() }).strict(),
    result: z.object({
      name: figureNameSchema,
      files: z.record(z.string(), z.string()),
      runIds: z.array(z.string()),
    }),
  },
  /** The figures of the workspace's figures/ folder that have a spec beside them, newest first. */
  listFigures: { params: noParams, result: z.object({ figures: z.array(savedFigureSchema) }) },
} as const;

export type Methods = typeof METHODS;
export type MethodName = keyof Methods;
export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];
/** Params as a caller writes them (optional fields may be left out). */
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
/** Params after validation. */
export type ParsedParamsOf<M extends MethodName> = z.output<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.output<Methods[M]['result']>;

/** True when `name` is a method of the contract. */
export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(METHODS, name);
}

// ── events ─────────────────────────────────────────────────────────────────────────────────────

/** Pushed events. Live ones are batched: at most ~10 metrics messages per second per run. */
export const EVENTS = {
  /** A run's summary after any change of status or activity (start, stop, end, error, evaluation). */
  runStatus: runSummarySchema,
  /** New metric rows of a training run, batched (≥ 100 ms apart per run). */
  metrics: z.object({
    runId: runIdSchema,
    rows: z.array(metricRowSchema),
    envSteps: count,
    totalEnvSteps: count,
    /** Env steps per wall-clock second in this session of the run. */
    stepsPerSecond: z.number(),
  }),
  /** A live preview episode of one skill of a training run: qpos per env step, dt s apart. */
  rollout: z.object({
    runId: runIdSchema,
    env: z.enum(SKILL_ENVS),
    /** Training iteration and env steps when the preview was rolled out. */
    iteration: count,
    envSteps: count,
    skill: count,
    z: z.array(z.number()),
    dt: z.number().positive(),
    qpos: z.array(z.array(z.number())),
  }),
  /** Something went wrong outside a request: a run process failed (runId set), or the service. */
  error: z.object({ runId: runIdSchema.nullable(), message: z.string() }),
  /** A run was deleted. */
  runDeleted: z.object({ runId: runIdSchema }),
  /** A planning (planSkills) finished episode `index` (0-based, per kind) of the planner or the baseline. */
  planEpisode: z.object({
    planId: planIdSchema,
    runId: runIdSchema,
    kind: z.enum(PLAN_EPISODE_KINDS),
    index: count,
    trace: episodeTraceSchema,
  }),
} as const;

export type Events = typeof EVENTS;
export type EventName = keyof Events;
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];
export type EventData<E extends EventName> = z.output<Events[E]>;

// ── envelopes ──────────────────────────────────────────────────────────────────────────────────

export const requestIdSchema = z.union([z.string().max(200), z.number().int()]);

/**
 * A request envelope. `method` is any string here so that an unknown method still gets an answer
 * with the request's id; {@link parseRequest} checks it against {@link METHODS}.
 */
export const requestEnvelopeSchema = z
  .object({ id: requestIdSchema, method: z.string(), params: z.unknown().optional() })
  .strict();
export type RequestEnvelope<M extends MethodName = MethodName> = {
  id: z.infer<typeof requestIdSchema>;
  method: M;
  params?: ParamsOf<M>;
};

export const responseEnvelopeSchema = z.union([
  z.object({ id: requestIdSchema.nullable(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: requestIdSchema.nullable(), ok: z.literal(false), error: apiErrorSchema }),
]);
export type ResponseEnvelope<R = unknown> =
  | { id: string | number | null; ok: true; result: R }
  | { id: string | number | null; ok: false; error: ApiErrorPayload };

const eventEnvelope = <E extends EventName>(name: E) =>
  z.object({ event: z.literal(name), data: EVENTS[name] as Events[E] });

export const eventEnvelopeSchema = z.discriminatedUnion('event', [
  eventEnvelope('runStatus'),
  eventEnvelope('metrics'),
  eventEnvelope('rollout'),
  eventEnvelope('error'),
  eventEnvelope('runDeleted'),
  eventEnvelope('planEpisode'),
]);
export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

// ── validation helpers (used by both transports) ──────────────────────────────────────────────

/**
 * zod issues as {@link ApiIssue}s with dotted paths (under `prefix`). An unknown field of a strict
 * object becomes one issue per field with that field as its path, so the answer names it (zod puts
 * them all at the object's own path).
 */
export function toIssues(error: z.ZodError, prefix = ''): ApiIssue[] {
  const issues = configIssues(error, prefix) satisfies ConfigIssue[];
  return error.issues.flatMap((issue, k) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: [issues[k].path, key].filter(Boolean).join('.'),
          message: `unknown field ${JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key)}`,
        }))
      : [issues[k]],
  );
}

/** Formats issues as `path: message` lines. */
export function formatApiIssues(issues: ApiIssue[]): string {
  return issues.map((i) => `${i.path || '(params)'}: ${i.message}`).join('\n');
}

/**
 * Validates a method's params (undefined counts as `{}`): first their shape against the limits of
 * params_limits.ts (depth, number of values), then the method's schema.
 * @returns the parsed params, or an 'invalid' error payload with per-field issues.
 */
export function parseParams<M extends MethodName>(
  method: M,
  params: unknown,
): { ok: true; params: ParsedParamsOf<M> } | { ok: false; error: ApiErrorPayload } {
  const tooLarge = paramsLimitIssue(params);
  if (tooLarge)
    return {
      ok: false,
      error: {
        code: 'invalid',
        message: `invalid params of ${method}:\n${formatApiIssues([tooLarge])}`,
        issues: [tooLarge],
      },
    };
  const result = METHODS[method].params.safeParse(params ?? {});
  if (result.success) return { ok: true, params: result.data as ParsedParamsOf<M> };
  const issues = toIssues(result.error);
  return {
    ok: false,
    error: { code: 'invalid', message: `invalid params of ${method}:\n${formatApiIssues(issues)}`, issues },
  };
}

/**
 * {@link parseParams} for a caller that throws on bad params (the service's methods).
 * @returns the parsed params
 * @throws ApiError 'invalid' with per-field issues.
 */
export function checkParams<M extends MethodName>(method: M, params: unknown): ParsedParamsOf<M> {
  const parsed = parseParams(method, params);
  if (!parsed.ok) throw ApiError.fromPayload(parsed.error);
  return parsed.params;
}

/**
 * Validates a method's result (a client checks what it received; the service checks what it sends).
 * @returns the parsed result, or an 'internal' error payload naming the method and the fields.
 */
export function parseResult<M extends MethodName>(
  method: M,
  result: unknown,
): { ok: true; result: ResultOf<M> } | { ok: false; error: ApiErrorPayload } {
  const parsed = METHODS[method].result.safeParse(result);
  if (parsed.success) return { ok: true, result: parsed.data as ResultOf<M> };
  const issues = toIssues(parsed.error);
  return {
    ok: false,
    error: {
      code: 'internal',
      message: `the result of ${method} does not match the API contract:\n${formatApiIssues(issues)}`,
      issues,
    },
  };
}

/**
 * Validates a raw request message (already JSON-parsed).
 * @returns the envelope with validated params, or an error response carrying the request's id when
 *   it could be read.
 */
export function parseRequest(
  raw: unknown,
):
  | { ok: true; id: string | number; method: MethodName; params: unknown }
  | { ok: false; response: ResponseEnvelope<never> } {
  const envelope = requestEnvelopeSchema.safeParse(raw);
  const rawId = (raw as { id?: unknown } | null)?.id;
  const id = requestIdSchema.safeParse(rawId).success ? (rawId as string | number) : null;
  if (!envelope.success) {
    const issues = toIssues(envelope.error);
    return {
      ok: false,
      response: {
        id,
        ok: false,
        error: {
          code: 'invalid',
          message: `invalid request envelope (expected { id, method, params }):\n${formatApiIssues(issues)}`,
          issues,
        },
      },
    };
  }
  const { method } = envelope.data;
  if (!isMethodName(method)) {
    return {
      ok: false,
      response: unknownMethodResponse(method, id),
    };
  }
  const params = parseParams(method, envelope.data.params);
  if (!params.ok) return { ok: false, response: { id, ok: false, error: params.error } };
  return { ok: true, id: envelope.data.id, method, params: params.params };
}

// ── the client interface ──────────────────────────────────────────────────────────────────────

/** Keys of T without its index signatures (zod types the params of `z.object({})` as one). */
type KnownKeys<T> = keyof { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };
/** Keys of T that must be given. */
type RequiredKeys<T> = { [K in KnownKeys<T>]-?: undefined extends T[K] ? never : K }[KnownKeys<T>];

/** One async function per request; methods without required params may be called without an argument. */
export type LabRequests = {
  [M in MethodName]: [RequiredKeys<ParamsOf<M>>] extends [never]
    ? (params?: ParamsOf<M>) => Promise<ResultOf<M>>
    : (params: ParamsOf<M>) => Promise<ResultOf<M>>;
};

/**
 * What the renderer talks to, whatever the transport (Electron IPC through the preload, or
 * WebSocket); the node-side LabService implements it in-process. A failed request rejects with an
 * {@link ApiError}.
 */
export interface LabClient extends LabRequests {
  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (data: EventData<E>) => void): () => void;
}

/** A failed request, as thrown by clients and the service: code, message and per-field issues. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly issues: ApiIssue[] | undefined;
  constructor(code: ErrorCode, message: string, issues?: ApiIssue[]) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.issues = issues;
  }

  /** The error as it travels in a response envelope. */
  toPayload(): ApiErrorPayload {
    return { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) };
  }

  /** Rebuilds an ApiError from a response's error payload. */
  static fromPayload(payload: ApiErrorPayload): ApiError {
    return new ApiError(payload.code, payload.message, payload.issues);
  }
}

/** The error response for a method name the contract does not have, listing the allowed ones. */
export function unknownMethodResponse(method: string, id: string | number | null): ResponseEnvelope<never> {
  return {
    id,
    ok: false,
    error: {
      code: 'not_found',
      message: `unknown method "${method}"; allowed: ${METHOD_NAMES.join(', ')}`,
      issues: [{ path: 'method', message: `unknown method "${method}"`, allowed: METHOD_NAMES }],
    },
  };
}
