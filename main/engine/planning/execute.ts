/**
 * Executes skill plans in the env: every H_Z env steps a skill is chosen — by MPPI over the skill
 * dynamics (mppi.ts) or, for the baseline, drawn from the skill prior — and the frozen skill policy
 * acts with it for H_Z steps (DADS paper Alg. 2; reference code eval_mppi). Each episode records the
 * executed f(s) and qpos per step, the chosen skill of each segment, the predicted f trajectory of the
 * plan and of its best candidates (for drawing), and is judged by the task: the distance to go at
 * the end (final distance), success when it is below the task's radius, and the first step that was
 * within it.
 *
 * Episodes are seeded: episode e resets the env with seed + e, and the baseline's episode e uses the
 * same reset, so both face the same starts. Nothing here trains: the model and the policy are only
 * read.
 *
 * Planning is asynchronous only to let its process breathe: before every segment it yields to the
 * event loop once, so that a stop request arrives (the abort signal) and the episodes already posted
 * leave the process while the next one is planned. The numbers do not depend on it.
 */
import { continuousPrior } from '../algos/skills.ts';
import { Rng } from '../rng.ts';
import type { Env } from '../sim/types.ts';
import type { ActionMode, SkillPolicy } from './dads_model.ts';
import { MppiPlanner, type ResolvedMppiSettings, type SkillDynamicsModel } from './mppi.ts';
import type { PlanningTask } from './tasks.ts';

/** One segment of an episode: a skill held from env step `start`. */
export interface SegmentTrace {
  /** Env steps executed before the segment began. */
  start: number;
  /** The skill z, [d]. */
  skill: number[];
  /** The plan's predicted f(s) over its horizon, [T + 1][fDim] (row 0 the observed f); null for random skills. */
  predicted: number[][] | null;
  /** The last refine step's best candidates, best first: skills [H_P][d], predicted f(s) [T + 1][fDim], score. */
  candidates: { skills: number[][]; trajectory: number[][]; score: number }[];
  /** Wall-clock ms of the replan (0 for random skills). */
  planMs: number;
}

/** What `skill-lab plan` prints per episode. */
export interface EpisodeResult {
  /** The task's goal (its last waypoint). */
  goal: number[];
  /** Distance to go at the episode's end, in f's units (m for x-y). */
  final_distance: number;
  /** final_distance < the task's radius. */
  success: boolean;
  /** Env steps executed. */
  steps: number;
}

/** A whole episode for drawing and replay, with its result. */
export interface EpisodeTrace extends EpisodeResult {
  task: string;
  waypoints: number[][];
  /** The env's reset seed. */
  seed: number;
  /** First env step (1-based) that ended within the radius of the goal with every waypoint passed; null if none. */
  steps_to_goal: number | null;
  /** The simulation went unstable and ended the episode early. */
  nan: boolean;
  /** Executed f(s) per step, [steps + 1][fDim], row 0 after reset. */
  f: number[][];
  /** qpos per step, [steps + 1][nq], for 3D replay. */
  qpos: number[][];
  segments: SegmentTrace[];
}

/** Success rate and mean final distance over episodes. */
export interface PlanFigures {
  episodes: EpisodeResult[];
  mean_final_distance: number;
  success_rate: number;
}

/** The planner's settings as a report records them. */
export interface PlannerRecord {
  preset: ResolvedMppiSettings['preset'];
  settings: ResolvedMppiSettings['settings'];
  actions: ActionMode;
  /** Env steps per episode at most. */
  episode_steps: number;
  /** Episodes end when the goal is reached (see {@link RunPlanningOptions.stopAtGoal}). */
  stop_at_goal: boolean;
  seed: number;
  /**
   * Where each value comes from: every MPPI setting (paper, reference code or 'override'), and what
   * the caller says of actions, episode_steps, stop_at_goal and success_radius.
   */
  sources: Record<string, string>;
}

/** The report of {@link runPlanning}: `skill-lab plan --json`. */
export interface PlanReport extends PlanFigures {
  /** Success means final_distance < success_radius. */
  success_radius: number;
  /** The same figures for random skill sequences (a prior draw every H_Z steps); null when not run. */
  baseline: PlanFigures | null;
  planner: PlannerRecord;
}

