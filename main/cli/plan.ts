/**
 * `skill-lab plan RUN --goal X,Y …`: zero-shot goal reaching with a DADS run's skills (DADS paper §5,
 * Alg. 2): MPPI over skill sequences with the run's frozen skill dynamics, executed by its frozen
 * skill policy, against random skill sequences on the same starts. The run is loaded from its
 * checkpoint (engine/runs/policy_source.ts) and never changed.
 */
import { loadSkillSource, openSkillRun } from '../engine/runs/policy_source.ts';
import { algosWhere } from '../engine/algos/lookup.ts';
import type { AlgoName } from '../engine/config.ts';
import { dadsPartsOfSource, type ActionMode } from '../engine/planning/dads_model.ts';
import { planWithDads } from '../engine/planning/dads_plan.ts';
import type { PlanFigures, PlanReport } from '../engine/planning/execute.ts';
import { initBackend } from '../../native/backend.ts';
import { resolveMppiSettings } from '../engine/planning/mppi.ts';
import { UsageError, asUsageError } from './errors.ts';
import { BASELINE_COLOR, PATH_COLORS, planPathsSpec, type PathGroup } from '../engine/figures/plan_paths.ts';
import { readControllerResult, type ControllerResult } from '../engine/runs/controller_results.ts';
import { renderFigure } from '../engine/figures/render.ts';

/** Options of {@link planCommand}, as the command line gives them. */
export interface PlanCommandOptions {
  workspace?: string;
  /** "X,Y" texts, in m. */
  goal: string[];
  /** "X,Y X,Y …" texts: waypoints followed in order. */
  route: string[];
  episodes: number;
  seed: number;
  preset: string;
  /** "key=value" planner overrides (horizon, hold, candidates, refineSteps, gamma, variance, smoothing, init). */
  set: string[];
  radius?: number;
  episodeSteps?: number;
  actions: ActionMode;
  baseline: boolean;
  json: boolean;
  /** Skill controller runs whose evaluations are set beside the planner (table, JSON, figure). */
  controller?: string[];
  /** Output path of the x-y figure without extension (`.svg` and `.png` are written); none when absent. */
  figure?: string;
}

/**
 * Parses "X,Y" into two finite numbers.
 * @throws Error naming the option and its position when the text is not two finite numbers.
 */
export function parsePoint(text: string, what: string): [number, number] {
  const parts = text.split(',').map((s) => s.trim());
  const nums = parts.map((p) => (p === '' ? NaN : Number(p)));
  if (nums.length !== 2 || !nums.every(Number.isFinite))
    throw new UsageError(
      `${what}: "${text}" is not a point X,Y of two finite numbers (m), e.g. --goal 0.5,-0.3`,
    );
  return [nums[0], nums[1]];
}

/** "key=value" planner overrides → values (numbers where they parse, else text). */
function parseOverrides(set: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of set) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set: "${item}" is not key=value (e.g. --set hold=5)`);
    const value = item.slice(eq + 1).trim();
    out[item.slice(0, eq).trim()] = value !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return out;
}

/**
 * Plans and executes; prints a table, or with `json` one object (the {@link PlanReport}).
 * @throws RunStoreError for an unknown run, a run that is not DADS (saying what is allowed) or one
 *   without a readable checkpoint; Error naming a bad goal, route or planner setting.
 */
export async function planCommand(runRef: string, o: PlanCommandOptions): Promise<PlanReport> {
  // Everything the user typed is checked before the run is loaded; a mistake is a UsageError.
  const { goals, routes, overrides } = asUsageError(() => {
    const goals = o.goal.map((g, i) => parsePoint(g, `--goal #${i + 1}`));
    const routes = o.route.map((r, i) =>
      r
        .trim()
        .split(/\s+|;/)
        .filter(Boolean)
        .map((p, j) => parsePoint(p, `--route #${i + 1}, waypoint ${j + 1}`)),
    );
    if (goals.length + routes.length === 0)
      throw new UsageError('plan needs at least one --goal X,Y (or --route "X,Y X,Y …"), in m');
    const overrides = parseOverrides(o.set);
    resolveMppiSettings(o.preset, overrides);
    if (o.radius !== undefined && !(o.radius > 0))
      throw new UsageError(`--radius must be a positive number of m, got ${o.radius}`);
    if (!(Number.isInteger(o.episodes) && o.episodes >= 1))
      throw new UsageError(`--episodes must be a positive integer, got ${o.episodes}`);
    return { goals, routes, overrides };
  });
  const which = {
    workspace: o.workspace,
    accept: algosWhere((a) => a.skillModels.skillDynamics) as AlgoName[],
    purpose: 'zero-shot planning with skill dynamics (skill-lab plan)',
  };
  openSkillRun(runRef, which); // refuses a wrong run before the backend starts
  const controllers = (o.controller ?? []).map((c) => readControllerResult(c, o.workspace));
  // MPPI evaluates small batches, faster on wasm (native/backend.ts).
  await initBackend({ quiet: o.json, networkWidth: 0 });
  const source = await loadSkillSource(runRef, {
    ...which,
    onWarning: (m) => console.error(`warning: ${m}`),
  });
  try {
    const { report, traces } = await planWithDads(dadsPartsOfSource(source), {
      goals,
      routes,
      episodes: o.episodes,
      seed: o.seed,
      preset: o.preset,
      overrides,
      actions: o.actions,
      episodeSteps: o.episodeSteps,
      radius: o.radius,
      baseline: o.baseline,
    });
    const out = {
      run: source.run.id,
      checkpoint: source.checkpoint,
      ...report,
      ...(controllers.length > 0 && {
        controllers: controllers.map(({ traces, ...c }) => ({
          ...c,
          episodes: traces.map((t) => ({
            goal: t.goal,
            final_distance: t.final_distance,
            success: t.success,
            steps: t.steps,
          })),
        })),
      }),
    };
    if (o.json) console.log(JSON.stringify(out));
    else {
      printPlanReport(source.run.id, source.checkpoint.envSteps, report);
      for (const c of controllers) console.log(controllerLine(c));
    }
    if (o.figure) {
      const pct = (f: Pick<PlanFigures, 'success_rate' | 'mean_final_distance'>) =>
        `${f.success_rate.toFixed(2)}, mean final distance ${f.mean_final_distance.toFixed(2)} m`;
      const spec = planPathsSpec(pathGroups(report.planner.preset, traces, controllers), {
        radius: report.success_radius,
        title: `${source.run.id}: ${controllers.length > 0 ? 'goal reaching with its skills' : 'zero-shot goal reaching'}`,
        subtitle: [
          `checkpoint at ${source.checkpoint.envSteps} env steps · episodes of ≤ ${report.planner.episode_steps} env steps · success: final distance < ${report.success_radius} m`,
          `MPPI: success ${pct(report)}` +
            (report.baseline ? ` · random skills: ${pct(report.baseline)}` : ''),
          ...controllers.map(
            (c) =>
              `controller over ${c.skills_from.algo.toUpperCase()} skills (${c.env_steps} env steps, ${c.traces.length} episodes of its evaluation): ${pct(c)}`,
          ),
        ],
      });
      const fig = await renderFigure(spec, o.figure.replace(/\.(png|svg)$/i, ''));
      // stdout stays one JSON object under --json
      (o.json ? console.error : console.log)(`figure: ${fig.pngPath}\n        ${fig.svgPath}`);
    }
    return report;
  } finally {
    source.dispose();
  }
}

