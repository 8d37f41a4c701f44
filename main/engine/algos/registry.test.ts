import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ALGOS, ENVS, allConfigKeys, parseRunConfig, runConfigSchema } from '../config.ts';
import type { RunRequest } from '../presets.ts';
import { EPISODES_DIR } from '../replay/episode_store.ts';
import { evaluateRun } from '../runs/evaluate.ts';
import { createRun, tempStore, untrainedSkillRun } from '../runs/test_helpers.ts';
import type { RunStore } from '../runs/store.ts';
import { trainRun } from '../runs/trainer.ts';
import { CONDITIONINGS, configSections, type AlgoInfo } from './algo_info.ts';
import { ALGO_CATALOG } from './catalog.ts';
import { unreadSettings } from './lookup.ts';
import { configSection } from './config_section.ts';
import { RUN_TASK_FILE } from './goal_sac_run.ts';
import { ALGO_REGISTRY, algoSpec } from './registry.ts';
import type { ControllerEvaluation } from './skill_controller.ts';
import { episodeTraceSchema } from '../planning/schemas.ts';

/** The dotted keys of the sections `info` reads, and the top-level keys every algorithm reads. */
function keysRead(info: AlgoInfo): Set<string> {
  const sections = Object.keys(info.sections);
  return new Set(allConfigKeys().filter((k) => !k.includes('.') || sections.includes(k.split('.')[0])));
}

describe('algorithm registry: every entry is complete and consistent', () => {
  it('lists the catalog, in the catalog order, and the config offers exactly those algorithms', () => {
    expect(ALGO_REGISTRY.map((a) => a.name)).toEqual(ALGO_CATALOG.map((a) => a.name));
    expect([...ALGOS]).toEqual(ALGO_CATALOG.map((a) => a.name));
    for (const spec of ALGO_REGISTRY)
      expect(spec, `${spec.name}: the catalog entry's fields`).toMatchObject(
        ALGO_CATALOG.find((a) => a.name === spec.name)!,
      );
    expect(() => algoSpec('ppo')).toThrow(/unknown algorithm ppo.*sac, diayn, dads/);
  });

  it.each(ALGO_REGISTRY.map((a) => [a.name, a] as const))('%s', (_name, spec) => {
    expect(CONDITIONINGS).toContain(spec.conditioning);
    expect(spec.description.length).toBeGreaterThan(10);

    // Sections: declared with defaults for every field, part of the run config, sources of real fields.
    // Every algorithm reads a section of its own or SAC's (REINFORCE is on-policy and reads no SAC).
    expect(Object.keys(spec.sections).length).toBeGreaterThan(0);
    const shape = runConfigSchema.shape as Record<string, z.ZodType>;
    for (const [name, section] of Object.entries(spec.sections)) {
      expect(Object.keys(shape), `section ${name}`).toContain(name);
      const defaults = section.schema.parse({});
      expect(Object.keys(defaults).sort()).toEqual(Object.keys(section.schema.shape).sort());
      for (const field of Object.keys(section.sources)) expect(section.schema.shape).toHaveProperty(field);
    }

    // The keys it offers and sets are keys it reads.
    const read = keysRead(spec);
    for (const key of spec.formFields) expect(read, `form field ${key}`).toContain(key);
    if (spec.skillsOption) {
      expect(read).toContain(spec.skillsOption.key);
      expect(isSkillConditioned(spec)).toBe(true);
    }

    // Metrics: the key metric and the progress line's are among the summary's.
    expect(spec.summaryMetrics).toContain(spec.keyMetric.key);
    for (const { key } of spec.progressMetrics) expect(spec.summaryMetrics).toContain(key);
    expect(spec.curves.length).toBeGreaterThan(0);
    expect(new Set(spec.curves.map((c) => c.key)).size).toBe(spec.curves.length);

    // Evaluation and relabeling hooks exist exactly where the catalog says so.
    const goals = spec.evaluation === 'goals';
    expect(typeof spec.evaluateGoals === 'function').toBe(goals);
    expect(typeof spec.describeTask === 'function').toBe(goals);
    if (goals) expect(spec.evalFigures).toEqual([]);
    if (spec.evaluatesEnvSuccess) expect(spec.evaluation).toBe('skills');
    if (spec.previewsSkills || spec.evalFigures.length) expect(spec.evaluation).toBe('skills');
    if (spec.hasEpisodes || spec.keepsTaskSpec || spec.evalSkillTraces) expect(spec.evaluation).toBe('goals');
    expect(typeof spec.checkRelabeling === 'function').toBe(spec.relabeling !== null);
    if (spec.relabeling) {
      expect(spec.summaryMetrics).toEqual(
        expect.arrayContaining(['relabel_strategy', `relabel_${spec.relabeling.amount}`]),
      );
      const [first] = spec.relabeling.strategies.filter((s) => s !== 'none');
      expect(spec.checkRelabeling!(first, spec.relabeling.amount === 'k' ? 2 : 0.5)).toMatchObject({
        strategy: first,
      });
      expect(() => spec.checkRelabeling!('no-such-strategy', 1)).toThrow(/allowed/);
    }

    // Its envs are exactly those its config check lets through.
    for (const env of ENVS) {
      const result = runConfigSchema.safeParse({ algo: spec.name, env, task: 'reach' });
      const envIssue = result.success ? [] : result.error.issues.filter((i) => i.path[0] === 'env');
      expect(envIssue.length === 0, `${spec.name} on ${env}`).toBe(spec.envs.includes(env));
    }
  });
});

