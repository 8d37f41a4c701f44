import { describe, expect, it } from 'vitest';
import * as vega from 'vega';
import { relabelSwitches } from '../../../main/api/contract/presentation.ts';
import { compile } from 'vega-lite';
import {
  compactCurvesLayout,
  CURVE_DATA,
  curveDomains,
  curveRows,
  curvesSpec,
  markerDatum,
  niceDomain,
  presentCurves,
  sharedXyExtent,
  smooth,
  withInlineData,
  xyExtent,
  xySpec,
  XY_MARKER_DATA,
} from './plots.ts';

const THEME = { text: '#222', grid: '#ccc', background: '#fff' };

/** A headless Vega view of a Vega-Lite spec (no renderer), run once; its warnings go to `warnings`. */
async function viewOf(spec: object, warnings: string[] = []): Promise<vega.View> {
  const view = new vega.View(vega.parse(compile(spec as never).spec), { renderer: 'none' });
  view.logger({ ...view.logger(), warn: (...a: unknown[]) => warnings.push(a.join(' ')) } as never);
  await view.runAsync();
  return view;
}

/** The text of every label a view draws (ticks, titles). */
async function labelsOf(view: vega.View): Promise<string[]> {
  return [...(await view.toSVG()).matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

/** A metric row of goal-sac at iteration i (1-based). */
const goalRow = (i: number, success: number, ret: number) => ({
  iteration: i,
  env_steps: i * 500,
  wall_s: i * 0.3,
  success_rate: success,
  episode_return: ret,
  alpha: 0.1,
});

/** A scenegraph node: a mark (with `marktype`) or a group/item, each with child `items`. */
interface SceneNode {
  marktype?: string;
  /** 'mark' for the spec's own marks; axes, grids and legends have other roles. */
  role?: string;
  items?: SceneNode[];
}

/** Every mark of a view's scenegraph, depth first. */
function scenegraphMarks(view: vega.View): Array<SceneNode & { items: SceneNode[] }> {
  const walk = (n: SceneNode): SceneNode[] => [n, ...(n.items ?? []).flatMap(walk)];
  const root = (view.scenegraph() as unknown as { root: SceneNode }).root;
  return walk(root).filter(
    (n): n is SceneNode & { items: SceneNode[] } => n.marktype !== undefined && !!n.items,
  );
}

describe('plots', () => {
  it('smooths with TensorBoard’s debiased EMA and skips non-finite values', () => {
    expect(smooth([1, 1, 1], 0.9)).toEqual([1, 1, 1].map((v) => expect.closeTo(v, 12)));
    const s = smooth([0, 10, null, Number.NaN, 10], 0.5);
    // y1 = 0; y2 = 0.5·0 + 0.5·10 = 5, debiased by 1 − 0.25 → 6.667; y3 = 0.5·5 + 5 = 7.5 / 0.875.
    expect(s[0]).toBe(0);
    expect(s[1]).toBeCloseTo(5 / 0.75, 10);
    expect(s[2]).toBeNull();
    expect(s[3]).toBeNull();
    expect(s[4]).toBeCloseTo(7.5 / 0.875, 10);
    expect(smooth([3, 4], 0)).toEqual([3, 4]);
  });

  it('draws every trace and moves the timeline markers through the named dataset without a new spec', async () => {
    const traces = [
      {
        skill: 0,
        rollout: 0,
        xy: [
          [0, 0],
          [0.5, 0.1],
          [0.9, 0.2],
        ],
      },
      {
        skill: 3,
        rollout: 0,
        xy: [
          [0, 0],
          [-0.4, -0.6],
        ],
      },
    ];
    const view = await viewOf(xySpec(traces, THEME, 300));
    expect(view.data(XY_MARKER_DATA)).toEqual([]);
    const rows = [markerDatum(0, 0.5, 0.1), markerDatum(3, -0.4, -0.6)];
    await view.data(XY_MARKER_DATA, rows).runAsync();
    expect(view.data(XY_MARKER_DATA).map((r) => [r.skill, r.x, r.y])).toEqual([
      ['skill 0', 0.5, 0.1],
      ['skill 3', -0.4, -0.6],
    ]);
    // The traces: five points in two lines, coloured by skill with the skill palette's entries 0 and 3.
    const marks = scenegraphMarks(view);
    expect(marks.filter((m) => m.marktype === 'line').flatMap((m) => m.items).length).toBe(5);
    expect(marks.filter((m) => m.marktype === 'symbol').flatMap((m) => m.items).length).toBe(2);
  });

  it('lays out one smoothed learning curve per metric the run reports', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({
      iteration: i + 1,
      env_steps: (i + 1) * 1000,
      wall_s: i * 2,
      intrinsic_reward: i / 10,
      discriminator_accuracy: i / 20,
      alpha: 0.1,
    }));
    const curves = presentCurves('diayn', rows as never);
    expect(curves.map((c) => c.key)).toEqual(expect.arrayContaining(['discriminator_accuracy', 'alpha']));
    const data = curveRows('diayn', rows as never, 'env_steps', 0.6);
    expect(new Set(data.map((v) => v.curve)).size).toBe(curves.length);
    expect(data.every((v) => v.x >= 1000 && v.x <= 20_000)).toBe(true);
    const view = await viewOf(curvesSpec(curves, 'env_steps', THEME, 600));
    await view.data(CURVE_DATA, data).runAsync();
    // One raw and one smoothed line per panel, every row drawn in both.
    const lines = scenegraphMarks(view).filter((m) => m.marktype === 'line');
    expect(lines.length).toBe(2 * curves.length);
    expect(lines.flatMap((m) => m.items).length).toBe(2 * data.length);
  });

  it('marks every relabeling switch of a goal-sac run in each panel', async () => {
    // future k=4 for iterations 1–3, final k=4 from iteration 4, final k=2 from iteration 6.
    const setting = (i: number) => (i < 4 ? [2, 4] : i < 6 ? [1, 4] : [1, 2]);
    const rows = Array.from({ length: 8 }, (_, j) => ({
      iteration: j + 1,
      env_steps: (j + 1) * 200,
      wall_s: j,
      success_rate: j / 8,
      episode_return: -50 + j,
      relabel_share: 0.8,
      alpha: 0.1,
      relabel_strategy: setting(j + 1)[0],
      relabel_k: setting(j + 1)[1],
    }));
    expect(relabelSwitches(rows as never, 'env_steps')).toEqual([
      { x: 600, label: '→ final k=4' },
      { x: 1000, label: '→ final k=2' },
    ]);
    const curves = presentCurves('goal-sac', rows as never);
    expect(curves.map((c) => c.key)).toEqual(['success_rate', 'episode_return', 'relabel_share', 'alpha']);
    const data = curveRows('goal-sac', rows as never, 'env_steps', 0);
    const view = await viewOf(curvesSpec(curves, 'env_steps', THEME, 600));
    await view.data(CURVE_DATA, data).runAsync();
    const marks = scenegraphMarks(view);
    const rules = marks.filter((m) => m.marktype === 'rule' && m.role === 'mark');
    expect(rules.flatMap((m) => m.items).length).toBe(2 * curves.length);
    // The curves themselves leave the switch rows out.
    expect(marks.filter((m) => m.marktype === 'line').flatMap((m) => m.items).length).toBe(
      2 * 8 * curves.length,
    );
  });

  it('gives a run’s first metric row a dot and short tick labels; a page lays panels out in full rows', async () => {
    // One row: no line to draw yet, and a flat domain whose ticks Vega would print with 17 digits.
    const rows = [
      { iteration: 1, env_steps: 500, wall_s: 1, intrinsic_reward: 0.6527067418582737, alpha: 0.088789 },
    ];
    const curves = presentCurves('diayn', rows as never);
    const data = curveRows('diayn', rows as never, 'env_steps', 0.6);
    const spec = curvesSpec(curves, 'env_steps', THEME, 1200, { columns: 3, height: 170, points: true });
    const view = await viewOf(spec);
    await view.data(CURVE_DATA, data).runAsync();
    const dots = scenegraphMarks(view).filter((m) => m.marktype === 'symbol' && m.role === 'mark');
    expect(dots.flatMap((m) => m.items).length).toBe(curves.length);
    const labels = [...(await view.toSVG()).matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toContain('0.652707');
    expect(labels.filter((l) => /^[−-]?[\d.]+k?$/.test(l)).every((l) => l.length <= 8)).toBe(true);
    // Two panels a row by default; each panel a view of its own, with its own axes (a row that is
    // not full would otherwise carry the axes of the panels above it).
    expect(spec).toMatchObject({ columns: 3, concat: curves.map(() => ({ height: 170 })) });
    expect(curvesSpec(curves, 'env_steps', THEME, 600)).toMatchObject({ columns: 2 });
  });

  // Issue #13 B5: the compare view's plots.
  it('shares each curve’s y axis and the x axis across the compared runs (issue #13 B5)', async () => {
    const a = Array.from({ length: 5 }, (_, i) => goalRow(i + 1, i / 10, -50 + i)); // success 0…0.4
    const b = Array.from({ length: 8 }, (_, i) => goalRow(i + 1, 0.2 + i / 10, -30)); // success 0.2…0.9
    const domains = curveDomains(
      [
        { algo: 'goal-sac', rows: a as never },
        { algo: 'goal-sac', rows: b as never },
      ],
      'env_steps',
    );
    expect(domains.x).toEqual([0, 4000]);
    expect(domains.y['success rate']).toEqual([0, 1]);
    expect(domains.y['episode return']).toEqual([-50, -30]);
    expect(niceDomain(0.65, 0.65)).toEqual([0.55, 0.75]);
    expect(niceDomain(0, 0)).toEqual([0, 1]);
    // Run a's panels span the shared range, not only its own values.
    const curves = presentCurves('goal-sac', a as never);
    const view = await viewOf(curvesSpec(curves, 'env_steps', THEME, 600, { domains }));
    await view.data(CURVE_DATA, curveRows('goal-sac', a as never, 'env_steps', 0)).runAsync();
    const labels = await labelsOf(view);
    expect(labels).toEqual(expect.arrayContaining(['1', '−30', '4k']));
  });

  it('leaves out curves a run does not report: no panel that is only an axis (issue #13 B5)', async () => {
    const rows = [1, 2, 3].map((i) => ({ ...goalRow(i, 0.1, -40), success_rate: Number.NaN }));
    const curves = presentCurves('goal-sac', rows as never);
    expect(curves.map((c) => c.key)).not.toContain('success_rate');
    const spec = curvesSpec(curves, 'env_steps', THEME, 600) as {
      concat: Array<{ title: { text: string } }>;
    };
    expect(spec.concat.map((p) => p.title.text)).toEqual(curves.map((c) => c.title));
  });

  it('draws no "Infinite extent" while a plot has no rows yet (issue #13 B5)', async () => {
    const curves = presentCurves('goal-sac', [goalRow(1, 0, -40)] as never);
    const rows = curveRows('goal-sac', [goalRow(1, 0, -40)] as never, 'env_steps', 0.6);
    for (const spec of [
      // Rows at hand are inlined when the plot is embedded…
      withInlineData(curvesSpec(curves, 'env_steps', THEME, 600, { switches: false }), {
        [CURVE_DATA]: rows,
      }),
      // …and shared axes give every scale a domain of its own.
      curvesSpec(curves, 'env_steps', THEME, 600, {
        domains: curveDomains([{ algo: 'goal-sac', rows: [goalRow(1, 0, -40)] as never }], 'env_steps'),
      }),
      xySpec([], THEME, 300),
    ]) {
      const warnings: string[] = [];
      const view = await viewOf(spec, warnings);
      await view.runAsync();
      expect(warnings, JSON.stringify(spec).slice(0, 60)).toEqual([]);
      view.finalize();
    }
  });

  it('formats ticks without padded zeros or milli-prefixes (issue #13 B5)', async () => {
    const bad = (l: string) => /^[−-]?\d*\.\d*0$/.test(l) || /^[−-]?[\d.]+m$/.test(l) || l.length > 8;
    for (const values of [
      [0, 0, 0],
      [-1e-9, 1e-9, 0],
      [0, 1e-12, 0],
    ]) {
      const rows = values.map((v, i) => goalRow(i + 1, v, v));
      for (const axis of ['env_steps', 'wall_s'] as const) {
        const view = await viewOf(curvesSpec(presentCurves('goal-sac', rows as never), axis, THEME, 600));
        await view.data(CURVE_DATA, curveRows('goal-sac', rows as never, axis, 0)).runAsync();
        const ticks = (await labelsOf(view)).filter((l) => /^[−\d.-]/.test(l));
        expect(ticks.filter(bad), `${axis} ${values}`).toEqual([]);
      }
    }
    const xy = await viewOf(
      xySpec(
        [
          {
            skill: 0,
            rollout: 0,
            xy: [
              [0, 0],
              [0.05, -0.08],
            ],
          },
        ],
        THEME,
        300,
      ),
    );
    const ticks = (await labelsOf(xy)).filter((l) => /^[−\d.-]/.test(l));
    expect(ticks).toContain('0');
    expect(ticks.filter(bad)).toEqual([]);
  });

  it('gives every x-y plot of one env the widest window of them; panels grow with the column (issue #13 B5)', async () => {
    const small = [
      {
        skill: 0,
        rollout: 0,
        xy: [
          [0, 0],
          [0.1, -0.2],
        ],
      },
    ];
    expect(xyExtent(small)).toBeCloseTo(0.21);
    const windows = [
      { env: 'point-mass', extent: 0.21 },
      { env: 'point-mass', extent: 0.84 },
      { env: 'ant', extent: 12 },
    ];
    expect(sharedXyExtent(windows, 'point-mass')).toBe(0.84);
    expect(sharedXyExtent(windows, 'half-cheetah')).toBeNull();
    const view = await viewOf(xySpec(small, THEME, 300, 0.84));
    expect((view.scale('x') as unknown as { domain(): number[] }).domain()).toEqual([-0.84, 0.84]);
    // A wide column: more, larger panels; never the old ~120 × 90 px.
    expect(compactCurvesLayout(360, 4)).toEqual({ columns: 1, height: 150 });
    expect(compactCurvesLayout(900, 4)).toEqual({ columns: 2, height: 195 });
    const spec = curvesSpec([{ title: 'a' }], 'env_steps', THEME, 900, compactCurvesLayout(900, 4)) as {
      concat: Array<{ width: number; height: number }>;
    };
    expect(spec.concat[0].width).toBeGreaterThan(350);
  });
});
