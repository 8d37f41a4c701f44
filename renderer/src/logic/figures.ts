/**
 * The Figures tab's model (issue #13 A), as pure functions: the figure builder's form turned into the
 * very figure spec `skill-lab figure --spec F` reads (and a saved spec back into the form), what is
 * still missing before a preview, which runs a query selects (as the engine's resolveFigureRuns
 * does), how the chosen runs group into variants — the seeds of one curve — as the engine's
 * curvesData labels them, and which metrics may be plotted (the algorithm catalog's curve titles).
 *
 * Validation of the shape stays with the contract's own figureSpecSchema, so the form and the service
 * never disagree; the run-dependent checks (unknown run, metric no run reports) are the service's.
 */
import {
  FIGURE_FORMATS,
  figureSpecSchema,
  type FigureFormat,
  type FigureSpecInput,
  type MetricRow,
  type RunSummary,
  type SweepSummary,
} from '../../../main/api/contract/contract.ts';
import { findAlgo } from '../../../main/api/contract/presentation.ts';

// ── the form ─────────────────────────────────────────────────────────────────────────────────────

export const FIGURE_STATISTICS = ['iqm', 'mean', 'median'] as const;
export type FigureStatistic = (typeof FIGURE_STATISTICS)[number];
export const FIGURE_BANDS = ['ci95', 'minmax', 'none'] as const;
export type FigureBand = (typeof FIGURE_BANDS)[number];
/** The figures the builder makes: the spec's `kind`. */
export const FIGURE_KINDS = ['curves', 'aggregate'] as const;
export type FigureKind = (typeof FIGURE_KINDS)[number];
/** What each kind reads as in the form, and one line on what it draws. */
export const KIND_TEXT: Record<FigureKind, string> = {
  curves: 'Learning curves',
  aggregate: 'Final-performance aggregate',
};
export const KIND_HINT: Record<FigureKind, string> = {
  curves: 'one panel per metric: the statistic over seeds along training, with its band',
  aggregate:
    "one metric, each run's final value: mean, median and IQM with 95 % stratified-bootstrap CIs, " +
    'the performance profile and the probability of improvement between variants (rliable)',
};
export const RUN_STATUSES = ['created', 'running', 'stopped', 'completed', 'error'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** What the statistic and band choices read as in the form. */
export const STATISTIC_TEXT: Record<FigureStatistic, string> = {
  iqm: 'IQM',
  mean: 'mean',
  median: 'median',
};
export const BAND_TEXT: Record<FigureBand, string> = {
  ci95: '95 % bootstrap CI',
  minmax: 'min – max',
  none: 'none',
};
/** One line on each statistic, shown beside the choice. */
export const STATISTIC_HINT: Record<FigureStatistic, string> = {
  iqm: 'IQM = mean of the middle 50 % of seeds (rliable)',
  mean: 'mean over seeds',
  median: 'median over seeds',
};

/** The run query of the form: '' is "any". */
export interface FigureQueryForm {
  sweep: string;
  algo: string;
  preset: string;
  task: string;
  /** Empty: any status. */
  status: RunStatus[];
}

/** The figure builder's state: the inputs as the user left them. */
export interface FigureForm {
  /** Learning curves, or the final-performance aggregate of one metric. */
  kind: FigureKind;
  /** Pick runs by hand (their ids) or by a query over the workspace, as the CLI's spec does. */
  mode: 'runs' | 'query';
  runIds: string[];
  query: FigureQueryForm;
  /** 'variant' or config keys (at least one when 'keys'). */
  groupMode: 'variant' | 'keys';
  groupKeys: string[];
  /** Chosen metric keys; empty: the default panels (the union of the runs' algorithms' curves). */
  metrics: string[];
  /**
   * The aggregate's one metric ('' until chosen: it has no default). Kept apart from `metrics` so
   * switching the kind back and forth loses neither choice.
   */
  metric: string;
  x: 'env_steps' | 'wall_s';
  statistic: FigureStatistic;
  band: FigureBand;
  /** EMA weight in [0, 1). */
  smoothing: number;
  width: 'column' | 'page' | 'custom';
  /** A length such as 3.25in, 8.5cm, 90mm, 234pt (width 'custom'). */
  customWidth: string;
  columns: number;
  formats: FigureFormat[];
  title: string;
  /** The exported files' name (optional; the service's default is "figure"). */
  name: string;
}

/** A new form: the spec schema's defaults, no runs chosen. */
export function emptyFigureForm(): FigureForm {
  return {
    kind: 'curves',
    mode: 'runs',
    runIds: [],
    query: { sweep: '', algo: '', preset: '', task: '', status: [] },
    groupMode: 'variant',
    groupKeys: [],
    metrics: [],
    metric: '',
    x: 'env_steps',
    statistic: 'iqm',
    band: 'ci95',
    smoothing: 0.6,
    width: 'page',
    customWidth: '',
    columns: 3,
    formats: [...FIGURE_FORMATS],
    title: '',
    name: '',
  };
}

/** The form's query as the spec's: the fields given, nothing for "any". */
function queryOf(q: FigureQueryForm): NonNullable<FigureSpecInput['query']> {
  const out: NonNullable<FigureSpecInput['query']> = {};
  for (const k of ['sweep', 'algo', 'preset', 'task'] as const) if (q[k].trim()) out[k] = q[k].trim();
  if (q.status.length) out.status = [...q.status];
  return out;
}

/**
 * The figure spec of a form — the JSON object `skill-lab figure --spec F` reads — with every setting
 * that applies to its kind written out (so the file says what the figure is without the reader
 * knowing the defaults). Curves: metrics are left out when none is chosen (the default panels), and
 * so is an empty title. Aggregate: its one metric (`[]` until chosen, which the schema refuses), and
 * none of the curves' settings it does not read (x axis, statistic, band, smoothing, panels per row).
 */
export function specFromForm(form: FigureForm): FigureSpecInput {
  const spec: FigureSpecInput = { kind: form.kind };
  if (form.title.trim()) spec.title = form.title.trim();
  if (form.mode === 'runs') spec.runs = [...form.runIds];
  else spec.query = queryOf(form.query);
  spec.groupBy = form.groupMode === 'variant' ? 'variant' : [...form.groupKeys];
  if (form.kind === 'aggregate') {
    spec.metrics = form.metric ? [form.metric] : [];
    spec.width = widthOf(form);
    spec.formats = formatsOf(form);
    return spec;
  }
  if (form.metrics.length) spec.metrics = [...form.metrics];
  spec.x = form.x;
  spec.statistic = form.statistic;
  spec.band = form.band;
  spec.smoothing = form.smoothing;
  spec.width = widthOf(form);
  spec.columns = form.columns;
  spec.formats = formatsOf(form);
  return spec;
}

/** The form's width as the spec writes it: "column", "page" or the custom length. */
function widthOf(form: FigureForm): string {
  return form.width === 'custom' ? form.customWidth.trim() : form.width;
}

/** The chosen formats in the spec's order (svg, pdf, png). */
function formatsOf(form: FigureForm): FigureFormat[] {
  return FIGURE_FORMATS.filter((f) => form.formats.includes(f));
}

/**
 * A form filled from a saved (or typed) spec: a spec with `runs` — what every saved figure holds —
 * opens in runs mode with those ids, one with only a query in query mode. An aggregate's one metric
 * becomes the form's `metric` (the curves' metrics stay the default panels). Fields the spec leaves
 * out take the schema's defaults.
 * @throws Error naming the spec's first problem when it is not a figure spec
 */
export function formFromSpec(raw: unknown, name = ''): FigureForm {
  const parsed = figureSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`not a figure spec: ${i.path.join('.') || 'spec'}: ${i.message}`);
  }
  const s = parsed.data;
  const form = emptyFigureForm();
  if (s.runs) {
    form.mode = 'runs';
    form.runIds = [...s.runs];
  } else {
    form.mode = 'query';
    const q = s.query ?? {};
    form.query = {
      sweep: q.sweep ?? '',
      algo: q.algo ?? '',
      preset: q.preset ?? '',
      task: q.task ?? '',
      status: [...(q.status ?? [])],
    };
  }
  if (s.groupBy === 'variant') form.groupMode = 'variant';
  else {
    form.groupMode = 'keys';
    form.groupKeys = [...s.groupBy];
  }
  form.kind = s.kind;
  if (s.kind === 'aggregate') form.metric = s.metrics[0] ?? '';
  else form.metrics = [...s.metrics];
  form.x = s.x;
  form.statistic = s.statistic;
  form.band = s.band;
  form.smoothing = s.smoothing;
  const width = String(s.width).trim();
  if (width === 'column' || width === 'page') form.width = width;
  else {
    form.width = 'custom';
    form.customWidth = typeof s.width === 'number' ? `${s.width}pt` : width;
  }
  form.columns = s.columns;
  form.formats = [...s.formats];
  form.title = s.title ?? '';
  form.name = name;
  return form;
}

