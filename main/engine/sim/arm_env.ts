/**
 * The 7-DoF arm goal env (assets/models/arm.xml), a {@link GoalEnv} built from a compiled task
 * (main/engine/tasks/compile.ts), following the Fetch environments of Gymnasium-Robotics
 * (reference/relabeling_and_multitask.md §1.5):
 *
 * - Cartesian control: action [dx, dy, dz, gripper] ∈ [-1, 1]^4. Each step the mocap body is put at
 *   the grip site's current position plus 0.05 m × (dx, dy, dz) (Fetch resets the mocap to the
 *   welded body before adding the delta), clipped to the task's workspace box, with the fixed
 *   hand-down orientation; the weld drags the grip site along. The gripper command is absolute:
 *   −1 closed … +1 open (both fingers), ignored when the task blocks the gripper (held closed).
 * - Joint-velocity control: action [ω1 … ω7, gripper] ∈ [-1, 1]^8; ω × 1.5 rad/s are the targets of
 *   velocity servos (kv 40 N·m·s/rad) on the seven joints, which replace the joints' passive damping;
 *   the weld is disabled.
 * - 20 substeps of 2 ms (dt 0.04 s, 25 Hz); episodes are truncated after the task's episode length
 *   (Fetch: 50) and never terminate on success; a NaN/unstable state ends the episode (terminated,
 *   `info.nan`), as in envs.ts.
 * - Observation as Fetch's `_get_obs`: reach (no objects) 10-d = grip_pos(3), finger qpos(2),
 *   grip_velp·dt(3), finger qvel·dt(2); with k objects 10 + 15k: grip_pos, object_pos(3k),
 *   object_rel_pos = object − grip (3k), finger qpos(2), object_rot (x-y-z Euler angles, 3k),
 *   (object_velp − grip_velp)·dt (3k), object_velr·dt (3k), grip_velp·dt(3), finger qvel·dt(2). So
 *   every "velocity" is a per-step displacement (Fetch multiplies by dt too). Site velocities are
 *   world-frame (mj_objectVelocity).
 * - achieved_goal: grip_pos for reach, the first object's position otherwise; desired_goal 3-d.
 *   Heights are above the table top (z = 0).
 * - Reset (Gymnasium-Robotics v4's fixes for reset reproducibility, issues #207/#251): data reset
 *   (zeroes warm start, ctrl, time), domain randomization, the arm at its settled start pose (grip
 *   site at the task's gripper start, computed once per scene by letting the weld pull the arm
 *   there with contacts off), the mocap pose reset, objects then goal drawn from the task's samplers
 *   with the env's seeded Rng. Same seed → bit-identical episode.
 */
import { base64ToFloat32, base64ToFloat64, typedToBase64 } from '../exact_json.ts';
import { Rng } from '../rng.ts';
import { MJCF_NAMES, JOINT_SPEED } from '../tasks/mjcf.ts';
import type { CompiledTask } from '../tasks/compile.ts';
import { DomainRandomizer, type RandomizationTargets, type RandomizedPart } from './randomize.ts';
import { INFO_EE_OBJECT_DISTANCE, INFO_LIFT_HEIGHT } from '../tasks/reward.ts';
import { objectHalfHeight } from '../tasks/schema.ts';
import type { DoubleBuffer } from '@mujoco/mujoco';
import { allFinite, clipActionInto, wentUnstable } from './guards.ts';
import { mujocoMessage, Simulation, type MjData, type MjModel, type Mujoco } from './mujoco.ts';
import type { BoxSpace, GoalEnv, GoalObservation, GoalRewardFn, GoalStepResult, StepInfo } from './types.ts';

/** Physics substeps per action (Fetch n_substeps). */
export const ARM_SUBSTEPS = 20;
/** Largest mocap displacement per step and axis, m (Fetch: pos_ctrl × 0.05). */
export const ARM_MAX_STEP = 0.05;
/** Finger opening per finger at "open", m (each finger's slide range is [0, 0.04]). */
export const FINGER_OPEN = 0.04;

/** Joint angles (j1 … j7, rad) the start pose is settled from: hand down in front of the arm. */
const HOME = [0, 0.71, 0, 1.72, 0, 0.71, 0];
/** Mocap orientation: π about y, so the hand's z axis points down and the fingers slide along y. */
const HAND_DOWN = [0, 0, 1, 0];
/** 2 s of simulated settling; the weld's time constant is 0.02 s. */
const SETTLE_SUBSTEPS = 1000;

/** Settled arm + finger qpos per scene text (pure function of the XML and the start, so cached). */
const settledCache = new Map<string, Float64Array>();
const SETTLED_CACHE_SIZE = 64;

