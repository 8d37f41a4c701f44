/**
 * Bit-exact resume, the rule DESIGN.md states, for every algorithm: a run stopped after iteration 3
 * (checkpointed there although checkpointEvery is 2) and resumed ends with the same metric rows (but
 * wall-clock seconds) and the same final checkpoint (but its wall-clock seconds) as the same run
 * trained without a stop. SAC, DIAYN and DADS collect step by step, so the stop falls in the middle
 * of episodes (30 of 50 steps per env and iteration) and, for SAC and DIAYN, after the replay buffer
 * has wrapped.
 */
import { describe, it, expect } from 'vitest';
import { trainRun } from './trainer.ts';
import { checkpointContents, createRun, stoppedAndResumed, tempStore, withoutWall } from './test_helpers.ts';
import type { RunRequest } from '../presets.ts';

const small = ['sac.hidden=[8]', 'sac.batchSize=16', 'checkpointEvery=2', 'updatesPerIteration=3'];
const skill = [
  ...small,
  'numEnvs=2',
  'stepsPerIteration=60',
  'sac.learningStarts=60',
  'sac.replayCapacity=150',
];

const RUNS: Record<string, RunRequest> = {
  sac: { algo: 'sac', preset: 'point-mass', seed: 31, totalEnvSteps: 360, set: skill },
  diayn: {
    algo: 'diayn',
    preset: 'point-mass',
    seed: 32,
    totalEnvSteps: 360,
    set: [
      ...skill,
      'diayn.discriminatorHidden=[8]',
      'diayn.discriminatorSteps=2',
      'diayn.discriminatorBatchSize=16',
    ],
  },
  dads: {
    algo: 'dads',
    preset: 'point-mass',
    seed: 33,
    totalEnvSteps: 360,
    set: [
      ...skill,
      'dads.dynamicsHidden=[8]',
      'dads.dynamicsSteps=2',
      'dads.dynamicsBatchSize=16',
      'dads.priorSamples=4',
    ],
  },
  'goal-sac': {
    algo: 'goal-sac',
    preset: 'bit-flip',
    seed: 34,
    totalEnvSteps: 48,
    set: [...small, 'numEnvs=2', 'her.bits=4', 'sac.replayCapacity=20'],
  },
  'multitask-sac': {
    algo: 'multitask-sac',
    preset: 'multi-goal',
    seed: 35,
    totalEnvSteps: 600,
    set: [...small, 'sac.learningStarts=100', 'sac.replayCapacity=250'],
  },
};

describe('a stopped and resumed run ends exactly as an uninterrupted one', () => {
  it.each(Object.keys(RUNS))('%s', async (name) => {
    const store = tempStore();
    const reference = createRun(store, RUNS[name]);
    expect((await trainRun(reference, { quiet: true })).iterations).toBe(6);

    const run = await stoppedAndResumed(store, RUNS[name]);
    expect(withoutWall(run.readMetrics())).toEqual(withoutWall(reference.readMetrics()));
    expect(await checkpointContents(run)).toEqual(await checkpointContents(reference));
  });
});
