/**
 * The plot of a skill-embedding run's task embeddings (issue #11 §2): each task's p(z | t) as its
 * mean (a dot, labelled with the task) and the ellipse of 2σ along the view's axes, in z's own
 * coordinates for d ≤ 2 or the task means' two principal components above, with equal scales on
 * both axes so distances read true.
 */
import type { ResultOf } from '../../../main/api/contract/contract.ts';
import { SKILL_PALETTE } from '../../../main/api/contract/presentation.ts';
import { baseConfig, TICK_FORMAT, type PlotTheme } from './plots.ts';

/** What getSkillEmbedding answers. */
export type SkillEmbeddingData = ResultOf<'getSkillEmbedding'>;

/** Points on each task's 2σ ellipse: {task, i, x, y}, 48 per task, closed. */
export function ellipsePoints(tasks: SkillEmbeddingData['tasks'], points = 48): object[] {
  return tasks.flatMap((t) =>
    Array.from({ length: points + 1 }, (_, i) => {
      const a = (2 * Math.PI * i) / points;
      return { task: `task ${t.task}`, i, x: t.x + 2 * t.sx * Math.cos(a), y: t.y + 2 * t.sy * Math.sin(a) };
    }),
  );
}

/** The axes' titles: "z₁", "z₂", or "PC 1 (87 % of the means' variance)". */
export function axisTitles(data: SkillEmbeddingData): [string, string] {
  if (data.projection.kind === 'direct') return data.latentDim === 1 ? ['z', '—'] : ['z₁', 'z₂'];
  const e = data.projection.explained;
  return [0, 1].map((k) => `PC ${k + 1} (${Math.round(100 * e[k])} % of the means' variance)`) as [
    string,
    string,
  ];
}

/** A half-width that holds every ellipse with a margin, the same on both axes. */
function extentOf(data: SkillEmbeddingData): { cx: number; cy: number; half: number } {
  const xs = data.tasks.flatMap((t) => [t.x - 2 * t.sx, t.x + 2 * t.sx]);
  const ys = data.tasks.flatMap((t) => [t.y - 2 * t.sy, t.y + 2 * t.sy]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const half = Math.max(x1 - x0, y1 - y0, 1e-3) * 0.55;
  return { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, half };
}

/** A point on the line between two tasks' embedding means: z = (1 − α)·μ(from) + α·μ(to). */
export interface InterpolationMark {
  from: number;
  to: number;
  alpha: number;
}

/**
 * Where z(α) of an interpolation lies on the plot: the projection (z itself, or principal
 * components) is linear, so it is the same mix of the two tasks' drawn means; null for a task the
 * data does not have.
 */
export function interpolationPoint(
  data: SkillEmbeddingData,
  mark: InterpolationMark,
): { x: number; y: number } | null {
  const a = data.tasks.find((t) => t.task === mark.from);
  const b = data.tasks.find((t) => t.task === mark.to);
  if (!a || !b) return null;
  return { x: (1 - mark.alpha) * a.x + mark.alpha * b.x, y: (1 - mark.alpha) * a.y + mark.alpha * b.y };
}

/**
 * The Vega-Lite spec of the plot, `size` px square; with `mark`, the line between the two tasks'
 * means (dashed) and z(α) on it (a diamond).
 */
export function embeddingSpec(
  data: SkillEmbeddingData,
  theme: PlotTheme,
  size: number,
  mark: InterpolationMark | null = null,
): object {
  const tasks = data.tasks.map((t) => `task ${t.task}`);
  const color = {
    field: 'task',
    type: 'nominal',
    scale: { domain: tasks, range: tasks.map((_, k) => SKILL_PALETTE[k % SKILL_PALETTE.length]) },
    legend: null,
  };
  const { cx, cy, half } = extentOf(data);
  const [xTitle, yTitle] = axisTitles(data);
  const axis = { format: TICK_FORMAT, tickCount: 5 };
  const x = {
    field: 'x',
    type: 'quantitative',
    title: xTitle,
    scale: { domain: [cx - half, cx + half], nice: false, zero: false },
    axis,
  };
  const y = {
    field: 'y',
    type: 'quantitative',
    title: yTitle,
    scale: { domain: [cy - half, cy + half], nice: false, zero: false },
    axis,
  };
  const means = data.tasks.map((t) => ({
    task: `task ${t.task}`,
    label: `${t.task}`,
    name: t.name,
    x: t.x,
    y: t.y,
  }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: size,
    height: size,
    config: baseConfig(theme),
    layer: [
      {
        data: { values: ellipsePoints(data.tasks) },
        mark: { type: 'line', strokeWidth: 1.5, opacity: 0.8, clip: true },
        encoding: { x, y, order: { field: 'i' }, detail: { field: 'task' }, color },
      },
      {
        data: { values: means },
        mark: { type: 'point', filled: true, size: 70, opacity: 1, clip: true },
        encoding: {
          x,
          y,
          color,
          tooltip: [
            { field: 'task', title: 'task' },
            { field: 'name', title: 'rewards' },
          ],
        },
      },
      {
        data: { values: means },
        mark: { type: 'text', dx: 9, dy: -9, fontSize: 12, color: theme.text },
        encoding: { x, y, text: { field: 'label' } },
      },
      ...interpolationLayers(data, mark, x, y, theme),
    ],
  };
}

/** The interpolation's line and its z(α) marker, or nothing without a mark. */
function interpolationLayers(
  data: SkillEmbeddingData,
  mark: InterpolationMark | null,
  x: object,
  y: object,
  theme: PlotTheme,
): object[] {
  const point = mark && interpolationPoint(data, mark);
  if (!mark || !point) return [];
  const ends = [0, 1].map((alpha, i) => ({ i, ...interpolationPoint(data, { ...mark, alpha })! }));
  return [
    {
      data: { values: ends },
      mark: { type: 'line', strokeDash: [4, 3], strokeWidth: 1, color: theme.text, opacity: 0.6, clip: true },
      encoding: { x, y, order: { field: 'i' } },
    },
    {
      data: { values: [{ ...point, label: `α = ${mark.alpha.toFixed(1)}` }] },
      mark: { type: 'point', shape: 'diamond', filled: true, size: 140, color: theme.text, clip: true },
      encoding: { x, y, tooltip: [{ field: 'label', title: 'z(α)' }] },
    },
  ];
}
