import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './test_helpers.ts';

describe('skill-lab resume --steps', () => {
  it('trains a completed run on to a larger budget, recording where the budget came from', () => {
    const ws = mkdtempSync(join(tmpdir(), 'skill-lab-resume-'));
    const args = ['--preset', 'point-mass', '--steps', '1000', '--no-eval', '--set', 'checkpointEvery=1'];
    expect(cli(['train', '--algo', 'dads', ...args], ws).code).toBe(0);
    const [id] = readdirSync(join(ws, 'runs'));
    const runJson = () => JSON.parse(readFileSync(join(ws, 'runs', id, 'run.json'), 'utf8'));

    const done = cli(['resume', id, '--no-eval'], ws);
    expect(done.out).toMatch(/already completed \(1000 env steps\).*--steps N/);
    const lower = cli(['resume', id, '--steps', '1000'], ws);
    expect(lower.code).toBe(2);
    expect(lower.err).toMatch(
      /--steps 1000: run .* has trained 1000 env steps already; give a larger budget/,
    );
    expect(lower.err).not.toMatch(/\n\s+at /);

    const more = cli(['resume', id, '--steps', '2000', '--no-eval'], ws);
    expect(more.code, more.err).toBe(0);
    const record = runJson();
    expect(record).toMatchObject({ status: 'completed', envSteps: 2000 });
    expect(record.config.totalEnvSteps).toBe(2000);
    expect(record.sources.totalEnvSteps).toBe('skill-lab resume --steps (was 1000)');
    const rows = readFileSync(join(ws, 'runs', id, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.iteration)).toEqual([1, 2, 3, 4]);
    expect(rows.map((r) => r.env_steps)).toEqual([500, 1000, 1500, 2000]);
  });
});