/**
 * A figure width in points, as the engine's parseWidth reads it: "column" (3.25 in), "page"
 * (6.75 in) or a length such as 3.25in, 8.5cm, 90mm or 234pt between 1 in and 20 in; null otherwise.
 */
export function widthPoints(text: string): number | null {
  const t = text.trim();
  if (t === 'column') return 3.25 * 72;
  if (t === 'page') return 6.75 * 72;
  const m = /^(\d+(?:\.\d+)?)\s*(in|cm|mm|pt)$/.exec(t);
  const per = { in: 72, cm: 72 / 2.54, mm: 72 / 25.4, pt: 1 } as const;
  const v = m ? Number(m[1]) * per[m[2] as keyof typeof per] : NaN;
  return v >= 72 && v <= 20 * 72 ? v : null;
}

/** The export name's rule (the contract's figureNameSchema). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$/;

/** The form's problem when an aggregate has no metric chosen (the builder shows it by the picker too). */
export const AGGREGATE_METRIC_MISSING =
  "metric: choose the one metric to aggregate (an aggregate figure is of each run's final value of one metric)";

/**
 * What keeps the form from a preview, in words (empty when it may be drawn): no run chosen, a query
 * that selects nothing here, no grouping key, an aggregate without its metric, a bad width or name,
 * no format — then anything the contract's spec schema still refuses.
 * @param selected how many runs the form's choice selects in the workspace now
 */
