/**
 * The teacher runs of a distillation run (`--teachers RUN,RUN,…`, the catalog's `teachersOption`),
 * pinned: at the first start each teacher's frozen SAC policy is copied out of its checkpoint into the
 * student's run directory as `teachers.bin` (written atomically; its meta names every teacher's run,
 * checkpoint file, SHA-256, counters, goal and config). Resume and evaluation read the copy only, so a
 * teacher may train on or be deleted without changing what the student learns from.
 *
 * Refusals name the run and what is allowed: an unknown run, a run of another algorithm or env, a run
 * without a checkpoint, a damaged copy (never silently replaced by the teachers' current checkpoints).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ACTOR_WEIGHTS_PREFIX, FrozenPolicy } from '../algos/frozen_policy.ts';
import { algoInfo } from '../algos/lookup.ts';
import { PolicyInput } from '../algos/skills.ts';
import { underPrefix, withPrefix } from '../algos/state.ts';
import type { Teacher } from '../algos/distill.ts';
import { ConfigError, parseRunConfig, type RunConfig } from '../config.ts';
import { readTensorFile, writeTensorFile, type NamedArrays } from '../nn/checkpoint.ts';
import { envSpec, POINT_MASS_DEFAULT_GOAL } from '../sim/envs.ts';
import type { EnvName } from '../sim/types.ts';
import { readRunCheckpoint } from './checkpoints.ts';
import { RunStore, RunStoreError } from './store.ts';

/** The copy of the teachers' policies in a distillation run's directory. */
export const PINNED_TEACHERS_FILE = 'teachers.bin';

const FORMAT = 'skill-lab-pinned-teachers';

/** Where a teacher's policy came from, as teachers.bin and the evaluation report name it. */
export interface TeacherRecord {
  run: string;
  path: string;
  algo: string;
  /** checkpoint.bin, or checkpoint.prev.bin after a fallback. */
  checkpoint: string;
  sha256: string;
  iteration: number;
  envSteps: number;
  /** The teacher's goal (x, y), m: its task. */
  goal: [number, number];
}

interface PinnedMeta {
  format: typeof FORMAT;
  teachers: Array<TeacherRecord & { config: unknown }>;
}

/** The teacher run ids a config names, with the option's key and accepted algorithms; null without. */
function teachersOf(config: RunConfig): { key: string; refs: string[]; algos: readonly string[] } | null {
  const option = algoInfo(config.algo).teachersOption;
  if (!option) return null;
  const refs = option.key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], config);
  return { key: option.key, refs: (refs as string[]) ?? [], algos: option.algos };
}

/** The goal a teacher's config pursues on the point mass. */
function goalOf(config: RunConfig): [number, number] {
  const g = config.goal ?? POINT_MASS_DEFAULT_GOAL;
  return [g[0], g[1]];
}

/**
 * Opens teacher `ref` after the cheap checks: it exists (an id of `workspace`, or a path unless
 * `idsOnly`), is a run of an accepted algorithm on the student's env, and has a checkpoint.
 * @throws ConfigError at the option's key naming the run and what is allowed.
 */
function openTeacher(
  config: RunConfig,
  ref: string,
  workspace: string | undefined,
  opts: { idsOnly?: boolean; field: string; algos: readonly string[] },
) {
  const refuse = (message: string) =>
    new ConfigError(`${opts.field}: ${message}`, [{ path: opts.field, message }]);
  const store = new RunStore(workspace);
  if (opts.idsOnly && !store.ids().includes(ref))
    throw refuse(`"${ref}" is not the id of a run in this workspace (skill-lab list shows them)`);
  let run;
  try {
    run = store.open(ref);
  } catch (err) {
    if (err instanceof RunStoreError) throw refuse(err.message);
    throw err;
  }
  const teacher = run.readConfig();
  if (!opts.algos.includes(teacher.algo))
    throw refuse(`run ${run.id} is a ${teacher.algo} run; a teacher is a run of ${opts.algos.join(' or ')}`);
  if (teacher.env !== config.env)
    throw refuse(`run ${run.id} trained on ${teacher.env}; the student's env is ${config.env}`);
  if (!run.hasCheckpoint())
    throw refuse(`run ${run.id} has no checkpoint yet (${run.checkpointPath} is missing): train it first`);
  return { run, config: teacher };
}

/**
 * Checks, before a run is created, that every teacher its config names can be pinned (see
 * {@link openTeacher}). Cheap: reads run.json files only. Nothing to check for other algorithms.
 * @throws ConfigError naming the teacher and what is allowed.
 */
export function checkTeachers(
  config: RunConfig,
  workspace: string,
  opts: { idsOnly?: boolean; field?: string } = {},
): void {
  const of = teachersOf(config);
  if (!of) return;
  const field = opts.field ?? of.key;
  if (of.refs.length === 0) {
    const message = `name the teacher runs, one per task: ${of.algos.join(' or ')} runs, their ids comma-separated (--teachers RUN,RUN,…)`;
    throw new ConfigError(`${field}: ${message}`, [{ path: field, message }]);
  }
  for (const ref of of.refs) openTeacher(config, ref, workspace, { ...opts, field, algos: of.algos });
}

