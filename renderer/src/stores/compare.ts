/** The compare view's selection (2–4 runs) and its one shared timeline. */
import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import { advance, clampTime, stepSpeed, type TimelineAction, type TimelineState } from '../logic/timeline.ts';

/** Most runs shown side by side. */
export const MAX_COMPARE = 4;

export const useCompareStore = defineStore('compare', () => {
  const selected = ref<string[]>([]);
  const timeline = reactive<TimelineState>({
    time: 0,
    playing: true,
    speed: 1,
    duration: 0,
    frameStep: 0.05,
  });
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

  /** Keeps only runs that still exist. */
  function retain(existing: Iterable<string>): void {
    const keep = new Set(existing);
    selected.value = selected.value.filter((id) => keep.has(id));
  }

  /** Sets the timeline's length (s) and frame step (s), keeping the time inside it. */
  function setDuration(duration: number, frameStep: number): void {
    timeline.duration = Math.max(0, duration);
    if (frameStep > 0) timeline.frameStep = frameStep;
    timeline.time = clampTime(timeline.time, timeline.duration);
  }

  /** Moves to time `t` (s), clamped. */
  function seek(t: number): void {
    timeline.time = clampTime(t, timeline.duration);
  }

  /** Advances by `realSeconds` of wall-clock time when playing. */
  function tick(realSeconds: number): void {
    timeline.time = advance(timeline, realSeconds);
  }

  /** Applies a keyboard/timeline action. */
  function apply(action: TimelineAction): void {
    switch (action) {
      case 'toggle':
        timeline.playing = !timeline.playing;
        break;
      case 'back':
        timeline.playing = false;
        seek(timeline.time - timeline.frameStep);
        break;
      case 'forward':
        timeline.playing = false;
        seek(timeline.time + timeline.frameStep);
        break;
      case 'slower':
        timeline.speed = stepSpeed(timeline.speed, -1);
        break;
      case 'faster':
        timeline.speed = stepSpeed(timeline.speed, 1);
        break;
      case 'start':
        seek(0);
        break;
      case 'end':
        seek(timeline.duration);
        break;
    }
  }

  return { selected, timeline, xAxis, smoothing, toggle, retain, setDuration, seek, tick, apply };
});
