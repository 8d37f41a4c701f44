/** Formatting of run facts for tables. */
import { findAlgo } from '../../../main/api/contract/presentation.ts';

/** "3.2 k", "1.5 M": env-step counts a reader compares at a glance. */
export function formatSteps(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)} k`;
  return String(n);
}

/** Age of an ISO timestamp relative to `now` (ms): "12 s", "5 min", "3 h", "2 d". */
export function formatAge(iso: string, now = Date.now()): string {
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return '—';
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/**
 * The key metric of a run's algorithm (its catalog entry's `keyMetric`), as label and value text; the
 * intrinsic reward while the run has not logged it yet.
 */
export function keyMetric(algo: string, metrics: Record<string, number>): string {
  const { key, label } = findAlgo(algo)?.keyMetric ?? { key: 'episode_return', label: 'return' };
  const v = metrics[key] ?? metrics.intrinsic_reward;
  if (v === undefined) return '—';
  return `${metrics[key] === undefined ? 'r_int' : label} ${Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3)}`;
}

/**
 * A run's short name for pickers and column titles: algorithm, preset (or env), its goal task when
 * the preset does not name it, seed, and for a run with relabeling its settings in order, as its
 * figures read ("GOAL-SAC arm-push · push-left s0 · future k=4 → final k=2").
 */
export function runLabel(run: {
  algo: string;
  env: string;
  preset: string | null;
  task?: string | null;
  seed: number;
  metrics: Record<string, number>;
  /** The relabeling sequence ("future k=4 → final k=2"), as figures label the run. */
  relabeling?: string | null;
}): string {
  const where = run.preset ?? run.env;
  // A task the preset's name already says (arm-reach's reach) is not repeated.
  const base = `${run.algo.toUpperCase()} ${run.task && !where.includes(run.task) ? `${where} · ${run.task}` : where} s${run.seed}`;
  if (run.relabeling) return `${base} · ${run.relabeling}`;
  const index = run.metrics.relabel_strategy;
  const relabeling = findAlgo(run.algo)?.relabeling;
  if (relabeling?.kind !== 'hindsight' || !Number.isInteger(index)) return base;
  const strategy = relabeling.strategies[index] ?? `#${index}`;
  return `${base} · ${strategy === 'none' ? 'no relabeling' : `${strategy} k=${run.metrics.relabel_k}`}`;
}

/**
 * {@link runLabel} of each run, made unique: runs that would read the same (two DIAYN point-mass s0
 * runs) get their creation time appended, and the run id where even that repeats (issue #13 B2).
 * @returns run id → label
 */
export function uniqueRunLabels(
  runs: ReadonlyArray<Parameters<typeof runLabel>[0] & { id: string; createdAt: string }>,
): Map<string, string> {
  const count = (labels: string[]) =>
    labels.reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
  const base = runs.map((r) => runLabel(r));
  const baseCount = count(base);
  const timed = runs.map((r, i) =>
    baseCount.get(base[i])! > 1 ? `${base[i]} · ${r.createdAt.slice(0, 16).replace('T', ' ')}` : base[i],
  );
  const timedCount = count(timed);
  return new Map(
    runs.map((r, i) => [r.id, timedCount.get(timed[i])! > 1 ? `${base[i]} · ${r.id}` : timed[i]]),
  );
}

/** A duration in s as a reader estimates it: "40 s", "3 min", "1 h 20 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds / 5) * 5)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  const min = Math.round((seconds - 3600 * h) / 60);
  return min > 0 && h < 10 ? `${h} h ${min} min` : `${Math.round(seconds / 3600)} h`;
}

/**
 * The time a training run still needs (s): its remaining env steps at its current speed — the
 * `metrics` events' stepsPerSecond when it streams them, else its average so far (env steps over
 * wall-clock seconds). Null when it does not train or its speed is not known yet.
 */
export function remainingSeconds(
  run: { activity: string | null; envSteps: number; totalEnvSteps: number; wallSeconds: number },
  stepsPerSecond?: number,
): number | null {
  if (run.activity !== 'training') return null;
  const left = Math.max(0, run.totalEnvSteps - run.envSteps);
  const rate =
    stepsPerSecond && stepsPerSecond > 0
      ? stepsPerSecond
      : run.wallSeconds > 0 && run.envSteps > 0
        ? run.envSteps / run.wallSeconds
        : 0;
  return rate > 0 ? left / rate : null;
}

/** {@link remainingSeconds} as table text: "~3 min left", or '' when unknown. */
export function formatEta(...args: Parameters<typeof remainingSeconds>): string {
  const s = remainingSeconds(...args);
  return s === null ? '' : `~${formatDuration(s)} left`;
}
