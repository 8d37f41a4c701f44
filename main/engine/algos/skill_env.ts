/**
 * The high-level envs of a skill controller (skill_controller.ts): n MuJoCo envs whose one step holds
 * a skill for H_Z env steps of a frozen skill policy (DADS paper Fig. 8; the executor of its
 * Alg. 2, planning/execute.ts, does the same with planned skills). They implement the step collector's
 * {@link StepEnvs} contract, so plain SAC's agent — collector, replay buffer, learner — learns over them
 * unchanged.
 *
 * One high-level step of env i with action row a_i:
 * - the skill: continuous z = clip(a_i, −1, 1) (DADS: z ∈ [−1, 1]^d); discrete z = one-hot of the
 *   largest entry of a_i (DIAYN's N skills; discrete_sac.ts acts with one-hot rows);
 * - H_Z env steps of a ~ π(a | s, z), the frozen policy's mean tanh(μ) or a sample (`actions`), the
 *   policy batched over the envs still stepping; the segment ends early when the env's episode ends
 *   or, with `stopAtGoal`, at the first env step within the env's success radius of the goal
 *   (info.success);
 * - reward: the sum of the env's goal rewards −‖(x, y) − g‖ over the steps executed, or with a sparse
 *   reward of −1 per step outside the env's success radius of the goal (0 inside);
 * - terminated: the goal was reached (with `stopAtGoal`: the task is done, nothing to bootstrap) or the
 *   simulation went unstable; truncated: the env's episode hit its step limit. A high-level episode
 *   is the env's episode: point-mass 50 steps → 5 decisions at H_Z = 10, Ant 200 → 20.
 * - observation: the env's observation, then g − (x, y). The goal is fixed per run, so the observation
 *   with x-y would do; g − (x, y) lets a policy that hides x-y (`hideCoords`, as the skill policies do)
 *   still know where the goal is, as the DADS paper's goal-conditioned baseline augments its
 *   observation with u − g (Fig. 8 right).
 *
 * Nothing here changes the frozen policy. The envs' physics, the step counters and the sampling
 * generator are state ({@link SkillSteps.getState}), so a run resumes exactly.
 */
import { base64ToFloat32, typedToBase64 } from '../exact_json.ts';
import { Rng } from '../rng.ts';
import type { BoxSpace, StepInfo } from '../sim/types.ts';
import type { VecStepResult } from '../sim/vec_env.ts';
import type { ActionMode, FrozenPolicy } from './frozen_policy.ts';
import type { StepEnvs } from './rollout.ts';
import { skillWidth, type SkillSpace } from './skills.ts';
import type { SkillTaskEnv } from './skill_task_envs.ts';

/** Options of {@link SkillSteps}. */
export interface SkillStepsOptions {
  /** H_Z: env steps a skill is held. */
  hold: number;
  /** How the frozen policy acts: its mean action or a sample. */
  actions: ActionMode;
  /** End an episode at the first env step within the success radius of the goal. */
  stopAtGoal: boolean;
  /**
   * The controller's reward per env step: the env's dense goal reward −‖(x, y) − g‖, or sparse −1
   * until the goal is within the success radius, 0 there (Fetch's −(d > ε)). Default dense.
   */
  reward?: 'dense' | 'sparse';
}

/** What {@link SkillSteps.getState} returns: JSON-able, exact. */
export interface SkillStepsState {
  started: boolean;
  /** Each env's physics, step counter and reset-noise generator (its own getState). */
  envs: unknown[];
  /** Which envs ended their episode (by the goal, or the env) and must be reset. */
  ended: boolean[];
  /** [n, env obsDim] each env's current observation, float32, base64. */
  obs: string;
  /** The frozen policy's sampling generator. */
  rng: number[];
  envSteps: number;
}

/** How an episode ended, for the metrics. */
export interface EpisodeEnd {
  /** ‖achieved − g‖ at its last env step, m. */
  finalDistance: number;
  /** Env steps it took. */
  envSteps: number;
}

/**
 * The skill a high-level action row stands for (see the file comment), written into `out`.
 * @param row [skillWidth] the action
 */
