/**
 * The kill test (issue #10 §6): a small goal-sac run on the point mass, trained by real run
 * processes (worker.ts) that are SIGKILLed again and again at seeded moments, each time resumed by a
 * fresh process, until one is let finish. The moments are drawn from four kinds, so that kills land
 * where damage could happen:
 *   - start: any time from spawn to the first iterations (lock take-over, temp-file cleanup,
 *     checkpoint read, metrics rewrite, episode-part cuts, run.json updates);
 *   - iteration: a random time after the n-th iteration (mostly inside training steps);
 *   - checkpoint: the moment the checkpoint's temp file appears, i.e. in the middle of writing it;
 *   - episodes: the moment an episode part lands, before the checkpoint it belongs to is written.
 * After every kill every file must parse, the metric rows must be iterations 1..n once each with
 * env steps strictly increasing, and the checkpoints must lie within them. In the end: 0 runs lost,
 * iterations 1..N once each, no temp file left, and — resume being bit-exact for goal-sac — the same
 * metrics and episodes as a run that was never killed.
 *
 * The kill moments are seeded (KILL_SEED); how far a process gets before a timed kill depends on the
 * machine's speed, so the path differs between machines, but every invariant must hold on any path.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, mkdirSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { Rng } from '../rng.ts';
import { readTensorFile } from '../nn/checkpoint.ts';
import { EPISODES_DIR } from '../replay/episode_store.ts';
import { spawnRunProcess } from './spawn.ts';
import { trainRun } from './trainer.ts';
import { createRun, storedEpisodes, tempStore, withoutWall } from './test_helpers.ts';
import type { RunDir } from './store.ts';

const KILL_SEED = 20261207;
const KILLS = 22;
const EPISODE_STEPS = 50; // point-mass-reach
// Far more than 22 short lives use even on a fast, quiet machine (a life that finds the budget spent
// ends by itself, which the test counts as a failure); the last life trains the rest.
const ITERATIONS = 250;

/** One episode per iteration; networks wide enough that a checkpoint takes a few ms to write. */
const REQUEST = {
  algo: 'goal-sac' as const,
  env: 'point-mass',
  task: 'point-mass-reach',
  seed: 7,
  totalEnvSteps: ITERATIONS * EPISODE_STEPS,
  set: [
    'numEnvs=1',
    'her.episodesPerIteration=1',
    'updatesPerIteration=1',
    'checkpointEvery=1',
    'sac.hidden=[256,256]',
    'sac.batchSize=16',
    'sac.learningStarts=0',
  ],
};

type Kind = 'start' | 'iteration' | 'checkpoint' | 'episodes';
const KINDS: Kind[] = ['start', 'iteration', 'checkpoint', 'episodes'];

interface Plan {
  kind: Kind;
  /** start: ms after spawn; iteration: ms after the `after`-th progress message. */
  delayMs: number;
  /** Progress messages to wait for before the kill can happen (iteration, checkpoint, episodes). */
  after: number;
}

/** What one killed process left. */
interface Life {
  plan: Plan;
  /** True when the kill was sent (false: the process ended by itself — a failure). */
  killed: boolean;
  exit: { code: number | null; signal: NodeJS.Signals | null };
  tempFiles: string[];
}

const TEMP = /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/;
const PART = /^part-\d{10}\.parquet$/;

/** Temp files of atomic writes in the run directory and its folders. */
function tempFiles(run: RunDir): string[] {
  return [run.path, run.evalDir, join(run.path, EPISODES_DIR)]
    .filter((d) => existsSync(d))
    .flatMap((d) => readdirSync(d).filter((f) => TEMP.test(f)));
}

/** Starts a run process and SIGKILLs it as planned; resolves when it is gone. */
async function killedLife(run: RunDir, plan: Plan): Promise<Life> {
  const child = spawnRunProcess(run, false);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let killed = false;
  let progress = 0;
  const timers: NodeJS.Timeout[] = [];
  const watchers: FSWatcher[] = [];
  const kill = () => {
    if (killed) return;
    killed = true;
    child.kill('SIGKILL');
  };
  const watchFor = (dir: string, name: RegExp) => {
    mkdirSync(dir, { recursive: true });
    watchers.push(
      watch(dir, (_event, file) => {
        if (progress >= plan.after && file && name.test(file)) kill();
      }),
    );
  };
  if (plan.kind === 'start') timers.push(setTimeout(kill, plan.delayMs));
  if (plan.kind === 'checkpoint') watchFor(run.path, /^\.checkpoint\.bin\..+\.tmp$/);
  if (plan.kind === 'episodes') watchFor(join(run.path, EPISODES_DIR), PART);
  child.on('message', (m: { type?: string }) => {
    if (m?.type !== 'progress') return;
    progress++;
    if (plan.kind === 'iteration' && progress === plan.after) timers.push(setTimeout(kill, plan.delayMs));
  });
  const [code, signal] = await exited;
  timers.forEach(clearTimeout);
  watchers.forEach((w) => w.close());
  return { plan, killed, exit: { code, signal }, tempFiles: tempFiles(run) };
}

