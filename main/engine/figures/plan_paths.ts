/**
 * The x-y figure of a planning report (`skill-lab plan --figure`): every executed episode's path of
 * f(s) = (x, y), the planner's in colour and the random skill sequences' in grey, each goal with its
 * success radius, on equal axes — the DADS paper's Fig. 7-style picture of where the skills went.
 * Rendered with {@link renderFigure} like the other figures.
 */
import { FONT_FAMILY } from './fonts.ts';

/** One executed episode of the figure. */
export interface PathEpisode {
  /** Its x-y path, [steps + 1][2] in m (extra columns of f are ignored). */
  f: ReadonlyArray<ReadonlyArray<number>>;
  /** The goal (the last waypoint), m. */
  goal: ReadonlyArray<number>;
  /** Waypoints before the goal, drawn as smaller marks; [] for a single goal. */
  waypoints?: ReadonlyArray<ReadonlyArray<number>>;
  success: boolean;
}

/** Options of {@link planPathsSpec}. */
export interface PlanPathsOptions {
  /** Success radius drawn around each goal, m. */
  radius: number;
  /** Legend labels of the two groups; defaults 'MPPI' and 'random skills'. */
  plannerLabel?: string;
  baselineLabel?: string;
  title?: string;
  /** Lines under the title. */
  subtitle?: string[];
  /** Plot side in px (the plot is square); default 360. */
  size?: number;
}

const PLANNER_COLOR = '#1f6fd1';
const BASELINE_COLOR = '#9a9a9a';
const CIRCLE_POINTS = 48;
/** Points kept per path: a 1000-step Ant episode needs no more to look right. */
const MAX_PATH_POINTS = 400;

/** The square [lo, hi] range that holds every value, padded by 6 % (at least 0.05 m). */
function squareDomain(xs: number[], ys: number[]): { x: [number, number]; y: [number, number] } {
  const span = (v: number[]) => [Math.min(...v), Math.max(...v)] as const;
  const [x0, x1] = span(xs);
  const [y0, y1] = span(ys);
  const half = Math.max(x1 - x0, y1 - y0, 0.1) / 2;
  const pad = Math.max(half * 0.06, 0.05);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  return { x: [cx - half - pad, cx + half + pad], y: [cy - half - pad, cy + half + pad] };
}

/**
 * The Vega-Lite spec of the figure: paths (planner, then baseline underneath), starts as small
 * circles, goals as crosses with a dashed circle of the success radius, x and y on the same scale.
 * @param planner the planner's episodes; baseline the random skills' ([] for none)
 * @throws Error when there is no episode with a path, or a path or goal holds a non-finite x or y
 */
export function planPathsSpec(
  planner: ReadonlyArray<PathEpisode>,
  baseline: ReadonlyArray<PathEpisode>,
  opts: PlanPathsOptions,
): object {
  const plannerLabel = opts.plannerLabel ?? 'MPPI';
  const baselineLabel = opts.baselineLabel ?? 'random skills';
  const groups = [
    { label: plannerLabel, episodes: planner },
    { label: baselineLabel, episodes: baseline },
  ];
  if (planner.length + baseline.length === 0 || [...planner, ...baseline].every((e) => e.f.length === 0))
    throw new Error('plan figure: no episode paths to draw');
  const paths: Record<string, unknown>[] = [];
  const starts: Record<string, unknown>[] = [];
  const goals = new Map<string, { x: number; y: number; final: boolean }>();
  groups.forEach(({ label, episodes }) =>
    episodes.forEach((e, i) => {
      const stride = Math.max(1, Math.ceil(e.f.length / MAX_PATH_POINTS));
      e.f.forEach((p, t) => {
        if (!Number.isFinite(p[0]) || !Number.isFinite(p[1]))
          throw new Error(`plan figure: ${label} episode ${i + 1}: f at step ${t} is not finite`);
        if (t % stride === 0 || t === e.f.length - 1)
          paths.push({ group: label, episode: `${label} ${i}`, t, x: p[0], y: p[1] });
      });
      if (e.f.length > 0) starts.push({ group: label, x: e.f[0][0], y: e.f[0][1] });
      const marks = [...(e.waypoints ?? []).map((w) => ({ w, final: false })), { w: e.goal, final: true }];
      for (const { w, final } of marks) {
        if (!Number.isFinite(w[0]) || !Number.isFinite(w[1]))
          throw new Error(`plan figure: ${label} episode ${i + 1}: goal (${w.join(', ')}) is not finite`);
        goals.set(`${w[0]},${w[1]},${final}`, { x: w[0], y: w[1], final });
      }
    }),
  );
  const circles: Record<string, unknown>[] = [];
  [...goals.values()]
    .filter((g) => g.final)
    .forEach((g, k) => {
      for (let j = 0; j <= CIRCLE_POINTS; j++) {
        const a = (2 * Math.PI * j) / CIRCLE_POINTS;
        circles.push({
          circle: k,
          j,
          x: g.x + opts.radius * Math.cos(a),
          y: g.y + opts.radius * Math.sin(a),
        });
      }
    });
  const all = [...paths, ...circles] as { x: number; y: number }[];
  const domain = squareDomain(
    all.map((p) => p.x),
    all.map((p) => p.y),
  );
  const size = opts.size ?? 360;
  const x = { field: 'x', type: 'quantitative', title: 'x (m)', scale: { domain: domain.x, nice: false } };
  const y = { field: 'y', type: 'quantitative', title: 'y (m)', scale: { domain: domain.y, nice: false } };
  const color = {
    field: 'group',
    type: 'nominal',
    title: null,
    scale: { domain: [plannerLabel, baselineLabel], range: [PLANNER_COLOR, BASELINE_COLOR] },
    legend: { orient: 'bottom', direction: 'horizontal', symbolType: 'stroke', symbolStrokeWidth: 3 },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title
      ? {
          title: {
            text: opts.title,
            subtitle: opts.subtitle ?? [],
            subtitleFontSize: 11,
            anchor: 'start',
            fontSize: 13,
          },
        }
      : {}),
    width: size,
    height: size,
    config: {
      font: FONT_FAMILY,
      background: 'white',
      view: { stroke: '#888' },
      axis: { labelFontSize: 10, titleFontSize: 11, grid: true, gridColor: '#ececec' },
      legend: { labelFontSize: 11 },
    },
    layer: [
      {
        data: { values: circles },
        mark: { type: 'line', strokeDash: [3, 3], color: '#222', strokeWidth: 1 },
        encoding: { x, y, detail: { field: 'circle' }, order: { field: 'j' } },
      },
      // The baseline first so the planner's paths lie on top.
      ...[baselineLabel, plannerLabel].map((label) => ({
        data: { values: paths },
        transform: [{ filter: { field: 'group', equal: label } }],
        mark: { type: 'line', strokeWidth: 1.6, opacity: 0.85 },
        encoding: { x, y, color, detail: { field: 'episode' }, order: { field: 't' } },
      })),
      {
        data: { values: starts },
        mark: { type: 'point', filled: true, size: 22, color: '#222' },
        encoding: { x, y },
      },
      // Goals as large crosses, waypoints before them as small ones.
      ...[true, false].map((final) => ({
        data: { values: [...goals.values()].filter((g) => g.final === final) },
        mark: { type: 'point', shape: 'cross', filled: true, color: '#c0392b', size: final ? 110 : 45 },
        encoding: { x, y },
      })),
    ],
  };
}
