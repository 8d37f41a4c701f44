/**
 * N instances of one env stepped together, so a policy infers on one batch per step. Plain
 * sequential stepping on the calling thread (MuJoCo WASM is single-threaded here); the win is the
 * batched policy call, not parallel physics.
 *
 * No auto-reset: `step` returns each env's true next observation (the final one when its episode
 * ended), and the caller resets ended envs with {@link VecEnv.resetEnv} before the next `step`.
 */
import { createEnv, type MujocoEnv, type MujocoEnvState } from './envs.ts';
import type { EnvName, EnvOptions, StepInfo } from './types.ts';

/** What {@link VecEnv.getState} returns: JSON-able, exact. */
export interface VecEnvState {
  /** reset() was called. */
  started: boolean;
  /** Each env's state, in order. */
  envs: MujocoEnvState[];
}

/** Result of {@link VecEnv.step}; every array is fresh and row-major over envs. */
export interface VecStepResult {
  /** n × obsDim: next observations (final observations of envs whose episode ended). */
  obs: Float32Array;
  /** n rewards. */
  reward: Float32Array;
  /** n flags (1 = the episode ended by termination, e.g. an unstable simulation). */
  terminated: Uint8Array;
  /** n flags (1 = the episode hit its step limit). */
  truncated: Uint8Array;
  /** n per-env infos. */
  infos: StepInfo[];
}

export class VecEnv {
  readonly name: EnvName;
  readonly numEnvs: number;
  readonly obsDim: number;
  readonly actDim: number;
  private readonly envs: MujocoEnv[];
  private readonly baseSeed: number;
  private started = false;
  private closed = false;

  private constructor(name: EnvName, envs: MujocoEnv[], seed: number) {
    this.name = name;
    this.envs = envs;
    this.numEnvs = envs.length;
    this.obsDim = envs[0].observationSpace.shape[0];
    this.actDim = envs[0].actionSpace.shape[0];
    this.baseSeed = seed;
  }

  /**
   * Builds `n` instances of env `name`.
   * @param seed base seed: env i's reset noise starts from seed + i at the first {@link reset}
   *   unless `reset` is given another.
   * @throws Error when n is not a positive integer or seed not an integer; errors of `createEnv`
   *   (already built envs are closed).
   */
  static async create(name: EnvName, n: number, opts: EnvOptions = {}, seed = 0): Promise<VecEnv> {
    if (!Number.isInteger(n) || n <= 0)
      throw new Error(`VecEnv(${name}): numEnvs must be a positive integer, got ${n}`);
    if (!Number.isInteger(seed)) throw new Error(`VecEnv(${name}): seed must be an integer, got ${seed}`);
    const envs: MujocoEnv[] = [];
    try {
      for (let i = 0; i < n; i++) envs.push(await createEnv(name, opts));
    } catch (err) {
      for (const e of envs) e.close();
      throw err;
    }
    return new VecEnv(name, envs, seed);
  }

  /**
   * Resets every env, env i with seed + i (seed defaults to the creation seed on the first call;
   * later calls without seed continue each env's noise stream).
   * @returns n × obsDim first observations.
   */
  reset(seed?: number): Float32Array {
    this.assertOpen();
    if (seed !== undefined && !Number.isInteger(seed))
      throw new Error(`VecEnv(${this.name}): reset seed must be an integer, got ${seed}`);
    const base = seed ?? (this.started ? undefined : this.baseSeed);
    const out = new Float32Array(this.numEnvs * this.obsDim);
    for (let i = 0; i < this.numEnvs; i++) {
      const { obs } = this.envs[i].reset(base === undefined ? undefined : { seed: base + i });
      out.set(obs, i * this.obsDim);
    }
    this.started = true;
    return out;
  }

  /**
   * Starts a new episode in env i (continuing its noise stream).
   * @returns its first observation (obsDim, fresh).
   * @throws RangeError on a bad index.
   */
  resetEnv(i: number): Float32Array {
    const env = this.env(i);
    return env.reset().obs;
  }