function isSkillConditioned(info: AlgoInfo): boolean {
  return info.conditioning === 'discrete-skill' || info.conditioning === 'continuous-skill';
}

/**
 * One short real run per algorithm. A new algorithm gets its line here (the test says so when it is
 * missing); one that needs another run first makes it in the test's workspace.
 */
const QUICK: Record<string, RunRequest | ((store: RunStore) => Promise<RunRequest>)> = {
  sac: { algo: 'sac', preset: 'point-mass' },
  diayn: { algo: 'diayn', preset: 'point-mass' },
  dads: { algo: 'dads', preset: 'point-mass' },
  'goal-sac': {
    algo: 'goal-sac',
    env: 'point-mass',
    task: 'point-mass-reach',
    set: ['numEnvs=2', 'her.evalEpisodes=4'],
  },
  'multitask-sac': { algo: 'multitask-sac', preset: 'multi-goal', set: ['multitask.evalEpisodesPerTask=1'] },
  'skill-embedding': {
    algo: 'skill-embedding',
    preset: 'regions',
    set: ['embedding.evalEpisodesPerTask=1', 'embedding.inferenceHidden=[16]'],
  },
  reinforce: {
    algo: 'reinforce',
    env: 'point-mass',
    set: ['numEnvs=2', 'reinforce.tasks=2', 'reinforce.episodesPerTask=1', 'reinforce.evalEpisodesPerTask=1'],
  },
  distill: async (store) => ({
    algo: 'distill',
    env: 'point-mass',
    teachers: await Promise.all(
      ['[0.3,0.3]', '[-0.3,0.3]'].map(
        async (goal) =>
          (
            await untrainedSkillRun(store, {
              algo: 'sac',
              preset: 'point-mass',
              set: [`goal=${goal}`, 'sac.hidden=[16,16]'],
            })
          ).id,
      ),
    ),
    set: ['numEnvs=2', 'distill.episodesPerTask=1', 'distill.updates=2', 'distill.evalEpisodesPerTask=1'],
  }),
  'skill-controller': async (store) => ({
    algo: 'skill-controller',
    preset: 'point-mass',
    skillsFrom: (
      await untrainedSkillRun(store, { algo: 'dads', preset: 'point-mass', set: ['sac.hidden=[16,16]'] })
    ).id,
    set: ['skillController.hidden=[16,16]', 'skillController.evalEpisodes=2'],
  }),
  'embedding-controller': async (store) => ({
    algo: 'embedding-controller',
    preset: 'regions',
    skillsFrom: (
      await untrainedSkillRun(store, {
        algo: 'skill-embedding',
        preset: 'regions',
        set: ['sac.hidden=[16,16]', 'embedding.inferenceHidden=[16]'],
      })
    ).id,
    set: ['skillController.hidden=[16,16]', 'skillController.evalEpisodes=2'],
  }),
};

/** Small enough for a test: about 200 env steps, a few gradient steps on small batches. */
const SMALL = [
  'totalEnvSteps=200',
  'stepsPerIteration=100',
  'updatesPerIteration=2',
  'checkpointEvery=1',
  'sac.hidden=[16,16]',
  'sac.learningStarts=0',
  'sac.batchSize=32',
  'diayn.discriminatorSteps=2',
  'dads.dynamicsSteps=2',
  'dads.dynamicsBatchSize=32',
  'eval.rolloutsPerSkill=1',
  'eval.dadsSkills=2',
];

