/**
 * A timeline's state and its operations as one reactive object, so that every view with a timeline
 * (the compare view's shared one, an episode page's own) uses the same arithmetic from timeline.ts
 * and the same {@link TimelineBar} component.
 */
import { reactive } from 'vue';
import { advance, clampTime, stepSpeed, type TimelineAction, type TimelineState } from './timeline.ts';

/** What a timeline bar needs: the state and the operations on it. */
export interface TimelineControl {
  readonly timeline: TimelineState;
  /** Sets the length (s) and frame step (s), keeping the time inside it. */
  setDuration(duration: number, frameStep: number): void;
  /** Moves to time `t` (s), clamped. */
  seek(t: number): void;
  /** Advances by `realSeconds` of wall-clock time when playing. */
  tick(realSeconds: number): void;
  /** Applies a keyboard/timeline action. */
  apply(action: TimelineAction): void;
}

/** A new reactive timeline; `initial` overrides the defaults (stopped at 0, 1×, 0.05 s frames). */
export function createTimelineControl(initial: Partial<TimelineState> = {}): TimelineControl {
  const timeline = reactive<TimelineState>({
    time: 0,
    playing: false,
    speed: 1,
    duration: 0,
    frameStep: 0.05,
    ...initial,
  });
  const seek = (t: number) => {
    timeline.time = clampTime(t, timeline.duration);
  };
  return {
    timeline,
    setDuration(duration, frameStep) {
      timeline.duration = Math.max(0, duration);
      if (frameStep > 0) timeline.frameStep = frameStep;
      timeline.time = clampTime(timeline.time, timeline.duration);
    },
    seek,
    tick(realSeconds) {
      timeline.time = advance(timeline, realSeconds);
    },
    apply(action) {
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
    },
  };
}
