/**
 * The skill-lab command line: train, compare, eval, plan, diagnose, list, resume, figure, sweep, bench, start, serve, app.
 * Every command reaches the engine through the same run store the app uses.
 */
// Only light modules are imported here: `--help`, `list` and every refusal start without loading
// tfjs, MuJoCo, Vega or DuckDB (issue #13 B7); each command imports what it needs when it runs.
import { Command, InvalidArgumentError, Option } from 'commander';
import { ENVS, ConfigError } from '../engine/config.ts';
import { listPresets } from '../engine/presets.ts';
import { RunStore, RunStoreError, type RunDir, type RunRecord } from '../engine/runs/store.ts';
import { RunLockedError, runTrainer } from '../engine/runs/lock.ts';
import { figureSpecSchema, type FigureSpec } from '../engine/figures/figure_spec.ts';
import {
  algoOption,
  relabelAmountAlgos,
  relabelDescription,
  relabelStrategyChoices,
  skillsFromHelp,
  teachersHelp,
  skillsHelp,
  taskHelp,
} from './algo_options.ts';
import { age } from './report.ts';
import { metricSummary } from './progress.ts';
import { basename, join } from 'node:path';
import { UsageError } from './errors.ts';
import { MPPI_PRESETS } from '../engine/planning/settings.ts';
import { SWEEP_EXECUTORS } from '../engine/runs/sweep_spec.ts';
import { STATISTICS } from '../engine/figures/stats.ts';
import { BANDS } from '../engine/figures/series.ts';

function int(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${v}"`);
    return n;
  };
}
const collect = (v: string, acc: string[]) => [...acc, v];

const program = new Command();
program
  .name('skill-lab')
  .description('Unsupervised skill discovery (DIAYN, DADS) and multi-task RL on MuJoCo robots')
  .option('--workspace <dir>', 'workspace folder (default: $SKILL_LAB_WORKSPACE or ./workspace)');

