import { rmSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { resolveRunConfig, type RunRequest } from '../presets.ts';
import { checkInitFrom, fineTuneSource } from '../runs/fine_tune_source.ts';
import { createRun, tempStore, untrainedSkillRun } from '../runs/test_helpers.ts';
import { trainRun } from '../runs/trainer.ts';
import { createMultiGoalPointEnv } from '../sim/multi_goal_env.ts';
import { MultitaskSac } from './multitask_sac.ts';
import { fineTuneFrom } from './multitask_sac_run.ts';
import { SMALL_OPTIONS } from './test_helpers.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

function small(goals: number[][]): Promise<MultitaskSac> {
  return MultitaskSac.create((i) => createMultiGoalPointEnv({ seed: 20 + i, goals }), {
    ...SMALL_OPTIONS,
    learningStarts: 0,
    replayCapacity: 1000,
  });
}

const WEIGHTS = /^sac\/(actor\/weights|critic\/weights|targets)\//;

describe('fine-tuning multi-task SAC from another run', () => {
  it("copies the networks, gives a new task the mean of the source's task rows, keeps fresh optimizers", async () => {
    const source = await small([
      [0.2, 0.2],
      [-0.2, 0.2],
      [0, -0.2],
    ]);
    await source.iterate();
    await source.iterate();
    const from = await source.saveState();
    const arrays = Object.fromEntries(Object.entries(from.arrays).filter(([k]) => WEIGHTS.test(k)));
    const obsNorm = (from.meta as { obsNorm: { sum: number[]; sumSq: number[]; n: number } }).obsNorm;
    const target = await small([[0, 0.25]]);
    try {
      await fineTuneFrom(target, { run: 'src', arrays, obsNorm, numTasks: 3 });
      const after = await target.saveState();
      const kernel = 'sac/actor/weights/policy/l0/kernel';
      const [rows, width] = after.arrays[kernel].shape;
      const obsDim = target.obsDim;
      expect(rows).toBe(obsDim + 1);
      const src = from.arrays[kernel].data;
      const dst = after.arrays[kernel].data;
      // Observation rows copied; the one task's row is the mean of the source's three.
      expect(Array.from(dst.subarray(0, obsDim * width))).toEqual(
        Array.from(src.subarray(0, obsDim * width)),
      );
      for (let j = 0; j < width; j++) {
        const mean = [0, 1, 2].reduce((s, t) => s + src[(obsDim + t) * width + j], 0) / 3;
        expect(dst[obsDim * width + j]).toBeCloseTo(mean, 6);
      }
      // A critic's first layer keeps its action rows after the task block.
      const q = 'sac/critic/weights/q1/l0/kernel';
      const qs = from.arrays[q];
      const qd = after.arrays[q];
      const actRows = qs.shape[0] - obsDim - 3;
      expect(qd.shape[0]).toBe(obsDim + 1 + actRows);
      expect(Array.from(qd.data.subarray((obsDim + 1) * width))).toEqual(
        Array.from(qs.data.subarray((obsDim + 3) * width)),
      );
      // Deeper layers and the targets as they were; the normalizer's statistics carried over.
      for (const k of ['sac/actor/weights/policy/l1/kernel', 'sac/targets/q2_target/l2/bias'])
        expect(Array.from(after.arrays[k].data)).toEqual(Array.from(from.arrays[k].data));
      expect((after.meta as { obsNorm: unknown }).obsNorm).toEqual(obsNorm);
      // The optimizers start fresh.
      expect(Array.from(after.arrays['sac/actor/opt/iterations'].data)).toEqual([0, 0]);

      const wide = await small([[0, 0.25]]);
      const bigger = {
        ...arrays,
        'sac/actor/weights/policy/l1/kernel': { shape: [3, 3], data: new Float32Array(9) },
      };
      await expect(fineTuneFrom(wide, { run: 'src', arrays: bigger, obsNorm, numTasks: 3 })).rejects.toThrow(
        /fine-tuning from src: sac\/actor\/weights\/policy\/l1\/kernel is \[3, 3\] there/,
      );
      wide.dispose();
    } finally {
      source.dispose();
      target.dispose();
    }
  });

  it('refuses a source it cannot start from, naming it; a resumed run no longer reads it', async () => {
    const store = tempStore();
    const base: RunRequest = {
      algo: 'multitask-sac',
      preset: 'multi-goal',
      seed: 1,
      totalEnvSteps: 200,
      set: [
        'numEnvs=2',
        'updatesPerIteration=2',
        'sac.learningStarts=0',
        'sac.batchSize=16',
        'sac.hidden=[16,16]',
      ],
    };
    const source = createRun(store, base);
    await trainRun(source, { quiet: true });
    const tune = (ref: string, extra: string[] = []): RunRequest => ({
      ...base,
      set: [...base.set!, 'multitask.goals=[[0,0.25]]', `multitask.initFrom=${ref}`, ...extra],
    });
    const check = (req: RunRequest) =>
      checkInitFrom(resolveRunConfig(req).config, store.root, { idsOnly: true });
    expect(() => check(tune('nope'))).toThrow(/multitask.initFrom: "nope" is not the id of a run/);
    const dads = (await untrainedSkillRun(store, { algo: 'dads', preset: 'point-mass' })).id;
    expect(() => check(tune(dads))).toThrow(
      new RegExp(`run ${dads} is a dads run; fine-tuning starts from a multitask-sac run`),
    );
    expect(() => check(tune(source.id, ['sac.hidden=[32,32]']))).toThrow(
      new RegExp(
        `run ${source.id} has networks of \\[16, 16\\], this run \\[32, 32\\]: set sac.hidden=\\[16,16\\]`,
      ),
    );
    const fresh = createRun(store, base).id;
    expect(() => check(tune(fresh))).toThrow(new RegExp(`run ${fresh} has no checkpoint yet`));
    expect(() => resolveRunConfig(tune(source.id, ['multitask.taskEncoding=embedding']))).toThrow(
      /multitask.initFrom: fine-tuning starts from one-hot task inputs/,
    );
    expect(() => check(tune(source.id))).not.toThrow();

    // A fine-tuned run: stopped after its first iteration, the source deleted, then resumed.
    const run = createRun(store, { ...tune(source.id), totalEnvSteps: 400 });
    let done = 0;
    await trainRun(run, {
      quiet: true,
      onProgress: (p) => (done = p.iteration),
      shouldStop: () => done === 1,
    });
    expect(await fineTuneSource(run.readConfig(), run.path)).toBeNull();
    rmSync(source.path, { recursive: true });
    const resumed = await trainRun(run, { quiet: true });
    expect(resumed.status).toBe('completed');
  }, 60_000);
});
