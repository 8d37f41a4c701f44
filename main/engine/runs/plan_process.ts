/**
 * The plan mode of a run process (`worker.ts <run-dir> --plan`): zero-shot goal reaching with a DADS
 * run's skills for the workbench's Skills view, what `skill-lab plan` does (planning/dads_plan.ts),
 * in a process of its own so that the service that asked never blocks.
 *
 * It reads the run's latest checkpoint (runs/policy_source.ts; a run that is training meanwhile is
 * fine: checkpoints are replaced atomically) and never writes to the run nor takes its training lock.
 * Its protocol (runs/protocol.ts): the parent's first message is { type: 'plan', request }; each
 * finished episode is posted as { type: 'planEpisode' } (the baseline's without qpos: the Skills view
 * draws random skills in x-y only), the report as { type: 'planReport' }. { type: 'stop' }, SIGTERM
 * or losing the parent end the planning at the next segment.
 */
import { basename, dirname } from 'node:path';
import { initBackend } from '../../../native/backend.ts';
import { dadsPartsOfSource } from '../planning/dads_model.ts';
import { planWithDads } from '../planning/dads_plan.ts';
import type { EpisodeTrace } from '../planning/execute.ts';
import { loadSkillSource } from './policy_source.ts';
import { watchParent } from './parent_watch.ts';
import {
  onParentMessageOf,
  parsePlanParentMessage,
  postToParent,
  type PlanProcessMessage,
} from './protocol.ts';
import { plansWithSkills, type PlanRequest } from '../planning/schemas.ts';
import { algosWhere } from '../algos/lookup.ts';
import type { AlgoName } from '../config.ts';

/** How long a plan process waits for its request before it gives up, in ms. */
export const PLAN_REQUEST_TIMEOUT_MS = 60_000;

/** How often the plan process asks whether its parent is still there, in ms. */
const PARENT_POLL_MS = 500;

/**
 * What planning's messages look like after a JSON round trip: NaN and ±Infinity become null. Both
 * transports then carry the same values (Electron's structured clone would keep NaN, which the
 * parent's schema refuses) and the API answers with what `skill-lab plan --json` prints.
 */
function asJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Posts a plan message to the parent, JSON-normalized (see {@link asJson}). */
function post(message: PlanProcessMessage): Promise<void> {
  return postToParent(asJson(message));
}

/** An episode as posted: the baseline's without qpos (not drawn in 3D; keeps messages small). */
export function postedTrace(trace: EpisodeTrace, kind: 'planner' | 'baseline'): EpisodeTrace {
  return kind === 'baseline' ? { ...trace, qpos: [] } : trace;
}

/** Resolves with the parent's planning request; stop requests before it are answered by `stop`. */
function receiveRequest(stop: (reason: Error) => void): Promise<PlanRequest> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no planning request from the parent within ${PLAN_REQUEST_TIMEOUT_MS} ms`)),
      PLAN_REQUEST_TIMEOUT_MS,
    );
    onParentMessageOf(parsePlanParentMessage, (message) => {
      if (message.type === 'plan') {
        clearTimeout(timer);
        resolve(message.request);
      } else {
        clearTimeout(timer);
        stop(new Error('planning stopped'));
        reject(new Error('planning stopped before it started'));
      }
    });
  });
}

/**
 * Runs the plan mode for the run at `runPath` (see the file comment); resolves once the report was
 * posted.
 * @throws Error when no request comes, the run cannot be planned with (not DADS, no checkpoint, no
 *   x-y in f(s)), a goal or setting is refused, or the planning was stopped (its reason).
 */
export async function runPlanProcess(runPath: string): Promise<void> {
  const controller = new AbortController();
  const stop = (reason: Error) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  process.on('SIGTERM', () => stop(new Error('planning stopped (SIGTERM)')));
  process.on('SIGINT', () => stop(new Error('planning stopped (SIGINT)')));
  const parent = watchParent();
  const poll = setInterval(() => {
    const gone = parent.gone();
    if (gone) stop(new Error(`planning stopped: ${gone}`));
  }, PARENT_POLL_MS);
  poll.unref();
  try {
    const request = await receiveRequest(stop);
    // MPPI evaluates small batches, faster on wasm (native/backend.ts).
    await initBackend({ quiet: true, networkWidth: 0 });
    const source = await loadSkillSource(basename(runPath), {
      workspace: dirname(dirname(runPath)),
      accept: algosWhere(plansWithSkills) as AlgoName[],
      purpose: 'zero-shot planning with skill dynamics (the Skills view)',
      onWarning: (m) => console.error(`[skill-lab plan] warning: ${m}`),
    });
    try {
      const counts = { planner: 0, baseline: 0 };
      const { report } = await planWithDads(dadsPartsOfSource(source), {
        ...request,
        signal: controller.signal,
        onEpisode: (trace, kind) =>
          post({ type: 'planEpisode', kind, index: counts[kind]++, trace: postedTrace(trace, kind) }),
      });
      await post({ type: 'planReport', report, checkpoint: source.checkpoint });
    } finally {
      source.dispose();
    }
  } finally {
    clearInterval(poll);
    parent.dispose();
  }
}
