/**
 * The registered MuJoCo environments (point-mass, ant, half-cheetah) behind the {@link Env} contract.
 *
 * Every env observes obs = [qpos, qvel] (float32), acts through motors whose ctrlrange is the action
 * space, and runs `frameSkip` physics steps per env step. Reset noise follows gym's MuJoCo envs as
 * used by DADS (google-research/dads envs/gym_mujoco; reference/skill_discovery.md §1.4):
 * qpos = qpos0 + U(−0.1, 0.1), qvel = 0.1·N(0, 1), drawn from the env's seeded {@link Rng}.
 *
 * A simulation that goes unstable never throws: the step ends the episode with `terminated = true`,
 * `info.nan = true`, reward 0 and the last finite observation.
 */
import { join } from 'node:path';
import { assetsDir } from '../paths.ts';
import { Rng } from '../rng.ts';
import { loadModelFile, loadMujoco, mujocoMessage, Simulation } from './mujoco.ts';
import { clipActionInto, wentUnstable } from './guards.ts';
import { base64ToFloat32, base64ToFloat64, typedToBase64 } from '../exact_json.ts';
import type { BoxSpace, Env, EnvName, EnvOptions, StepInfo, StepResult } from './types.ts';

/** What {@link MujocoEnv.getState} returns: JSON-able, exact. */
export interface MujocoEnvState {
  /** MuJoCo's mjSTATE_INTEGRATION state, float64, base64. */
  physics: string;
  /** Steps since the episode's reset. */
  elapsedSteps: number;
  /** The episode ended (or never began): reset before the next step. */
  needsReset: boolean;
  /** Reset at least once. */
  everReset: boolean;
  /** The reset-noise generator, or null before any reset. */
  rng: number[] | null;
  /** The last observation (returned again if the simulation goes unstable), float32, base64. */
  lastObs: string;
}

/** All registered env names, in a stable order. */
export const ENV_NAMES: readonly EnvName[] = Object.freeze([
  'point-mass',
  'ant',
  'half-cheetah',
] as EnvName[]);

/**
 * The point-mass arena in m: the inner faces of the walls (assets/models/point_mass.xml). The ball's
 * centre stays 0.05 m (its radius) inside, up to contact softness.
 */
export const POINT_MASS_ARENA: Readonly<{ xmin: number; xmax: number; ymin: number; ymax: number }> =
  Object.freeze({
    xmin: -1,
    xmax: 1,
    ymin: -1,
    ymax: 1,
  });

/** Default goal (x, y) in m of the point-mass env reward. */
export const POINT_MASS_DEFAULT_GOAL: readonly [number, number] = Object.freeze([0.5, 0.5]) as readonly [
  number,
  number,
];

/** Distance in m under which the point mass counts as at its goal (`info.success`). */
export const POINT_MASS_SUCCESS_RADIUS = 0.1;

/**
 * Distance in m under which the Ant counts as at its goal (`info.success`) when built with a goal:
 * the DADS reference code's steps-to-goal threshold (eval_mppi: the first step with distance < 1.5),
 * also the planner's default radius on Ant (planning/dads_plan.ts).
 */
export const ANT_GOAL_SUCCESS_RADIUS = 1.5;

/** The success radius (m) of each env's x-y goal task (`info.success`), where it has one. */
export const GOAL_SUCCESS_RADIUS: Readonly<Partial<Record<EnvName, number>>> = Object.freeze({
  'point-mass': POINT_MASS_SUCCESS_RADIUS,
  ant: ANT_GOAL_SUCCESS_RADIUS,
});

/** Static facts of a registered env, available without loading MuJoCo. */
export interface EnvSpec {
  readonly name: EnvName;
  /** Observation length: nq + nv. */
  readonly obsDim: number;
  /** Action length: number of motors. */
  readonly actDim: number;
  /** Generalized coordinates (qpos length) and velocities (qvel length). */
  readonly nq: number;
  readonly nv: number;
  /** Indices into obs of the global x(, y) coordinates. */
  readonly coordDims: readonly number[];
  /** Physics timestep in s. */
  readonly timestep: number;
  readonly frameSkip: number;
  /** Control period in s: timestep × frameSkip. */
  readonly dt: number;
  /** Default episode length in env steps (truncation). */
  readonly maxEpisodeSteps: number;
  /** Absolute path of the MJCF file. */
  readonly modelPath: string;
  /** Where the model's facts come from. */
  readonly source: string;
}

