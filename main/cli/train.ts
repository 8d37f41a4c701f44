/**
 * `skill-lab train` and `skill-lab resume`: one run in this process, with a progress bar.
 *
 * The run's lock (engine/runs/lock.ts) keeps it to one trainer: resuming a run that another process
 * trains is refused with the holder's pid, host and command. Ctrl-C or SIGTERM stops after the
 * current iteration with a checkpoint (a second Ctrl-C exits at once). When the job that started
 * this command dies — e.g. `npx`'s `npm exec` killed with SIGKILL — training ends within a poll and
 * a gradient step instead of going on as an orphan (engine/runs/parent_watch.ts); start it with
 * `setsid` to keep it training after its launcher ends.
 */
import { resolveRunConfig, type RunRequest } from '../engine/presets.ts';
import { RunStore, type RunDir, type RunRecord } from '../engine/runs/store.ts';
import { trainRun } from '../engine/runs/trainer.ts';
import { assertNotTrained, runTrainer } from '../engine/runs/lock.ts';
import { watchJob } from '../engine/runs/parent_watch.ts';
import { requestRelabeling } from '../engine/runs/relabel_control.ts';
import { checkRunTask, resolveTaskSpec } from '../engine/algos/goal_sac_run.ts';
import { evaluateRun } from '../engine/runs/evaluate.ts';
import { checkReferencedRuns } from '../engine/runs/run_references.ts';
import { algoInfo, findAlgo, unreadSettings } from '../engine/algos/lookup.ts';
import { versions } from '../engine/versions.ts';
import { RunBars } from './progress.ts';
import { printEvalReport } from './report.ts';
import { UsageError } from './errors.ts';

/** Creates a run from a request and trains it. */
export async function trainCommand(
  req: RunRequest,
  opts: { workspace?: string; eval: boolean },
): Promise<void> {
  const store = new RunStore(opts.workspace);
  // `--task` may name a task file: the user names it on their own command line (the API takes names only).
  const taskFiles = { files: true };
  // A goal task names its robot: that is the env, unless a preset or --env says otherwise.
  if (req.task && !req.env && !req.preset)
    req = { ...req, env: resolveTaskSpec(req.task, store.root, taskFiles).robot };
  const { config, sources } = resolveRunConfig(req);
  const unread = unreadSettings(config.algo, req.set ?? []);
  if (unread.length > 0)
    console.warn(
      `note: ${config.algo} does not read ${unread.join(', ')} (it reads the sections ${Object.keys(
        algoInfo(config.algo).sections,
      ).join(', ')}); ${unread.length === 1 ? 'that setting changes' : 'those settings change'} nothing`,
    );
  checkRunTask(config, store.root, taskFiles);
  checkReferencedRuns(config, store.root);
  const run = store.create(config, sources, versions());
  console.log(`run ${run.id}\n  directory ${run.path}`);
  await trainInProcess(run, opts.eval, 'skill-lab train');
}

/**
 * `skill-lab relabel RUN --strategy S (--k K | --ratio R)`: asks a goal-sac run (hindsight strategy,
 * k) or a multitask-sac run (task relabeling strategy, relabeled share R) to switch its relabeling
 * from its next iteration (see engine/runs/relabel_control.ts).
 * @throws Error for an unknown run, a run that relabels nothing, or a bad strategy / amount.
 */
export function relabelCommand(
  id: string,
  strategy: string,
  amount: { k: number; ratio?: number },
  workspace?: string,
): void {
  const run = new RunStore(workspace).open(id);
  // Task relabeling takes the relabeled share; hindsight relabeling k (which has a default).
  const byShare = findAlgo(run.readConfig().algo)?.relabeling?.amount === 'ratio';
  if (byShare && amount.ratio === undefined)
    throw new UsageError(`run ${run.id} relabels tasks: give the relabeled share with --ratio (0–1)`);
  const request = requestRelabeling(run, strategy, byShare ? amount.ratio! : amount.k);
  const record = run.readRecord();
  const live = runTrainer(run.path, record).state === 'training';
  const what =
    'ratio' in request
      ? `${request.strategy}, ${Math.round(100 * request.ratio)} % of each batch`
      : `${request.strategy}${request.strategy === 'none' ? '' : ` k=${request.k}`}`;
  console.log(
    `run ${run.id}: relabeling ${what} ` +
      (live
        ? `from its next iteration (now at ${record.envSteps} env steps); the switch is drawn on its learning curves`
        : `when it next trains (status ${record.status}; skill-lab resume ${run.id})`),
  );
}

