import { describe, it, expect } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Rng } from '../rng.ts';
import { GoalReplayBuffer } from './goal_buffer.ts';
import { EpisodeRecorder } from './episode_recorder.ts';
import {
  EPISODES_DIR,
  EpisodeStore,
  listParts,
  partName,
  RELABEL_STATS_FILE,
  type EpisodeRecord,
} from './episode_store.ts';
import { GOAL_SOURCES, emptyCounts } from './relabel.ts';
import { FETCH_SHAPE, syntheticEpisode } from './synthetic_episodes.ts';
import { fetchSparseReward } from './bench.ts';

const SHAPE = {
  ...FETCH_SHAPE,
  infoKeys: ['lift', 'gap'],
  physicsKeys: ['friction_scale', 'table_friction_scale'],
};
const runDir = () => mkdtempSync(join(tmpdir(), 'skill-lab-episodes-'));

/** Rows of a query over the run's episode files, numbers as JS numbers. */
async function query(sql: string): Promise<Record<string, unknown>[]> {
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  try {
    const rows = (await con.runAndReadAll(sql)).getRowObjectsJS();
    return rows.map((r) => JSON.parse(JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))));
  } finally {
    con.closeSync();
    inst.closeSync();
  }
}

const parts = (dir: string) => `read_parquet('${join(dir, EPISODES_DIR, 'part-*.parquet')}')`;
const ids = async (dir: string) =>
  (await query(`SELECT episode_id FROM ${parts(dir)} ORDER BY 1`)).map((r) => r.episode_id);

async function storeWith(dir: string, first: number, n: number, next = first): Promise<EpisodeStore> {
  const store = await EpisodeStore.open(dir, SHAPE, { nextEpisodeId: next });
  const rng = new Rng(first);
  for (let id = first; id < first + n; id++) store.add(syntheticEpisode(id, rng, SHAPE, 5 + (id % 3)));
  return store;
}

/** Rows of a flat array as nested lists. */
const rows = (a: ArrayLike<number>, w: number) =>
  Array.from({ length: w === 0 ? 0 : a.length / w }, (_, r) => Array.from(a).slice(r * w, (r + 1) * w));

