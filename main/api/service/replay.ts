/**
 * The replay browser's queries (issue #4 §6), in the app/server process: DuckDB over a run's episode
 * files (engine/replay/episode_store.ts), never in the renderer and never in a run process.
 *
 * - One DuckDB instance per {@link ReplayBrowser} (one per service), created on first use, with
 *   external access off except for the workspace (`allowed_directories`), configuration locked:
 *   even a filter that got past replay_filter.ts could not read or write other files.
 * - Every request uses its own connection, so concurrent requests do not share query state.
 * - Only the columns a request needs are read: listing and stats never touch the per-step arrays,
 *   which is what keeps a filtered page of a 1M-transition run far below 200 ms.
 * - Files appear atomically (temp + rename), so a run that trains while it is browsed only adds
 *   parts; a part a resume removes between listing and reading gives one retry.
 * - Every value of a request (ids, page, bin edges, goal ranges) is a bound, typed parameter, never
 *   SQL text (issue #10 §4): only the checked filter (replay_filter.ts), a sort column checked
 *   against the run's columns, the run's physics keys (checked against their pattern) and the
 *   lab's own file paths are part of the statement.
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  BIGINT,
  DOUBLE,
  DuckDBInstance,
  LIST,
  listValue,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import {
  EPISODES_DIR,
  EPISODES_META_FILE,
  RELABEL_STATS_FILE,
  listParts,
  sqlString,
  type EpisodesMeta,
} from '../../engine/replay/episode_store.ts';
import { RunDir } from '../../engine/runs/store.ts';
import { RUN_TASK_FILE } from '../../engine/algos/goal_sac_run.ts';
import { compileTask, parseTaskSpec } from '../../engine/tasks/index.ts';
import { bitFlipReward } from '../../engine/sim/bit_flip.ts';
import type { GoalRewardFn } from '../../engine/sim/types.ts';
import { ApiError, checkParams, type ResultOf } from '../contract/contract.ts';
import { checkFilter } from './replay_filter.ts';
import { EPISODE_LIST_COLUMNS, type EpisodeRow } from '../contract/replay_schemas.ts';
import { PHYSICS_KEY_PATTERN, describePhysicsKey } from '../../engine/tasks/physics_keys.ts';

/** DuckDB error classes caused by the request's text (a filter that binds badly), not by the lab. */
const USER_ERROR = /^(Binder|Conversion|Parser|Invalid Input|Out of Range) Error/;

/** BIGINTs as numbers, recursively (ids and counts stay far below 2^53). */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** The files of one run's episodes. */
interface RunFiles {
  run: RunDir;
  parts: string[];
  stats: string | null;
  /** Names of the run's domain-randomization draws (meta.json's physicsKeys; [] for older runs). */
  physics: readonly string[];
}

/** The episode columns of a run whose episodes carry the draws `physics`: the fixed ones, then those. */
function columnsOf(physics: readonly string[]): ResultOf<'listEpisodes'>['columns'] {
  return [
    ...EPISODE_LIST_COLUMNS.map((c) => ({ ...c })),
    ...physics.map((name) => ({ name, kind: 'number' as const, description: describePhysicsKey(name) })),
  ];
}

const names = (columns: ReadonlyArray<{ name: string }>) => columns.map((c) => c.name);

/**
 * The physics keys of a run's episodes, from meta.json; [] when there is none yet or it predates
 * them. Keys become SQL identifiers, so each must be a known physics key.
 * @throws ApiError 'internal' naming the file when a key is not one.
 */
function physicsKeysOf(runPath: string): readonly string[] {
  const file = join(runPath, EPISODES_DIR, EPISODES_META_FILE);
  if (!existsSync(file)) return [];
  const keys = (JSON.parse(readFileSync(file, 'utf8')) as Partial<EpisodesMeta>).physicsKeys ?? [];
  const bad = keys.find((k) => !PHYSICS_KEY_PATTERN.test(k));
  if (bad !== undefined) throw new ApiError('internal', `${file}: '${bad}' is not a physics key`);
  return keys;
}

/** See the file comment. */
export class ReplayBrowser {
  private instance: Promise<DuckDBInstance> | null = null;
  private readonly rewards = new Map<string, GoalRewardFn>();

  /** @param workspace the workspace root; its runs are under `<workspace>/runs`. */
  constructor(readonly workspace: string) {}

  /** Closes DuckDB (requests after this open a new instance). */
  async close(): Promise<void> {
    const pending = this.instance;
    this.instance = null;
    if (pending) (await pending).closeSync();
  }