/** Options of {@link runPlanning}. */
export interface RunPlanningOptions {
  /**
   * The env to act in, built with the episode length wanted; reset by the executor. It must be the
   * env the skills were trained on. The caller owns and closes it.
   */
  env: Env;
  /** Observation columns that make f(s), in order (StateFunction.dims). */
  fDims: readonly number[];
  model: SkillDynamicsModel;
  policy: SkillPolicy;
  /** The tasks; each runs `episodes` times. Every task must have the same radius. */
  tasks: readonly PlanningTask[];
  /** Episodes per task (≥ 1). */
  episodes: number;
  planner: ResolvedMppiSettings;
  seed: number;
  /**
   * End an episode at the first step within the task's radius of its goal (every waypoint passed),
   * so `steps` is the time to reach it; otherwise every episode runs its full length and the final
   * distance is where the skills left the robot. Required: it decides what success measures.
   */
  stopAtGoal: boolean;
  /** Also run the random-skill baseline (default true). */
  baseline?: boolean;
  /** Candidates kept per segment for drawing (default 5). */
  keepTop?: number;
  /** Called after each episode, e.g. to stream it to the workbench; a returned promise is awaited. */
  onEpisode?: (trace: EpisodeTrace, kind: 'planner' | 'baseline') => void | Promise<void>;
  /** Sources of the execution settings (actions, episode_steps, stop_at_goal, success_radius) for the report. */
  sources?: Record<string, string>;
  /** Checked between segments; an abort throws its reason. */
  signal?: AbortSignal;
}

/** Resolves on the event loop's next turn (after pending I/O callbacks). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Picks the skill of a segment. */
type Chooser = (
  f: Float32Array,
  obs: Float32Array,
  task: PlanningTask,
  progress: ReturnType<PlanningTask['start']>,
) => SegmentTrace;

function rows(a: Float32Array, width: number): number[][] {
  const out: number[][] = [];
  for (let o = 0; o < a.length; o += width) out.push(Array.from(a.subarray(o, o + width)));
  return out;
}

function select(obs: Float32Array, dims: readonly number[]): Float32Array {
  return Float32Array.from(dims, (d) => obs[d]);
}

/**
 * One episode: a skill from `choose` every `hold` env steps, acted out by the policy.
 * @throws Error when the policy's actions are not finite (from the env), or when aborted.
 */
async function runEpisode(
  opts: RunPlanningOptions,
  task: PlanningTask,
  seed: number,
  hold: number,
  choose: Chooser,
): Promise<EpisodeTrace> {
  const { env, fDims, policy } = opts;
  let obs = env.reset({ seed }).obs;
  let f = select(obs, fDims);
  const progress = task.start();
  task.observe(progress, f);
  const fRows: number[][] = [Array.from(f)];
  const qpos: number[][] = [Array.from(env.qpos())];
  const segments: SegmentTrace[] = [];
  let z = new Float32Array(policy.skillDim);
  let stepsToGoal: number | null = null;
  let nan = false;
  let t = 0;
  for (; t < env.maxEpisodeSteps; t++) {
    if (t % hold === 0) {
      await nextTurn();
      opts.signal?.throwIfAborted();
      const seg = choose(f, obs, task, { ...progress });
      seg.start = t;
      segments.push(seg);
      z = Float32Array.from(seg.skill);
    }
    const out = env.step(policy.act(obs, z));
    obs = out.obs;
    f = select(obs, fDims);
    task.observe(progress, f);
    fRows.push(Array.from(f));
    qpos.push(Array.from(env.qpos()));
    const reached = task.distanceToGo(f, progress) < task.radius;
    if (stepsToGoal === null && reached) stepsToGoal = t + 1;
    if (out.terminated || out.truncated || (reached && opts.stopAtGoal)) {
      nan = Boolean(out.info.nan);
      t++;
      break;
    }
  }
  const finalDistance = task.distanceToGo(f, progress);
  const goal = [...task.targets[task.targets.length - 1]];
  return {
    goal,
    final_distance: finalDistance,
    success: finalDistance < task.radius,
    steps: t,
    task: task.name,
    waypoints: task.targets.map((w) => [...w]),
    seed,
    steps_to_goal: stepsToGoal,
    nan,
    f: fRows,
    qpos,
    segments,
  };
}

