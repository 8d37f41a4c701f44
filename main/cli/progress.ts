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

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * A time left, as the progress line shows it: "45s", "34m55s" (to 5 s), "1h05m" (to the minute).
 * The whole time is rounded before it is split, so no field reads 60 (cli-progress's own formatter
 * rounds the seconds after splitting: "34m60s").
 * @param t seconds; cli-progress passes 'NULL' or 'INF' while it cannot tell, shown as "–"
 */
export function formatEta(t: number | string): string {
  const v = typeof t === 'number' ? t : Number(t);
  if (!Number.isFinite(v) || v < 0) return '–';
  const s = v < 60 ? Math.round(v) : 5 * Math.round(v / 5);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad2(s % 60)}s`;
  const m = Math.round(v / 60);
  return `${Math.floor(m / 60)}h${pad2(m % 60)}m`;
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
        formatTime: formatEta,
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
