/**
 * For tests: a made-up algorithm added to a copy of the catalog, to show that adding an algorithm
 * needs only its own files and registry entries — every layer (config, presets, service, CLI, form,
 * views) offers it without being edited. Used as
 *
 *     vi.mock('…/engine/algos/catalog.ts', async (real) =>
 *       (await import('…/engine/algos/fake_algo_fixture.ts')).withFakeAlgo(await real()));
 *
 * zod-only like the catalog.
 */
import { z } from 'zod';
import { defineAlgo } from './algo_info.ts';
import { configSection } from './config_section.ts';
import { sacSection } from './sac_options.ts';
import { skillEvalSection } from './skill_eval_options.ts';

/** The made-up algorithm's name. */
export const FAKE_ALGO = 'fake-skills';

/** Its own config section, `fake`, with a source for one default. */
export const fakeSection = configSection(
  z
    .object({
      width: z.number().int().min(1).default(8),
      skills: z.number().int().min(2).max(64).default(3),
    })
    .strict(),
  { width: 'a made-up default' },
);

/** The made-up algorithm: discrete skills on the point mass, its own section between sac and eval. */
export const FAKE_ENTRY = defineAlgo({
  name: FAKE_ALGO,
  description: 'a made-up skill-discovery algorithm for tests',
  conditioning: 'discrete-skill',
  sections: { sac: sacSection, fake: fakeSection, eval: skillEvalSection },
  envs: ['point-mass'],
  checkConfig: (config) =>
    config.env === 'point-mass'
      ? []
      : [{ path: 'env', message: `${FAKE_ALGO} trains on point-mass only, got ${config.env}` }],
  skillsOption: { key: 'fake.skills', meaning: 'number of fake skills' },
  skillsFromOption: null,
  latentSkills: null,
  teachersOption: null,
  evaluation: 'skills',
  evaluatesEnvSuccess: false,
  evalFigures: [{ key: 'fake_score', label: 'fake score', hint: 'made up' }],
  evalSkillTraces: false,
  relabeling: null,
  keepsTaskSpec: false,
  hasEpisodes: false,
  previewsSkills: true,
  skillModels: { skillDynamics: false, discriminator: false },
  keyMetric: { key: 'fake_score', label: 'fake' },
  summaryMetrics: ['fake_score', 'alpha'],
  progressMetrics: [{ key: 'fake_score', short: 'fk' }],
  curves: [{ key: 'fake_score', title: 'fake score', unit: 'score' }],
  formFields: ['fake.width', 'sac.lr'],
});

/** The catalog module `real` with the made-up algorithm appended to its list. */
export function withFakeAlgo<M extends { ALGO_CATALOG: readonly unknown[] }>(real: M): M {
  return { ...real, ALGO_CATALOG: [...real.ALGO_CATALOG, FAKE_ENTRY] };
}
