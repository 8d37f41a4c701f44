/**
 * Learning test of multi-task policy distillation (issue #11 §4): a student distilled from two trained
 * point-mass teachers matches each teacher's success within 0.1.
 *
 * Teachers: plain SAC on the point mass (the point-mass preset's sac settings), goals (0.3, 0.3) and
 * (−0.3, 0.3) m, 6 000 env steps each (≈ 20 s each on 2 cores): both mean actions succeed from about
 * 6 000 steps (training success 1.0 at the last iteration, seed 0). Student: 2 000 env steps of the
 * default distillation (half the episodes the student's, KL to the teachers' Gaussians, 50 updates of
 * 128 per iteration). Measured by hand with the CLI: student 1.00 / 1.00, teachers 1.00 / 1.00, at
 * 2 000 and at 4 000 env steps; the untrained student reaches neither goal.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { resolveRunConfig } from '../presets.ts';
import { evaluateRun } from '../runs/evaluate.ts';
import { pinnedTeachers } from '../runs/teacher_pin.ts';
import { createRun, tempStore } from '../runs/test_helpers.ts';
import { trainRun } from '../runs/trainer.ts';
import { DistillAlgorithm, type DistillEvalReport } from './distill.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('policy distillation learns from two point-mass teachers', () => {
  it("the student's success per task is within 0.1 of its teacher's; the untrained student's is not", async () => {
    const store = tempStore();
    const teachers: string[] = [];
    for (const goal of ['[0.3,0.3]', '[-0.3,0.3]']) {
      const run = createRun(store, {
        algo: 'sac',
        preset: 'point-mass',
        seed: 0,
        totalEnvSteps: 6000,
        set: [`goal=${goal}`],
      });
      await trainRun(run, { quiet: true });
      teachers.push(run.id);
    }
    const req = {
      algo: 'distill' as const,
      env: 'point-mass',
      seed: 0,
      totalEnvSteps: 2000,
      teachers,
      set: ['numEnvs=2', 'distill.evalEpisodesPerTask=5'],
    };

    // Before any update: the student's mean action reaches neither goal.
    const config = resolveRunConfig(req).config;
    const untrained = await DistillAlgorithm.create(
      config,
      (await pinnedTeachers(config, null, { workspace: store.root })).teachers,
    );
    const before = untrained.evaluateGoals();
    untrained.dispose();
    for (const k of [0, 1]) expect(before.teacher_success[k] - before.task_success[k]).toBeGreaterThan(0.5);

    const student = createRun(store, req);
    await trainRun(student, { quiet: true });
    const report = (await evaluateRun(student)) as unknown as DistillEvalReport;
    expect(report.episodes).toBe(20);
    for (const k of [0, 1]) {
      expect(report.teacher_success[k]).toBeGreaterThanOrEqual(0.8);
      expect(Math.abs(report.task_success[k] - report.teacher_success[k])).toBeLessThanOrEqual(0.1);
    }
  }, 240_000);
});
