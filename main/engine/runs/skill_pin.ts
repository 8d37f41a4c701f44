/**
 * The skill run a skill controller composes (`--skills-from RUN`, the catalog's `skillsFromOption`),
 * pinned: at the controller's first start the frozen parts of the skill run's checkpoint — skill
 * policy, skill dynamics or discriminator, the arrays runs/policy_source.ts reads — are copied into the
 * controller's run directory as `skills.bin` (written atomically, with the skill run's config and
 * which checkpoint it was: file, SHA-256, iteration, env steps), and run.json records the same as
 * `skillSource`. From then on resume, evaluation and comparison load the copy only, so the skill run
 * may train on, be damaged or be deleted without changing what the controller composes.
 *
 * Refusals name the run and what is allowed: an unknown run, a run that is not a skill-discovery run,
 * a run without a checkpoint (runs/policy_source.ts openSkillRun), a skill run of another env, a
 * damaged copy (never silently replaced by the skill run's current checkpoint).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { algoInfo } from '../algos/lookup.ts';
import { ConfigError, parseRunConfig, type AlgoName, type RunConfig } from '../config.ts';
import { readTensorFile, writeTensorFile } from '../nn/checkpoint.ts';
import { openSkillRun, policySourceFromArrays, readSkillArrays, type PolicySource } from './policy_source.ts';
import { RunDir, RunStore, RunStoreError, type SkillSourceRecord } from './store.ts';

/** The copy of the skill run's frozen parts in a controller's run directory. */
export const PINNED_SKILLS_FILE = 'skills.bin';

const FORMAT = 'skill-lab-pinned-skills';

/** What skills.bin keeps besides the arrays. */
interface PinnedMeta {
  format: typeof FORMAT;
  /** Where the arrays came from (run.json's skillSource without `copy`). */
  source: Omit<SkillSourceRecord, 'copy'>;
  /** The skill run's config, to rebuild its networks without it. */
  config: unknown;
}

/** A controller's frozen skills and where they came from. Dispose the source when done. */
export interface PinnedSkills {
  source: PolicySource;
  record: SkillSourceRecord;
}

/** The value of the config key `key` (dotted), or undefined. */
function valueAt(config: RunConfig, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], config);
}

/**
 * The skill run a config names through its algorithm's `skillsFromOption`, or null when the
 * algorithm composes no other run's skills.
 * @throws ConfigError (at the option's key) when the algorithm needs one and none is named.
 */
export function skillsFromOf(
  config: RunConfig,
): { key: string; ref: string; algos: readonly AlgoName[] } | null {
  const option = algoInfo(config.algo).skillsFromOption;
  if (!option) return null;
  const ref = valueAt(config, option.key);
  if (typeof ref !== 'string' || ref.length === 0) {
    const message = `${config.algo} composes the skills of another run: name ${option.meaning} with --skills-from RUN (${option.key})`;
    throw new ConfigError(message, [{ path: option.key, message }]);
  }
  return { key: option.key, ref, algos: option.algos as readonly AlgoName[] };
}

/**
 * Checks, before a run is created, that the skill run its config names can be pinned: it exists, is
 * a run of a skill-discovery algorithm with a checkpoint, and trained on the run's env. Cheap: reads
 * run.json files only. Nothing to check for algorithms without a `skillsFromOption`.
 * @param opts.idsOnly accept only the id of a run of `workspace`, never a path (the API: requests
 *   name runs, they do not point at folders)
 * @param opts.field the field the issue names (default: the option's config key)
 * @throws ConfigError at `opts.field` naming the run and what is allowed.
 */
export function checkSkillsFrom(
  config: RunConfig,
  workspace: string,
  opts: { idsOnly?: boolean; field?: string } = {},
): void {
  const from = skillsFromOf(config);
  if (!from) return;
  const field = opts.field ?? from.key;
  const refuse = (message: string) => new ConfigError(`${field}: ${message}`, [{ path: field, message }]);
  if (opts.idsOnly && !new RunStore(workspace).ids().includes(from.ref))
    throw refuse(`"${from.ref}" is not the id of a run in this workspace (skill-lab list shows them)`);
  let skill: RunConfig;
  let id: string;
  try {
    const opened = openSkillRun(from.ref, {
      workspace,
      accept: from.algos,
      purpose: `${config.algo} --skills-from`,
    });
    skill = opened.config;
    id = opened.run.id;
  } catch (err) {
    if (err instanceof RunStoreError) throw refuse(err.message);
    throw err;
  }
  if (skill.env !== config.env)
    throw refuse(`run ${id} learned its skills on ${skill.env}; this run's env is ${config.env}`);
}

