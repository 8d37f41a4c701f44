/**
 * `skill-lab compare`: DIAYN and DADS from one preset (same env, same f(s)), each seed in its own
 * run process, all at the same time; then each run is evaluated and the side-by-side figure written.
 * The run processes are supervised by engine/runs/supervisor.ts (as the lab service's are): a run
 * whose process fails is recorded as such in its run.json and reported here; the others go on.
 */
import { UsageError } from './errors.ts';
import { join } from 'node:path';
import { resolveRunConfig, loadPreset } from '../engine/presets.ts';
import { ALGOS, algoInfo } from '../engine/algos/lookup.ts';
import { isSkillDiscovery, joinNames } from '../engine/algos/algo_info.ts';
import { RunStore, type RunDir } from '../engine/runs/store.ts';
import { RunSupervisor } from '../engine/runs/supervisor.ts';
import type { EvalReport } from '../engine/runs/evaluate.ts';
import { writeComparisonFigure } from '../engine/runs/figure_data.ts';
import { versions } from '../engine/versions.ts';
import { RunBars } from './progress.ts';
import { printEvalReport } from './report.ts';

export interface CompareOptions {
  preset: string;
  seeds: number;
  seed: number;
  steps?: number;
  set: string[];
  workspace?: string;
}

export interface CompareResult {
  runs: RunDir[];
  reports: Map<string, EvalReport>;
  failed: Array<{ run: RunDir; reason: string }>;
  figure: { svgPath: string; pngPath: string } | null;
}

export async function compareCommand(opts: CompareOptions): Promise<CompareResult> {
  const preset = loadPreset(opts.preset);
  // The skill-discovery algorithms (catalog: skill-conditioned) the preset configures.
  const skillAlgos = ALGOS.filter((a) => isSkillDiscovery(algoInfo(a)));
  const algos = skillAlgos.filter((a) => preset.algos[a]);
  if (algos.length < 2)
    throw new UsageError(
      `preset "${preset.name}" must configure ${skillAlgos.length === 2 ? 'both' : 'at least two of'} ${joinNames(skillAlgos)} to compare them`,
    );
  const names = algos.map((a) => a.toUpperCase());
  const store = new RunStore(opts.workspace);
  const runs: RunDir[] = [];
  for (let k = 0; k < opts.seeds; k++) {
    for (const algo of algos) {
      const { config, sources } = resolveRunConfig({
        algo,
        preset: preset.name,
        seed: opts.seed + k,
        totalEnvSteps: opts.steps,
        set: opts.set,
      });
      runs.push(store.create(config, sources, versions()));
    }
  }
  console.log(
    `comparing ${joinNames(names)} on preset ${preset.name} (${preset.env}), ${opts.seeds} seed(s), ${runs.length} run processes`,
  );
  for (const run of runs) console.log(`  ${run.path}`);

  const bars = new RunBars();
  const reports = new Map<string, EvalReport>();
  const failed: CompareResult['failed'] = [];
  const supervisor = new RunSupervisor({ log: (line) => bars.log(line) });
  let backendShown = false;
  const onSigint = () => {
    bars.log('stopping all runs after their current iteration (checkpointing)…');
    void supervisor.stopAll();
  };
  process.on('SIGINT', onSigint);
  try {
    await Promise.all(
      runs.map((run) => {
        const config = run.readConfig();
        const label = `${config.algo.toUpperCase()} s${config.seed}`;
        bars.add(run.id, label, config.totalEnvSteps);
        const proc = supervisor.train(run, { evaluate: true });
        proc.on('progress', (p) => {
          bars.update(config.algo, p);
          if (!backendShown) {
            backendShown = true;
            const b = run.readRecord().backend as {
              name?: string;
              package?: string;
              version?: string;
              device?: string;
            } | null;
            if (b) bars.log(`compute backend: ${b.name} (${b.package} ${b.version}, ${b.device})`);
          }
        });
        proc.on('evaluating', () => bars.note(run.id, 'evaluating…'));
        proc.on('eval', (m) => {
          reports.set(run.id, m.report);
          bars.note(run.id, 'done');
        });
        proc.onEnd(({ reason }) => {
          if (reason === null) return; // ended as it should
          failed.push({ run, reason });
          bars.note(run.id, `failed: ${reason.slice(0, 80)}`);
        });
        return proc.ended;
      }),
    );
  } finally {
    bars.stop();
    process.off('SIGINT', onSigint);
  }

  for (const run of runs) {
    const report = reports.get(run.id);
    if (report) printEvalReport(report);
  }
  for (const f of failed) console.error(`run ${f.run.id} failed: ${f.reason}`);

  const evaluated = runs.filter((r) => reports.has(r.id));
  let figure: CompareResult['figure'] = null;
  if (evaluated.length > 0) {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    const outBase = join(store.root, 'figures', `compare-${preset.name}-${stamp}`);
    const f = evaluated[0].readConfig().stateFunction;
    figure = await writeComparisonFigure(
      evaluated,
      outBase,
      `${names.join(' vs ')} — ${preset.name}, f(s) = ${f}`,
    );
    console.log(`\nfigure: ${figure.pngPath}\n        ${figure.svgPath}`);
  }
  console.log(`runs:   ${store.runsDir}`);
  return { runs, reports, failed, figure };
}
