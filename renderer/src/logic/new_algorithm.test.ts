/**
 * Adding an algorithm touches only its files and the registry (issue #9 §1): a made-up algorithm in
 * a copy of the catalog gets its fields in the start form, its curves, its config sections and its
 * key metric in the views, without the renderer knowing its name.
 */
import { describe, expect, it, vi } from 'vitest';
import { ALGOS, runConfigSchema, type PresetInfo } from '../../../main/api/contract/contract.ts';
import { formFields } from './run_form.ts';
import { CURVES } from './plots.ts';
import { algoSections, evaluationFigures } from './run_page.ts';
import { keyMetric } from './format.ts';
import { replayEnv } from './episodes.ts';

const FAKE = 'fake-skills';

vi.mock('../../../main/engine/algos/catalog.ts', async (real) =>
  (await import('../../../main/engine/algos/fake_algo_fixture.ts')).withFakeAlgo(await real()),
);

describe('a new algorithm in the catalog, in the renderer', () => {
  it('gets its form fields with the preset values and sources', () => {
    expect(ALGOS).toContain(FAKE);
    const config = runConfigSchema.parse({ algo: FAKE, env: 'point-mass', fake: { width: 5 } });
    const preset = {
      name: 'fake-lab',
      description: '',
      env: 'point-mass',
      algos: [FAKE],
      configs: { [FAKE]: config },
      sources: { [FAKE]: { 'fake.width': 'preset fake-lab: the fake preset' } },
    } as unknown as PresetInfo;
    const fields = formFields(preset, FAKE as 'sac');
    expect(fields.map((f) => f.key)).toEqual(['seed', 'totalEnvSteps', 'fake.width', 'sac.lr']);
    expect(fields[2]).toMatchObject({ text: '5', source: 'preset fake-lab: the fake preset' });
  });

  it('gets its curves, config sections, key metric, skill replay and evaluation figures', () => {
    expect(CURVES[FAKE].map((c) => c.key)).toEqual(['fake_score', 'episode_return']);
    expect(algoSections(FAKE)).toEqual(['sac', 'fake', 'eval']);
    expect(keyMetric(FAKE, { fake_score: 0.5 })).toBe('fake 0.500');
    expect(replayEnv({ algo: FAKE, env: 'point-mass' })).toBe('point-mass');
    const summary = {
      run: 'r',
      algo: FAKE,
      env: 'point-mass',
      env_steps: 10,
      state_function: 'xy',
      rollouts_per_skill: 1,
      episode_steps: 5,
      coverage_cells: 2,
      coverage_cell_m: 0.1,
      mean_normalized_variance: 0.5,
      fake_score: 0.75,
      skills: [],
    };
    expect(evaluationFigures(summary).map((f) => f.label)).toContain('fake score');
  });
});
