/**
 * The low-level envs a skill controller (skill_controller.ts, through skill_env.ts) holds skills in,
 * each with the downstream goal task the controller learns: one contract, {@link SkillTaskEnv}, for
 * - an x-y goal on the point mass or the Ant ({@link XyGoalTask}: the env built with the run's goal,
 *   reward −‖(x, y) − g‖, success within the env's goal radius), and
 * - an arm task ({@link ArmGoalTask}: a built-in arm task with one block, e.g. Hausman et al.'s
 *   transfer tasks l-wall-push, spring-wall, rail-push; the desired goal drawn per episode by the
 *   task, the block's distance to it as the goal distance, the task's own success).
 */
import type { RunConfig } from '../config.ts';
import { createArmEnv, type ArmEnv, type ArmEnvState } from '../sim/arm_env.ts';
import { withUnboundedEntries } from '../sim/arm_family_env.ts';
import { createEnv, GOAL_SUCCESS_RADIUS, type MujocoEnv } from '../sim/envs.ts';
import type { BoxSpace, EnvName, StepInfo, StepResult } from '../sim/types.ts';
import { builtinTask, compileTask, isBuiltinTask } from '../tasks/index.ts';
import { envOptionsOf } from './sac.ts';

/**
 * One low-level env with a goal task. `step`'s info carries `success` (the task's success) and
 * `goalDistance` (‖achieved − g‖, m), which the controller's dense and sparse rewards read.
 */
export interface SkillTaskEnv {
  readonly name: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly maxEpisodeSteps: number;
  readonly elapsedSteps: number;
  /** Observation entries a policy with `hideCoords` does not see. */
  readonly coordDims: readonly number[];
  /** Length of g − achieved, which the controller's observation ends with. */
  readonly goalDim: number;
  /** The goal distance (m) under which the task counts as solved. */
  readonly successRadius: number;
  reset(opts?: { seed?: number }): { obs: Float32Array; info: StepInfo };
  step(action: ArrayLike<number>): StepResult;
  /** Writes g − achieved of observation `obs` [obsDim] (this episode's goal) into out[at..at+goalDim]. */
  goalOffset(obs: Float32Array, out: Float32Array, at: number): void;
  /** The x-y (m) of what must reach the goal in observation `obs`: the body, or the arm's block. */
  position(obs: Float32Array): [number, number];
  /** This episode's goal, m: x-y, or x, y, height on the arm. */
  goal(): number[];
  /** The env's exact state (JSON-able), to continue an episode in flight elsewhere. */
  getState(): unknown;
  /** @throws Error naming the part of a state that does not fit this env. */
  setState(state: unknown): void;
  qpos(): Float64Array;
  close(): void;
}

/** What both kinds of low-level env forward from the env they wrap. */
interface Wrapped {
  readonly name: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly maxEpisodeSteps: number;
  readonly elapsedSteps: number;
  qpos(): Float64Array;
  close(): void;
}

/** The part of {@link SkillTaskEnv} that is the wrapped env's own. */
abstract class WrappedTask<E extends Wrapped> {
  constructor(protected readonly env: E) {}
  get name(): string {
    return this.env.name;
  }
  get observationSpace(): BoxSpace {
    return this.env.observationSpace;
  }
  get actionSpace(): BoxSpace {
    return this.env.actionSpace;
  }
  get maxEpisodeSteps(): number {
    return this.env.maxEpisodeSteps;
  }
  get elapsedSteps(): number {
    return this.env.elapsedSteps;
  }
  qpos(): Float64Array {
    return this.env.qpos();
  }
  close(): void {
    this.env.close();
  }
}

/** An x-y goal task of the point mass or the Ant: the env was built with the goal (EnvOptions.goal). */
export class XyGoalTask extends WrappedTask<MujocoEnv> implements SkillTaskEnv {
  readonly goalDim = 2;
  readonly successRadius: number;
  constructor(env: MujocoEnv) {
    super(env);
    this.successRadius = GOAL_SUCCESS_RADIUS[env.name as EnvName] ?? Number.NaN;
  }
  get coordDims(): readonly number[] {
    return this.env.coordDims;
  }
  reset(opts?: { seed?: number }): { obs: Float32Array; info: StepInfo } {
    return this.env.reset(opts);
  }
  step(action: ArrayLike<number>): StepResult {
    return this.env.step(action);
  }
  goalOffset(obs: Float32Array, out: Float32Array, at: number): void {
    const [x, y] = this.position(obs);
    out[at] = this.env.goal[0] - x;
    out[at + 1] = this.env.goal[1] - y;
  }
  position(obs: Float32Array): [number, number] {
    return [obs[this.env.coordDims[0]], obs[this.env.coordDims[1]]];
  }
  goal(): number[] {
    return [...this.env.goal];
  }
  getState(): unknown {
    return this.env.getState();
  }
  setState(state: unknown): void {
    this.env.setState(state as ReturnType<MujocoEnv['getState']>);
  }
}