/** The invariants that must hold whenever no process trains the run. */
async function checkFiles(run: RunDir, context: string): Promise<void> {
  const record = run.readRecord(); // throws on a damaged run.json
  expect(record.status, context).not.toBe('error');
  const scan = run.scanMetrics();
  expect(scan.unreadableLines, `${context}: unreadable metrics lines`).toEqual([]);
  const its = scan.rows.map((r) => r.iteration);
  expect(its, `${context}: metric iterations`).toEqual(its.map((_, i) => i + 1));
  const steps = scan.rows.map((r) => r.env_steps);
  expect(
    steps.every((s, i) => i === 0 || s > steps[i - 1]),
    `${context}: env steps increasing`,
  ).toBe(true);
  let latest = Infinity;
  for (const file of [run.checkpointPath, run.previousCheckpointPath]) {
    if (!existsSync(file)) continue;
    const { meta } = await readTensorFile(file); // throws on a damaged checkpoint
    const iteration = meta.algoMeta.iteration as number;
    // A checkpoint's rows were appended before it was written; the previous one is older.
    expect(iteration, `${context}: ${file} within the metric rows`).toBeLessThanOrEqual(its.length);
    expect(scan.rows[iteration - 1]?.env_steps ?? 0, `${context}: ${file} env steps`).toBe(
      meta.algoMeta.envSteps,
    );
    expect(iteration, `${context}: previous checkpoint older than the latest`).toBeLessThan(latest + 1);
    latest = iteration;
  }
}

describe('kill test', () => {
  it(`survives ${KILLS} SIGKILLs at seeded moments: no run lost, no iteration duplicated or missing, no temp file left`, async () => {
    const store = tempStore();
    const run = createRun(store, REQUEST);
    const rng = new Rng(KILL_SEED);
    const lives: Life[] = [];
    for (let k = 0; k < KILLS; k++) {
      const kind = KINDS[k < KINDS.length ? k : rng.int(KINDS.length)];
      const plan: Plan = {
        kind,
        delayMs: kind === 'start' ? rng.uniformRange(0, 2500) : rng.uniformRange(0, 80),
        after: kind === 'iteration' ? 1 + rng.int(3) : rng.int(3),
      };
      const life = await killedLife(run, plan);
      lives.push(life);
      const context = `kill ${k + 1} (${JSON.stringify(plan)})`;
      expect(life.killed, `${context}: the process ended by itself (${JSON.stringify(life.exit)})`).toBe(
        true,
      );
      expect(life.exit.signal, context).toBe('SIGKILL');
      await checkFiles(run, context);
    }

    // The last process trains to the end.
    const trainedByKilledLives = run.scanMetrics().rows.length;
    const last = spawnRunProcess(run, false);
    const [code] = (await once(last, 'exit')) as [number | null];
    expect(code).toBe(0);
    await checkFiles(run, 'after the last process');
    const record = run.readRecord();
    expect(record).toMatchObject({ status: 'completed', envSteps: ITERATIONS * EPISODE_STEPS, pid: null });
    const rows = run.readMetrics();
    expect(rows.map((r) => r.iteration)).toEqual(Array.from({ length: ITERATIONS }, (_, i) => i + 1));
    expect(rows.map((r) => r.env_steps)).toEqual(rows.map((_, i) => (i + 1) * EPISODE_STEPS));

    // No temp file left, and nothing but the run's own files.
    expect(tempFiles(run)).toEqual([]);
    expect(readdirSync(run.path).sort()).toEqual(
      [
        'checkpoint.bin',
        'checkpoint.prev.bin',
        'episodes',
        'metrics.jsonl',
        'run.json',
        'task.json',
        'worker.log',
      ]
        .filter((f) => f !== 'worker.log' || existsSync(join(run.path, f)))
        .sort(),
    );
    const episodeFiles = readdirSync(join(run.path, EPISODES_DIR));
    expect(episodeFiles.filter((f) => !PART.test(f)).sort()).toEqual(['meta.json', 'relabel_stats.parquet']);

    // Kills really landed inside checkpoint writes: their temp files were there, and are gone now.
    const midWrite = lives.filter((l) => l.tempFiles.some((f) => f.startsWith('.checkpoint.bin.')));
    expect(midWrite.length).toBeGreaterThan(0);
    console.log(
      `kill test: ${lives.length} kills (${KINDS.map((k) => `${k} ${lives.filter((l) => l.plan.kind === k).length}`).join(', ')}); ` +
        `${midWrite.length} left a partial checkpoint, ${lives.filter((l) => l.tempFiles.length).length} left temp files; ` +
        `the killed lives trained ${trainedByKilledLives} of ${ITERATIONS} iterations`,
    );

    // Resume is bit-exact for goal-sac: the killed run ends exactly where an unkilled one does.
    const unkilled = createRun(store, REQUEST);
    expect((await trainRun(unkilled, { quiet: true })).status).toBe('completed');
    expect(withoutWall(rows)).toEqual(withoutWall(unkilled.readMetrics()));
    const eps = await storedEpisodes(run);
    expect(eps.map((e) => e.episode_id)).toEqual(eps.map((_, i) => i));
    expect(eps).toEqual(await storedEpisodes(unkilled));
  });
});
