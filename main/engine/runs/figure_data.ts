/**
 * Turns run directories into the comparison figure's input: metric rows, evaluation x-y traces and
 * which learning curves each algorithm shows.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { comparisonSpec, renderFigure, type FigureRun } from '../figures/compare.ts';
import { POINT_MASS_ARENA } from '../sim/envs.ts';
import { relabelSequence } from '../figures/curves.ts';
import { findAlgo } from '../algos/lookup.ts';
import { learningCurvesSpec } from '../figures/learning_curves.ts';
import { RunStoreError, type RunDir, type RunRecord, type RunStore } from './store.ts';
import type { FigureSpec } from '../figures/figure_spec.ts';
import { parseWidth } from '../figures/pdf.ts';
import { fitToWidth, toCsv, writeFigureFiles } from '../figures/paper.ts';
import { aggregateData, aggregateLayout, aggregateSpec } from '../figures/aggregate.ts';
import { writeFileAtomic } from '../atomic.ts';
import { SweepStore } from './sweeps.ts';
import { formatPointValues } from './sweep_spec.ts';
import type { Statistic } from '../figures/stats.ts';
import type { Band } from '../figures/series.ts';

/**
 * A run's label in figures: its algorithm, and for a run over another run's skills (a skill
 * controller) the algorithm of those skills too — "SKILL-CONTROLLER (DADS skills)" — so controllers
 * over DIAYN and over DADS are told apart rather than drawn as seeds of one curve.
 */
export function runLabel(record: Pick<RunRecord, 'algo' | 'skillSource'>): string {
  const algo = record.algo.toUpperCase();
  return record.skillSource ? `${algo} (${record.skillSource.algo.toUpperCase()} skills)` : algo;
}

