import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Rng } from '../../engine/rng.ts';
import { EpisodeStore, type EpisodeRecord } from '../../engine/replay/episode_store.ts';
import { RelabelStats } from '../../engine/replay/relabel_stats.ts';
import { FETCH_SHAPE, syntheticEpisode } from '../../engine/replay/synthetic_episodes.ts';
import { createRun, tempStore } from '../../engine/runs/test_helpers.ts';
import { trainRun } from '../../engine/runs/trainer.ts';
import { builtinTask, compileTask, serializeTaskSpec } from '../../engine/tasks/index.ts';
import type { RunDir, RunStore } from '../../engine/runs/store.ts';
import { ApiError } from '../contract/contract.ts';
import { LabService } from './service.ts';
import { ReplayBrowser } from './replay.ts';

const N = 12;
const lengthOf = (id: number) => 4 + (id % 4);
/** Counts per source (original, final, future, episode, random) of episode id; none for id % 3 = 2. */
const countsOf = (id: number) => (id % 3 === 2 ? [0, 0, 0, 0, 0] : [id + 1, 0, 2 * id, id % 2, 1]);

let store: RunStore;
let run: RunDir;
let episodes: EpisodeRecord[];
let browser: ReplayBrowser;

/** A run of the built-in 'reach' task with N synthetic episodes in two parts and sampling counts. */
async function syntheticRun(): Promise<void> {
  store = tempStore();
  run = createRun(store, { algo: 'goal-sac', env: 'arm', task: 'reach', totalEnvSteps: 100 });
  writeFileSync(join(run.path, 'task.json'), serializeTaskSpec(builtinTask('reach')));
  const shape = { ...FETCH_SHAPE, task: 'reach', infoKeys: [...compileTask(builtinTask('reach')).infoKeys] };
  const s = await EpisodeStore.open(run.path, shape, { nextEpisodeId: 0 });
  const rng = new Rng(5);
  episodes = [];
  for (let id = 0; id < N; id++) {
    const ep = syntheticEpisode(id, rng, shape, lengthOf(id));
    if (id === 3) ep.success = true; // one success whatever the synthetic goal said
    episodes.push(ep);
    s.add(ep);
    if (id === 6) await s.flush();
  }
  await s.flush();
  const stats = new RelabelStats();
  for (let id = 0; id < N; id++)
    countsOf(id).forEach((c, source) => {
      for (let k = 0; k < c; k++) stats.add([id], [source]);
    });
  await s.writeRelabelStats(stats);
  s.close();
  browser = new ReplayBrowser(store.root);
}

/** What listEpisodes must say about episode `ep`, computed here by hand. */
function expectedRow(ep: EpisodeRecord) {
  const c = countsOf(ep.episodeId);
  const total = c.reduce((a, b) => a + b, 0);
  return {
    episode_id: ep.episodeId,
    task: 'reach',
    desired_goal: Array.from(ep.desiredGoal),
    final_achieved_goal: finalAchieved(ep),
    return: ep.return,
    success: ep.success,
    length: ep.length,
    iteration: ep.iteration,
    env_step: ep.envStep,
    env_index: ep.envIndex,
    n_sampled: total,
    share_relabeled: total === 0 ? null : (total - c[0]) / total,
    n_original: c[0],
    n_final: c[1],
    n_future: c[2],
    n_episode: c[3],
    n_random: c[4],
  };
}

const ids = (rows: Array<{ episode_id: number }>) => rows.map((r) => r.episode_id);

/** The achieved goal after an episode's last step, as float32 round-trips through Parquet. */
function finalAchieved(ep: EpisodeRecord): number[] {
  const G = ep.desiredGoal.length;
  return Array.from(ep.nextAchievedGoal.slice((ep.length - 1) * G, ep.length * G));
}

