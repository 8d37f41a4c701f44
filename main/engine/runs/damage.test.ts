/**
 * History that survives damage (issue #10 §3), through the real run loop: a metrics.jsonl cut
 * mid-line, an unusable latest checkpoint (resume, evaluation, goal-sac episode files), both
 * checkpoints unusable, and the temp files a kill leaves behind.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { trainRun } from './trainer.ts';
import { evaluateRun } from './evaluate.ts';
import { readTensorFile } from '../nn/checkpoint.ts';
import { tempStore, createRun, storedEpisodes, withoutWall } from './test_helpers.ts';
import type { RunDir, RunStore } from './store.ts';
import { EPISODES_DIR } from '../replay/episode_store.ts';

/** DIAYN on the point mass, 20 env steps and a checkpoint per iteration: ~40 ms an iteration. */
const tinyDiayn = (steps: number) => ({
  algo: 'diayn' as const,
  preset: 'point-mass',
  seed: 3,
  totalEnvSteps: steps,
  set: [
    'checkpointEvery=1',
    'numEnvs=1',
    'stepsPerIteration=20',
    'updatesPerIteration=2',
    'sac.learningStarts=0',
    'diayn.discriminatorSteps=2',
    'eval.rolloutsPerSkill=1',
  ],
});

/** Trains until `iterations` iterations are done, then stops (checkpoint at that iteration). */
async function trainTo(run: RunDir, iterations: number): Promise<void> {
  let done = run.readRecord().iterations;
  const record = await trainRun(run, {
    quiet: true,
    shouldStop: () => done >= iterations,
    onProgress: (p) => {
      done = p.iteration;
    },
  });
  expect(record.status).toBe('stopped');
}

/** Flips one byte in the data section of a checkpoint, so that its checksum no longer holds. */
function corrupt(file: string): void {
  const buf = readFileSync(file);
  buf[buf.length - 5] ^= 0xff;
  writeFileSync(file, buf);
}

/** Metric rows without the wall-clock column, which differs run to run. */
const iterations = (run: RunDir) => run.readMetrics().map((r) => r.iteration);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const damagedFiles = (run: RunDir) => readdirSync(run.path).filter((f) => f.includes('.damaged-'));

/** An uninterrupted run of the same request: what a damaged run must end up equal to. */
async function reference(store: RunStore, req: Parameters<typeof createRun>[1]): Promise<RunDir> {
  const run = createRun(store, req);
  expect((await trainRun(run, { quiet: true })).status).toBe('completed');
  return run;
}