describe('episode store', () => {
  it('round-trips episodes exactly: ids, scalars, goals and per-step arrays', async () => {
    const dir = runDir();
    const store = await storeWith(dir, 0, 7);
    const expected: EpisodeRecord[] = [];
    const rng = new Rng(0);
    for (let id = 0; id < 7; id++) expected.push(syntheticEpisode(id, rng, SHAPE, 5 + (id % 3)));
    expect(await store.flush()).toBe(join(dir, EPISODES_DIR, partName(0)));
    store.close();
    const got = await query(`SELECT * FROM ${parts(dir)} ORDER BY episode_id`);
    expect(got.length).toBe(7);
    got.forEach((row, i) => {
      const ep = expected[i];
      const T = ep.length;
      expect(row).toEqual({
        episode_id: ep.episodeId,
        iteration: ep.iteration,
        env_step: ep.envStep,
        env_index: ep.envIndex,
        task: 'synthetic-push',
        desired_goal: Array.from(ep.desiredGoal),
        return: ep.return,
        success: ep.success,
        length: T,
        final_achieved_goal: Array.from(ep.nextAchievedGoal.slice((T - 1) * 3)),
        physics: Array.from(ep.physics!),
        qpos: rows(ep.qpos, 16),
        achieved_goal: rows(ep.achievedGoal, 3),
        next_achieved_goal: rows(ep.nextAchievedGoal, 3),
        action: rows(ep.action, 4),
        reward: Array.from(ep.reward),
        step_success: Array.from(ep.stepSuccess, Boolean),
        info: rows(ep.info, 2),
      });
    });
    const meta = JSON.parse(
      (await import('node:fs')).readFileSync(join(dir, EPISODES_DIR, 'meta.json'), 'utf8'),
    );
    expect(meta).toMatchObject({
      format: 'skill-lab-episodes',
      goalDim: 3,
      nq: 16,
      infoKeys: ['lift', 'gap'],
      physicsKeys: ['friction_scale', 'table_friction_scale'],
    });
  });

  it('refuses episodes out of order and writes nothing for an empty flush', async () => {
    const dir = runDir();
    const store = await EpisodeStore.open(dir, SHAPE, { nextEpisodeId: 3 });
    expect(() => store.add(syntheticEpisode(4, new Rng(1), SHAPE))).toThrow(/expected episode 3, got 4/);
    expect(await store.flush()).toBeNull();
    expect(listParts(join(dir, EPISODES_DIR))).toEqual([]);
    store.close();
  });

  it('a resume drops the parts past the checkpoint and cuts a part that straddles it', async () => {
    const dir = runDir();
    // Checkpoint after episode 6 (flush), then a size flush of 7..11 before the "crash".
    const s1 = await storeWith(dir, 0, 6);
    await s1.flush();
    const rng = new Rng(9);
    for (let id = 6; id < 12; id++) s1.add(syntheticEpisode(id, rng, SHAPE));
    await s1.flush();
    s1.close();
    expect(listParts(join(dir, EPISODES_DIR)).map((p) => p.firstId)).toEqual([0, 6]);

    const s2 = await EpisodeStore.open(dir, SHAPE, { nextEpisodeId: 6 });
    expect(await ids(dir)).toEqual([0, 1, 2, 3, 4, 5]);
    // Collected again after the resume: no duplicates, no gaps.
    for (let id = 6; id < 9; id++) s2.add(syntheticEpisode(id, rng, SHAPE));
    await s2.flush();
    s2.close();
    expect(await ids(dir)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);

    // A checkpoint inside a part (not written by this store, but possible by hand): the part is cut.
    (await EpisodeStore.open(dir, SHAPE, { nextEpisodeId: 4 })).close();
    expect(await ids(dir)).toEqual([0, 1, 2, 3]);
    (await EpisodeStore.open(dir, SHAPE, { nextEpisodeId: 0 })).close();
    expect(listParts(join(dir, EPISODES_DIR))).toEqual([]);
  });

  it('never shows a half-written part: temp files are ignored by readers and removed on open', async () => {
    const dir = runDir();
    const store = await storeWith(dir, 0, 3);
    await store.flush();
    store.close();
    // What a crash between COPY and rename leaves behind.
    const epDir = join(dir, EPISODES_DIR);
    writeFileSync(join(epDir, `.${partName(3)}.1234.abcd.tmp`), 'half a parquet file');
    expect(await ids(dir)).toEqual([0, 1, 2]);
    (await EpisodeStore.open(dir, SHAPE, { nextEpisodeId: 3 })).close();
    expect(readdirSync(epDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    // A failing rename (the target is a directory) leaves no part and no temp file, and keeps the
    // episodes buffered for the next flush.
    const s2 = await storeWith(dir, 3, 2);
    mkdirSync(join(epDir, partName(3)));
    await expect(s2.flush()).rejects.toThrow();
    expect(readdirSync(epDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(await ids(dir)).toEqual([0, 1, 2]);
    expect(s2.buffered).toBe(2);
    (await import('node:fs')).rmSync(join(epDir, partName(3)), { recursive: true });
    await s2.flush();
    s2.close();
    expect(await ids(dir)).toEqual([0, 1, 2, 3, 4]);
  });

  it('relabel stats add up to the buffer’s per-source counts, per episode and in the file', async () => {
    const G = 3;
    const buf = new GoalReplayBuffer({
      capacity: 400,
      maxEpisodeSteps: 20,
      obsDim: 2,
      goalDim: G,
      actDim: 4,
      reward: fetchSparseReward(G),
      relabel: { strategy: 'future', k: 4 },
    });
    const recorder = new EpisodeRecorder({ ...FETCH_SHAPE, nq: 0 }, 1, 20);
    const rng = new Rng(3);
    const episodeOf = new Map<number, number>(); // slot → episode, checked against batch.episode
    for (let e = 0; e < 30; e++) {
      const ep = syntheticEpisode(e, rng, FETCH_SHAPE, 10 + (e % 5));
      for (let t = 0; t < ep.length; t++) {
        buf.add(0, {
          observation: [e, t],
          action: ep.action.subarray(4 * t, 4 * t + 4),
          reward: ep.reward[t],
          nextObservation: [e, t + 1],
          achievedGoal: ep.achievedGoal.subarray(G * t, G * t + G),
          nextAchievedGoal: ep.nextAchievedGoal.subarray(G * t, G * t + G),
          desiredGoal: ep.desiredGoal,
          terminated: false,
          truncated: t === ep.length - 1,
        });
      }
      if (e === 15) buf.setRelabeling('final', 2);
      if (e === 25) buf.setRelabeling('random', 1);
    }
    const totals = emptyCounts();
    for (let i = 0; i < 50; i++) {
      const batch = buf.sample(64, rng);
      for (let b = 0; b < 64; b++) episodeOf.set(batch.slot[b], batch.episode[b]);
      recorder.sampled(batch);
      for (const s of GOAL_SOURCES) totals[s] += batch.counts[s];
    }
    // Every row's episode is the one its slot holds (the ring did wrap: 30 episodes of ~12 steps in 400).
    for (const [slot, e] of episodeOf) expect(buf.episodeId[slot]).toBe(e);
    expect(recorder.stats.totals()).toEqual(GOAL_SOURCES.map((s) => totals[s]));

    const dir = runDir();
    const store = await EpisodeStore.open(dir, FETCH_SHAPE, { nextEpisodeId: 0 });
    await store.writeRelabelStats(recorder.stats);
    store.close();
    const [sums] = await query(
      `SELECT sum(n_sampled) n, sum(n_original) o, sum(n_final) f, sum(n_future) fu, sum(n_episode) e, sum(n_random) r
       FROM read_parquet('${join(dir, EPISODES_DIR, RELABEL_STATS_FILE)}')`,
    );
    expect(sums).toEqual({
      n: 50 * 64,
      o: totals.original,
      f: totals.final,
      fu: totals.future,
      e: totals.episode,
      r: totals.random,
    });
    // Through a checkpoint and back.
    const copy = new EpisodeRecorder(FETCH_SHAPE, 1, 20);
    copy.stats.load(recorder.stats.save());
    expect(copy.stats.totals()).toEqual(recorder.stats.totals());
    expect(copy.stats.of(7)).toEqual(recorder.stats.of(7));
    expect(existsSync(join(dir, EPISODES_DIR, RELABEL_STATS_FILE))).toBe(true);
  });
});