function figures(traces: readonly EpisodeTrace[]): PlanFigures {
  const episodes = traces.map(({ goal, final_distance, success, steps }) => ({
    goal,
    final_distance,
    success,
    steps,
  }));
  const n = Math.max(1, episodes.length);
  return {
    episodes,
    mean_final_distance: episodes.reduce((s, e) => s + e.final_distance, 0) / n,
    success_rate: episodes.filter((e) => e.success).length / n,
  };
}

/**
 * Plans and executes every task `episodes` times with MPPI, and (unless `baseline` is false) runs the
 * same episodes with random skill sequences.
 * @returns the report (`skill-lab plan --json`) and every episode's trace
 * @throws Error (a rejection) for no tasks, tasks with different radii, a model and policy of
 *   different skill sizes, or episodes < 1; an abort's reason when `signal` aborts.
 */
export async function runPlanning(opts: RunPlanningOptions): Promise<{
  report: PlanReport;
  traces: { planner: EpisodeTrace[]; baseline: EpisodeTrace[] };
}> {
  const { tasks, model, policy, planner, seed } = opts;
  if (tasks.length === 0) throw new Error('planning needs at least one goal');
  if (!(Number.isInteger(opts.episodes) && opts.episodes >= 1))
    throw new Error(`episodes must be a positive integer, got ${opts.episodes}`);
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const radius = tasks[0].radius;
  if (tasks.some((t) => t.radius !== radius))
    throw new Error('every task of one planning report must have the same radius');
  if (model.skillDim !== policy.skillDim)
    throw new Error(`the skill dynamics takes z of length ${model.skillDim}, the policy ${policy.skillDim}`);
  if (model.fDim !== opts.fDims.length)
    throw new Error(
      `the skill dynamics predicts f(s) of length ${model.fDim}, fDims has ${opts.fDims.length}`,
    );

  const { hold } = planner.settings;
  const keepTop = opts.keepTop ?? 5;
  const fDim = model.fDim;
  const d = model.skillDim;
  const prior = continuousPrior(d);
  const traces = { planner: [] as EpisodeTrace[], baseline: [] as EpisodeTrace[] };
  let e = 0;
  for (const task of tasks) {
    for (let rep = 0; rep < opts.episodes; rep++, e++) {
      const resetSeed = seed + e;
      const mppi = new MppiPlanner(model, planner.settings, (seed * 7919 + 104729 * (e + 1)) >>> 0);
      const plan: Chooser = (f, obs, tk, progress) => {
        const t0 = performance.now();
        const p = mppi.replan(f, model.stateless ? null : obs, tk.objective(progress), keepTop);
        return {
          start: 0,
          skill: Array.from(p.skill),
          predicted: rows(p.predicted, fDim),
          candidates: p.top.map((c) => ({
            skills: rows(c.skills, d),
            trajectory: rows(c.trajectory, fDim),
            score: c.score,
          })),
          planMs: performance.now() - t0,
        };
      };
      const planned = await runEpisode(opts, task, resetSeed, hold, plan);
      traces.planner.push(planned);
      await opts.onEpisode?.(planned, 'planner');

      if (opts.baseline ?? true) {
        const rng = new Rng((seed * 31337 + 130363 * (e + 1)) >>> 0);
        const random: Chooser = () => {
          const z = new Float32Array(d);
          prior.sample(rng, z);
          return { start: 0, skill: Array.from(z), predicted: null, candidates: [], planMs: 0 };
        };
        const base = await runEpisode(opts, task, resetSeed, hold, random);
        traces.baseline.push(base);
        await opts.onEpisode?.(base, 'baseline');
      }
    }
  }
  const report: PlanReport = {
    ...figures(traces.planner),
    success_radius: radius,
    baseline: (opts.baseline ?? true) ? figures(traces.baseline) : null,
    planner: {
      preset: planner.preset,
      settings: planner.settings,
      actions: policy.mode,
      episode_steps: opts.env.maxEpisodeSteps,
      stop_at_goal: opts.stopAtGoal,
      seed,
      sources: { ...planner.sources, ...opts.sources },
    },
  };
  return { report, traces };
}
