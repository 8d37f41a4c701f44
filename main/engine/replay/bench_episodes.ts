/**
 * Speed of the replay browser's episode listing, for `skill-lab bench` (issue #4 speed goal: a
 * filtered page of episodes from a 1M-transition buffer in ≤ 200 ms). Builds a synthetic run
 * directory of Fetch-sized episodes (20,000 × 50 steps = 1M transitions; qpos 16, goal 3, action 4)
 * through the real episode store, in parts of 1,000 episodes with sampling counts for every
 * episode, then times a filtered, sorted page cold (a fresh query engine) and warm.
 *
 * The queries live in the app/server layer (main/api/service/replay.ts), which the engine must not import:
 * the caller passes a factory of the lister (the CLI: `(ws) => new ReplayBrowser(ws)`).
 * Speed goals are checked here, never in timed tests.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../rng.ts';
import { EpisodeStore, listParts, EPISODES_DIR } from './episode_store.ts';
import { RelabelStats } from './relabel_stats.ts';
import { FETCH_SHAPE, syntheticEpisode } from './synthetic_episodes.ts';

/** What the benchmark needs of the replay browser (main/api/service/replay.ts's ReplayBrowser fits). */
export interface EpisodeLister {
  listEpisodes(params: {
    runId: string;
    page?: number;
    pageSize?: number;
    sort?: { column: string; dir: 'asc' | 'desc' };
    filter?: string;
  }): Promise<{ total: number; rows: unknown[] }>;
  close(): Promise<void>;
}

/** Options of {@link benchEpisodeListing}. */
export interface EpisodeBenchOptions {
  /** Episodes stored (default 20,000). */
  episodes?: number;
  /** Steps per episode (default 50). */
  steps?: number;
  /** Episodes per Parquet part (default 1,000). */
  partEpisodes?: number;
  /** Timed warm queries (default 20). */
  iters?: number;
  /** The filter bar's text. */
  filter?: string;
  /** The sort. */
  sort?: { column: string; dir: 'asc' | 'desc' };
  /** Keep the synthetic workspace (default: removed). */
  keep?: boolean;
}

/** What {@link benchEpisodeListing} measured. */
export interface EpisodeBenchResult {
  episodes: number;
  transitions: number;
  parts: number;
  /** Bytes of the part files. */
  bytes: number;
  /** Seconds to write every part through the episode store. */
  writeSeconds: number;
  /** ms of the first page from a fresh lister (new DuckDB instance, no metadata cache). */
  coldMs: number;
  /** Median and 95th percentile ms of later pages (pages 0, 1, … in turn). */
  warmMedianMs: number;
  warmP95Ms: number;
  /** Episodes matching the filter. */
  matching: number;
  filter: string;
  sort: string;
}

/**
 * Builds the synthetic run and times listEpisodes with a filter and a sort.
 * @param open makes a lister over a workspace root
 * @throws Error when iters < 1, or from the store or the lister.
 */
export async function benchEpisodeListing(
  open: (workspace: string) => EpisodeLister,
  opts: EpisodeBenchOptions = {},
): Promise<EpisodeBenchResult> {
  const episodes = opts.episodes ?? 20_000;
  const steps = opts.steps ?? 50;
  const partEpisodes = opts.partEpisodes ?? 1_000;
  const iters = opts.iters ?? 20;
  const filter = opts.filter ?? 'NOT success AND desired_goal[1] > 1.3 AND share_relabeled > 0.5';
  const sort = opts.sort ?? { column: 'return', dir: 'desc' as const };
  if (!(iters >= 1)) throw new Error(`bench episodes: iters must be ≥ 1, got ${iters}`);

  const workspace = mkdtempSync(join(tmpdir(), 'skill-lab-bench-episodes-'));
  const runId = 'bench-episodes';
  const runDir = join(workspace, 'runs', runId);
  mkdirSync(runDir, { recursive: true });
  try {
    const t0 = performance.now();
    const store = await EpisodeStore.open(runDir, FETCH_SHAPE, {
      nextEpisodeId: 0,
      flushTransitions: partEpisodes * steps,
    });
    const stats = new RelabelStats();
    const rng = new Rng(0);
    try {
      for (let id = 0; id < episodes; id++) {
        store.add(syntheticEpisode(id, rng, FETCH_SHAPE, steps));
        // Sampling counts as a future-HER run with k = 4 would leave them (≈ 0.8 relabeled).
        const draws = rng.int(60);
        for (let k = 0; k < draws; k++) stats.add([id], [rng.uniform() < 0.2 ? 0 : 2]);
        if (store.shouldFlush) await store.flush();
      }
      await store.flush();
      await store.writeRelabelStats(stats);
    } finally {
      store.close();
    }
    const writeSeconds = (performance.now() - t0) / 1000;
    const parts = listParts(join(runDir, EPISODES_DIR));
    const bytes = parts.reduce((s, p) => s + statSync(p.path).size, 0);

    const lister = open(workspace);
    try {
      const page = async (n: number) => {
        const s = performance.now();
        const r = await lister.listEpisodes({ runId, page: n, pageSize: 50, sort, filter });
        return { ms: performance.now() - s, total: r.total };
      };
      const cold = await page(0);
      const warm: number[] = [];
      for (let i = 0; i < iters; i++) warm.push((await page(i % 5)).ms);
      warm.sort((a, b) => a - b);
      return {
        episodes,
        transitions: episodes * steps,
        parts: parts.length,
        bytes,
        writeSeconds: round(writeSeconds),
        coldMs: round(cold.ms),
        warmMedianMs: round(warm[Math.floor(warm.length / 2)]),
        warmP95Ms: round(warm[Math.min(warm.length - 1, Math.floor(warm.length * 0.95))]),
        matching: cold.total,
        filter,
        sort: `${sort.column} ${sort.dir}`,
      };
    } finally {
      await lister.close();
    }
  } finally {
    if (!opts.keep) rmSync(workspace, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