  // ── requests ───────────────────────────────────────────────────────────────────────────────

  /** See METHODS.listEpisodes. */
  async listEpisodes(params: unknown): Promise<ResultOf<'listEpisodes'>> {
    const p = checkParams('listEpisodes', params);
    const physics = physicsKeysOf(join(this.workspace, 'runs', p.runId));
    const columns = columnsOf(physics);
    if (!columns.some((c) => c.name === p.sort.column))
      throw new ApiError('invalid', `sort.column: no column '${p.sort.column}' in this run's episodes`, [
        { path: 'sort.column', message: `must be one of ${columns.map((c) => c.name).join(', ')}` },
      ]);
    const empty = {
      runId: p.runId,
      rows: [],
      total: 0,
      totalUnfiltered: 0,
      page: p.page,
      pageSize: p.pageSize,
    };
    return this.withRun(p.runId, { ...empty, columns }, p.filter, async (con, files) => {
      const where = p.filter ? await checkFilter(con, p.filter, names(columns)) : 'true';
      const source = episodesSource(files);
      const dir = p.sort.dir === 'desc' ? 'DESC' : 'ASC';
      const [counts] = await query(
        con,
        `WITH e AS ${source} SELECT count(*) FILTER (WHERE ${where}) AS total, count(*) AS total_unfiltered FROM e`,
      );
      const rows = await query(
        con,
        `WITH e AS ${source} SELECT * FROM e WHERE ${where}
         ORDER BY "${p.sort.column}" ${dir} NULLS LAST, episode_id
         LIMIT $limit OFFSET $offset`,
        { limit: int(p.pageSize), offset: int(p.page * p.pageSize) },
      );
      return {
        ...empty,
        rows: rows as EpisodeRow[],
        total: counts.total as number,
        totalUnfiltered: counts.total_unfiltered as number,
        columns,
      };
    });
  }

  /** See METHODS.getEpisode. @throws ApiError 'not_found' for an unknown episode id. */
  async getEpisode(params: unknown): Promise<ResultOf<'getEpisode'>> {
    const p = checkParams('getEpisode', params);
    const missing = () => new ApiError('not_found', `run ${p.runId} has no episode ${p.episodeId}`);
    return this.withRun(p.runId, null, undefined, async (con, files) => {
      const meta = readMeta(files.run);
      const [row] = await query(
        con,
        `WITH e AS ${episodesSource(files, ['qpos', 'achieved_goal', 'next_achieved_goal', 'action', 'reward', 'step_success', 'info'])}
         SELECT * FROM e WHERE episode_id = $id`,
        { id: int(p.episodeId) },
      );
      if (!row) throw missing();
      const T = row.length as number;
      const nextAg = row.next_achieved_goal as number[][];
      const achievedGoal = [...(row.achieved_goal as number[][]).slice(0, 1), ...nextAg];
      let relabel: ResultOf<'getEpisode'>['relabel'] = null;
      if (p.relabelGoal !== undefined) {
        let goal: number[];
        let step: number | null = null;
        let source: 'goal' | 'final' | 'future' = 'goal';
        if (Array.isArray(p.relabelGoal)) {
          goal = p.relabelGoal;
          if (goal.length !== meta.goalDim)
            throw new ApiError(
              'invalid',
              `relabelGoal has ${goal.length} values; the run's goals have ${meta.goalDim}`,
              [{ path: 'relabelGoal', message: `expected ${meta.goalDim} values` }],
            );
        } else {
          source = p.relabelGoal.strategy;
          step = p.relabelGoal.strategy === 'final' ? T : p.relabelGoal.step;
          if (step > T)
            throw new ApiError('invalid', `relabelGoal.step ${step} is past the episode's last step ${T}`, [
              { path: 'relabelGoal.step', message: `must be in [1, ${T}]` },
            ]);
          goal = achievedGoal[step];
        }
        const reward = this.rewardOf(files.run);
        const G = meta.goalDim;
        const desired = new Float32Array(T * G);
        for (let t = 0; t < T; t++) desired.set(goal, t * G);
        const info: Record<string, Float32Array> = {};
        meta.infoKeys.forEach((k, i) => (info[k] = Float32Array.from(row.info as number[][], (r) => r[i])));
        const ev = reward(Float32Array.from(nextAg.flat()), desired, meta.infoKeys.length ? info : undefined);
        const rewards = Array.from(ev.reward);
        relabel = {
          goal,
          source,
          step,
          reward: rewards,
          success: Array.from(ev.success, Boolean),
          return: rewards.reduce((s, r) => s + r, 0),
        };
      }
      const episode = Object.fromEntries(
        names(columnsOf(files.physics)).map((c) => [c, row[c]]),
      ) as EpisodeRow;
      return {
        runId: p.runId,
        episode,
        dt: meta.dt,
        nq: meta.nq,
        goalDim: meta.goalDim,
        qpos: row.qpos as number[][],
        achievedGoal,
        action: row.action as number[][],
        reward: row.reward as number[],
        stepSuccess: row.step_success as boolean[],
        relabel,
      };
    }).then((r) => {
      if (!r) throw missing();
      return r;
    });
  }

