import { describe, it, expect, beforeAll } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { createAlgorithm } from './index.ts';
import { listPresets, loadPreset, resolveRunConfig } from '../presets.ts';
import type { AlgoName } from '../config.ts';
import { algoInfo } from './lookup.ts';
import { tempStore, untrainedSkillRun } from '../runs/test_helpers.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

const cases = listPresets().flatMap((preset) =>
  (Object.keys(loadPreset(preset).algos) as AlgoName[]).map((algo) => [preset, algo] as const),
);

describe('every preset and algorithm runs an iteration on its real env', () => {
  it.each(cases)('%s / %s', async (preset, algo) => {
    // An algorithm over another run's skills gets an untrained run of the last skill algorithm it
    // accepts that the preset offers (DADS for a skill controller, the skill embedding for its controller).
    const from = algoInfo(algo)
      .skillsFromOption?.algos.filter((a) => a in loadPreset(preset).algos)
      .at(-1);
    const skillsFrom = from
      ? (await untrainedSkillRun(tempStore(), { algo: from as AlgoName, preset })).path
      : undefined;
    // A distillation gets two untrained teachers of the teacher algorithm the preset offers.
    const teacherAlgo = algoInfo(algo)
      .teachersOption?.algos.filter((a) => a in loadPreset(preset).algos)
      .at(-1);
    const store = tempStore();
    const teachers = teacherAlgo
      ? [
          (await untrainedSkillRun(store, { algo: teacherAlgo as AlgoName, preset })).path,
          (await untrainedSkillRun(store, { algo: teacherAlgo as AlgoName, preset })).path,
        ]
      : undefined;
    const { config } = resolveRunConfig({
      algo,
      preset,
      skillsFrom,
      teachers,
      set: [
        'stepsPerIteration=200',
        'updatesPerIteration=2',
        'sac.learningStarts=0',
        'sac.batchSize=32',
        'diayn.discriminatorSteps=2',
        'dads.dynamicsSteps=2',
        'dads.dynamicsBatchSize=32',
        'multitask.episodesPerIteration=2',
        'embedding.episodesPerIteration=2',
        'reinforce.episodesPerTask=1',
        'reinforce.baselineIters=2',
        'distill.episodesPerTask=2',
        'distill.updates=2',
      ],
    });
    const a = await createAlgorithm(config);
    try {
      const metrics = await a.iterate();
      expect(a.envSteps).toBeGreaterThanOrEqual(200);
      // Every algorithm learns by gradient: SAC's critic loss, REINFORCE's surrogate, the student's loss.
      expect(Number.isFinite(metrics.critic_loss ?? metrics.policy_loss ?? metrics.distill_loss)).toBe(true);
      if (algo === 'diayn') expect(metrics.discriminator_accuracy).toBeGreaterThanOrEqual(0);
      if (algo === 'dads') expect(Number.isFinite(metrics.skill_dynamics_loglik)).toBe(true);
      const skills = a.evaluationSkills();
      const expected = {
        diayn: config.diayn.skills,
        dads: config.eval.dadsSkills,
        sac: 1,
        'goal-sac': 0,
        'multitask-sac': 0,
        'skill-embedding': 0,
        reinforce: 0,
        distill: 0,
        'skill-controller': 0,
        'embedding-controller': 0,
      };
      expect(skills.length).toBe(expected[algo]);
    } finally {
      a.dispose();
    }
  });
});
