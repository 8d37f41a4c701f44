/**
 * Multi-task SAC on the arm (issue #11 §2, the transfer comparison's fine-tuned baseline): trained on a
 * transfer task's pre-training family, then fine-tuned on the transfer task itself, whose goal the
 * observation shows after the family's (the new rows start at zero, so the fine-tuned networks start
 * out as the source's). Sized for CI: the machinery; what it reaches is the README's benchmark.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { resolveRunConfig, type RunRequest } from '../presets.ts';
import { evaluateRun } from '../runs/evaluate.ts';
import { checkInitFrom, fineTuneSource } from '../runs/fine_tune_source.ts';
import { createRun, tempStore } from '../runs/test_helpers.ts';
import { trainRun } from '../runs/trainer.ts';
import { armSkillFamilySizes } from '../sim/arm_skill_family.ts';
import { armTransferSizes } from '../sim/arm_transfer_family.ts';
import { MultitaskSacAlgorithm } from './multitask_sac_run.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

const TINY = [
  'numEnvs=2',
  'episodeSteps=20',
  'updatesPerIteration=2',
  'sac.learningStarts=40',
  'sac.batchSize=16',
  'sac.hidden=[16,16]',
  'multitask.evalEpisodesPerTask=1',
];

describe('multi-task SAC on the arm', () => {
  it('trains on l-wall-push’s family, then fine-tunes on l-wall-push itself with the goal as new inputs', async () => {
    const store = tempStore();
    const base: RunRequest = {
      algo: 'multitask-sac',
      preset: 'arm-skills',
      seed: 2,
      totalEnvSteps: 160,
      set: TINY,
    };
    const source = createRun(store, base);
    expect((await trainRun(source, { quiet: true })).status).toBe('completed');
    const report = (await evaluateRun(source, { quiet: true })) as unknown as { task_success: number[] };
    expect(report.task_success).toHaveLength(5);

    const tune: RunRequest = {
      ...base,
      totalEnvSteps: 80,
      set: [...TINY, 'multitask.armTasks=transfer', `multitask.initFrom=${source.id}`],
    };
    const { config } = resolveRunConfig(tune);
    expect(() => checkInitFrom(config, store.root, { idsOnly: true })).not.toThrow();
    // A family run of another transfer task is refused, naming both.
    const other = resolveRunConfig({ ...tune, task: 'spring-wall' }).config;
    expect(() => checkInitFrom(other, store.root, { idsOnly: true })).toThrow(
      new RegExp(`run ${source.id} trained for the arm task l-wall-push; this run's task is spring-wall`),
    );

    const run = createRun(store, tune);
    const init = await fineTuneSource(config, run.path);
    expect(init!.numTasks).toBe(5);
    const algo = await MultitaskSacAlgorithm.create(config, init);
    try {
      const after = await algo.inner.saveState();
      const srcObs = armSkillFamilySizes('l-wall-push').obsDim;
      const obsDim = armTransferSizes('l-wall-push').obsDim;
      expect([algo.inner.obsDim, obsDim - srcObs]).toEqual([obsDim, 3]);
      const kernel = 'sac/actor/weights/policy/l0/kernel';
      const [rows, width] = after.arrays[kernel].shape;
      expect(rows).toBe(obsDim + 1);
      const src = init!.arrays[kernel].data;
      const dst = after.arrays[kernel].data;
      // The family's observation rows copied, the goal's rows zero, the one task the mean of five.
      expect(Array.from(dst.subarray(0, srcObs * width))).toEqual(
        Array.from(src.subarray(0, srcObs * width)),
      );
      expect(dst.subarray(srcObs * width, obsDim * width).every((v) => v === 0)).toBe(true);
      for (let j = 0; j < width; j += 5) {
        const mean = [0, 1, 2, 3, 4].reduce((s, t) => s + src[(srcObs + t) * width + j], 0) / 5;
        expect(dst[obsDim * width + j]).toBeCloseTo(mean, 6);
      }
      const norm = (after.meta as { obsNorm: { sum: number[]; sumSq: number[]; n: number } }).obsNorm;
      expect(norm.sum).toHaveLength(obsDim);
      expect(norm.sum.slice(0, srcObs)).toEqual(init!.obsNorm.sum);
      expect(norm.sum.slice(srcObs)).toEqual([0, 0, 0]);
      expect(norm.sumSq.slice(srcObs)).toEqual([norm.n, norm.n, norm.n]);
    } finally {
      algo.dispose();
    }
    // And as a run: trains on the transfer task, one task, the task's own success.
    expect((await trainRun(run, { quiet: true })).status).toBe('completed');
    const tuned = (await evaluateRun(run, { quiet: true })) as unknown as { task_success: number[] };
    expect(tuned.task_success).toHaveLength(1);
  }, 180_000);
});