/** Everything a reward function may read after a control period. Arrays are live WASM views: read, don't keep. */
export interface RewardInput {
  /** qpos[0] (global x in m for ant and half-cheetah) before the control period. */
  readonly xBefore: number;
  readonly qpos: Float64Array;
  readonly qvel: Float64Array;
  /** The clipped action that was applied. */
  readonly action: Float64Array;
  /** Control period in s. */
  readonly dt: number;
  /** Goal (x, y) in m (point-mass only; otherwise the default). */
  readonly goal: readonly [number, number];
}

/** An env's definition: its static spec and its reward. */
export interface EnvDefinition {
  readonly spec: EnvSpec;
  /**
   * Env reward of one control period; writes diagnostics into `info`.
   * Ignored by skill discovery (DIAYN/DADS), used by plain SAC.
   */
  reward(input: RewardInput, info: StepInfo): number;
  /**
   Task diagnostics of a freshly reset state (e.g. the goal distance), written into `info`. */
  resetInfo?(qpos: Float64Array, goal: readonly [number, number], info: StepInfo): void;
  /**
   * A goal-reaching task the env takes instead of its own reward when it is built with a goal
   * (EnvOptions.goal): its reward and reset diagnostics. Absent where the env's own reward already
   * reads the goal (point-mass) or the env has none (half-cheetah).
   */
  goalTask?: Pick<EnvDefinition, 'reward' | 'resetInfo'>;
}

function modelPath(file: string): string {
  return join(assetsDir(), 'models', file);
}