export function decodeSkill(skills: SkillSpace, row: ArrayLike<number>, out: Float32Array): Float32Array {
  if (skills.kind === 'continuous') {
    for (let j = 0; j < skills.dim; j++) out[j] = Math.min(1, Math.max(-1, row[j]));
    return out;
  }
  let best = 0;
  for (let j = 1; j < skills.count; j++) if (row[j] > row[best]) best = j;
  out.fill(0);
  out[best] = 1;
  return out;
}

/** See the file comment. */
export class SkillSteps implements StepEnvs<SkillStepsState> {
  readonly numEnvs: number;
  /** The env's observation length + the goal offset's (2: g − (x, y); 3 on the arm: g − block). */
  readonly obsDim: number;
  /** The skill vector's length. */
  readonly actDim: number;
  /** Env steps executed so far, all envs together. */
  envSteps = 0;
  /** Sees every env step executed, e.g. to record a trace: env index, its observation and info. */
  onEnvStep: ((env: number, obs: Float32Array, info: StepInfo) => void) | null = null;
  private readonly envObsDim: number;
  private readonly goalDim: number;
  private readonly coords: readonly number[];
  private readonly space: BoxSpace;
  private readonly obs: Float32Array;
  private readonly ended: boolean[];
  private readonly rng: Rng;
  private episodeEnds: EpisodeEnd[] = [];
  private started = false;
  private closed = false;

  /**
   * Builds `n` envs of any goal task (skill_task_envs.ts: an x-y goal on point-mass or Ant, an arm
   * task) from `factory`.
   * @param seed the envs' first reset uses seed + i; the policy's sampling generator is seeded from it
   * @throws Error when the policy's action size differs from the env's, the hold is not a positive
   *   integer, or an env cannot be built (envs already built are closed).
   */
  static async build(
    factory: (index: number) => Promise<SkillTaskEnv>,
    n: number,
    policy: FrozenPolicy,
    skills: SkillSpace,
    opts: SkillStepsOptions,
    seed: number,
  ): Promise<SkillSteps> {
    if (!Number.isInteger(n) || n <= 0)
      throw new Error(`skill envs: numEnvs must be a positive integer, got ${n}`);
    const envs: SkillTaskEnv[] = [];
    try {
      for (let i = 0; i < n; i++) envs.push(await factory(i));
      return new SkillSteps(envs, policy, skills, opts, seed);
    } catch (err) {
      for (const e of envs) e.close();
      throw err;
    }
  }

  private constructor(
    private readonly envs: SkillTaskEnv[],
    private readonly policy: FrozenPolicy,
    readonly skills: SkillSpace,
    readonly opts: SkillStepsOptions,
    private readonly baseSeed: number,
  ) {
    const env = envs[0];
    if (!Number.isInteger(opts.hold) || opts.hold < 1)
      throw new Error(`skill envs: hold (H_Z) must be a positive integer, got ${opts.hold}`);
    if (policy.actDim !== env.actionSpace.shape[0])
      throw new Error(
        `skill envs: the skill policy acts with ${policy.actDim} numbers, ${env.name} takes ${env.actionSpace.shape[0]}`,
      );
    if (policy.input.skillDim !== skillWidth(skills))
      throw new Error(
        `skill envs: the skill policy takes skills of length ${policy.input.skillDim}, the skills have ${skillWidth(skills)}`,
      );
    this.numEnvs = envs.length;
    this.envObsDim = env.observationSpace.shape[0];
    this.goalDim = env.goalDim;
    this.obsDim = this.envObsDim + this.goalDim;
    this.actDim = skillWidth(skills);
    this.coords = env.coordDims;
    const low = new Float32Array(this.actDim).fill(skills.kind === 'discrete' ? 0 : -1);
    const high = new Float32Array(this.actDim).fill(1);
    this.space = Object.freeze({ shape: Object.freeze([this.actDim]) as readonly [number], low, high });
    this.obs = new Float32Array(this.numEnvs * this.envObsDim);
    this.ended = new Array<boolean>(this.numEnvs).fill(false);
    this.rng = new Rng((baseSeed ^ 0x5eed5) >>> 0);
  }

