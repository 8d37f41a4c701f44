/**
 * The compare view's selection (2–4 runs), its one shared timeline, and what its columns share:
 * the plots' axes (on by default) and, when asked, the 3D cameras (issue #13 B5).
 */
import { defineStore } from 'pinia';
import { markRaw, reactive, ref } from 'vue';
import { createTimelineControl } from '../logic/timeline_control.ts';
import { createCameraLink } from '../logic/camera_link.ts';
import { sharedXyExtent, type XyWindow } from '../logic/plots.ts';

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
  /**
   * Every column's plots on the same axes: learning curves of one metric on one y range (and one x
   * range), x-y traces of one env in one window. Off: each column scales to its own data.
   */
  const sharedAxes = ref(true);
  /** Orbiting one column's 3D camera moves the others' the same way. */
  const linkCameras = ref(false);
  /** The 3D columns' camera link; follows {@link linkCameras}. Not reactive: it holds three.js objects. */
  const cameraLink = markRaw(createCameraLink(() => linkCameras.value));
  /** Each column's own x-y window (its traces' half-width), by run id. */
  const xyWindows = reactive<Record<string, XyWindow>>({});

  /** A column reports its own x-y window (see {@link xyExtentFor}). */
  function reportXyWindow(runId: string, env: string, extent: number): void {
    const w = xyWindows[runId];
    if (!w || w.env !== env || w.extent !== extent) xyWindows[runId] = { env, extent };
  }

  /**
   * The x-y half-width (m) run `runId`'s column draws: with shared axes the widest of the selected
   * columns on the same env; null (its own) without, or before any column has reported.
   */
  function xyExtentFor(runId: string, env: string): number | null {
    if (!sharedAxes.value) return null;
    return sharedXyExtent(
      selected.value.filter((id) => id in xyWindows).map((id) => xyWindows[id]),
      env,
    );
  }

  function setLinkCameras(on: boolean): void {
    linkCameras.value = on;
    if (on) cameraLink.sync();
  }

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

  return {
    selected,
    timeline,
    xAxis,
    smoothing,
    sharedAxes,
    linkCameras,
    cameraLink,
    xyWindows,
    toggle,
    select,
    retain,
    setDuration,
    seek,
    tick,
    apply,
    reportXyWindow,
    xyExtentFor,
    setLinkCameras,
  };
});
