/**
 * Turns run directories into the comparison figure's input: metric rows, evaluation x-y traces and
 * which learning curves each algorithm shows.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { comparisonSpec, renderFigure, type FigureRun } from '../figures/compare.ts';
import { POINT_MASS_ARENA } from '../sim/envs.ts';
import { initialRelabeling } from '../figures/curves.ts';
import { findAlgo } from '../algos/lookup.ts';
import { learningCurvesSpec } from '../figures/learning_curves.ts';
import type { RunDir, RunRecord } from './store.ts';
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

/**
 * Writes the learning-curves figure of some runs to `outBase`.svg and .png: one panel per metric
 * (default: the union of the runs' algorithms' curves, in the order first met), runs with the same
 * variant label as seeds of one curve — the statistic over seeds (default IQM) with a band (default
 * a 95 % stratified-bootstrap interval). A goal-conditioned run's label is its initial relabeling
 * ("future k=4", "no relabeling"), a sweep run's its algorithm and swept values, any other run's its
 * {@link runLabel}.
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
  const data = runs.map((run) => {
    const record = run.readRecord();
    const rows = run.readMetrics() as Array<Record<string, number>>;
    const label = initialRelabeling(rows) ?? sweepLabel(run, record) ?? runLabel(record);
    return { label, rows, algo: record.algo };
  });
  const known = new Map<string, string>();
  for (const d of data)
    for (const c of findAlgo(d.algo)?.curves ?? []) if (!known.has(c.key)) known.set(c.key, c.title);
  const reported = new Set(data.flatMap((d) => d.rows.flatMap((r) => Object.keys(r))));
  // The default panels leave out metrics the runs predate; metrics asked for by name must exist.
  const keys = opts.metrics?.length ? opts.metrics : [...known.keys()].filter((k) => reported.has(k));
  const missing = keys.filter((k) => !reported.has(k));
  if (missing.length)
    throw new Error(
      `no run reports ${missing.join(', ')}; the runs report: ${[...reported].sort().join(', ')}`,
    );
  const spec = learningCurvesSpec(data, {
    metrics: keys.map((key) => ({ key, title: known.get(key) ?? key })),
    xAxis: opts.xAxis,
    smoothing: opts.smoothing,
    title: opts.title,
    statistic: opts.statistic,
    band: opts.band,
  });
  return renderFigure(spec, outBase);
}
