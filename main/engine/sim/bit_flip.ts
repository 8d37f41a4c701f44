/**
 * The bit-flipping environment of Hindsight Experience Replay (Andrychowicz et al. 2017, §3.1 and
 * §4.1): a state of n bits, a desired goal of n bits, reward −1 on every step whose state differs
 * from the goal in any bit and 0 on an exact match. Without relabeling a random policy almost never
 * sees reward 0 once n ≳ 15, which is what makes it the cheap test of HER.
 *
 * Action form: the continuous variant of Stable-Baselines3's `BitFlippingEnv(continuous=True)`:
 * a ∈ [-1, 1]^n, and every bit i with a_i > 0 flips in the same step, so an actor-critic method
 * such as SAC can act on it. SB3 fixes the desired goal to all ones; here both the initial state and
 * the goal are uniform random bit vectors, as in the paper.
 *
 * Goal-task semantics (sim/types.ts): observation = achieved goal = the bits; the episode never
 * terminates on success and is truncated after `maxEpisodeSteps` (n by default, as in the paper
 * and SB3). Pure TypeScript, no MuJoCo; seeded by the engine's {@link Rng}.
 */
import { Rng } from '../rng.ts';
import type { BoxSpace, GoalEnv, GoalObservation, GoalRewardFn, GoalStepResult, StepInfo } from './types.ts';

/** Options of {@link BitFlipEnv}. */
export interface BitFlipOptions {
  /** Number of bits n (≥ 1). */
  nBits: number;
  /** Episode length in steps; default n (HER paper §4.1). */
  maxEpisodeSteps?: number;
  /** Seed of the generator of initial states and goals; default 0. */
  seed?: number;
}

function box(n: number, low: number, high: number): BoxSpace {
  return {
    shape: [n],
    low: new Float32Array(n).fill(low),
    high: new Float32Array(n).fill(high),
  };
}

/**
 * The sparse bit-flipping reward, batched: −1 when any bit of the achieved goal differs from the
 * desired goal, 0 on an exact match (HER §4.1; SB3 `-(‖ag − g‖ > 0)`), achieved goal first.
 * Bits are stored as exact 0/1 float32 values, so exact comparison is the right test.
 *
 * @param nBits goal length n
 * @returns a {@link GoalRewardFn} on row-major [B, n] arrays; `success` is 1 on a match
 * @throws Error (from the returned function) when the lengths are not equal multiples of n.
 */
export function bitFlipReward(nBits: number): GoalRewardFn {
  return (achieved, desired) => {
    if (achieved.length !== desired.length || achieved.length % nBits !== 0) {
      throw new Error(
        `bit-flip reward: achieved (${achieved.length}) and desired (${desired.length}) must both be B·${nBits} long`,
      );
    }
    const B = achieved.length / nBits;
    const reward = new Float32Array(B);
    const success = new Uint8Array(B);
    for (let b = 0; b < B; b++) {
      let match = 1;
      for (let i = b * nBits, end = i + nBits; i < end; i++) {
        if (achieved[i] !== desired[i]) {
          match = 0;
          break;
        }
      }
      success[b] = match;
      reward[b] = match - 1;
    }
    return { reward, success };
  };
}

/** The bit-flipping {@link GoalEnv}; see the file comment. */
export class BitFlipEnv implements GoalEnv {
  readonly name: string;
  readonly nBits: number;
  readonly observationSpace: BoxSpace;
  readonly goalSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly dt = 0;
  readonly maxEpisodeSteps: number;
  readonly nq = 0;
  readonly evaluate: GoalRewardFn;
  private readonly rng: Rng;
  private readonly bits: Float32Array;
  private readonly goal: Float32Array;
  private steps = 0;
  private running = false;
  private closed = false;

  /** @throws Error when nBits or maxEpisodeSteps is not a positive integer. */
  constructor(opts: BitFlipOptions) {
    const n = opts.nBits;
    const T = opts.maxEpisodeSteps ?? n;
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`bit-flip: nBits must be a positive integer, got ${n}`);
    if (!Number.isInteger(T) || T < 1)
      throw new Error(`bit-flip: maxEpisodeSteps must be a positive integer, got ${T}`);
    this.name = `bit-flip-${n}`;
    this.nBits = n;
    this.maxEpisodeSteps = T;
    this.observationSpace = box(n, 0, 1);
    this.goalSpace = box(n, 0, 1);
    this.actionSpace = box(n, -1, 1);
    this.evaluate = bitFlipReward(n);
    this.rng = new Rng(opts.seed ?? 0);
    this.bits = new Float32Array(n);
    this.goal = new Float32Array(n);
  }

  get elapsedSteps(): number {
    return this.steps;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`${this.name}: the env was closed`);
  }

  private observe(): GoalObservation {
    return {
      observation: this.bits.slice(),
      achievedGoal: this.bits.slice(),
      desiredGoal: this.goal.slice(),
    };
  }

  /** Draws uniform initial bits and a uniform goal. `seed` reseeds the generator. */
  reset(opts: { seed?: number } = {}): { obs: GoalObservation; info: StepInfo } {
    this.checkOpen();
    if (opts.seed !== undefined) this.rng.setState(new Rng(opts.seed).getState());
    for (let i = 0; i < this.nBits; i++) this.bits[i] = this.rng.nextUint32() & 1;
    for (let i = 0; i < this.nBits; i++) this.goal[i] = this.rng.nextUint32() & 1;
    this.steps = 0;
    this.running = true;
    return { obs: this.observe(), info: {} };
  }

  /**
   * Flips every bit i with action[i] > 0 (SB3's continuous form; clipping to [-1, 1] cannot change a sign).
   * @returns reward −1/0 and `info.success` from {@link evaluate}; truncated after maxEpisodeSteps
   * @throws Error for a wrong length or NaN/Inf (naming the index), before reset, after the
   *   episode ended or after close.
   */
  step(action: ArrayLike<number>): GoalStepResult {
    this.checkOpen();
    if (!this.running) throw new Error(`${this.name}: step called before reset or after the episode ended`);
    if (action.length !== this.nBits)
      throw new Error(`${this.name}: action has length ${action.length}, expected ${this.nBits}`);
    for (let i = 0; i < this.nBits; i++) {
      if (!Number.isFinite(action[i])) throw new Error(`${this.name}: action[${i}] is ${action[i]}`);
    }
    for (let i = 0; i < this.nBits; i++) if (action[i] > 0) this.bits[i] = 1 - this.bits[i];
    this.steps += 1;
    const obs = this.observe();
    const { reward, success } = this.evaluate(obs.achievedGoal, obs.desiredGoal);
    const truncated = this.steps >= this.maxEpisodeSteps;
    if (truncated) this.running = false;
    return {
      obs,
      reward: reward[0],
      terminated: false,
      truncated,
      info: { success: success[0] === 1 },
    };
  }

  qpos(): Float64Array {
    this.checkOpen();
    return new Float64Array(0);
  }

  close(): void {
    this.closed = true;
    this.running = false;
  }
}