function squaredNorm(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

/**
 * gym-style locomotion reward: forward (x) velocity of the root + `alive` − ctrlWeight·‖a‖², with the
 * terms in info (gym Ant: 0.5 and 1, no unhealthy termination here; gym HalfCheetah: 0.1 and 0).
 */
function forwardReward(ctrlWeight: number, alive: number): EnvDefinition['reward'] {
  return (input, info) => {
    const xVelocity = (input.qpos[0] - input.xBefore) / input.dt;
    const ctrlCost = ctrlWeight * squaredNorm(input.action);
    info.xVelocity = xVelocity;
    info.ctrlCost = ctrlCost;
    return xVelocity + alive - ctrlCost;
  };
}

/** ‖(x, y) − goal‖ of a root at qpos[0], qpos[1]: written to info with success below `radius`. */
function goalInfo(
  qpos: Float64Array,
  goal: readonly [number, number],
  info: StepInfo,
  radius: number,
): number {
  const d = Math.hypot(qpos[0] - goal[0], qpos[1] - goal[1]);
  info.goalDistance = d;
  info.success = d < radius;
  return d;
}

function pointMassGoalInfo(qpos: Float64Array, goal: readonly [number, number], info: StepInfo): number {
  return goalInfo(qpos, goal, info, POINT_MASS_SUCCESS_RADIUS);
}

const DEFINITIONS: Record<EnvName, EnvDefinition> = {
  'point-mass': {
    spec: {
      name: 'point-mass',
      obsDim: 4,
      actDim: 2,
      nq: 2,
      nv: 2,
      coordDims: Object.freeze([0, 1]),
      timestep: 0.01,
      frameSkip: 5,
      dt: 0.05,
      maxEpisodeSteps: 50,
      modelPath: modelPath('point_mass.xml'),
      source:
        'skill-lab: walled 2 m × 2 m plane, 1 kg ball, gear 15 N, damping 10 N·s/m (top speed 1.5 m/s). ' +
        'A physics-simulated stand-in for the kinematic point env of DADS (reference §1.4).',
    },
    // −‖(x, y) − goal‖, the goal-task reward form of DADS (compute_reward for task 'goal').
    reward(input, info) {
      return -pointMassGoalInfo(input.qpos, input.goal, info);
    },
    resetInfo(qpos, goal, info) {
      pointMassGoalInfo(qpos, goal, info);
    },
  },
  ant: {
    spec: {
      name: 'ant',
      obsDim: 29,
      actDim: 8,
      nq: 15,
      nv: 14,
      coordDims: Object.freeze([0, 1]),
      timestep: 0.01,
      frameSkip: 5,
      dt: 0.05,
      maxEpisodeSteps: 200,
      modelPath: modelPath('ant.xml'),
      source:
        'gym Ant geometry as used by DADS (Sharma et al. 2020, App. A; google-research/dads envs/gym_mujoco/ant.py): ' +
        'RK4, timestep 0.01, frame skip 5, gear 150, obs qpos+qvel (29) with x-y, no termination but NaN, 200 steps.',
    },
    reward: forwardReward(0.5, 1),
    // With a goal: −‖(x, y) − goal‖, the reference code's ant.py compute_reward for task 'goal'.
    goalTask: {
      reward(input, info) {
        return -goalInfo(input.qpos, input.goal, info, ANT_GOAL_SUCCESS_RADIUS);
      },
      resetInfo(qpos, goal, info) {
        goalInfo(qpos, goal, info, ANT_GOAL_SUCCESS_RADIUS);
      },
    },
  },
  'half-cheetah': {
    spec: {
      name: 'half-cheetah',
      obsDim: 18,
      actDim: 6,
      nq: 9,
      nv: 9,
      coordDims: Object.freeze([0]),
      timestep: 0.01,
      frameSkip: 5,
      dt: 0.05,
      maxEpisodeSteps: 1000,
      modelPath: modelPath('half_cheetah.xml'),
      source:
        'gym HalfCheetah geometry (as in DIAYN and DADS): timestep 0.01, frame skip 5, obs qpos+qvel (18) with x, ' +
        'reward forward velocity − 0.1‖a‖², 1000 steps.',
    },
    reward: forwardReward(0.1, 0),
  },
};

function unknownEnv(name: unknown): Error {
  return new Error(`Unknown env "${String(name)}"; allowed: ${ENV_NAMES.join(', ')}`);
}

/** True when `name` is a registered env name. */
export function isEnvName(name: unknown): name is EnvName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(DEFINITIONS, name);
}

/**
 * Static facts of env `name` without building it.
 * @throws Error listing the allowed names when `name` is unknown.
 */
export function envSpec(name: EnvName): EnvSpec {
  return envDefinition(name).spec;
}

/**
 * Definition (spec + reward) of env `name`, for building an {@link MujocoEnv} on a custom
 * {@link Simulation} (tests, model variants with the same dimensions).
 * @throws Error listing the allowed names when `name` is unknown.
 */
export function envDefinition(name: EnvName): EnvDefinition {
  if (!isEnvName(name)) throw unknownEnv(name);
  return DEFINITIONS[name];
}

/** Reset-noise scales (gym MuJoCo envs, DADS): qpos U(±0.1), qvel 0.1·N(0, 1). */
const QPOS_NOISE = 0.1;
const QVEL_NOISE = 0.1;

function box(low: Float32Array, high: Float32Array): BoxSpace {
  return Object.freeze({ shape: Object.freeze([low.length]) as readonly [number], low, high });
}

/** Indices of MuJoCo's warnings that mean it found a bad state and reset the data itself. */

/**
 * One MuJoCo env: owns a {@link Simulation} and implements {@link Env} (Gymnasium semantics, no
 * auto-reset). Build registered envs with {@link createEnv}; the constructor is for custom models
 * that keep a registered env's dimensions.
 */
export class MujocoEnv implements Env {
  readonly name: EnvName;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly dt: number;
  readonly frameSkip: number;
  readonly maxEpisodeSteps: number;
  readonly coordDims: readonly number[];
  readonly nq: number;
  /** Number of generalized velocities. */
  readonly nv: number;
  /**
   * Goal (x, y) in m of the point-mass reward, and of the Ant's goal task when built with a goal (the
   * default elsewhere, unused).
   */
  readonly goal: readonly [number, number];
  /** Physics timestep in s. */
  readonly timestep: number;