/**
 * An arm task with one object: the skills and the controller see the arm's observation followed by
 * the block's position at the episode's reset (as the pre-training families show the block's start,
 * sim/arm_skill_family.ts), the controller also g − block; the goal distance is the block's to this
 * episode's desired goal; success is the task's. Nothing of the observation is hidden (the arm's
 * policies see everything).
 */
export class ArmGoalTask extends WrappedTask<ArmEnv> implements SkillTaskEnv {
  readonly goalDim = 3;
  readonly coordDims: readonly number[] = Object.freeze([]);
  readonly successRadius: number;
  private readonly space: BoxSpace;
  /** The block's position at this episode's reset, m. */
  private readonly start = new Float32Array(3);
  constructor(env: ArmEnv) {
    super(env);
    this.space = withUnboundedEntries(env.observationSpace, 3);
    if (env.task.spec.objects.length !== 1)
      throw new Error(
        `task "${env.name}": a skill controller on the arm needs a task with one object (its goal is the object's), this one has ${env.task.spec.objects.length}`,
      );
    this.successRadius = env.task.spec.success.threshold;
  }
  override get observationSpace(): BoxSpace {
    return this.space;
  }
  reset(opts?: { seed?: number }): { obs: Float32Array; info: StepInfo } {
    const out = this.env.reset(opts);
    this.start.set(out.obs.observation.subarray(3, 6));
    return { obs: this.withStart(out.obs.observation), info: out.info };
  }
  step(action: ArrayLike<number>): StepResult {
    const out = this.env.step(action);
    return { ...out, obs: this.withStart(out.obs.observation) };
  }
  private withStart(observation: Float32Array): Float32Array {
    const out = new Float32Array(observation.length + 3);
    out.set(observation);
    out.set(this.start, observation.length);
    return out;
  }
  /** The block's position sits at observation entries 3 … 5 (arm_env.ts's layout). */
  goalOffset(obs: Float32Array, out: Float32Array, at: number): void {
    const g = this.env.desiredGoal;
    for (let k = 0; k < 3; k++) out[at + k] = g[k] - obs[3 + k];
  }
  position(obs: Float32Array): [number, number] {
    return [obs[3], obs[4]];
  }
  goal(): number[] {
    return Array.from(this.env.desiredGoal);
  }
  getState(): unknown {
    return { arm: this.env.getState(), blockStart: Array.from(this.start) };
  }
  /** @throws Error naming the part of a state that does not fit (the arm's, or the block's start). */
  setState(state: unknown): void {
    const s = state as { arm?: unknown; blockStart?: unknown };
    const start = s?.blockStart;
    if (!Array.isArray(start) || start.length !== 3 || !start.every((v) => typeof v === 'number'))
      throw new Error(`${this.name}: state.blockStart must be 3 numbers (m), got ${JSON.stringify(start)}`);
    this.env.setState(s.arm as ArmEnvState);
    this.start.set(start);
  }
}

/**
 * The factory of a controller run's low-level envs: on the arm the built-in task `config.task`
 * (episode length `config.episodeSteps` if set), elsewhere the env with the run's x-y goal.
 * @throws Error when an x-y env has no goal, or the arm run names no built-in arm task.
 */
export function controllerEnvFactory(config: RunConfig): (index: number) => Promise<SkillTaskEnv> {
  if (config.env === 'arm') {
    const name = config.task;
    if (!isBuiltinTask(name))
      throw new Error(`${config.algo} on the arm: task must name a built-in arm task, got ${String(name)}`);
    const spec = builtinTask(name);
    if (spec.robot !== 'arm')
      throw new Error(`${config.algo} on the arm: task "${name}" is a ${spec.robot} task`);
    const task = compileTask(
      config.episodeSteps === null || config.episodeSteps === undefined
        ? spec
        : { ...spec, episodeLength: config.episodeSteps },
      name,
    );
    return async () => new ArmGoalTask(await createArmEnv(task));
  }
  const goal = config.goal;
  if (!goal) throw new Error(`${config.algo}: the run names no goal (set goal to [x, y] in m)`);
  return async () =>
    new XyGoalTask(await createEnv(config.env as EnvName, { ...envOptionsOf(config), goal }));
}
