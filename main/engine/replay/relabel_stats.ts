/**
 * How often each episode's transitions were sampled for training, per goal source (issue #4 §6:
 * "each sampled transition knows whether its goal is original or relabeled, and by which
 * strategy"). Accumulated in the run process from every batch; kept in the checkpoint so a resume
 * continues the counts exactly; written for the replay browser by the episode store.
 */
import type { NamedArrays } from '../nn/checkpoint.ts';
import { GOAL_SOURCES } from './relabel.ts';

const S = GOAL_SOURCES.length;

/** Per-episode counts of sampled transitions by goal source (GOAL_SOURCES order). */
export class RelabelStats {
  /** [capacity·S] counts, row per episode id; grows by doubling. */
  private counts = new Float64Array(1024 * S);
  /** Highest episode id seen + 1. */
  private episodes = 0;

  /**
   * Adds one batch: row b was drawn from episode `episodeIds[b]` with goal source `source[b]`.
   * @throws Error for a source code outside GOAL_SOURCES.
   */
  add(episodeIds: ArrayLike<number>, source: ArrayLike<number>): void {
    for (let b = 0; b < episodeIds.length; b++) {
      const id = episodeIds[b];
      const s = source[b];
      if (!(s >= 0 && s < S))
        throw new Error(`relabel stats: goal source code ${s} out of range 0..${S - 1}`);
      this.grow(id + 1);
      this.counts[id * S + s] += 1;
    }
  }

  /** Counts of one episode, GOAL_SOURCES order (zeros for an episode never sampled). */
  of(episodeId: number): number[] {
    if (episodeId >= this.episodes) return new Array<number>(S).fill(0);
    return Array.from(this.counts.subarray(episodeId * S, (episodeId + 1) * S));
  }

  /** Sum over episodes per source, GOAL_SOURCES order. */
  totals(): number[] {
    const t = new Array<number>(S).fill(0);
    for (let i = 0; i < this.episodes * S; i++) t[i % S] += this.counts[i];
    return t;
  }

  /** Calls `fn` for every episode sampled at least once, in id order. */
  forEachSampled(fn: (episodeId: number, counts: number[], total: number) => void): void {
    for (let id = 0; id < this.episodes; id++) {
      const row = this.counts.subarray(id * S, (id + 1) * S);
      let total = 0;
      for (const c of row) total += c;
      if (total > 0) fn(id, Array.from(row), total);
    }
  }

  /**
   * The counts as checkpoint arrays under `prefix` ([episodes, S] float32: exact below 2^24 samples
   * of one episode, far above what a run draws).
   */
  save(prefix = 'relabel_stats'): NamedArrays {
    return {
      [`${prefix}/counts`]: {
        shape: [this.episodes, S],
        data: Float32Array.from(this.counts.subarray(0, this.episodes * S)),
      },
    };
  }

  /**
   * Replaces the counts with {@link save}'s; a checkpoint without them (written before the episode
   * store existed) starts from zero.
   * @throws Error when the entry has the wrong width.
   */
  load(arrays: NamedArrays, prefix = 'relabel_stats'): void {
    const a = arrays[`${prefix}/counts`];
    this.counts = new Float64Array(1024 * S);
    this.episodes = 0;
    if (!a) return;
    if (a.shape.length !== 2 || a.shape[1] !== S || a.data.length !== a.shape[0] * S)
      throw new Error(`checkpoint '${prefix}/counts' has shape [${a.shape.join(', ')}], expected [n, ${S}]`);
    this.grow(a.shape[0]);
    this.counts.set(a.data);
  }

  private grow(episodes: number): void {
    if (episodes <= this.episodes) return;
    if (episodes * S > this.counts.length) {
      const next = new Float64Array(Math.max(episodes * S, this.counts.length * 2));
      next.set(this.counts);
      this.counts = next;
    }
    this.episodes = episodes;
  }
}
