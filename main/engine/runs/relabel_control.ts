/**
 * Switching a goal-conditioned run's hindsight relabeling while it trains (issue #4 §4): a request
 * file in the run directory that the run's own process picks up before its next iteration. A file,
 * not a message, so that `skill-lab relabel` in a terminal, the app and browser mode all reach a run
 * the same way, whichever process started it; a run that is not training applies it when it resumes.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../atomic.ts';
import { joinNames } from '../algos/algo_info.ts';
import { algosWhere } from '../algos/lookup.ts';
import { algoSpec, type RelabelSetting } from '../algos/registry.ts';
import type { RunDir } from './store.ts';

/** The request file, in the run directory. */
export const RELABEL_REQUEST_FILE = 'relabel-request.json';

/**
 * What a run does with relabeling requests. goal-sac: a hindsight strategy and k; multitask-sac: a
 * task relabeling strategy and the relabeled share of each batch. Validates both (naming what is
 * allowed).
 */
export interface Relabelable {
  setRelabeling(strategy: string, amount: number): void;
}

/** True when `algo` can switch relabeling. */
export function isRelabelable(algo: object): algo is Relabelable {
  return typeof (algo as Partial<Relabelable>).setRelabeling === 'function';
}

/** A relabeling setting as requested and applied: k for hindsight relabeling, ratio for task relabeling. */
export type RelabelRequest = RelabelSetting;

/** "goal-sac and multitask-sac": the algorithms that can switch relabeling, for messages. */
export function relabelingAlgos(): string {
  return joinNames(algosWhere((a) => a.relabeling !== null));
}

/**
 * Asks run `run` to relabel from its next iteration on (atomic write; a newer request replaces one not
 * yet applied), as its algorithm relabels (its registry entry's `relabeling`): e.g. goal-sac with a
 * hindsight strategy and `amount` = k, multitask-sac with a task relabeling strategy and `amount` = the
 * share of each batch in [0, 1].
 * @throws Error when the run relabels nothing, or for an unknown strategy / bad amount (naming what is
 *   allowed).
 */
export function requestRelabeling(run: RunDir, strategy: string, amount: number): RelabelRequest {
  const config = run.readConfig();
  const check = algoSpec(config.algo).checkRelabeling;
  if (!check)
    throw new Error(
      `run ${run.id} is a ${config.algo} run; relabeling applies to ${relabelingAlgos()} runs only`,
    );
  const request: RelabelRequest = check(strategy, amount);
  writeFileAtomicSync(
    join(run.path, RELABEL_REQUEST_FILE),
    `${JSON.stringify({ ...request, requestedAt: new Date().toISOString() })}\n`,
  );
  return request;
}

/**
 * Applies a pending request to `algo` and removes it. A malformed request is removed and reported
 * through `warn`; it never stops the run.
 * @returns the request applied, or null when there was none (or it was malformed).
 */
export function applyRelabelRequest(
  run: RunDir,
  algo: Relabelable,
  warn: (message: string) => void = (m) => console.error(m),
): RelabelRequest | null {
  const file = join(run.path, RELABEL_REQUEST_FILE);
  if (!existsSync(file)) return null;
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as {
      strategy?: unknown;
      k?: unknown;
      ratio?: unknown;
    };
    const strategy = String(raw.strategy);
    const request: RelabelRequest =
      raw.ratio !== undefined ? { strategy, ratio: Number(raw.ratio) } : { strategy, k: Number(raw.k) };
    algo.setRelabeling(strategy, 'ratio' in request ? request.ratio : request.k);
    return request;
  } catch (err) {
    warn(`${file}: ignored (${(err as Error).message})`);
    return null;
  } finally {
    rmSync(file, { force: true });
  }
}
