/**
 * Point-mass goal reaching as a {@link GoalEnv}: the registered point-mass env (envs.ts,
 * assets/models/point_mass.xml with a visual goal site added by the task compiler) with a goal
 * drawn from the task's region each reset. observation = [x, y, vx, vy] (the point-mass env's obs),
 * achieved goal = (x, y), desired goal = (x, y) in m; reward and success from the task's evaluate
 * (built-in task: sparse, success radius 0.1 m as the point-mass env's). Dynamics, reset noise,
 * action clipping and NaN handling are the wrapped {@link MujocoEnv}'s.
 */
import { Rng } from '../rng.ts';
import type { CompiledTask } from '../tasks/compile.ts';
import { DomainRandomizer } from './randomize.ts';
import { envDefinition, MujocoEnv } from './envs.ts';
import { Simulation } from './mujoco.ts';
import type { BoxSpace, GoalEnv, GoalObservation, GoalRewardFn, GoalStepResult, StepInfo } from './types.ts';

/** Options of {@link createPointGoalEnv}. */
export interface PointGoalEnvOptions {
  /** Seed of the env's generator for the first reset that gives none (default: from the OS). */
  seed?: number;
}

/**
 * What every goal env over the point mass shares (this file's task env and sim/multi_goal_env.ts's
 * multi-task env): the wrapped {@link MujocoEnv}'s spaces, stepping and NaN handling, achieved goal
 * = (x, y), and info.goalDistance / info.success from the subclass's reward.
 */
export abstract class PointMassGoalEnvBase {
  abstract readonly name: string;
  readonly observationSpace: BoxSpace;
  readonly goalSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly dt: number;
  readonly maxEpisodeSteps: number;
  readonly nq: number;
  protected readonly inner: MujocoEnv;

  /** Takes `inner`'s spaces; the subclass closes `inner` when its own construction fails. */
  protected constructor(inner: MujocoEnv) {
    this.inner = inner;
    this.observationSpace = inner.observationSpace;
    this.actionSpace = inner.actionSpace;
    this.goalSpace = Object.freeze({
      shape: Object.freeze([2]) as readonly [number],
      low: new Float32Array(2).fill(-Infinity),
      high: new Float32Array(2).fill(Infinity),
    });
    this.dt = inner.dt;
    this.maxEpisodeSteps = inner.maxEpisodeSteps;
    this.nq = inner.nq;
  }

  get elapsedSteps(): number {
    return this.inner.elapsedSteps;
  }

  /**
   * Applies `action` through the point-mass env.
   * @throws as {@link MujocoEnv.step}.
   */
  step(action: ArrayLike<number>): GoalStepResult {
    const out = this.inner.step(action);
    const obs = this.goalObs(out.obs);
    if (out.info.nan)
      return { obs, reward: 0, terminated: true, truncated: out.truncated, info: { nan: true } };
    const info: StepInfo = {};
    const reward = this.score(obs, info);
    return { obs, reward, terminated: out.terminated, truncated: out.truncated, info };
  }

  /** A copy of qpos (x, y). @throws Error after close. */
  qpos(): Float64Array {
    return this.inner.qpos();
  }

  /** Closes the wrapped env. Idempotent. */
  close(): void {
    this.inner.close();
  }

  /** The desired goal (x, y) of the current episode, m; a fresh array. */
  protected abstract desiredGoal(): Float32Array;

  /** Reward and success of one goal observation under the env's task. */
  protected abstract rewardOf(obs: GoalObservation): { reward: number; success: boolean };

  protected goalObs(obs: Float32Array): GoalObservation {
    return { observation: obs, achievedGoal: obs.slice(0, 2), desiredGoal: this.desiredGoal() };
  }

  /** The reward of `obs`, with info.goalDistance (m) and info.success set. */
  protected score(obs: GoalObservation, info: StepInfo): number {
    const { reward, success } = this.rewardOf(obs);
    const [gx, gy] = obs.desiredGoal;
    info.goalDistance = Math.hypot(obs.achievedGoal[0] - gx, obs.achievedGoal[1] - gy);
    info.success = success;
    return reward;
  }
}

