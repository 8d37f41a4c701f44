/**
 * The x-y figure of a planning report (`skill-lab plan --figure`): every executed episode's path of
 * f(s) = (x, y) in its method's colour — the planner, skill controllers' evaluations, the random
 * skill sequences in grey —, each goal with its success radius, on equal axes: the DADS paper's
 * Fig. 7/8-style picture of where the skills went.
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

/** The episodes of one method, drawn in one colour with one legend entry. */
export interface PathGroup {
  label: string;
  /** CSS colour; default from {@link PATH_COLORS} by the group's place. */
  color?: string;
  episodes: ReadonlyArray<PathEpisode>;
}

/** Options of {@link planPathsSpec}. */
export interface PlanPathsOptions {
  /** Success radius drawn around each goal, m. */
  radius: number;
  title?: string;
  /** Lines under the title. */
  subtitle?: string[];
  /** Plot side in px (the plot is square); default 360. */
  size?: number;
}

/** Default colours of the groups in order: blue, orange, green, purple, red. */
export const PATH_COLORS: readonly string[] = ['#1f6fd1', '#e07b12', '#2e9d57', '#8e44ad', '#c0392b'];
/** The random skill sequences' colour. */
export const BASELINE_COLOR = '#9a9a9a';
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
 * The Vega-Lite spec of the figure: each group's paths (later groups drawn over earlier ones), starts
 * as small dots, goals as crosses with a dashed circle of the success radius, x and y on one scale.
 * @param groups bottom to top, e.g. random skills, controllers, then the planner
 * @throws Error when no episode has a path, two groups share a label, or a path or goal holds a
 *   non-finite x or y (naming the group and episode)
 */
export function planPathsSpec(groups: ReadonlyArray<PathGroup>, opts: PlanPathsOptions): object {
  if (groups.every((g) => g.episodes.every((e) => e.f.length === 0)))
    throw new Error('plan figure: no episode paths to draw');
  const labels = groups.map((g) => g.label);
  const twin = labels.find((l, i) => labels.indexOf(l) !== i);
  if (twin !== undefined) throw new Error(`plan figure: two groups are labelled "${twin}"`);
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
    scale: { domain: labels, range: groups.map((g, i) => g.color ?? PATH_COLORS[i % PATH_COLORS.length]) },
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
      ...labels.map((label) => ({
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
