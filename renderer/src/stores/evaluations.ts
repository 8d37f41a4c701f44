/**
 * Runs' evaluations (eval/summary.json and the rollouts of every skill), loaded on demand and shared
 * by whatever shows them — a compare column's replay, a run page's replay and its summary — so that
 * one run's rollouts are fetched once, and again when the run was evaluated anew: a loaded run whose
 * evaluation ends (its summary's activity leaves 'evaluating', or it becomes evaluated) is reloaded,
 * wherever the evaluation was started from.
 */
import { defineStore } from 'pinia';
import { shallowRef, watch } from 'vue';
import type { EvalRollout, EvalSummary, RunSummary } from '../../../main/api/contract/contract.ts';
import { labClient } from '../api/lab.ts';
import { useRunsStore } from './runs.ts';

/** True when a run's summary changed from `before` to `now` because an evaluation of it ended. */
export function evaluationEnded(
  before: Pick<RunSummary, 'evaluated' | 'activity'> | undefined,
  now: Pick<RunSummary, 'evaluated' | 'activity'>,
): boolean {
  if (!now.evaluated || !before) return false;
  return !before.evaluated || (before.activity === 'evaluating' && now.activity !== 'evaluating');
}

/** A run's evaluation: summary null and no rollouts when it has not been evaluated. */
export interface Evaluation {
  summary: EvalSummary | null;
  rollouts: EvalRollout[];
}

export const useEvaluationsStore = defineStore('evaluations', () => {
  /** Loaded evaluations by run id; shallow: rollouts are large and replaced whole. */
  const byRun = shallowRef<Record<string, Evaluation>>({});
  /** The last load's error by run id (cleared by a good load). */
  const errors = shallowRef<Record<string, string>>({});
  const inFlight = new Map<string, Promise<Evaluation | null>>();
  /** The newest load per run: an older answer that arrives later is dropped. */
  const latest = new Map<string, number>();
  let loads = 0;

  /**
   * Loads a run's evaluation, once: later calls share the first load's answer unless `reload` (the
   * run was evaluated again). Never rejects: a failure lands in {@link errors} and gives null.
   */
  function load(runId: string, reload = false): Promise<Evaluation | null> {
    if (!reload && byRun.value[runId]) return Promise.resolve(byRun.value[runId]);
    const pending = inFlight.get(runId);
    if (pending && !reload) return pending;
    const token = ++loads;
    latest.set(runId, token);
    const request = fetchEvaluation(runId, token).finally(() => {
      if (latest.get(runId) === token) inFlight.delete(runId);
    });
    inFlight.set(runId, request);
    return request;
  }

  async function fetchEvaluation(runId: string, token: number): Promise<Evaluation | null> {
    try {
      const { summary, rollouts } = await labClient().getEvaluation({ runId });
      const evaluation = { summary, rollouts };
      if (latest.get(runId) === token) {
        byRun.value = { ...byRun.value, [runId]: evaluation };
        const { [runId]: _gone, ...rest } = errors.value;
        errors.value = rest;
      }
      return evaluation;
    } catch (err) {
      if (latest.get(runId) === token) errors.value = { ...errors.value, [runId]: (err as Error).message };
      return null;
    }
  }

  const runs = useRunsStore();
  let seen = new Map<string, Pick<RunSummary, 'evaluated' | 'activity'>>();
  watch(
    () => runs.runs.map((r) => ({ id: r.id, evaluated: r.evaluated, activity: r.activity })),
    (list) => {
      const next = new Map(list.map((r) => [r.id, r]));
      for (const r of list)
        if ((byRun.value[r.id] || inFlight.has(r.id)) && evaluationEnded(seen.get(r.id), r))
          void load(r.id, true);
      seen = next;
    },
    // Every change on its own: an evaluation's start and end may arrive within one tick.
    { flush: 'sync', immediate: true },
  );

  return { byRun, errors, load };
});
