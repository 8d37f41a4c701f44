/**
 * An in-memory LabClient for component tests: a test double of the transport only. Runs, presets and
 * metric rows are plain arrays the test fills; `emit` pushes events; every call is recorded.
 */
import {
  ApiError,
  METHOD_NAMES,
  type ApiIssue,
  type EvalRollout,
  type EvalSummary,
  type EventData,
  type EventName,
  type LabClient,
  plansWithSkills,
  type MetricRow,
  type PresetInfo,
  type ResultOf,
  type RunRecordInfo,
  type RunSummary,
} from '../../../main/api/contract/contract.ts';
import { findAlgo } from '../../../main/api/contract/presentation.ts';
import { formatPath, taskSpecSchema, type TaskSummary } from '../../../main/api/contract/task_schemas.ts';
import {
  EPISODE_COLUMN_NAMES,
  EPISODE_LIST_COLUMNS,
  type EpisodeRow,
} from '../../../main/api/contract/replay_schemas.ts';
import lWallPush from '../../../assets/tasks/l-wall-push.json' with { type: 'json' };

/** The fake's state and controls. */
export interface FakeLab {
  client: LabClient;
  runs: RunSummary[];
  presets: PresetInfo[];
  metrics: Record<string, MetricRow[]>;
  calls: Array<{ method: string; params: unknown }>;
  /** When set, startRun fails with code 'invalid' and these issues (and starts nothing). */
  startIssues: ApiIssue[] | null;
  /** Task specs by name with their source; starts with the built-in l-wall-push (issue #4 §3). */
  tasks: Record<string, { source: TaskSummary['source']; spec: Record<string, unknown> }>;
  /**
   * Stored episodes by run id (issue #4 §6). The fake's filter understands `success`, `NOT success`
   * and `<column> <op> <number>` joined by AND; anything else is refused like the service does.
   */
  episodes: Record<string, EpisodeRow[]>;
  /**
   * What getRun adds to a run's summary, by run id (config, sources, backend, versions, path, pid);
   * missing parts get the defaults of {@link createFakeLab}'s getRun.
   */
  records: Record<string, Partial<RunRecordInfo>>;
  /**
   * Evaluations by run id, as getEvaluation answers them. evaluateRun writes one made by
   * {@link fakeEvalSummary} (no rollouts) and, like the service, reports the run's activity
   * 'evaluating' and then its evaluated summary as runStatus events.
   */
  evaluations: Record<string, { summary: EvalSummary; rollouts: EvalRollout[] }>;
  /**
   * What planSkills answers for a run (the test makes it up; the service plans for real). Like the
   * service, planSkills refuses runs without a skill dynamics or a checkpoint ('conflict'), emits
   * every episode as a `planEpisode` event (planner, then baseline, per episode) and then resolves.
   */
  plans: Record<string, Omit<ResultOf<'planSkills'>, 'runId' | 'planId'>>;
  /**
   * When true, planSkills emits its episodes and then waits for stopPlan, failing with 'conflict'
   * as the service does for a stopped plan.
   */
  holdPlans: boolean;
  emit<E extends EventName>(event: E, data: EventData<E>): void;
}

/** A run summary with defaults for every field. */
export function fakeRun(over: Partial<RunSummary> = {}): RunSummary {
  return {
    id: 'run-1',
    algo: 'diayn',
    env: 'point-mass',
    preset: 'point-mass',
    task: null,
    relabeling: null,
    seed: 0,
    status: 'completed',
    error: null,
    activity: null,
    envSteps: 3000,
    totalEnvSteps: 3000,
    iterations: 6,
    wallSeconds: 12,
    metrics: { discriminator_accuracy: 0.91, intrinsic_reward: 1.2, alpha: 0.05 },
    evaluated: false,
    createdAt: new Date(Date.now() - 120_000).toISOString(),
    updatedAt: new Date().toISOString(),
    ...over,
  };
}

/**
 * An evaluation report of a skill run with every field `skill-lab eval` writes: `skills` skills of 3
 * rollouts, discriminator accuracy per skill and on average.
 */
