/**
 * The model of the views of skill traces (issue #9 §2, §4) — a run's Skills view, where MPPI plans
 * with DADS skills, and a meta-controller run's evaluation, where its high-level policy picked the
 * skills — free of Vue so it is tested alone: the colour of a skill (continuous or one of N), the
 * top-down map's extent, axes and pixel mapping, the goals a user clicks, what is drawn at a time of
 * the timeline, the request the planner form makes and the `skill-lab plan` command that reports
 * the same numbers.
 */
import {
  MPPI_PRESET_VALUES,
  MAX_PLAN_GOALS,
  type ParamsOf,
  type PlanEpisodeTrace,
  type PlanReport,
  type RunRecordInfo,
  SKILL_ENVS,
} from '../../../main/api/contract/contract.ts';
import { findAlgo, SKILL_PALETTE } from '../../../main/api/contract/presentation.ts';
import { formatSteps } from './format.ts';

// ── skill colours ──────────────────────────────────────────────────────────────────────────────

/** An RGB colour with channels in [0, 1]. */
export type Rgb = [number, number, number];

/** HSL (h in degrees, s and l in [0, 1]) → RGB in [0, 1]. */
function hslToRgb(h: number, s: number, l: number): Rgb {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  return [f(0), f(8), f(4)];
}

/**
 * The colour of a continuous skill z ∈ [-1, 1]^d: the hue is the direction of (z₁, z₂) (0° = +z₁,
 * counter-clockwise; a 1-D skill is +z₁ or −z₁), the saturation its length — a short z, which moves
 * the robot little, is greyer. Dimensions past the second do not show. Null entries count as 0.
 */
export function skillRgb(z: ReadonlyArray<number | null>): Rgb {
  const a = z[0] ?? 0;
  const b = z.length > 1 ? (z[1] ?? 0) : 0;
  const hue = ((Math.atan2(b, a) * 180) / Math.PI + 360) % 360;
  const length = Math.min(1, Math.hypot(a, b));
  return hslToRgb(hue, 0.25 + 0.65 * length, 0.52);
}

