/**
 * The `distill` config section of multi-task policy distillation (`distill`) and its rules. zod only
 * (see config_section.ts).
 */
import { z } from 'zod';
import { configSection, type ConfigCheck, type ConfigCheckIssue } from './config_section.ts';

/**
 * Settings of multi-task policy distillation (Rusu et al. 2016) on the point mass: one task-conditioned
 * student fitted to single-task teachers (finished `sac` runs with a goal), task k = teacher k's goal.
 */
export const distillSchema = z
  .object({
    /** The teacher runs (ids in this workspace), one per task, in task order. */
    teachers: z.array(z.string().min(1).max(200)).max(16).default([]),
    /** Episodes of every task per iteration. */
    episodesPerTask: z.number().int().positive().max(1000).default(2),
    /**
     * Share of the episodes the student acts in (its own states, as in DAgger); the task's teacher acts
     * in the rest. 0: the teachers' states only (Rusu et al. 2016's data).
     */
    studentShare: z.number().min(0).max(1).default(0.5),
    /** How a teacher acts in its episodes: sampled from its policy, or its mean action. */
    teacherActions: z.enum(['sample', 'mean']).default('sample'),
    /**
     * The student's loss per state: KL(π_teacher ‖ π_student) of the two policies' Gaussians, or the
     * squared error of the means only (Rusu et al. 2016 compare both; KL was best).
     */
    loss: z.enum(['kl', 'mse']).default('kl'),
    /** Hidden widths of the student. */
    hidden: z.array(z.number().int().positive().max(4096)).min(1).max(8).default([64, 64]),
    lr: z.number().gt(0).max(1).default(0.001),
    batchSize: z.number().int().positive().max(65536).default(128),
    /** Gradient steps of the student per iteration. */
    updates: z.number().int().min(1).max(100000).default(50),
    /** States kept in the distillation memory (a ring; the oldest go first). */
    memoryCapacity: z.number().int().positive().max(10_000_000).default(50000),
    /** Evaluation episodes (mean actions of student and teachers) per task. */
    evalEpisodesPerTask: z.number().int().positive().max(100).default(5),
  })
  .strict();

/** The `distill` section and where its defaults come from. */
export const distillSection = configSection(distillSchema, {
  studentShare: 'our choice: half the states the student visits itself (DAgger, Ross et al. 2011)',
  loss: 'Rusu et al. 2016 §4: KL with the teacher as target gave the best students',
  lr: 'the SAC policies’ step size (1e-3, the point-mass preset)',
  memoryCapacity: 'our choice (Rusu et al. 2016 keep the last 10 hours of teacher play per task)',
});

/**
 * distill trains on the point mass and names each teacher once (that there are teachers, and that
 * they can be used, is checked when a run is created: runs/teacher_pin.ts, as presets list none).
 */
export const distillCheck: ConfigCheck = (config) => {
  const issues: ConfigCheckIssue[] = [];
  if (config.env !== 'point-mass')
    issues.push({
      path: 'env',
      message: `distill trains on the point mass's goal tasks: env point-mass, got ${config.env}`,
    });
  const d = config.distill as z.infer<typeof distillSchema> | undefined;
  if (d) {
    const twice = d.teachers.filter((t, i) => d.teachers.indexOf(t) !== i);
    if (twice.length > 0)
      issues.push({ path: 'distill.teachers', message: `run ${twice[0]} is named twice` });
  }
  return issues;
};