export function fakeEvalSummary(run: RunSummary, skills = 4): EvalSummary {
  return {
    run: run.id,
    algo: run.algo,
    env: run.env,
    env_steps: run.envSteps,
    state_function: 'xy',
    rollouts_per_skill: 3,
    episode_steps: 100,
    coverage_cells: 37,
    coverage_cell_m: 0.1,
    mean_normalized_variance: 0.21,
    discriminator_accuracy: 0.93,
    skills: Array.from({ length: skills }, (_, k) => ({
      id: k,
      z: Array.from({ length: skills }, (_, j) => (j === k ? 1 : 0)),
      final_mean: [Math.cos(k), Math.sin(k)],
      final_std: [0.01, 0.02],
      distance_travelled: 0.8,
      normalized_variance: 0.21,
      discriminator_accuracy: 0.9 + k / 100,
    })),
  };
}

/** An episode row with defaults: a 50-step reach episode of the arm. */
export function fakeEpisode(over: Partial<EpisodeRow> = {}): EpisodeRow {
  return {
    episode_id: 0,
    task: 'reach',
    desired_goal: [1.3, 0.75, 0.5],
    final_achieved_goal: [1.25, 0.6, 0.45],
    return: -50,
    success: false,
    length: 50,
    final_distance: 0.2,
    iteration: 1,
    env_step: 200,
    env_index: 0,
    n_sampled: 10,
    share_relabeled: 0.8,
    n_original: 2,
    n_final: 0,
    n_future: 8,
    n_episode: 0,
    n_random: 0,
    ...over,
  };
}

/** The fake's episode filter (see {@link FakeLab.episodes}). @throws ApiError 'invalid' like the service. */
function fakeFilter(filter: string | undefined): (row: EpisodeRow) => boolean {
  if (!filter?.trim()) return () => true;
  const terms = filter.split(/\s+AND\s+/i).map((term) => {
    const t = term.trim();
    if (/^success$/i.test(t)) return (r: EpisodeRow) => r.success;
    if (/^NOT success$/i.test(t)) return (r: EpisodeRow) => !r.success;
    const m = /^(\w+)\s*(<=|>=|<|>|=)\s*(-?[\d.]+)$/.exec(t);
    if (!m || !(EPISODE_COLUMN_NAMES as readonly string[]).includes(m[1]))
      throw new ApiError(
        'invalid',
        `filter: unknown column "${m?.[1] ?? t}"; allowed columns: ${EPISODE_COLUMN_NAMES.join(', ')}`,
        [{ path: 'filter', message: 'unknown column' }],
      );
    const [, col, op, num] = m;
    const x = Number(num);
    return (r: EpisodeRow) => {
      const v = r[col as keyof EpisodeRow] as number;
      return op === '<' ? v < x : op === '>' ? v > x : op === '<=' ? v <= x : op === '>=' ? v >= x : v === x;
    };
  });
  return (r) => terms.every((f) => f(r));
}

/** A point-mass preset offering DIAYN and DADS with a few resolved values and sources. */
export function fakePreset(): PresetInfo {
  const common = {
    seed: 0,
    totalEnvSteps: 30000,
    sac: { lr: 0.001, batchSize: 128, alphaInit: 0.1, gamma: 0.95 },
  };
  return {
    name: 'point-mass',
    description: 'Quick preset',
    env: 'point-mass',
    algos: ['diayn', 'dads'],
    configs: {
      diayn: { ...common, diayn: { skills: 4, discriminatorLr: 0.001 } },
      dads: { ...common, dads: { skillDim: 2, dynamicsLr: 0.001 } },
    } as unknown as PresetInfo['configs'],
    sources: { diayn: { 'sac.lr': 'DIAYN paper, Table 1' }, dads: {} },
  };
}