/**
 * The arm env's observation and action sizes for a task spec, without building it: 10 + 15 per
 * object (Fetch's layout, see the file comment); 4 actions under Cartesian control, 8 under joint
 * velocities.
 */
export function armSpaceSizes(spec: Pick<CompiledTask['spec'], 'objects' | 'control'>): {
  obsDim: number;
  actDim: number;
} {
  return { obsDim: 10 + 15 * spec.objects.length, actDim: spec.control === 'cartesian' ? 4 : 8 };
}

/** Options of {@link createArmEnv}. */
export interface ArmEnvOptions {
  /** Seed of the env's generator for the first reset that gives none (default: from the OS). */
  seed?: number;
}

/**
 * What {@link ArmEnv.getState} returns: everything needed to continue an episode in flight bit for
 * bit in another instance of the same task's env (a skill controller's checkpoint). JSON-able and
 * exact: float arrays travel as base64 of their little-endian bytes (exact_json.ts), so JSON's loss
 * of −0, NaN and float64 precision cannot touch them.
 */
export interface ArmEnvState {
  /** The task's name; {@link ArmEnv.setState} refuses another task's state. */
  task: string;
  /**
   * MuJoCo's mjSTATE_INTEGRATION state (mj_getState: time, qpos, qvel, act, solver warm start, ctrl,
   * applied forces, equality flags, mocap pose, userdata), float64, base64.
   */
  physics: string;
  /**
   * The grip site's world position (m) as the next Cartesian step reads it, float64[3], base64. A
   * derived quantity, not part of MuJoCo's state: after a step it is the position at the start of the
   * last substep (mj_step's forward pass precedes its integration), so it cannot be recomputed from
   * qpos.
   */
  grip: string;
  /** Steps since the episode's reset, in [0, episode length]. */
  elapsedSteps: number;
  /** The episode ended (or never began): reset before the next step. */
  needsReset: boolean;
  /** Reset at least once. */
  everReset: boolean;
  /**
   * The reset generator ({@link Rng.getState}: 4 uint32 words and the spare normal, NaN — null after
   * JSON — when none), or null before a reset when the env was built without a seed.
   */
  rng: number[] | null;
  /** The episode's desired goal (x, y, height above the table), m, float64[3], base64. */
  goal: string;
  /** The domain-randomization factors (× nominal) of the episode, float64[physicsKeys.length], base64. */
  draws: string;
  /**
   * The last observation (returned again if the simulation goes unstable), float32 base64 each, or
   * null before any reset.
   */
  last: { observation: string; achievedGoal: string; desiredGoal: string } | null;
}

interface Ids {
  grip: number;
  armQpos: number[];
  armDofs: number[];
  fingerQpos: [number, number];
  fingerDofs: [number, number];
  fingerActs: [number, number];
  velocityActs: number[];
  objQpos: number[];
  objSites: number[];
  target: number;
}

function box(low: Float32Array, high: Float32Array): BoxSpace {
  return Object.freeze({ shape: Object.freeze([low.length]) as readonly [number], low, high });
}

function unbounded(n: number): BoxSpace {
  return box(new Float32Array(n).fill(-Infinity), new Float32Array(n).fill(Infinity));
}

/**
 * x-y-z Euler angles (roll about x, then pitch about y, then yaw about z, extrinsic; R = Rz·Ry·Rx)
 * of a row-major rotation matrix, written to out[at..at+3].
 */
function eulerXYZ(m: ArrayLike<number>, o: number, out: Float32Array, at: number): void {
  const cy = Math.hypot(m[o + 7], m[o + 8]);
  if (cy > 1e-9) {
    out[at] = Math.atan2(m[o + 7], m[o + 8]);
    out[at + 1] = Math.atan2(-m[o + 6], cy);
    out[at + 2] = Math.atan2(m[o + 3], m[o]);
  } else {
    out[at] = 0;
    out[at + 1] = Math.atan2(-m[o + 6], cy);
    out[at + 2] = Math.atan2(-m[o + 1], m[o + 4]);
  }
}

/**
 * The arm goal env. Build it with {@link createArmEnv}; it owns its {@link Simulation} and a
 * velocity buffer and frees both in {@link close}.
 */
export class ArmEnv implements GoalEnv {
  readonly name: string;
  readonly observationSpace: BoxSpace;
  readonly goalSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly dt: number;
  readonly maxEpisodeSteps: number;
  readonly nq: number;
  readonly evaluate: GoalRewardFn;
  /** Info columns `evaluate` reads; `step().info` carries them. */
  readonly infoKeys: readonly string[];
  readonly task: CompiledTask;

