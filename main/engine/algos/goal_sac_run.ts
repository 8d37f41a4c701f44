/**
 * A `goal-sac` run: {@link GoalSac} (goal_sac.ts) behind the run loop's {@link Algorithm} contract,
 * built from a {@link RunConfig}. The run's goal task is resolved once — a built-in name, a
 * workspace task (<workspace>/tasks/<name>.json) or, from the command line only, a task file — and
 * its spec is kept in the run directory (`task.json`), so resuming and evaluating use the task the
 * run was trained on even if the workspace task is edited later.
 *
 * Task names and task files are kept apart (issue #10 §2): by default a task is a name
 * (tasks/task_names.ts), which never reads outside the built-in tasks and the workspace's tasks
 * folder; a file path is read only with `files: true`, which the CLI passes for `--task FILE`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomicSync } from '../atomic.ts';
import { ConfigError, type RunConfig } from '../config.ts';
import { BitFlipEnv } from '../sim/bit_flip.ts';
import { createGoalEnv } from '../sim/goal_envs.ts';
import type { GoalEnv } from '../sim/types.ts';
import {
  BUILTIN_TASK_NAMES,
  compileTask,
  isTaskName,
  parseTaskSpec,
  resolveTaskName,
  serializeTaskSpec,
  TaskNameError,
  type CompiledTask,
  type TaskSpec,
} from '../tasks/index.ts';
import { checkRelabelSetting } from '../replay/relabel.ts';
import { EpisodeRecorder } from '../replay/episode_recorder.ts';
import { EpisodeStore } from '../replay/episode_store.ts';
import { GoalSac, type GoalEvalReport } from './goal_sac.ts';
import { offPolicyOptionsOf, OffPolicyRun } from './off_policy_run.ts';
import type { AbortPoint, AlgorithmState, GoalEvaluable, Metrics } from './types.ts';

/** File of a run directory holding the task spec the run trains on. */
export const RUN_TASK_FILE = 'task.json';

/** How a task given as text may be resolved. */
export interface TaskResolveOptions {
  /**
   * Also read a task file (a path ending in .json) when the text is not a task name: only for a
   * file the user named on the command line (`skill-lab train --task FILE`). Default false: names
   * only, as the API takes them.
   */
  files?: boolean;
}

/**
 * The spec of task `task`: a built-in task or a workspace task by name (tasks/task_names.ts), or,
 * with `files`, a task file at that path.
 * @throws TaskNameError for text that is not a task name (without `files`: nothing is read);
 *   Error naming what was tried and the built-in tasks; TaskSpecError for a bad file.
 */
export function resolveTaskSpec(
  task: string,
  workspace: string | null,
  opts: TaskResolveOptions = {},
): TaskSpec {
  if (isTaskName(task) || !opts.files) return resolveTaskName(task, workspace);
  if (!task.endsWith('.json'))
    throw new Error(
      `task "${task}": not a built-in task (${BUILTIN_TASK_NAMES.join(', ')}), not a workspace task name and not a .json task file`,
    );
  if (!existsSync(task)) throw new Error(`task file not found: ${task}`);
  return parseTaskSpec(JSON.parse(readFileSync(task, 'utf8')), task);
}

/**
 * Checks before a run is created that its task is one the caller may name and, for goal-sac on a
 * task env, that it resolves and suits the env, so a bad task is refused at the form (or command
 * line) instead of failing in the run's process. Without `files` (the API) a task that is not a
 * task name is refused for every algorithm, before anything is read.
 * @param opts.field the field the issue names (default `task`; the API's `overrides.task`).
 * @throws ConfigError with an issue at `opts.field`.
 */
export function checkRunTask(
  config: RunConfig,
  workspace: string,
  opts: TaskResolveOptions & { field?: string } = {},
): void {
  const field = opts.field ?? 'task';
  const refuse = (message: string) => new ConfigError(`${field}: ${message}`, [{ path: field, message }]);
  if (config.task === null) return;
  if (!opts.files && !isTaskName(config.task)) throw refuse(new TaskNameError(config.task).message);
  if (config.algo !== 'goal-sac' || config.env === 'bit-flip') return;
  let spec: TaskSpec;
  try {
    spec = resolveTaskSpec(config.task, workspace, opts);
  } catch (err) {
    throw refuse((err as Error).message);
  }
  if (spec.robot !== config.env)
    throw new ConfigError(
      `${field}: "${config.task}" is a ${spec.robot} task; this run trains on the ${config.env}`,
      [{ path: field, message: `a ${spec.robot} task; this run's env is ${config.env}` }],
    );
}

/**
 * The compiled task of a goal-sac run in `runDir`: its `task.json`, else `config.task` resolved (the
 * workspace is the run directory's grandparent, <workspace>/runs/<id>) and, with `keep`, written as
 * the run's task.json so that it trains on this spec from now on.
 * @param opts `files: true` only where the config passed its creator's {@link checkRunTask} (the
 *   run's own process): a run created from the command line may name a task file.
 * @throws Error when the task cannot be resolved or its robot is not the run's env.
 */