program
  .command('train')
  .description(
    'train one run (SAC on the env reward, DIAYN or DADS) with a progress bar; Ctrl-C checkpoints and stops',
  )
  .addOption(algoOption())
  .addOption(new Option('--env <env>', 'environment').choices(ENVS))
  .option('--preset <name>', `experiment preset (${listPresets().join(', ')})`)
  .option('--skills <n>', skillsHelp(), int('--skills'))
  .option('--task <name>', taskHelp())
  .option('--skills-from <run>', skillsFromHelp())
  .option('--teachers <runs>', teachersHelp(), (v: string) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .option('--steps <n>', 'total env steps', int('--steps'))
  .option('--seed <n>', 'random seed', int('--seed'))
  .option('--set <key=value>', 'override any config value, e.g. --set sac.lr=0.001 (repeatable)', collect, [])
  .option('--no-eval', 'skip the evaluation after training')
  .action(async (o) => {
    const { trainCommand } = await import('./train.ts');
    await trainCommand(
      {
        algo: o.algo,
        env: o.env,
        preset: o.preset,
        seed: o.seed,
        totalEnvSteps: o.steps,
        skills: o.skills,
        task: o.task,
        skillsFrom: o.skillsFrom,
        teachers: o.teachers,
        set: o.set,
      },
      { workspace: program.opts().workspace, eval: o.eval },
    );
  });

program
  .command('relabel')
  .description(relabelDescription())
  .argument('<run>', 'run id (see skill-lab list)')
  .addOption(
    new Option('--strategy <s>', 'relabeling strategy')
      .choices(relabelStrategyChoices())
      .makeOptionMandatory(),
  )
  .option(
    '--k <k>',
    `${relabelAmountAlgos('k')}: relabeled share 1 − 1/(k+1) of each batch (HER: 4)`,
    int('--k'),
    4,
  )
  .option('--ratio <r>', `${relabelAmountAlgos('ratio')}: relabeled share of each batch, 0–1`, (v) =>
    Number(v),
  )
  .action(async (id: string, o) => {
    const { relabelCommand } = await import('./train.ts');
    relabelCommand(id, o.strategy, { k: o.k, ratio: o.ratio }, program.opts().workspace);
  });

program
  .command('compare')
  .description(
    'train DIAYN and DADS side by side (separate processes), evaluate them and write the comparison figure',
  )
  .requiredOption('--preset <name>', `experiment preset (${listPresets().join(', ')})`)
  .option('--seeds <k>', 'seeds per algorithm', int('--seeds'), 1)
  .option('--seed <n>', 'first seed', int('--seed'), 0)
  .option('--steps <n>', 'override the total env steps of both', int('--steps'))
  .option('--set <key=value>', 'override a config value for both (repeatable)', collect, [])
  .action(async (o) => {
    const { compareCommand } = await import('./compare.ts');
    const result = await compareCommand({ ...o, workspace: program.opts().workspace });
    if (result.failed.length) process.exitCode = 1;
  });

program
  .command('app')
  .description(
    'the desktop workbench (what `npm start` runs); without the Electron binary, browser mode instead',
  )
  .action(async () => {
    const { defaultAppSteps, startApp } = await import('./app.ts');
    const result = await startApp(defaultAppSteps({ workspace: program.opts().workspace }));
    if (result.mode === 'electron') process.exitCode = result.exitCode;
  });

program
  .command('start')
  .description('the quick comparison: DIAYN vs DADS on the point-mass preset (`npx skill-lab start`)')
  .action(async () => {
    const { compareCommand } = await import('./compare.ts');
    const result = await compareCommand({
      preset: 'point-mass',
      seeds: 1,
      seed: 0,
      set: [],
      workspace: program.opts().workspace,
    });
    if (result.failed.length) process.exitCode = 1;
  });

program
  .command('eval <run>')
  .description("roll out every skill of a run and report the skills' final positions, coverage and quality")
  .option('--json', 'print one JSON object')
  .option('--rollouts <n>', 'rollouts per skill', int('--rollouts'))
  .action(async (id: string, o) => {
    const run = new RunStore(program.opts().workspace).open(id);
    const { evaluateRun } = await import('../engine/runs/evaluate.ts');
    const { printEvalReport } = await import('./report.ts');
    const report = await evaluateRun(run, { rollouts: o.rollouts, quiet: Boolean(o.json) });
    if (o.json) console.log(JSON.stringify(report));
    else printEvalReport(report);
  });

program
  .command('plan <run>')
  .description(
    "zero-shot goal reaching with a DADS run's skills: MPPI over skill sequences with its skill dynamics, executed by its skill policy (DADS §5, Alg. 2), beside random skill sequences",
  )
  .option('--goal <x,y>', 'a goal in the env’s x-y coordinates, in m (repeatable)', collect, [])
  .option('--route <"x,y x,y …">', 'waypoints followed in order (repeatable)', collect, [])
  .option('--episodes <n>', 'episodes per goal', int('--episodes'), 1)
  .option('--seed <n>', 'seed of the starts and the planner', int('--seed'), 0)
  .addOption(
    new Option('--preset <name>', 'planner settings of the DADS paper (App. A.5)')
      .choices([...MPPI_PRESETS])
      .default('dense'),
  )
  .option(
    '--set <key=value>',
    'override a planner setting: horizon, hold, candidates, refineSteps, gamma, variance, smoothing, init (repeatable)',
    collect,
    [],
  )
  .option('--radius <m>', 'success radius in m (default: the env’s)', (v) => Number(v))
  .option('--episode-steps <n>', 'env steps per episode (default: the run’s)', int('--episode-steps'))
  .addOption(
    new Option('--actions <mode>', "the skill policy's actions: its mean, or samples of π")
      .choices(['mean', 'sample'])
      .default('mean'),
  )
  .option('--no-baseline', 'skip the random-skill baseline')
  .option('--json', 'print one JSON object')
  .option(
    '--controller <run>',
    "a skill controller run whose evaluation is set beside the planner's (repeatable; `skill-lab eval` it first)",
    collect,
    [],
  )
  .option('--figure <base>', 'also draw the x-y paths with the goals: <base>.svg and <base>.png')
  .action(async (id: string, o) => {
    const { planCommand } = await import('./plan.ts');
    await planCommand(id, {
      workspace: program.opts().workspace,
      goal: o.goal,
      route: o.route,
      episodes: o.episodes,
      seed: o.seed,
      preset: o.preset,
      set: o.set,
      radius: o.radius,
      episodeSteps: o.episodeSteps,
      actions: o.actions,
      baseline: o.baseline,
      json: Boolean(o.json),
      figure: o.figure,
      controller: o.controller,
    });
  });

program
  .command('diagnose <run>')
  .description(
    "held-out check of a DADS run's skill dynamics: its target normalizer, log q with the true vs shuffled z beside z-independent baselines, whether the behaviour carries z (regression of Δf on z), and the policy's use of z; with sampled and with mean actions",
  )
  .option(
    '--steps <n>',
    'env steps per policy mode (default: 25 episodes per regression feature)',
    int('--steps'),
  )
  .option('--seed <n>', 'seed of the skills, starts, sampled actions and shuffle', int('--seed'), 0)
  .option('--json', 'print one JSON object')
  .action(async (id: string, o) => {
    const { diagnoseCommand } = await import('./diagnose.ts');
    await diagnoseCommand(id, {
      workspace: program.opts().workspace,
      steps: o.steps,
      seed: o.seed,
      json: Boolean(o.json),
    });
  });

program
  .command('list')
  .description('the runs of the workspace')
  .option('--json', 'print JSON')
  .action((o) => {
    const store = new RunStore(program.opts().workspace);
    const runs = store.list();
    if (o.json) {
      console.log(
        JSON.stringify(
          runs.map((r) => ({
            id: r.dir.id,
            error: r.error,
            ...(r.record ?? {}),
            ...(r.record && { trainer: runTrainer(r.dir.path, r.record) }),
          })),
        ),
      );
      return;
    }
    if (runs.length === 0) {
      console.log(
        `no runs in ${store.runsDir} — start one with: skill-lab train --preset point-mass --algo diayn`,
      );
      return;
    }
    for (const { dir, record, error } of runs) {
      if (!record) {
        console.log(`${dir.id}  UNREADABLE: ${error}`);
        continue;
      }
      const last = safeLast(dir);
      console.log(
        [
          dir.id.padEnd(44),
          record.algo.padEnd(5),
          placeLabel(record).padEnd(12),
          `seed ${record.seed}`,
          statusText(dir, record).padEnd(9),
          `${record.envSteps} steps`.padStart(14),
          metricSummary(record.algo, last),
          age(record.updatedAt),
          record.error && record.status !== 'completed' ? `— ${record.error}` : '',
        ].join('  '),
      );
    }
  });

/** Preset (or env) and, when the preset's name does not say it, the goal task: "arm-push · push-left". */
function placeLabel(record: RunRecord): string {
  const where = record.preset ?? record.env;
  const task =
    typeof record.config.task === 'string' ? basename(record.config.task).replace(/\.json$/, '') : null;
  return task && !where.includes(task) ? `${where} · ${task}` : where;
}

/**
 * A run's status for `list`: run.json's, except that a 'running' run whose trainer is gone (killed,
 * crashed: its lock is stale) says so, and how to continue it. Reads only.
 */
function statusText(dir: RunDir, record: RunRecord): string {
  if (record.status !== 'running') return record.status;
  const trainer = runTrainer(dir.path, record);
  return trainer.state === 'gone'
    ? `running (process gone; resume with skill-lab resume ${dir.id})`
    : record.status;
}

function safeLast(dir: RunDir): Record<string, number> {
  try {
    const rows = dir.readMetrics();
    return rows[rows.length - 1] ?? {};
  } catch {
    return {};
  }
}

program
  .command('resume <run>')
  .description('continue a stopped or killed run from its last checkpoint')
  .option('--steps <n>', "raise the run's env-step budget to n (a completed run trains on)", int('--steps'))
  .option('--no-eval', 'skip the evaluation after training')
  .action(async (id: string, o) => {
    const { resumeCommand } = await import('./train.ts');
    await resumeCommand(id, { workspace: program.opts().workspace, eval: o.eval, steps: o.steps });
  });

program
  .command('figure [runs...]')
  .description(
    "(re)draw the side-by-side comparison figure of evaluated runs; with --spec, a paper figure from a figure spec (JSON or YAML: runs or a query, grouping, metrics, statistic and band across seeds, width, formats) as SVG, PDF and PNG at the paper's width, with the plotted data as CSV and the spec beside it",
  )
  .option(
    '--spec <file>',
    'a figure spec (see the README\'s "Figures for papers"); a saved <figure>.spec.json redraws that figure',
  )
  .option('--out <base>', 'output path without extension')
  .option('--title <text>', 'figure title (comparison figure)', 'skill-lab comparison')
  .action(async (ids: string[], o) => {
    const store = new RunStore(program.opts().workspace);
    if (o.spec) {
      if (ids.length) throw new UsageError('give the runs in the spec (runs or query), not beside --spec');
      const spec = await readFigureSpec(o.spec);
      const { writeFigureFromSpec } = await import('../engine/runs/figure_data.ts');
      const out = o.out ?? join(store.root, 'figures', `figure-${stamp()}`);
      const { files, runIds } = await writeFigureFromSpec(store, spec, out).catch((err: Error) => {
        if (err instanceof RangeError || /^no run reports|cannot be .* wide/.test(err.message))
          throw new UsageError(err.message);
        throw err;
      });
      console.log(`figure of ${runIds.length} run(s):`);
      for (const [ext, path] of Object.entries(files)) console.log(`  ${ext.padEnd(9)} ${path}`);
      return;
    }
    if (ids.length === 0)
      throw new UsageError('give the runs of the comparison figure, or a figure spec with --spec FILE');
    const runs = ids.map((id) => store.open(id));
    const out = o.out ?? join(store.root, 'figures', `figure-${Date.now()}`);
    const { writeComparisonFigure } = await import('../engine/runs/figure_data.ts');
    const fig = await writeComparisonFigure(runs, out, o.title);
    console.log(`figure: ${fig.pngPath}\n        ${fig.svgPath}`);
  });

/** yyyymmdd-hhmmss of now (UTC), for file names. */
function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
}