  private sim: Simulation | null;
  private velBuf: DoubleBuffer | null;
  private readonly ids: Ids;
  private readonly randomizer: DomainRandomizer;
  readonly physicsKeys: readonly string[];
  private draws: Float64Array;
  private readonly settled: Float64Array;
  private readonly nObjects: number;
  private readonly restHeight: number;
  private readonly timestep: number;
  private readonly cartesian: boolean;
  private rng: Rng | null;
  private goal: Float64Array = new Float64Array(3);
  private _elapsedSteps = 0;
  private needsReset = true;
  private everReset = false;
  private warnedUnstable = false;
  private last: GoalObservation | null = null;
  private readonly act: Float64Array;
  /** The target site's position in the compiled model (shown until the first reset), m. */
  private readonly targetSite0: Float64Array;

  /** Use {@link createArmEnv}. Takes ownership of `sim` (disposed here on failure). */
  constructor(task: CompiledTask, sim: Simulation, opts: ArmEnvOptions = {}) {
    try {
      const spec = task.spec;
      if (spec.robot !== 'arm')
        throw new Error(`${spec.name}: ArmEnv needs robot 'arm', got '${spec.robot}'`);
      const { mj, model } = sim;
      this.ids = lookUpIds(mj, model, task);
      this.task = task;
      this.name = spec.name;
      this.sim = sim;
      this.nq = model.nq;
      this.timestep = model.opt.timestep;
      this.dt = this.timestep * ARM_SUBSTEPS;
      this.maxEpisodeSteps = spec.episodeLength;
      this.evaluate = task.evaluate;
      this.infoKeys = task.infoKeys;
      this.cartesian = spec.control === 'cartesian';
      this.nObjects = spec.objects.length;
      this.restHeight = this.nObjects ? objectHalfHeight(spec.objects[0]) : 0;
      const { obsDim, actDim } = armSpaceSizes(spec);
      this.act = new Float64Array(actDim);
      this.actionSpace = box(new Float32Array(actDim).fill(-1), new Float32Array(actDim).fill(1));
      this.observationSpace = unbounded(obsDim);
      this.goalSpace = unbounded(3);
      if (!this.cartesian) {
        // The velocity servos damp the joints about the commanded speed; passive damping on top
        // would leave them at kv / (kv + damping) of it.
        const damping = model.dof_damping as Float64Array;
        for (const dof of this.ids.armDofs) damping[dof] = 0;
      }
      this.randomizer = new DomainRandomizer(
        model,
        spec.randomization,
        randomizationTargets(mj, model, task),
      );
      this.physicsKeys = this.randomizer.keys;
      this.draws = new Float64Array(this.physicsKeys.length).fill(1);
      this.settled = settledPose(mj, model, sim.data, task, this.ids);
      // A disabled weld (joint-velocity mode) through the option flag: the bindings cannot write eq_active.
      if (!this.cartesian) model.opt.disableflags |= mj.mjtDisableBit.mjDSBL_EQUALITY.value;
      this.rng = opts.seed === undefined ? null : new Rng(opts.seed);
      this.targetSite0 = (model.site_pos as Float64Array).slice(3 * this.ids.target, 3 * this.ids.target + 3);
      this.velBuf = mj.DoubleBuffer.FromArray([0, 0, 0, 0, 0, 0]);
    } catch (err) {
      sim.dispose();
      throw err;
    }
  }

  get elapsedSteps(): number {
    return this._elapsedSteps;
  }

  /** The owned simulation, for tests and the viewer. @throws Error after close. */
  get simulation(): Simulation {
    if (!this.sim) throw new Error(`${this.name}: env is closed`);
    return this.sim;
  }

  /** The current desired goal (x, y, height above the table), m. */
  get desiredGoal(): Float64Array {
    return this.goal.slice();
  }