describe('algorithm registry: what each entry declares, a short real run of it logs and reports', () => {
  it.each(ALGO_REGISTRY.map((a) => [a.name, a] as const))(
    '%s',
    async (name, spec) => {
      const quick = QUICK[name];
      expect(quick, `no quick run for algorithm ${name}: add one to QUICK`).toBeDefined();
      const store = tempStore();
      const req = typeof quick === 'function' ? await quick(store) : quick;
      const run = createRun(store, { ...req, set: [...SMALL, ...(req.set ?? [])] });
      await trainRun(run, { quiet: true });

      // Every curve panel, summary, progress and key metric is a column the algorithm logs.
      const logged = new Set(run.readMetrics().flatMap((r) => Object.keys(r)));
      for (const key of [
        ...spec.curves.map((c) => c.key),
        ...spec.summaryMetrics,
        ...spec.progressMetrics.map((p) => p.key),
        spec.keyMetric.key,
      ])
        expect(logged, `${name} logs ${key}`).toContain(key);

      expect(existsSync(join(run.path, RUN_TASK_FILE)), 'task.json').toBe(spec.keepsTaskSpec);
      expect(existsSync(join(run.path, EPISODES_DIR)), 'episodes').toBe(spec.hasEpisodes);

      // The evaluation is of the declared kind and reports the declared figures.
      const report = await evaluateRun(run, { quiet: true });
      if (spec.evaluation === 'skills') {
        expect(report.skills.length).toBeGreaterThan(0);
        for (const f of spec.evalFigures)
          expect(typeof report[f.key], `${name} reports ${f.key}`).toBe('number');
        expect(typeof report.success_rate === 'number').toBe(spec.evaluatesEnvSuccess);
      } else {
        expect(report.skills).toEqual([]);
        expect(typeof report.success_rate).toBe('number');
        expect(report.task).toBe(spec.describeTask!(run.readConfig()));
      }
      // Traces of the skills it picked exactly where the catalog says the run's page can draw them.
      expect(Array.isArray(report.traces), 'traces').toBe(spec.evalSkillTraces);
      if (spec.evalSkillTraces) {
        const { traces, success_radius, skills_from } = report as unknown as ControllerEvaluation;
        expect(traces.length).toBe(report.episodes);
        for (const t of traces) expect(episodeTraceSchema.parse(t)).toEqual(t);
        expect(success_radius).toBeGreaterThan(0);
        expect(skills_from.run).toBe(run.readConfig().skillController.skillsFrom);
      }
    },
    60_000,
  );
});

describe('config sections composed from the catalog', () => {
  it('keep the run config keys and their order (run.json files and error messages list them so)', () => {
    expect(Object.keys(runConfigSchema.shape)).toEqual([
      'algo',
      'env',
      'preset',
      'seed',
      'totalEnvSteps',
      'numEnvs',
      'episodeSteps',
      'goal',
      'task',
      'stateFunction',
      'hideCoords',
      'stepsPerIteration',
      'updatesPerIteration',
      'checkpointEvery',
      'sac',
      'diayn',
      'dads',
      'eval',
      'her',
      'multitask',
      'embedding',
      'reinforce',
      'distill',
      'skillController',
    ]);
    const c = parseRunConfig({ algo: 'multitask-sac', env: 'point-mass' });
    expect(c.her.relabelK).toBe(4);
    expect(c.diayn.skills).toBe(50);
  });

  it('place a new section before the next section of its algorithm, and refuse two different sections of one name', () => {
    const s = (n: number) => configSection(z.object({ x: z.number().default(n) }).strict());
    const [a, b, c, d] = [s(1), s(2), s(3), s(4)];
    const names = (sections: Array<[string, unknown]>) => sections.map(([n]) => n);
    expect(
      names(
        configSections([
          { name: 'p', sections: { a, c } },
          { name: 'q', sections: { a, b, c } },
          { name: 'r', sections: { d } },
        ]),
      ),
    ).toEqual(['a', 'b', 'c', 'd']);
    expect(() =>
      configSections([
        { name: 'p', sections: { a } },
        { name: 'q', sections: { a: b } },
      ]),
    ).toThrow(/p and q declare different config sections named "a"/);
  });
});

describe('settings an algorithm does not read', () => {
  it('are the --set keys of sections outside its catalog entry', () => {
    expect(
      unreadSettings('reinforce', ['sac.lr=0.1', 'reinforce.gamma=0.9', 'seed=3', 'diayn.skills=4']),
    ).toEqual(['sac.lr', 'diayn.skills']);
    expect(unreadSettings('dads', ['sac.lr=0.1', 'dads.skillDim=2', 'numEnvs=2'])).toEqual([]);
  });
});
