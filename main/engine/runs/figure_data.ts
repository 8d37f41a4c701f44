/**
 * Turns run directories into the comparison figure's input: metric rows, evaluation x-y traces and
 * which learning curves each algorithm shows.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { comparisonSpec, renderFigure, type FigureRun } from '../figures/compare.ts';
import { POINT_MASS_ARENA } from '../sim/envs.ts';
import { LEARNING_CURVES } from '../figures/curves.ts';
import type { RunDir } from './store.ts';

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
    label: label ?? record.algo.toUpperCase(),
    seed: record.seed,
    env: record.env,
    metrics: run.readMetrics(),
    traces,
    curves: [...(LEARNING_CURVES[record.algo] ?? [])],
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