/** Reads a run's metrics and evaluation traces (empty traces when it was not evaluated). */
export function figureRunOf(run: RunDir, label?: string): FigureRun {
  const record = run.readRecord();
  const tracesPath = join(run.evalDir, 'rollouts.jsonl');
  const traces: FigureRun['traces'] = [];
  if (existsSync(tracesPath)) {
    for (const line of readFileSync(tracesPath, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const row = JSON.parse(line) as { skill: number; rollout: number; step: number; xy: number[] };
      traces.push({
        skill: row.skill,
        rollout: row.rollout,
        step: row.step,
        x: row.xy[0],
        y: row.xy[1] ?? 0,
      });
    }
  }
  return {
    label: label ?? runLabel(record),
    seed: record.seed,
    env: record.env,
    metrics: run.readMetrics(),
    traces,
    curves: [...(findAlgo(record.algo)?.curves ?? [])],
  };
}

/**
 * Writes the side-by-side comparison figure of some runs to `outBase`.svg and .png.
 * @returns the two paths.
 */
export async function writeComparisonFigure(
  runs: RunDir[],
  outBase: string,
  title: string,
): Promise<{ svgPath: string; pngPath: string }> {
  const data = runs.map((r) => figureRunOf(r));
  const arena = data.every((d) => d.env === 'point-mass') ? POINT_MASS_ARENA : undefined;
  const spec = comparisonSpec(data, { title, arena });
  return renderFigure(spec, outBase);
}

/**
 * A sweep run's variant: its algorithm and swept values ("DIAYN sac.lr=0.001"), so the seeds of one
 * sweep configuration are one curve; null for other runs or when the sweep cannot be read.
 */
function sweepLabel(run: RunDir, record: RunRecord): string | null {
  if (!record.sweep) return null;
  try {
    // runs/<id> → the workspace is two levels up
    const sweep = new SweepStore(join(run.path, '..', '..')).open(record.sweep.id);
    const point = sweep.points.find((p) => p.index === record.sweep!.index);
    return point ? `${runLabel(record)} ${formatPointValues(point.values)}` : null;
  } catch {
    return null;
  }
}

/** A run as a learning-curves figure reads it. */
interface CurvesData {
  id: string;
  label: string;
  rows: Array<Record<string, number>>;
  algo: string;
}

/**
 * The runs' metric rows with their variant labels: by default a goal-conditioned run's relabeling
 * sequence ("future k=4", "future k=4 → final k=2", "no relabeling"), a sweep run's algorithm and swept values, any other
 * run's {@link runLabel}; with `groupBy` keys, their values ("sac.lr=0.001, algo=diayn").
 */
function curvesData(runs: RunDir[], groupBy: 'variant' | string[] = 'variant'): CurvesData[] {
  return runs.map((run) => {
    const record = run.readRecord();
    const rows = run.readMetrics() as Array<Record<string, number>>;
    const label =
      groupBy === 'variant'
        ? (relabelSequence(rows) ?? sweepLabel(run, record) ?? runLabel(record))
        : groupBy.map((key) => `${key}=${JSON.stringify(configValue(record, key) ?? null)}`).join(', ');
    return { id: run.id, label, rows, algo: record.algo };
  });
}

function configValue(record: RunRecord, key: string): unknown {
  let node: unknown = record.config;
  for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

/**
 * The panels of a figure: the metrics asked for, or the union of the runs' algorithms' curves (in the
 * order first met) that some run reports, each with its title.
 * @throws Error naming a metric asked for that no run reports, and the ones they do
 */
function panelsOf(
  data: CurvesData[],
  metrics: string[] | undefined,
): Array<{ key: string; title: string; unit?: string }> {
  const known = new Map<string, { title: string; unit: string }>();
  for (const d of data)
    for (const c of findAlgo(d.algo)?.curves ?? []) if (!known.has(c.key)) known.set(c.key, c);
  const reported = new Set(data.flatMap((d) => d.rows.flatMap((r) => Object.keys(r))));
  // The default panels leave out metrics the runs predate; metrics asked for by name must exist.
  const keys = metrics?.length ? metrics : [...known.keys()].filter((k) => reported.has(k));
  const missing = keys.filter((k) => !reported.has(k));
  if (missing.length)
    throw new Error(
      `no run reports ${missing.join(', ')}; the runs report: ${[...reported].sort().join(', ')}`,
    );
  return keys.map((key) => ({ key, title: known.get(key)?.title ?? key, unit: known.get(key)?.unit }));
}

/**
 * Writes the learning-curves figure of some runs to `outBase`.svg and .png: one panel per metric
 * (default: the union of the runs' algorithms' curves, in the order first met), runs with the same
 * variant label as seeds of one curve — the statistic over seeds (default IQM) with a band (default
 * a 95 % stratified-bootstrap interval); labels as {@link curvesData}.
 * @throws Error when a metric asked for by name is unknown to every run (naming the metrics the runs
 *   report); the default panels leave out metrics no run reports (runs older than the metric).
 */
export async function writeCurvesFigure(
  runs: RunDir[],
  outBase: string,
  opts: {
    title?: string;
    metrics?: string[];
    xAxis?: 'env_steps' | 'wall_s';
    smoothing?: number;
    statistic?: Statistic;
    band?: Band;
  } = {},
): Promise<{ svgPath: string; pngPath: string }> {
  const data = curvesData(runs);
  const spec = learningCurvesSpec(data, {
    metrics: panelsOf(data, opts.metrics),
    xAxis: opts.xAxis,
    smoothing: opts.smoothing,
    title: opts.title,
    statistic: opts.statistic,
    band: opts.band,
  });
  return renderFigure(spec, outBase);
}

/** A figure spec's query or runs resolved against the workspace. */
export function resolveFigureRuns(store: RunStore, spec: Pick<FigureSpec, 'runs' | 'query'>): RunDir[] {
  if (spec.runs) return spec.runs.map((id) => store.open(id));
  const q = spec.query!;
  const all = store.list();
  const picked = all.filter(({ record }) => {
    if (!record) return false;
    const config = record.config as { task?: string | null };
    return (
      (q.sweep === undefined || record.sweep?.id === q.sweep) &&
      (q.algo === undefined || record.algo === q.algo) &&
      (q.preset === undefined || record.preset === q.preset) &&
      (q.env === undefined || record.env === q.env) &&
      (q.task === undefined || config.task === q.task) &&
      (q.status === undefined || q.status.includes(record.status))
    );
  });
  if (picked.length === 0)
    throw new RunStoreError(
      `no run matches the query ${JSON.stringify(q)}; the workspace has ${all.length} run(s) (skill-lab list shows them)`,
    );
  return picked.map((r) => r.dir);
}

/**
 * Draws a figure from a spec (figures/figure_spec.ts) at its paper width: `outBase`.svg/.pdf/.png as
 * asked, `outBase`.csv (the plotted points: metric, variant, x, value, lo, hi, n) and
 * `outBase`.spec.json (the spec with the runs it resolved to, so `skill-lab figure --spec` redraws it).
 * @returns the files written, by extension, and the run ids
 * @throws RunStoreError for an unknown run or a query that selects none; Error for a metric no run
 *   reports or a width the figure cannot fit; RangeError for a bad width
 */
export async function writeFigureFromSpec(
  store: RunStore,
  spec: FigureSpec,
  outBase: string,
): Promise<{ files: Record<string, string>; runIds: string[] }> {
  const widthPt = parseWidth(spec.width);
  const runs = resolveFigureRuns(store, spec);
  const data = curvesData(runs, spec.groupBy);
  const panels = panelsOf(data, spec.metrics);
  if (spec.kind === 'aggregate') return writeAggregate(spec, data, panels[0], widthPt, outBase);
  const columns = Math.min(spec.columns, panels.length);
  const specFor = (panel: number) =>
    learningCurvesSpec(data, {
      metrics: panels,
      xAxis: spec.x,
      smoothing: spec.smoothing,
      title: spec.title,
      statistic: spec.statistic,
      band: spec.band,
      columns,
      width: panel,
      height: Math.round(panel * 0.68),
      print: true,
      figureWidth: widthPt,
    });
  const fit = await fitToWidth(specFor, widthPt, columns);
  for (const w of fit.warnings) console.warn(`figure: ${w}`);
  const plotted = (specFor(1) as { data: { values: Array<Record<string, unknown>> } }).data.values
    .filter((v) => v.switch === undefined)
    .map((v) => ({ ...v, value: v.mean }));
  const csv = toCsv(plotted, ['metric', 'variant', 'x', 'value', 'lo', 'hi', 'n']);
  return writeFigureAndSpec(
    spec,
    { svg: fit.svg, csv, widthPt },
    runs.map((r) => r.id),
    outBase,
  );
}

/**
 * Writes a fitted figure in the spec's formats and its plotted data (`outBase`.csv), then
 * `outBase`.spec.json: the spec with the runs it resolved to, so `skill-lab figure --spec` redraws it.
 * @returns the files written, by extension, and the run ids
 */
async function writeFigureAndSpec(
  spec: FigureSpec,
  figure: { svg: string; csv: string; widthPt: number },
  runIds: string[],
  outBase: string,
): Promise<{ files: Record<string, string>; runIds: string[] }> {
  const files = await writeFigureFiles(figure.svg, outBase, {
    formats: spec.formats,
    widthPt: figure.widthPt,
    title: spec.title,
    csv: figure.csv,
  });
  files['spec.json'] = `${resolve(outBase)}.spec.json`;
  await writeFileAtomic(files['spec.json'], JSON.stringify({ ...spec, runs: runIds }, null, 2) + '\n');
  return { files, runIds };
}

/**
 * The aggregate figure (figures/aggregate.ts) of one metric: each run's last logged value, runs
 * grouped into variants as the curves are.
 * @throws Error naming runs that never logged the metric
 */
async function writeAggregate(
  spec: FigureSpec,
  data: CurvesData[],
  metric: { key: string; title: string; unit?: string },
  widthPt: number,
  outBase: string,
): Promise<{ files: Record<string, string>; runIds: string[] }> {
  const finals = data.map((d) => ({
    d,
    v: [...d.rows].reverse().find((r) => Number.isFinite(r[metric.key]))?.[metric.key],
  }));
  const missing = finals.filter((f) => f.v === undefined).map((f) => f.d.id);
  if (missing.length) throw new Error(`no run reports ${metric.key} in ${missing.join(', ')}`);
  const labels = [...new Set(data.map((d) => d.label))];
  const variants = labels.map((label) => ({
    label,
    scores: finals.filter((f) => f.d.label === label).map((f) => f.v as number),
  }));
  const specFor = (panel: number) =>
    aggregateSpec(variants, {
      metric,
      title: spec.title,
      panelWidth: panel,
      figureWidth: widthPt,
      print: true,
    }).spec;
  // The widest row grows by one panel width per panel: the profile, and the improvement beside it
  // when the two are side by side (at a narrow width they are stacked, one panel per row).
  const { columns } = aggregateLayout(variants, { figureWidth: widthPt, print: true });
  const fit = await fitToWidth(specFor, widthPt, columns);
  for (const w of fit.warnings) console.warn(`figure: ${w}`);
  const plotted = aggregateData(variants);
  // One table in long form: part (interval, profile, improvement), variant or pair, x (τ), value, interval, n.
  const csv = toCsv(
    [
      ...plotted.intervals.map((r) => ({ part: 'interval', ...r, what: r.statistic })),
      ...plotted.profile.map((r) => ({
        part: 'profile',
        variant: r.variant,
        what: 'fraction > tau',
        x: r.tau,
        value: r.fraction,
      })),
      ...plotted.improvement.map((r) => ({
        part: 'improvement',
        variant: r.pair,
        what: 'P(X > Y)',
        value: r.value,
        lo: r.lo,
        hi: r.hi,
      })),
    ],
    ['part', 'variant', 'what', 'x', 'value', 'lo', 'hi', 'n'],
  );
  return writeFigureAndSpec(
    spec,
    { svg: fit.svg, csv, widthPt },
    data.map((d) => d.id),
    outBase,
  );
}
