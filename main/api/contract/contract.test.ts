import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EVENT_NAMES,
  METHOD_NAMES,
  METHODS,
  RUN_STATUSES,
  eventEnvelopeSchema,
  parseParams,
  parseRequest,
  parseResult,
  responseEnvelopeSchema,
  runIdSchema,
  type LabClient,
} from './contract.ts';
import { RUN_STATUSES as STORE_STATUSES } from '../../engine/runs/store.ts';
import { LabService } from '../service/service.ts';

/** Every module a file imports, transitively: relative files by path, packages by name. */
function importClosure(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (files.includes(file)) continue;
    files.push(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
      const spec = m[1];
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else packages.add(spec);
    }
  }
  return { files, packages };
}

describe('API contract', () => {
  it('imports nothing but zod, so the renderer can bundle it', () => {
    const here = fileURLToPath(new URL('./contract.ts', import.meta.url));
    const { files, packages } = importClosure(here);
    expect([...packages]).toEqual(['zod']);
    expect(files.length).toBeGreaterThan(1); // it does share the engine's (zod-only) config schema
  });

  it('keeps presentation.ts (the algorithm catalog with it) to zod and plain data, for the renderer', () => {
    const here = fileURLToPath(new URL('./presentation.ts', import.meta.url));
    const { files, packages } = importClosure(here);
    expect([...packages]).toEqual(['zod']);
    const catalog = fileURLToPath(new URL('../../engine/algos/catalog.ts', import.meta.url));
    expect(files).toContain(catalog);
    // The engine half of the registry builds algorithms (tfjs, MuJoCo): never part of it.
    expect(files.filter((f) => /algos\/(registry|index)\.ts$|\/(nn|runs)\//.test(f))).toEqual([]);
  });

  it('lists the run statuses of the run store and every method the service implements', () => {
    expect([...RUN_STATUSES]).toEqual([...STORE_STATUSES]);
    const service = new LabService({ workspace: '/nonexistent-skill-lab-workspace' });
    for (const m of METHOD_NAMES) expect(typeof service[m]).toBe('function');
    expect(METHOD_NAMES).toEqual(
      expect.arrayContaining(['listEnvs', 'listPresets', 'listRuns', 'startRun', 'stopRun', 'resumeRun']),
    );
    expect(METHOD_NAMES).toEqual(
      expect.arrayContaining(['deleteRun', 'getRun', 'getMetrics', 'getEvaluation', 'evaluateRun']),
    );
    expect(EVENT_NAMES).toEqual(expect.arrayContaining(['runStatus', 'metrics', 'rollout', 'error']));
  });

  it('accepts valid params and rejects invalid ones field by field', () => {
    expect(parseParams('listEnvs', undefined).ok).toBe(true);
    const good = parseParams('startRun', {
      algo: 'dads',
      preset: 'point-mass',
      seed: 3,
      overrides: { 'sac.lr': 0.001 },
    });
    expect(good.ok).toBe(true);

    const bad = parseParams('startRun', { algo: 'ppo', preset: '', seed: -1, color: 'red' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.code).toBe('invalid');
    const byPath = Object.fromEntries(bad.error.issues!.map((i) => [i.path, i]));
    expect(byPath.algo.allowed).toEqual([
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
    ]);
    expect(byPath.seed.message).toMatch(/>=0|too small/i);
    expect(byPath.preset).toBeDefined();
    expect(bad.error.issues!.some((i) => /color/.test(i.message))).toBe(true);
  });

  it('accepts only run ids that cannot name a path', () => {
    for (const ok of ['diayn-point-mass-s0-20260101-120000', 'a', 'run_2.b'])
      expect(runIdSchema.safeParse(ok).success).toBe(true);
    for (const bad of ['', '..', '../x', 'a/b', 'a\\b', '/etc', '.hidden', 'x'.repeat(201)])
      expect(runIdSchema.safeParse(bad).success).toBe(false);
    expect(parseParams('deleteRun', { runId: '../../home' }).ok).toBe(false);
  });

  it('answers bad envelopes with error responses that keep the request id where it can', () => {
    const noId = parseRequest({ method: 'listEnvs' });
    expect(noId.ok).toBe(false);
    if (!noId.ok) expect(noId.response).toMatchObject({ id: null, ok: false, error: { code: 'invalid' } });

    const unknown = parseRequest({ id: 7, method: 'trainEverything' });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) {
      expect(unknown.response).toMatchObject({ id: 7, ok: false, error: { code: 'not_found' } });
      expect(responseEnvelopeSchema.safeParse(unknown.response).success).toBe(true);
    }

    const badParams = parseRequest({
      id: 'r1',
      method: 'getMetrics',
      params: { runId: 'x', sinceIteration: -2 },
    });
    expect(badParams.ok).toBe(false);
    if (!badParams.ok)
      expect(badParams.response.ok === false && badParams.response.error.issues?.[0].path).toBe(
        'sinceIteration',
      );

    const ok = parseRequest({ id: 'r2', method: 'getMetrics', params: { runId: 'x' } });
    expect(ok).toEqual({ ok: true, id: 'r2', method: 'getMetrics', params: { runId: 'x' } });
  });

  it('validates events and results', () => {
    const metrics = {
      event: 'metrics',
      data: {
        runId: 'r',
        rows: [{ iteration: 1, env_steps: 252, wall_s: 0.4, alpha: 0.09 }],
        envSteps: 252,
        totalEnvSteps: 1000,
        stepsPerSecond: 600,
      },
    };
    expect(eventEnvelopeSchema.safeParse(metrics).success).toBe(true);
    const rollout = {
      event: 'rollout',
      data: {
        runId: 'r',
        env: 'ant',
        iteration: 1,
        envSteps: 2,
        skill: 0,
        z: [1, 0],
        dt: 0.05,
        qpos: [[0, 0]],
      },
    };
    expect(eventEnvelopeSchema.safeParse(rollout).success).toBe(true);
    expect(eventEnvelopeSchema.safeParse({ ...rollout, data: { ...rollout.data, dt: 0 } }).success).toBe(
      false,
    );
    expect(
      eventEnvelopeSchema.safeParse({ ...rollout, data: { ...rollout.data, env: 'cartpole' } }).success,
    ).toBe(false);
    expect(eventEnvelopeSchema.safeParse({ event: 'gossip', data: {} }).success).toBe(false);
    const badRow = {
      ...metrics,
      data: { ...metrics.data, rows: [{ iteration: 1, env_steps: 2, wall_s: 0, note: 'x' }] },
    };
    expect(eventEnvelopeSchema.safeParse(badRow).success).toBe(false);

    expect(parseResult('deleteRun', { runId: 'abc' }).ok).toBe(true);
    const wrong = parseResult('listEnvs', { envs: [{ name: 'ant' }] });
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.error.message).toMatch(/listEnvs does not match the API contract/);
    expect(Object.keys(METHODS)).toEqual(METHOD_NAMES);
  });

  it('types one function per request on the client interface', () => {
    // Compile-time checks (tsc runs over the tests): param-less requests need no argument, others do.
    const calls = (c: LabClient) => [
      c.listEnvs(),
      c.listRuns({}),
      c.getRun({ runId: 'x' }),
      c.startRun({ algo: 'diayn', preset: 'point-mass', overrides: { 'sac.lr': 1e-3 } }),
      // @ts-expect-error getRun needs a run id
      c.getRun(),
      c.on('metrics', (d) => d.rows.map((r) => r.iteration)),
    ];
    expect(typeof calls).toBe('function');
  });
});