export function formProblems(form: FigureForm, selected: number): string[] {
  const out: string[] = [];
  if (form.mode === 'runs' && form.runIds.length === 0) out.push('tick at least one run');
  if (form.mode === 'query' && selected === 0) out.push('the query selects no run');
  if (form.mode === 'runs' && form.runIds.length > 500) out.push('at most 500 runs in one figure');
  if (form.groupMode === 'keys' && form.groupKeys.length === 0) out.push('choose a key to group by');
  if (form.kind === 'aggregate' && !form.metric) out.push(AGGREGATE_METRIC_MISSING);
  if (form.width === 'custom' && widthPoints(form.customWidth) === null)
    out.push('width: a length such as 3.25in, 8.5cm, 90mm or 234pt, between 1 in and 20 in');
  if (form.formats.length === 0) out.push('choose at least one file format');
  if (form.name.trim() && (!NAME.test(form.name.trim()) || form.name.includes('..')))
    out.push('name: letters, digits, _ . - (no spaces or slashes)');
  if (out.length) return out;
  const parsed = figureSpecSchema.safeParse(specFromForm(form));
  if (!parsed.success)
    for (const i of parsed.error.issues) out.push(`${i.path.join('.') || 'spec'}: ${i.message}`);
  return out;
}

/** The spec as the text of a spec file (two-space JSON, newline at the end). */
export function specJson(spec: FigureSpecInput): string {
  return `${JSON.stringify(spec, null, 2)}\n`;
}

// ── choosing runs ────────────────────────────────────────────────────────────────────────────────

/**
 * True when a run matches a query as the engine's resolveFigureRuns decides: every field given
 * matches (the task is the run's goal task), no status list or one that holds its status.
 */
export function matchesQuery(run: RunSummary, q: FigureQueryForm): boolean {
  const spec = queryOf(q);
  return (
    (spec.sweep === undefined || run.sweep?.id === spec.sweep) &&
    (spec.algo === undefined || run.algo === spec.algo) &&
    (spec.preset === undefined || run.preset === spec.preset) &&
    (spec.task === undefined || run.task === spec.task) &&
    (spec.status === undefined || spec.status.includes(run.status))
  );
}

/** The runs list's filter in runs mode: like a query, '' for any; `text` matches the label or id. */
export interface RunFilter extends FigureQueryForm {
  text: string;
}

