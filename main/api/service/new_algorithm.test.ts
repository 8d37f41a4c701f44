/**
 * Adding an algorithm touches only its files and the registry (issue #9 §1): a made-up algorithm in
 * a copy of the catalog appears in the run config, the presets and the service's listPresets without
 * any other file knowing its name.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAKE_ALGO } from '../../engine/algos/fake_algo_fixture.ts';
import { ALGOS, allConfigKeys, parseRunConfig } from '../../engine/config.ts';
import { resolveRunConfig } from '../../engine/presets.ts';
import { algoSpec } from '../../engine/algos/registry.ts';
import { parseResult } from '../contract/contract.ts';
import { LabService } from './service.ts';

vi.mock('../../engine/algos/catalog.ts', async (real) =>
  (await import('../../engine/algos/fake_algo_fixture.ts')).withFakeAlgo(await real()),
);

/** The made-up algorithm's section of a run config. */
const fakeSection = (config: unknown) => (config as { fake: unknown }).fake;

let root: string;
let service: LabService;
const savedRoot = process.env.SKILL_LAB_ROOT;

beforeAll(() => {
  // A lab whose only preset offers DIAYN and the made-up algorithm.
  root = mkdtempSync(join(tmpdir(), 'skill-lab-new-algo-'));
  mkdirSync(join(root, 'assets', 'presets'), { recursive: true });
  writeFileSync(
    join(root, 'assets', 'presets', 'fake-lab.json'),
    JSON.stringify({
      name: 'fake-lab',
      description: 'DIAYN and a made-up algorithm',
      env: 'point-mass',
      algos: { diayn: {}, [FAKE_ALGO]: { fake: { width: 5 } } },
      sources: { [`${FAKE_ALGO}:fake.width`]: 'the fake preset' },
    }),
  );
  process.env.SKILL_LAB_ROOT = root;
  service = new LabService({ workspace: join(root, 'workspace') });
});

afterAll(async () => {
  await service.close();
  if (savedRoot === undefined) delete process.env.SKILL_LAB_ROOT;
  else process.env.SKILL_LAB_ROOT = savedRoot;
  rmSync(root, { recursive: true, force: true });
});

describe('a new algorithm in the catalog', () => {
  it('is an algorithm of the run config, with its own section, defaults, sources and env rule', () => {
    expect(ALGOS).toContain(FAKE_ALGO);
    expect(allConfigKeys()).toEqual(expect.arrayContaining(['fake.width', 'fake.skills']));
    // Its section sits between the other sections of its algorithm (sac … eval).
    expect(allConfigKeys().indexOf('fake.width')).toBeLessThan(allConfigKeys().indexOf('eval.coverageCell'));
    expect(fakeSection(parseRunConfig({ algo: FAKE_ALGO, env: 'point-mass' }))).toEqual({
      width: 8,
      skills: 3,
    });
    expect(() => parseRunConfig({ algo: FAKE_ALGO, env: 'ant' })).toThrow(
      `${FAKE_ALGO} trains on point-mass only, got ant`,
    );
    // The types know the built-in algorithms only; the made-up one is there at run time.
    const { config, sources } = resolveRunConfig({ algo: FAKE_ALGO as 'sac', preset: 'fake-lab', skills: 6 });
    expect(fakeSection(config)).toEqual({ width: 5, skills: 6 });
    expect(sources['fake.width']).toBe('preset fake-lab: the fake preset');
    expect(sources['fake.skills']).toBe('command line');
  });

  it("is offered by the service's listPresets with its resolved config, valid under the contract", async () => {
    const result = await service.listPresets();
    expect(parseResult('listPresets', result).ok).toBe(true);
    expect(result.presets.map((p) => p.name)).toEqual(['fake-lab']);
    const [preset] = result.presets;
    expect(preset.algos).toEqual(['diayn', FAKE_ALGO]);
    expect(fakeSection(preset.configs[FAKE_ALGO as 'sac'])).toEqual({ width: 5, skills: 3 });
    expect(preset.sources[FAKE_ALGO as 'sac']?.['fake.width']).toBe('preset fake-lab: the fake preset');
    expect(result.configKeys).toContain('fake.width');
  });

  it('needs its engine entry too: without one, the engine says it cannot build it', () => {
    expect(() => algoSpec(FAKE_ALGO)).toThrow(`unknown algorithm ${FAKE_ALGO}; the engine builds`);
  });
});
