/**
 * The replay browser's part of the API contract (issue #4 §6): the episode columns a table, a sort
 * and a filter bar can use, and the params and results of listEpisodes, getEpisode, episodeStats
 * and exportEpisodes. The data comes from the run's episode files (engine/replay/episode_store.ts),
 * queried with DuckDB in the app/server process (replay.ts).
 *
 * The shapes below are field sets; contract.ts adds `runId` to each and makes params strict.
 *
 * Browser-safe: imports only zod (contract.test.ts checks the closure).
 */
import { z } from 'zod';

const count = z.number().int().nonnegative();

/**
 * Columns of an episode row, in table order: name (as SQL in filters and sorts, and as the row's
 * key), kind, and what it means. `share_relabeled` is null for an episode never sampled.
 */
export const EPISODE_LIST_COLUMNS = [
  { name: 'episode_id', kind: 'integer', description: 'global id, increasing in collection order' },
  { name: 'task', kind: 'string', description: 'task the episode was collected on' },
  { name: 'desired_goal', kind: 'number[]', description: 'original desired goal (m); desired_goal[1] is x' },
  {
    name: 'final_achieved_goal',
    kind: 'number[]',
    description: 'achieved goal at the last step (m); final_achieved_goal[1] is x',
  },
  { name: 'return', kind: 'number', description: 'sum of the env rewards' },
  { name: 'success', kind: 'boolean', description: 'the final step met the goal' },
  { name: 'length', kind: 'integer', description: 'steps T' },
  { name: 'final_distance', kind: 'number', description: '‖final achieved goal − desired goal‖ (m)' },
  { name: 'iteration', kind: 'integer', description: 'training iteration that collected it' },
  { name: 'env_step', kind: 'integer', description: 'env steps of the run at its last step' },
  { name: 'env_index', kind: 'integer', description: 'env that collected it' },
  { name: 'n_sampled', kind: 'integer', description: 'its transitions drawn into training batches' },
  { name: 'share_relabeled', kind: 'number', description: 'share of those draws with a relabeled goal' },
  { name: 'n_original', kind: 'integer', description: 'draws that kept the original goal' },
  { name: 'n_final', kind: 'integer', description: 'draws relabeled by final' },
  { name: 'n_future', kind: 'integer', description: 'draws relabeled by future' },
  { name: 'n_episode', kind: 'integer', description: 'draws relabeled by episode' },
  { name: 'n_random', kind: 'integer', description: 'draws relabeled by random' },
] as const;

export const EPISODE_COLUMN_NAMES = EPISODE_LIST_COLUMNS.map((c) => c.name) as unknown as readonly [
  (typeof EPISODE_LIST_COLUMNS)[number]['name'],
  ...(typeof EPISODE_LIST_COLUMNS)[number]['name'][],
];
/**
 * A column of the episode table: one of {@link EPISODE_COLUMN_NAMES}, or one of the run's
 * domain-randomization draws (`friction_scale`, `table_friction_scale`, …; engine/tasks/
 * physics_keys.ts), which exist only in runs whose task randomizes physics.
 */
export type EpisodeColumn = (typeof EPISODE_COLUMN_NAMES)[number] | (string & {});

/** A column name as a sort may give it; the service checks it against the run's columns. */
const columnNameSchema = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a column name such as return');

export const episodeColumnSchema = z.object({
  name: columnNameSchema,
  kind: z.enum(['integer', 'number', 'string', 'boolean', 'number[]']),
  description: z.string(),
});

/** One row of the episode table; keys are the column names. */
export const episodeRowSchema = z
  .object({
    episode_id: count,
    task: z.string(),
    desired_goal: z.array(z.number()),
    final_achieved_goal: z.array(z.number()),
    return: z.number(),
    success: z.boolean(),
    length: count,
    final_distance: z.number().nullable(),
    iteration: count,
    env_step: count,
    env_index: count,
    n_sampled: count,
    share_relabeled: z.number().nullable(),
    n_original: count,
    n_final: count,
    n_future: count,
    n_episode: count,
    n_random: count,
  })
  // The run's domain-randomization columns: scale factors, null for episodes recorded without them
  // (typed unknown so that the index signature does not clash with the fixed columns' types).
  .catchall(z.unknown());
export type EpisodeRow = z.infer<typeof episodeRowSchema>;

/** Largest page of listEpisodes. */
export const MAX_EPISODE_PAGE = 200;

/** A filter bar's text: one SQL boolean expression over the columns, e.g. `success AND return > -20`. */
const filterSchema = z.string().max(2000).optional();

/** listEpisodes params besides runId. */
export const listEpisodesFields = {
  /** 0-based page index. */
  page: count.default(0),
  pageSize: z.number().int().min(1).max(MAX_EPISODE_PAGE).default(50),
  /** Ties are broken by episode_id ascending; nulls sort last. */
  sort: z
    .object({ column: columnNameSchema, dir: z.enum(['asc', 'desc']).default('asc') })
    .strict()
    .default({ column: 'episode_id', dir: 'asc' }),
  filter: filterSchema,
};

