/** Progress bars for training runs (cli-progress), one line per run. */
import cliProgress from 'cli-progress';
import type { Progress } from '../engine/runs/trainer.ts';
import { findAlgo } from '../engine/algos/lookup.ts';

const FORMAT =
  '{label} |{bar}| {percentage}% {value}/{total} env steps | {speed} steps/s | ETA {eta_formatted} | {metrics}';

/** Formats the key metrics of a row for one progress line (the algorithm's catalog `progressMetrics`). */
export function metricSummary(algo: string, row: Record<string, number>): string {
  return (findAlgo(algo)?.progressMetrics ?? [])
    .filter(({ key }) => Number.isFinite(row[key]))
    .map(({ key, short }) => `${short} ${fmt(row[key])}`)
    .join('  ');
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3);
}

/** Several runs' bars in one terminal block (one bar when there is one run). */
export class RunBars {
  private readonly multi: cliProgress.MultiBar;
  private readonly bars = new Map<string, cliProgress.SingleBar>();

  constructor() {
    this.multi = new cliProgress.MultiBar(
      {
        format: FORMAT,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 20,
        barsize: 24,
        noTTYOutput: true,
        notTTYSchedule: 10_000,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  add(runId: string, label: string, total: number, start = 0): void {
    this.bars.set(
      runId,
      this.multi.create(total, start, { label: label.padEnd(6), speed: '-', metrics: '' }),
    );
  }

  update(algo: string, p: Progress): void {
    this.bars.get(p.runId)?.update(Math.min(p.envSteps, p.totalEnvSteps), {
      speed: Math.round(p.stepsPerSecond).toString(),
      metrics: metricSummary(algo, p.row),
    });
  }

  /** Replaces a run's metrics text (e.g. "evaluating…", "error: …"). */
  note(runId: string, text: string): void {
    this.bars.get(runId)?.update({ metrics: text });
  }

  log(line: string): void {
    this.multi.log(line.endsWith('\n') ? line : line + '\n');
  }

  stop(): void {
    this.multi.stop();
  }
}