/** {@link skillRgb} as a CSS colour, with an optional alpha. */
export function skillCss(z: ReadonlyArray<number | null>, alpha = 1): string {
  const [r, g, b] = skillRgb(z).map((v) => Math.round(v * 255));
  return alpha >= 1 ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** The CSS background of the colour legend: the hue wheel of {@link skillRgb} at full length. */
export function skillWheelCss(): string {
  // conic-gradient starts at 12 o'clock and turns clockwise; +z₁ is at 3 o'clock, +z₂ at 12.
  const stops = Array.from({ length: 13 }, (_, i) => {
    const deg = i * 30;
    return `${skillCss([Math.cos(((90 - deg) * Math.PI) / 180), Math.sin(((90 - deg) * Math.PI) / 180)])} ${deg}deg`;
  });
  return `conic-gradient(${stops.join(', ')})`;
}

/**
 * How skills are coloured: `continuous` by {@link skillRgb} (the hue wheel of DADS's z), `discrete`
 * by the skill's index in {@link SKILL_PALETTE} — the colours DIAYN's skills have everywhere else in
 * the workbench (3D replay, curves), so a skill looks the same on its own run's page.
 */
export type SkillKind = 'continuous' | 'discrete';

/**
 * The kind of skills of the algorithm `algo` (a skill run's), from its catalog entry's conditioning;
 * null for an algorithm without skills or unknown to the catalog.
 */
export function skillKindOf(algo: string): SkillKind | null {
  const c = findAlgo(algo)?.conditioning;
  return c === 'continuous-skill' ? 'continuous' : c === 'discrete-skill' ? 'discrete' : null;
}

/** The index of a one-hot skill vector: its largest entry (the first of equals; nulls count as −∞). */
export function skillIndex(z: ReadonlyArray<number | null>): number {
  let best = 0;
  z.forEach((v, j) => {
    if (v !== null && (z[best] === null || v > (z[best] as number))) best = j;
  });
  return best;
}

/** A `#rrggbb` colour → RGB in [0, 1]. */
function hexRgb(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

/** The palette colour (CSS) of discrete skill `k` (0-based), as scene/agents.ts skillColor tints it. */
export function paletteCss(k: number): string {
  return SKILL_PALETTE[k % SKILL_PALETTE.length];
}

/** The colour of skill `z` of kind `kind`: see {@link SkillKind}. */
export function skillColour(z: ReadonlyArray<number | null>, kind: SkillKind): Rgb {
  return kind === 'continuous' ? skillRgb(z) : hexRgb(paletteCss(skillIndex(z)));
}

/** {@link skillColour} as a CSS colour, with an optional alpha. */
export function skillColourCss(z: ReadonlyArray<number | null>, kind: SkillKind, alpha = 1): string {
  const [r, g, b] = skillColour(z, kind).map((v) => Math.round(v * 255));
  return alpha >= 1 ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** A skill as text: "skill 3" for one of N, "z = (0.31, −0.92)" for a continuous one. */
export function skillText(z: ReadonlyArray<number | null>, kind: SkillKind): string {
  if (kind === 'discrete') return `skill ${skillIndex(z)}`;
  return `z = (${z.map((v) => (v === null ? '—' : v.toFixed(2).replace('-', '−'))).join(', ')})`;
}

/**
 * The discrete skills the traces hold, by index, with how many segments held each (the legend of a
 * controller over DIAYN's skills): in index order; `shared` lists the indices whose colour another
 * listed skill has too (SKILL_PALETTE repeats every 10 skills).
 */
export function skillsPicked(traces: ReadonlyArray<Pick<PlanEpisodeTrace, 'segments'>>): {
  skills: Array<{ index: number; segments: number }>;
  shared: number[];
} {
  const counts = new Map<number, number>();
  for (const t of traces)
    for (const s of t.segments) {
      const k = skillIndex(s.skill);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  const skills = [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, segments]) => ({ index, segments }));
  const shared = skills
    .filter((s) => skills.some((o) => o.index !== s.index && paletteCss(o.index) === paletteCss(s.index)))
    .map((s) => s.index);
  return { skills, shared };
}

// ── the map ────────────────────────────────────────────────────────────────────────────────────

/** A rectangle of the x-y plane, in m. */
export interface Bounds {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/** The map's extent before anything is known of the env: ±1.5 m. */
export const DEFAULT_BOUNDS: Bounds = { xMin: -1.5, xMax: 1.5, yMin: -1.5, yMax: 1.5 };

/** Half-width (m) the arena part of the map keeps at most: an Ant's 100 m floor is not a map. */
export const MAX_ARENA_HALF = 5;

/**
 * The arena a map starts from: the static world (floor, walls) of the env's model, clipped to
 * ±{@link MAX_ARENA_HALF} m around the origin; {@link DEFAULT_BOUNDS} when the world is empty.
 */
export function arenaBounds(world: Bounds | null): Bounds {
  if (!world || !(world.xMax > world.xMin) || !(world.yMax > world.yMin)) return { ...DEFAULT_BOUNDS };
  const c = (v: number) => Math.max(-MAX_ARENA_HALF, Math.min(MAX_ARENA_HALF, v));
  return { xMin: c(world.xMin), xMax: c(world.xMax), yMin: c(world.yMin), yMax: c(world.yMax) };
}

/**
 * The x-y box of `points` (m), at least `minSide` across, centred on them: the frame of a map that
 * shows paths rather than an arena (an arm task's block on its table). {@link DEFAULT_BOUNDS} when
 * no point is finite.
 */
export function pathBounds(points: ReadonlyArray<ReadonlyArray<number | null>>, minSide = 0.3): Bounds {
  const xy = xyRows(points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (xy.length === 0) return { ...DEFAULT_BOUNDS };
  const xs = xy.map((p) => p[0]);
  const ys = xy.map((p) => p[1]);
  const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
  const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
  const hx = Math.max(minSide, Math.max(...xs) - Math.min(...xs)) / 2;
  const hy = Math.max(minSide, Math.max(...ys) - Math.min(...ys)) / 2;
  return { xMin: cx - hx, xMax: cx + hx, yMin: cy - hy, yMax: cy + hy };
}

/**
 * The square the map shows: the arena and every point given (goals, paths), with a margin of 8 %
 * of the side, centred. Square so that a metre is as long across as up.
 */
export function mapBounds(arena: Bounds, points: ReadonlyArray<ReadonlyArray<number | null>>): Bounds {
  let { xMin, xMax, yMin, yMax } = arena;
  for (const p of points) {
    const [x, y] = p;
    if (x === null || y === null || !Number.isFinite(x) || !Number.isFinite(y)) continue;
    xMin = Math.min(xMin, x);
    xMax = Math.max(xMax, x);
    yMin = Math.min(yMin, y);
    yMax = Math.max(yMax, y);
  }
  const side = Math.max(xMax - xMin, yMax - yMin) * 1.08;
  const cx = (xMin + xMax) / 2;
  const cy = (yMin + yMax) / 2;
  return { xMin: cx - side / 2, xMax: cx + side / 2, yMin: cy - side / 2, yMax: cy + side / 2 };
}

/** Where the map draws: the plot square inside the canvas (CSS px), left of it the y axis, under it the x axis. */
export interface MapFrame {
  bounds: Bounds;
  /** Plot square: left, top, side (px). */
  left: number;
  top: number;
  side: number;
}

/** Room for the axes' labels (px). */
export const AXIS_ROOM = { left: 44, bottom: 34, top: 10, right: 12 };

/** The plot square of a canvas `width` × `height` (CSS px) showing `bounds`. */
export function mapFrame(bounds: Bounds, width: number, height: number): MapFrame {
  const side = Math.max(
    10,
    Math.min(width - AXIS_ROOM.left - AXIS_ROOM.right, height - AXIS_ROOM.top - AXIS_ROOM.bottom),
  );
  return { bounds, left: AXIS_ROOM.left, top: AXIS_ROOM.top, side };
}

/** A point of the plane (m) → canvas px. */
export function toPixel(frame: MapFrame, x: number, y: number): [number, number] {
  const { bounds: b, left, top, side } = frame;
  return [left + ((x - b.xMin) / (b.xMax - b.xMin)) * side, top + ((b.yMax - y) / (b.yMax - b.yMin)) * side];
}

/** Canvas px → a point of the plane (m); null outside the plot square. */
export function toWorld(frame: MapFrame, px: number, py: number): [number, number] | null {
  const { bounds: b, left, top, side } = frame;
  if (px < left || px > left + side || py < top || py > top + side) return null;
  return [
    b.xMin + ((px - left) / side) * (b.xMax - b.xMin),
    b.yMax - ((py - top) / side) * (b.yMax - b.yMin),
  ];
}

/** Round tick values within [lo, hi], about `count` of them (1, 2 or 5 × 10^n apart). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  // d3's thresholds: the nearest of 1, 2, 5, 10 on a log scale.
  const step = (m < Math.SQRT2 ? 1 : m < Math.sqrt(10) ? 2 : m < Math.sqrt(50) ? 5 : 10) * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

// ── goals ──────────────────────────────────────────────────────────────────────────────────────

/** Goals are placed to the centimetre, so that `skill-lab plan --goal X,Y` can repeat them exactly. */
export function snapGoal(x: number, y: number): [number, number] {
  const r = (v: number) => Math.round(v * 100) / 100 || 0;
  return [r(x), r(y)];
}

/**
 * The goal list after a click at (x, y) (m): a click within `pickRadius` m of a goal removes it
 * (the nearest), elsewhere adds a goal (snapped, {@link snapGoal}) unless there are
 * {@link MAX_PLAN_GOALS} already.
 */
export function clickGoals(
  goals: ReadonlyArray<readonly [number, number]>,
  x: number,
  y: number,
  pickRadius: number,
): Array<[number, number]> {
  let nearest = -1;
  let best = pickRadius;
  goals.forEach(([gx, gy], i) => {
    const d = Math.hypot(gx - x, gy - y);
    if (d <= best) {
      best = d;
      nearest = i;
    }
  });
  const list = goals.map(([gx, gy]) => [gx, gy] as [number, number]);
  if (nearest >= 0) return list.filter((_, i) => i !== nearest);
  if (list.length >= MAX_PLAN_GOALS) return list;
  return [...list, snapGoal(x, y)];
}

// ── the planner form ───────────────────────────────────────────────────────────────────────────

/** The planner settings the form offers as overrides, with their symbols. */
export const FORM_SETTINGS = [
  { key: 'horizon', label: 'horizon H_P', title: 'skills per plan' },
  { key: 'hold', label: 'hold H_Z', title: 'env steps each skill is held' },
  { key: 'candidates', label: 'candidates K', title: 'candidate skill sequences per refine step' },
  { key: 'refineSteps', label: 'refine R', title: 'refine steps per replan' },
  { key: 'gamma', label: 'γ', title: "MPPI's inverse temperature" },
] as const;
export type FormSettingKey = (typeof FORM_SETTINGS)[number]['key'];

/** What the planner form holds; empty override fields keep the preset's value. */
export interface PlanForm {
  preset: 'dense' | 'sparse';
  episodes: number;
  seed: number;
  baseline: boolean;
  overrides: Partial<Record<FormSettingKey, number | null | ''>>;
}

/** The form a new user starts from: the paper's dense setting, one episode per goal, seed 0, with the baseline. */
export function defaultPlanForm(): PlanForm {
  return { preset: 'dense', episodes: 1, seed: 0, baseline: true, overrides: {} };
}

/** The preset's value and source of a setting (placeholders and hints of the form). */
export function presetSetting(
  preset: PlanForm['preset'],
  key: FormSettingKey,
): { value: number; source: string } {
  const p = MPPI_PRESET_VALUES[preset];
  return { value: p.settings[key], source: p.sources[key] };
}

/** The overrides the form sets (numbers only; empty fields and the preset's own values left out). */
export function formOverrides(form: PlanForm): Partial<Record<FormSettingKey, number>> {
  const out: Partial<Record<FormSettingKey, number>> = {};
  for (const { key } of FORM_SETTINGS) {
    const v = form.overrides[key];
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
  }
  return out;
}

/** The planSkills params of a form and goals. */
export function planParams(
  runId: string,
  planId: string,
  goals: ReadonlyArray<readonly [number, number]>,
  form: PlanForm,
): ParamsOf<'planSkills'> {
  const overrides = formOverrides(form);
  return {
    runId,
    planId,
    goals: goals.map(([x, y]) => [x, y] as [number, number]),
    episodes: form.episodes,
    seed: form.seed,
    preset: form.preset,
    baseline: form.baseline,
    ...(Object.keys(overrides).length ? { overrides } : {}),
  };
}

/** The `skill-lab plan` command line that reports the same numbers as the planSkills `params`. */
export function planCommandLine(params: ParamsOf<'planSkills'>): string {
  const parts = ['skill-lab plan', params.runId];
  for (const [x, y] of params.goals ?? []) parts.push(`--goal ${x},${y}`);
  if ((params.episodes ?? 1) !== 1) parts.push(`--episodes ${params.episodes}`);
  parts.push(`--seed ${params.seed ?? 0}`);
  if ((params.preset ?? 'dense') !== 'dense') parts.push(`--preset ${params.preset}`);
  for (const [k, v] of Object.entries(params.overrides ?? {})) parts.push(`--set ${k}=${v}`);
  if (params.baseline === false) parts.push('--no-baseline');
  parts.push('--json');
  return parts.join(' ');
}

/** A plan id for a new request: unique within this page's life. */
export function newPlanId(runId: string, now = Date.now()): string {
  return `plan-${now.toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}-${runId.length}`;
}

// ── what is drawn at a time ─────────────────────────────────────────────────────────────────────

/** x-y (m) of the rows of a trajectory in f(s) (the planning's f is (x, y): state function 'xy'). */
export function xyRows(rows: ReadonlyArray<ReadonlyArray<number | null>>): Array<[number, number]> {
  return rows
    .filter((r) => r[0] !== null && r[1] !== null && r[0] !== undefined && r[1] !== undefined)
    .map((r) => [r[0] as number, r[1] as number]);
}

/** The env steps an episode shows at timeline time `t` (s) with `dt` s per step: 0 … its steps. */
export function stepAt(t: number, dt: number, steps: number): number {
  return Math.max(0, Math.min(steps, Math.floor(t / dt + 1e-9)));
}

/** The index of the segment being executed after `step` env steps (the last one started at or before it). */
export function segmentAt(trace: Pick<PlanEpisodeTrace, 'segments'>, step: number): number {
  let k = 0;
  trace.segments.forEach((s, i) => {
    if (s.start <= step) k = i;
  });
  return k;
}

/** One stretch of an executed path held with one skill: its points (m) and colour. */
export interface PathPiece {
  skill: Array<number | null>;
  points: Array<[number, number]>;
}

/**
 * The executed path up to `step`, cut into its segments, each with its skill (to be drawn in the
 * skill's colour); consecutive pieces share their joining point so the line is unbroken.
 */
export function pathPieces(trace: Pick<PlanEpisodeTrace, 'f' | 'segments'>, step: number): PathPiece[] {
  const pieces: PathPiece[] = [];
  trace.segments.forEach((s, i) => {
    const end = Math.min(
      step,
      i + 1 < trace.segments.length ? trace.segments[i + 1].start : trace.f.length - 1,
    );
    if (s.start > step) return;
    pieces.push({ skill: s.skill, points: xyRows(trace.f.slice(s.start, end + 1)) });
  });
  return pieces;
}

/** The episode duration (s) of the longest trace. */
export function planDuration(traces: ReadonlyArray<Pick<PlanEpisodeTrace, 'steps'>>, dt: number): number {
  return Math.max(0, ...traces.map((t) => t.steps * dt));
}

// ── the results ────────────────────────────────────────────────────────────────────────────────

/** A distance (m) as text: 3 decimals, '—' for null (NaN on the wire). */
export function metres(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${v.toFixed(3)} m` : '—';
}

/** The figures line of a report: success rate and mean final distance, planner and random skills. */
export function reportFigures(
  report: PlanReport,
): Array<{ label: string; planner: string; baseline: string }> {
  const b = report.baseline;
  return [
    {
      label: `success rate (final distance < ${report.success_radius} m)`,
      planner: report.success_rate.toFixed(2),
      baseline: b ? b.success_rate.toFixed(2) : '—',
    },
    {
      label: 'mean final distance',
      planner: metres(report.mean_final_distance),
      baseline: b ? metres(b.mean_final_distance) : '—',
    },
  ];
}

// ── a meta-controller's evaluation ─────────────────────────────────────────────────────────────

/** The skill run a controller composes, as its page names it (run.json's skillSource). */
export type SkillSourceInfo = NonNullable<RunRecordInfo['skillSource']>;

/**
 * The line that names the skills a controller composes: "DADS, checkpoint at 30 k env steps
 * (iteration 60), SHA-256 0123abcd…" — the run id itself is the link beside it.
 */
export function skillSourceText(
  source: Pick<SkillSourceInfo, 'algo' | 'envSteps' | 'iteration' | 'sha256'>,
): string {
  return (
    `${source.algo.toUpperCase()}, checkpoint at ${formatSteps(source.envSteps)} env steps ` +
    `(iteration ${source.iteration}), SHA-256 ${source.sha256.slice(0, 12)}…`
  );
}

/** The env of a run as the traces' 3D scene names it; null for an env without a scene model. */
export function traceEnv(env: string): (typeof SKILL_ENVS)[number] | null {
  return (SKILL_ENVS as readonly string[]).includes(env) ? (env as (typeof SKILL_ENVS)[number]) : null;
}
