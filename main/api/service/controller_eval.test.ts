/**
 * What a skill-controller run's page reads (issue #9 §4, "a meta-controller run shows the skills it
 * picked"): getRun carries the skill run and checkpoint pinned at the run's first start
 * (run.json's skillSource), and getEvaluation the evaluation's traces of the skills it picked, in the
 * shape the Skills view draws — both checked against the contract, as the transports do. Controllers
 * over an untrained DADS and an untrained DIAYN run's skills, trained briefly in their processes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_NAMES } from '../contract/contract.ts';
import { RunStore } from '../../engine/runs/store.ts';
import { untrainedSkillRun } from '../../engine/runs/test_helpers.ts';
import { LabService } from './service.ts';
import { call, EventLog } from './test_helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'skill-lab-controller-api-'));
const workspace = join(root, 'workspace');
const service = new LabService({ workspace, preview: false });
const log = new EventLog(service, EVENT_NAMES);

afterAll(async () => {
  await service.close({ killAfterMs: 10_000 });
  rmSync(root, { recursive: true, force: true });
});

/** A controller over `skillsFrom` on the point mass: 200 env steps, 2 evaluation episodes. */
const controller = (skillsFrom: string) =>
  call(service, 'startRun', {
    algo: 'skill-controller',
    preset: 'point-mass',
    seed: 3,
    totalEnvSteps: 200,
    overrides: {
      'skillController.skillsFrom': skillsFrom,
      'skillController.hidden': [16],
      'skillController.evalEpisodes': 2,
      numEnvs: 2,
      stepsPerIteration: 100,
      updatesPerIteration: 2,
      'sac.learningStarts': 0,
      'sac.batchSize': 16,
    },
  });

describe('a skill-controller run as its page reads it', () => {
  it('getRun names the pinned skill run and checkpoint; getEvaluation has the traces of the skills it picked', async () => {
    const store = new RunStore(workspace);
    const dads = await untrainedSkillRun(store, {
      algo: 'dads',
      preset: 'point-mass',
      set: ['sac.hidden=[16,16]', 'dads.skillDim=2'],
    });
    const diayn = await untrainedSkillRun(store, {
      algo: 'diayn',
      preset: 'point-mass',
      set: ['sac.hidden=[16,16]', 'diayn.skills=4'],
    });
    const [overDads, overDiayn] = await Promise.all([controller(dads.id), controller(diayn.id)]);
    for (const { run } of [overDads, overDiayn]) {
      const done = await log.settled(run.id, ['completed', 'error'], 120_000);
      expect(done.error).toBeNull();
      expect(done.evaluated).toBe(true);
    }

    for (const [skills, { run }, width] of [
      [dads, overDads, 2],
      [diayn, overDiayn, 4],
    ] as const) {
      const sha256 = createHash('sha256')
        .update(readFileSync(join(skills.path, 'checkpoint.bin')))
        .digest('hex');
      const { run: record } = await call(service, 'getRun', { runId: run.id });
      expect(record.skillSource).toMatchObject({
        run: skills.id,
        algo: skills.readConfig().algo,
        checkpoint: 'checkpoint.bin',
        sha256,
        iteration: 0,
        envSteps: 0,
      });

      const { summary } = await call(service, 'getEvaluation', { runId: run.id });
      expect(summary).not.toBeNull();
      const { traces, goal, success_radius, mean_final_distance, skills_from } = summary!;
      expect(skills_from).toEqual({ run: skills.id, algo: record.skillSource!.algo, sha256 });
      expect(goal).toEqual(record.config.goal);
      expect(success_radius).toBe(0.1);
      expect(traces).toHaveLength(2);
      for (const t of traces!) {
        expect(t.goal).toEqual(goal);
        // Every env step's x-y and qpos from the reset on; a skill held per H_Z = 10 env steps.
        expect(t.f).toHaveLength(t.steps + 1);
        expect(t.qpos).toHaveLength(t.steps + 1);
        expect(t.f[0]).toHaveLength(2);
        expect(t.segments.map((s) => s.start)).toEqual(t.segments.map((_, k) => k * 10));
        for (const s of t.segments) {
          expect(s.skill).toHaveLength(width);
          expect(s).toMatchObject({ predicted: null, candidates: [] });
        }
        expect(t.success).toBe(t.final_distance! < success_radius!);
        const [x, y] = t.f[t.steps] as number[];
        expect(t.final_distance).toBeCloseTo(Math.hypot(x - goal![0]!, y - goal![1]!), 4);
      }
      expect(mean_final_distance).toBeCloseTo(
        (traces![0].final_distance! + traces![1].final_distance!) / 2,
        6,
      );
      // DIAYN's skills are one-hot: one of its skills per segment.
      if (width === 4)
        for (const s of traces!.flatMap((t) => t.segments)) expect([...s.skill].sort()).toEqual([0, 0, 0, 1]);
    }

    // A run over no other run's skills has no skillSource.
    expect((await call(service, 'getRun', { runId: dads.id })).run.skillSource).toBeUndefined();
  }, 240_000);
});
