import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../native/backend.ts';
import { resolveRunConfig, type RunRequest } from '../presets.ts';
import { evaluateRun } from '../runs/evaluate.ts';
import type { RunStore } from '../runs/store.ts';
import { checkTeachers, PINNED_TEACHERS_FILE, pinnedTeachers } from '../runs/teacher_pin.ts';
import {
  checkpointContents,
  createRun,
  stoppedAndResumed,
  tempStore,
  untrainedSkillRun,
  withoutWall,
} from '../runs/test_helpers.ts';
import { trainRun } from '../runs/trainer.ts';
import { DistillAlgorithm, diagonalGaussianKl } from './distill.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

/** An untrained sac teacher on the point mass with its checkpoint (milliseconds). */
async function teacher(store: RunStore, goal: string): Promise<string> {
  return (
    await untrainedSkillRun(store, {
      algo: 'sac',
      preset: 'point-mass',
      set: [`goal=${goal}`, 'sac.hidden=[16,16]'],
    })
  ).id;
}

function request(teachers: string[], extra: string[] = []): RunRequest {
  return {
    algo: 'distill',
    env: 'point-mass',
    seed: 2,
    totalEnvSteps: 600,
    teachers,
    set: [
      'numEnvs=2',
      'episodeSteps=20',
      'distill.episodesPerTask=2',
      'distill.updates=3',
      'distill.batchSize=16',
      'distill.hidden=[16,16]',
      'distill.evalEpisodesPerTask=1',
      ...extra,
    ],
  };
}

describe('distillation: the KL against hand-computed values', () => {
  it('KL(P ‖ Q) of diagonal Gaussians, summed over dimensions', () => {
    const kl = tf.tidy(() =>
      diagonalGaussianKl(
        tf.tensor2d([[0, 1]]),
        tf.tensor2d([[0, Math.log(0.5)]]),
        tf.tensor2d([[1, 1]]),
        tf.tensor2d([[Math.log(2), Math.log(0.5)]]),
      ),
    );
    // dim 0: log 2 + (1 + 1)/(2·4) − ½ ; dim 1: identical Gaussians → 0
    expect(kl.dataSync()[0]).toBeCloseTo(Math.log(2) + 2 / 8 - 0.5, 5);
    kl.dispose();
  });
});

describe('distillation runs: teachers, pinning, checkpoints', () => {
  it('trains, pins its teachers, evaluates student beside teachers, and resumes bit-exactly', async () => {
    const store = tempStore();
    const teachers = [await teacher(store, '[0.3,0.3]'), await teacher(store, '[-0.3,0.3]')];
    const run = await stoppedAndResumed(store, request(teachers), 2);
    const straight = createRun(store, request(teachers));
    await trainRun(straight, { quiet: true });
    expect(await checkpointContents(run)).toEqual(await checkpointContents(straight));
    expect(withoutWall(run.readMetrics())).toEqual(withoutWall(straight.readMetrics()));

    // The copy is what the run reads from now on: the teachers may go.
    for (const t of teachers) rmSync(join(store.root, 'runs', t), { recursive: true });
    const report = (await evaluateRun(run)) as unknown as Record<string, unknown>;
    expect(report.teacher_success).toHaveLength(2);
    expect(report.task_success).toHaveLength(2);
    expect(report.teachers).toEqual(teachers);
    const pinned = await pinnedTeachers(run.readConfig(), run.path);
    expect(pinned.records.map((r) => [r.run, r.goal])).toEqual([
      [teachers[0], [0.3, 0.3]],
      [teachers[1], [-0.3, 0.3]],
    ]);
    for (const t of pinned.teachers) t.policy.dispose();

    writeFileSync(join(run.path, PINNED_TEACHERS_FILE), 'not a tensor file');
    await expect(pinnedTeachers(run.readConfig(), run.path)).rejects.toThrow(
      /pinned copy of this run's teachers cannot be read/,
    );
  }, 60_000);

  it('keeps the tensor count flat over iterations, evaluations and checkpoints', async () => {
    const store = tempStore();
    const teachers = [await teacher(store, '[0.3,0.3]'), await teacher(store, '[-0.3,0.3]')];
    const config = resolveRunConfig(request(teachers)).config;
    const algo = await DistillAlgorithm.create(
      config,
      (await pinnedTeachers(config, null, { workspace: store.root })).teachers,
    );
    await algo.iterate();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await algo.iterate();
    algo.evaluateGoals();
    await algo.saveState();
    algo.actDeterministic(new Float32Array(8), Float32Array.of(0, 1));
    expect(tf.memory().numTensors).toBe(before);
    algo.dispose();
  });

  it('refuses teachers it cannot use, naming them', async () => {
    const store = tempStore();
    const good = await teacher(store, '[0.3,0.3]');
    const check = (refs: string[]) =>
      checkTeachers(resolveRunConfig(request(refs)).config, store.root, { idsOnly: true });
    expect(() => check([good, 'no-such-run'])).toThrow(
      /distill.teachers: "no-such-run" is not the id of a run/,
    );
    const dads = (await untrainedSkillRun(store, { algo: 'dads', preset: 'point-mass' })).id;
    expect(() => check([good, dads])).toThrow(
      new RegExp(`run ${dads} is a dads run; a teacher is a run of sac`),
    );
    const cheetah = (
      await untrainedSkillRun(store, { algo: 'sac', env: 'half-cheetah', set: ['sac.hidden=[16]'] })
    ).id;
    expect(() => check([cheetah])).toThrow(
      new RegExp(`run ${cheetah} trained on half-cheetah; the student's env is point-mass`),
    );
    const fresh = createRun(store, { algo: 'sac', preset: 'point-mass' }).id;
    expect(() => check([fresh])).toThrow(new RegExp(`run ${fresh} has no checkpoint yet`));
    expect(() => check([])).toThrow(
      /distill.teachers: name the teacher runs, one per task: sac runs, their ids comma-separated/,
    );
    expect(() => resolveRunConfig(request([good, good]))).toThrow(new RegExp(`run ${good} is named twice`));
    expect(() => resolveRunConfig({ algo: 'sac', env: 'point-mass', teachers: [good] })).toThrow(
      /--teachers: sac learns from no teachers; it applies to distill/,
    );
  }, 30_000);
});
