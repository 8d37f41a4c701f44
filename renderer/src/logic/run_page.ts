/**
 * The model of a run's page, free of Vue so it is tested alone: its tabs, its progress line, its
 * config as rows with each value's source, and the figures of its evaluation as `skill-lab eval`
 * prints them (main/cli/report.ts).
 */
import { plansWithSkills, type EvalSummary, type RunSummary } from '../../../main/api/contract/contract.ts';
import { findAlgo, perTaskText, type EvalFigure } from '../../../main/api/contract/presentation.ts';
import { formatSteps } from './format.ts';

// ── tabs ───────────────────────────────────────────────────────────────────────────────────────

/** A tab of a run's page. */
export interface RunTab {
  id: string;
  label: string;
  /** Tooltip: what the tab shows. */
  title: string;
}

/**
 * The tabs of a run's page, in order. Every run has an overview (curves, evaluation, replay or task)
 * and its config; per-algorithm tabs are added here from the run's catalog entry — the Skills view
 * (zero-shot planning) for algorithms with a skill dynamics — and the page shows the component of
 * each tab id.
 */
export function runTabs(run: Pick<RunSummary, 'algo'>): RunTab[] {
  const info = findAlgo(run.algo);
  return [
    { id: 'overview', label: 'Overview', title: 'learning curves, evaluation, 3D replay' },
    ...(info && plansWithSkills(info)
      ? [
          {
            id: 'skills',
            label: 'Skills',
            title: 'place goals on the map and watch the planner reach them with the run’s skills',
          },
        ]
      : []),
    { id: 'config', label: 'Config', title: 'every hyperparameter with its source; backend and versions' },
  ];
}

// ── progress ───────────────────────────────────────────────────────────────────────────────────

/** A duration in seconds as "45 s", "12 min", "3 h 20 min", "2 d 4 h". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const min = Math.round(seconds / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** A run's progress: the share done (0–1), "12 k / 30 k env steps", and the time left while it trains. */
export interface Progress {
  fraction: number;
  steps: string;
  /** "about 3 min left at 410 steps/s"; null unless it trains and its speed is known. */
  eta: string | null;
}

/**
 * The progress of `run`. `stepsPerSecond`: the speed of its process in this session (the `metrics`
 * event's), undefined when none was reported.
 */
export function runProgress(
  run: Pick<RunSummary, 'envSteps' | 'totalEnvSteps' | 'activity'>,
  stepsPerSecond: number | undefined,
): Progress {
  const fraction = Math.min(1, run.envSteps / Math.max(1, run.totalEnvSteps));
  const steps = `${formatSteps(run.envSteps)} / ${formatSteps(run.totalEnvSteps)} env steps`;
  const left = run.totalEnvSteps - run.envSteps;
  const eta =
    run.activity === 'training' && stepsPerSecond && stepsPerSecond > 0 && left > 0
      ? `about ${formatDuration(left / stepsPerSecond)} left at ${Math.round(stepsPerSecond)} steps/s`
      : null;
  return { fraction, steps, eta };
}

// ── config ─────────────────────────────────────────────────────────────────────────────────────

/**
 * The config sections `algo` reads besides the top-level keys (its catalog entry's `sections`; the
 * others are there because every run records the complete config); null for an algorithm the
 * catalog does not know, whose runs show every section.
 */
export function algoSections(algo: string): readonly string[] | null {
  const info = findAlgo(algo);
  return info ? Object.keys(info.sections) : null;
}

/** Where a config value came from, for the table's badge. */
export type SourceKind = 'user' | 'preset' | 'default' | 'none';

/** One row of the config table. */
export interface ConfigRow {
  /** Dotted config key, e.g. `sac.lr`. */
  key: string;
  /** The section (`sac`), or '' for a top-level key. */
  section: string;
  /** The value as text: numbers and strings as such, arrays and null as JSON. */
  value: string;
  /** The recorded source (run.json's `sources`), or null when none was recorded. */
  source: string | null;
  kind: SourceKind;
  /** True when the run's algorithm reads this key (see {@link algoSections}). */
  used: boolean;
}

/** The kind of a recorded source text (main/engine/presets.ts writes them). */
export function sourceKind(source: string | null): SourceKind {
  if (source === null) return 'none';
  if (/^(command line|user override)/.test(source)) return 'user';
  if (source.startsWith('preset ')) return 'preset';
  return 'default';
}

const valueText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * The config table of a run: one row per leaf of `config` (nested objects flattened to dotted keys,
 * arrays kept whole), in the config's order, each with its source from `sources`. A source whose key
 * is not a leaf of the config is kept as a row of its own, so no recorded source goes unseen.
 */
export function configRows(
  config: Record<string, unknown>,
  sources: Record<string, string>,
  algo: string,
): ConfigRow[] {
  const sections = algoSections(algo);
  const rows: ConfigRow[] = [];
  const add = (key: string, section: string, value: unknown) => {
    const source = sources[key] ?? null;
    const used = section === '' || !sections || sections.includes(section);
    rows.push({ key, section, value: valueText(value), source, kind: sourceKind(source), used });
  };
  for (const [key, value] of Object.entries(config)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      for (const [sub, v] of Object.entries(value)) add(`${key}.${sub}`, key, v);
    else add(key, '', value);
  }
  const seen = new Set(rows.map((r) => r.key));
  for (const [key, source] of Object.entries(sources))
    if (!seen.has(key)) {
      const section = key.includes('.') ? key.slice(0, key.indexOf('.')) : '';
      rows.push({ key, section, value: '—', source, kind: sourceKind(source), used: true });
    }
  return rows;
}