  /**
   * Starts an episode (see the module docs for the order of the reset).
   * @param opts.goal the desired goal (x, y, height above the table), m, instead of one drawn from
   *   the task's goal region (a task family's fixed goals, sim/multi_goal_arm_env.ts)
   * @param opts.objectPosition where the first object's centre starts (x, y, height above the table
   *   top), m, instead of its sampled position, upright (e.g. a block on top of a rail: the rail's
   *   height plus the block's half height). The object sampler is still called, so the generator's
   *   stream (and with it the goal and the other objects) is the same as without the option. Nothing
   *   checks it: an object placed inside the table, an obstacle, another object or the gripper is
   *   pushed out by the contacts on the first step. The `liftHeight` info still counts from the
   *   object's resting height on the table.
   * @throws Error when `seed` is not an integer, `goal` not 3 finite numbers, `objectPosition` not 3
   *   finite numbers or given for a task without objects, after close, or when the task's objects
   *   cannot be placed. A refused option leaves the env unchanged.
   */
  reset(opts?: { seed?: number; goal?: ArrayLike<number>; objectPosition?: ArrayLike<number> }): {
    obs: GoalObservation;
    info: StepInfo;
  } {
    const { mj, model, data } = this.simulation;
    const seed = opts?.seed;
    const goal = opts?.goal;
    const objectPosition = opts?.objectPosition;
    if (goal !== undefined && (goal.length !== 3 || !Array.from(goal).every(Number.isFinite)))
      throw new Error(
        `${this.name}: a reset goal must be 3 finite numbers (x, y, height), got ${Array.from(goal).join(', ')}`,
      );
    if (objectPosition !== undefined) {
      if (!this.nObjects)
        throw new Error(`${this.name}: a reset objectPosition needs an object; the task has none`);
      if (objectPosition.length !== 3 || !Array.from(objectPosition).every(Number.isFinite))
        throw new Error(
          `${this.name}: a reset objectPosition must be 3 finite numbers (x, y, height of the centre above the table), m, ` +
            `got ${Array.from(objectPosition).join(', ')}`,
        );
    }
    if (seed !== undefined) {
      if (!Number.isInteger(seed))
        throw new Error(`${this.name}: reset seed must be an integer, got ${seed}`);
      this.rng = new Rng(seed);
    } else if (!this.rng) {
      this.rng = new Rng(globalThis.crypto.getRandomValues(new Uint32Array(1))[0]);
    }
    const rng = this.rng;
    mj.mj_resetData(model, data);
    const info: StepInfo = {};
    if (this.randomizer.active) this.draws = this.randomizer.apply(model, rng);
    const ids = this.ids;
    const qpos = data.qpos as Float64Array;
    ids.armQpos.forEach((adr, k) => (qpos[adr] = this.settled[k]));
    qpos[ids.fingerQpos[0]] = this.settled[7];
    qpos[ids.fingerQpos[1]] = this.settled[8];
    this.placeMocap(data, this.task.spec.gripper.start);
    const ctrl = data.ctrl as Float64Array;
    ctrl[ids.fingerActs[0]] = ctrl[ids.fingerActs[1]] = this.settled[7];

    const xy = this.task.sampleObjects(rng);
    const objects = this.task.spec.objects;
    for (let i = 0; i < this.nObjects; i++) {
      const adr = ids.objQpos[i];
      qpos.set([xy[2 * i], xy[2 * i + 1], objectHalfHeight(objects[i]), 1, 0, 0, 0], adr);
    }
    if (objectPosition !== undefined) qpos.set(Array.from(objectPosition), ids.objQpos[0]);
    this.goal = goal === undefined ? this.task.sampleGoal(rng) : Float64Array.from(goal);
    (model.site_pos as Float64Array).set(this.goal, 3 * ids.target);
    mj.mj_forward(model, data);

    this._elapsedSteps = 0;
    this.needsReset = false;
    this.everReset = true;
    const obs = this.observe();
    this.last = obs;
    this.evaluateInto(obs, info);
    return { obs: cloneObs(obs), info };
  }