  private sim: Simulation | null;
  /** The reward and reset diagnostics in use: the definition's, or its goal task's (see EnvDefinition). */
  private readonly task: Pick<EnvDefinition, 'reward' | 'resetInfo'>;
  private rng: Rng | null = null;
  private _elapsedSteps = 0;
  /** Before the first reset, or after the episode ended. */
  private needsReset = true;
  private everReset = false;
  private readonly lastObs: Float32Array;
  private readonly act: Float64Array;
  private readonly ctrlLow: Float64Array;
  private readonly ctrlHigh: Float64Array;
  private warnedUnstable = false;

  /**
   * Takes ownership of `sim` (closed by {@link close}, and disposed here if the model does not fit).
   * @throws Error when the model's nq, nv, nu or timestep differ from `def.spec`, or an option is invalid.
   */
  constructor(def: EnvDefinition, sim: Simulation, opts: EnvOptions = {}) {
    const spec = def.spec;
    try {
      const m = sim.model;
      const problems: string[] = [];
      if (m.nq !== spec.nq) problems.push(`nq ${m.nq} (expected ${spec.nq})`);
      if (m.nv !== spec.nv) problems.push(`nv ${m.nv} (expected ${spec.nv})`);
      if (m.nu !== spec.actDim) problems.push(`nu ${m.nu} (expected ${spec.actDim})`);
      if (Math.abs(m.opt.timestep - spec.timestep) > 1e-12)
        problems.push(`timestep ${m.opt.timestep} (expected ${spec.timestep})`);
      if (problems.length)
        throw new Error(`${spec.name}: model does not match the env spec: ${problems.join(', ')}`);
      const maxSteps = opts.maxEpisodeSteps ?? spec.maxEpisodeSteps;
      if (!Number.isInteger(maxSteps) || maxSteps <= 0)
        throw new Error(`${spec.name}: maxEpisodeSteps must be a positive integer, got ${maxSteps}`);
      const goal = opts.goal ?? POINT_MASS_DEFAULT_GOAL;
      if (!Array.isArray(goal) || goal.length !== 2 || !goal.every((g) => Number.isFinite(g)))
        throw new Error(
          `${spec.name}: goal must be two finite numbers (x, y) in m, got ${JSON.stringify(goal)}`,
        );

      const range = m.actuator_ctrlrange as Float64Array;
      this.ctrlLow = new Float64Array(spec.actDim);
      this.ctrlHigh = new Float64Array(spec.actDim);
      for (let j = 0; j < spec.actDim; j++) {
        this.ctrlLow[j] = range[2 * j];
        this.ctrlHigh[j] = range[2 * j + 1];
      }
      this.name = spec.name;
      this.task = opts.goal !== undefined && def.goalTask ? def.goalTask : def;
      this.sim = sim;
      this.nq = spec.nq;
      this.nv = spec.nv;
      this.timestep = spec.timestep;
      this.frameSkip = spec.frameSkip;
      this.dt = spec.timestep * spec.frameSkip;
      this.maxEpisodeSteps = maxSteps;
      this.coordDims = spec.coordDims;
      this.goal = Object.freeze([goal[0], goal[1]]) as readonly [number, number];
      this.observationSpace = box(
        new Float32Array(spec.obsDim).fill(-Infinity),
        new Float32Array(spec.obsDim).fill(Infinity),
      );
      this.actionSpace = box(Float32Array.from(this.ctrlLow), Float32Array.from(this.ctrlHigh));
      this.lastObs = new Float32Array(spec.obsDim);
      this.act = new Float64Array(spec.actDim);
    } catch (err) {
      sim.dispose();
      throw err;
    }
  }

  get elapsedSteps(): number {
    return this._elapsedSteps;
  }

  /** True when the episode ended (or never started) and {@link reset} must come before {@link step}. */
  get needsResetBeforeStep(): boolean {
    return this.needsReset;
  }