/**
 * The rows matching `query`: every whitespace-separated word must occur (case-insensitive) in the
 * key, the value or the source. `usedOnly` drops keys the algorithm does not read.
 */
export function filterConfigRows(rows: ConfigRow[], query: string, usedOnly: boolean): ConfigRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((r) => {
    if (usedOnly && !r.used) return false;
    const text = `${r.key} ${r.value} ${r.source ?? ''}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

// ── evaluation ─────────────────────────────────────────────────────────────────────────────────

/** A figure of an evaluation: label, value text, and what it means. */
export interface Figure {
  label: string;
  value: string;
  hint?: string;
}

/**
 * The figures of a skill evaluation that its algorithm reports besides the fixed ones (its catalog
 * entry's `evalFigures`: DIAYN's discriminator, DADS's skill dynamics …), as `skill-lab eval` prints
 * them (main/cli/report.ts).
 */
function modelFigures(s: EvalSummary): readonly EvalFigure[] {
  return findAlgo(s.algo)?.evalFigures ?? [];
}

/** A number as text with `digits` decimals; '—' for null, NaN or anything not a number. */
export function num(v: unknown, digits = 3): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '—';
}

/** True for the report of a goal-conditioned or multi-task run (success and return, no skills). */
export function isGoalReport(s: EvalSummary): boolean {
  return s.skills.length === 0 && typeof s.success_rate === 'number';
}

/** The run-level figures of an evaluation report, in the order `skill-lab eval` prints them. */
export function evaluationFigures(s: EvalSummary): Figure[] {
  if (isGoalReport(s)) {
    const figures: Figure[] = [
      { label: 'success rate', value: num(s.success_rate), hint: 'deterministic policy' },
      { label: 'mean return', value: num(s.episode_return, 2) },
      { label: 'episodes', value: num(s.episodes, 0), hint: `of ${s.episode_steps} steps` },
    ];
    // A goal in x-y (a skill controller's): how far from it the episodes ended.
    if (typeof s.mean_final_distance === 'number')
      figures.splice(1, 0, {
        label: 'mean final distance',
        value: `${num(s.mean_final_distance)} m`,
        hint: typeof s.success_radius === 'number' ? `success: < ${s.success_radius} m` : undefined,
      });
    if (typeof s.task === 'string') figures.push({ label: 'task', value: s.task });
    if (Array.isArray(s.task_success))
      figures.push({
        label: 'success per task',
        value: perTaskText(s.task_success as unknown[], s.task_names, (v) => num(v, 2)),
      });
    // A distilled student: each teacher's mean action on its own task, on the same resets.
    if (Array.isArray(s.teacher_success))
      figures.push({
        label: "teachers' success per task",
        value: (s.teacher_success as unknown[]).map((v) => num(v, 2)).join(', '),
        hint: Array.isArray(s.teachers) ? (s.teachers as string[]).join(', ') : undefined,
      });
    return figures;
  }
  const figures: Figure[] = [
    {
      label: 'skills × rollouts',
      value: `${s.skills.length} × ${s.rollouts_per_skill}`,
      hint: `of ${s.episode_steps} steps, deterministic policy`,
    },
    { label: 'f(s)', value: s.state_function, hint: 'the state function skills are judged on' },
    {
      label: 'x-y coverage',
      value: `${s.coverage_cells} cells`,
      hint: `distinct ${s.coverage_cell_m} m × ${s.coverage_cell_m} m cells visited`,
    },
    {
      label: 'normalized skill variance',
      value: num(s.mean_normalized_variance),
      hint: 'DADS Fig. 6: lower = more predictable',
    },
  ];
  for (const { key, label, hint } of modelFigures(s))
    if (typeof s[key] === 'number') figures.push({ label, value: num(s[key]), hint });
  return figures;
}

/** The per-skill metrics a report carries beyond the fixed columns (e.g. discriminator_accuracy). */
export function skillMetricKeys(s: EvalSummary): string[] {
  return modelFigures(s)
    .map((f) => f.key)
    .filter((k) => s.skills.some((sk) => typeof sk[k] === 'number'));
}

/** A skill's z as text: the vector when short, else its index. */
export function skillZ(skill: { id: number; z: number[] }): string {
  return skill.z.length > 4 ? `#${skill.id}` : `[${skill.z.map((v) => v.toFixed(2)).join(', ')}]`;
}

/** A skill's final f(s) as "mean ± std" per dimension (the first three). */
export function skillFinal(skill: {
  final_mean: Array<number | null>;
  final_std: Array<number | null>;
}): string {
  return skill.final_mean
    .slice(0, 3)
    .map((m, j) => `${num(m, 2)} ± ${num(skill.final_std[j], 2)}`)
    .join(', ');
}