  /** See METHODS.episodeStats. */
  async episodeStats(params: unknown): Promise<ResultOf<'episodeStats'>> {
    const p = checkParams('episodeStats', params);
    const none = {
      runId: p.runId,
      total: 0,
      successRate: null,
      returns: { edges: [], counts: [] },
      goals: null,
    };
    return this.withRun(p.runId, none, p.filter, async (con, files) => {
      const where = p.filter ? await checkFilter(con, p.filter, names(columnsOf(files.physics))) : 'true';
      // A column name from a closed enum, never user text.
      const goal = p.goalKind === 'achieved' ? 'final_achieved_goal' : 'desired_goal';
      const sql = `
        WITH e AS ${episodesSource(files)},
        f AS (SELECT "return" AS r, success, ${goal}[1] AS gx, ${goal}[2] AS gy FROM e WHERE ${where})
        SELECT count(*) AS n, avg(success::INT) AS sr, min(r) AS rlo, max(r) AS rhi,
          min(gx) AS xlo, max(gx) AS xhi, min(gy) AS ylo, max(gy) AS yhi, count(gy) AS ny FROM f`;
      const [b] = await query(con, sql);
      const n = b.n as number;
      if (n === 0) return none;
      const [rlo, rhi] = span(b.rlo as number, b.rhi as number);
      const bins = p.bins;
      const hist = await query(
        con,
        `WITH e AS ${episodesSource(files)}
         SELECT ${binOf('"return"', 'rlo', 'rhi', 'bins')} AS i, count(*) AS c
         FROM e WHERE ${where} GROUP BY i`,
        { rlo: real(rlo), rhi: real(rhi), bins: int(bins) },
      );
      const counts = new Array<number>(bins).fill(0);
      for (const h of hist) counts[h.i as number] += h.c as number;
      let goals: ResultOf<'episodeStats'>['goals'] = null;
      if ((b.ny as number) > 0) {
        const [xlo, xhi] = p.goalRange?.x ?? span(b.xlo as number, b.xhi as number);
        const [ylo, yhi] = p.goalRange?.y ?? span(b.ylo as number, b.yhi as number);
        const k = p.goalBins;
        const cells = await query(
          con,
          `WITH e AS ${episodesSource(files)},
           f AS (SELECT ${goal}[1] AS gx, ${goal}[2] AS gy FROM e WHERE ${where})
           SELECT ${binOf('gx', 'xlo', 'xhi', 'k')} AS i, ${binOf('gy', 'ylo', 'yhi', 'k')} AS j,
             count(*) AS c FROM f
           WHERE gx BETWEEN $xlo AND $xhi AND gy BETWEEN $ylo AND $yhi GROUP BY i, j`,
          { xlo: real(xlo), xhi: real(xhi), ylo: real(ylo), yhi: real(yhi), k: int(k) },
        );
        const grid = Array.from({ length: k }, () => new Array<number>(k).fill(0));
        for (const c of cells) grid[c.j as number][c.i as number] += c.c as number;
        goals = { xEdges: edges(xlo, xhi, k), yEdges: edges(ylo, yhi, k), counts: grid };
      }
      return {
        runId: p.runId,
        total: n,
        successRate: b.sr as number,
        returns: { edges: edges(rlo, rhi, bins), counts },
        goals,
      };
    });
  }