  /**
   * Applies `action` (clipped to [-1, 1]) for 20 substeps.
   * @throws Error naming the env and index on a wrong length or NaN/Inf entry; Error before reset,
   *   after the episode ended or after close; Error with MuJoCo's message when the engine fails.
   */
  step(action: ArrayLike<number>): GoalStepResult {
    const sim = this.simulation;
    if (this.needsReset)
      throw new Error(
        this.everReset
          ? `${this.name}: the episode ended (step ${this._elapsedSteps}); call reset() before step()`
          : `${this.name}: step() called before reset()`,
      );
    clipActionInto(this.name, action, this.actionSpace.low, this.actionSpace.high, this.act);
    const { mj, model, data } = sim;
    const ids = this.ids;
    const a = this.act;
    const ctrl = data.ctrl as Float64Array;
    if (this.cartesian) {
      const grip = (data.site_xpos as Float64Array).subarray(3 * ids.grip, 3 * ids.grip + 3);
      const ws = this.task.spec.workspace;
      const target = [0, 1, 2].map((k) =>
        Math.min(Math.max(grip[k] + ARM_MAX_STEP * a[k], ws.low[k]), ws.high[k]),
      ) as [number, number, number];
      this.placeMocap(data, target);
    } else {
      ids.velocityActs.forEach((act, k) => (ctrl[act] = a[k] * JOINT_SPEED));
    }
    const g = this.task.spec.gripper.blocked ? 0 : ((a[a.length - 1] + 1) / 2) * FINGER_OPEN;
    ctrl[ids.fingerActs[0]] = ctrl[ids.fingerActs[1]] = g;

    const t0 = data.time;
    try {
      for (let k = 0; k < ARM_SUBSTEPS; k++) mj.mj_step(model, data);
    } catch (err) {
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
    if (wentUnstable(data, t0, ARM_SUBSTEPS, this.timestep)) {
      this.needsReset = true;
      if (!this.warnedUnstable) {
        this.warnedUnstable = true;
        console.warn(
          `${this.name}: the simulation went unstable (NaN/Inf or a bad state MuJoCo reset) at episode step ` +
            `${this._elapsedSteps}; the episode ends as terminated. Further occurrences in this env are not reported.`,
        );
      }
      return { obs: cloneObs(this.last!), reward: 0, terminated: true, truncated, info: { nan: true } };
    }
    const obs = this.observe();
    this.last = obs;
    const info: StepInfo = {};
    const reward = this.evaluateInto(obs, info);
    if (truncated) this.needsReset = true;
    return { obs: cloneObs(obs), reward, terminated: false, truncated, info };
  }

  /** A copy of qpos (length nq) for replay. @throws Error after close. */
  qpos(): Float64Array {
    return Float64Array.from(this.simulation.data.qpos as Float64Array);
  }

  /** See {@link GoalEnv.physics}. */
  physics(): Float64Array {
    return this.draws.slice();
  }

  /**
   * Everything needed to continue this env's episode bit for bit in another instance of the same
   * task's env (see {@link ArmEnvState}): MuJoCo's integration state, the grip position the next
   * Cartesian step starts from, the step counter and episode flags, the reset generator, the goal,
   * the domain-randomization draws and the last observation. Works before any reset too.
   * @throws Error after close.
   */
  getState(): ArmEnvState {
    const { data } = this.simulation;
    const physics = this.simulation.integrationState();
    const g = 3 * this.ids.grip;
    const last = this.last;
    return {
      task: this.name,
      physics: typedToBase64(physics),
      grip: typedToBase64((data.site_xpos as Float64Array).slice(g, g + 3)),
      elapsedSteps: this._elapsedSteps,
      needsReset: this.needsReset,
      everReset: this.everReset,
      rng: this.rng ? this.rng.getState() : null,
      goal: typedToBase64(this.goal),
      draws: typedToBase64(this.draws),
      last: last
        ? {
            observation: typedToBase64(last.observation),
            achievedGoal: typedToBase64(last.achievedGoal),
            desiredGoal: typedToBase64(last.desiredGoal),
          }
        : null,
    };
  }

  /**
   * Restores {@link getState} (taken from an instance of the same task's env, possibly after a JSON
   * round trip): the next step continues the saved episode bit for bit. The model's episode-specific
   * values are rewritten too: the domain-randomization draws (when the task randomizes) and the target
   * site at the goal. Derived quantities (body and site poses, velocities) are left to the next step's
   * own forward pass, except the grip position a Cartesian step reads before it: an mj_forward here
   * would overwrite the solver's warm start with this state's accelerations, and the continuation
   * would differ in the last bits. Until that step, read qpos rather than poses.
   * @throws Error naming the env and the part when the state does not fit this env (another task, a
   *   wrong length, a non-finite goal, grip or draw, elapsedSteps out of range, an inconsistent
   *   episode flag, a malformed generator state), or after close; the env is unchanged then.
   */
  setState(state: ArmEnvState): void {
    const { model, data } = this.simulation;
    const what = `${this.name} env state`;
    if (!state || typeof state !== 'object') throw new Error(`${what}: expected an object`);
    if (state.task !== this.name)
      throw new Error(
        `${what}: task is '${String(state.task)}', expected '${this.name}' (a state of another task)`,
      );
    const finite = (a: Float64Array, part: string) => {
      if (!allFinite(a))
        throw new Error(`${what} ${part}: must be finite numbers, got ${Array.from(a).join(', ')}`);
      return a;
    };
    const physics = base64ToFloat64(state.physics, this.simulation.integrationStateSize, `${what} physics`);
    const grip = base64ToFloat64(state.grip, 3, `${what} grip`);
    const goal = finite(base64ToFloat64(state.goal, 3, `${what} goal`), 'goal');
    const draws = base64ToFloat64(state.draws, this.physicsKeys.length, `${what} draws`);
    draws.forEach((v, k) => {
      if (!Number.isFinite(v) || v <= 0)
        throw new Error(`${what} draws: ${this.physicsKeys[k]} must be finite and positive, got ${v}`);
    });
    if (
      !Number.isInteger(state.elapsedSteps) ||
      state.elapsedSteps < 0 ||
      state.elapsedSteps > this.maxEpisodeSteps
    )
      throw new Error(
        `${what} elapsedSteps: must be an integer in [0, ${this.maxEpisodeSteps}], got ${state.elapsedSteps}`,
      );
    for (const flag of ['needsReset', 'everReset'] as const)
      if (typeof state[flag] !== 'boolean')
        throw new Error(`${what} ${flag}: must be true or false, got ${String(state[flag])}`);
    let last: GoalObservation | null = null;
    if (state.last !== null) {
      if (!state.last || typeof state.last !== 'object')
        throw new Error(`${what} last: expected an object or null`);
      last = {
        observation: base64ToFloat32(
          state.last.observation,
          this.observationSpace.shape[0],
          `${what} last.observation`,
        ),
        achievedGoal: base64ToFloat32(state.last.achievedGoal, 3, `${what} last.achievedGoal`),
        desiredGoal: base64ToFloat32(state.last.desiredGoal, 3, `${what} last.desiredGoal`),
      };
    }
    if (!state.needsReset) {
      // A running episode: step() must be able to continue it.
      if (!state.everReset || !last || state.elapsedSteps >= this.maxEpisodeSteps)
        throw new Error(
          `${what} needsReset: false needs a reset episode with a last observation and fewer than ` +
            `${this.maxEpisodeSteps} steps, got everReset ${state.everReset}, ` +
            `last ${last ? 'set' : 'null'}, elapsedSteps ${state.elapsedSteps}`,
        );
      finite(grip, 'grip');
    }
    const rng = state.rng === null ? null : rngFromState(state.rng, `${what} rng`);

    if (this.randomizer.active) this.randomizer.applyDraws(model, draws);
    this.simulation.setIntegrationState(physics);
    // The one derived quantity read before the next step's forward pass (the Cartesian target).
    (data.site_xpos as Float64Array).set(grip, 3 * this.ids.grip);
    (model.site_pos as Float64Array).set(state.everReset ? goal : this.targetSite0, 3 * this.ids.target);
    this._elapsedSteps = state.elapsedSteps;
    this.needsReset = state.needsReset;
    this.everReset = state.everReset;
    this.rng = rng;
    this.goal = goal;
    this.draws = draws;
    this.last = last;
  }

  /** Frees the simulation and the velocity buffer. Idempotent; any later call but close throws. */
  close(): void {
    if (this.velBuf) {
      this.velBuf.delete();
      this.velBuf = null;
    }
    if (this.sim) {
      this.sim.dispose();
      this.sim = null;
    }
  }

  private placeMocap(data: MjData, pos: readonly number[]): void {
    (data.mocap_pos as Float64Array).set(pos.slice(0, 3), 0);
    (data.mocap_quat as Float64Array).set(HAND_DOWN, 0);
  }

  /** Reward and success of the current obs through the task's evaluate; fills info. */
  private evaluateInto(obs: GoalObservation, info: StepInfo): number {
    const columns: Record<string, Float32Array> = {};
    if (this.nObjects) {
      const o = obs.observation;
      // object_rel_pos (object − grip) of the first object sits at 3 + 3k.
      const rel = 3 + 3 * this.nObjects;
      const eeObject = Math.hypot(o[rel], o[rel + 1], o[rel + 2]);
      const lift = obs.achievedGoal[2] - this.restHeight;
      info[INFO_EE_OBJECT_DISTANCE] = eeObject;
      info[INFO_LIFT_HEIGHT] = lift;
      for (const key of this.infoKeys) columns[key] = Float32Array.of(info[key] as number);
    }
    const ev = this.evaluate(obs.achievedGoal, obs.desiredGoal, columns);
    const d = Math.hypot(
      obs.achievedGoal[0] - obs.desiredGoal[0],
      obs.achievedGoal[1] - obs.desiredGoal[1],
      obs.achievedGoal[2] - obs.desiredGoal[2],
    );
    info.goalDistance = d;
    info.success = ev.success[0] === 1;
    return ev.reward[0];
  }

  private siteVelocity(mj: Mujoco, model: MjModel, data: MjData, site: number): Float64Array {
    const buf = this.velBuf!;
    mj.mj_objectVelocity(model, data, mj.mjtObj.mjOBJ_SITE.value, site, buf, 0);
    return buf.GetView() as Float64Array; // [angular(3), linear(3)], world frame
  }

  private observe(): GoalObservation {
    const { mj, model, data } = this.simulation;
    const ids = this.ids;
    const k = this.nObjects;
    const dt = this.dt;
    const o = new Float32Array(10 + 15 * k);
    const xpos = data.site_xpos as Float64Array;
    const gx = xpos[3 * ids.grip];
    const gy = xpos[3 * ids.grip + 1];
    const gz = xpos[3 * ids.grip + 2];
    o[0] = gx;
    o[1] = gy;
    o[2] = gz;
    const gv = this.siteVelocity(mj, model, data, ids.grip);
    const gvx = gv[3] * dt;
    const gvy = gv[4] * dt;
    const gvz = gv[5] * dt;
    const qpos = data.qpos as Float64Array;
    const qvel = data.qvel as Float64Array;
    const fingers = 3 + 6 * k;
    o[fingers] = qpos[ids.fingerQpos[0]];
    o[fingers + 1] = qpos[ids.fingerQpos[1]];
    for (let i = 0; i < k; i++) {
      const s = ids.objSites[i];
      // Re-read the views: mj_objectVelocity through the bindings may touch the heap.
      const sp = data.site_xpos as Float64Array;
      const px = sp[3 * s];
      const py = sp[3 * s + 1];
      const pz = sp[3 * s + 2];
      o[3 + 3 * i] = px;
      o[4 + 3 * i] = py;
      o[5 + 3 * i] = pz;
      const rel = 3 + 3 * k + 3 * i;
      o[rel] = px - gx;
      o[rel + 1] = py - gy;
      o[rel + 2] = pz - gz;
      eulerXYZ(data.site_xmat as Float64Array, 9 * s, o, fingers + 2 + 3 * i);
      const v = this.siteVelocity(mj, model, data, s);
      const velp = fingers + 2 + 3 * k + 3 * i;
      o[velp] = v[3] * dt - gvx;
      o[velp + 1] = v[4] * dt - gvy;
      o[velp + 2] = v[5] * dt - gvz;
      const velr = fingers + 2 + 6 * k + 3 * i;
      o[velr] = v[0] * dt;
      o[velr + 1] = v[1] * dt;
      o[velr + 2] = v[2] * dt;
    }
    const tail = fingers + 2 + 9 * k;
    o[tail] = gvx;
    o[tail + 1] = gvy;
    o[tail + 2] = gvz;
    o[tail + 3] = qvel[ids.fingerDofs[0]] * dt;
    o[tail + 4] = qvel[ids.fingerDofs[1]] * dt;
    const achievedGoal = k ? o.slice(3, 6) : o.slice(0, 3);
    return { observation: o, achievedGoal, desiredGoal: Float32Array.from(this.goal) };
  }
}

/**
 * A generator restored from {@link Rng.getState} (after JSON the spare normal's NaN is null).
 * @throws Error naming `what` when `v` is not 4 uint32 words and a number or null.
 */
function rngFromState(v: unknown, what: string): Rng {
  const words = (a: unknown[]) =>
    a.slice(0, 4).every((w) => Number.isInteger(w) && (w as number) >= 0 && (w as number) < 2 ** 32);
  if (!Array.isArray(v) || v.length !== 5 || !words(v) || !(v[4] === null || typeof v[4] === 'number'))
    throw new Error(
      `${what}: expected 4 uint32 words and the spare normal (a number or null), got ${JSON.stringify(v)}`,
    );
  const rng = new Rng(0);
  rng.setState(v as number[]);
  return rng;
}

function cloneObs(o: GoalObservation): GoalObservation {
  return {
    observation: o.observation.slice(),
    achievedGoal: o.achievedGoal.slice(),
    desiredGoal: o.desiredGoal.slice(),
  };
}

function lookUpIds(mj: Mujoco, model: MjModel, task: CompiledTask): Ids {
  const id = (type: 'site' | 'joint' | 'actuator' | 'equality', name: string): number => {
    const obj = {
      site: mj.mjtObj.mjOBJ_SITE,
      joint: mj.mjtObj.mjOBJ_JOINT,
      actuator: mj.mjtObj.mjOBJ_ACTUATOR,
      equality: mj.mjtObj.mjOBJ_EQUALITY,
    }[type].value;
    const i = mj.mj_name2id(model, obj, name);
    if (i < 0) throw new Error(`${task.spec.name}: the arm scene lacks the ${type} "${name}"`);
    return i;
  };
  const qposAdr = model.jnt_qposadr as Int32Array;
  const dofAdr = model.jnt_dofadr as Int32Array;
  const joints = Array.from({ length: 7 }, (_, k) => id('joint', `j${k + 1}`));
  const fl = id('joint', 'finger_left');
  const fr = id('joint', 'finger_right');
  const objJoints = task.spec.objects.map((_, i) => id('joint', MJCF_NAMES.object(i)));
  id('equality', 'grip_weld');
  return {
    grip: id('site', 'grip'),
    armQpos: joints.map((j) => qposAdr[j]),
    armDofs: joints.map((j) => dofAdr[j]),
    fingerQpos: [qposAdr[fl], qposAdr[fr]],
    fingerDofs: [dofAdr[fl], dofAdr[fr]],
    fingerActs: [id('actuator', 'finger_left'), id('actuator', 'finger_right')],
    velocityActs:
      task.spec.control === 'joint-velocity'
        ? Array.from({ length: 7 }, (_, k) => id('actuator', MJCF_NAMES.jointVelocity(k + 1)))
        : [],
    objQpos: objJoints.map((j) => qposAdr[j]),
    objSites: task.spec.objects.map((_, i) => id('site', MJCF_NAMES.object(i))),
    target: id('site', MJCF_NAMES.target),
  };
}

/**
 * The scene's randomizable parts by their spec names (the MJCF names): the table, each object (its
 * geom and body) and each obstacle (its geom; a spring block's body too).
 * @throws Error when the compiled scene lacks a part its spec lists.
 */
function randomizationTargets(mj: Mujoco, model: MjModel, task: CompiledTask): RandomizationTargets {
  const id = (type: 'GEOM' | 'BODY', name: string) =>
    mj.mj_name2id(model, mj.mjtObj[`mjOBJ_${type}`].value, name);
  const part = (name: string, withBody: boolean): RandomizedPart => {
    const g = id('GEOM', name);
    if (g < 0) throw new Error(`${task.spec.name}: the scene has no geom '${name}'`);
    const b = withBody ? id('BODY', name) : -1;
    return { name, frictionGeoms: [g], massBodies: b >= 0 ? [b] : [] };
  };
  const { objects, obstacles } = task.spec;
  return {
    parts: [
      part('table', false),
      ...objects.map((_, i) => part(MJCF_NAMES.object(i), true)),
      ...obstacles.map((o, i) => part(MJCF_NAMES.obstacle(i), o.kind === 'spring-block')),
    ],
    dampedDofs: Array.from({ length: model.nv }, (_, i) => i),
    actuators: Array.from({ length: model.nu }, (_, i) => i),
  };
}

/**
 * The arm's start pose for the task: from {@link HOME}, the weld pulls the grip site to the
 * gripper start (contacts off, so objects placed anywhere cannot interfere), fingers at their start
 * opening. Returns [j1 … j7, finger_left, finger_right]; leaves `data` to be reset by the caller.
 */
function settledPose(mj: Mujoco, model: MjModel, data: MjData, task: CompiledTask, ids: Ids): Float64Array {
  const start = task.spec.gripper.start;
  const key = task.xml;
  const cached = settledCache.get(key);
  if (cached) return cached;
  const fingers = task.spec.gripper.blocked ? 0 : FINGER_OPEN;
  mj.mj_resetData(model, data);
  const qpos = data.qpos as Float64Array;
  ids.armQpos.forEach((adr, k) => (qpos[adr] = HOME[k]));
  qpos[ids.fingerQpos[0]] = qpos[ids.fingerQpos[1]] = fingers;
  (data.mocap_pos as Float64Array).set(start, 0);
  (data.mocap_quat as Float64Array).set(HAND_DOWN, 0);
  const ctrl = data.ctrl as Float64Array;
  ctrl[ids.fingerActs[0]] = ctrl[ids.fingerActs[1]] = fingers;
  const opt = model.opt;
  const flags = opt.disableflags;
  opt.disableflags = flags | mj.mjtDisableBit.mjDSBL_CONTACT.value;
  try {
    for (let i = 0; i < SETTLE_SUBSTEPS; i++) mj.mj_step(model, data);
  } finally {
    opt.disableflags = flags;
  }
  const q = data.qpos as Float64Array;
  const pose = Float64Array.from([
    ...ids.armQpos.map((adr) => q[adr]),
    q[ids.fingerQpos[0]],
    q[ids.fingerQpos[1]],
  ]);
  if (!allFinite(pose))
    throw new Error(`${task.spec.name}: the arm did not settle at the gripper start ${start.join(', ')}`);
  mj.mj_resetData(model, data);
  if (settledCache.size >= SETTLED_CACHE_SIZE) settledCache.delete(settledCache.keys().next().value!);
  settledCache.set(key, pose);
  return pose;
}

/**
 * Builds the arm env of a compiled arm task.
 * @returns an env that needs `reset()` before `step()`; the caller owns it and must `close()` it.
 * @throws Error when the task's robot is not the arm; MJCF errors from loadModelXml.
 */
export async function createArmEnv(task: CompiledTask, opts: ArmEnvOptions = {}): Promise<ArmEnv> {
  if (task.spec.robot !== 'arm')
    throw new Error(`${task.spec.name}: ArmEnv needs robot 'arm', got '${task.spec.robot}'`);
  const sim = await Simulation.fromXml(task.xml, `task "${task.spec.name}"`);
  return new ArmEnv(task, sim, opts);
}
