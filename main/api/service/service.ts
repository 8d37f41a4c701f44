/**
 * The lab service: every request of the API contract (contract.ts) implemented against the engine,
 * for one workspace. It never trains: each run trains (or is evaluated) in its own child process,
 * started and supervised by engine/runs/supervisor.ts, and the service relays the processes'
 * messages as events and announces how they end.
 *
 * - A run process that ends abnormally (non-zero exit code or a signal) while its run.json still
 *   says 'running' leaves the run in status 'error' with the reason: the worker's error message, or
 *   how the process ended ("run process exited with signal SIGKILL"); an `error` event says so.
 *   Other runs go on.
 * - Metric rows are batched per run: at most one `metrics` event per run every 100 ms. Rollout
 *   previews come from the worker at most every 5 s (4 skills each), status events on changes only.
 * - Config problems fail with code 'invalid' and per-field issues (dotted config keys) before
 *   anything is created.
 * - One trainer per run, whoever started it (engine/runs/lock.ts): resuming, stopping or deleting a
 *   run that another process trains (`skill-lab train` in a terminal, a second workbench) fails with
 *   'conflict' naming that process; a run process of ours that loses the race for the lock leaves
 *   the run to the winner. A run whose run.json says 'running' but whose trainer is gone is listed
 *   as 'error' with the reason.
 *
 * Node only (child processes, files). Transports: main/server (HTTP + WebSocket) and the Electron
 * app's IPC (main/app), which starts run processes as utilityProcesses through `spawnRun`. Used
 * in-process it is itself a {@link LabClient}.
 */
import { existsSync, statSync, createReadStream } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { ALGOS, ConfigError, allConfigKeys, type AlgoName } from '../../engine/config.ts';
import { listPresets, loadPreset, resolveRunConfig } from '../../engine/presets.ts';
import { RunDir, RunStore, RunStoreError, fromStored, type RunRecord } from '../../engine/runs/store.ts';
import { relabelingAlgos, requestRelabeling } from '../../engine/runs/relabel_control.ts';
import { assertNotTrained, RunLockedError, runTrainer } from '../../engine/runs/lock.ts';
import { algoInfo, algosWhere, findAlgo } from '../../engine/algos/lookup.ts';
import { joinNames } from '../../engine/algos/algo_info.ts';
import { checkRunTask, runTask as compileRunTask } from '../../engine/algos/goal_sac_run.ts';
import { armSkillFamilyScene } from '../../engine/sim/arm_skill_family.ts';
import { checkReferencedRuns } from '../../engine/runs/run_references.ts';
import { skillEmbeddingView } from '../../engine/runs/skill_embedding_view.ts';
import type { SpawnRun } from '../../engine/runs/spawn.ts';
import { RunSupervisor, type RunProcess, type RunProcessEnd } from '../../engine/runs/supervisor.ts';
import { PlanFailure, PlanSupervisor } from '../../engine/runs/plan_supervisor.ts';
import { plansWithSkills } from '../../engine/planning/schemas.ts';
import { ENV_NAMES, envSpec } from '../../engine/sim/envs.ts';
import { versions } from '../../engine/versions.ts';
import {
  ApiError,
  isMethodName,
  unknownMethodResponse,
  METHOD_NAMES,
  checkParams,
  parseResult,
  requestEnvelopeSchema,
  toIssues,
  formatApiIssues,
  type EnvInfo,
  type EvalRollout,
  type EventData,
  type EventName,
  type LabClient,
  type MetricRow,
  type ParamsOf,
  type PresetInfo,
  type ResponseEnvelope,
  type ResultOf,
  type RunSummary,
} from '../contract/contract.ts';
import * as tasks from './tasks.ts';
import { ReplayBrowser } from './replay.ts';
import { LabSweeps } from './sweeps.ts';
import { LabFigures } from './figures.ts';
import { relabelSequence } from '../../engine/figures/curves.ts';

export interface LabServiceOptions {
  /** Workspace folder (default: $SKILL_LAB_WORKSPACE or ./workspace). */
  workspace?: string;
  /** Live skill previews from training processes (default true). */
  preview?: boolean;
  /** Minimum time between two `metrics` events of one run, in ms (default 100). */
  metricsIntervalMs?: number;
  /**
   * Starts a run process (default: a Node child process, engine/runs/spawn.ts). The Electron app
   * passes its utilityProcess variant (main/app/run_process.ts).
   */
  spawnRun?: SpawnRun;
}

/** A run process's metric rows not yet sent as a `metrics` event. */
interface MetricBatch {
  rows: MetricRow[];
  progress: { envSteps: number; totalEnvSteps: number; stepsPerSecond: number } | null;
  timer: ReturnType<typeof setTimeout> | null;
  lastFlush: number;
}

