/**
 * Hindsight goal relabeling at sample time (Andrychowicz et al. 2017, "Hindsight Experience Replay",
 * §3.3 and §4.5): a transition (s_t, a_t, s_{t+1}, g) is replayed with a goal g' that the agent
 * actually achieved, and its reward is recomputed as r(ag_{t+1}, g') by the task's batched reward
 * (reference/relabeling_and_multitask.md §1.1–1.2).
 *
 * Indexing. An episode of T transitions t = 0 … T−1 stores the achieved goals ag_0 … ag_T; transition
 * t carries ag_t and its NEXT achieved goal ag_{t+1}. Every strategy draws g' from the next-achieved-
 * goal column, so the sets are:
 * - `final`:   g' = ag_T (the next achieved goal of transition T−1).
 * - `future`:  g' ∈ {ag_{t+1}, …, ag_T}, uniform: transition j ~ U{t, …, T−1}, g' = ag_{j+1}. This is
 *              baselines' `t + 1 + floor(U·(T − t))` and SB3's `randint(t, T)` over next achieved
 *              goals; j = t is allowed, which makes that sample an immediate success.
 * - `episode`: g' ∈ {ag_1, …, ag_T}, uniform over the episode's transitions.
 * - `random`:  g' = the next achieved goal of a transition drawn uniformly from the whole buffer
 *              (complete episodes only), as in the paper and SB2; SB3 and baselines lack it.
 * - `none`:    no relabeling.
 *
 * Ratio. With k sampled goals per real one the relabeled share is k/(k+1) = 1 − 1/(k+1) (0.8 for
 * k = 4). The batch is split deterministically, as SB3 does: the first ⌊B·k/(k+1)⌋ rows are relabeled,
 * the rest keep their goal. baselines draws a Bernoulli per row instead; both have the same
 * expectation, but the deterministic split gives every batch the same mix (no extra gradient
 * variance from the mix itself), makes the logged "share relabeled" exact, and lets k be read back
 * from a batch. Rows are drawn i.i.d., so taking the first rows does not bias which transitions get
 * relabeled.
 */
import type { Rng } from '../rng.ts';

/** Goal-selection strategies, switchable between batches. */
export const RELABEL_STRATEGIES = ['none', 'final', 'future', 'episode', 'random'] as const;
export type RelabelStrategy = (typeof RELABEL_STRATEGIES)[number];

/**
 * Where a sampled transition's goal came from; the index is the code stored in
 * {@link RelabeledSlots.source} (0 = the episode's own desired goal).
 */
export const GOAL_SOURCES = ['original', 'final', 'future', 'episode', 'random'] as const;
export type GoalSource = (typeof GOAL_SOURCES)[number];

/** Number of sampled transitions per goal source. */
export type RelabelCounts = Record<GoalSource, number>;

/** A strategy and its k (relabeled goals per original one). */
export interface RelabelSetting {
  strategy: RelabelStrategy;
  /** k ≥ 0, an integer; ignored for `none`. */
  k: number;
}

/** The source code of a strategy's relabeled rows (`none` relabels nothing and has no code of its own). */
export function sourceCode(strategy: Exclude<RelabelStrategy, 'none'>): number {
  return GOAL_SOURCES.indexOf(strategy);
}

/** A zero count for every source. */
export function emptyCounts(): RelabelCounts {
  return { original: 0, final: 0, future: 0, episode: 0, random: 0 };
}

/**
 * Checks a setting.
 * @returns the setting, normalized (k = 0 for `none`)
 * @throws Error naming the allowed strategies, or when k is not a non-negative integer.
 */
export function checkRelabelSetting(strategy: string, k: number): RelabelSetting {
  if (!(RELABEL_STRATEGIES as readonly string[]).includes(strategy)) {
    throw new Error(`unknown relabel strategy '${strategy}'; allowed: ${RELABEL_STRATEGIES.join(', ')}`);
  }
  if (strategy === 'none') return { strategy: 'none', k: 0 };
  if (!Number.isInteger(k) || k < 0) throw new Error(`relabel k must be an integer ≥ 0, got ${k}`);
  return { strategy: strategy as RelabelStrategy, k };
}

/** The relabeled share of a batch, 1 − 1/(k+1) (HER §4.5), 0 for `none`. */
export function relabelRatio(setting: RelabelSetting): number {
  return setting.strategy === 'none' ? 0 : setting.k / (setting.k + 1);
}

/** How many of B rows are relabeled: ⌊B·k/(k+1)⌋ in integer arithmetic (SB3's `int(her_ratio·B)`). */
export function relabelCount(batchSize: number, setting: RelabelSetting): number {
  if (setting.strategy === 'none') return 0;
  return Math.floor((batchSize * setting.k) / (setting.k + 1));
}

/**
 * The episode bookkeeping of a ring buffer that the strategies read: for every slot, the slot of
 * its episode's first transition and the episode's length T (0 for an invalid slot), and the ring
 * range of stored complete episodes (`size` slots from `oldest`, wrapping at `capacity`).
 */
export interface EpisodeIndex {
  readonly capacity: number;
  readonly oldest: number;
  readonly size: number;
  readonly epStart: Int32Array;
  readonly epLength: Int32Array;
}

/**
 * The slot whose next achieved goal becomes the new goal of the transition in `slot`, under one
 * strategy (see the file comment for the index sets).
 * @throws Error when `slot` is not a valid stored transition.
 */
export function drawGoalSlot(
  strategy: Exclude<RelabelStrategy, 'none'>,
  slot: number,
  index: EpisodeIndex,
  rng: Rng,
): number {
  const C = index.capacity;
  const T = index.epLength[slot];
  if (T <= 0) throw new Error(`relabel: slot ${slot} holds no stored transition`);
  const start = index.epStart[slot];
  switch (strategy) {
    case 'final':
      return (start + T - 1) % C;
    case 'future': {
      const t = (slot - start + C) % C;
      return (start + t + rng.int(T - t)) % C;
    }
    case 'episode':
      return (start + rng.int(T)) % C;
    case 'random':
      return (index.oldest + rng.int(index.size)) % C;
  }
}

/** The outcome of {@link relabelSlots}. */
export interface RelabeledSlots {
  /** [B] the slot whose next achieved goal is row b's new goal; −1 where the goal is original. */
  goalSlot: Int32Array;
  /** [B] codes into {@link GOAL_SOURCES}. */
  source: Uint8Array;
  counts: RelabelCounts;
}

/**
 * Chooses new goals for a batch of sampled slots: the first {@link relabelCount} rows get a goal
 * drawn by the setting's strategy, the rest keep their own.
 *
 * @param slots [B] sampled valid slots
 * @throws Error when a slot is invalid.
 */
export function relabelSlots(
  slots: Int32Array,
  setting: RelabelSetting,
  index: EpisodeIndex,
  rng: Rng,
): RelabeledSlots {
  const B = slots.length;
  const n = relabelCount(B, setting);
  const goalSlot = new Int32Array(B).fill(-1);
  const source = new Uint8Array(B);
  const counts = emptyCounts();
  counts.original = B - n;
  if (n > 0) {
    const strategy = setting.strategy as Exclude<RelabelStrategy, 'none'>;
    const code = sourceCode(strategy);
    for (let b = 0; b < n; b++) {
      goalSlot[b] = drawGoalSlot(strategy, slots[b], index, rng);
      source[b] = code;
    }
    counts[strategy] = n;
  }
  return { goalSlot, source, counts };
}
