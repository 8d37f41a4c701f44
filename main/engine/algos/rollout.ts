/**
 * Vectorized experience collection with a skill fixed per episode (DADS reference code SkillWrapper;
 * DIAYN resamples per episode here rather than per 1000-step epoch — the reference code's quirk).
 */
import type { VecEnvState, VecStepResult } from '../sim/vec_env.ts';
import type { Env } from '../sim/types.ts';
import { base64ToFloat32, base64ToFloat64, typedToBase64 } from '../exact_json.ts';
import type { Rng } from '../rng.ts';
import type { Transition } from '../replay/buffer.ts';
import type { Collector } from './off_policy_agent.ts';
import type { SkillPrior } from './skills.ts';
import type { AbortPoint } from './types.ts';

/** Actions for a batch: obs [n, obsDim], skills [n, skillDim] → [n, actDim] in the action space. */
export type BatchPolicy = (obs: Float32Array, skills: Float32Array) => Float32Array;

/**
 * What a {@link StepCollector} steps: n envs stepped together, as sim/vec_env.ts's VecEnv does (no
 * auto-reset: an env whose episode ended is reset with `resetEnv` before the next `step`), or any
 * other set of envs with the same contract — e.g. algos/skill_env.ts's high-level envs, one step of
 * which holds a skill for H_Z env steps of a frozen skill policy.
 */
export interface StepEnvs<S = VecEnvState> {
  readonly numEnvs: number;
  readonly obsDim: number;
  readonly actDim: number;
  /** Resets every env (env i with seed + i); returns [numEnvs, obsDim]. */
  reset(seed?: number): Float32Array;
  /** Starts a new episode in env i; returns its first observation [obsDim]. */
  resetEnv(i: number): Float32Array;
  /** Steps every env with its row of `actions` [numEnvs, actDim]. */
  step(actions: Float32Array): VecStepResult;
  /** Every env's state, to continue their episodes exactly (JSON-able). */
  getState(): S;
  setState(state: S): void;
  /** Env i's spaces and the indices of its global coordinates in the observation. */
  env(i: number): Pick<Env, 'actionSpace' | 'coordDims'>;
  close(): void;
}

/** What {@link StepCollector.getState} returns: JSON-able, exact. */
export interface StepCollectorState {
  /** [numEnvs, obsDim] each env's current observation, float32, base64. */
  obs: string;
  /** [numEnvs, skillDim] each env's current skill, float32, base64. */
  skills: string;
  /** [numEnvs] return of each episode so far, float64, base64. */
  epReturn: string;
  /** [numEnvs] steps of each episode so far. */
  epLength: number[];
  /** The skill and warm-up action generator. */
  rng: number[];
  /** The envs, mid-episode (a VecEnv's VecEnvState). */
  vec: unknown;
}

/** Summary of one finished episode. */
export interface EpisodeSummary {
  return: number;
  length: number;
  success: boolean | null;
  nan: boolean;
}

/**
 * Steps all envs of a VecEnv (or other {@link StepEnvs}) together, a skill z ~ p(z) fixed per episode;
 * an episode that ends is reset at once and goes on in the next call, so episodes run across
 * iterations.
 */
export class StepCollector implements Collector<BatchPolicy, Transition, EpisodeSummary> {
  readonly obs: Float32Array;
  readonly skills: Float32Array;
  private readonly epReturn: Float64Array;
  private readonly epLength: Int32Array;
  private started = false;

  /**
   * @param steps env steps per {@link collect} call, all envs together (rounded up to a multiple of
   *   numEnvs)
   * @param rng draws the skills and the warm-up's random actions
   */
  constructor(
    readonly vec: StepEnvs<any>,
    readonly prior: SkillPrior | null,
    private readonly rng: Rng,
    readonly steps: number,
  ) {
    this.obs = new Float32Array(vec.numEnvs * vec.obsDim);
    this.skills = new Float32Array(vec.numEnvs * this.skillDim);
    this.epReturn = new Float64Array(vec.numEnvs);
    this.epLength = new Int32Array(vec.numEnvs);
  }

  get skillDim(): number {
    return this.prior?.dim ?? 0;
  }

  /** Resets every env (env i seeded with seed + i) and draws fresh skills. */
  start(seed: number): void {
    this.obs.set(this.vec.reset(seed));
    for (let i = 0; i < this.vec.numEnvs; i++) this.newEpisode(i, null);
    this.started = true;
  }

  private newEpisode(i: number, obs: Float32Array | null): void {
    if (obs) this.obs.set(obs, i * this.vec.obsDim);
    if (this.prior) this.prior.sample(this.rng, this.skills, i * this.skillDim);
    this.epReturn[i] = 0;
    this.epLength[i] = 0;
  }