/** The runs a filter shows, in the list's order. */
export function filterRuns(
  runs: readonly RunSummary[],
  filter: RunFilter,
  labels: ReadonlyMap<string, string>,
): RunSummary[] {
  const text = filter.text.trim().toLowerCase();
  return runs.filter(
    (r) =>
      matchesQuery(r, filter) &&
      (!text || r.id.toLowerCase().includes(text) || (labels.get(r.id) ?? '').toLowerCase().includes(text)),
  );
}

/** The distinct values of a run field (sorted), for the filter's and the query's pickers. */
export function distinct(runs: readonly RunSummary[], field: 'algo' | 'preset' | 'task'): string[] {
  return [...new Set(runs.map((r) => r[field]).filter((v): v is string => !!v))].sort();
}

/** The sweeps runs belong to (sorted ids). */
export function sweepIds(runs: readonly RunSummary[]): string[] {
  return [...new Set(runs.map((r) => r.sweep?.id).filter((v): v is string => !!v))].sort();
}

// ── variants ─────────────────────────────────────────────────────────────────────────────────────

/** What grouping needs of a run beyond its summary: its config, skill source and first metric row. */
export interface RunFacts {
  config: Record<string, unknown>;
  /** The algorithm of the skills a skill controller composes; null for others. */
  skillAlgo: string | null;
  /** The run's first metric row that carries a relabeling setting; null without one. */
  relabelRow: MetricRow | null;
  /** Every metric column the run reports. */
  metricKeys: string[];
}

/** The facts of a run from its record and metric rows. */
export function runFacts(
  record: { config: unknown; skillSource?: { algo: string } },
  rows: readonly MetricRow[],
): RunFacts {
  const keys = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) keys.add(k);
  return {
    config: (record.config ?? {}) as Record<string, unknown>,
    skillAlgo: record.skillSource?.algo ?? null,
    relabelRow: rows.find((r) => Number.isFinite(r.relabel_strategy)) ?? null,
    metricKeys: [...keys].filter((k) => !['iteration', 'env_steps', 'wall_s'].includes(k)).sort(),
  };
}

/** "DIAYN", or "SKILL-CONTROLLER (DADS skills)" for a run over another run's skills (engine: runLabel). */
export function algoLabel(algo: string, skillAlgo: string | null): string {
  return skillAlgo ? `${algo.toUpperCase()} (${skillAlgo.toUpperCase()} skills)` : algo.toUpperCase();
}

/**
 * The relabeling setting of a metric row as the figures name it ("future k=4", "hipi 50%",
 * "no relabeling"); null without one. The strategy indexes the algorithm's catalog list.
 */
export function relabelingLabel(algo: string, row: MetricRow | null): string | null {
  if (!row || !Number.isFinite(row.relabel_strategy)) return null;
  const strategies = findAlgo(algo)?.relabeling?.strategies ?? [];
  const strategy = strategies[row.relabel_strategy] ?? `#${row.relabel_strategy}`;
  if (strategy === 'none') return 'no relabeling';
  return Number.isFinite(row.relabel_ratio)
    ? `${strategy} ${Math.round(100 * row.relabel_ratio)}%`
    : `${strategy} k=${row.relabel_k}`;
}

/** A sweep point's swept values as the engine writes them: `sac.lr=0.001, sac.alphaMode="auto"`. */
export function formatPointValues(values: Record<string, unknown>): string {
  const parts = Object.entries(values).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return parts.length ? parts.join(', ') : '(no swept values)';
}