/**
 * Reads a figure spec (JSON, or YAML by extension).
 * @throws UsageError naming the file and each invalid field
 */
async function readFigureSpec(file: string): Promise<FigureSpec> {
  let raw: unknown;
  try {
    const { readSpecFile } = await import('../engine/runs/sweeps.ts');
    raw = await readSpecFile(file);
  } catch (err) {
    throw new UsageError((err as Error).message.replace('sweep spec', 'figure spec'));
  }
  const parsed = figureSpecSchema.safeParse(raw);
  if (!parsed.success)
    throw new UsageError(
      `${file} is not a valid figure spec:\n${parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`).join('\n')}`,
    );
  return parsed.data;
}

program
  .command('curves <runs...>')
  .description(
    'learning-curves figure of runs (SVG + PNG): one panel per metric (the union of the runs’ curves), runs with the same variant as seeds of one curve — IQM over seeds with a 95 % bootstrap band by default, n per variant in the legend (goal-sac runs: by relabeling strategy; sweep runs: by swept values), relabeling switches marked',
  )
  .option(
    '--metric <key>',
    'metric column to draw (repeatable; default: the algorithm’s curves)',
    collect,
    [],
  )
  .addOption(new Option('--x <axis>', 'x axis').choices(['env_steps', 'wall_s']).default('env_steps'))
  .option('--smoothing <w>', 'EMA weight in [0, 1)', (v) => Number(v), 0.6)
  .addOption(
    new Option('--statistic <s>', 'the curve across seeds (IQM: the 25 % trimmed mean, rliable)')
      .choices([...STATISTICS])
      .default('iqm'),
  )
  .addOption(
    new Option('--band <b>', 'the band: 95 % stratified-bootstrap interval of the statistic, min–max, none')
      .choices([...BANDS])
      .default('ci95'),
  )
  .option('--out <base>', 'output path without extension')
  .option('--title <text>', 'figure title')
  .action(async (ids: string[], o) => {
    const store = new RunStore(program.opts().workspace);
    const runs = ids.map((id) => store.open(id));
    const out = o.out ?? join(store.root, 'figures', `curves-${Date.now()}`);
    const { writeCurvesFigure } = await import('../engine/runs/figure_data.ts');
    const fig = await writeCurvesFigure(runs, out, {
      title: o.title,
      metrics: o.metric,
      xAxis: o.x,
      smoothing: o.smoothing,
      statistic: o.statistic,
      band: o.band,
    }).catch((err: Error) => {
      // A metric no run reports is the user's choice, not a failure.
      throw /^no run reports/.test(err.message) ? new UsageError(err.message) : err;
    });
    console.log(`figure: ${fig.pngPath}\n        ${fig.svgPath}`);
  });

const sweep = program
  .command('sweep')
  .description(
    'a hyperparameter and seed sweep from a spec (JSON or YAML): grid and/or random search over config keys × seeds, each point a normal run, trained here or as a Slurm job array',
  )
  .argument('[spec]', 'the sweep spec file (.json, .yaml); see the README\'s "Sweeps"')
  .addOption(
    new Option('--executor <kind>', "where the runs train (default: the spec's, else local)").choices([
      ...SWEEP_EXECUTORS,
    ]),
  )
  .option('--parallel <n>', 'local: runs at a time (default: one per core)', int('--parallel'))
  .option('--partition <p>', 'slurm: sbatch --partition')
  .option('--time <t>', 'slurm: time limit per run, e.g. 4:00:00')
  .option('--cpus <n>', 'slurm: --cpus-per-task (default 1)', int('--cpus'))
  .option('--mem <m>', 'slurm: memory per run, e.g. 4G')
  .option('--max-concurrent <n>', 'slurm: at most n runs at once (the array’s %n)', int('--max-concurrent'))
  .option(
    '--sbatch-option <opt>',
    'slurm: one more sbatch option, e.g. --sbatch-option=--account=lab (repeatable)',
    collect,
    [],
  )
  .option('--no-probe', 'slurm: skip the check that a job can write into the workspace')
  .option('--probe-timeout <s>', 'slurm: how long the probe job may take, in s', int('--probe-timeout'), 300)
  .option('--dry-run', 'validate the spec and list the points; create nothing')
  .action(async (file: string | undefined, o) => {
    if (!file) {
      sweep.help({ error: true });
      return;
    }
    const { sweepCommand } = await import('./sweep.ts');
    await sweepCommand(file, {
      workspace: program.opts().workspace,
      executor: o.executor,
      parallel: o.parallel,
      partition: o.partition,
      time: o.time,
      cpus: o.cpus,
      mem: o.mem,
      maxConcurrent: o.maxConcurrent,
      sbatchOption: o.sbatchOption,
      probe: o.probe,
      probeTimeout: o.probeTimeout,
      dryRun: Boolean(o.dryRun),
      json: false,
    });
  });
sweep
  .command('list')
  .description("the workspace's sweeps")
  .option('--json', 'print JSON')
  .action(async (o) => {
    const { listCommand } = await import('./sweep.ts');
    listCommand({ workspace: program.opts().workspace, json: Boolean(o.json) });
  });
sweep
  .command('status <id>')
  .description(
    'every point of a sweep: its run (env steps, last metrics) and Slurm’s state (squeue, sacct/scontrol) with the log',
  )
  .option('--json', 'print one JSON object')
  .action(async (id: string, o) => {
    const { statusCommand } = await import('./sweep.ts');
    statusCommand(id, { workspace: program.opts().workspace, json: Boolean(o.json) });
  });
sweep
  .command('cancel <id>')
  .description(
    'cancel a sweep: Slurm arrays scancelled, local runs stopped; every run checkpoints and stays resumable',
  )
  .option('--wait <s>', 'wait at most s seconds for its runs to stop', int('--wait'), 120)
  .action(async (id: string, o) => {
    const { cancelCommand } = await import('./sweep.ts');
    await cancelCommand(id, { workspace: program.opts().workspace, waitS: o.wait });
  });
sweep
  .command('resume <id>')
  .description(
    'train the points that did not complete again, each from its checkpoint, on the sweep’s executor',
  )
  .option('--parallel <n>', 'local: runs at a time', int('--parallel'))
  .action(async (id: string, o) => {
    const { resumeSweepCommand } = await import('./sweep.ts');
    await resumeSweepCommand(id, { workspace: program.opts().workspace, parallel: o.parallel });
  });
sweep
  .command('task <id> <index>', { hidden: true })
  .description('one Slurm array task: train point INDEX of sweep ID')
  .action(async (id: string, index: string) => {
    const { taskCommand } = await import('./sweep.ts');
    await taskCommand(id, int('index')(index), { workspace: program.opts().workspace });
  });

program
  .command('bench')
  .description('measure env steps/s, SAC update times and a DADS Ant iteration on this machine')
  .option('--json', 'print one JSON object')
  .option('--quick', 'fewer repetitions')
  .option('--updates', 'only the network-update figures (MLP and SAC updates, kernels per SAC update)')
  .option(
    '--backends',
    'the update figures on every available backend (wasm, skill-lab native builds), side by side',
  )
  .option('--pytorch', "with --backends: PyTorch's SAC update too (one thread), and the ratios")
  .action(async (o) => {
    if (o.pytorch && !o.backends)
      throw new UsageError('--pytorch goes with --backends (npm run bench:pytorch)');
    const { benchCommand } = await import('./bench.ts');
    await benchCommand({
      json: Boolean(o.json),
      quick: Boolean(o.quick),
      updates: Boolean(o.updates),
      backends: Boolean(o.backends),
      pytorch: Boolean(o.pytorch),
    });
  });

program
  .command('native')
  .description(
    'build the native TensorFlow backend from the official TensorFlow wheel (pip, a C++ compiler, npm): faster updates than wasm',
  )
  .option('--gpu', 'the CUDA 12 build (the tensorflow wheel and its CUDA wheels; needs an NVIDIA driver)')
  .option('--force', 'build again even when this TensorFlow version is built')
  .action(async (o) => {
    const { nativeCommand } = await import('./native.ts');
    await nativeCommand({ gpu: Boolean(o.gpu), force: Boolean(o.force) });
  });

program
  .command('serve')
  .description(
    'browser mode: the lab on http://127.0.0.1:PORT/?token=… (runs train in child processes); Ctrl-C stops them with a checkpoint',
  )
  .option('--port <n>', 'port on 127.0.0.1 (default 0: a free one)', int('--port'), 0)
  .option('--static <dir>', 'the built renderer to serve (default: out/renderer)')
  .action(async (o) => {
    const { serveCommand } = await import('./serve.ts');
    await serveCommand({ port: o.port, staticDir: o.static, workspace: program.opts().workspace });
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError || err instanceof RunStoreError || err instanceof UsageError) {
    console.error(`error: ${err.message}`);
    process.exit(2);
  }
  if (err instanceof RunLockedError || (err as Error).name === 'NativeBuildError') {
    // Not a bug: another process trains the run (its message names that process), or `native` found
    // something missing on this machine (its message says what to install).
    console.error(`error: ${(err as Error).message}`);
    process.exit(1);
  }
  // Anything else: its message alone (a user rarely wants a stack trace), unless it is a
  // programming error or SKILL_LAB_DEBUG is set (issue #13 B7).
  const e = err as Error;
  const bug = e instanceof TypeError || e instanceof ReferenceError || e instanceof SyntaxError;
  if (bug || process.env.SKILL_LAB_DEBUG) console.error(`error: ${e.stack ?? e}`);
  else console.error(`error: ${e.message ?? e}\n(SKILL_LAB_DEBUG=1 shows where it came from)`);
  process.exit(1);
}
