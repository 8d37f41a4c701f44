/**
 * The Sweeps tab's model (issue #14 §2), as pure functions: the sweep form's state turned into the
 * very spec a `skill-lab sweep SPEC.yaml` file holds (and its YAML text), how many runs it expands
 * to, what a point's state reads as and which colour it takes, what Cancel and Resume would do, the
 * metrics a sweep's points report, the best K points by a metric, and the parallel-coordinates plot
 * of swept values against that metric (data shaped here, as in plots.ts, so the spec stays simple
 * and the maths is testable).
 *
 * Validation stays with the service (it names the point and field); the form only previews what the
 * contract's own spec schema says, so the preview and the service never disagree on the shape.
 */
import YAML from 'yaml';
import {
  sweepSpecSchema,
  type PointState,
  type SweepPointInfo,
  type SweepSpecInput,
  type SweepSummary,
  type SweepValue,
} from '../../../main/api/contract/contract.ts';
import { findAlgo } from '../../../main/api/contract/presentation.ts';
import { baseConfig, type PlotTheme } from './plots.ts';
import { parseValue } from './run_form.ts';

// ── the sweep form ──────────────────────────────────────────────────────────────────────────────

/** A row of the form's fixed overrides or grid: a dotted config key and the typed text. */
export interface KeyText {
  key: string;
  /** One value (fixed overrides) or comma-separated values (grid). */
  text: string;
}