/**
 * The figure's groups, bottom to top: random skills in grey, each controller, then MPPI in blue; a
 * controller is labelled by the algorithm of its skills, with its run id when two would share one.
 */
function pathGroups(
  preset: string,
  traces: { planner: PathGroup['episodes']; baseline: PathGroup['episodes'] },
  controllers: ControllerResult[],
): PathGroup[] {
  const label = (c: ControllerResult) => `controller over ${c.skills_from.algo.toUpperCase()} skills`;
  const shared = (c: ControllerResult) => controllers.filter((d) => label(d) === label(c)).length > 1;
  return [
    ...(traces.baseline.length > 0
      ? [{ label: 'random skills', color: BASELINE_COLOR, episodes: traces.baseline }]
      : []),
    ...controllers.map((c, i) => ({
      label: shared(c) ? `${label(c)} (${c.run})` : label(c),
      color: PATH_COLORS[1 + (i % (PATH_COLORS.length - 1))],
      episodes: c.traces as PathGroup['episodes'],
    })),
    { label: `MPPI (${preset})`, color: PATH_COLORS[0], episodes: traces.planner },
  ];
}

/** A controller's evaluation as one line under the planner's figures. */
function controllerLine(c: ControllerResult): string {
  const name = `controller over ${c.skills_from.algo.toUpperCase()} skills`;
  return (
    `${name} (${c.run}, ${c.env_steps} env steps, goal (${c.goal.map((v) => v.toFixed(2)).join(', ')})): ` +
    `success rate ${c.success_rate.toFixed(2)} (< ${c.success_radius} m), mean final distance ` +
    `${c.mean_final_distance.toFixed(3)} m over ${c.traces.length} episodes of its evaluation`
  );
}

/** The table a researcher reads: one row per episode, then the planner against random skills. */
function printPlanReport(runId: string, envSteps: number, r: PlanReport): void {
  const p = r.planner;
  console.log(
    `planning with ${runId} (checkpoint at ${envSteps} env steps): MPPI preset ${p.preset} — ` +
      `H_P ${p.settings.horizon}, H_Z ${p.settings.hold}, K ${p.settings.candidates}, R ${p.settings.refineSteps}, ` +
      `γ ${p.settings.gamma}; ${p.actions} actions; episodes of ≤ ${p.episode_steps} env steps` +
      (p.stop_at_goal ? ', ending at the goal' : ''),
  );
  console.log(`success = final distance < ${r.success_radius} m\n`);
  console.log(
    'goal (m)              final distance (m)  success  steps' +
      (r.baseline ? '   random skills: final (m)  success' : ''),
  );
  r.episodes.forEach((e, i) => {
    const b = r.baseline?.episodes[i];
    console.log(
      `${`(${e.goal.map((v) => v.toFixed(2)).join(', ')})`.padEnd(22)}` +
        `${e.final_distance.toFixed(3).padStart(18)}  ${(e.success ? 'yes' : 'no').padEnd(7)}  ${String(e.steps).padStart(5)}` +
        (b ? `   ${b.final_distance.toFixed(3).padStart(22)}  ${b.success ? 'yes' : 'no'}` : ''),
    );
  });
  const line = (name: string, f: PlanFigures) =>
    `${name.padEnd(15)} success rate ${f.success_rate.toFixed(2)}, mean final distance ${f.mean_final_distance.toFixed(3)} m`;
  console.log(`\n${line('MPPI', r)}`);
  if (r.baseline) console.log(line('random skills', r.baseline));
}
