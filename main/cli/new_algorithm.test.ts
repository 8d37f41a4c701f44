/**
 * Adding an algorithm touches only its files and the registry (issue #9 §1): a made-up algorithm in
 * a copy of the catalog is one of `--algo`'s choices and its `--skills` meaning is in the help.
 */
import { describe, expect, it, vi } from 'vitest';
import { FAKE_ALGO } from '../engine/algos/fake_algo_fixture.ts';
import { algoOption, skillsHelp } from './algo_options.ts';
import { metricSummary } from './progress.ts';

vi.mock('../engine/algos/catalog.ts', async (real) =>
  (await import('../engine/algos/fake_algo_fixture.ts')).withFakeAlgo(await real()),
);

describe('a new algorithm in the catalog, on the command line', () => {
  it("is one of --algo's choices, its skills option is in --skills' help, its metrics on its progress line", () => {
    expect(algoOption().argChoices).toEqual([
      'sac',
      'diayn',
      'dads',
      'goal-sac',
      'multitask-sac',
      'skill-embedding',
      'reinforce',
      'distill',
      'skill-controller',
      'embedding-controller',
      FAKE_ALGO,
    ]);
    expect(skillsHelp()).toBe(
      'DIAYN: number of skills; DADS: skill dimension; FAKE-SKILLS: number of fake skills',
    );
    expect(metricSummary(FAKE_ALGO, { fake_score: 0.25, alpha: 1 })).toBe('fk 0.250');
  });
});
