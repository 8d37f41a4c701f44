/**
 * The run a fine-tuned multi-task SAC run starts from (`multitask.initFrom`, algos/multitask_sac_run.ts
 * fineTuneFrom): checked before the run is created (cheap: run.json files), read at its first start
 * (the weights of its latest checkpoint, the previous one with a warning when the latest is damaged,
 * and its observation statistics). A resumed run continues from its own checkpoint and reads nothing
 * of the source, which may by then be gone.
 */
import { basename, dirname } from 'node:path';
import type { FineTuneInit } from '../algos/multitask_sac_run.ts';
import type { NormalizerState } from '../algos/running_normalizer.ts';
import { ConfigError, type RunConfig } from '../config.ts';
import { readRunCheckpoint } from './checkpoints.ts';
import { armSkillFamilySpec } from '../sim/arm_skill_family.ts';
import { RunDir, RunStore, RunStoreError } from './store.ts';

const KEY = 'multitask.initFrom';
/** The checkpoint arrays a fine-tuned run takes: SAC's weights, none of its optimizers or replay. */
const WEIGHTS = /^sac\/(actor\/weights|critic\/weights|targets)\//;

/**
 * Opens the source run after the cheap checks: it exists (an id of `workspace`, or a path unless
 * `idsOnly`), is a multitask-sac run on the same env with the same network sizes, and has a
 * checkpoint.
 * @throws ConfigError at `multitask.initFrom` (or `opts.field`) naming the run and what is allowed.
 */
function openSource(
  config: RunConfig,
  ref: string,
  workspace: string | undefined,
  opts: { idsOnly?: boolean; field?: string } = {},
): { run: RunDir; config: RunConfig } {
  const field = opts.field ?? KEY;
  const refuse = (message: string) => new ConfigError(`${field}: ${message}`, [{ path: field, message }]);
  const store = new RunStore(workspace);
  if (opts.idsOnly && !store.ids().includes(ref))
    throw refuse(`"${ref}" is not the id of a run in this workspace (skill-lab list shows them)`);
  let run: RunDir;
  try {
    run = store.open(ref);
  } catch (err) {
    if (err instanceof RunStoreError) throw refuse(err.message);
    throw err;
  }
  const source = run.readConfig();
  if (source.algo !== 'multitask-sac')
    throw refuse(`run ${run.id} is a ${source.algo} run; fine-tuning starts from a multitask-sac run`);
  if (source.env !== config.env)
    throw refuse(`run ${run.id} trained on ${source.env}; this run's env is ${config.env}`);
  if (config.env === 'arm' && source.task !== config.task)
    throw refuse(`run ${run.id} trained for the arm task ${source.task}; this run's task is ${config.task}`);
  if (source.sac.hidden.join() !== config.sac.hidden.join())
    throw refuse(
      `run ${run.id} has networks of [${source.sac.hidden.join(', ')}], this run [${config.sac.hidden.join(', ')}]: set sac.hidden=[${source.sac.hidden.join(',')}]`,
    );
  if (!run.hasCheckpoint())
    throw refuse(`run ${run.id} has no checkpoint yet (${run.checkpointPath} is missing): train it first`);
  return { run, config: source };
}

/**
 * Checks, before a run is created, that the run its config fine-tunes from can be used; nothing to
 * check without `multitask.initFrom`.
 * @throws ConfigError naming the run and what is allowed.
 */
export function checkInitFrom(
  config: RunConfig,
  workspace: string,
  opts: { idsOnly?: boolean; field?: string } = {},
): void {
  const ref = config.multitask.initFrom;
  if (config.algo === 'multitask-sac' && ref) openSource(config, ref, workspace, opts);
}

/**
 * What a multitask-sac run starts from: null from scratch, or when `runDir` already has a checkpoint
 * (a resume continues from it); otherwise the source run's weights and statistics.
 * @param opts.workspace where the source is looked for (default: the run directory's workspace)
 * @throws ConfigError naming an unusable source; RunStoreError when it has no readable checkpoint.
 */
export async function fineTuneSource(
  config: RunConfig,
  runDir: string | null,
  opts: { workspace?: string; onWarning?: (message: string) => void } = {},
): Promise<FineTuneInit | null> {
  const ref = config.multitask.initFrom;
  if (!ref) return null;
  if (runDir && new RunDir(runDir, basename(runDir)).hasCheckpoint()) return null;
  const workspace = opts.workspace ?? (runDir ? dirname(dirname(runDir)) : undefined);
  const { run, config: source } = openSource(config, ref, workspace);
  const ckpt = await readRunCheckpoint(run, 'multitask-sac', { select: (name) => WEIGHTS.test(name) });
  if (ckpt.fallbackReason !== null)
    opts.onWarning?.(
      `run ${run.id}: the latest checkpoint cannot be used (${ckpt.fallbackReason}); using ${ckpt.file}`,
    );
  const obsNorm = (ckpt.algoMeta as { obsNorm?: NormalizerState }).obsNorm;
  if (!obsNorm) throw new RunStoreError(`${ckpt.file}: no observation statistics in the checkpoint`);
  const numTasks = multitaskTaskCount(source);
  return { run: run.id, arrays: ckpt.arrays, obsNorm, numTasks };
}

/** K of a multitask-sac run: its goals or circle on the point mass; its family's or 1 on the arm. */
function multitaskTaskCount(config: RunConfig): number {
  const mt = config.multitask;
  if (config.env !== 'arm') return mt.goals?.length ?? mt.tasks;
  return mt.armTasks === 'transfer' ? 1 : armSkillFamilySpec(config.task ?? '').tasks.length;
}