  /** Env i's high-level action space ([−1, 1]^d, or [0, 1]^N for one-hot skills) and coordinates. */
  env(i: number): { actionSpace: BoxSpace; coordDims: readonly number[] } {
    this.lowEnv(i);
    return { actionSpace: this.space, coordDims: this.coords };
  }

  /** The low-level env i itself (its qpos and goal for traces). @throws RangeError on a bad index. */
  lowEnv(i: number): SkillTaskEnv {
    this.assertOpen();
    if (!Number.isInteger(i) || i < 0 || i >= this.numEnvs)
      throw new RangeError(`skill envs: env index ${i} out of range [0, ${this.numEnvs})`);
    return this.envs[i];
  }

  /** The episodes that ended since the last call, in order. */
  drainEpisodeEnds(): EpisodeEnd[] {
    const out = this.episodeEnds;
    this.episodeEnds = [];
    return out;
  }

  /** The high-level observation of env i: [env obs, g − achieved]. */
  private observe(i: number, out: Float32Array, offset: number): void {
    const row = this.obs.subarray(i * this.envObsDim, (i + 1) * this.envObsDim);
    out.set(row, offset);
    this.envs[i].goalOffset(row, out, offset + this.envObsDim);
  }

  private startEpisode(i: number, obs: Float32Array): void {
    this.obs.set(obs, i * this.envObsDim);
    this.ended[i] = false;
  }

  /**
   * Resets every env, env i with seed + i (the creation seed on the first call; later calls without a
   * seed continue each env's noise stream).
   * @returns [n, obsDim] first observations
   */
  reset(seed?: number): Float32Array {
    this.assertOpen();
    if (seed !== undefined && !Number.isInteger(seed))
      throw new Error(`skill envs: reset seed must be an integer, got ${seed}`);
    const base = seed ?? (this.started ? undefined : this.baseSeed);
    for (let i = 0; i < this.numEnvs; i++)
      this.startEpisode(i, this.envs[i].reset(base === undefined ? undefined : { seed: base + i }).obs);
    this.started = true;
    const out = new Float32Array(this.numEnvs * this.obsDim);
    for (let i = 0; i < this.numEnvs; i++) this.observe(i, out, i * this.obsDim);
    return out;
  }

  /** Starts a new episode in env i (continuing its noise stream); returns its first observation. */
  resetEnv(i: number): Float32Array {
    this.startEpisode(i, this.lowEnv(i).reset().obs);
    const out = new Float32Array(this.obsDim);
    this.observe(i, out, 0);
    return out;
  }