/**
 * Continues a stopped or killed run from its last checkpoint.
 * @throws RunLockedError naming the holder when another process trains the run.
 */
export async function resumeCommand(
  id: string,
  opts: { workspace?: string; eval: boolean; steps?: number },
): Promise<void> {
  const run = new RunStore(opts.workspace).open(id);
  let record = run.readRecord();
  // Refused before anything is printed; the lock taken by trainRun stays the authority.
  assertNotTrained(run.path, run.id, record);
  if (opts.steps !== undefined) record = extendBudget(run, record, opts.steps);
  if (record.status === 'completed') {
    console.log(
      `run ${run.id} is already completed (${record.envSteps} env steps); nothing to resume ` +
        `(give it a larger budget with --steps N)`,
    );
    return;
  }
  console.log(`resuming ${run.id} from ${record.envSteps} env steps`);
  await trainInProcess(run, opts.eval, `skill-lab resume ${run.id}`);
}

/**
 * Sets a run's env-step budget to `steps` (run.json's config.totalEnvSteps, with its source), so a
 * completed run can train on — long benchmarks are trained in stages, e.g. 1 M, then 3 M.
 * @throws UsageError when `steps` is not above the env steps already trained.
 */
function extendBudget(run: RunDir, record: RunRecord, steps: number): RunRecord {
  const config = run.readConfig();
  if (!(steps > record.envSteps))
    throw new UsageError(
      `--steps ${steps}: run ${run.id} has trained ${record.envSteps} env steps already; give a larger budget`,
    );
  if (steps === config.totalEnvSteps) return record;
  const before = config.totalEnvSteps;
  return run.update({
    config: { ...record.config, totalEnvSteps: steps },
    sources: { ...record.sources, totalEnvSteps: `skill-lab resume --steps (was ${before})` },
    ...(record.status === 'completed' ? { status: 'stopped' as const } : {}),
  });
}

/**
 * Trains `run` in this process (see the file comment for how it stops).
 * @param command how the lock describes this trainer to refused ones, e.g. "skill-lab resume ID"
 */
export async function trainInProcess(run: RunDir, evaluate: boolean, command: string): Promise<void> {
  const config = run.readConfig();
  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130); // a second Ctrl-C does not wait for the checkpoint
    stop = true;
    bars.log('stopping after this iteration (checkpointing; Ctrl-C again to abort)…');
  };
  // SIGTERM (kill, a scheduler's preemption) checkpoints too, as it does in a run process.
  const onSigterm = () => {
    stop = true;
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  const job = watchJob();
  const bars = new RunBars();
  bars.add(run.id, config.algo.toUpperCase(), config.totalEnvSteps, run.readRecord().envSteps);
  let record;
  try {
    record = await trainRun(run, {
      command,
      shouldStop: () => stop,
      shouldAbort: () => job.gone(),
      onProgress: (p) => bars.update(config.algo, p),
    });
  } finally {
    bars.stop();
    job.dispose();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
  if (record.status === 'stopped') {
    if (record.error) console.log(record.error);
    console.log(`stopped at ${record.envSteps} env steps; continue with: skill-lab resume ${run.id}`);
    return;
  }
  console.log(
    `completed ${record.envSteps} env steps in ${record.wallSeconds.toFixed(0)} s${overshoot(run, record.envSteps)}`,
  );
  if (evaluate) {
    const report = await evaluateRun(run);
    printEvalReport(report);
  }
}

/**
 * Why a run trained past its budget, when it did (issue #13 B7): iterations are whole — the last one
 * is not cut short — and collect a multiple of the parallel envs' steps.
 */
export function overshoot(run: RunDir, envSteps: number): string {
  const budget = run.readConfig().totalEnvSteps;
  if (envSteps <= budget) return '';
  const rows = run.readMetrics();
  const per = rows.length >= 2 ? rows[rows.length - 1].env_steps - rows[rows.length - 2].env_steps : null;
  return (
    ` (the budget is ${budget}: ` +
    (per ? `an iteration collects ${per} env steps` : 'iterations are whole') +
    ', and the last one is not cut short)'
  );
}