/** listEpisodes result besides runId. */
export const listEpisodesResultFields = {
  rows: z.array(episodeRowSchema),
  /** Episodes matching the filter. */
  total: count,
  /** Episodes stored. */
  totalUnfiltered: count,
  page: count,
  pageSize: count,
  columns: z.array(episodeColumnSchema),
};

/**
 * A relabeled goal for getEpisode's reward curve: a goal vector (goalDim values), `final` (the
 * episode's last achieved goal ag_T) or `future` with `step` s ∈ [1, T] (the goal achieved at step
 * s, ag_s: what future relabeling can give the transitions t < s).
 */
export const relabelGoalSchema = z.union([
  z.array(z.number()).min(1).max(64),
  z.object({ strategy: z.literal('final') }).strict(),
  z.object({ strategy: z.literal('future'), step: z.number().int().min(1) }).strict(),
]);

/** getEpisode params besides runId. */
export const getEpisodeFields = { episodeId: count, relabelGoal: relabelGoalSchema.optional() };

/** getEpisode result besides runId. */
export const getEpisodeResultFields = {
  episode: episodeRowSchema,
  /** Control period (s) between qpos rows; 0 for bit flipping. */
  dt: z.number(),
  nq: count,
  goalDim: count,
  /** [T+1][nq]: the initial state, then the state after each step (empty rows for bit flipping). */
  qpos: z.array(z.array(z.number())),
  /** [T+1][goalDim]: ag_0 … ag_T. */
  achievedGoal: z.array(z.array(z.number())),
  /** [T][actDim] */
  action: z.array(z.array(z.number())),
  /** [T] the env's reward under the original goal. */
  reward: z.array(z.number()),
  /** [T] the env's success flag per step. */
  stepSuccess: z.array(z.boolean()),
  /** The reward recomputed by the task's evaluate under the chosen relabeled goal; null if none asked. */
  relabel: z
    .object({
      goal: z.array(z.number()),
      /** Where the goal came from, and the achieved-goal step it is (null for a given vector). */
      source: z.enum(['goal', 'final', 'future']),
      step: count.nullable(),
      /** [T] r(ag_{t+1}, goal, info) */
      reward: z.array(z.number()),
      success: z.array(z.boolean()),
      return: z.number(),
    })
    .nullable(),
};

/** The bins of a range are computed from hi − lo, so it must be a finite number too (±1e308 is not). */
const range = z
  .tuple([z.number(), z.number()])
  .refine(
    ([lo, hi]) => hi > lo && Number.isFinite(hi - lo),
    'a range [lo, hi] with hi > lo and a finite width hi − lo',
  );

/** episodeStats params besides runId. */
export const episodeStatsFields = {
  filter: filterSchema,
  /** Bins of the return histogram. */
  bins: z.number().int().min(1).max(200).default(20),
  /** Bins per axis of the goal heat map. */
  goalBins: z.number().int().min(1).max(100).default(20),
  /** Heat map extent in m (default: the goals' own extent), e.g. the table's. */
  goalRange: z.object({ x: range, y: range }).strict().optional(),
  /** Which goals the heat map counts: the desired goals, or the goals achieved at the episodes' ends. */
  goalKind: z.enum(['desired', 'achieved']).default('desired'),
};

/** Histogram bins: counts[i] covers [edges[i], edges[i+1]) (the last bin includes its right edge). */
const histogram = z.object({ edges: z.array(z.number()), counts: z.array(count) });

/** episodeStats result besides runId. */
export const episodeStatsResultFields = {
  /** Episodes matching the filter (= Σ return counts). */
  total: count,
  /** Share of them that succeeded; null when there are none. */
  successRate: z.number().nullable(),
  returns: histogram,
  /**
   * Goal positions (desired or final achieved goals, as goalKind asks): counts[j][i] for x in bin i
   * and y in bin j (goal components 0 and 1);
   * goals outside a given goalRange are left out. null when the goals have fewer than 2 components.
   */
  goals: z
    .object({ xEdges: z.array(z.number()), yEdges: z.array(z.number()), counts: z.array(z.array(count)) })
    .nullable(),
};

export const EXPORT_FORMATS = ['parquet', 'csv'] as const;

/** exportEpisodes params besides runId. */
export const exportEpisodesFields = {
  filter: filterSchema,
  /** Only these episodes (a hand-picked selection), further narrowed by the filter. */
  episodeIds: z.array(count).max(100_000).optional(),
  format: z.enum(EXPORT_FORMATS).default('parquet'),
};

/** exportEpisodes result besides runId. */
export const exportEpisodesResultFields = {
  /** Absolute path of `<run>/exports/episodes-<stamp>.<ext>`. */
  path: z.string(),
  rows: count,
  format: z.enum(EXPORT_FORMATS),
};
