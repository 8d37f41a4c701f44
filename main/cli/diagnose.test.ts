import { describe, expect, it } from 'vitest';
import { briefSkillRuns, cli, expectRefusals } from './test_helpers.ts';

// What the figures show on trained and untrained runs is the engine's test
// (engine/runs/dads_diagnostics.test.ts); here: the command's output and refusals.
describe('skill-lab diagnose', () => {
  it('diagnoses a DADS run: --json prints the report, the table the same figures; wrong runs and steps are refused', () => {
    const { ws, dads, diayn } = briefSkillRuns('skill-lab-diagnose-');

    const r = cli(['diagnose', dads, '--steps', '4000', '--json'], ws);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({
      run: dads,
      checkpoint: { iteration: 2, envSteps: 1000, fallback: null },
      env: 'point-mass',
      state_function: 'xy',
      skill_dim: 2,
      episode_steps: 50,
      steps: 4000,
      seed: 0,
    });
    expect(report.checkpoint.sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const [key, actions] of [
      ['stochastic', 'sample'],
      ['deterministic', 'mean'],
    ]) {
      const m = report[key];
      expect(m).toMatchObject({ actions, transitions: 4000, episodes: 80, unstable_steps: 0 });
      expect(m.regression).toMatchObject({ features: 8, fit_episodes: 40, test_episodes: 40 });
      expect(m.loglik.gain_from_z).toBeCloseTo(m.loglik.true_z - m.loglik.shuffled_z, 10);
      expect(m.normalizer.moving_var).toHaveLength(2);
    }

    const text = cli(['diagnose', dads, '--steps', '4000'], ws);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(`DADS diagnostic of ${dads} (checkpoint at 1000 env steps): point-mass, f = xy`);
    expect(text.out).toMatch('held-out episodes per policy mode: 80 × 50 env steps');
    const row = (label: string) => text.out.split('\n').find((l) => l.startsWith(label)) ?? '';
    expect(row('log q(Δ | s, z), true z')).toContain(report.stochastic.loglik.true_z.toFixed(3));
    expect(row('log q(Δ | s, z), true z')).toContain(report.deterministic.loglik.true_z.toFixed(3));
    expect(row('held-out R² of Δn on z (8 features)')).toContain(
      `${report.stochastic.regression.r2.toFixed(3)} (40/40 ep.)`,
    );
    expect(text.out).toMatch(/sampled actions\s+mean actions/);

    const refusals: Array<[string[], RegExp]> = [
      [
        ['diagnose', diayn],
        new RegExp(`run ${diayn} is a diayn run; the skill-dynamics diagnostic .* needs a run of dads`),
      ],
      [
        ['diagnose', dads, '--steps', '3999'],
        /--steps must be an integer ≥ 4000 \(80 episodes of 50 env steps/,
      ],
      [['diagnose', 'nope'], /No run "nope"/],
    ];
    expectRefusals(ws, refusals);
  });
});