  /** The owned simulation, for tests and advanced use (e.g. reading contacts). @throws after close. */
  get simulation(): Simulation {
    if (!this.sim) throw new Error(`${this.name}: env is closed`);
    return this.sim;
  }

  /**
   * Gymnasium reset. With `seed` the reset-noise generator restarts from it; without, it continues
   * (the first unseeded reset draws a seed from the OS, as Gymnasium does).
   * @throws Error when `seed` is not an integer, or after close.
   */
  reset(opts?: { seed?: number }): { obs: Float32Array; info: StepInfo } {
    const { mj, model, data } = this.simulation;
    const seed = opts?.seed;
    if (seed !== undefined) {
      if (!Number.isInteger(seed))
        throw new Error(`${this.name}: reset seed must be an integer, got ${seed}`);
      this.rng = new Rng(seed);
    } else if (!this.rng) {
      this.rng = new Rng(globalThis.crypto.getRandomValues(new Uint32Array(1))[0]);
    }
    const rng = this.rng;
    // Also clears MuJoCo's warning counters, which step() reads to spot bad states.
    mj.mj_resetData(model, data);
    const qpos = data.qpos as Float64Array;
    const qvel = data.qvel as Float64Array;
    for (let i = 0; i < qpos.length; i++) qpos[i] += rng.uniformRange(-QPOS_NOISE, QPOS_NOISE);
    for (let i = 0; i < qvel.length; i++) qvel[i] = QVEL_NOISE * rng.normal();
    mj.mj_forward(model, data);

    this._elapsedSteps = 0;
    this.needsReset = false;
    this.everReset = true;
    const obs = this.observe();
    this.lastObs.set(obs);
    const info: StepInfo = {};
    this.task.resetInfo?.(data.qpos as Float64Array, this.goal, info);
    return { obs, info };
  }

  /**
   * Applies `action` (clipped to the action space) for `frameSkip` physics steps.
   * @param action length actDim, finite.
   * @throws Error naming the env and the index on a wrong length or NaN/Inf entry;
   *   Error when called before reset, after the episode ended, or after close;
   *   Error with MuJoCo's message when the engine itself fails (then reset before stepping again).
   */
  step(action: ArrayLike<number>): StepResult {
    const sim = this.simulation;
    if (this.needsReset) {
      throw new Error(
        this.everReset
          ? `${this.name}: the episode ended (step ${this._elapsedSteps}); call reset() before step()`
          : `${this.name}: step() called before reset()`,
      );
    }
    clipActionInto(this.name, action, this.ctrlLow, this.ctrlHigh, this.act);
    const { mj, model, data } = sim;
    (data.ctrl as Float64Array).set(this.act);
    const xBefore = (data.qpos as Float64Array)[0];
    const t0 = data.time;
    try {
      for (let k = 0; k < this.frameSkip; k++) mj.mj_step(model, data);
    } catch (err) {
      // Engine errors (e.g. the arena is too small for the contacts) repeat every step: a model
      // problem to report, not an episode outcome. Reset recovers the data.
      this.needsReset = true;
      throw new Error(
        `${this.name}: MuJoCo failed at episode step ${this._elapsedSteps + 1}: ${mujocoMessage(err)}`,
        {
          cause: err,
        },
      );
    }
    this._elapsedSteps++;
    const truncated = this._elapsedSteps >= this.maxEpisodeSteps;

    const qpos = data.qpos as Float64Array;
    const qvel = data.qvel as Float64Array;
    if (wentUnstable(data, t0, this.frameSkip, this.timestep)) {
      this.needsReset = true;
      if (!this.warnedUnstable) {
        this.warnedUnstable = true;
        console.warn(
          `${this.name}: the simulation went unstable (NaN/Inf or a bad state MuJoCo reset) at episode step ` +
            `${this._elapsedSteps}; the episode ends as terminated. Further occurrences in this env are not reported.`,
        );
      }
      return { obs: this.lastObs.slice(), reward: 0, terminated: true, truncated, info: { nan: true } };
    }

    const info: StepInfo = {};
    const reward = this.task.reward(
      { xBefore, qpos, qvel, action: this.act, dt: this.dt, goal: this.goal },
      info,
    );
    const obs = this.observe();
    this.lastObs.set(obs);
    if (truncated) this.needsReset = true;
    return { obs, reward, terminated: false, truncated, info };
  }