  /**
   * Steps every env with its row of `actions`.
   * @param actions n × actDim, row-major, finite (clipped to the action space).
   * @throws Error on a wrong length, a NaN/Inf entry (naming env and index), before {@link reset},
   *   or when env i ended its episode and was not reset (naming i). Nothing is stepped then.
   */
  step(actions: Float32Array | Float64Array | ArrayLike<number>): VecStepResult {
    this.assertOpen();
    const { numEnvs: n, obsDim, actDim } = this;
    if (!this.started) throw new Error(`VecEnv(${this.name}): call reset() before step()`);
    if (actions.length !== n * actDim)
      throw new Error(
        `VecEnv(${this.name}): actions have length ${actions.length}, expected numEnvs × actDim = ${n} × ${actDim}`,
      );
    for (let i = 0; i < n; i++) {
      if (this.envs[i].needsResetBeforeStep)
        throw new Error(
          `VecEnv(${this.name}): env ${i} ended its episode; call resetEnv(${i}) before step()`,
        );
      for (let j = 0; j < actDim; j++) {
        const a = actions[i * actDim + j];
        if (!Number.isFinite(a))
          throw new Error(
            `VecEnv(${this.name}): env ${i} action[${j}] is ${a}; actions must be finite numbers`,
          );
      }
    }
    const isTyped = ArrayBuffer.isView(actions);
    const out: VecStepResult = {
      obs: new Float32Array(n * obsDim),
      reward: new Float32Array(n),
      terminated: new Uint8Array(n),
      truncated: new Uint8Array(n),
      infos: new Array<StepInfo>(n),
    };
    for (let i = 0; i < n; i++) {
      const row = isTyped
        ? (actions as Float32Array).subarray(i * actDim, (i + 1) * actDim)
        : Array.prototype.slice.call(actions, i * actDim, (i + 1) * actDim);
      const r = this.envs[i].step(row);
      out.obs.set(r.obs, i * obsDim);
      out.reward[i] = r.reward;
      out.terminated[i] = r.terminated ? 1 : 0;
      out.truncated[i] = r.truncated ? 1 : 0;
      out.infos[i] = r.info;
    }
    return out;
  }

  /**
   * Every env's state (see {@link MujocoEnv.getState}), to continue their episodes exactly elsewhere.
   * @throws Error after close.
   */
  getState(): VecEnvState {
    this.assertOpen();
    return { started: this.started, envs: this.envs.map((e) => e.getState()) };
  }

  /**
   * Restores {@link getState} into envs of the same name and number.
   * @throws Error naming the part that does not fit (envs before it may be restored already).
   */
  setState(state: VecEnvState): void {
    this.assertOpen();
    if (!Array.isArray(state?.envs) || state.envs.length !== this.numEnvs)
      throw new Error(
        `VecEnv(${this.name}): the state holds ${state?.envs?.length ?? 'no'} envs, expected ${this.numEnvs}`,
      );
    state.envs.forEach((s, i) => this.envs[i].setState(s));
    this.started = Boolean(state.started);
  }

  /** A copy of env i's qpos (length nq). @throws RangeError on a bad index. */
  qpos(i: number): Float64Array {
    return this.env(i).qpos();
  }

  /** Env i itself (for its spaces, coordDims, …). @throws RangeError on a bad index. */
  env(i: number): MujocoEnv {
    this.assertOpen();
    if (!Number.isInteger(i) || i < 0 || i >= this.numEnvs)
      throw new RangeError(`VecEnv(${this.name}): env index ${i} out of range [0, ${this.numEnvs})`);
    return this.envs[i];
  }

  /** Closes every env. Idempotent; later calls but close throw. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const e of this.envs) e.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`VecEnv(${this.name}): closed`);
  }
}
