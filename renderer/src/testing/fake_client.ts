/**
 * An in-memory LabClient for component tests: a test double of the transport only. Runs, presets and
 * metric rows are plain arrays the test fills; `emit` pushes events; every call is recorded.
 */
import {
  ApiError,
  METHOD_NAMES,
  type ApiIssue,
  type EventData,
  type EventName,
  type LabClient,
  type MetricRow,
  type PresetInfo,
  type RunSummary,
} from '../../../main/api/contract.ts';
import { formatPath, taskSpecSchema, type TaskSummary } from '../../../main/api/task_schemas.ts';
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
  emit<E extends EventName>(event: E, data: EventData<E>): void;
}

/** A run summary with defaults for every field. */
export function fakeRun(over: Partial<RunSummary> = {}): RunSummary {
  return {
    id: 'run-1',
    algo: 'diayn',
    env: 'point-mass',
    preset: 'point-mass',
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
    getRun: async (p) => {
      throw new ApiError('internal', `getRun(${p.runId}) is not faked`);
    },
    getMetrics: async (p) => ({ runId: p.runId, rows: lab.metrics[p.runId] ?? [] }),
    getEvaluation: async (p) => ({ runId: p.runId, summary: null, rollouts: [] }),
    setRelabeling: async (p) => {
      find(p.runId);
      return {
        runId: p.runId,
        strategy: p.strategy,
        k: p.strategy === 'none' ? 0 : p.k,
        appliesAt: 'next-iteration',
      };
    },
    evaluateRun: async (p) => {
      Object.assign(find(p.runId), { evaluated: true });
      return {
        runId: p.runId,
        summary: { env_steps: find(p.runId).envSteps, rollouts_per_skill: 1, skills: [] },
      };
    },
  };
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
      })),
    }),
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
