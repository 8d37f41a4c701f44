import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { BIN, cli } from './test_helpers.ts';

describe('skill-lab command line', () => {
  it('refuses bad input with what is allowed and exit code 2', () => {
    const ws = mkdtempSync(join(tmpdir(), 'skill-lab-cli-'));
    let r = cli(['train', '--algo', 'ppo', '--env', 'ant'], ws);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/Allowed choices are sac, diayn, dads/);
    r = cli(['train', '--algo', 'dads', '--preset', 'nope'], ws);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /Unknown preset "nope". Allowed presets: ant-xy, arm-push, arm-reach, arm-reach-tasks, arm-skills, bit-flip, distill, half-cheetah, multi-goal, point-mass, policy-gradient, regions/,
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
  // Four iterations of 250 env steps per run, a short evaluation.
  const QUICK = ['stepsPerIteration=250', 'sac.learningStarts=0', 'updatesPerIteration=20']
    .concat(['diayn.discriminatorSteps=20', 'dads.dynamicsSteps=5', 'eval.rolloutsPerSkill=2'])
    .flatMap((kv) => ['--set', kv]);
  const status = (ws: string, id: string) =>
    JSON.parse(readFileSync(join(ws, 'runs', id, 'run.json'), 'utf8')).status as string;

  it('compare trains DIAYN and DADS in run processes, evaluates both and writes the figure', () => {
    const ws = mkdtempSync(join(tmpdir(), 'skill-lab-cli-'));
    const r = cli(['compare', '--preset', 'point-mass', '--steps', '1000', ...QUICK], ws);
    expect(r.code, r.err).toBe(0);
    const ids = readdirSync(join(ws, 'runs')).sort();
    expect(ids).toHaveLength(2);
    expect(r.out).toMatch(
      /^comparing DIAYN and DADS on preset point-mass \(point-mass\), 1 seed\(s\), 2 run processes\n/,
    );
    for (const id of ids) {
      expect(r.out).toContain(`  ${join(ws, 'runs', id)}\n`);
      expect(status(ws, id)).toBe('completed');
    }
    expect(r.out).toMatch(
      /DIAYN on point-mass — run diayn-point-mass-s0-.*, \d+ env steps\n {2}f\(s\) = xy; 4 skills × 2 rollouts/,
    );
    expect(r.out).toMatch(
      /DADS on point-mass — run dads-point-mass-s0-.*, \d+ env steps\n {2}f\(s\) = xy; 8 skills × 2 rollouts/,
    );
    const png = /\nfigure: (\S+\.png)\n {8}(\S+\.svg)\nruns: {3}(\S+)\n$/.exec(r.out);
    expect(png, r.out).not.toBeNull();
    expect(existsSync(png![1]) && existsSync(png![2])).toBe(true);
    expect(png![3]).toBe(join(ws, 'runs'));
    expect(r.err).toMatch(/DIAYN s0 \|.*\| 100% 1000\/1000 env steps .*\| done\n/);
    expect(r.err).toMatch(/DADS s0 \|.*\| 100% 1000\/1000 env steps .*\| done\n/);
    expect(r.err).not.toMatch(/failed/);
  });

  it('compare stops every run with a checkpoint on SIGINT and writes no figure', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'skill-lab-cli-'));
    const child = spawn(
      process.execPath,
      [BIN, '--workspace', ws, 'compare', '--preset', 'point-mass', '--steps', '200000', ...QUICK],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', () => {});
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const runs = join(ws, 'runs');
    const trained = (id: string): number => {
      try {
        return JSON.parse(readFileSync(join(runs, id, 'run.json'), 'utf8')).iterations;
      } catch {
        return 0; // being created
      }
    };
    const end = Date.now() + 120_000;
    // Both runs past their first iteration (checkpointed), so each stop is a stop mid-training.
    while (!(
      existsSync(runs) &&
      readdirSync(runs).length === 2 &&
      readdirSync(runs).every((id) => trained(id) >= 1)
    )) {
      if (Date.now() > end) throw new Error('timed out waiting for both runs to train');
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGINT'); // the CLI only, not its run processes: they stop on its stop message
    expect(await exited).toBe(0);
    for (const id of readdirSync(runs)) {
      expect(status(ws, id)).toBe('stopped');
      expect(trained(id)).toBeLessThan(800);
    }
    expect(out).not.toMatch(/figure:/);
    expect(out).toMatch(/runs: {3}/);
  });
});
