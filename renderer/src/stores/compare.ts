/** The compare view's selection (2–4 runs) and its one shared timeline. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { createTimelineControl } from '../logic/timeline_control.ts';

/** Most runs shown side by side. */
export const MAX_COMPARE = 4;

export const useCompareStore = defineStore('compare', () => {
  const selected = ref<string[]>([]);
  // The shared timeline plays from the start, so skills move side by side as soon as they load.
  const { timeline, setDuration, seek, tick, apply } = createTimelineControl({ playing: true });
  /** x axis of learning curves. */
  const xAxis = ref<'env_steps' | 'wall_s'>('env_steps');
  /** Exponential smoothing weight of learning curves, in [0, 0.99]. */
  const smoothing = ref(0.6);

  /** Adds or removes a run; beyond {@link MAX_COMPARE} the oldest choice makes room. */
  function toggle(runId: string): void {
    const i = selected.value.indexOf(runId);
    if (i >= 0) selected.value.splice(i, 1);
    else {
      selected.value.push(runId);
      if (selected.value.length > MAX_COMPARE) selected.value.shift();
    }
  }

  /** Replaces the choice with `runIds` (the first {@link MAX_COMPARE}), e.g. a sweep's best runs. */
  function select(runIds: string[]): void {
    selected.value = [...new Set(runIds)].slice(0, MAX_COMPARE);
  }

  /** Keeps only runs that still exist. */
  function retain(existing: Iterable<string>): void {
    const keep = new Set(existing);
    selected.value = selected.value.filter((id) => keep.has(id));
  }

  return { selected, timeline, xAxis, smoothing, toggle, select, retain, setDuration, seek, tick, apply };
});
