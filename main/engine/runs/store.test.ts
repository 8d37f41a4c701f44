import { describe, it, expect } from 'vitest';
import { mkdirSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempStore, createRun } from './test_helpers.ts';
import { RunStoreError } from './store.ts';

/** metrics.jsonl text of rows 1..n (env_steps 20 per iteration). */
const metricsText = (n: number) =>
  Array.from(
    { length: n },
    (_, i) => JSON.stringify({ iteration: i + 1, env_steps: 20 * (i + 1) }) + '\n',
  ).join('');

describe('run store', () => {
  it('stores relabeling strategies by name in metrics.jsonl and reads them back as indices (issue #13 B3)', () => {
    const store = tempStore();
    const run = createRun(store, { algo: 'goal-sac', preset: 'arm-reach', task: 'reach' });
    run.appendMetrics({ iteration: 1, env_steps: 10, wall_s: 1, relabel_strategy: 2, relabel_k: 4 });
    run.appendMetrics({ iteration: 2, env_steps: 20, wall_s: 2, relabel_strategy: 1, relabel_k: 2 });
    // multitask-sac rows (with a relabeled share) index the task relabeling strategies
    run.appendMetrics({ iteration: 3, env_steps: 30, wall_s: 3, relabel_strategy: 4, relabel_ratio: 0.5 });
    const stored = readFileSync(run.metricsPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(stored.map((r) => r.relabel_strategy)).toEqual(['future', 'final', 'hipi']);
    expect(run.readMetrics().map((r) => r.relabel_strategy)).toEqual([2, 1, 4]);
    // a resume's rewrite keeps the names; rows of older runs (indices) still read
    run.truncateMetrics(2);
    expect(readFileSync(run.metricsPath, 'utf8')).toContain('"relabel_strategy":"final"');
    writeFileSync(
      run.metricsPath,
      JSON.stringify({ iteration: 1, env_steps: 10, relabel_strategy: 3, relabel_k: 4 }) + '\n',
    );
    expect(run.readMetrics()[0].relabel_strategy).toBe(3);
  });

  it("names a goal-conditioned run's task in its id when the preset's name does not (issue #13 B2)", () => {
    const store = tempStore();
    const left = createRun(store, { algo: 'goal-sac', preset: 'arm-push', task: 'push-left' });
    const plain = createRun(store, { algo: 'goal-sac', preset: 'arm-reach', task: 'reach' });
    expect(left.id).toMatch(/^goal-sac-arm-push-push-left-s0-\d{8}-\d{6}$/);
    expect(plain.id).toMatch(/^goal-sac-arm-reach-s0-/); // the preset's name says the task already
  });

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

  it('reads every readable metrics row around a torn last line or damage in the middle', () => {
    const store = tempStore();
    const run = createRun(store, { algo: 'dads', preset: 'point-mass' });
    writeFileSync(run.metricsPath, '{"iteration":1}\n{"iteration":2}\n{"itera');
    expect(run.readMetrics()).toEqual([{ iteration: 1 }, { iteration: 2 }]);
    expect(run.scanMetrics()).toMatchObject({ unreadableLines: [3], tornTail: true });
    // Damage in the middle no longer makes every reader (curves, figures, the service) fail.
    writeFileSync(run.metricsPath, '{"iteration":1}\n{"ite\n[3]\n{"iteration":4}\n');
    expect(run.readMetrics()).toEqual([{ iteration: 1 }, { iteration: 4 }]);
    expect(run.scanMetrics()).toMatchObject({ unreadableLines: [2, 3], tornTail: false });
    // A row cut mid-line with the next one appended after it: the later row is still read.
    writeFileSync(run.metricsPath, '{"iteration":1}\n{"iteration":2,"env_st{"iteration":3}\n');
    expect(run.readMetrics()).toEqual([{ iteration: 1 }, { iteration: 3 }]);
    expect(run.scanMetrics().unreadableLines).toEqual([2]);
  });

  it('a resume over metrics.jsonl cut mid-line keeps every readable row, the damaged file and says what is missing', () => {
    // The finding of issue #10 §3: 40 rows cut inside row 25 (the rest of the file lost), resumed
    // from the checkpoint at iteration 40. Rows 25–40 are gone from the file; that must not be silent.
    const store = tempStore();
    const run = createRun(store, { algo: 'dads', preset: 'point-mass' });
    const full = metricsText(40);
    const cut = full.slice(0, full.indexOf('{"iteration":25') + 20);
    writeFileSync(run.metricsPath, cut);
    const warnings: string[] = [];
    const damage = run.truncateMetrics(40, { onWarning: (m) => warnings.push(m) });

    expect(run.readMetrics().map((r) => r.iteration)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(damage).toMatchObject({ unreadableLines: [25], keptRows: 24 });
    expect(damage!.missingIterations).toEqual(Array.from({ length: 16 }, (_, i) => i + 25));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(run.metricsPath);
    expect(warnings[0]).toMatch(
      /line 25 could not be read; iterations 25–40 \(of 1–40, the checkpoint's\) are missing/,
    );
    expect(warnings[0]).toContain(damage!.keptAs!);
    // The damaged file is kept byte for byte, beside the run's files, and named in run.json.
    expect(damage!.keptAs).toMatch(/metrics\.jsonl\.damaged-\d{8}T\d{6}Z$/);
    expect(readFileSync(damage!.keptAs!, 'utf8')).toBe(cut);
    expect(run.readRecord().warnings).toEqual(warnings);

    // Damage in the middle: the rows after it stay; a second damaged copy never overwrites the first.
    const lines = full.split('\n');
    lines[9] = '{"iteration":10,"env_s';
    writeFileSync(run.metricsPath, lines.join('\n'));
    const again = run.truncateMetrics(40);
    expect(again!.keptAs).not.toBe(damage!.keptAs);
    expect(readFileSync(damage!.keptAs!, 'utf8')).toBe(cut);
    expect(again!.missingIterations).toEqual([10]);
    expect(run.readMetrics().map((r) => r.iteration)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1).filter((i) => i !== 10),
    );
    expect(run.readRecord().warnings).toHaveLength(2);
  });

  it('drops a torn row past the checkpoint quietly: a kill mid-append costs no history', () => {
    const store = tempStore();
    const run = createRun(store, { algo: 'dads', preset: 'point-mass' });
    writeFileSync(run.metricsPath, metricsText(12) + '{"iteration":13,"env_st');
    const warnings: string[] = [];
    expect(run.truncateMetrics(12, { onWarning: (m) => warnings.push(m) })).toBeNull();
    expect(warnings).toEqual([]);
    expect(readFileSync(run.metricsPath, 'utf8')).toBe(metricsText(12));
    expect(readdirSync(run.path).filter((f) => f.includes('damaged'))).toEqual([]);
    // Rows past the checkpoint are computed again, so they go without a warning too.
    expect(run.truncateMetrics(5)).toBeNull();
    expect(run.readMetrics()).toHaveLength(5);
  });

  it('reports an unknown run id with the known ones', () => {
    const store = tempStore();
    const run = createRun(store, { algo: 'dads', preset: 'point-mass' });
    expect(() => store.open('nope')).toThrow(new RegExp(`Known runs: ${run.id}`));
    expect(store.open(run.id).path).toBe(run.path);
    expect(store.open(join(store.runsDir, run.id)).id).toBe(run.id);
  });

  it('says how many runs an unknown-run error leaves out', () => {
    const store = tempStore();
    for (let i = 0; i < 10; i++) mkdirSync(join(store.runsDir, `sac-point-mass-s${i}`), { recursive: true });
    expect(() => store.open('nope')).toThrow(
      /Known runs \(8 of 10; skill-lab list shows all\): sac-point-mass-s2, .*, sac-point-mass-s9$/,
    );
  });
});
