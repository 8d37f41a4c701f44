import { describe, expect, it } from 'vitest';
import { learningCurvesSpec } from './learning_curves.ts';
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

  it('refuses empty input', () => {
    expect(() => learningCurvesSpec([], { metrics: [{ key: 'a', title: 'a' }] })).toThrow(/no runs/);
    expect(() => learningCurvesSpec([{ label: 'x', rows: rows(3, 0) }], { metrics: [] })).toThrow(
      /no metrics/,
    );
    expect(() =>
      learningCurvesSpec([{ label: 'x', rows: rows(3, 0) }], { metrics: [{ key: 'nope', title: 'nope' }] }),
    ).toThrow(/no run reports nope/);
  });
});
