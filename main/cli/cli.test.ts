import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

const BIN = fileURLToPath(new URL('../../bin/skill-lab.js', import.meta.url));

function cli(args: string[], workspace: string) {
  const r = spawnSync(process.execPath, [BIN, '--workspace', workspace, ...args], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('skill-lab command line', () => {
  it('refuses bad input with what is allowed and exit code 2', () => {
    const ws = mkdtempSync(join(tmpdir(), 'skill-lab-cli-'));
    let r = cli(['train', '--algo', 'ppo', '--env', 'ant'], ws);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/Allowed choices are sac, diayn, dads/);
    r = cli(['train', '--algo', 'dads', '--preset', 'nope'], ws);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /Unknown preset "nope". Allowed presets: ant-xy, arm-push, arm-reach, bit-flip, half-cheetah, multi-goal, point-mass/,
    );
    r = cli(['train', '--algo', 'dads', '--preset', 'point-mass', '--set', 'sac.gamma=2'], ws);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/sac\.gamma/);
    r = cli(['eval', 'no-such-run'], ws);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/No run "no-such-run"/);
    expect(existsSync(join(ws, 'runs')) ? readdirSync(join(ws, 'runs')) : []).toEqual([]);
  });

  it('trains, lists and evaluates a run; eval --json prints one object with per-skill figures', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'skill-lab-cli-'));
    const train = cli(
      ['train', '--algo', 'diayn', '--preset', 'point-mass', '--steps', '1000', '--skills', '3', '--no-eval'],
      ws,
    );
    expect(train.code, train.err).toBe(0);
    expect(train.err).toMatch(/compute backend: wasm/);
    const [id] = readdirSync(join(ws, 'runs'));
    const list = cli(['list'], ws);
    expect(list.out).toContain(id);
    expect(list.out).toMatch(/completed/);

    const r = cli(['eval', id, '--json', '--rollouts', '2'], ws);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({
      run: id,
      algo: 'diayn',
      env: 'point-mass',
      rollouts_per_skill: 2,
      env_steps: 1000,
    });
    expect(report.skills).toHaveLength(3);
    for (const s of report.skills) {
      expect(s.final_mean).toHaveLength(2);
      expect(s.final_std).toHaveLength(2);
      expect(typeof s.discriminator_accuracy).toBe('number');
      expect(s.z).toHaveLength(3);
    }
    expect(report.coverage_cells).toBeGreaterThan(0);

    // The run files are queryable by DuckDB as they are (the documented format of evaluate.ts).
    const con = await (await DuckDBInstance.create(':memory:')).connect();
    const dir = join(ws, 'runs', id);
    const finals = (
      await con.runAndReadAll(
        `SELECT skill, count(*) AS n, avg(xy[1]) AS x, avg(xy[2]) AS y FROM read_json_auto('${join(dir, 'eval', 'rollouts.jsonl')}')
         WHERE step = 50 GROUP BY skill ORDER BY skill`,
      )
    ).getRowObjects();
    expect(finals.map((row) => Number(row.n))).toEqual([2, 2, 2]);
    finals.forEach((row, k) => expect(Number(row.x)).toBeCloseTo(report.skills[k].final_mean[0], 5));
    const metrics = (
      await con.runAndReadAll(
        `SELECT max(env_steps) AS steps FROM read_json_auto('${join(dir, 'metrics.jsonl')}')`,
      )
    ).getRowObjects();
    expect(Number(metrics[0].steps)).toBe(1000);
  });
});