/** A teacher's network from its actor arrays. @throws Error naming `context` for missing weights. */
function teacherFrom(
  record: TeacherRecord,
  config: RunConfig,
  arrays: NamedArrays,
  context: string,
): Teacher {
  const env = envSpec(config.env as EnvName);
  const input = new PolicyInput(env.obsDim, config.hideCoords ? env.coordDims : [], 0);
  const policy = FrozenPolicy.fromArrays(arrays, input, env.actDim, config.sac.hidden, context);
  return { run: record.run, goal: record.goal, policy };
}

/**
 * The teachers of a distillation run: the pinned copy in `runDir` when there is one; otherwise each
 * teacher run's checkpoint (the previous one, with a warning, when the latest is damaged), then pinned
 * when `runDir` is given. Without a run directory (tests) nothing is written.
 * @param opts.workspace where teachers named by id are looked for (default: the run directory's
 *   workspace; without one $SKILL_LAB_WORKSPACE or ./workspace)
 * @returns the teachers in task order with their records. Dispose the policies when done.
 * @throws ConfigError naming a teacher that cannot be used; RunStoreError naming a damaged copy or a
 *   teacher without a readable checkpoint.
 */
export async function pinnedTeachers(
  config: RunConfig,
  runDir: string | null,
  opts: { workspace?: string; onWarning?: (message: string) => void } = {},
): Promise<{ teachers: Teacher[]; records: TeacherRecord[] }> {
  const copy = runDir ? join(runDir, PINNED_TEACHERS_FILE) : null;
  if (copy && existsSync(copy)) return readPinned(copy);
  const of = teachersOf(config);
  if (!of || of.refs.length === 0)
    throw new Error(`${config.algo}: no teacher runs named (${of?.key ?? 'teachers'})`);
  const workspace = opts.workspace ?? (runDir ? dirname(dirname(runDir)) : undefined);
  const arrays: NamedArrays = {};
  const pinned: PinnedMeta['teachers'] = [];
  const teachers: Teacher[] = [];
  try {
    for (const [k, ref] of of.refs.entries()) {
      const { run, config: tc } = openTeacher(config, ref, workspace, { field: of.key, algos: of.algos });
      const ckpt = await readRunCheckpoint(run, tc.algo, {
        select: (name) => name.startsWith(`${ACTOR_WEIGHTS_PREFIX}/`),
        sha256: true,
      });
      if (ckpt.fallbackReason !== null)
        opts.onWarning?.(
          `teacher ${run.id}: the latest checkpoint cannot be used (${ckpt.fallbackReason}); using ${ckpt.file}`,
        );
      const counters = ckpt.algoMeta as { iteration?: number; envSteps?: number };
      const record: TeacherRecord = {
        run: run.id,
        path: run.path,
        algo: tc.algo,
        checkpoint: basename(ckpt.file),
        sha256: ckpt.sha256!,
        iteration: counters.iteration ?? 0,
        envSteps: counters.envSteps ?? 0,
        goal: goalOf(tc),
      };
      teachers.push(teacherFrom(record, tc, ckpt.arrays, ckpt.file));
      Object.assign(arrays, withPrefix(`teacher${k}`, ckpt.arrays));
      pinned.push({ ...record, config: tc });
    }
    if (copy) await writeTensorFile(copy, arrays, { format: FORMAT, teachers: pinned } satisfies PinnedMeta);
  } catch (err) {
    for (const t of teachers) t.policy.dispose();
    throw err;
  }
  return { teachers, records: pinned.map(({ config: _config, ...r }) => r) };
}

/**
 * The pinned copy.
 * @throws RunStoreError naming the copy when it cannot be read or is not a pinned copy.
 */
async function readPinned(file: string): Promise<{ teachers: Teacher[]; records: TeacherRecord[] }> {
  let read: Awaited<ReturnType<typeof readTensorFile>>;
  try {
    read = await readTensorFile(file);
  } catch (err) {
    throw new RunStoreError(
      `${file}: the pinned copy of this run's teachers cannot be read (${(err as Error).message}); ` +
        'it is not replaced by the teachers as they are now: start a new run to distil their current policies',
    );
  }
  const meta = read.meta as Partial<PinnedMeta> | null;
  if (meta?.format !== FORMAT || !Array.isArray(meta.teachers))
    throw new RunStoreError(
      `${file}: not a pinned copy of a run's teachers (format ${String(meta?.format)})`,
    );
  const teachers: Teacher[] = [];
  const records: TeacherRecord[] = [];
  try {
    for (const [k, { config: raw, ...record }] of meta.teachers.entries()) {
      let tc: RunConfig;
      try {
        tc = parseRunConfig(raw, `teacher config in ${file}`);
      } catch (err) {
        throw new RunStoreError((err as Error).message);
      }
      teachers.push(
        teacherFrom(record, tc, underPrefix(`teacher${k}`, read.arrays), `${file}: teacher ${record.run}`),
      );
      records.push(record);
    }
  } catch (err) {
    for (const t of teachers) t.policy.dispose();
    throw err;
  }
  return { teachers, records };
}
