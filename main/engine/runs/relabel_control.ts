/**
 * Switching a goal-conditioned run's hindsight relabeling while it trains (issue #4 §4): a request
 * file in the run directory that the run's own process picks up before its next iteration. A file,
 * not a message, so that `skill-lab relabel` in a terminal, the app and browser mode all reach a run
 * the same way, whichever process started it; a run that is not training applies it when it resumes.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../atomic.ts';
import { checkRelabelSetting, type RelabelSetting } from '../replay/relabel.ts';
import type { RunDir } from './store.ts';

/** The request file, in the run directory. */
export const RELABEL_REQUEST_FILE = 'relabel-request.json';

/** What a run does with relabeling requests: goal-conditioned algorithms have it. */
export interface Relabelable {
  setRelabeling(strategy: string, k: number): void;
}

/** True when `algo` can switch relabeling. */
export function isRelabelable(algo: object): algo is Relabelable {
  return typeof (algo as Partial<Relabelable>).setRelabeling === 'function';
}

/**
 * Asks run `run` to relabel with `strategy` and `k` from its next iteration on (atomic write; a
 * newer request replaces one not yet applied).
 * @throws Error when the run is not goal-conditioned, or for an unknown strategy / bad k (naming what
 *   is allowed).
 */
export function requestRelabeling(run: RunDir, strategy: string, k: number): RelabelSetting {
  const config = run.readConfig();
  if (config.algo !== 'goal-sac')
    throw new Error(`run ${run.id} is a ${config.algo} run; relabeling applies to goal-sac runs only`);
  const setting = checkRelabelSetting(strategy, k);
  writeFileAtomicSync(
    join(run.path, RELABEL_REQUEST_FILE),
    `${JSON.stringify({ ...setting, requestedAt: new Date().toISOString() })}\n`,
  );
  return setting;
}

/**
 * Applies a pending request to `algo` and removes it. A malformed request is removed and reported
 * through `warn`; it never stops the run.
 * @returns the setting applied, or null when there was none (or it was malformed).
 */
export function applyRelabelRequest(
  run: RunDir,
  algo: Relabelable,
  warn: (message: string) => void = (m) => console.error(m),
): RelabelSetting | null {
  const file = join(run.path, RELABEL_REQUEST_FILE);
  if (!existsSync(file)) return null;
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { strategy?: unknown; k?: unknown };
    const setting = checkRelabelSetting(String(raw.strategy), Number(raw.k));
    algo.setRelabeling(setting.strategy, setting.k);
    return setting;
  } catch (err) {
    warn(`${file}: ignored (${(err as Error).message})`);
    return null;
  } finally {
    rmSync(file, { force: true });
  }
}
