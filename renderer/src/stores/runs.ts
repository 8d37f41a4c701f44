/**
 * The workspace's runs: the list with live status, metric rows per run (loaded on demand, extended by
 * `metrics` events) and the latest live preview rollout per run and skill.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef, triggerRef } from 'vue';
import type {
  EventData,
  MetricRow,
  ParamsOf,
  ResultOf,
  RunSummary,
} from '../../../main/api/contract/contract.ts';
import { findAlgo } from '../../../main/api/contract/presentation.ts';
import { labClient } from '../api/lab.ts';

/** A live preview episode of one skill (the `rollout` event). */
export type LiveRollout = EventData<'rollout'>;

/** Keeps at most this many rows per run in memory; curves are thinned beyond it anyway. */
const MAX_ROWS = 20_000;

export const useRunsStore = defineStore('runs', () => {
  const runs = ref<RunSummary[]>([]);
  const unreadable = ref<Array<{ id: string; error: string }>>([]);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const stepsPerSecond = ref<Record<string, number>>({});
  /** Metric rows by run id; shallow because rows are appended in place many times a second. */
  const metrics = shallowRef<Record<string, MetricRow[]>>({});
  /** Latest live preview per run id and skill. */
  const liveRollouts = shallowRef<Record<string, Record<number, LiveRollout>>>({});
  let unsubscribe: Array<() => void> = [];

  /**
   * What events said while a listRuns request was in flight: its answer may predate them (a run
   * started or deleted meanwhile), so they are applied again on top of it.
   */
  let duringRefresh: { upserted: Map<string, RunSummary>; deleted: Set<string> } | null = null;

  const upsert = (run: RunSummary) => {
    duringRefresh?.upserted.set(run.id, run);
    duringRefresh?.deleted.delete(run.id);
    const i = runs.value.findIndex((r) => r.id === run.id);
    if (i >= 0) runs.value[i] = run;
    else runs.value.unshift(run);
  };

  /** Subscribes to the service's events (idempotent) and loads the list. */
  async function init(): Promise<void> {
    if (unsubscribe.length === 0) {
      const client = labClient();
      unsubscribe = [
        client.on('runStatus', upsert),
        client.on('runDeleted', ({ runId }) => {
          duringRefresh?.deleted.add(runId);
          duringRefresh?.upserted.delete(runId);
          runs.value = runs.value.filter((r) => r.id !== runId);
        }),
        client.on('metrics', (m) => {
          stepsPerSecond.value[m.runId] = m.stepsPerSecond;
          const run = runs.value.find((r) => r.id === m.runId);
          const last = m.rows[m.rows.length - 1];
          if (run) {
            run.envSteps = m.envSteps;
            run.totalEnvSteps = m.totalEnvSteps;
            if (last) {
              run.iterations = last.iteration;
              run.wallSeconds = last.wall_s;
              // The summary's key metrics follow the live rows (a run that just started has none yet).
              for (const key of findAlgo(run.algo)?.summaryMetrics ?? [])
                if (key in last) run.metrics[key] = last[key];
            }
          }
          const rows = metrics.value[m.runId];
          if (rows) {
            const lastIt = rows.length ? rows[rows.length - 1].iteration : -1;
            for (const row of m.rows) if (row.iteration > lastIt) rows.push(row);
            if (rows.length > MAX_ROWS) rows.splice(0, rows.length - MAX_ROWS);
            triggerRef(metrics);
          }
        }),
        client.on('rollout', (r) => {
          const perRun = (liveRollouts.value[r.runId] ??= {});
          perRun[r.skill] = r;
          triggerRef(liveRollouts);
        }),
      ];
    }
    await refresh();
  }

  /** Drops the event subscriptions (tests, hot reload). */
  function dispose(): void {
    for (const off of unsubscribe) off();
    unsubscribe = [];
  }

  /** Reloads the run list from the service. */
  async function refresh(): Promise<void> {
    const seen = (duringRefresh = { upserted: new Map(), deleted: new Set() });
    try {
      const res = await labClient().listRuns();
      const byId = new Map(res.runs.map((r) => [r.id, r]));
      // An event newer than the list's copy of a run wins; a run deleted meanwhile stays gone.
      for (const [id, run] of seen.upserted) {
        const listed = byId.get(id);
        if (!listed || listed.updatedAt <= run.updatedAt) byId.set(id, run);
      }
      for (const id of seen.deleted) byId.delete(id);
      runs.value = [...byId.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      unreadable.value = res.unreadable;
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    } finally {
      if (duringRefresh === seen) duringRefresh = null;
      loaded.value = true;
    }
  }

  /** Loads all metric rows of a run (once; events keep them current afterwards). */
  async function loadMetrics(runId: string): Promise<MetricRow[]> {
    const have = metrics.value[runId];
    if (have) return have;
    const { rows } = await labClient().getMetrics({ runId });
    metrics.value = { ...metrics.value, [runId]: [...rows] };
    return metrics.value[runId];
  }

  /**
   * Starts a run. Rejects with the service's ApiError (code 'invalid' with per-field issues for bad
   * hyperparameters; nothing is created then).
   */
  async function start(params: ParamsOf<'startRun'>): Promise<RunSummary> {
    const { run } = await labClient().startRun(params);
    upsert(run);
    return run;
  }

  /** Stops a training run (resolves once its process checkpointed and ended). */
  async function stop(runId: string): Promise<void> {
    upsert((await labClient().stopRun({ runId })).run);
  }

  /** Resumes a stopped or failed run from its last checkpoint. */
  async function resume(runId: string): Promise<void> {
    upsert((await labClient().resumeRun({ runId })).run);
  }

  /**
   * Evaluates a run's checkpoint in its own process (as `skill-lab eval`): the run shows activity
   * 'evaluating' meanwhile; resolves once the evaluation is written (the compare view then replays it).
   */
  async function evaluate(runId: string): Promise<void> {
    await labClient().evaluateRun({ runId });
    await refresh();
  }

  /**
   * Switches a run's relabeling: a hindsight strategy and k (goal-sac), or (`byTask`) a task
   * relabeling strategy and the relabeled share (multitask-sac) — as its catalog entry's `relabeling`
   * says; its process applies it from the next iteration, or when it resumes.
   */
  async function setRelabeling(
    runId: string,
    strategy: ParamsOf<'setRelabeling'>['strategy'],
    amount: number,
    byTask = false,
  ): Promise<ResultOf<'setRelabeling'>> {
    return labClient().setRelabeling(
      byTask ? { runId, strategy, ratio: amount } : { runId, strategy, k: amount },
    );
  }

  /** Deletes a run and its directory. */
  async function remove(runId: string): Promise<void> {
    await labClient().deleteRun({ runId });
    runs.value = runs.value.filter((r) => r.id !== runId);
  }

  return {
    runs,
    unreadable,
    loaded,
    error,
    stepsPerSecond,
    metrics,
    liveRollouts,
    init,
    dispose,
    refresh,
    loadMetrics,
    start,
    stop,
    resume,
    evaluate,
    setRelabeling,
    remove,
  };
});