describe('history that survives damage', () => {
  it('a resume after metrics.jsonl was cut mid-line keeps the readable rows and says which are missing', async () => {
    const store = tempStore();
    const run = createRun(store, tinyDiayn(1000)); // 50 iterations
    await trainTo(run, 40);
    const full = readFileSync(run.metricsPath, 'utf8');
    const cut = full.slice(0, full.indexOf('{"iteration":25,') + 30);
    writeFileSync(run.metricsPath, cut);

    const warnings: string[] = [];
    const record = await trainRun(run, { quiet: true, onWarning: (m) => warnings.push(m) });
    expect(record.status).toBe('completed');
    // Rows 25–40 are gone from the file; everything readable is kept, and the gap is named.
    expect(iterations(run)).toEqual([...oneTo(24), ...oneTo(10).map((i) => 40 + i)]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(run.metricsPath);
    expect(warnings[0]).toMatch(/line 25 could not be read; iterations 25–40 .* are missing/);
    expect(damagedFiles(run)).toHaveLength(1);
    expect(readFileSync(join(run.path, damagedFiles(run)[0]), 'utf8')).toBe(cut);
    expect(record.warnings).toEqual(warnings);
  });

  it('falls back to the previous checkpoint when the latest is damaged: evaluation and resume work', async () => {
    const store = tempStore();
    const run = createRun(store, tinyDiayn(200)); // 10 iterations
    await trainTo(run, 6);
    const before = run.readMetrics();
    const previous = readFileSync(run.previousCheckpointPath);
    expect((await readTensorFile(run.previousCheckpointPath)).meta.algoMeta).toBeTruthy();
    corrupt(run.checkpointPath);

    // Evaluation reads the previous checkpoint (iteration 5 = 100 env steps) and says so.
    const evalWarnings: string[] = [];
    const report = await evaluateRun(run, { onWarning: (m) => evalWarnings.push(m) });
    expect(report.env_steps).toBe(100);
    expect(evalWarnings).toHaveLength(1);
    expect(evalWarnings[0]).toContain(run.checkpointPath);
    expect(evalWarnings[0]).toMatch(/checksum mismatch/);
    expect(evalWarnings[0]).toContain(
      `previous checkpoint ${run.previousCheckpointPath} (iteration 5, 100 env steps)`,
    );
    expect(damagedFiles(run)).toEqual([]); // evaluation changes no checkpoint file

    // The resume continues from iteration 5: row 6 is computed again, the damaged file kept aside,
    // and checkpoint.bin holds the previous checkpoint before training goes on.
    const warnings: string[] = [];
    let first: number | null = null;
    const record = await trainRun(run, {
      quiet: true,
      onWarning: (m) => warnings.push(m),
      onProgress: (p) => {
        first ??= p.iteration;
        if (p.iteration === 6) expect(readFileSync(run.previousCheckpointPath)).toEqual(previous);
      },
    });
    expect(first).toBe(6);
    expect(record.status).toBe('completed');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /checkpoint\.bin.*checksum mismatch.*iteration 5.*kept as .*checkpoint\.bin\.damaged-/,
    );
    expect(record.warnings).toEqual(warnings);
    expect(damagedFiles(run)).toEqual([expect.stringMatching(/^checkpoint\.bin\.damaged-\d{8}T\d{6}Z$/)]);
    expect(iterations(run)).toEqual(oneTo(10));
    expect(run.readMetrics().slice(0, 5)).toEqual(before.slice(0, 5));
    expect(run.readMetrics().map((r) => r.env_steps)).toEqual(oneTo(10).map((i) => 20 * i));
  });

  it('falls back when checkpoint.bin is missing, and names both files when neither can be read', async () => {
    const store = tempStore();
    const run = createRun(store, tinyDiayn(200));
    await trainTo(run, 4);
    rmSync(run.checkpointPath);
    const warnings: string[] = [];
    await trainTo(run, 6);
    expect(run.readRecord().warnings.join('\n')).toMatch(/checkpoint\.bin: does not exist.*iteration 3/);
    expect(iterations(run)).toEqual(oneTo(6));

    corrupt(run.checkpointPath);
    writeFileSync(run.previousCheckpointPath, 'not a checkpoint');
    const rows = readFileSync(run.metricsPath, 'utf8');
    const both = new RegExp(
      `checkpoint\\.bin: corrupt data.*checkpoint\\.prev\\.bin: not a skill-lab tensor file`,
    );
    await expect(trainRun(run, { quiet: true, onWarning: (m) => warnings.push(m) })).rejects.toThrow(both);
    expect(run.readRecord()).toMatchObject({ status: 'error', error: expect.stringMatching(both) });
    await expect(evaluateRun(run)).rejects.toThrow(both);
    // A run that cannot continue keeps its history as it was.
    expect(readFileSync(run.metricsPath, 'utf8')).toBe(rows);
    expect(warnings).toEqual([]);
  });

  it('goal-sac: after a fallback the episode files match the previous checkpoint and end as if undamaged', async () => {
    const store = tempStore();
    const req = {
      algo: 'goal-sac' as const,
      env: 'bit-flip',
      totalEnvSteps: 144, // 6 iterations of 2 envs × 2 episodes × 6 steps
      set: [
        'numEnvs=2',
        'updatesPerIteration=4',
        'checkpointEvery=1',
        'sac.hidden=[16,16]',
        'sac.batchSize=32',
        'sac.learningStarts=0',
        'her.bits=6',
        'her.evalEpisodes=4',
      ],
    };
    const run = createRun(store, req);
    await trainTo(run, 4);
    corrupt(run.checkpointPath);
    let idsAtResume: number[] | null = null;
    const record = await trainRun(run, {
      quiet: true,
      onWarning: () => {},
      onIteration: async () => {
        if (idsAtResume === null) idsAtResume = await episodeIds(run);
      },
    });
    expect(record.status).toBe('completed');
    // Iteration 4's episodes (ids 12–15) were dropped with the checkpoint they belonged to, and
    // iteration 4 collected them again (the first iteration of the resume) …
    expect(idsAtResume).toEqual(Array.from({ length: 16 }, (_, i) => i));
    // … and collected again: every episode once, each as the undamaged run collected it.
    const undamaged = await reference(store, req);
    expect(await storedEpisodes(run)).toEqual(await storedEpisodes(undamaged));
    expect(await episodeIds(run)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(withoutWall(run.readMetrics())).toEqual(withoutWall(undamaged.readMetrics()));
  });

  it('removes the temp files killed writes left in the run directory when training starts', async () => {
    const store = tempStore();
    const run = createRun(store, tinyDiayn(40));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    mkdirSync(run.evalDir, { recursive: true });
    mkdirSync(join(run.path, EPISODES_DIR), { recursive: true });
    const stale = [
      join(run.path, `.checkpoint.bin.${dead}.0a1b2c3d.tmp`),
      join(run.path, `.checkpoint.prev.bin.${dead}.0a1b2c3e.tmp`),
      join(run.path, `.metrics.jsonl.${dead}.0a1b2c3f.tmp`),
      join(run.evalDir, `.summary.json.${dead}.0a1b2c40.tmp`),
    ];
    for (const f of stale) writeFileSync(f, Buffer.alloc(1 << 16));
    // A write of a live process (the lab service updating run.json meanwhile) is left alone.
    const live = join(run.path, `.run.json.${process.ppid}.0a1b2c41.tmp`);
    writeFileSync(live, '{}');
    expect((await trainRun(run, { quiet: true })).status).toBe('completed');
    expect(stale.filter((f) => existsSync(f))).toEqual([]);
    expect(existsSync(live)).toBe(true);
  });
});

/** Episode ids in the run's part files, ascending. */
async function episodeIds(run: RunDir): Promise<number[]> {
  return (await storedEpisodes(run)).map((e) => e.episode_id as number);
}