  /** See METHODS.exportEpisodes. @throws ApiError 'conflict' for a run without episodes. */
  async exportEpisodes(params: unknown): Promise<ResultOf<'exportEpisodes'>> {
    const p = checkParams('exportEpisodes', params);
    const result = await this.withRun(p.runId, null, p.filter, async (con, files) => {
      const where = p.filter ? await checkFilter(con, p.filter, names(columnsOf(files.physics))) : 'true';
      const picked = p.episodeIds ? 'episode_id IN (SELECT unnest($ids))' : 'true';
      const dir = join(files.run.path, 'exports');
      mkdirSync(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
      let path = join(dir, `episodes-${stamp}.${p.format}`);
      for (let k = 2; existsSync(path); k++) path = join(dir, `episodes-${stamp}-${k}.${p.format}`);
      const tmp = join(dir, `.episodes-${stamp}.${randomBytes(4).toString('hex')}.tmp`);
      const arrays = [
        'final_achieved_goal',
        'qpos',
        'achieved_goal',
        'next_achieved_goal',
        'action',
        'reward',
        'step_success',
        'info',
      ];
      const format = p.format === 'csv' ? 'FORMAT csv, HEADER true' : 'FORMAT parquet, COMPRESSION zstd';
      try {
        const [row] = await query(
          con,
          `COPY (WITH e AS ${episodesSource(files, arrays)}
                 SELECT * FROM e WHERE (${where}) AND ${picked} ORDER BY episode_id)
           TO ${sqlString(tmp)} (${format})`,
          p.episodeIds ? { ids: [listValue(p.episodeIds), LIST(BIGINT)] } : {},
        );
        renameSync(tmp, path);
        return { runId: p.runId, path, rows: Number(row?.Count ?? 0), format: p.format };
      } catch (err) {
        rmSync(tmp, { force: true });
        throw err;
      }
    });
    if (!result) throw new ApiError('conflict', `run ${p.runId} has no episodes to export yet`);
    return result;
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────

  /** The service's DuckDB (see the file comment). */
  private db(): Promise<DuckDBInstance> {
    this.instance ??= (async () => {
      const inst = await DuckDBInstance.create(':memory:');
      const con = await inst.connect();
      try {
        const root = join(this.workspace, '/');
        await con.run(`SET allowed_directories = [${sqlString(root)}]`);
        await con.run('SET enable_external_access = false');
        await con.run('SET parquet_metadata_cache = true');
        await con.run('SET lock_configuration = true');
      } finally {
        con.closeSync();
      }
      return inst;
    })();
    return this.instance;
  }

  /**
   * Runs `fn` with a connection and the run's episode files; `none` when the run has no episodes
   * yet. With a `filter`, DuckDB errors that text can cause (binding, conversion) become 'invalid';
   * a part removed by a resume while it was read gives one retry.
   * @throws ApiError 'not_found' for an unknown run.
   */
  private async withRun<T>(
    runId: string,
    none: T,
    filter: string | undefined,
    fn: (con: DuckDBConnection, files: RunFiles) => Promise<T>,
  ): Promise<T> {
    const path = join(this.workspace, 'runs', runId);
    if (!existsSync(path) || !statSync(path).isDirectory())
      throw new ApiError('not_found', `no run "${runId}" in ${join(this.workspace, 'runs')}`, [
        { path: 'runId', message: `no run "${runId}"` },
      ]);
    const run = new RunDir(path, runId);
    const con = await (await this.db()).connect();
    try {
      for (let attempt = 0; ; attempt++) {
        const dir = join(path, EPISODES_DIR);
        const parts = listParts(dir).map((p) => p.path);
        if (parts.length === 0) return none;
        const stats = existsSync(join(dir, RELABEL_STATS_FILE)) ? join(dir, RELABEL_STATS_FILE) : null;
        try {
          return await fn(con, { run, parts, stats, physics: physicsKeysOf(path) });
        } catch (err) {
          if (err instanceof ApiError) throw err;
          const message = (err as Error).message;
          if (attempt === 0 && /No files found|No such file|Cannot open file/i.test(message)) continue;
          if (filter !== undefined && USER_ERROR.test(message))
            throw new ApiError('invalid', `filter: ${message.split('\n')[0]}`, [{ path: 'filter', message }]);
          throw err;
        }
      }
    } finally {
      con.closeSync();
    }
  }

  /** The run's task reward (task.json; bit flipping from its config), cached per run. */
  private rewardOf(run: RunDir): GoalRewardFn {
    let fn = this.rewards.get(run.id);
    if (!fn) {
      const config = run.readConfig();
      if (config.env === 'bit-flip') fn = bitFlipReward(config.her.bits);
      else {
        const file = join(run.path, RUN_TASK_FILE);
        if (!existsSync(file)) throw new ApiError('internal', `${file}: missing; cannot recompute rewards`);
        fn = compileTask(parseTaskSpec(JSON.parse(readFileSync(file, 'utf8')), file)).evaluate;
      }
      this.rewards.set(run.id, fn);
    }
    return fn;
  }
}

/**
 * The episodes of a run as a parenthesized SELECT: the listed columns (relabel counts joined from
 * relabel_stats.parquet, zeros for episodes never sampled), plus the named per-step columns.
 */
function episodesSource(files: RunFiles, extra: readonly string[] = []): string {
  const list = `read_parquet([${files.parts.map(sqlString).join(', ')}]`;
  // Parts written before physics was stored lack the column: union_by_name reads it as NULL where
  // some parts have it, the empty typed row set adds it where none has.
  const parts = files.physics.length
    ? `(SELECT * FROM ${list}, union_by_name = true)
        UNION ALL BY NAME SELECT NULL::DOUBLE[] AS physics WHERE false)`
    : `${list})`;
  const physics = files.physics.map((k, i) => `, e.physics[${i + 1}] AS "${k}"`).join('');
  const stats = files.stats
    ? `read_parquet(${sqlString(files.stats)})`
    : `(SELECT 0::BIGINT AS episode_id, 0::BIGINT AS n_sampled, 0::BIGINT AS n_original, 0::BIGINT AS n_final,
        0::BIGINT AS n_future, 0::BIGINT AS n_episode, 0::BIGINT AS n_random WHERE false)`;
  const n = (c: string) => `coalesce(s.${c}, 0)::BIGINT AS ${c}`;
  return `(SELECT e.episode_id, e.task, e.desired_goal, e.final_achieved_goal, e."return", e.success, e.length,
      list_distance(e.final_achieved_goal, e.desired_goal)::DOUBLE AS final_distance,
      e.iteration, e.env_step, e.env_index, ${n('n_sampled')},
      CASE WHEN coalesce(s.n_sampled, 0) = 0 THEN NULL
           ELSE (s.n_sampled - s.n_original)::DOUBLE / s.n_sampled END AS share_relabeled,
      ${n('n_original')}, ${n('n_final')}, ${n('n_future')}, ${n('n_episode')}, ${n('n_random')}
      ${physics}${extra.map((c) => `, e."${c}"`).join('')}
    FROM ${parts} e LEFT JOIN ${stats} s ON s.episode_id = e.episode_id)`;
}

/** A bound parameter (`$name` in the SQL): its value and its DuckDB type. */
type Bound = readonly [DuckDBValue, DuckDBType];

/**
 * A real number as a DOUBLE parameter (the driver would bind an integral value such as 1e308 as
 * BIGINT, which overflows).
 */
const real = (x: number): Bound => [x, DOUBLE];
/** An integer (a safe integer by the params schema) as a BIGINT parameter. */
const int = (x: number): Bound => [x, BIGINT];

/**
 * The bin of value `v` in [lo, hi] split into k equal bins: 0 … k − 1, the top edge in the last
 * bin. Written as the share of the range times k, so every finite lo < hi works (a per-bin width
 * can underflow to 0 or overflow where the share cannot leave [0, 1]). lo, hi, k are parameter
 * names; callers keep v inside [lo, hi].
 */
function binOf(v: string, lo: string, hi: string, k: string): string {
  return `least(floor((${v} - $${lo}) / ($${hi} - $${lo}) * $${k})::BIGINT, $${k} - 1)`;
}

/** Rows of a query with BIGINTs as numbers; `params` are bound by name (`$name`). */
async function query(
  con: DuckDBConnection,
  sql: string,
  params: Record<string, Bound> = {},
): Promise<Record<string, unknown>[]> {
  const names = Object.keys(params);
  const reader = names.length
    ? await con.runAndReadAll(
        sql,
        Object.fromEntries(names.map((n) => [n, params[n][0]])),
        Object.fromEntries(names.map((n) => [n, params[n][1]])),
      )
    : await con.runAndReadAll(sql);
  return plain(reader.getRowObjectsJS()) as Record<string, unknown>[];
}

/** meta.json of a run's episodes. @throws ApiError 'internal' naming the file. */
function readMeta(run: RunDir): EpisodesMeta {
  const file = join(run.path, EPISODES_DIR, EPISODES_META_FILE);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as EpisodesMeta;
  } catch (err) {
    throw new ApiError('internal', `${file}: ${(err as Error).message}`);
  }
}

/** A non-empty range around [lo, hi] (a single value gets ±0.5). */
function span(lo: number, hi: number): [number, number] {
  return hi > lo ? [lo, hi] : [lo - 0.5, lo + 0.5];
}

/** k + 1 equally spaced edges from lo to hi (finite for every finite range: (hi − lo)·i may not be). */
function edges(lo: number, hi: number, k: number): number[] {
  return Array.from({ length: k + 1 }, (_, i) => (i === k ? hi : lo + (hi - lo) * (i / k)));
}