async function duck(sql: string) {
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  try {
    return (await con.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    con.closeSync();
    inst.closeSync();
  }
}

describe('replay browser queries', () => {
  beforeAll(syntheticRun);
  afterAll(() => browser.close());

  it('pages, sorts and filters against hand-computed answers', async () => {
    const first = await browser.listEpisodes({ runId: run.id, pageSize: 5 });
    expect(first.total).toBe(N);
    expect(first.totalUnfiltered).toBe(N);
    expect(first.rows.map(({ final_distance: _d, ...r }) => r)).toEqual(
      episodes.slice(0, 5).map(expectedRow),
    );
    const ep0 = episodes[0];
    const T = ep0.length;
    const fin = Array.from(ep0.nextAchievedGoal.slice((T - 1) * 3));
    const dist = Math.hypot(...fin.map((v, i) => v - ep0.desiredGoal[i]));
    expect(first.rows[0].final_distance).toBeCloseTo(dist, 6);
    expect(first.columns.map((c) => c.name)).toContain('share_relabeled');

    const byReturn = [...episodes].sort((a, b) => b.return - a.return || a.episodeId - b.episodeId);
    const page1 = await browser.listEpisodes({
      runId: run.id,
      page: 1,
      pageSize: 4,
      sort: { column: 'return', dir: 'desc' },
    });
    expect(ids(page1.rows)).toEqual(byReturn.slice(4, 8).map((e) => e.episodeId));

    const filtered = await browser.listEpisodes({
      runId: run.id,
      filter: 'length >= 6 AND desired_goal[1] > 1.2 OR success',
      sort: { column: 'n_future', dir: 'desc' },
    });
    const want = episodes
      .filter((e) => (e.length >= 6 && e.desiredGoal[0] > 1.2) || e.success)
      .sort((a, b) => countsOf(b.episodeId)[2] - countsOf(a.episodeId)[2] || a.episodeId - b.episodeId);
    expect(filtered.total).toBe(want.length);
    expect(ids(filtered.rows)).toEqual(want.map((e) => e.episodeId));

    // Never-sampled episodes have no share; nulls sort last either way.
    const shares = await browser.listEpisodes({
      runId: run.id,
      sort: { column: 'share_relabeled', dir: 'asc' },
    });
    expect(shares.rows.slice(-4).every((r) => r.share_relabeled === null)).toBe(true);
    const unsampled = await browser.listEpisodes({ runId: run.id, filter: 'share_relabeled IS NULL' });
    expect(ids(unsampled.rows)).toEqual([2, 5, 8, 11]);
    const beyond = await browser.listEpisodes({ runId: run.id, page: 7, pageSize: 200 });
    expect(beyond).toMatchObject({ rows: [], total: N });
  });

  it('refuses malicious or broken filters with messages that say why', async () => {
    const refused = async (filter: string) => {
      const err = await browser.listEpisodes({ runId: run.id, filter }).catch((e) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err.code).toBe('invalid');
      return err.message as string;
    };
    expect(await refused('1=1; DROP TABLE episodes')).toMatch(/";" at position 4/);
    expect(await refused("read_csv('/etc/passwd') IS NOT NULL")).toMatch(
      /function "read_csv" is not allowed.*allowed: abs/,
    );
    expect(await refused("episode_id IN (SELECT * FROM read_parquet('/etc/x'))")).toMatch(
      /subqueries are not allowed/,
    );
    expect(await refused('episode_id IN (SELECT 1)')).toMatch(/subqueries are not allowed/);
    expect(await refused('rewardz > 1')).toMatch(
      /unknown column "rewardz"; allowed columns: episode_id, task,/,
    );
    expect(await refused('e.episode_id > 1')).toMatch(/unknown column "e.episode_id"/);
    expect(await refused('1=1) UNION SELECT * FROM episodes WHERE (1=1')).toMatch(/unbalanced "\)"/);
    expect(await refused('success -- comment')).toMatch(/comments are not allowed/);
    expect(await refused("getenv('HOME') = ''")).toMatch(/function "getenv" is not allowed/);
    expect(await refused('list_filter(desired_goal, x -> x > 1) = []')).toMatch(
      /function "list_filter"|lambda/,
    );
    expect(await refused('success ORDER BY 1')).toMatch(/not a valid SQL expression/);
    expect(await refused('sum(return) > 1')).toMatch(/function "sum" is not allowed/);
    expect(await refused('return >')).toMatch(/not a valid SQL expression/);
    expect(await refused("task > 3 AND task = 'x' AND return = 'abc'")).toMatch(/^filter: .*Error/);
    // Allowed functions and operators work.
    const ok = await browser.listEpisodes({
      runId: run.id,
      filter:
        "abs(return) BETWEEN 0 AND 1000 AND task LIKE 're%' AND len(desired_goal) = 3 AND NOT (episode_id IN (1, 2))",
    });
    expect(ok.total).toBe(N - 2);
  });

  it('recomputes an episode’s reward under a relabeled goal with the task’s evaluate', async () => {
    const ep = episodes[4];
    const T = ep.length;
    const evaluate = compileTask(builtinTask('reach')).evaluate;
    const got = await browser.getEpisode({
      runId: run.id,
      episodeId: 4,
      relabelGoal: { strategy: 'future', step: 2 },
    });
    expect(got.qpos.length).toBe(T + 1);
    expect(got.qpos[3]).toEqual(Array.from(ep.qpos.slice(3 * 16, 4 * 16)));
    expect(got.achievedGoal.length).toBe(T + 1);
    expect(got.reward).toEqual(Array.from(ep.reward));
    expect(got.action[1]).toEqual(Array.from(ep.action.slice(4, 8)));
    const goal = Array.from(ep.nextAchievedGoal.slice(3, 6)); // ag_2
    expect(got.relabel?.goal).toEqual(goal);
    const desired = new Float32Array(T * 3);
    for (let t = 0; t < T; t++) desired.set(goal, 3 * t);
    const want = evaluate(ep.nextAchievedGoal, desired);
    expect(got.relabel?.reward).toEqual(Array.from(want.reward));
    expect(got.relabel?.success).toEqual(Array.from(want.success, Boolean));
    expect(got.relabel?.success[1]).toBe(true); // transition 1 reaches ag_2 by construction

    const fin = await browser.getEpisode({ runId: run.id, episodeId: 4, relabelGoal: { strategy: 'final' } });
    expect(fin.relabel).toMatchObject({
      source: 'final',
      step: T,
      goal: Array.from(ep.nextAchievedGoal.slice(-3)),
    });
    const vec = await browser.getEpisode({ runId: run.id, episodeId: 4, relabelGoal: [1.3, 0.75, 0.42] });
    expect(vec.relabel?.source).toBe('goal');
    const plain = await browser.getEpisode({ runId: run.id, episodeId: 4 });
    expect(plain.relabel).toBeNull();
    expect(plain.episode).toMatchObject(expectedRow(ep));
    await expect(browser.getEpisode({ runId: run.id, episodeId: 99 })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(
      browser.getEpisode({ runId: run.id, episodeId: 4, relabelGoal: { strategy: 'future', step: T + 1 } }),
    ).rejects.toMatchObject({ code: 'invalid' });
    await expect(browser.getEpisode({ runId: run.id, episodeId: 4, relabelGoal: [1, 2] })).rejects.toThrow(
      /has 2 values; the run's goals have 3/,
    );
  });

  it('histograms count every filtered episode', async () => {
    const all = await browser.episodeStats({ runId: run.id, bins: 5, goalBins: 4 });
    expect(all.total).toBe(N);
    expect(all.returns.counts.reduce((a, b) => a + b, 0)).toBe(N);
    expect(all.returns.edges.length).toBe(6);
    expect(all.goals!.counts.flat().reduce((a, b) => a + b, 0)).toBe(N);
    expect(all.successRate).toBeCloseTo(episodes.filter((e) => e.success).length / N, 12);
    const some = await browser.episodeStats({ runId: run.id, filter: 'length = 4' });
    expect(some.total).toBe(3);
    expect(some.returns.counts.reduce((a, b) => a + b, 0)).toBe(3);
    // A fixed table extent leaves out goals outside it.
    const table = await browser.episodeStats({ runId: run.id, goalRange: { x: [1.05, 1.3], y: [0, 2] } });
    const inside = episodes.filter((e) => e.desiredGoal[0] <= 1.3).length;
    expect(table.goals!.counts.flat().reduce((a, b) => a + b, 0)).toBe(inside);
  });

  it('filters on achieved goals and maps them as the desired goals are (issue #13 B6)', async () => {
    const x = (e: EpisodeRecord) => finalAchieved(e)[0];
    const cut = [...episodes.map(x)].sort((a, b) => a - b)[Math.floor(N / 2)];
    const right = await browser.listEpisodes({
      runId: run.id,
      filter: `final_achieved_goal[1] >= ${cut}`,
      pageSize: 200,
    });
    expect(ids(right.rows)).toEqual(episodes.filter((e) => x(e) >= cut).map((e) => e.episodeId));
    const achieved = await browser.episodeStats({ runId: run.id, goalBins: 1, goalKind: 'achieved' });
    const desired = await browser.episodeStats({ runId: run.id, goalBins: 1 });
    expect(achieved.goals!.counts).toEqual([[N]]);
    // the map spans the achieved goals' extent, not the desired goals'
    const xs = episodes.map(x);
    expect(achieved.goals!.xEdges[0]).toBeCloseTo(Math.min(...xs), 5);
    expect(achieved.goals!.xEdges[1]).toBeCloseTo(Math.max(...xs), 5);
    expect(desired.goals!.xEdges[0]).toBeCloseTo(Math.min(...episodes.map((e) => e.desiredGoal[0])), 5);
  });

  it('refuses a goal range whose width is not finite, and bins any finite range (values are bound, not SQL text)', async () => {
    // ±1e308: hi − lo overflows to Infinity, which used to land in the SQL text (a 500).
    const huge = { x: [-1e308, 1e308] as [number, number], y: [0, 2] as [number, number] };
    await expect(browser.episodeStats({ runId: run.id, goalRange: huge })).rejects.toMatchObject({
      code: 'invalid',
      issues: [{ path: 'goalRange.x', message: expect.stringMatching(/finite width/) }],
    });
    const service = new LabService({ workspace: store.root, preview: false });
    try {
      const answer = await service.call('episodeStats', { runId: run.id, goalRange: huge });
      expect(answer).toMatchObject({ ok: false, error: { code: 'invalid' } });
    } finally {
      await service.close();
    }
    // Extreme but finite ranges: a width of 4e307 (where (hi − lo)·i overflows), and one around a
    // single goal a few ulps wide.
    const [x0, y0] = episodes[0].desiredGoal;
    for (const goalRange of [
      { x: [-2e307, 2e307], y: [-2e307, 2e307] },
      { x: [x0, x0 + 1e-12], y: [y0, y0 + 1e-12] },
    ] as Array<{ x: [number, number]; y: [number, number] }>) {
      const stats = await browser.episodeStats({ runId: run.id, goalRange, goalBins: 7 });
      const inside = episodes.filter(
        (e) =>
          e.desiredGoal[0] >= goalRange.x[0] &&
          e.desiredGoal[0] <= goalRange.x[1] &&
          e.desiredGoal[1] >= goalRange.y[0] &&
          e.desiredGoal[1] <= goalRange.y[1],
      );
      expect(inside.length, JSON.stringify(goalRange)).toBeGreaterThan(0);
      expect(stats.goals!.counts.flat().reduce((a, b) => a + b, 0)).toBe(inside.length);
      expect(stats.goals!.xEdges).toHaveLength(8);
      expect(stats.goals!.xEdges.every(Number.isFinite)).toBe(true);
    }
  });

  it('exports the selection as Parquet and CSV that DuckDB reads back with the same rows', async () => {
    const pq = await browser.exportEpisodes({ runId: run.id, filter: 'length > 4', format: 'parquet' });
    expect(pq.path).toMatch(/exports[\\/]episodes-\d{8}-\d{6}\.parquet$/);
    const rows = await duck(`SELECT episode_id, qpos, reward FROM read_parquet('${pq.path}') ORDER BY 1`);
    const want = episodes.filter((e) => e.length > 4);
    expect(pq.rows).toBe(want.length);
    expect(rows.map((r) => Number(r.episode_id))).toEqual(want.map((e) => e.episodeId));
    expect(rows[0].reward).toEqual(Array.from(want[0].reward));
    const csv = await browser.exportEpisodes({
      runId: run.id,
      episodeIds: [1, 3, 5],
      filter: 'episode_id > 1',
      format: 'csv',
    });
    expect(csv.rows).toBe(2);
    const back = await duck(`SELECT episode_id, "return" FROM read_csv('${csv.path}') ORDER BY 1`);
    expect(back.map((r) => Number(r.episode_id))).toEqual([3, 5]);
    expect(back[0].return).toBe(episodes[3].return);
    expect(readdirSync(join(run.path, 'exports')).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('a run without episodes gives an empty page, not an error; an unknown run is not_found', async () => {
    const bare = createRun(store, { algo: 'goal-sac', env: 'arm', task: 'reach', totalEnvSteps: 100 });
    expect(await browser.listEpisodes({ runId: bare.id })).toMatchObject({ rows: [], total: 0 });
    expect(await browser.episodeStats({ runId: bare.id })).toMatchObject({ total: 0, goals: null });
    await expect(browser.exportEpisodes({ runId: bare.id })).rejects.toMatchObject({ code: 'conflict' });
    await expect(browser.listEpisodes({ runId: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(browser.listEpisodes({ runId: '../x' })).rejects.toMatchObject({ code: 'invalid' });
    await expect(browser.listEpisodes({ runId: bare.id, pageSize: 500 })).rejects.toMatchObject({
      code: 'invalid',
    });
  });
});

describe('replay browser on a real goal-sac run', () => {
  it('lists the episodes a run wrote, across a stop and a resume, through the service', async () => {
    const ws = tempStore();
    const TINY = [
      'numEnvs=2',
      'updatesPerIteration=4',
      'checkpointEvery=2',
      'sac.hidden=[16,16]',
      'sac.batchSize=32',
      'sac.learningStarts=0',
    ];
    const r = createRun(ws, {
      algo: 'goal-sac',
      env: 'point-mass',
      task: 'point-mass-reach',
      totalEnvSteps: 800,
      set: TINY,
    });
    // Stop after 3 iterations (a checkpoint at 3: 12 episodes), then a part written past that
    // checkpoint by a run that died: the resume must drop it and collect episodes 12… again.
    let n = 0;
    await trainRun(r, { quiet: true, shouldStop: () => n >= 3, onIteration: () => void n++ });
    writeFileSync(join(r.path, 'episodes', 'part-0000000012.parquet'), 'not even parquet');
    await trainRun(r, { quiet: true });

    const service = new LabService({ workspace: ws.root, preview: false });
    try {
      const res = await service.call('listEpisodes', { runId: r.id, pageSize: 200 });
      expect(res.ok).toBe(true);
      const page = (res as { result: Awaited<ReturnType<LabService['listEpisodes']>> }).result;
      expect(page.total).toBe(16); // 4 iterations × 2 envs × 2 episodes
      expect(ids(page.rows)).toEqual([...Array(16).keys()]);
      expect(page.rows.every((e) => e.task === 'point-mass-reach' && e.length === 50)).toBe(true);
      expect(page.rows.reduce((s, e) => s + e.n_sampled, 0)).toBe(4 * 4 * 32); // updates × batch
      const ep = await service.getEpisode({ runId: r.id, episodeId: 13, relabelGoal: { strategy: 'final' } });
      expect(ep.qpos.length).toBe(51);
      expect(ep.relabel!.success[49]).toBe(true);
      expect(ep.reward.reduce((a, b) => a + b, 0)).toBeCloseTo(ep.episode.return, 4);
    } finally {
      await service.close();
    }
  });
});

describe('replay browser: the physics domain randomization drew per episode (issue #13 B1)', () => {
  it("stores each episode's draws as columns the table, filter and sort use; older parts read as null", async () => {
    const ws = tempStore();
    const r = createRun(ws, {
      algo: 'goal-sac',
      env: 'point-mass',
      task: 'point-mass-reach',
      totalEnvSteps: 400,
      set: [
        'numEnvs=2',
        'updatesPerIteration=2',
        'sac.hidden=[16,16]',
        'sac.batchSize=16',
        'sac.learningStarts=0',
      ],
    });
    const spec = {
      ...builtinTask('point-mass-reach'),
      randomization: { mass: [0.5, 2], damping: [1, 3], bodies: [] },
    };
    writeFileSync(join(r.path, 'task.json'), serializeTaskSpec(spec as never));
    await trainRun(r, { quiet: true });
    const service = new LabService({ workspace: ws.root, preview: false });
    try {
      const page = await service.listEpisodes({ runId: r.id, pageSize: 200 });
      expect(page.total).toBe(8);
      expect(page.columns.slice(-2)).toEqual([
        {
          name: 'mass_scale',
          kind: 'number',
          description: expect.stringMatching(/mass and inertia .* drawn at the reset/),
        },
        { name: 'damping_scale', kind: 'number', description: expect.stringMatching(/joint damping/) },
      ]);
      const mass = page.rows.map((row) => row.mass_scale as number);
      expect(mass.every((m) => m >= 0.5 && m < 2)).toBe(true);
      expect(new Set(mass).size).toBe(8); // one draw per episode
      const heavy = await service.listEpisodes({
        runId: r.id,
        filter: 'mass_scale > 1.25 AND damping_scale >= 1',
      });
      expect(ids(heavy.rows)).toEqual(
        page.rows.filter((row) => (row.mass_scale as number) > 1.25).map((row) => row.episode_id),
      );
      const sorted = await service.listEpisodes({ runId: r.id, sort: { column: 'mass_scale', dir: 'desc' } });
      expect(sorted.rows.map((row) => row.mass_scale)).toEqual([...mass].sort((a, b) => b - a));
      const ep = await service.getEpisode({ runId: r.id, episodeId: 3 });
      expect(ep.episode.mass_scale).toBe(mass[3]);
      await expect(
        service.listEpisodes({ runId: r.id, sort: { column: 'friction_scale', dir: 'asc' } }),
      ).rejects.toMatchObject({
        code: 'invalid',
        message: expect.stringMatching(/sort.column: no column 'friction_scale'/),
      });
      await expect(service.listEpisodes({ runId: r.id, filter: 'friction_scale > 1' })).rejects.toMatchObject(
        {
          code: 'invalid',
        },
      );

      // A part written before physics was stored has no such column: its episodes read as null.
      const part = join(
        r.path,
        'episodes',
        readdirSync(join(r.path, 'episodes')).find((f) => f.startsWith('part-'))!,
      );
      const db = await DuckDBInstance.create(':memory:');
      const con = await db.connect();
      await con.run(
        `COPY (SELECT * EXCLUDE (physics) FROM read_parquet('${part}')) TO '${part}.old' (FORMAT parquet)`,
      );
      con.closeSync();
      db.closeSync();
      const { renameSync } = await import('node:fs');
      renameSync(`${part}.old`, part);
      const mixed = await service.listEpisodes({ runId: r.id, pageSize: 200 });
      expect(mixed.total).toBe(8);
      expect(mixed.rows.some((row) => row.mass_scale === null)).toBe(true);
    } finally {
      await service.close();
    }
  });
});

describe('episode listing benchmark (engine/replay/bench_episodes.ts)', () => {
  it('builds a synthetic run and times a filtered page (no speed assertion here)', async () => {
    const { benchEpisodeListing } = await import('../../engine/replay/bench_episodes.ts');
    const r = await benchEpisodeListing((ws) => new ReplayBrowser(ws), {
      episodes: 300,
      steps: 10,
      partEpisodes: 100,
      iters: 3,
    });
    expect(r).toMatchObject({ episodes: 300, transitions: 3000, parts: 3 });
    expect(r.matching).toBeGreaterThan(0);
    expect(r.coldMs).toBeGreaterThan(0);
    expect(r.warmP95Ms).toBeGreaterThanOrEqual(r.warmMedianMs);
  });
});