/** Random-search distributions of the spec (Bergstra & Bengio 2012). */
export const DISTRIBUTIONS = ['uniform', 'loguniform', 'randint', 'choice'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/** A random-search row: key and distribution with its bounds (or, for `choice`, its values). */
export interface RandomRow {
  key: string;
  dist: Distribution;
  low: string;
  high: string;
  /** Comma-separated values of a `choice`. */
  choices: string;
}

/** Everything the sweep form holds, as typed text; {@link buildSweepSpec} makes the spec of it. */
export interface SweepForm {
  name: string;
  algo: string;
  preset: string;
  /** Total env steps of every run; '' = the preset's. */
  steps: string;
  /** How many seeds (0 … n−1), or a list such as `[0, 1, 7]`. */
  seeds: string;
  eval: boolean;
  set: KeyText[];
  grid: KeyText[];
  samples: string;
  randomSeed: string;
  random: RandomRow[];
  executor: 'local' | 'slurm';
  /** Local runs at a time; '' = one per core. */
  parallel: string;
  slurm: {
    partition: string;
    time: string;
    cpus: string;
    mem: string;
    maxConcurrent: string;
    /** More sbatch options, separated by spaces: `--account=lab --qos=low`. */
    options: string;
  };
}

/** A form with nothing chosen yet but one empty grid row (a sweep without a grid is rare). */
export function emptySweepForm(): SweepForm {
  return {
    name: '',
    algo: '',
    preset: '',
    steps: '',
    seeds: '1',
    eval: false,
    set: [],
    grid: [{ key: '', text: '' }],
    samples: '4',
    randomSeed: '0',
    random: [],
    executor: 'local',
    parallel: '',
    slurm: { partition: '', time: '', cpus: '', mem: '', maxConcurrent: '', options: '' },
  };
}

/**
 * Splits comma-separated values, keeping commas inside brackets and quotes (a grid over
 * `sac.hidden` reads `[64, 64], [256, 256]`); empty items are dropped.
 */
export function splitValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * Comma-separated values, each read as JSON where it is one (numbers, booleans, null, arrays,
 * "quoted strings") and as plain text otherwise — the form's grid rows and choices.
 */
export function parseValues(text: string): SweepValue[] {
  return splitValues(text).map((s) => parseValue(s) as SweepValue);
}

/** The text of an optional field: undefined when blank, else read as JSON where it is JSON. */
function optional(text: string): unknown {
  return text.trim() === '' ? undefined : parseValue(text);
}

/** Drops undefined fields, so the spec (and its YAML) shows only what the form sets. */
function defined<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The sweep spec of the form — the object a spec file holds, in the order the spec's documentation
 * writes it (name, algo, preset, steps, set, grid, random, seeds, eval, executor). Rows without a
 * key are left out; numbers are sent as typed (text that is no number reaches the service as text,
 * which then names the field).
 */
export function buildSweepSpec(form: SweepForm): SweepSpecInput {
  const rows = <R extends { key: string }>(list: R[]) => list.filter((r) => r.key.trim() !== '');
  const set = Object.fromEntries(rows(form.set).map((r) => [r.key.trim(), parseValue(r.text)]));
  const grid = Object.fromEntries(rows(form.grid).map((r) => [r.key.trim(), parseValues(r.text)]));
  const params = Object.fromEntries(
    rows(form.random).map((r) => [
      r.key.trim(),
      r.dist === 'choice'
        ? { choice: parseValues(r.choices) }
        : { [r.dist]: [parseValue(r.low), parseValue(r.high)] },
    ]),
  );
  const s = form.slurm;
  const executor =
    form.executor === 'local'
      ? defined({ kind: 'local', parallel: optional(form.parallel) })
      : {
          kind: 'slurm',
          slurm: defined({
            partition: s.partition.trim() || undefined,
            time: s.time.trim() || undefined,
            cpus: optional(s.cpus),
            mem: s.mem.trim() || undefined,
            maxConcurrent: optional(s.maxConcurrent),
            options: s.options.trim() ? s.options.trim().split(/\s+/) : undefined,
          }),
        };
  return defined({
    name: form.name.trim() || undefined,
    algo: form.algo,
    preset: form.preset || undefined,
    steps: optional(form.steps),
    set: Object.keys(set).length ? set : undefined,
    grid: Object.keys(grid).length ? grid : undefined,
    random: Object.keys(params).length
      ? defined({ samples: optional(form.samples), seed: optional(form.randomSeed), params })
      : undefined,
    seeds: optional(form.seeds),
    eval: form.eval || undefined,
    executor,
  }) as SweepSpecInput;
}

/**
 * The spec as a YAML file's text (lists in flow style, `[0.001, 0.003]`, as the spec's
 * documentation writes them), headed by the command that runs it.
 */
export function specYaml(spec: SweepSpecInput, file = 'sweep.yaml'): string {
  const doc = new YAML.Document(spec);
  YAML.visit(doc, {
    Seq(_, node) {
      node.flow = true;
    },
  });
  return `# skill-lab sweep ${file}\n${doc.toString()}`;
}

/** What a spec expands to, or why the spec's schema refuses it (one `field: problem` line each). */
export type SpecPreview =
  { ok: true; runs: number; configurations: number; seeds: number } | { ok: false; issues: string[] };

/**
 * How many runs a spec expands to: grid combinations × random samples × seeds (the order of
 * engine/runs/sweep_spec.ts's expandSweep); the service still checks every point's values.
 */
export function previewSpec(spec: SweepSpecInput): SpecPreview {
  const parsed = sweepSpecSchema.safeParse(spec);
  if (!parsed.success)
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'spec'}: ${i.message}`),
    };
  const s = parsed.data;
  const grid = Object.values(s.grid).reduce((n, values) => n * values.length, 1);
  const configurations = grid * (s.random?.samples ?? 1);
  const seeds = typeof s.seeds === 'number' ? s.seeds : s.seeds.length;
  return { ok: true, runs: configurations * seeds, configurations, seeds };
}

// ── a sweep's state ─────────────────────────────────────────────────────────────────────────────

/**
 * The badge class of a point's state, in the colours of the runs table's status (style.css):
 * running green, failed and killed red, pending in the accent colour, the rest plain.
 */
export function pointStateClass(state: PointState): string {
  if (state === 'running') return 'running';
  if (state === 'failed' || state === 'killed') return 'error';
  if (state === 'pending') return 'pending';
  if (state === 'completed') return 'completed';
  return 'idle';
}

/** A point's state as the table says it: a pending Slurm task with its reason, "pending — Resources". */
export function pointStateText(p: Pick<SweepPointInfo, 'state' | 'detail'>): string {
  return p.state === 'pending' && p.detail ? `pending — ${p.detail}` : p.state;
}

/**
 * What the table's detail column says of a point: why it failed, stopped or was cancelled, and for a
 * failed Slurm task the log to read (a pending task's reason is in its state already).
 */
export function pointDetail(p: Pick<SweepPointInfo, 'state' | 'detail' | 'log'>): string {
  if (p.state === 'pending') return '';
  const parts = [p.detail, p.state === 'failed' && p.log ? `log: ${p.log}` : null];
  return parts.filter(Boolean).join(' — ');
}

/** Points that train or wait in Slurm's queue now. */
function executing(sweep: Pick<SweepSummary, 'points'>): number {
  return sweep.points.filter((p) => p.state === 'running' || p.state === 'pending').length;
}

/** Points a resume would train again: not completed, and their run still exists. */
function unfinished(sweep: Pick<SweepSummary, 'points'>): number {
  return sweep.points.filter((p) => p.state !== 'completed' && p.runStatus !== 'missing').length;
}

/** Cancel makes sense while something runs, pends, or a local executor still has points to start. */
export function canCancel(sweep: Pick<SweepSummary, 'points' | 'localLive'>): boolean {
  return sweep.localLive || executing(sweep) > 0;
}

/** Resume makes sense when points did not complete and nothing of the sweep is executing. */
export function canResume(sweep: Pick<SweepSummary, 'points' | 'localLive'>): boolean {
  return !canCancel(sweep) && unfinished(sweep) > 0;
}

/** The confirmation Cancel asks: what stops, and that nothing is lost. */
export function cancelMessage(sweep: Pick<SweepSummary, 'id' | 'points' | 'localLive' | 'jobIds'>): string {
  const n = executing(sweep);
  const what =
    sweep.jobIds.length > 0
      ? `Its Slurm array job${sweep.jobIds.length > 1 ? 's' : ''} ${sweep.jobIds.join(', ')} ${sweep.jobIds.length > 1 ? 'are' : 'is'} scancelled`
      : 'No further run starts';
  return (
    `Cancel sweep ${sweep.id}? ${what}; ${n} running or pending run${n === 1 ? '' : 's'} stop. ` +
    'Every run checkpoints and stays resumable (Resume trains the unfinished ones on).'
  );
}

/** The confirmation Resume asks: how many runs train again, where, from what. */
export function resumeMessage(sweep: Pick<SweepSummary, 'id' | 'points' | 'executor'>): string {
  const n = unfinished(sweep);
  const where = sweep.executor === 'slurm' ? 'as a new Slurm job array' : 'on this machine';
  return `Resume sweep ${sweep.id}? ${n} unfinished run${n === 1 ? '' : 's'} train again ${where}, each from its last checkpoint.`;
}

/** A sweep's counts per state that are not 0, live states first (the list shows them as badges). */
export function stateCounts(counts: SweepSummary['counts']): Array<{ state: PointState; n: number }> {
  const order: PointState[] = [
    'running',
    'pending',
    'completed',
    'failed',
    'killed',
    'stopped',
    'cancelled',
    'not started',
  ];
  return order.filter((s) => (counts[s] ?? 0) > 0).map((state) => ({ state, n: counts[state]! }));
}

/** A swept value as a table cell: strings as they are, everything else as JSON. */
export function formatValue(v: SweepValue | undefined): string {
  if (v === undefined) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * A number in a few digits: 0.001, 3e-4, 0.912, 1.2e+5. With `spread` (the range of the values shown
 * beside it), enough digits that values that far apart read differently: −1.8391 and −1.8398, not
 * −1.839 twice.
 */
export function formatNumber(v: number, spread?: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(significantDigits(a, spread))));
}

/** Significant digits that tell apart values of magnitude `a` lying `spread` apart (4 to 10). */
export function significantDigits(a: number, spread?: number): number {
  return spread !== undefined && spread > 0 && a > 0
    ? Math.min(10, Math.max(4, Math.ceil(Math.log10(a / spread)) + 1))
    : 4;
}

/** The range (max − min) of a metric over the points that report it; 0 with fewer than two. */
export function metricSpread(
  points: ReadonlyArray<{ last: Record<string, number> }>,
  metric: string,
): number {
  const vs = points.map((p) => p.last[metric]).filter((v) => Number.isFinite(v));
  return vs.length < 2 ? 0 : Math.max(...vs) - Math.min(...vs);
}

// ── metrics and the best points ─────────────────────────────────────────────────────────────────

/** Columns of every metric row that are bookkeeping, not results. */
const BOOKKEEPING = new Set(['iteration', 'env_steps', 'wall_s']);

/**
 * The metrics a sweep's points report in their last rows: the algorithm's summary metrics first
 * (catalog order), then the rest alphabetically.
 */
export function metricKeys(points: Array<Pick<SweepPointInfo, 'last'>>, algo: string): string[] {
  const present = new Set<string>();
  for (const p of points)
    for (const [k, v] of Object.entries(p.last))
      if (!BOOKKEEPING.has(k) && Number.isFinite(v)) present.add(k);
  const summary = (findAlgo(algo)?.summaryMetrics ?? []).filter((k) => present.has(k));
  return [...summary, ...[...present].filter((k) => !summary.includes(k)).sort()];
}

/**
 * The metric a sweep is judged on unless the reader picks another: its algorithm's key metric (as the
 * runs table shows), else its first summary metric present, else the first present.
 */
export function defaultMetric(algo: string, keys: string[]): string | null {
  const info = findAlgo(algo);
  const candidates = [info?.keyMetric.key, ...(info?.summaryMetrics ?? [])];
  return candidates.find((k) => k !== undefined && keys.includes(k)) ?? keys[0] ?? null;
}

/** Whether more is better: losses, errors and distances are better small, the rest large. */
export function defaultDirection(metric: string): 'higher' | 'lower' {
  return /loss|error|distance|regret/i.test(metric) ? 'lower' : 'higher';
}

/**
 * The best `k` points by `metric`: only completed points count (a run halfway through its budget
 * cannot be compared with finished ones), ties go to the lower index.
 */
export function bestPoints<P extends Pick<SweepPointInfo, 'index' | 'state' | 'last'>>(
  points: P[],
  metric: string,
  direction: 'higher' | 'lower',
  k: number,
): P[] {
  const sign = direction === 'higher' ? -1 : 1;
  return points
    .filter((p) => p.state === 'completed' && Number.isFinite(p.last[metric]))
    .sort((a, b) => sign * (a.last[metric] - b.last[metric]) || a.index - b.index)
    .slice(0, Math.max(0, k));
}

// ── parallel coordinates ────────────────────────────────────────────────────────────────────────

/** One vertex of a point's line: its position on one axis, in [0, 1]. */
export interface ParallelVertex {
  point: number;
  run: string;
  axis: string;
  /** Position of the axis left to right (the line's drawing order). */
  order: number;
  pos: number;
  /** The real value, as text (tooltip). */
  value: string;
  metric: number;
  /** 'best K' or 'others': best lines are drawn thicker. */
  rank: string;
}

/** A labelled tick on an axis: the real value at a position in [0, 1]. */
export interface ParallelTick {
  axis: string;
  pos: number;
  label: string;
  /** Where the label goes: left of its axis, or right of the last one (no line leaves it there). */
  side: 'left' | 'right';
}

/** What the parallel-coordinates plot draws. */
export interface ParallelData {
  /** Axis titles left to right: the swept keys, then the metric. */
  axes: string[];
  vertices: ParallelVertex[];
  ticks: ParallelTick[];
  /** Points drawn (those whose last row has the metric). */
  lines: number;
  /** The label of the thicker lines, e.g. "best 3". */
  bestLabel: string;
}

interface Axis {
  title: string;
  pos(v: SweepValue | number): number;
  ticks: Array<{ pos: number; label: string }>;
}

/**
 * A numeric axis normalised to [0, 1] between its real min and max (log-scaled for a swept key
 * whose positive values span a decade or more, as learning rates do), its ticks labelled with real
 * values: each distinct value when there are few (a grid's), else min, middle and max.
 */
function numericAxis(title: string, values: number[], swept: boolean): Axis {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const log = swept && lo > 0 && hi / lo >= 10;
  const f = log ? Math.log : (x: number) => x;
  // Rounded to 1e-9: a log axis's middle value lands on 0.5 exactly, as its tick does.
  const pos = (v: number) => (hi === lo ? 0.5 : Math.round((1e9 * (f(v) - f(lo))) / (f(hi) - f(lo))) / 1e9);
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  const mid = log ? Math.sqrt(lo * hi) : (lo + hi) / 2;
  const at = swept && distinct.length <= 6 ? distinct : hi === lo ? [lo] : [lo, mid, hi];
  return {
    title: log ? `${title} (log)` : title,
    pos: (v) => pos(v as number),
    ticks: at.map((v) => ({ pos: pos(v), label: formatNumber(v, hi - lo) })),
  };
}

/** A categorical axis (strings, booleans, lists): values evenly spaced in order of first appearance. */
function categoricalAxis(title: string, values: SweepValue[]): Axis {
  const labels = [...new Set(values.map(formatValue))];
  const at = (i: number) => (labels.length === 1 ? 0.5 : i / (labels.length - 1));
  return {
    title,
    pos: (v) => at(labels.indexOf(formatValue(v as SweepValue))),
    ticks: labels.map((label, i) => ({ pos: at(i), label })),
  };
}

/**
 * The parallel-coordinates data of a sweep: one axis per swept key plus the metric's, every axis
 * normalised to [0, 1] with its real values labelled (the Vega-Lite parallel-coordinates example
 * normalises in transforms; here in TypeScript, so categorical axes work too), one line per point
 * whose last metric row has `metric`; `best` (run ids) drawn thicker.
 */
export function parallelData(
  points: Array<Pick<SweepPointInfo, 'index' | 'runId' | 'values' | 'last'>>,
  keys: string[],
  metric: string,
  best: string[] = [],
): ParallelData {
  const drawn = points.filter((p) => Number.isFinite(p.last[metric]));
  const axes: Array<Axis & { key: string | null }> = keys.map((key) => {
    const values = drawn.map((p) => p.values[key]).filter((v) => v !== undefined);
    const numeric = values.length > 0 && values.every((v) => typeof v === 'number' && Number.isFinite(v));
    const axis = numeric ? numericAxis(key, values as number[], true) : categoricalAxis(key, values);
    return { ...axis, key };
  });
  if (drawn.length > 0)
    axes.push({
      ...numericAxis(
        metric,
        drawn.map((p) => p.last[metric]),
        false,
      ),
      key: null,
    });
  else axes.push({ title: metric, pos: () => 0.5, ticks: [], key: null });
  const bestLabel = `best ${best.length}`;
  const vertices = drawn.flatMap((p) =>
    axes.map((axis, order) => {
      const v = axis.key === null ? p.last[metric] : p.values[axis.key];
      return {
        point: p.index,
        run: p.runId,
        axis: axis.title,
        order,
        pos: v === undefined ? 0.5 : axis.pos(v),
        value: typeof v === 'number' ? formatNumber(v) : formatValue(v),
        metric: p.last[metric],
        rank: best.includes(p.runId) ? bestLabel : 'others',
      };
    }),
  );
  return {
    axes: axes.map((a) => a.title),
    vertices,
    ticks: axes.flatMap((a, i) =>
      a.ticks.map((t) => ({
        axis: a.title,
        ...t,
        side: i === axes.length - 1 ? ('right' as const) : ('left' as const),
      })),
    ),
    lines: drawn.length,
    bestLabel,
  };
}

/** True for a dark theme: its background's red, green and blue average below half. */
function isDark(theme: PlotTheme): boolean {
  const rgb = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(theme.background);
  return !!rgb && (parseInt(rgb[1], 16) + parseInt(rgb[2], 16) + parseInt(rgb[3], 16)) / 3 < 128;
}

/**
 * The Vega-Lite spec of the parallel-coordinates plot (after the Vega-Lite example "Parallel
 * Coordinate Plot"): an upright rule per axis with its labelled ticks, a line per point through its
 * normalised values, coloured by the metric — viridis, reversed when lower is better, so the best
 * points are always the bright ones — and the best points' lines thicker; tick labels stay readable
 * over the lines on a halo of the background's colour.
 */
export function parallelSpec(
  data: ParallelData,
  metric: string,
  direction: 'higher' | 'lower',
  theme: PlotTheme,
  width: number,
): object {
  const x = {
    field: 'axis',
    type: 'nominal',
    // Outer padding of a third of the gap between axes: room for the first axis's labels.
    scale: { domain: data.axes, padding: 0.35 },
    title: null,
    axis: {
      labelAngle: 0,
      domain: false,
      ticks: false,
      labelPadding: 10,
      labelFontSize: 12,
      labelLimit: 180,
    },
  };
  const y = { field: 'pos', type: 'quantitative', scale: { domain: [0, 1], nice: false }, axis: null };
  const color = {
    field: 'metric',
    type: 'quantitative',
    title: [metric, `(${direction} is better)`],
    // Viridis without the end that vanishes into the background: its dark violet on the dark
    // theme, its pale yellow on the light one.
    scale: {
      scheme: { name: 'viridis', extent: isDark(theme) ? [0.2, 1] : [0, 0.9] },
      reverse: direction === 'lower',
    },
  };
  // d3 format of the metric in the legend and tooltip, with the digits its spread needs.
  const metrics = data.vertices.map((v) => v.metric).filter((v) => Number.isFinite(v));
  const big = Math.max(0, ...metrics.map(Math.abs));
  const metricFormat = `.${significantDigits(big, Math.max(...metrics) - Math.min(...metrics))}~r`;
  const tooltip = [
    { field: 'run', title: 'run' },
    { field: 'point', title: 'point' },
    { field: 'axis', title: 'axis' },
    { field: 'value', title: 'value' },
    { field: 'metric', title: metric, format: metricFormat },
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width,
    height: 260,
    config: { ...baseConfig(theme), view: { stroke: null } },
    layer: [
      {
        data: { values: data.axes.map((axis) => ({ axis })) },
        mark: { type: 'rule', color: theme.grid, strokeWidth: 1.5 },
        encoding: { x },
      },
      {
        data: { values: data.vertices },
        mark: { type: 'line', opacity: 0.85 },
        encoding: {
          x,
          y,
          order: { field: 'order', type: 'quantitative' },
          detail: { field: 'point', type: 'nominal' },
          color: { ...color, legend: { orient: 'right', gradientLength: 140, format: metricFormat } },
          strokeWidth: {
            field: 'rank',
            type: 'ordinal',
            sort: [data.bestLabel, 'others'],
            scale: { domain: [data.bestLabel, 'others'], range: [3.5, 1.5] },
            legend: { title: null, orient: 'right', symbolType: 'stroke' },
          },
          tooltip,
        },
      },
      // The vertices as rings: filled dots would give the colour legend a fill beside the lines'
      // stroke, and Vega then draws it as symbols instead of a gradient.
      {
        data: { values: data.vertices },
        mark: { type: 'point', filled: false, size: 24, strokeWidth: 2, opacity: 1 },
        encoding: { x, y, color, tooltip },
      },
      {
        data: { values: data.ticks },
        mark: { type: 'tick', orient: 'horizontal', size: 8, color: theme.text, opacity: 0.6 },
        encoding: { x, y },
      },
      // Tick labels, each over a halo in the background's colour: lines run through them.
      ...(['left', 'right'] as const).flatMap((side) =>
        [true, false].map((halo) => ({
          data: { values: data.ticks },
          transform: [{ filter: `datum.side === '${side}'` }],
          mark: {
            type: 'text',
            align: side === 'left' ? 'right' : 'left',
            baseline: 'middle',
            dx: side === 'left' ? -7 : 7,
            fontSize: 10,
            ...(halo
              ? { fill: theme.background, stroke: theme.background, strokeWidth: 3, strokeJoin: 'round' }
              : { fill: theme.text }),
          },
          encoding: { x, y, text: { field: 'label' } },
        })),
      ),
    ],
  };
}