  /**
   * Steps all envs together until at least `steps` env steps were taken (a multiple of numEnvs).
   * @param sink sees each env's transition, as views valid during the call only
   * @param abortPoint called before each step of all envs (see {@link AbortPoint})
   * @returns the episodes that finished during the call and the env steps taken.
   * @throws Error before {@link start}.
   */
  collect(
    policy: BatchPolicy,
    sink: (env: number, tr: Transition) => void,
    abortPoint?: AbortPoint,
  ): { steps: number; episodes: EpisodeSummary[] } {
    if (!this.started) throw new Error('StepCollector.collect called before start()');
    const steps = this.steps;
    const { numEnvs: n, obsDim, actDim } = this.vec;
    const sd = this.skillDim;
    const episodes: EpisodeSummary[] = [];
    let taken = 0;
    while (taken < steps) {
      abortPoint?.();
      const actions = policy(this.obs, this.skills);
      const out = this.vec.step(actions);
      for (let i = 0; i < n; i++) {
        const nextObs = out.obs.subarray(i * obsDim, (i + 1) * obsDim);
        const terminated = out.terminated[i] === 1;
        sink(i, {
          obs: this.obs.subarray(i * obsDim, (i + 1) * obsDim),
          action: actions.subarray(i * actDim, (i + 1) * actDim),
          reward: out.reward[i],
          nextObs,
          terminated,
          skill: this.skills.subarray(i * sd, (i + 1) * sd),
        });
        this.epReturn[i] += out.reward[i];
        this.epLength[i] += 1;
        if (terminated || out.truncated[i] === 1) {
          const info = out.infos[i];
          episodes.push({
            return: this.epReturn[i],
            length: this.epLength[i],
            success: info.success === undefined ? null : Boolean(info.success),
            nan: Boolean(info.nan),
          });
          this.newEpisode(i, this.vec.resetEnv(i));
        } else {
          this.obs.set(nextObs, i * obsDim);
        }
      }
      taken += n;
    }
    return { steps: taken, episodes };
  }

  /**
   * The episodes in flight, exactly: observations, skills, running returns and lengths, the
   * generator and the envs' states, so that a collector restored from it continues as this one would.
   * @throws Error before {@link start}.
   */
  getState(): StepCollectorState {
    if (!this.started) throw new Error('StepCollector.getState called before start()');
    return {
      obs: typedToBase64(this.obs),
      skills: typedToBase64(this.skills),
      epReturn: typedToBase64(this.epReturn),
      epLength: Array.from(this.epLength),
      rng: this.rng.getState(),
      vec: this.vec.getState(),
    };
  }

  /**
   * Restores {@link getState} of a collector over the same envs and prior; replaces {@link start}.
   * @throws Error naming the part that does not fit.
   */
  setState(state: StepCollectorState): void {
    const n = this.vec.numEnvs;
    const what = 'collector state';
    if (!state || typeof state !== 'object') throw new Error(`${what}: expected an object`);
    const obs = base64ToFloat32(state.obs, this.obs.length, `${what} obs`);
    const skills = base64ToFloat32(state.skills, this.skills.length, `${what} skills`);
    const epReturn = base64ToFloat64(state.epReturn, n, `${what} epReturn`);
    if (!Array.isArray(state.epLength) || state.epLength.length !== n)
      throw new Error(`${what}: epLength must list ${n} step counts`);
    this.vec.setState(state.vec);
    this.rng.setState(state.rng);
    this.obs.set(obs);
    this.skills.set(skills);
    this.epReturn.set(epReturn);
    this.epLength.set(state.epLength);
    this.started = true;
  }

  /** A policy of uniform random actions in [low, high], for SAC's initial exploration. */
  randomPolicy(): BatchPolicy {
    const space = this.vec.env(0).actionSpace;
    const { numEnvs: n, actDim } = this.vec;
    return () => {
      const a = new Float32Array(n * actDim);
      for (let i = 0; i < a.length; i++) {
        const j = i % actDim;
        a[i] = this.rng.uniformRange(space.low[j], space.high[j]);
      }
      return a;
    };
  }
}

/**
 * Mean episode return and length for a metric row (empty when no episode finished); the env's task
 * success rate only when `withSuccess` (skill discovery ignores the env's task).
 */
export function summarizeEpisodes(episodes: EpisodeSummary[], withSuccess = false): Record<string, number> {
  const out: Record<string, number> = {};
  if (episodes.length === 0) return out;
  out.episode_return = episodes.reduce((s, e) => s + e.return, 0) / episodes.length;
  out.episode_length = episodes.reduce((s, e) => s + e.length, 0) / episodes.length;
  const judged = episodes.filter((e) => e.success !== null);
  if (withSuccess && judged.length) out.success_rate = judged.filter((e) => e.success).length / judged.length;
  const nans = episodes.filter((e) => e.nan).length;
  if (nans) out.nan_episodes = nans;
  return out;
}
