import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { trainRun } from './trainer.ts';
import { tempStore, createRun, withoutWall } from './test_helpers.ts';
import { readTensorFile } from '../nn/checkpoint.ts';
import type { RunDir } from './store.ts';

/** Goal SAC on bit flipping: resumes bit-exactly (see also resume_exact.test.ts), three short iterations. */
const bitFlip = (checkpointEvery: number) => ({
  algo: 'goal-sac' as const,
  preset: 'bit-flip',
  seed: 7,
  totalEnvSteps: 600,
  set: [`checkpointEvery=${checkpointEvery}`, 'updatesPerIteration=10', 'sac.learningStarts=0'],
});

async function checkpointArrays(run: RunDir) {
  const { arrays } = await readTensorFile(run.checkpointPath);
  return Object.fromEntries(Object.entries(arrays).map(([k, v]) => [k, Array.from(v.data)]));
}

/**
 * A shouldAbort that answers null until `armed()` is true, then gives `reason` on its `nth` call
 * (call 1 is the check between iterations, later calls are the safe points inside the next one).
 */
function abortOnCall(nth: number, armed: () => boolean) {
  let calls = 0;
  return () => (armed() && ++calls === nth ? 'test: the parent process is gone' : null);
}

describe('aborting training (the process it belongs to died)', () => {
  it('drops an iteration aborted midway, keeps the last checkpoint, and resumes bit-exactly', async () => {
    const store = tempStore();
    const reference = createRun(store, bitFlip(1));
    await trainRun(reference, { quiet: true });

    const run = createRun(store, bitFlip(1));
    let done = 0;
    let checkpointAfter2: Buffer | null = null;
    const record = await trainRun(run, {
      quiet: true,
      onProgress: (p) => {
        done = p.iteration;
        if (p.iteration === 2) checkpointAfter2 = readFileSync(run.checkpointPath);
      },
      // Call 5 after iteration 2: inside iteration 3's collection.
      shouldAbort: abortOnCall(5, () => done === 2),
    });
    expect(record.status).toBe('stopped');
    expect(record.error).toBe(
      'stopped during iteration 3, whose partial work was dropped: test: the parent process is gone; ' +
        'resume continues from iteration 2 (its last checkpoint)',
    );
    expect(readFileSync(run.checkpointPath).equals(checkpointAfter2!)).toBe(true);
    expect(run.readMetrics().map((r) => r.iteration)).toEqual([1, 2]);

    expect((await trainRun(run, { quiet: true })).status).toBe('completed');
    expect(withoutWall(run.readMetrics())).toEqual(withoutWall(reference.readMetrics()));
    expect(await checkpointArrays(run)).toEqual(await checkpointArrays(reference));
  });

  it('checkpoints first when the abort comes between iterations', async () => {
    const store = tempStore();
    const reference = createRun(store, bitFlip(5));
    await trainRun(reference, { quiet: true });

    const run = createRun(store, bitFlip(5)); // no checkpoint of its own before iteration 5
    let done = 0;
    const record = await trainRun(run, {
      quiet: true,
      onProgress: (p) => void (done = p.iteration),
      shouldAbort: abortOnCall(1, () => done === 1),
    });
    expect(record).toMatchObject({
      status: 'stopped',
      error:
        'stopped after iteration 1 (checkpointed): test: the parent process is gone; resume continues from there',
    });
    expect(run.readMetrics().map((r) => r.iteration)).toEqual([1]);

    expect((await trainRun(run, { quiet: true })).status).toBe('completed');
    expect(withoutWall(run.readMetrics())).toEqual(withoutWall(reference.readMetrics()));
    expect(await checkpointArrays(run)).toEqual(await checkpointArrays(reference));
  });
});
