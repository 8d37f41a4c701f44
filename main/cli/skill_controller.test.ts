import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './test_helpers.ts';

const runs = (ws: string) => (existsSync(join(ws, 'runs')) ? readdirSync(join(ws, 'runs')) : []);

/** Small networks and budgets: seconds per command. */
const SMALL = [
  '--set',
  'sac.hidden=[16]',
  '--set',
  'stepsPerIteration=100',
  '--set',
  'updatesPerIteration=2',
];

describe('skill-lab train --algo skill-controller --skills-from RUN', () => {
  it('refuses a skill run it cannot compose, naming it, with exit code 2 and no run created', () => {
    const ws = mkdtempSync(join(tmpdir(), 'skill-lab-cli-'));
    let r = cli(
      ['train', '--algo', 'skill-controller', '--preset', 'point-mass', '--skills-from', 'nope'],
      ws,
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/skillController\.skillsFrom: No run "nope"/);
    r = cli(['train', '--algo', 'skill-controller', '--preset', 'point-mass'], ws);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /name the DIAYN or DADS run whose frozen skills it composes with --skills-from RUN/,
    );
    r = cli(['train', '--algo', 'dads', '--preset', 'point-mass', '--skills-from', 'nope'], ws);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--skills-from: dads learns from scratch; it applies to skill-controller/);
    expect(runs(ws)).toEqual([]);

    r = cli(
      ['train', '--algo', 'sac', '--preset', 'point-mass', '--steps', '100', '--no-eval', ...SMALL],
      ws,
    );
    expect(r.code, r.err).toBe(0);
    const [sac] = runs(ws);
    r = cli(['train', '--algo', 'skill-controller', '--preset', 'point-mass', '--skills-from', sac], ws);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `run ${sac} is a sac run; skill-controller --skills-from needs a run of diayn or dads`,
    );
    expect(runs(ws)).toEqual([sac]);
  }, 120_000);

  it('trains over a DADS run, evaluates, and reports the goal, the distance and the skill run', () => {
    const ws = mkdtempSync(join(tmpdir(), 'skill-lab-cli-'));
    let r = cli(
      ['train', '--algo', 'dads', '--preset', 'point-mass', '--steps', '200', '--no-eval', ...SMALL],
      ws,
    );
    expect(r.code, r.err).toBe(0);
    const [dads] = runs(ws);
    r = cli(
      [
        'train',
        '--algo',
        'skill-controller',
        '--preset',
        'point-mass',
        '--skills-from',
        dads,
        '--steps',
        '200',
        '--set',
        'skillController.evalEpisodes=2',
        ...SMALL,
      ],
      ws,
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /SKILL-CONTROLLER on point-mass, task goal \(0\.50, 0\.50\) m with the skills of dads-/,
    );
    expect(r.out).toMatch(/2 episodes of 50 steps: success rate \d\.\d{3}, mean return -\d+\.\d\d/);
    expect(r.out).toMatch(/mean final distance to the goal \d\.\d{3} m \(success: below 0\.10 m\)/);
    expect(r.out).toContain(`skills of DADS run ${dads} (checkpoint SHA-256`);
    const ctrl = runs(ws).find((id) => id.startsWith('skill-controller'))!;
    const json = cli(['eval', ctrl, '--json'], ws);
    expect(json.code, json.err).toBe(0);
    const report = JSON.parse(json.out);
    expect(report).toMatchObject({
      algo: 'skill-controller',
      episodes: 2,
      skills_from: { run: dads, algo: 'dads' },
    });
    expect(report.traces[0].segments[0]).toMatchObject({ start: 0, predicted: null, candidates: [] });

    // Set beside zero-shot planning with the same skills: the evaluation as it was written.
    const figure = join(ws, 'paths');
    const plan = cli(
      [
        'plan',
        dads,
        '--goal',
        '0.5,0.5',
        '--no-baseline',
        '--controller',
        ctrl,
        '--json',
        '--figure',
        figure,
      ],
      ws,
    );
    expect(plan.code, plan.err).toBe(0);
    const [c] = JSON.parse(plan.out).controllers;
    expect(c).toMatchObject({
      run: ctrl,
      skills_from: report.skills_from,
      goal: [0.5, 0.5],
      success_rate: report.success_rate,
      mean_final_distance: report.mean_final_distance,
    });
    expect(c.episodes.map((e: { final_distance: number }) => e.final_distance)).toEqual(
      report.traces.map((t: { final_distance: number }) => t.final_distance),
    );
    expect(readFileSync(`${figure}.svg`, 'utf8')).toContain('controller over DADS skills');

    const summary = join(ws, 'runs', ctrl, 'eval', 'summary.json');
    const refused = (args: string[], message: RegExp | string) => {
      const p = cli(['plan', dads, '--goal', '0.5,0.5', ...args], ws);
      expect(p.code, p.err).toBe(2);
      if (typeof message === 'string') expect(p.err).toContain(message);
      else expect(p.err).toMatch(message);
    };
    refused(
      ['--controller', dads],
      `run ${dads} is a dads run; --controller needs a run of skill-controller`,
    );
    writeFileSync(summary, JSON.stringify({ ...report, traces: undefined }));
    refused(['--controller', ctrl], `${summary}: traces: missing`);
    writeFileSync(summary, '{"cut');
    refused(['--controller', ctrl], `${summary}: not valid JSON`);
    rmSync(summary);
    refused(
      ['--controller', ctrl],
      `run ${ctrl} has no evaluation yet (${summary} is missing): run skill-lab eval ${ctrl}`,
    );
  }, 240_000);
});
