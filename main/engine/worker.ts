/**
 * Entry of a run process: trains one run directory (resuming from its checkpoint), optionally
 * evaluates it, and reports to its parent. Started by `skill-lab compare` and the lab service with
 * child_process.fork (later by the app's utilityProcess). One failing run process never touches
 * another run.
 *
 *     node --import tsx main/engine/worker.ts <run-dir> [--eval] [--eval-only] [--preview] [--rollouts=N] [--background] [--plan]
 *
 *   --eval        evaluate after training completed
 *   --eval-only   evaluate the run's checkpoint without training (run.json's status is left alone)
 *   --preview     send live skill previews while training (see runs/preview.ts)
 *   --rollouts=N  rollouts per skill of the evaluation (default: the run config's)
 *   --background  lower this process's CPU priority (niceness + 10) so that the app, the browser and the
 *                 3D view stay responsive while runs use every core
 *   --plan        plan with the run's skills instead of training (runs/plan_process.ts: reads the run's
 *                 checkpoint, takes no training lock, gets its request as the parent's first message)
 *
 * Messages to the parent (typed in runs/protocol.ts): { type: 'progress', ...Progress } after each
 * iteration, { type: 'rollout', iteration, envSteps, env, ...PreviewChunk } for each previewed skill,
 * { type: 'evaluating' }, { type: 'eval', report }, { type: 'done', status }, { type: 'error', message }.
 * The parent may send { type: 'stop' }; SIGINT and SIGTERM stop the same way: the iteration ends,
 * is checkpointed, then the process exits. Losing the parent (it died: this process was re-parented,
 * or the IPC channel closed) ends training within a poll and a gradient step, also mid-iteration
 * (runs/parent_watch.ts, runs/trainer.ts): an orphan must not train on unobserved, and the next
 * process to train the run would be refused by its lock until this one is gone. A run process is
 * one of the trainers runs/lock.ts admits one at a time; a refused one exits with the lock's error,
 * leaving the run to its holder. Parents supervise run processes through runs/supervisor.ts.
 */
import { getPriority, setPriority } from 'node:os';
import { basename, resolve } from 'node:path';
import { RunDir } from './runs/store.ts';
import { trainRun } from './runs/trainer.ts';
import { evaluateRun } from './runs/evaluate.ts';
import { SkillPreview } from './runs/preview.ts';
import { watchParent } from './runs/parent_watch.ts';
import { algoInfo } from './algos/lookup.ts';
import { onParentMessage, postToParent as post } from './runs/protocol.ts';
import { runPlanProcess } from './runs/plan_process.ts';

/** The value of `--name=value` among the flags, or undefined. */
function flagValue(flags: string[], name: string): string | undefined {
  const hit = flags.find((f) => f.startsWith(`--${name}=`));
  return hit?.slice(name.length + 3);
}

/** How much a background run process lowers its priority (niceness steps; 19 is the floor). */
const BACKGROUND_NICENESS_STEP = 10;

/**
 * Lowers this process's scheduling priority. Training saturates the cores it is given; without this
 * the workbench's server, browser and WebGL (software-rendered on GPU-less machines) wait hundreds
 * of ms for a core (measured with `npm run bench:app`). Never fatal: some platforms refuse.
 */
function lowerPriority(): void {
  try {
    // Relative to the inherited niceness, so a lab started under `nice` keeps its order.
    setPriority(Math.min(19, getPriority() + BACKGROUND_NICENESS_STEP));
  } catch (err) {
    console.error(`[skill-lab worker] could not lower the CPU priority: ${(err as Error).message}`);
  }
}

async function main(): Promise<void> {
  const [dirArg, ...flags] = process.argv.slice(2);
  if (!dirArg)
    throw new Error(
      'usage: worker.ts <run-dir> [--eval] [--eval-only] [--preview] [--rollouts=N] [--background] [--plan]',
    );
  if (flags.includes('--background')) lowerPriority();
  const path = resolve(dirArg);
  if (flags.includes('--plan')) return runPlanProcess(path);
  const run = new RunDir(path, basename(path));
  const rolloutsText = flagValue(flags, 'rollouts');
  const rollouts = rolloutsText === undefined ? undefined : Number(rolloutsText);
  if (rollouts !== undefined && !(Number.isInteger(rollouts) && rollouts > 0))
    throw new Error(`--rollouts must be a positive integer, got "${rolloutsText}"`);

  if (flags.includes('--eval-only')) {
    void post({ type: 'evaluating' });
    const report = await evaluateRun(run, { quiet: true, rollouts });
    await post({ type: 'eval', report });
    await post({ type: 'done', status: run.readRecord().status });
    return;
  }

  let stop = false;
  const requestStop = () => {
    stop = true;
  };
  process.on('SIGINT', requestStop);
  process.on('SIGTERM', requestStop);
  const parent = watchParent();
  onParentMessage((msg) => {
    if (msg.type === 'stop') requestStop();
  });

  // Previews show skills; a goal-conditioned or multi-task run has none to show.
  const previewable = algoInfo(run.readConfig().algo).previewsSkills;
  let preview: SkillPreview | null =
    flags.includes('--preview') && previewable ? new SkillPreview(run.readConfig()) : null;
  let record;
  try {
    record = await trainRun(run, {
      quiet: true,
      command: `skill-lab run process of pid ${process.ppid}`,
      shouldStop: () => stop,
      shouldAbort: () => parent.gone(),
      onProgress: (p) => void post({ type: 'progress', ...p }),
      onIteration: async (algo) => {
        if (!preview?.due() || stop || parent.gone() !== null) return;
        try {
          for (const chunk of await preview.run(algo)) {
            void post({
              type: 'rollout',
              iteration: algo.iteration,
              envSteps: algo.envSteps,
              env: algo.config.env,
              ...chunk,
            });
          }
        } catch (err) {
          // A preview is a view; its failure must not end the training it shows.
          console.error(`[skill-lab worker] live preview disabled: ${(err as Error).stack ?? err}`);
          preview?.close();
          preview = null;
        }
      },
    });
  } finally {
    preview?.close();
    parent.dispose();
  }
  if (record.status === 'completed' && flags.includes('--eval')) {
    void post({ type: 'evaluating' });
    const report = await evaluateRun(run, { quiet: true, rollouts });
    await post({ type: 'eval', report });
  }
  await post({ type: 'done', status: record.status });
}

main()
  .then(() => process.exit(0))
  .catch(async (err: Error) => {
    console.error(`[skill-lab worker] ${err.stack ?? err.message}`);
    await post({ type: 'error', message: err.message });
    process.exit(1);
  });