export function runTask(
  config: RunConfig,
  runDir: string | null,
  keep = false,
  opts: TaskResolveOptions = {},
): CompiledTask {
  const file = runDir ? join(runDir, RUN_TASK_FILE) : null;
  let spec: TaskSpec;
  if (file && existsSync(file)) spec = parseTaskSpec(JSON.parse(readFileSync(file, 'utf8')), file);
  else {
    if (config.task === null) throw new Error(`goal-sac on ${config.env}: the run names no task`);
    spec = resolveTaskSpec(config.task, runDir ? dirname(dirname(runDir)) : null, opts);
    if (file && keep) writeFileAtomicSync(file, `${serializeTaskSpec(spec)}\n`);
  }
  if (spec.robot !== config.env)
    throw new Error(`task "${spec.name}" is for the ${spec.robot}, but the run's env is ${config.env}`);
  return compileTask(spec, config.task ?? spec.name);
}

/**
 * Goal-conditioned SAC + HER as a run's algorithm. Once the run loop attaches a run directory,
 * every training episode goes to the run's episode store (replay/episode_store.ts), flushed by size
 * and before every checkpoint; the per-episode sampling counts travel in the checkpoint.
 */
export class GoalSacAlgorithm extends OffPolicyRun<GoalSac> implements GoalEvaluable {
  readonly recorder: EpisodeRecorder;
  private store: EpisodeStore | null = null;

  private constructor(config: RunConfig, inner: GoalSac, task: string) {
    super(config, inner);
    const env = inner.envs[0];
    this.recorder = new EpisodeRecorder(
      {
        task,
        goalDim: env.goalSpace.shape[0],
        actDim: env.actionSpace.shape[0],
        nq: env.nq,
        infoKeys: [...inner.options.rewardInfoKeys],
        dt: env.dt,
        physicsKeys: [...(env.physicsKeys ?? [])],
      },
      inner.envs.length,
      env.maxEpisodeSteps,
    );
    inner.observer = this.recorder;
  }

  /**
   * Builds the envs (bit flipping, or the run's task) and the learner from the config.
   * @param runDir the run's directory, where the task spec is kept (null: resolve `config.task` only)
   */
  static async create(config: RunConfig, runDir: string | null = null): Promise<GoalSacAlgorithm> {
    const { her } = config;
    let factory: (i: number) => Promise<GoalEnv> | GoalEnv;
    let rewardInfoKeys: string[] = [];
    let taskName = 'bit-flip';
    if (config.env === 'bit-flip') {
      factory = (i) => new BitFlipEnv({ nBits: her.bits, seed: config.seed * 1000 + i });
    } else {
      // The run's own process: its config passed checkRunTask when the run was created.
      const task = runTask(config, runDir, true, { files: true });
      rewardInfoKeys = [...task.infoKeys];
      taskName = task.spec.name;
      factory = (i) => createGoalEnv(task, { seed: config.seed * 1000 + i });
    }
    const inner = await GoalSac.create(factory, {
      ...offPolicyOptionsOf(config),
      episodesPerIteration: her.episodesPerIteration,
      relabel: { strategy: her.relabelStrategy, k: her.relabelK },
      terminalOnSuccess: her.terminalOnSuccess,
      randomEps: her.randomEps,
      rewardInfoKeys,
    });
    return new GoalSacAlgorithm(config, inner, taskName);
  }

  override async iterate(abortPoint?: AbortPoint): Promise<Metrics> {
    const metrics = await this.inner.iterate(abortPoint);
    if (this.store?.shouldFlush) await this.store.flush();
    return metrics;
  }

  /**
   * Starts recording episodes into `<runDir>/episodes`, continuing at the restored episode count
   * (files past it are dropped: those episodes are collected again), and rewrites the sampling
   * counts as restored.
   */
  async attachRun(runDir: string): Promise<void> {
    this.store?.close();
    const store = await EpisodeStore.open(runDir, this.recorder.shape, {
      nextEpisodeId: this.inner.replay.episodes,
    });
    this.store = store;
    await store.writeRelabelStats(this.recorder.stats);
    this.recorder.sink = (ep) => store.add(ep);
  }

  /** Flushes the buffered episodes and the sampling counts, so the files match the checkpoint. */
  async beforeCheckpoint(): Promise<void> {
    if (!this.store) return;
    await this.store.flush();
    await this.store.writeRelabelStats(this.recorder.stats);
  }

  /**
   * Switches the relabeling strategy and k from the next batch on; recorded in the switch log.
   * @throws Error for an unknown strategy or a k out of range.
   */
  setRelabeling(strategy: string, k: number): void {
    const setting = checkRelabelSetting(strategy, k);
    this.inner.setRelabeling(setting.strategy, setting.k);
  }

  /** The learner's state plus the per-episode sampling counts (`relabel_stats/counts`). */
  override async saveState(): Promise<AlgorithmState> {
    const state = await this.inner.saveState();
    return { ...state, arrays: { ...state.arrays, ...this.recorder.stats.save() } };
  }

  override async loadState(state: AlgorithmState): Promise<void> {
    await this.inner.loadState(state);
    this.recorder.stats.load(state.arrays);
  }

  /** Deterministic actions for observations [B, obsDim] and desired goals [B, goalDim] (the "skills"). */
  actDeterministic(obs: Float32Array, desiredGoals: Float32Array): Float32Array {
    return this.inner.actDeterministic(obs, desiredGoals);
  }

  /** Success rate and return of the deterministic policy over `config.her.evalEpisodes` episodes. */
  evaluateGoals(episodes = this.config.her.evalEpisodes): GoalEvalReport {
    const perEnv = Math.max(1, Math.ceil(episodes / this.inner.envs.length));
    return this.inner.evaluate(perEnv, 1_000_003 + this.config.seed);
  }

  override dispose(): void {
    this.store?.close();
    this.store = null;
    this.inner.dispose();
  }
}
