/**
 * The shared replay timeline's arithmetic and keyboard map, kept free of Vue so it is tested alone.
 */

/** Playback speeds `[` and `]` step through. */
export const SPEEDS = [0.125, 0.25, 0.5, 1, 2, 4, 8] as const;

/** Timeline state: time (s of simulated time), whether it plays, speed factor, length (s). */
export interface TimelineState {
  time: number;
  playing: boolean;
  speed: number;
  duration: number;
  /** One frame (s): the step of ← / →. */
  frameStep: number;
}

/** The next (+1) or previous (−1) speed of {@link SPEEDS}, clamped at the ends. */
export function stepSpeed(speed: number, dir: 1 | -1): number {
  let i = SPEEDS.findIndex((s) => s >= speed - 1e-9);
  if (i < 0) i = SPEEDS.length - 1;
  return SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, i + dir))];
}

/** `t` clamped into [0, duration]. */
export function clampTime(t: number, duration: number): number {
  return Math.max(0, Math.min(duration, Number.isFinite(t) ? t : 0));
}

/**
 * Advances a playing timeline by `realSeconds` of wall-clock time; it loops at the end so skills
 * keep moving side by side while the reader looks.
 */
export function advance(state: TimelineState, realSeconds: number): number {
  if (!state.playing || state.duration <= 0) return state.time;
  const t = state.time + realSeconds * state.speed;
  return t > state.duration ? t % state.duration : t;
}

/** What a key does to the timeline. */
export type TimelineAction = 'toggle' | 'back' | 'forward' | 'slower' | 'faster' | 'start' | 'end';

/**
 * The timeline action of a keyboard event, or null. Keys typed into form fields are never taken.
 * space: play/pause; ←/→: one frame; [ / ]: slower/faster; Home/End: start/end.
 */
export function keyAction(
  ev: Pick<KeyboardEvent, 'key' | 'target' | 'ctrlKey' | 'metaKey' | 'altKey'>,
): TimelineAction | null {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return null;
  const target = ev.target as { tagName?: string; isContentEditable?: boolean } | null;
  const tag = target?.tagName?.toUpperCase();
  if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target?.isContentEditable) return null;
  switch (ev.key) {
    case ' ':
    case 'Spacebar':
      return 'toggle';
    case 'ArrowLeft':
      return 'back';
    case 'ArrowRight':
      return 'forward';
    case '[':
      return 'slower';
    case ']':
      return 'faster';
    case 'Home':
      return 'start';
    case 'End':
      return 'end';
    default:
      return null;
  }
}
