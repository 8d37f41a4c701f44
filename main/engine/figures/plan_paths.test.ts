import { describe, expect, it } from 'vitest';
import { BASELINE_COLOR, planPathsSpec, type PathEpisode, type PathGroup } from './plan_paths.ts';
import { renderSvg } from './render.ts';

type Layer = {
  data: { values: Record<string, number | string | boolean>[] };
  transform?: { filter: { field: string; equal: string } }[];
  encoding: { x: { scale: { domain: number[] } }; y: { scale: { domain: number[] } } };
};

const line = (to: number[], n: number): number[][] =>
  Array.from({ length: n + 1 }, (_, t) => [(to[0] * t) / n, (to[1] * t) / n]);

const planner: PathEpisode[] = [
  { f: line([0.5, 0.3], 30), goal: [0.5, 0.3], success: true },
  { f: line([-0.2, 0.4], 50), goal: [-0.4, 0.8], waypoints: [[-0.2, 0.4]], success: false },
];
const baseline: PathEpisode[] = [{ f: line([0.1, -0.1], 50), goal: [0.5, 0.3], success: false }];
const groups = (plannerLabel = 'MPPI'): PathGroup[] => [
  { label: 'random skills', color: BASELINE_COLOR, episodes: baseline },
  { label: plannerLabel, episodes: planner },
];

describe('planPathsSpec', () => {
  it('draws every path point, groups in order (the baseline under the planner), goals with their radius, on equal square axes', () => {
    const spec = planPathsSpec(groups(), { radius: 0.1, title: 't' }) as { layer: Layer[] };
    const [circles, under, over, starts, finals, waypoints] = spec.layer;
    expect(under.transform![0].filter.equal).toBe('random skills');
    expect(over.transform![0].filter.equal).toBe('MPPI');
    expect(over.data.values.filter((p) => p.group === 'MPPI')).toHaveLength(31 + 51);
    expect(under.data.values.filter((p) => p.group === 'random skills')).toHaveLength(51);
    expect(starts.data.values).toHaveLength(3);
    // Two final goals (one shared by two episodes) and one waypoint.
    expect(finals.data.values.map((g) => [g.x, g.y])).toEqual([
      [0.5, 0.3],
      [-0.4, 0.8],
    ]);
    expect(waypoints.data.values.map((g) => [g.x, g.y])).toEqual([[-0.2, 0.4]]);
    const circle0 = circles.data.values.filter((p) => p.circle === 0);
    for (const p of circle0)
      expect(Math.hypot((p.x as number) - 0.5, (p.y as number) - 0.3)).toBeCloseTo(0.1, 9);
    const dx = over.encoding.x.scale.domain;
    const dy = over.encoding.y.scale.domain;
    expect(dx[1] - dx[0]).toBeCloseTo(dy[1] - dy[0], 12);
    // Everything drawn lies inside the axes: the goal (-0.4, 0.8) with its radius, the paths.
    expect(dx[0]).toBeLessThan(-0.5);
    expect(dy[1]).toBeGreaterThan(0.9);
    expect(dx[1]).toBeGreaterThan(0.6);
  });

  it('thins a long path to at most 400 points but keeps its last one', () => {
    const long = [{ f: line([14, 10], 1999), goal: [10, 10], success: false }];
    const spec = planPathsSpec([{ label: 'MPPI', episodes: long }], { radius: 1.5 }) as { layer: Layer[] };
    const pts = spec.layer[1].data.values.filter((p) => p.group === 'MPPI');
    expect(pts.length).toBeLessThanOrEqual(401);
    expect(pts.at(-1)).toMatchObject({ t: 1999, x: 14, y: 10 });
  });

  it('renders to an SVG with the labels, a path per episode and no Vega warnings', async () => {
    const { svg, warnings } = await renderSvg(
      planPathsSpec(groups('MPPI (dense)'), { radius: 0.1, title: 'a run' }),
    );
    expect(warnings).toEqual([]);
    for (const t of ['MPPI (dense)', 'random skills', 'x (m)', 'y (m)', 'a run']) expect(svg).toContain(t);
    // 3 episode paths + 2 radius circles + the legend's 2 strokes, at least.
    expect((svg.match(/<path/g) ?? []).length).toBeGreaterThanOrEqual(7);
  });

  it('refuses no paths, twin labels and non-finite points, naming the episode', () => {
    expect(() => planPathsSpec([], { radius: 1 })).toThrow(/no episode paths/);
    expect(() => planPathsSpec([{ label: 'a', episodes: [] }], { radius: 1 })).toThrow(/no episode paths/);
    expect(() =>
      planPathsSpec(
        [
          { label: 'a', episodes: planner },
          { label: 'a', episodes: baseline },
        ],
        { radius: 1 },
      ),
    ).toThrow(/two groups are labelled "a"/);
    const bad = [
      {
        f: [
          [0, 0],
          [NaN, 1],
        ],
        goal: [1, 1],
        success: false,
      },
    ];
    expect(() => planPathsSpec([{ label: 'MPPI', episodes: bad }], { radius: 1 })).toThrow(
      /MPPI episode 1: f at step 1 is not finite/,
    );
    const badGoal = [{ f: [[0, 0]], goal: [Infinity, 1], success: false }];
    expect(() => planPathsSpec([{ label: 'random skills', episodes: badGoal }], { radius: 1 })).toThrow(
      /random skills episode 1: goal/,
    );
  });
});
