import { describe, it, expect } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { trainRun } from './trainer.ts';
import { tempStore, createRun, withoutWall } from './test_helpers.ts';
import { spawnRunProcess } from './spawn.ts';

const small = (algo: 'diayn' | 'dads', seed: number, steps: number) => ({
  algo,
  preset: 'point-mass',
  seed,
  totalEnvSteps: steps,
  set: ['checkpointEvery=1', 'sac.learningStarts=0'],
});

/** Metric rows without the wall-clock column, which differs run to run. */

describe('trainer', () => {
  it('gives the same metrics for the same seed', async () => {
    const store = tempStore();
    for (const algo of ['diayn', 'dads'] as const) {
      const a = createRun(store, small(algo, 5, 1000));
      const b = createRun(store, small(algo, 5, 1000));
      const c = createRun(store, small(algo, 6, 1000));
      await trainRun(a, { quiet: true });
      await trainRun(b, { quiet: true });
      await trainRun(c, { quiet: true });
      expect(a.readMetrics().length).toBeGreaterThanOrEqual(2);
      expect(withoutWall(a.readMetrics())).toEqual(withoutWall(b.readMetrics()));
      expect(withoutWall(a.readMetrics())).not.toEqual(withoutWall(c.readMetrics()));
    }
  });

  it('resumes a run process killed mid-training from its last checkpoint', async () => {
    const store = tempStore();
    const run = createRun(store, small('diayn', 2, 4000));
    const child = spawnRunProcess(run, false);
    // Kill it as soon as its second checkpoint landed.
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        const rec = run.readRecord();
        if (rec.iterations >= 2 && existsSync(run.checkpointPath)) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
        if (rec.status === 'error') reject(new Error(rec.error ?? 'run failed'));
      }, 50);
    });
    await new Promise((r) => child.once('exit', r));
    const killed = run.readRecord();
    expect(killed.status).toBe('running'); // it never got to say otherwise
    expect(killed.envSteps).toBeLessThan(4000);

    const record = await trainRun(run, { quiet: true });
    expect(record.status).toBe('completed');
    expect(record.envSteps).toBe(4000);
    const rows = run.readMetrics();
    expect(rows.map((r) => r.iteration)).toEqual(rows.map((_, i) => i + 1));
    expect(rows[rows.length - 1].env_steps).toBe(4000);
  });

  it('records an error state with the reason when a checkpoint is corrupt, without touching other runs', async () => {
    const store = tempStore();
    const bad = createRun(store, small('dads', 1, 1000));
    const good = createRun(store, small('dads', 1, 500));
    writeFileSync(bad.checkpointPath, 'garbage');
    await expect(trainRun(bad, { quiet: true })).rejects.toThrow(/checkpoint\.bin/);
    expect(bad.readRecord().status).toBe('error');
    expect(bad.readRecord().error).toMatch(/checkpoint\.bin/);
    expect((await trainRun(good, { quiet: true })).status).toBe('completed');
  });
});
