/**
 * `skill-lab compare`: DIAYN and DADS from one preset (same env, same f(s)), each seed in its own
 * run process, all at the same time; then each run is evaluated and the side-by-side figure written.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { resolveRunConfig, loadPreset } from '../engine/presets.ts';
import { RunStore, type RunDir } from '../engine/runs/store.ts';
import { spawnRunProcess } from '../engine/runs/spawn.ts';
import type { Progress } from '../engine/runs/trainer.ts';
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
  const algos = (['diayn', 'dads'] as const).filter((a) => preset.algos[a]);
  if (algos.length < 2)
    throw new Error(`preset "${preset.name}" must configure both diayn and dads to compare them`);
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
    `comparing DIAYN and DADS on preset ${preset.name} (${preset.env}), ${opts.seeds} seed(s), ${runs.length} run processes`,
  );
  for (const run of runs) console.log(`  ${run.path}`);

  const bars = new RunBars();
  const reports = new Map<string, EvalReport>();
  const failed: CompareResult['failed'] = [];
  const children: ChildProcess[] = [];
  let backendShown = false;
  const onSigint = () => {
    bars.log('stopping all runs after their current iteration (checkpointing)…');
    for (const c of children) if (c.connected) c.send({ type: 'stop' });
  };
  process.on('SIGINT', onSigint);
  try {
    await Promise.all(
      runs.map((run) => {
        const config = run.readConfig();
        const label = `${config.algo.toUpperCase()} s${config.seed}`;
        bars.add(run.id, label, config.totalEnvSteps);
        return new Promise<void>((resolvePromise) => {
          const child = spawnRunProcess(run, true);
          children.push(child);
          let errorText: string | null = null;
          child.on('message', (msg: { type: string } & Record<string, unknown>) => {
            if (msg.type === 'progress') {
              bars.update(config.algo, msg as unknown as Progress);
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
            } else if (msg.type === 'evaluating') bars.note(run.id, 'evaluating…');
            else if (msg.type === 'eval') {
              reports.set(run.id, msg.report as EvalReport);
              bars.note(run.id, 'done');
            } else if (msg.type === 'error') errorText = String(msg.message);
          });
          child.on('exit', (code, signal) => {
            if (code !== 0) {
              const reason =
                errorText ??
                `run process exited with ${signal ?? `code ${code}`} (see ${join(run.path, 'worker.log')})`;
              failed.push({ run, reason });
              bars.note(run.id, `failed: ${reason.slice(0, 80)}`);
            }
            resolvePromise();
          });
        });
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
    figure = await writeComparisonFigure(evaluated, outBase, `DIAYN vs DADS — ${preset.name}, f(s) = ${f}`);
    console.log(`\nfigure: ${figure.pngPath}\n        ${figure.svgPath}`);
  }
  console.log(`runs:   ${store.runsDir}`);
  return { runs, reports, failed, figure };
}