/** The last complete JSON row of a JSONL file, reading only its tail (metric files grow long). */
async function lastJsonRow(path: string): Promise<Record<string, number> | null> {
  if (!existsSync(path)) return null;
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    // The first line may be cut by the window, the last one torn by a kill mid-append: try from the end.
    for (let i = lines.length - 1; i >= 0; i--) {
      if (!lines[i].trim()) continue;
      try {
        return fromStored(JSON.parse(lines[i]));
      } catch {
        continue;
      }
    }
    return null;
  } finally {
    await handle.close();
  }
}

/** Any thrown value as an {@link ApiError}: config problems become 'invalid' with their issues. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ConfigError) {
    const issues = err.issues.length ? err.issues : [{ path: '', message: err.message }];
    return new ApiError('invalid', err.message, issues);
  }
  if (err instanceof RunStoreError) return new ApiError('internal', err.message);
  if (err instanceof RunLockedError) return new ApiError('conflict', err.message);
  return new ApiError('internal', err instanceof Error ? err.message : String(err));
}

/** A run's task as a name: a task file's base name without .json, a name as it is; null for none. */
function taskName(task: unknown): string | null {
  return typeof task === 'string' && task ? basename(task).replace(/\.json$/, '') : null;
}

/** The API contract over one workspace; see the file comment. */
export class LabService implements LabClient {
  readonly store: RunStore;
  /** The run processes this service started (at most one per run). */
  private readonly live: RunSupervisor;
  /** The plan processes of planSkills requests, by plan id. */
  private readonly plans: PlanSupervisor;
  /** The workspace's sweeps; local ones train in {@link live}'s processes. */
  private readonly sweeps: LabSweeps;
  /** Figures for papers, drawn by `skill-lab figure --spec` in child processes. */
  private readonly figures: LabFigures;
  private readonly listeners = new Map<EventName, Set<(data: never) => void>>();
  private readonly preview: boolean;
  private readonly metricsIntervalMs: number;
  private closing = false;

  constructor(opts: LabServiceOptions = {}) {
    this.store = new RunStore(opts.workspace);
    this.preview = opts.preview ?? true;
    this.metricsIntervalMs = opts.metricsIntervalMs ?? 100;
    this.live = new RunSupervisor({ spawnRun: opts.spawnRun });
    this.plans = new PlanSupervisor({ spawnRun: opts.spawnRun });
    this.figures = new LabFigures(this.store.root);
    this.sweeps = new LabSweeps(this.store.root, {
      train: (run, evaluate) => this.spawnTraining(run, evaluate),
      live: (runId) => this.live.get(runId),
      error: (message) => this.emit('error', { runId: null, message }),
    });
    // In-process callers get the same errors as remote ones: every request method rejects with an
    // ApiError (engine errors such as ConfigError and RunStoreError are translated once, here).
    for (const method of METHOD_NAMES) {
      const fn = this[method] as (params: unknown) => Promise<unknown>;
      (this as Record<string, unknown>)[method] = async (params: unknown) => {
        try {
          return await fn.call(this, params);
        } catch (err) {
          throw toApiError(err);
        }
      };
    }
  }