/** The point-mass goal env. Owns the wrapped {@link MujocoEnv} and closes it in {@link close}. */
export class PointGoalEnv extends PointMassGoalEnvBase implements GoalEnv {
  readonly name: string;
  readonly evaluate: GoalRewardFn;
  /** Info columns `evaluate` reads (none for point-mass tasks). */
  readonly infoKeys: readonly string[];
  readonly task: CompiledTask;

  private readonly randomizer: DomainRandomizer;
  readonly physicsKeys: readonly string[];
  private draws: Float64Array;
  private rng: Rng | null;
  private goal = new Float32Array(2);

  /** Use {@link createPointGoalEnv}. Takes ownership of `inner` (closed here on failure). */
  constructor(task: CompiledTask, inner: MujocoEnv, opts: PointGoalEnvOptions = {}) {
    super(inner);
    try {
      if (task.spec.robot !== 'point-mass')
        throw new Error(`${task.spec.name}: PointGoalEnv needs robot 'point-mass', got '${task.spec.robot}'`);
      this.task = task;
      this.name = task.spec.name;
      this.evaluate = task.evaluate;
      this.infoKeys = task.infoKeys;
      const { mj, model } = inner.simulation;
      // The arena has no friction the point mass feels (it slides on actuated slide joints).
      this.randomizer = new DomainRandomizer(model, task.spec.randomization, {
        parts: [
          {
            name: 'point',
            frictionGeoms: [],
            massBodies: [mj.mj_name2id(model, mj.mjtObj.mjOBJ_BODY.value, 'point')],
          },
        ],
        dampedDofs: Array.from({ length: model.nv }, (_, i) => i),
        actuators: Array.from({ length: model.nu }, (_, i) => i),
      });
      this.physicsKeys = this.randomizer.keys;
      this.draws = new Float64Array(this.physicsKeys.length).fill(1);
      this.rng = opts.seed === undefined ? null : new Rng(opts.seed);
    } catch (err) {
      inner.close();
      throw err;
    }
  }

  /**
   * Starts an episode: domain randomization, the point-mass reset (its own noise, seeded from this
   * env's generator), then a goal from the task's region.
   * @throws Error when `seed` is not an integer, or after close.
   */
  reset(opts?: { seed?: number }): { obs: GoalObservation; info: StepInfo } {
    const seed = opts?.seed;
    if (seed !== undefined) {
      if (!Number.isInteger(seed))
        throw new Error(`${this.name}: reset seed must be an integer, got ${seed}`);
      this.rng = new Rng(seed);
    } else if (!this.rng) {
      this.rng = new Rng(globalThis.crypto.getRandomValues(new Uint32Array(1))[0]);
    }
    const rng = this.rng;
    if (this.randomizer.active) this.draws = this.randomizer.apply(this.inner.simulation.model, rng);
    const { obs } = this.inner.reset({ seed: rng.nextUint32() });
    this.goal = Float32Array.from(this.task.sampleGoal(rng));
    const info: StepInfo = {};
    const goalObs = this.goalObs(obs);
    this.score(goalObs, info);
    return { obs: goalObs, info };
  }

  /** See {@link GoalEnv.physics}. */
  physics(): Float64Array {
    return this.draws.slice();
  }

  protected desiredGoal(): Float32Array {
    return this.goal.slice();
  }

  protected rewardOf(obs: GoalObservation): { reward: number; success: boolean } {
    const ev = this.evaluate(obs.achievedGoal, obs.desiredGoal);
    return { reward: ev.reward[0], success: ev.success[0] === 1 };
  }
}

/**
 * Builds the point-mass goal env of a compiled point-mass task.
 * @returns an env that needs `reset()` before `step()`; the caller owns it and must `close()` it.
 * @throws Error when the task's robot is not the point mass; MJCF errors from loadModelXml.
 */
export async function createPointGoalEnv(
  task: CompiledTask,
  opts: PointGoalEnvOptions = {},
): Promise<PointGoalEnv> {
  if (task.spec.robot !== 'point-mass')
    throw new Error(`${task.spec.name}: PointGoalEnv needs robot 'point-mass', got '${task.spec.robot}'`);
  const sim = await Simulation.fromXml(task.xml, `task "${task.spec.name}"`);
  const inner = new MujocoEnv(envDefinition('point-mass'), sim, { maxEpisodeSteps: task.spec.episodeLength });
  return new PointGoalEnv(task, inner, opts);
}