/** Creates the fake. */
export function createFakeLab(): FakeLab {
  const listeners = new Map<string, Set<(d: unknown) => void>>();
  const lab: FakeLab = {
    client: null as unknown as LabClient,
    runs: [],
    presets: [fakePreset()],
    metrics: {},
    calls: [],
    startIssues: null,
    tasks: { 'l-wall-push': { source: 'builtin', spec: structuredClone(lWallPush) } },
    episodes: {},
    records: {},
    evaluations: {},
    plans: {},
    holdPlans: false,
    emit(event, data) {
      for (const l of listeners.get(event) ?? []) l(data);
    },
  };
  const find = (runId: string) => {
    const run = lab.runs.find((r) => r.id === runId);
    if (!run) throw new ApiError('not_found', `no run ${runId}`);
    return run;
  };
  const impl: Record<string, (p: any) => Promise<unknown>> = {
    listEnvs: async () => ({ envs: [] }),
    getEnvModel: async (p) => ({ env: p.env, file: 'x.xml', xml: '<mujoco/>' }),
    listPresets: async () => ({ presets: lab.presets, configKeys: ['sac.lr'] }),
    listRuns: async () => ({ runs: lab.runs, unreadable: [] }),
    startRun: async (p) => {
      if (lab.startIssues) throw new ApiError('invalid', 'invalid config', lab.startIssues);
      const run = fakeRun({
        id: `run-${lab.runs.length + 1}`,
        algo: p.algo,
        preset: p.preset,
        status: 'running',
        activity: 'training',
      });
      lab.runs.push(run);
      return { run };
    },
    stopRun: async (p) => ({ run: Object.assign(find(p.runId), { activity: null, status: 'stopped' }) }),
    resumeRun: async (p) => ({
      run: Object.assign(find(p.runId), { activity: 'training', status: 'running' }),
    }),
    deleteRun: async (p) => {
      find(p.runId);
      lab.runs = lab.runs.filter((r) => r.id !== p.runId);
      return { runId: p.runId };
    },
    // By default a record with a minimal config: the env, and for goal-sac runs the task (the replay
    // page's scene); `records` gives a run its own.
    getRun: async (p) => {
      const run = find(p.runId);
      const config = { env: run.env, task: run.algo === 'goal-sac' ? 'l-wall-push' : null };
      return {
        run: {
          ...run,
          path: `/ws/runs/${run.id}`,
          config,
          sources: {},
          backend: null,
          versions: {},
          pid: null,
          ...lab.records[run.id],
        },
      };
    },
    getMetrics: async (p) => ({ runId: p.runId, rows: lab.metrics[p.runId] ?? [] }),
    getEvaluation: async (p) => {
      find(p.runId);
      const evaluation = lab.evaluations[p.runId];
      return { runId: p.runId, summary: evaluation?.summary ?? null, rollouts: evaluation?.rollouts ?? [] };
    },
    setRelabeling: async (p) => {
      find(p.runId);
      return p.ratio !== undefined
        ? { runId: p.runId, strategy: p.strategy, ratio: p.ratio, appliesAt: 'next-iteration' }
        : {
            runId: p.runId,
            strategy: p.strategy,
            k: p.strategy === 'none' ? 0 : p.k,
            appliesAt: 'next-iteration',
          };
    },
    evaluateRun: async (p) => {
      const run = find(p.runId);
      if (run.activity) throw new ApiError('conflict', `run ${p.runId} is ${run.activity}`);
      lab.emit('runStatus', { ...Object.assign(run, { activity: 'evaluating' }) });
      const summary = fakeEvalSummary(run);
      lab.evaluations[p.runId] = { summary, rollouts: [] };
      lab.emit('runStatus', { ...Object.assign(run, { activity: null, evaluated: true }) });
      return { runId: p.runId, summary };
    },
  };
  // ── planning with skills (issue #9 §2, §4) ──
  const heldPlans = new Map<string, () => void>();
  Object.assign(impl, {
    planSkills: async (p: { runId: string; planId: string }) => {
      const run = find(p.runId);
      const info = findAlgo(run.algo);
      if (!info || !plansWithSkills(info))
        throw new ApiError(
          'conflict',
          `run ${p.runId} is a ${run.algo} run; planning with skills needs a dads run`,
          [{ path: 'runId', message: `a ${run.algo} run`, allowed: ['dads'] }],
        );
      if (run.envSteps === 0) throw new ApiError('conflict', `run ${p.runId} has no checkpoint yet`);
      const planned = lab.plans[p.runId];
      if (!planned) throw new ApiError('internal', `the fake has no plan for run ${p.runId}`);
      planned.traces.planner.forEach((trace, index) => {
        lab.emit('planEpisode', { planId: p.planId, runId: p.runId, kind: 'planner', index, trace });
        const base = planned.traces.baseline[index];
        if (base)
          lab.emit('planEpisode', { planId: p.planId, runId: p.runId, kind: 'baseline', index, trace: base });
      });
      if (lab.holdPlans) {
        await new Promise<void>((resolve) => heldPlans.set(p.planId, resolve));
        throw new ApiError('conflict', `plan ${p.planId} was stopped`);
      }
      return { runId: p.runId, planId: p.planId, ...planned };
    },
    stopPlan: async (p: { planId: string }) => {
      const held = heldPlans.get(p.planId);
      heldPlans.delete(p.planId);
      held?.();
      return { planId: p.planId, stopped: Boolean(held) };
    },
  });
  // ── tasks (issue #4 §3): validation by the real task schema; MJCF and resets are stand-ins ──
  const taskIssues = (spec: unknown): ApiIssue[] => {
    const r = taskSpecSchema.safeParse(spec);
    return r.success
      ? []
      : r.error.issues.map((i) => ({ path: i.path.length ? formatPath(i.path) : '', message: i.message }));
  };
  const findTask = (name: string) => {
    const t = lab.tasks[name];
    if (!t) throw new ApiError('not_found', `no task "${name}"`);
    return t;
  };
  Object.assign(impl, {
    listTasks: async () => ({
      tasks: Object.entries(lab.tasks).map(([name, t]) => ({
        name,
        source: t.source,
        robot: String(t.spec.robot),
        description: String(t.spec.description ?? ''),
      })),
      unreadable: [],
    }),
    // A goal-sac run trains on l-wall-push here, a skill embedding on the arm in its family's scene;
    // the scene compiles to a stand-in MJCF.
    getRunTask: async (p: { runId: string }) => {
      const run = find(p.runId);
      if (run.algo === 'skill-embedding' && run.env === 'arm')
        return { runId: p.runId, spec: findTask('l-wall-push').spec, xml: '<mujoco model="family"/>' };
      if (run.algo !== 'goal-sac') throw new ApiError('conflict', `run ${p.runId} has no task`);
      return run.env === 'bit-flip'
        ? { runId: p.runId, spec: null, xml: null }
        : { runId: p.runId, spec: findTask('l-wall-push').spec, xml: '<mujoco/>' };
    },
    getTask: async (p: { name: string }) => ({
      name: p.name,
      source: findTask(p.name).source,
      spec: findTask(p.name).spec,
    }),
    validateTask: async (p: { spec: unknown }) => {
      const issues = taskIssues(p.spec);
      return { valid: !issues.length, issues, warnings: [], xml: issues.length ? null : '<mujoco/>' };
    },
    saveTask: async (p: { spec: Record<string, unknown> }) => {
      const issues = taskIssues(p.spec);
      if (issues.length) throw new ApiError('invalid', 'invalid task spec', issues);
      const name = String(p.spec.name);
      if (lab.tasks[name]?.source === 'builtin')
        throw new ApiError(
          'conflict',
          `"${name}" is a built-in task and read-only; save it under a new name`,
        );
      lab.tasks[name] = { source: 'workspace', spec: structuredClone(p.spec) };
      return {
        task: { name, source: 'workspace', robot: String(p.spec.robot), description: '' },
        spec: p.spec,
      };
    },
    deleteTask: async (p: { name: string }) => {
      if (findTask(p.name).source === 'builtin') throw new ApiError('conflict', 'built-in');
      delete lab.tasks[p.name];
      return { name: p.name };
    },
    sampleResets: async (p: { count?: number }) => ({
      samples: Array.from({ length: p.count ?? 10 }, (_, k) => ({
        qpos: [0, 0],
        goal: [0.1 + 0.01 * k, 0, 0.025],
        physics: {},
      })),
    }),
  });
  // ── replay browser (issue #4 §6): in-memory rows; per-step arrays made up from the row ──
  const episodesOf = (runId: string, filter?: string) => {
    find(runId);
    return (lab.episodes[runId] ?? []).filter(fakeFilter(filter));
  };
  /** Achieved goals moving in a straight line from 0.2 m short of the goal to its final distance. */
  const achieved = (e: EpisodeRow) =>
    Array.from({ length: e.length + 1 }, (_, t) =>
      e.desired_goal.map((g, i) =>
        i === 0 ? g - 0.2 + ((0.2 - (e.final_distance ?? 0.2)) * t) / e.length : g,
      ),
    );
  const sparse = (ag: number[][], goal: number[]) =>
    ag.slice(1).map((a): number => (Math.hypot(...a.map((v, i) => v - goal[i])) < 0.05 ? 0 : -1));
  Object.assign(impl, {
    listEpisodes: async (p: any) => {
      const all = lab.episodes[p.runId] ?? [];
      const rows = episodesOf(p.runId, p.filter);
      const sort = p.sort ?? { column: 'episode_id', dir: 'asc' };
      const sign = sort.dir === 'desc' ? -1 : 1;
      const key = (r: EpisodeRow) => r[sort.column as keyof EpisodeRow] as unknown as number;
      rows.sort((a, b) => sign * (Number(key(a)) - Number(key(b))) || a.episode_id - b.episode_id);
      const page = p.page ?? 0;
      const pageSize = p.pageSize ?? 50;
      return {
        runId: p.runId,
        rows: rows.slice(page * pageSize, (page + 1) * pageSize),
        total: rows.length,
        totalUnfiltered: all.length,
        page,
        pageSize,
        columns: EPISODE_LIST_COLUMNS.map((c) => ({ ...c })),
      };
    },
    getEpisode: async (p: any) => {
      const e = episodesOf(p.runId).find((r) => r.episode_id === p.episodeId);
      if (!e) throw new ApiError('not_found', `run ${p.runId} has no episode ${p.episodeId}`);
      const ag = achieved(e);
      let relabel = null;
      if (p.relabelGoal) {
        const step = p.relabelGoal.strategy === 'final' ? e.length : p.relabelGoal.step;
        const goal = ag[step];
        const reward = sparse(ag, goal);
        relabel = {
          goal,
          source: p.relabelGoal.strategy,
          step,
          reward,
          success: reward.map((r) => r === 0),
          return: reward.reduce((a, b) => a + b, 0),
        };
      }
      const reward = sparse(ag, e.desired_goal);
      return {
        runId: p.runId,
        episode: e,
        dt: 0.04,
        nq: 2,
        goalDim: e.desired_goal.length,
        qpos: ag.map(() => [0, 0]),
        achievedGoal: ag,
        action: reward.map(() => [0, 0, 0, 0]),
        reward,
        stepSuccess: reward.map((r) => r === 0),
        relabel,
      };
    },
    episodeStats: async (p: any) => {
      const rows = episodesOf(p.runId, p.filter);
      if (!rows.length)
        return {
          runId: p.runId,
          total: 0,
          successRate: null,
          returns: { edges: [], counts: [] },
          goals: null,
        };
      const lo = Math.min(...rows.map((r) => r.return));
      const hi = Math.max(...rows.map((r) => r.return), lo + 1);
      return {
        runId: p.runId,
        total: rows.length,
        successRate: rows.filter((r) => r.success).length / rows.length,
        returns: {
          edges: [lo, (lo + hi) / 2, hi],
          counts: [
            rows.filter((r) => r.return < (lo + hi) / 2).length,
            rows.filter((r) => r.return >= (lo + hi) / 2).length,
          ],
        },
        goals: { xEdges: [1, 2], yEdges: [0, 1], counts: [[rows.length]] },
      };
    },
    exportEpisodes: async (p: any) => {
      const rows = episodesOf(p.runId, p.filter).filter(
        (r) => !p.episodeIds || p.episodeIds.includes(r.episode_id),
      );
      const format = p.format ?? 'parquet';
      return {
        runId: p.runId,
        path: `/ws/runs/${p.runId}/exports/episodes-1.${format}`,
        rows: rows.length,
        format,
      };
    },
  });
  const client: Record<string, unknown> = {
    on(event: string, listener: (d: unknown) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  };
  for (const m of METHOD_NAMES)
    client[m] = (params?: unknown) => {
      lab.calls.push({ method: m, params });
      return impl[m](params ?? {});
    };
  lab.client = client as unknown as LabClient;
  return lab;
}
