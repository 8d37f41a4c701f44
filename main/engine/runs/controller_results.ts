/**
 * A skill controller's evaluation read back from its run directory (eval/summary.json), for setting
 * it beside zero-shot planning (`skill-lab plan --controller RUN`): the DADS paper's Fig. 8 compares
 * a meta-controller over skills with MPPI on the same goals. Reads files only; no backend.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { algosWhere } from '../algos/lookup.ts';
import { episodeTraceSchema, type EpisodeTraceData } from '../planning/schemas.ts';
import { RunStore, RunStoreError } from './store.ts';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const evaluationSchema = z.object({
  env_steps: z.number().int().nonnegative(),
  success_rate: finite,
  mean_final_distance: finite,
  success_radius: finite,
  goal: z.array(finite).min(2),
  skills_from: z.object({ run: z.string(), algo: z.string(), sha256: z.string() }),
  traces: z.array(episodeTraceSchema),
});

/** A skill controller's evaluation: what `skill-lab eval` wrote, with the run it came from. */
export interface ControllerResult {
  run: string;
  /** Env steps the controller had trained when it was evaluated. */
  env_steps: number;
  /** The skill run it composes (id, algorithm, checkpoint SHA-256), as pinned. */
  skills_from: { run: string; algo: string; sha256: string };
  /** Its goal, m. */
  goal: number[];
  success_rate: number;
  mean_final_distance: number;
  /** Success: final distance below this, m. */
  success_radius: number;
  /** Every evaluation episode (x-y path per env step, skills per segment). */
  traces: EpisodeTraceData[];
}

/**
 * Reads a skill controller run's latest evaluation.
 * @param runRef run id or directory; workspace the run store's root (default as RunStore's)
 * @throws RunStoreError for an unknown run, a run whose algorithm does not trace its evaluation's
 *   skills (naming those that do), a run not evaluated yet (saying how to evaluate it), or an
 *   eval/summary.json that is not JSON or lacks a field (naming the file and the field)
 */
export function readControllerResult(runRef: string, workspace?: string): ControllerResult {
  const run = new RunStore(workspace).open(runRef);
  const { algo } = run.readConfig();
  const accept = algosWhere((a) => a.evalSkillTraces);
  if (!accept.includes(algo))
    throw new RunStoreError(
      `run ${run.id} is a ${algo} run; --controller needs a run of ${accept.join(' or ')}`,
    );
  const file = join(run.evalDir, 'summary.json');
  if (!existsSync(file))
    throw new RunStoreError(
      `run ${run.id} has no evaluation yet (${file} is missing): run skill-lab eval ${run.id}`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new RunStoreError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = evaluationSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | null)?.[k], raw);
    throw new RunStoreError(
      `${file}: ${issue.path.join('.') || '(top level)'}: ${at === undefined ? 'missing' : issue.message}`,
    );
  }
  return { run: run.id, ...parsed.data };
}