/** A dotted key's value in a config; undefined when absent. */
function configValue(config: Record<string, unknown>, key: string): unknown {
  let node: unknown = config;
  for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

/**
 * A run's variant label as the engine's curvesData writes it. 'variant': a goal-conditioned run's
 * relabeling sequence (the summary's `relabeling`), else a sweep run's algorithm and swept values, else its algorithm (with its
 * skills' algorithm for a skill controller). Keys: `key=value` for each, JSON-written, joined by ", ".
 * Without its facts (not loaded yet) a run reads by its summary alone.
 */
export function variantLabel(
  run: RunSummary,
  facts: RunFacts | undefined,
  groupBy: 'variant' | readonly string[],
  sweeps: readonly SweepSummary[],
): string {
  if (groupBy !== 'variant') {
    const config: Record<string, unknown> = facts?.config ?? {
      algo: run.algo,
      env: run.env,
      preset: run.preset,
      seed: run.seed,
      task: run.task,
    };
    return groupBy.map((key) => `${key}=${JSON.stringify(configValue(config, key) ?? null)}`).join(', ');
  }
  // The service's relabeling sequence ("future k=4 → final k=2") is the engine's label exactly.
  const relabel = run.relabeling ?? relabelingLabel(run.algo, facts?.relabelRow ?? null);
  if (relabel) return relabel;
  const algo = algoLabel(run.algo, facts?.skillAlgo ?? null);
  if (run.sweep) {
    const point = sweeps
      .find((s) => s.id === run.sweep!.id)
      ?.points.find((p) => p.index === run.sweep!.index);
    if (point) return `${algo} ${formatPointValues(point.values)}`;
  }
  return algo;
}

/** A variant of the preview: its label and its runs (the seeds of one curve). */
export interface Variant {
  label: string;
  runIds: string[];
  /** Its runs' seeds, ascending. */
  seeds: number[];
}

/** The runs grouped into variants, in the order first met (the figure's legend order). */
export function groupVariants(
  runs: readonly RunSummary[],
  facts: Readonly<Record<string, RunFacts>>,
  groupBy: 'variant' | readonly string[],
  sweeps: readonly SweepSummary[],
): Variant[] {
  const out = new Map<string, Variant>();
  for (const run of runs) {
    const label = variantLabel(run, facts[run.id], groupBy, sweeps);
    let v = out.get(label);
    if (!v) out.set(label, (v = { label, runIds: [], seeds: [] }));
    v.runIds.push(run.id);
    v.seeds.push(run.seed);
  }
  for (const v of out.values()) v.seeds.sort((a, b) => a - b);
  return [...out.values()];
}

// ── metrics and grouping keys ────────────────────────────────────────────────────────────────────

/** A metric the form offers: its key, its catalog title when an algorithm plots it, and whether it is a default panel. */
export interface MetricOption {
  key: string;
  title: string;
  default: boolean;
}

/**
 * The metrics the chosen runs report: first the union of their algorithms' curves (in the order
 * first met, catalog titles) that some run reports — the default panels, as the engine picks them —
 * then every other reported column by name.
 */
export function metricOptions(algos: readonly string[], reported: ReadonlySet<string>): MetricOption[] {
  const known = new Map<string, string>();
  for (const algo of algos)
    for (const c of findAlgo(algo)?.curves ?? []) if (!known.has(c.key)) known.set(c.key, c.title);
  const defaults = [...known.keys()].filter((k) => reported.has(k));
  const rest = [...reported].filter((k) => !defaults.includes(k)).sort();
  return [
    ...defaults.map((key) => ({ key, title: known.get(key)!, default: true })),
    ...rest.map((key) => ({ key, title: known.get(key) ?? key, default: false })),
  ];
}

/** The keys runs may be grouped by: the run's identity first, then every config key. */
export function groupKeyOptions(configKeys: readonly string[]): string[] {
  const first = ['algo', 'task', 'preset', 'env', 'seed'];
  return [...first, ...configKeys.filter((k) => !first.includes(k))];
}

/** The width choice in words: "one column, 3.25 in", "two columns, 6.75 in", or the length. */
export function widthText(form: Pick<FigureForm, 'width' | 'customWidth'>): string {
  if (form.width === 'column') return 'one column, 3.25 in';
  if (form.width === 'page') return 'two columns, 6.75 in';
  const pt = widthPoints(form.customWidth);
  return pt === null ? form.customWidth : `${form.customWidth.trim()} (${(pt / 72).toFixed(2)} in)`;
}

/** The size of an SVG's root element in its own units (px, 1 px = 1 pt for the figures); null without. */
export function svgSize(svg: string): { width: number; height: number } | null {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const width = Number(/\bwidth="([\d.]+)(?:px|pt)?"/.exec(root)?.[1]);
  const height = Number(/\bheight="([\d.]+)(?:px|pt)?"/.exec(root)?.[1]);
  return width > 0 && height > 0 ? { width, height } : null;
}
