import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { briefSkillRuns, cli, expectRefusals } from './test_helpers.ts';

// What the planner reaches is the learning test's (engine/planning/dads_plan.test.ts); here: the
// command's input, output and refusals, on briefly trained runs.
describe('skill-lab plan', () => {
  it('plans with a DADS run: --json prints the report; bad goals, settings and runs are refused naming them', () => {
    const { ws, dads, diayn } = briefSkillRuns('skill-lab-plan-');

    const figure = join(ws, 'figures', 'plan');
    const r = cli(
      [
        'plan',
        dads,
        '--goal',
        '0.5,0.3',
        '--goal',
        '-0.4,-0.2',
        '--episodes',
        '2',
        '--json',
        '--figure',
        `${figure}.png`,
      ],
      ws,
    );
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out); // the figure's paths go to stderr under --json
    expect(r.err).toContain(`${figure}.png`);
    const svg = readFileSync(`${figure}.svg`, 'utf8');
    expect(svg).toContain(`${dads}: zero-shot goal reaching`);
    expect(svg).toContain(`success ${report.success_rate.toFixed(2)}, mean final distance`);
    expect(statSync(`${figure}.png`).size).toBeGreaterThan(10_000);
    expect(report.run).toBe(dads);
    expect(report.checkpoint).toMatchObject({ iteration: 2, envSteps: 1000, fallback: null });
    expect(report.checkpoint.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.episodes.map((e: { goal: number[] }) => e.goal)).toEqual([
      [0.5, 0.3],
      [0.5, 0.3],
      [-0.4, -0.2],
      [-0.4, -0.2],
    ]);
    for (const e of report.episodes) {
      expect(e).toEqual({
        goal: expect.any(Array),
        final_distance: expect.any(Number),
        success: e.final_distance < report.success_radius,
        steps: expect.any(Number),
      });
      expect(e.steps).toBeLessThanOrEqual(50);
    }
    expect(report.success_radius).toBe(0.1);
    expect(report.success_rate).toBe(
      report.episodes.filter((e: { success: boolean }) => e.success).length / 4,
    );
    expect(report.baseline.episodes).toHaveLength(4);
    expect(report.planner).toMatchObject({ preset: 'dense', actions: 'mean', seed: 0 });
    expect(report.planner.sources.hold).toMatch(/App\. A\.5|reference/);

    const text = cli(['plan', dads, '--goal', '0.5,0.3', '--set', 'hold=5', '--no-baseline'], ws);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/H_Z 5/);
    expect(text.out).toMatch(/success = final distance < 0\.1 m/);
    expect(text.out).not.toMatch(/random skills/);

    const refusals: Array<[string[], RegExp]> = [
      [['plan', diayn, '--goal', '1,1'], new RegExp(`run ${diayn} is a diayn run; .* needs a run of dads`)],
      [['plan', dads, '--goal', '1,x'], /--goal #1: "1,x" is not a point X,Y of two finite numbers/],
      [['plan', dads, '--goal', '0,0', '--goal', 'NaN,1'], /--goal #2: "NaN,1"/],
      [['plan', dads], /plan needs at least one --goal X,Y/],
      [
        ['plan', dads, '--goal', '1,1', '--set', 'holdd=3'],
        /unknown setting "holdd"; allowed: horizon, hold/,
      ],
      [['plan', dads, '--goal', '1,1', '--radius', '-1'], /--radius must be a positive number of m/],
      [['plan', 'nope', '--goal', '1,1'], /No run "nope"/],
    ];
    expectRefusals(ws, refusals);
  });
});
