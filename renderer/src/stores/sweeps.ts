/**
 * The workspace's sweeps (issue #14 §2) with every point's status, and the one the Sweeps tab shows.
 *
 * Status is polled while the tab follows it ({@link follow}): Slurm's pending and running states
 * exist only in squeue/sacct, which no event reports; a `runStatus` event of a sweep's run refreshes
 * sooner. Nothing is polled while the tab is closed or the page hidden (listSweeps asks Slurm).
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { SweepSpecInput, SweepSummary } from '../../../main/api/contract/contract.ts';
import { labClient } from '../api/lab.ts';

/** How often a followed sweep list is polled (ms). */
export const POLL_MS = 2500;
/** Run events closer together than this (ms) make one refresh. */
const EVENT_DELAY_MS = 300;

export const useSweepsStore = defineStore('sweeps', () => {
  const sweeps = ref<SweepSummary[]>([]);
  const unreadable = ref<Array<{ id: string; error: string }>>([]);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const selectedId = ref<string | null>(null);
  /** The shown sweep: the one picked, else the newest. */
  const selected = computed(
    () => sweeps.value.find((s) => s.id === selectedId.value) ?? sweeps.value[0] ?? null,
  );
  let inFlight: Promise<void> | null = null;
  /** Something changed while a refresh was in flight: its answer may predate it, so ask once more. */
  let again = false;

  const upsert = (sweep: SweepSummary) => {
    if (inFlight) again = true;
    const i = sweeps.value.findIndex((s) => s.id === sweep.id);
    if (i >= 0) sweeps.value[i] = sweep;
    else sweeps.value = [sweep, ...sweeps.value].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  };

  /** Reloads the sweeps; calls during a refresh share it (and it asks once more after). */
  function refresh(): Promise<void> {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    inFlight = (async () => {
      try {
        do {
          again = false;
          const res = await labClient().listSweeps();
          sweeps.value = [...res.sweeps].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
          unreadable.value = res.unreadable;
          error.value = null;
        } while (again);
      } catch (err) {
        error.value = (err as Error).message;
      } finally {
        loaded.value = true;
        inFlight = null;
      }
    })();
    return inFlight;
  }

  /**
   * Loads the sweeps and keeps them current until the returned function is called: a poll every
   * {@link POLL_MS} while the page is visible (and at once when it shows again), and a refresh soon
   * after a `runStatus` event of a sweep's run.
   */
  function follow(intervalMs = POLL_MS): () => void {
    const doc = globalThis.document;
    const visible = () => doc?.visibilityState !== 'hidden';
    const poll = () => {
      if (visible()) void refresh();
    };
    let soon: ReturnType<typeof setTimeout> | undefined;
    const off = labClient().on('runStatus', (run) => {
      if (!run.sweep || soon) return;
      soon = setTimeout(() => {
        soon = undefined;
        poll();
      }, EVENT_DELAY_MS);
    });
    const timer = setInterval(poll, intervalMs);
    doc?.addEventListener('visibilitychange', poll);
    void refresh();
    return () => {
      off();
      clearInterval(timer);
      clearTimeout(soon);
      doc?.removeEventListener('visibilitychange', poll);
    };
  }

  /** Shows a sweep. */
  function select(id: string): void {
    selectedId.value = id;
  }

  /**
   * Creates and starts a sweep from a spec, and shows it. Rejects with the service's ApiError
   * ('invalid', naming the point and field; nothing is created then). A Slurm sweep first runs a
   * probe job on the cluster, which can take up to two minutes.
   */
  async function start(spec: SweepSpecInput): Promise<SweepSummary> {
    const { sweep } = await labClient().startSweep({ spec });
    upsert(sweep);
    selectedId.value = sweep.id;
    return sweep;
  }

  /** Cancels a sweep: no further point starts, live runs stop with a checkpoint, Slurm arrays are scancelled. */
  async function cancel(sweepId: string): Promise<void> {
    upsert((await labClient().cancelSweep({ sweepId })).sweep);
  }

  /** Trains a sweep's unfinished points again, each from its checkpoint, on its executor. */
  async function resume(sweepId: string): Promise<void> {
    upsert((await labClient().resumeSweep({ sweepId })).sweep);
  }

  return {
    sweeps,
    unreadable,
    loaded,
    error,
    selectedId,
    selected,
    refresh,
    follow,
    select,
    start,
    cancel,
    resume,
  };
});
