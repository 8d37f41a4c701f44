import { describe, it, expect } from 'vitest';
import { writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempStore, createRun } from './test_helpers.ts';
import { RunStoreError } from './store.ts';

describe('run store', () => {
  it('creates run directories with a complete run.json', () => {
    const store = tempStore();
    const run = createRun(store, { algo: 'dads', preset: 'point-mass', seed: 4 });
    const rec = run.readRecord();
    expect(rec.status).toBe('created');
    expect(rec.seed).toBe(4);
    expect(rec.config.dads.priorSamples).toBe(100);
    expect(rec.sources['dads.priorSamples']).toMatch(/reference code/);
    expect(rec.versions['@mujoco/mujoco']).toBe('3.14.0');
    expect(readdirSync(run.path).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('names the broken file of a corrupt run and still lists the others', () => {
    const store = tempStore();
    const good = createRun(store, { algo: 'diayn', preset: 'point-mass' });
    const bad = createRun(store, { algo: 'dads', preset: 'point-mass' });
    writeFileSync(bad.recordPath, '{ not json');
    expect(() => bad.readRecord()).toThrow(RunStoreError);
    expect(() => bad.readRecord()).toThrow(/run\.json: not valid JSON/);
    const listed = store.list();
    expect(listed.find((r) => r.dir.id === good.id)?.record?.algo).toBe('diayn');
    expect(listed.find((r) => r.dir.id === bad.id)?.error).toMatch(/run\.json/);
  });

  it('skips a torn last metrics line but rejects corruption in the middle', () => {
    const store = tempStore();
    const run = createRun(store, { algo: 'dads', preset: 'point-mass' });
    writeFileSync(run.metricsPath, '{"iteration":1}\n{"iteration":2}\n{"itera');
    expect(run.readMetrics()).toEqual([{ iteration: 1 }, { iteration: 2 }]);
    writeFileSync(run.metricsPath, '{"iteration":1}\n{"ite\n{"iteration":3}\n');
    expect(() => run.readMetrics()).toThrow(/metrics\.jsonl: line 2/);
  });

  it('reports an unknown run id with the known ones', () => {
    const store = tempStore();
    const run = createRun(store, { algo: 'dads', preset: 'point-mass' });
    expect(() => store.open('nope')).toThrow(new RegExp(`Known runs: ${run.id}`));
    expect(store.open(run.id).path).toBe(run.path);
    expect(store.open(join(store.runsDir, run.id)).id).toBe(run.id);
  });
});