  /**
   * One high-level step of every env (see the file comment).
   * @param actions [n, actDim]
   * @throws Error on a wrong length, a non-finite entry, before {@link reset}, or for an env whose
   *   episode ended and was not reset (nothing is stepped then).
   */
  step(actions: Float32Array): VecStepResult {
    this.assertOpen();
    const { numEnvs: n, actDim, envObsDim } = this;
    if (!this.started) throw new Error('skill envs: call reset() before step()');
    if (actions.length !== n * actDim)
      throw new Error(`skill envs: actions have length ${actions.length}, expected ${n} × ${actDim}`);
    for (let i = 0; i < n; i++) {
      if (this.ended[i]) throw new Error(`skill envs: env ${i} ended its episode; call resetEnv(${i}) first`);
      for (let j = 0; j < actDim; j++)
        if (!Number.isFinite(actions[i * actDim + j]))
          throw new Error(`skill envs: env ${i} action[${j}] is ${actions[i * actDim + j]}`);
    }
    const z = new Float32Array(n * actDim);
    for (let i = 0; i < n; i++)
      decodeSkill(
        this.skills,
        actions.subarray(i * actDim, (i + 1) * actDim),
        z.subarray(i * actDim, (i + 1) * actDim),
      );

    const out: VecStepResult = {
      obs: new Float32Array(n * this.obsDim),
      reward: new Float32Array(n),
      terminated: new Uint8Array(n),
      truncated: new Uint8Array(n),
      infos: Array.from({ length: n }, () => ({})),
    };
    const rewards = new Float64Array(n);
    const steps = new Int32Array(n);
    let active = Array.from({ length: n }, (_, i) => i);
    for (let k = 0; k < this.opts.hold && active.length > 0; k++) {
      const m = active.length;
      const obs = new Float32Array(m * envObsDim);
      const zs = new Float32Array(m * actDim);
      active.forEach((i, r) => {
        obs.set(this.obs.subarray(i * envObsDim, (i + 1) * envObsDim), r * envObsDim);
        zs.set(z.subarray(i * actDim, (i + 1) * actDim), r * actDim);
      });
      const act = this.policy.act(obs, zs, this.opts.actions, this.rng);
      const a = this.policy.actDim;
      const still: number[] = [];
      active.forEach((i, r) => {
        const res = this.envs[i].step(act.subarray(r * a, (r + 1) * a));
        this.envSteps += 1;
        steps[i] += 1;
        // Dense: −‖achieved − g‖ (the point-mass and Ant goal envs' own reward; on the arm the block's
        // distance to the task's goal, not the task's sparse reward).
        rewards[i] +=
          this.opts.reward === 'sparse'
            ? res.info.success === true
              ? 0
              : -1
            : -(res.info.goalDistance ?? 0);
        this.obs.set(res.obs, i * envObsDim);
        this.onEnvStep?.(i, res.obs, res.info);
        const reached = this.opts.stopAtGoal && res.info.success === true;
        const info: StepInfo = {
          success: res.info.success,
          goalDistance: res.info.goalDistance,
          envSteps: steps[i],
        };
        if (res.info.nan) info.nan = true;
        out.infos[i] = info;
        if (res.terminated || reached || res.truncated) {
          out.terminated[i] = res.terminated || reached ? 1 : 0;
          out.truncated[i] = out.terminated[i] ? 0 : 1;
          this.ended[i] = true;
          this.episodeEnds.push({
            finalDistance: res.info.goalDistance ?? Number.NaN,
            envSteps: this.envs[i].elapsedSteps,
          });
        } else still.push(i);
      });
      active = still;
    }
    for (let i = 0; i < n; i++) {
      out.reward[i] = rewards[i];
      this.observe(i, out.obs, i * this.obsDim);
    }
    return out;
  }

  /** Every env's state and the counters (see {@link SkillStepsState}). */
  getState(): SkillStepsState {
    this.assertOpen();
    return {
      started: this.started,
      envs: this.envs.map((e) => e.getState()),
      ended: [...this.ended],
      obs: typedToBase64(this.obs),
      rng: this.rng.getState(),
      envSteps: this.envSteps,
    };
  }

  /**
   * Restores {@link getState} of skill envs of the same env, number and skills.
   * @throws Error naming the part that does not fit.
   */
  setState(state: SkillStepsState): void {
    this.assertOpen();
    if (!Array.isArray(state?.envs) || state.envs.length !== this.numEnvs)
      throw new Error(
        `skill envs: the state holds ${state?.envs?.length ?? 'no'} envs, expected ${this.numEnvs}`,
      );
    if (!Array.isArray(state.ended) || state.ended.length !== this.numEnvs)
      throw new Error(`skill envs: the state's ended flags must list ${this.numEnvs} envs`);
    if (!Number.isInteger(state.envSteps) || state.envSteps < 0)
      throw new Error(`skill envs: envSteps must be an integer ≥ 0, got ${state.envSteps}`);
    const obs = base64ToFloat32(state.obs, this.obs.length, 'skill envs obs');
    state.envs.forEach((s, i) => this.envs[i].setState(s));
    this.rng.setState(state.rng);
    this.obs.set(obs);
    state.ended.forEach((e, i) => (this.ended[i] = Boolean(e)));
    this.envSteps = state.envSteps;
    this.started = Boolean(state.started);
  }

  /** Closes every env (the policy is not this object's). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const e of this.envs) e.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('skill envs: closed');
  }
}