/**
 * The frozen skills of a controller run: its pinned copy in `runDir` when there is one; otherwise
 * the skill run's checkpoint, which is then pinned (copied to skills.bin and recorded in run.json)
 * when `runDir` is given. Without a run directory (tests, benchmarks) nothing is written.
 * @param opts.workspace where a skill run named by id is looked for (default: the run directory's
 *   workspace, <workspace>/runs/<id>; without one $SKILL_LAB_WORKSPACE or ./workspace)
 * @throws ConfigError when the config names no skill run; RunStoreError naming the skill run (unknown,
 *   not a skill-discovery run, no readable checkpoint) or the damaged copy; Error when the skill
 *   run's env is not the controller's.
 */
export async function pinnedSkills(
  config: RunConfig,
  runDir: string | null,
  opts: { workspace?: string; onWarning?: (message: string) => void } = {},
): Promise<PinnedSkills> {
  const copy = runDir ? join(runDir, PINNED_SKILLS_FILE) : null;
  if (copy && existsSync(copy)) return readPinned(config, runDir!, copy);

  const from = skillsFromOf(config)!;
  const workspace = opts.workspace ?? (runDir ? dirname(dirname(runDir)) : undefined);
  const parts = await readSkillArrays(from.ref, {
    workspace,
    accept: from.algos,
    purpose: `${config.algo} --skills-from`,
    onWarning: opts.onWarning,
  });
  if (parts.config.env !== config.env)
    throw new Error(
      `${from.key}: run ${parts.run.id} learned its skills on ${parts.config.env}; this run's env is ${config.env}`,
    );
  const source: PinnedMeta['source'] = {
    run: parts.run.id,
    path: parts.run.path,
    algo: parts.config.algo,
    checkpoint: basename(parts.checkpoint.file),
    sha256: parts.checkpoint.sha256,
    iteration: parts.checkpoint.iteration,
    envSteps: parts.checkpoint.envSteps,
    pinnedAt: new Date().toISOString(),
  };
  const record: SkillSourceRecord = { ...source, copy: PINNED_SKILLS_FILE };
  if (copy) {
    const meta: PinnedMeta = { format: FORMAT, source, config: parts.config };
    await writeTensorFile(copy, parts.arrays, meta);
    recordIn(runDir!, record);
  }
  return { source: policySourceFromArrays(parts), record };
}

/**
 * The pinned copy; run.json's skillSource is written again from it when missing (a kill between the
 * copy and the record).
 * @throws RunStoreError naming the copy when it cannot be read or is not a pinned copy.
 */
async function readPinned(config: RunConfig, runDir: string, file: string): Promise<PinnedSkills> {
  let read: Awaited<ReturnType<typeof readTensorFile>>;
  try {
    read = await readTensorFile(file, { sha256: true });
  } catch (err) {
    throw new RunStoreError(
      `${file}: the pinned copy of this run's skills cannot be read (${(err as Error).message}); ` +
        'it is not replaced by the skill run as it is now: start a new run to compose its current skills',
    );
  }
  const meta = read.meta as Partial<PinnedMeta> | null;
  if (meta?.format !== FORMAT || !meta.source || !meta.config)
    throw new RunStoreError(`${file}: not a pinned copy of a run's skills (format ${String(meta?.format)})`);
  let skillConfig: RunConfig;
  try {
    skillConfig = parseRunConfig(meta.config, `skill run config in ${file}`);
  } catch (err) {
    throw new RunStoreError((err as Error).message);
  }
  if (skillConfig.env !== config.env)
    throw new RunStoreError(
      `${file}: the pinned skills were learned on ${skillConfig.env}; this run's env is ${config.env}`,
    );
  const record: SkillSourceRecord = { ...meta.source, copy: PINNED_SKILLS_FILE };
  const run = new RunDir(runDir, basename(runDir));
  if (existsSync(run.recordPath) && !run.readRecord().skillSource) recordIn(runDir, record);
  const source = policySourceFromArrays({
    run: { id: meta.source.run, path: meta.source.path },
    config: skillConfig,
    arrays: read.arrays,
    checkpoint: {
      file,
      sha256: meta.source.sha256,
      iteration: meta.source.iteration,
      envSteps: meta.source.envSteps,
      fallback: null,
    },
  });
  return { source, record };
}

function recordIn(runDir: string, record: SkillSourceRecord): void {
  const run = new RunDir(runDir, basename(runDir));
  if (existsSync(run.recordPath)) run.update({ skillSource: record });
}
