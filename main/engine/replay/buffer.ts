/**
 * A columnar FIFO replay buffer of transitions (s, a, r, s', terminated, skill) in typed arrays.
 * Raw observations are stored; policy inputs and f(s) are derived at sample time so that one buffer
 * serves SAC, DIAYN (pseudo-reward recomputed from the current discriminator) and DADS.
 */
import type { Rng } from '../rng.ts';
import type { NamedArrays } from '../nn/checkpoint.ts';

/** Sizes of one transition's fields. */
export interface TransitionShape {
  obsDim: number;
  actDim: number;
  /** Length of the skill vector (0 for plain SAC). */
  skillDim: number;
}

/** A batch of B transitions, row-major. */
export interface TransitionBatch {
  size: number;
  obs: Float32Array; // [B, obsDim]
  action: Float32Array; // [B, actDim]
  reward: Float32Array; // [B]
  nextObs: Float32Array; // [B, obsDim]
  terminated: Float32Array; // [B], 1 when the episode ended by termination (no bootstrap)
  skill: Float32Array; // [B, skillDim]
}

/** Columnar replay buffer with FIFO eviction. */
export class ReplayBuffer {
  readonly capacity: number;
  readonly shape: TransitionShape;
  private readonly cols: { [K in keyof Omit<TransitionBatch, 'size'>]: Float32Array };
  private next = 0;
  private count = 0;

  /** @throws RangeError for a non-positive capacity. */
  constructor(capacity: number, shape: TransitionShape) {
    if (!Number.isInteger(capacity) || capacity <= 0)
      throw new RangeError(`replay capacity must be > 0, got ${capacity}`);
    this.capacity = capacity;
    this.shape = shape;
    this.cols = {
      obs: new Float32Array(capacity * shape.obsDim),
      action: new Float32Array(capacity * shape.actDim),
      reward: new Float32Array(capacity),
      nextObs: new Float32Array(capacity * shape.obsDim),
      terminated: new Float32Array(capacity),
      skill: new Float32Array(capacity * shape.skillDim),
    };
  }

  /** Number of stored transitions. */
  get size(): number {
    return this.count;
  }

