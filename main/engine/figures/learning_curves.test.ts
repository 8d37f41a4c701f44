import { describe, expect, it } from 'vitest';
import { learningCurvesSpec } from './learning_curves.ts';
import { relabelSequence } from './curves.ts';
import { renderSvg } from './render.ts';

/** Metric rows of a goal-sac run whose success grows linearly; relabeling switches at `switchAt`. */
function rows(n: number, slope: number, switchAt: number | null = null) {
  return Array.from({ length: n }, (_, i) => ({
    iteration: i + 1,
    env_steps: (i + 1) * 1000,
    wall_s: i * 3,
    success_rate: Math.min(1, slope * i),
    relabel_strategy: switchAt !== null && i >= switchAt ? 1 : 2,
    relabel_k: 4,
  }));
}

describe('learning-curves figure', () => {
  it('draws one line per variant and panel, seeds as one band, and the relabeling switch', async () => {
    const spec = learningCurvesSpec(
      [
        { label: 'future k=4', rows: rows(20, 0.05, 10) },
        { label: 'future k=4', rows: rows(20, 0.04) },
        { label: 'no relabeling', rows: rows(20, 0) },
      ],
      { metrics: [{ key: 'success_rate', title: 'success rate' }], smoothing: 0, title: 'push' },
    );
    const { svg, warnings } = await renderSvg(spec);
    expect(warnings).toEqual([]);
    expect(svg).toContain('success rate');
    expect(svg).toContain('future k=4');
    expect(svg).toContain('no relabeling');
    expect(svg).toContain('→ final k=4'); // the first run's switch at iteration 11
    // Two variant lines: the seeds of "future k=4" are averaged into one.
    expect((svg.match(/aria-roledescription="line mark"/g) ?? []).length).toBe(2);
  });

  it('states n per variant and what the band is; seeds of different lengths make no kink', async () => {
    // Two seeds at 1.0 and one at 0 that runs twice as long: a curve over all x would jump from the
    // IQM of three seeds to the last seed's 0 where the short ones end.
    const flat = (n: number, v: number) =>
      Array.from({ length: n }, (_, i) => ({
        iteration: i + 1,
        env_steps: (i + 1) * 1000,
        wall_s: i,
        success_rate: v,
      }));
    const spec = learningCurvesSpec(
      [
        { label: 'a', rows: flat(10, 1) },
        { label: 'a', rows: flat(10, 1) },
        { label: 'a', rows: flat(20, 0) },
      ],
      { metrics: [{ key: 'success_rate', title: 'success rate' }], smoothing: 0, statistic: 'mean' },
    ) as { data: { values: Array<{ x: number; mean: number; variant: string }> } };
    const pts = spec.data.values;
    expect(Math.max(...pts.map((p) => p.x))).toBe(10_000);
    expect(new Set(pts.map((p) => p.mean.toFixed(6)))).toEqual(new Set([(2 / 3).toFixed(6)]));
    expect(pts[0].variant).toBe('a (n=3)');
    const { svg } = await renderSvg(spec);
    expect(svg).toContain('a (n=3)');
    expect(svg).toContain(
      'mean over seeds (n per variant in the legend); band: 95 % stratified-bootstrap CI',
    );
  });

  it('refuses empty input', () => {
    expect(() => learningCurvesSpec([], { metrics: [{ key: 'a', title: 'a' }] })).toThrow(/no runs/);
    expect(() => learningCurvesSpec([{ label: 'x', rows: rows(3, 0) }], { metrics: [] })).toThrow(
      /no metrics/,
    );
    expect(() =>
      learningCurvesSpec([{ label: 'x', rows: rows(3, 0) }], { metrics: [{ key: 'nope', title: 'nope' }] }),
    ).toThrow(/no run reports nope/);
  });

  it('labels a run that switched relabeling by its sequence, the same text the workbench shows', () => {
    expect(relabelSequence(rows(20, 0.05, 10))).toBe('future k=4 → final k=4');
    expect(relabelSequence(rows(5, 0.05))).toBe('future k=4');
    expect(
      relabelSequence([{ iteration: 1, env_steps: 1, wall_s: 0, relabel_strategy: 0, relabel_k: 4 }]),
    ).toBe('no relabeling');
    expect(relabelSequence([{ iteration: 1, env_steps: 1, wall_s: 0 }])).toBeNull();
  });
});