  /** A copy of qpos (length nq). @throws Error after close. */
  qpos(): Float64Array {
    return Float64Array.from(this.simulation.data.qpos as Float64Array);
  }

  /** A copy of qvel (length nv). @throws Error after close. */
  qvel(): Float64Array {
    return Float64Array.from(this.simulation.data.qvel as Float64Array);
  }

  /**
   * Everything needed to continue this env's episode bit-exactly in another instance of the same env:
   * MuJoCo's integration state (mj_getState with mjSTATE_INTEGRATION: time, qpos, qvel, act, warm
   * start, controls, applied forces …), the step counter and episode flags, the reset-noise generator
   * and the last observation. JSON-able; doubles as exact base64 ({@link typedToBase64}).
   * @throws Error after close.
   */
  getState(): MujocoEnvState {
    const physics = this.simulation.integrationState();
    return {
      physics: typedToBase64(physics),
      elapsedSteps: this._elapsedSteps,
      needsReset: this.needsReset,
      everReset: this.everReset,
      rng: this.rng ? this.rng.getState() : null,
      lastObs: typedToBase64(this.lastObs),
    };
  }

  /**
   * Restores {@link getState} (taken from an instance of the same env). Derived quantities are left
   * to the next step's own forward pass: an mj_forward here would overwrite the solver's warm start
   * with this state's accelerations, and the continuation would differ in the last bits.
   * @throws Error naming the env and the part when the state does not fit it; the env is unchanged.
   */
  setState(state: MujocoEnvState): void {
    const what = `${this.name} env state`;
    if (!state || typeof state !== 'object') throw new Error(`${what}: expected an object`);
    const physics = base64ToFloat64(state.physics, this.simulation.integrationStateSize, `${what} physics`);
    const lastObs = base64ToFloat32(state.lastObs, this.lastObs.length, `${what} lastObs`);
    if (
      !Number.isInteger(state.elapsedSteps) ||
      state.elapsedSteps < 0 ||
      state.elapsedSteps > this.maxEpisodeSteps
    )
      throw new Error(
        `${what}: elapsedSteps must be an integer in [0, ${this.maxEpisodeSteps}], got ${state.elapsedSteps}`,
      );
    const rng = state.rng === null ? null : new Rng(0);
    rng?.setState(state.rng!);
    this.simulation.setIntegrationState(physics);
    this._elapsedSteps = state.elapsedSteps;
    this.needsReset = Boolean(state.needsReset);
    this.everReset = Boolean(state.everReset);
    this.rng = rng;
    this.lastObs.set(lastObs);
  }

  /** Frees the MuJoCo objects. Idempotent; any later call but close throws. */
  close(): void {
    if (this.sim) {
      this.sim.dispose();
      this.sim = null;
    }
  }

  private observe(): Float32Array {
    const data = this.simulation.data;
    const obs = new Float32Array(this.nq + this.nv);
    obs.set(data.qpos as Float64Array, 0);
    obs.set(data.qvel as Float64Array, this.nq);
    return obs;
  }
}

/**
 * Builds registered env `name` from its MJCF in assets/models.
 * @param opts maxEpisodeSteps (default from {@link envSpec}), goal (point-mass: default (0.5, 0.5) m;
 *   Ant: the goal task −‖(x, y) − goal‖ instead of the forward reward).
 * @returns an env that needs `reset()` before `step()`; the caller owns it and must `close()` it.
 * @throws Error listing the allowed names when `name` is unknown; MJCF load errors from {@link loadModelFile};
 *   Error on invalid options.
 */
export async function createEnv(name: EnvName, opts: EnvOptions = {}): Promise<MujocoEnv> {
  const def = envDefinition(name);
  const mj = await loadMujoco();
  const model = await loadModelFile(def.spec.modelPath);
  return new MujocoEnv(def, new Simulation(mj, model), opts);
}
