/**
 * Goal reaching with a trained DADS run's skills: builds the env, the planning model, the policy and
 * the tasks from the run's frozen parts and runs the planner and the random-skill baseline
 * (execute.ts). The engine part of `skill-lab plan` and of the workbench's Skills view; the parts come
 * from a run's checkpoint (runs/policy_source.ts) or a live algorithm.
 */
import { Rng } from '../rng.ts';
import { createEnv, POINT_MASS_SUCCESS_RADIUS } from '../sim/envs.ts';
import type { EnvName } from '../sim/types.ts';
import { dadsSkillModel, dadsSkillPolicy, type ActionMode, type DadsParts } from './dads_model.ts';
import { runPlanning, type EpisodeTrace, type PlanReport } from './execute.ts';
import { resolveMppiSettings, type MppiSettings } from './mppi.ts';
import { goalTask, positionsInF, waypointTask, type PlanningTask, type RouteReward } from './tasks.ts';

/**
 * Default success radius per env, in m, with its source: the point mass's own success radius; on
 * Ant the reference code's steps-to-goal threshold (eval_mppi: distance < 1.5).
 */
export const DEFAULT_SUCCESS_RADIUS: Partial<Record<EnvName, { radius: number; source: string }>> = {
  'point-mass': { radius: POINT_MASS_SUCCESS_RADIUS, source: 'the point-mass env success radius' },
  ant: { radius: 1.5, source: 'DADS reference code eval_mppi steps-to-goal (distance < 1.5)' },
};

/** Options of {@link planWithDads}. */
export interface DadsPlanOptions {
  /** Goals in the env's global coordinates (x, y in m). */
  goals?: readonly (readonly number[])[];
  /** Routes of waypoints in the env's global coordinates, each followed in order. */
  routes?: readonly (readonly (readonly number[])[])[];
  /** Episodes per goal or route (default 1). */
  episodes?: number;
  /** Default 0. */
  seed?: number;
  /** Planner preset (default 'dense'). */
  preset?: string;
  /** Planner values overriding the preset's. */
  overrides?: Partial<MppiSettings>;
  /** Policy actions (default 'mean'). */
  actions?: ActionMode;
  /** Env steps per episode (default: the run's training episode length). */
  episodeSteps?: number;
  /** Success radius in m (default {@link DEFAULT_SUCCESS_RADIUS} of the env). */
  radius?: number;
  /** Per-step reward the planner scores (default dense). */
  reward?: RouteReward;
  /**
   * End an episode when the goal is reached (default true: a goal is reached once; the executed
   * skills need not be able to stand still, and `steps` then says how long it took).
   */
  stopAtGoal?: boolean;
  /** Run the random-skill baseline too (default true). */
  baseline?: boolean;
  keepTop?: number;
  /** Called after each episode; a returned promise is awaited before the next one. */
  onEpisode?: (trace: EpisodeTrace, kind: 'planner' | 'baseline') => void | Promise<void>;
  signal?: AbortSignal;
}

/** Runs `make`, prefixing an error's message with `what`. */
function named<T>(what: string, make: () => T): T {
  try {
    return make();
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Plans and executes with a DADS run's frozen skill dynamics and policy (from a live algorithm,
 * dads_model.ts dadsPartsOf, or a run's checkpoint, dadsPartsOfSource).
 * @throws Error when there are no goals or routes, when f(s) lacks the env's global coordinates
 *   (state function 'full-without-xy'), when the env has no default radius and none is given, for bad
 *   goals, planner settings or options (each named).
 */
export async function planWithDads(
  parts: DadsParts,
  opts: DadsPlanOptions,
): Promise<{ report: PlanReport; traces: { planner: EpisodeTrace[]; baseline: EpisodeTrace[] } }> {
  const trainEnv = parts.env;
  const envName = trainEnv.name;
  const radius = opts.radius ?? DEFAULT_SUCCESS_RADIUS[envName]?.radius;
  if (radius === undefined || !(radius > 0))
    throw new Error(
      radius === undefined
        ? `planning on ${envName} needs a success radius (no default for this env)`
        : `radius must be a positive number of m, got ${radius}`,
    );
  const dims = positionsInF(
    parts.f.dims,
    trainEnv.coordDims,
    `goals in global coordinates (state function '${parts.f.name}')`,
  );
  const routeOpts = { dims, radius, reward: opts.reward };
  const tasks: PlanningTask[] = [
    ...(opts.goals ?? []).map((g, i) => named(`goals[${i}]`, () => goalTask(g, routeOpts))),
    ...(opts.routes ?? []).map((r, i) => named(`routes[${i}]`, () => waypointTask(r, routeOpts))),
  ];
  if (tasks.length === 0) throw new Error('planning needs at least one goal or route');
  const planner = resolveMppiSettings(opts.preset ?? 'dense', opts.overrides ?? {});
  const seed = opts.seed ?? 0;
  const episodeSteps = opts.episodeSteps ?? trainEnv.maxEpisodeSteps;
  const env = await createEnv(envName, { maxEpisodeSteps: episodeSteps });
  try {
    return await runPlanning({
      env,
      fDims: parts.f.dims,
      model: dadsSkillModel(parts),
      policy: dadsSkillPolicy(parts, opts.actions ?? 'mean', new Rng(seed + 65537)),
      tasks,
      episodes: opts.episodes ?? 1,
      planner,
      seed,
      stopAtGoal: opts.stopAtGoal ?? true,
      sources: {
        actions:
          opts.actions === undefined
            ? "our choice: the policy's mean action, as skill-lab eval rolls skills out (the reference code's eval_mppi samples from π)"
            : 'option',
        episode_steps:
          opts.episodeSteps === undefined
            ? "the run's training episode length (reference code: max_env_steps)"
            : 'option',
        stop_at_goal:
          opts.stopAtGoal === undefined
            ? 'our choice: a goal counts as reached once (the reference code runs every episode to its end)'
            : 'option',
        success_radius: opts.radius === undefined ? DEFAULT_SUCCESS_RADIUS[envName]!.source : 'option',
      },
      baseline: opts.baseline,
      keepTop: opts.keepTop,
      onEpisode: opts.onEpisode,
      signal: opts.signal,
    });
  } finally {
    env.close();
  }
}
