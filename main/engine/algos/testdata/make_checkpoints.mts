/**
 * Writes the checkpoint fixtures of checkpoint_compat.test.ts: for each algorithm a tiny run trained
 * 2 iterations by the run loop (runs/trainer.ts), its checkpoint.bin copied here as `<name>.bin`, and
 * in `checkpoints.json` the run request and the metrics of one more iteration after a restore, as
 * this code computes them. The files in git were written by commit c90e0f9 (before the off-policy
 * agent refactor), so the test proves that checkpoints of that code still load and continue alike.
 *
 * Usage (from the repository root, at the commit whose checkpoints are wanted):
 *   node --import tsx main/engine/algos/testdata/make_checkpoints.mts [outDir]
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initBackend } from '../../../../native/backend.ts';
import { createAlgorithm } from '../index.ts';
import { trainRun } from '../../runs/trainer.ts';
import { readCheckpoint } from '../../runs/checkpoints.ts';
import { createRun, tempStore } from '../../runs/test_helpers.ts';
import type { RunRequest } from '../../presets.ts';

const outDir = resolve(process.argv[2] ?? join(import.meta.dirname));

const small = ['sac.hidden=[8]', 'sac.batchSize=16', 'checkpointEvery=1'];
const skill = [
  ...small,
  'numEnvs=2',
  'stepsPerIteration=60',
  'updatesPerIteration=3',
  'sac.learningStarts=60',
];
/** Name → run request; totalEnvSteps = two iterations. */
export const FIXTURES: Record<string, RunRequest> = {
  sac: { algo: 'sac', preset: 'point-mass', seed: 21, totalEnvSteps: 120, set: skill },
  diayn: {
    algo: 'diayn',
    preset: 'point-mass',
    seed: 22,
    totalEnvSteps: 120,
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
    seed: 23,
    totalEnvSteps: 120,
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
    seed: 24,
    totalEnvSteps: 16,
    set: [...small, 'numEnvs=2', 'her.bits=4', 'updatesPerIteration=3'],
  },
  'multitask-sac': {
    algo: 'multitask-sac',
    preset: 'multi-goal',
    seed: 25,
    totalEnvSteps: 200,
    set: [...small, 'updatesPerIteration=3', 'sac.learningStarts=100', 'sac.replayCapacity=400'],
  },
};

await initBackend({ quiet: true });
mkdirSync(outDir, { recursive: true });
const expected: Record<string, { request: RunRequest; next: Record<string, number> }> = {};
for (const [name, request] of Object.entries(FIXTURES)) {
  const run = createRun(tempStore(), request);
  const record = await trainRun(run, { quiet: true });
  if (record.iterations !== 2) throw new Error(`${name}: trained ${record.iterations} iterations, not 2`);
  copyFileSync(run.checkpointPath, join(outDir, `${name}.bin`));
  const algo = await createAlgorithm(run.readConfig(), run.path);
  await readCheckpoint(run, algo);
  expected[name] = { request, next: await algo.iterate() };
  algo.dispose();
}
writeFileSync(join(outDir, 'checkpoints.json'), `${JSON.stringify(expected, null, 2)}\n`);