  // ── events ───────────────────────────────────────────────────────────────────────────────────

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (data: EventData<E>) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (data: never) => void);
    return () => void set.delete(listener as (data: never) => void);
  }

  private emit<E extends EventName>(event: E, data: EventData<E>): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as (d: EventData<E>) => void)(data);
      } catch (err) {
        // One broken subscriber (e.g. a closed socket) must not stop the others or the run.
        console.error(`[skill-lab] ${event} listener failed: ${(err as Error).stack ?? err}`);
      }
    }
  }

  // ── transport entry points ────────────────────────────────────────────────────────────────────

  /**
   * Runs one request by name and answers with a response envelope; never throws. Unknown methods
   * get 'not_found', invalid params 'invalid' with issues, results are checked against the contract.
   */
  async call(method: string, params: unknown, id: string | number | null = null): Promise<ResponseEnvelope> {
    if (!isMethodName(method)) return unknownMethodResponse(method, id);
    try {
      const fn = this[method] as (p: unknown) => Promise<unknown>;
      const checked = parseResult(method, await fn.call(this, params));
      if (!checked.ok) return { id, ok: false, error: checked.error };
      return { id, ok: true, result: checked.result };
    } catch (err) {
      return { id, ok: false, error: toApiError(err).toPayload() };
    }
  }

  /** Answers one already JSON-parsed request message ({ id, method, params }); never throws. */
  async handleMessage(raw: unknown): Promise<ResponseEnvelope> {
    const envelope = requestEnvelopeSchema.safeParse(raw);
    if (!envelope.success) {
      const rawId = (raw as { id?: unknown } | null)?.id;
      const issues = toIssues(envelope.error);
      return {
        id: typeof rawId === 'string' || typeof rawId === 'number' ? rawId : null,
        ok: false,
        error: {
          code: 'invalid',
          message: `invalid request (expected { id, method, params }):\n${formatApiIssues(issues)}`,
          issues,
        },
      };
    }
    return this.call(envelope.data.method, envelope.data.params, envelope.data.id);
  }

  // ── catalogue ────────────────────────────────────────────────────────────────────────────────

  async listEnvs(params?: ParamsOf<'listEnvs'>): Promise<ResultOf<'listEnvs'>> {
    checkParams('listEnvs', params);
    const envs: EnvInfo[] = ENV_NAMES.map((name) => {
      const s = envSpec(name);
      return {
        name: s.name,
        obsDim: s.obsDim,
        actDim: s.actDim,
        nq: s.nq,
        nv: s.nv,
        coordDims: [...s.coordDims],
        timestep: s.timestep,
        frameSkip: s.frameSkip,
        dt: s.dt,
        maxEpisodeSteps: s.maxEpisodeSteps,
        modelFile: basename(s.modelPath),
        source: s.source,
      };
    });
    return { envs };
  }

  async getEnvModel(params: ParamsOf<'getEnvModel'>): Promise<ResultOf<'getEnvModel'>> {
    const { env } = checkParams('getEnvModel', params);
    const spec = envSpec(env);
    return { env, file: basename(spec.modelPath), xml: await readFile(spec.modelPath, 'utf8') };
  }

  async listPresets(params?: ParamsOf<'listPresets'>): Promise<ResultOf<'listPresets'>> {
    checkParams('listPresets', params);
    const presets: PresetInfo[] = [];
    for (const name of listPresets()) {
      // A broken preset file raises ConfigError naming the file; the caller sees it as 'invalid'.
      const preset = loadPreset(name);
      const algos = ALGOS.filter((a) => preset.algos[a]);
      const info: PresetInfo = {
        name: preset.name,
        description: preset.description,
        env: preset.env,
        algos,
        configs: {},
        sources: {},
      };
      for (const algo of algos) {
        const { config, sources } = resolveRunConfig({ algo, preset: name });
        info.configs[algo] = config;
        info.sources[algo] = sources;
      }
      presets.push(info);
    }
    return { presets, configKeys: allConfigKeys() };
  }

  // ── runs ─────────────────────────────────────────────────────────────────────────────────────

  async listRuns(params?: ParamsOf<'listRuns'>): Promise<ResultOf<'listRuns'>> {
    checkParams('listRuns', params);
    const runs: RunSummary[] = [];
    const unreadable: Array<{ id: string; error: string }> = [];
    for (const { dir, record, error } of this.store.list()) {
      if (!record) {
        unreadable.push({ id: dir.id, error: error ?? 'unreadable' });
        continue;
      }
      try {
        runs.push(await this.summaryOf(dir, record));
      } catch (err) {
        unreadable.push({ id: dir.id, error: (err as Error).message });
      }
    }
    return { runs, unreadable };
  }

  async getRun(params: ParamsOf<'getRun'>): Promise<ResultOf<'getRun'>> {
    const { runId } = checkParams('getRun', params);
    const dir = this.openRun(runId);
    const record = dir.readRecord();
    return {
      run: {
        ...(await this.summaryOf(dir, record)),
        path: dir.path,
        config: dir.readConfig(),
        sources: record.sources,
        backend: record.backend,
        versions: record.versions,
        pid: record.pid,
        ...(record.skillSource && { skillSource: record.skillSource }),
      },
    };
  }

  async getMetrics(params: ParamsOf<'getMetrics'>): Promise<ResultOf<'getMetrics'>> {
    const { runId, sinceIteration } = checkParams('getMetrics', params);
    const rows = this.openRun(runId).readMetrics() as MetricRow[];
    return {
      runId,
      rows: sinceIteration === undefined ? rows : rows.filter((r) => r.iteration > sinceIteration),
    };
  }

  /**
   * Creates and starts a run.
   * @throws ApiError 'invalid' with per-field issues for an unknown preset, an algorithm the preset
   *   does not offer, an unknown override key or an invalid value (nothing is created then).
   */
  async startRun(params: ParamsOf<'startRun'>): Promise<ResultOf<'startRun'>> {
    const p = checkParams('startRun', params);
    this.assertOpen();
    const { config, sources } = resolveRunConfig({
      algo: p.algo,
      preset: p.preset,
      seed: p.seed,
      totalEnvSteps: p.totalEnvSteps,
      overrides: p.overrides,
    });
    // Names only (issue #10 §2): a built-in or workspace task, never a file path.
    const field = p.overrides && 'task' in p.overrides ? 'overrides.task' : 'task';
    checkRunTask(config, this.store.root, { field });
    // The runs it names (a controller's skill run, a distillation's teachers, a fine-tuning's
    // source): run ids of this workspace, of the right algorithm and env, with checkpoints.
    checkReferencedRuns(config, this.store.root, { idsOnly: true });
    const run = this.store.create(config, sources, versions());
    this.spawnTraining(run);
    return { run: await this.summaryOf(run) };
  }

  /**
   * Stops a training run after its current iteration (it checkpoints) and resolves once its process
   * ended. A run without a process is returned as it is.
   * @throws ApiError 'conflict' while it is being evaluated or when another program trains it.
   */
  async stopRun(params: ParamsOf<'stopRun'>): Promise<ResultOf<'stopRun'>> {
    const { runId } = checkParams('stopRun', params);
    const dir = this.openRun(runId);
    const live = this.live.get(runId);
    if (!live) {
      this.assertNotForeign(dir, 'stop');
      return { run: await this.summaryOf(dir) };
    }
    if (live.activity === 'evaluating')
      throw new ApiError('conflict', `run ${runId} is being evaluated, not trained; wait for evaluateRun`);
    if (live.requestStop()) this.emit('runStatus', await this.summaryOf(dir));
    await live.ended;
    return { run: await this.summaryOf(dir) };
  }

  /**
   * Continues a stopped, failed or killed run from its last checkpoint in a new process.
   * @throws ApiError 'conflict' when it has a process already, is completed, or another program trains it.
   */
  async resumeRun(params: ParamsOf<'resumeRun'>): Promise<ResultOf<'resumeRun'>> {
    const { runId } = checkParams('resumeRun', params);
    this.assertOpen();
    const dir = this.openRun(runId);
    const live = this.live.get(runId);
    if (live) throw new ApiError('conflict', `run ${runId} already has a process (${live.activity})`);
    this.assertNotForeign(dir, 'resume');
    const record = dir.readRecord();
    if (record.status === 'completed')
      throw new ApiError(
        'conflict',
        `run ${runId} is already completed (${record.envSteps} env steps); nothing to resume`,
      );
    dir.readConfig(); // a broken config fails here, not in the new process
    this.spawnTraining(dir);
    return { run: await this.summaryOf(dir) };
  }

  /**
   * Ends the run's process (killed: a checkpoint would be deleted with the run anyway), waits for it,
   * then removes the run directory.
   * @throws ApiError 'conflict' when another program trains the run.
   */
  async deleteRun(params: ParamsOf<'deleteRun'>): Promise<ResultOf<'deleteRun'>> {
    const { runId } = checkParams('deleteRun', params);
    const dir = this.openRun(runId);
    const live = this.live.get(runId);
    if (live) {
      live.abandon();
      await live.ended;
    } else {
      let record: RunRecord | undefined;
      try {
        record = dir.readRecord();
      } catch {
        // An unreadable run.json is no reason to keep a run the user wants gone; its lock still counts.
      }
      this.assertNotForeign(dir, 'delete', record ?? { status: 'created', pid: null });
    }
    await rm(dir.path, { recursive: true, force: true });
    this.emit('runDeleted', { runId });
    return { runId };
  }

  // ── evaluation ───────────────────────────────────────────────────────────────────────────────

  /**
   * Evaluates a run's checkpoint in a run process (as `skill-lab eval`), writing eval/rollouts.jsonl
   * and eval/summary.json, and resolves with the summary.
   * @throws ApiError 'conflict' when the run has a process or no checkpoint yet; 'internal' with
   *   the process's error when the evaluation fails.
   */
  async evaluateRun(params: ParamsOf<'evaluateRun'>): Promise<ResultOf<'evaluateRun'>> {
    const { runId, rollouts } = checkParams('evaluateRun', params);
    this.assertOpen();
    const dir = this.openRun(runId);
    const busy = this.live.get(runId);
    if (busy) throw new ApiError('conflict', `run ${runId} already has a process (${busy.activity})`);
    if (!existsSync(dir.checkpointPath))
      throw new ApiError(
        'conflict',
        `run ${runId} has no checkpoint yet (${dir.checkpointPath} missing); train it first`,
      );
    const live = this.live.evaluate(dir, { rollouts, background: true });
    this.track(live);
    this.emit('runStatus', await this.summaryOf(dir));
    const end = await live.ended;
    if (!end.report) {
      const deleted = end.outcome === 'abandoned';
      throw new ApiError(
        deleted ? 'conflict' : 'internal',
        deleted
          ? `run ${runId} was deleted during its evaluation`
          : `evaluation of run ${runId} failed: ${end.errorText ?? 'its process ended without a report'} (log: ${join(dir.path, 'worker.log')})`,
      );
    }
    return { runId, summary: end.report as ResultOf<'evaluateRun'>['summary'] };
  }

  /**
   * Asks a run that relabels (goal-sac, multitask-sac: its catalog entry's `relabeling`) to switch its
   * relabeling (engine/runs/relabel_control.ts); its own process applies it before its next iteration.
   * @throws ApiError 'conflict' for a run whose algorithm does not relabel; 'invalid' without the
   *   amount its algorithm takes (k or ratio) or for a bad strategy / amount.
   */
  async setRelabeling(params: ParamsOf<'setRelabeling'>): Promise<ResultOf<'setRelabeling'>> {
    const { runId, strategy, k, ratio } = checkParams('setRelabeling', params);
    this.assertOpen();
    const dir = this.openRun(runId);
    const algo = dir.readConfig().algo;
    const relabeling = algoInfo(algo).relabeling;
    if (!relabeling)
      throw new ApiError(
        'conflict',
        `run ${runId} is a ${algo} run; relabeling applies to ${relabelingAlgos()} runs only`,
      );
    const amount = relabeling.amount === 'k' ? k : ratio;
    if (amount === undefined)
      throw new ApiError('invalid', `a ${algo} run's relabeling needs ${relabeling.amount}`, [
        { path: relabeling.amount, message: 'required for this run' },
      ]);
    let request;
    try {
      request = requestRelabeling(dir, strategy, amount);
    } catch (err) {
      throw new ApiError('invalid', (err as Error).message, [
        { path: 'strategy', message: (err as Error).message },
      ]);
    }
    const training = this.live.get(runId)?.activity === 'training';
    return { runId, ...request, appliesAt: training ? 'next-iteration' : 'resume' };
  }

  /**
   * The task spec of a run that keeps one (goal-sac: its task.json; before its first iteration, the
   * task its config names) and compiled MJCF. Reads only.
   * @throws ApiError 'conflict' for a run whose algorithm keeps no task spec.
   */
  async getRunTask(params: ParamsOf<'getRunTask'>): Promise<ResultOf<'getRunTask'>> {
    const { runId } = checkParams('getRunTask', params);
    const dir = this.openRun(runId);
    const config = dir.readConfig();
    if (!algoInfo(config.algo).keepsTaskSpec) {
      // A skill embedding on the arm acts in its transfer task's pre-training scene.
      const scene =
        config.algo === 'skill-embedding' && config.env === 'arm'
          ? armSkillFamilyScene(config.task ?? '')
          : null;
      if (scene) return { runId, spec: scene.spec as ResultOf<'getRunTask'>['spec'], xml: scene.xml };
      throw new ApiError(
        'conflict',
        `run ${runId} is a ${config.algo} run on ${config.env}; only ${joinNames(algosWhere((a) => a.keepsTaskSpec))} runs and skill-embedding runs on the arm have a task`,
      );
    }
    if (config.env === 'bit-flip') return { runId, spec: null, xml: null };
    const compiled = compileRunTask(config, dir.path);
    return { runId, spec: compiled.spec as ResultOf<'getRunTask'>['spec'], xml: compiled.xml };
  }

  /**
   * A skill-embedding run's task embeddings from its latest checkpoint (runs/skill_embedding_view.ts).
   * Reads only.
   * @throws ApiError 'conflict' for a run without task embeddings or without a checkpoint.
   */
  async getSkillEmbedding(params: ParamsOf<'getSkillEmbedding'>): Promise<ResultOf<'getSkillEmbedding'>> {
    const { runId } = checkParams('getSkillEmbedding', params);
    const dir = this.openRun(runId);
    try {
      return await skillEmbeddingView(dir);
    } catch (err) {
      if (err instanceof RunStoreError) throw new ApiError('conflict', err.message);
      throw err;
    }
  }

  /**
   * A run's evaluation summary and rollouts, read from eval/ (rollouts.jsonl is streamed, so a large
   * file does not hold up other requests).
   */
  async getEvaluation(params: ParamsOf<'getEvaluation'>): Promise<ResultOf<'getEvaluation'>> {
    const { runId, skills } = checkParams('getEvaluation', params);
    const dir = this.openRun(runId);
    const summaryPath = join(dir.evalDir, 'summary.json');
    if (!existsSync(summaryPath)) return { runId, summary: null, rollouts: [] };
    let summary: unknown;
    try {
      summary = JSON.parse(await readFile(summaryPath, 'utf8'));
    } catch (err) {
      throw new ApiError('internal', `${summaryPath}: not valid JSON (${(err as Error).message})`);
    }
    const wanted = skills ? new Set(skills) : null;
    const groups = new Map<string, EvalRollout>();
    const rolloutsPath = join(dir.evalDir, 'rollouts.jsonl');
    if (existsSync(rolloutsPath)) {
      const lines = createInterface({ input: createReadStream(rolloutsPath), crlfDelay: Infinity });
      let n = 0;
      for await (const line of lines) {
        n++;
        if (!line.trim()) continue;
        let row: {
          skill: number;
          rollout: number;
          step: number;
          z: number[];
          f: number[];
          xy: number[];
          qpos: number[];
        };
        try {
          row = JSON.parse(line);
        } catch {
          throw new ApiError('internal', `${rolloutsPath}: line ${n} is not valid JSON`);
        }
        if (wanted && !wanted.has(row.skill)) continue;
        const key = `${row.skill}/${row.rollout}`;
        let g = groups.get(key);
        if (!g)
          groups.set(
            key,
            (g = { skill: row.skill, rollout: row.rollout, z: row.z, f: [], xy: [], qpos: [] }),
          );
        g.f[row.step] = row.f;
        g.xy[row.step] = row.xy;
        g.qpos[row.step] = row.qpos;
      }
    }
    return {
      runId,
      summary: summary as ResultOf<'getEvaluation'>['summary'],
      rollouts: [...groups.values()],
    };
  }

  // ── planning with skills (issue #9 §2, §4) ─────────────────────────────────────────────────────

  /**
   * Plans and executes with a DADS run's skills in a plan process of its own (engine/runs/
   * plan_process.ts, as `skill-lab plan`), relaying each finished episode as a `planEpisode` event.
   * @throws ApiError 'not_found' for an unknown run; 'conflict' for a run whose algorithm has no skill
   *   dynamics (naming those that have), without a checkpoint, a plan id in use, too many plans, or
   *   a planning that was stopped; 'internal' with the plan process's reason when it fails.
   */
  async planSkills(params: ParamsOf<'planSkills'>): Promise<ResultOf<'planSkills'>> {
    const { runId, planId, ...request } = checkParams('planSkills', params);
    this.assertOpen();
    const dir = this.openRun(runId);
    const { algo } = dir.readConfig();
    const planners = algosWhere(plansWithSkills);
    if (!planners.includes(algo))
      throw new ApiError(
        'conflict',
        `run ${runId} is a ${algo} run; planning with skills needs a ${joinNames(planners)} run (its skill dynamics)`,
        [{ path: 'runId', message: `a ${algo} run`, allowed: planners }],
      );
    if (!existsSync(dir.checkpointPath))
      throw new ApiError(
        'conflict',
        `run ${runId} has no checkpoint yet (${dir.checkpointPath} missing); train it first`,
      );
    let plan;
    try {
      plan = this.plans.start(planId, dir, request, (kind, index, trace) =>
        this.emit('planEpisode', { planId, runId, kind, index, trace }),
      );
    } catch (err) {
      throw new ApiError('conflict', (err as Error).message, [
        { path: 'planId', message: (err as Error).message },
      ]);
    }
    try {
      const { report, checkpoint, traces } = await plan.outcome;
      return { runId, planId, checkpoint, report, traces };
    } catch (err) {
      if (err instanceof PlanFailure && err.stopped) throw new ApiError('conflict', err.message);
      throw new ApiError(
        'internal',
        `planning with run ${runId} failed: ${(err as Error).message} (log: ${join(dir.path, 'worker.log')})`,
      );
    }
  }

  /** Stops a planning of planSkills; `stopped` false when no plan of that id runs. */
  async stopPlan(params: ParamsOf<'stopPlan'>): Promise<ResultOf<'stopPlan'>> {
    const { planId } = checkParams('stopPlan', params);
    const plan = this.plans.get(planId);
    return { planId, stopped: plan ? plan.stop(`plan ${planId} was stopped`) || plan.stopping : false };
  }

  // ── tasks (issue #4 §3) ──────────────────────────────────────────────────────────────────────
  // Thin: main/api/service/tasks.ts validates params and does the work for this workspace.

  async listTasks(params?: ParamsOf<'listTasks'>): Promise<ResultOf<'listTasks'>> {
    return tasks.listTasks(this.store.root, params);
  }

  async getTask(params: ParamsOf<'getTask'>): Promise<ResultOf<'getTask'>> {
    return tasks.getTask(this.store.root, params);
  }

  async validateTask(params: ParamsOf<'validateTask'>): Promise<ResultOf<'validateTask'>> {
    return tasks.validateTask(params);
  }

  async saveTask(params: ParamsOf<'saveTask'>): Promise<ResultOf<'saveTask'>> {
    return tasks.saveTask(this.store.root, params);
  }

  async deleteTask(params: ParamsOf<'deleteTask'>): Promise<ResultOf<'deleteTask'>> {
    return tasks.deleteTask(this.store.root, params);
  }

  async sampleResets(params: ParamsOf<'sampleResets'>): Promise<ResultOf<'sampleResets'>> {
    return tasks.sampleResets(params);
  }

  // ── replay browser (issue #4 §6) ─────────────────────────────────────────────────────────────
  // Thin: main/api/service/replay.ts validates params and queries the run's episode files with this
  // service's one DuckDB instance (closed by close()).

  private replayBrowser: ReplayBrowser | null = null;
  private get replay(): ReplayBrowser {
    return (this.replayBrowser ??= new ReplayBrowser(this.store.root));
  }

  async listEpisodes(params: ParamsOf<'listEpisodes'>): Promise<ResultOf<'listEpisodes'>> {
    return this.replay.listEpisodes(params);
  }

  async getEpisode(params: ParamsOf<'getEpisode'>): Promise<ResultOf<'getEpisode'>> {
    return this.replay.getEpisode(params);
  }

  async episodeStats(params: ParamsOf<'episodeStats'>): Promise<ResultOf<'episodeStats'>> {
    return this.replay.episodeStats(params);
  }

  async exportEpisodes(params: ParamsOf<'exportEpisodes'>): Promise<ResultOf<'exportEpisodes'>> {
    return this.replay.exportEpisodes(params);
  }

  // ── shutdown ─────────────────────────────────────────────────────────────────────────────────

  /**
   * Stops every run process this service started and waits for them: training runs stop after
   * their iteration with a checkpoint (status 'stopped', resumable); evaluations are ended.
   * After `killAfterMs` (default: never) the remaining processes are killed.
   */
  // ── sweeps ───────────────────────────────────────────────────────────────────────────────────

  async listSweeps(params?: ParamsOf<'listSweeps'>): Promise<ResultOf<'listSweeps'>> {
    checkParams('listSweeps', params);
    return this.sweeps.list();
  }

  /**
   * Creates and starts a sweep (see the contract); nothing is created when it fails.
   * @throws ApiError 'invalid' naming the point and field, or why Slurm refused
   */
  async startSweep(params: ParamsOf<'startSweep'>): Promise<ResultOf<'startSweep'>> {
    const { spec } = checkParams('startSweep', params);
    this.assertOpen();
    return { sweep: await this.sweeps.start(spec) };
  }

  async cancelSweep(params: ParamsOf<'cancelSweep'>): Promise<ResultOf<'cancelSweep'>> {
    const { sweepId } = checkParams('cancelSweep', params);
    return { sweep: this.sweeps.cancel(sweepId) };
  }

  async resumeSweep(params: ParamsOf<'resumeSweep'>): Promise<ResultOf<'resumeSweep'>> {
    const { sweepId } = checkParams('resumeSweep', params);
    this.assertOpen();
    return { sweep: this.sweeps.resume(sweepId) };
  }

  // ── figures for papers ────────────────────────────────────────────────────────────────────────

  async previewFigure(params: ParamsOf<'previewFigure'>): Promise<ResultOf<'previewFigure'>> {
    const { spec } = checkParams('previewFigure', params);
    return this.figures.preview(spec);
  }

  async exportFigure(params: ParamsOf<'exportFigure'>): Promise<ResultOf<'exportFigure'>> {
    const { spec, name } = checkParams('exportFigure', params);
    return this.figures.export(spec, name);
  }

  async listFigures(params?: ParamsOf<'listFigures'>): Promise<ResultOf<'listFigures'>> {
    checkParams('listFigures', params);
    return this.figures.list();
  }

  async close(opts: { killAfterMs?: number } = {}): Promise<void> {
    this.closing = true;
    await Promise.all([this.live.stopAll(opts), this.plans.stopAll()]);
    await this.replayBrowser?.close();
  }

  /** Ids of runs with a live process of this service (tests, diagnostics). */
  liveRunIds(): string[] {
    return this.live.runIds();
  }

  /** The pid of a run's live process, if it has one. */
  processId(runId: string): number | null {
    return this.live.get(runId)?.pid ?? null;
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────

  private assertOpen(): void {
    if (this.closing)
      throw new ApiError('conflict', 'the lab service is shutting down; no new run processes');
  }

  /** A run of this workspace by id. @throws ApiError 'not_found' naming the runs folder. */
  private openRun(runId: string): RunDir {
    const path = join(this.store.runsDir, runId);
    if (!existsSync(path) || !statSync(path).isDirectory())
      throw new ApiError('not_found', `no run "${runId}" in ${this.store.runsDir}`, [
        { path: 'runId', message: `no run "${runId}"` },
      ]);
    return new RunDir(path, runId);
  }

  /**
   * For a run without a process of this service.
   * @throws ApiError 'conflict' naming the process when another one trains the run (e.g.
   *   `skill-lab train` in a terminal, or a second workbench's run process): two writers would
   *   corrupt the run.
   */
  private assertNotForeign(
    dir: RunDir,
    action: string,
    record: Pick<RunRecord, 'status' | 'pid'> = dir.readRecord(),
  ): void {
    try {
      assertNotTrained(dir.path, dir.id, record);
    } catch (err) {
      if (err instanceof RunLockedError)
        throw new ApiError('conflict', `cannot ${action} run ${dir.id}: ${err.message}`);
      throw err;
    }
  }

  /** The summary of a run, with the live activity of its process and key metrics of its last row. */
  /** Relabeling sequences by run path, valid while metrics.jsonl keeps its size and mtime. */
  private readonly relabelCache = new Map<string, { key: string; sequence: string | null }>();

  /** A relabeling run's sequence of settings (figures/curves.ts), cached per metrics.jsonl version. */
  private relabelingOf(dir: RunDir): string | null {
    if (!existsSync(dir.metricsPath)) return null;
    const { size, mtimeMs } = statSync(dir.metricsPath);
    const key = `${size}:${mtimeMs}`;
    const hit = this.relabelCache.get(dir.path);
    if (hit?.key === key) return hit.sequence;
    const sequence = relabelSequence(dir.readMetrics());
    this.relabelCache.set(dir.path, { key, sequence });
    return sequence;
  }

  private async summaryOf(dir: RunDir, record: RunRecord = dir.readRecord()): Promise<RunSummary> {
    const live = this.live.get(dir.id);
    let { status, error } = record;
    const trainer = status === 'running' && !live ? runTrainer(dir.path, record) : null;
    if (trainer?.state === 'gone') {
      // run.json was left 'running' by a process that is gone (killed, or the lab itself died).
      status = 'error';
      error = `the run's process ended without recording an end (${trainer.description}; killed or crashed); resume continues from the last checkpoint`;
    }
    const last = (await lastJsonRow(dir.metricsPath)) ?? {};
    const metrics: Record<string, number> = {};
    for (const key of findAlgo(record.algo)?.summaryMetrics ?? [])
      if (Number.isFinite(last[key])) metrics[key] = last[key];
    return {
      id: dir.id,
      algo: record.algo as AlgoName,
      env: record.env as RunSummary['env'],
      preset: record.preset,
      task: taskName(record.config.task),
      relabeling: findAlgo(record.algo)?.relabeling ? this.relabelingOf(dir) : null,
      seed: record.seed,
      status,
      error,
      activity: live && !live.abandoned ? live.activity : null,
      envSteps: record.envSteps,
      totalEnvSteps: Number(record.config.totalEnvSteps ?? 0),
      iterations: record.iterations,
      wallSeconds: record.wallSeconds,
      metrics,
      evaluated: existsSync(join(dir.evalDir, 'summary.json')),
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      ...(record.sweep && { sweep: record.sweep }),
    };
  }

  /**
   * Starts a training process for a run and marks it running at once (the worker confirms). A run
   * that completes is evaluated by the same process, so the compare view can replay its skills.
   */
  private spawnTraining(run: RunDir, evaluate = true): RunProcess {
    const proc = this.live.train(run, { evaluate, preview: this.preview, background: true });
    this.track(proc);
    void this.summaryOf(run).then(
      (s) => this.emit('runStatus', s),
      (err) => this.emit('error', { runId: run.id, message: (err as Error).message }),
    );
    return proc;
  }

  /** Relays a run process's messages as events (metric rows batched) and announces its end. */
  private track(proc: RunProcess): void {
    const runId = proc.run.id;
    const batch: MetricBatch = { rows: [], progress: null, timer: null, lastFlush: 0 };
    proc.on('progress', (msg) => {
      batch.rows.push(msg.row as MetricRow);
      batch.progress = {
        envSteps: msg.envSteps,
        totalEnvSteps: msg.totalEnvSteps,
        stepsPerSecond: msg.stepsPerSecond,
      };
      if (!batch.timer) {
        const wait = Math.max(0, batch.lastFlush + this.metricsIntervalMs - performance.now());
        batch.timer = setTimeout(() => this.flushMetrics(proc, batch), wait);
      }
    });
    proc.on('rollout', (msg) => {
      if (proc.abandoned) return;
      this.emit('rollout', {
        runId,
        env: msg.env as EventData<'rollout'>['env'],
        iteration: msg.iteration,
        envSteps: msg.envSteps,
        skill: msg.skill,
        z: msg.z,
        dt: msg.dt,
        qpos: msg.qpos,
      });
    });
    proc.on('evaluating', () => {
      // The supervisor keeps a stopping or deleted run's activity as it was.
      if (proc.abandoned || proc.activity !== 'evaluating') return;
      void this.summaryOf(proc.run).then(
        (summary) => this.emit('runStatus', summary),
        (err) => this.emit('error', { runId, message: (err as Error).message }),
      );
    });
    proc.onEnd((end) => this.onEnded(proc, batch, end));
  }

  private flushMetrics(proc: RunProcess, b: MetricBatch): void {
    if (b.timer) clearTimeout(b.timer);
    b.timer = null;
    if (b.rows.length === 0 || !b.progress || proc.abandoned) return;
    const rows = b.rows;
    b.rows = [];
    b.lastFlush = performance.now();
    this.emit('metrics', { runId: proc.run.id, rows, ...b.progress });
  }

  /** Announces how a run process ended (recorded by the supervisor), then the run's state. */
  private async onEnded(proc: RunProcess, batch: MetricBatch, end: RunProcessEnd): Promise<void> {
    const { run } = proc;
    this.flushMetrics(proc, batch); // rows before the final status
    if (end.outcome === 'abandoned') return;
    if (end.outcome === 'failed' || end.outcome === 'lost-lock')
      this.emit('error', { runId: run.id, message: end.reason ?? 'run failed' });
    else if (end.outcome === 'evaluation-failed')
      this.emit('error', { runId: run.id, message: `evaluation of run ${run.id} failed: ${end.reason}` });
    try {
      this.emit('runStatus', await this.summaryOf(run));
    } catch (err) {
      this.emit('error', { runId: run.id, message: (err as Error).message });
    }
  }
}