  /** Appends one transition (copies the arrays); evicts the oldest when full. */
  add(
    obs: ArrayLike<number>,
    action: ArrayLike<number>,
    reward: number,
    nextObs: ArrayLike<number>,
    terminated: boolean,
    skill: ArrayLike<number>,
  ): void {
    const { obsDim, actDim, skillDim } = this.shape;
    const i = this.next;
    this.cols.obs.set(obs, i * obsDim);
    this.cols.action.set(action, i * actDim);
    this.cols.reward[i] = reward;
    this.cols.nextObs.set(nextObs, i * obsDim);
    this.cols.terminated[i] = terminated ? 1 : 0;
    if (skillDim > 0) this.cols.skill.set(skill, i * skillDim);
    this.next = (i + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** Removes everything (DADS on-policy: the buffer is cleared every iteration). */
  clear(): void {
    this.next = 0;
    this.count = 0;
  }

  /**
   * Draws B transitions uniformly with replacement.
   * @throws Error when the buffer is empty.
   */
  sample(batchSize: number, rng: Rng): TransitionBatch {
    if (this.count === 0) throw new Error('cannot sample from an empty replay buffer');
    const idx = new Int32Array(batchSize);
    for (let b = 0; b < batchSize; b++) idx[b] = rng.int(this.count);
    return this.gather(idx);
  }

  /**
   * Overwrites the stored rewards, in the order of {@link all} (DADS computes its intrinsic reward
   * once per on-policy iteration, then samples SAC minibatches from the same transitions).
   * @throws RangeError when the length differs from the number of stored transitions.
   */
  replaceRewards(rewards: Float32Array): void {
    if (rewards.length !== this.count)
      throw new RangeError(`expected ${this.count} rewards, got ${rewards.length}`);
    const start = this.count < this.capacity ? 0 : this.next;
    for (let k = 0; k < this.count; k++) this.cols.reward[(start + k) % this.capacity] = rewards[k];
  }

  /** Every stored transition in insertion order (oldest first). */
  all(): TransitionBatch {
    const idx = new Int32Array(this.count);
    const start = this.count < this.capacity ? 0 : this.next;
    for (let k = 0; k < this.count; k++) idx[k] = (start + k) % this.capacity;
    return this.gather(idx);
  }

  /** Copies the rows `idx` into a new batch. */
  gather(idx: Int32Array): TransitionBatch {
    const { obsDim, actDim, skillDim } = this.shape;
    const B = idx.length;
    const out: TransitionBatch = {
      size: B,
      obs: new Float32Array(B * obsDim),
      action: new Float32Array(B * actDim),
      reward: new Float32Array(B),
      nextObs: new Float32Array(B * obsDim),
      terminated: new Float32Array(B),
      skill: new Float32Array(B * skillDim),
    };
    for (let b = 0; b < B; b++) {
      const i = idx[b];
      out.obs.set(this.cols.obs.subarray(i * obsDim, (i + 1) * obsDim), b * obsDim);
      out.action.set(this.cols.action.subarray(i * actDim, (i + 1) * actDim), b * actDim);
      out.reward[b] = this.cols.reward[i];
      out.nextObs.set(this.cols.nextObs.subarray(i * obsDim, (i + 1) * obsDim), b * obsDim);
      out.terminated[b] = this.cols.terminated[i];
      if (skillDim > 0)
        out.skill.set(this.cols.skill.subarray(i * skillDim, (i + 1) * skillDim), b * skillDim);
    }
    return out;
  }

  /** The stored transitions as named arrays for a checkpoint (oldest first). */
  toArrays(prefix = 'replay'): NamedArrays {
    const batch = this.all();
    const { obsDim, actDim, skillDim } = this.shape;
    const n = batch.size;
    return {
      [`${prefix}/obs`]: { shape: [n, obsDim], data: batch.obs },
      [`${prefix}/action`]: { shape: [n, actDim], data: batch.action },
      [`${prefix}/reward`]: { shape: [n], data: batch.reward },
      [`${prefix}/nextObs`]: { shape: [n, obsDim], data: batch.nextObs },
      [`${prefix}/terminated`]: { shape: [n], data: batch.terminated },
      [`${prefix}/skill`]: { shape: [n, skillDim], data: batch.skill },
    };
  }

  /**
   * Refills the buffer from {@link toArrays} output.
   * @throws Error when arrays are missing or their shapes do not match this buffer.
   */
  loadArrays(arrays: NamedArrays, prefix = 'replay'): void {
    const get = (name: string, width: number) => {
      const a = arrays[`${prefix}/${name}`];
      if (!a) throw new Error(`checkpoint has no ${prefix}/${name}`);
      if ((a.shape[1] ?? 1) !== width && width > 0)
        throw new Error(`checkpoint ${prefix}/${name} has width ${a.shape[1]}, expected ${width}`);
      return a;
    };
    const { obsDim, actDim, skillDim } = this.shape;
    const obs = get('obs', obsDim);
    const n = obs.shape[0];
    const action = get('action', actDim).data;
    const reward = get('reward', 1).data;
    const nextObs = get('nextObs', obsDim).data;
    const terminated = get('terminated', 1).data;
    const skill = get('skill', skillDim).data;
    this.clear();
    for (let k = 0; k < n; k++) {
      this.add(
        obs.data.subarray(k * obsDim, (k + 1) * obsDim),
        action.subarray(k * actDim, (k + 1) * actDim),
        reward[k],
        nextObs.subarray(k * obsDim, (k + 1) * obsDim),
        terminated[k] > 0.5,
        skill.subarray(k * skillDim, (k + 1) * skillDim),
      );
    }
  }
}
