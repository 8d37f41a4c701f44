/**
 * The environment contract of skill-lab, with Gymnasium semantics
 * (https://gymnasium.farama.org/api/env/): `reset({seed})` → {obs, info};
 * `step(action)` → {obs, reward, terminated, truncated, info}. Truncation bootstraps, termination
 * does not. Nothing here imports tfjs.
 */

/** A box space: every element lies in [low[i], high[i]]. Shapes are flat (rank 1) here. */
export interface BoxSpace {
  readonly shape: readonly [number];
  readonly low: Float32Array;
  readonly high: Float32Array;
}

/** Per-step diagnostics. */
export interface StepInfo {
  /** True when the simulation produced a NaN/Inf state; the episode ends (terminated) and obs is the last finite one. */
  nan?: boolean;
  /** Task success flag where the env defines a task (e.g. point-mass goal reaching). */
  success?: boolean;
  /** Euclidean distance to the env's goal where it has one, in m. */
  goalDistance?: number;
  /** Extra per-step scalars (reward terms etc.). */
  [key: string]: number | boolean | undefined;
}

/** Result of {@link Env.step}. `obs` is a fresh array the caller may keep. */
export interface StepResult {
  obs: Float32Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
}

/** Names of the registered environments. */
export type EnvName = 'point-mass' | 'ant' | 'half-cheetah';

/** Options common to every env factory. */
export interface EnvOptions {
  /** Episode length in env steps; truncation after this many steps. */
  maxEpisodeSteps?: number;
  /**
   * Goal position (x, y) in m: the point mass's reward; the Ant's goal task (−‖(x, y) − goal‖ instead
   * of its forward reward). Ignored by half-cheetah.
   */
  goal?: [number, number];
}

/** One simulated environment instance. Owns its MuJoCo MjModel/MjData and frees them in `close`. */
export interface Env {
  readonly name: EnvName;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  /** Control period in s (timestep × frame skip). */
  readonly dt: number;
  readonly frameSkip: number;
  readonly maxEpisodeSteps: number;
  /**
   * Indices into obs of the global coordinates (x, y for ant and point-mass; x for half-cheetah).
   * The x-y prior f(s) reads these; DADS's policy and critic never see them.
   */
  readonly coordDims: readonly number[];
  /** Number of generalized coordinates, the length of {@link qpos}. */
  readonly nq: number;
  /** Steps taken since the last reset. */
  readonly elapsedSteps: number;

  /**
   * Starts a new episode. `seed` reseeds the env's reset-noise generator (Gymnasium: only when given).
   * @returns the first observation (fresh array) and an info object.
   */
  reset(opts?: { seed?: number }): { obs: Float32Array; info: StepInfo };

  /**
   * Applies `action` (clipped to the action space) for `frameSkip` physics steps.
   * @throws Error when action has the wrong length or contains NaN/Inf, naming the env and the index.
   * @throws Error when called before reset or after the episode ended.
   */
  step(action: ArrayLike<number>): StepResult;

  /** A copy of the current qpos (length nq), for trajectories and 3D replay. */
  qpos(): Float64Array;

  /** Frees the MuJoCo objects. Idempotent; any later call throws. */
  close(): void;
}

/**
 * A goal observation in Gymnasium-Robotics' layout: the task-agnostic `observation`, the goal the
 * current state achieves, and the goal the episode asks for. Fresh arrays the caller may keep.
 */
export interface GoalObservation {
  /** [obsDim] */
  observation: Float32Array;
  /** [goalDim] */
  achievedGoal: Float32Array;
  /** [goalDim] */
  desiredGoal: Float32Array;
}

/** Result of {@link GoalEnv.step}; `reward` and `info.success` come from {@link GoalEnv.evaluate}. */
export interface GoalStepResult {
  obs: GoalObservation;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
}

export type { GoalEvaluation, GoalRewardFn } from '../tasks/goal_reward.ts';
import type { GoalRewardFn } from '../tasks/goal_reward.ts';

/**
 * A goal-conditioned environment (Gymnasium-Robotics GoalEnv semantics): Fetch-style arm tasks,
 * point-mass goal reaching, bit flipping. Truncation bootstraps, termination does not; goal tasks
 * never terminate on success.
 */
export interface GoalEnv {
  /** Task or env name, for messages and run records. */
  readonly name: string;
  /** Space of {@link GoalObservation.observation}. */
  readonly observationSpace: BoxSpace;
  /** Space of achieved and desired goals. */
  readonly goalSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  /** Control period in s (0 for non-physical envs such as bit flipping). */
  readonly dt: number;
  readonly maxEpisodeSteps: number;
  readonly elapsedSteps: number;
  /** Length of {@link qpos}; 0 when the env has no MuJoCo model. */
  readonly nq: number;
  /** The task's reward, the one `step` uses. */
  readonly evaluate: GoalRewardFn;
  /** Starts an episode and samples a desired goal. `seed` reseeds the env's generator. */
  reset(opts?: { seed?: number }): { obs: GoalObservation; info: StepInfo };
  /**
   * Applies `action` (clipped to the action space).
   * @throws Error for a wrong length or NaN/Inf, or when called before reset / after the episode ended.
   */
  step(action: ArrayLike<number>): GoalStepResult;
  /** A copy of the current qpos (length nq) for replay; empty when nq is 0. */
  qpos(): Float64Array;
  /**
   * Names of the env's domain-randomization draws (sim/randomize.ts: `friction_scale`,
   * `table_friction_scale`, …); empty or absent when it randomizes nothing.
   */
  readonly physicsKeys?: readonly string[];
  /** [physicsKeys.length] the scale factors (× nominal) drawn at the last reset; 1s before the first. */
  physics?(): Float64Array;
  /** Frees what the env owns. Idempotent; any later call throws. */
  close(): void;
}
