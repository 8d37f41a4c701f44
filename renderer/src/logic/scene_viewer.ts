/**
 * The life cycle of a component's 3D viewer, in one place for every component that shows a scene
 * (episode replay, task preview, compare column): the viewer on the component's canvas, sized to
 * its pane, rendered from the animation loop, recoloured with the theme and freed on unmount.
 */
import { onBeforeUnmount, watch, type Ref } from 'vue';
import type { Color } from 'three';
import { createViewer, type Viewer } from '../../scene/index.ts';
import { theme, themeColors } from '../theme.ts';

/** Options of {@link useSceneViewer}. */
export interface SceneViewerOptions {
  /**
   * Called with the pane's new size (CSS px) whenever it changes, just before the viewer is resized:
   * for what else follows the pane (the compare column's plot width).
   */
  onResize?(rect: DOMRect): void;
  /**
   * Frees the caller's part on unmount: the content the viewer showed (the viewer has stopped showing
   * it by then), the MuJoCo model, listeners and helpers it added. Called after the loop has stopped
   * and before the viewer is disposed; called with null when no viewer was opened, so that what the
   * caller built before {@link SceneViewer.open} (or instead of it) is freed too.
   */
  release?(viewer: Viewer | null): void;
}

/** Handle of a component's viewer; see {@link useSceneViewer}. */
export interface SceneViewer {
  /** The open viewer; null before {@link open} and after unmount. */
  readonly viewer: Viewer | null;
  /**
   * Creates the viewer on the canvas with the theme's background, observes the pane's size and starts
   * the render loop from the next animation frame, so that content set up right after this call is
   * in the first picture. Returns null (and opens nothing) when the canvas is gone: the component was
   * unmounted while it was loading. Call it once.
   * @throws Error when the browser cannot create a WebGL context (see {@link createViewer}).
   */
  open(): Viewer | null;
}

/**
 * Gives the calling component (call it from `setup`) a viewer on `canvas` that fills `pane`. The
 * caller opens it when its data is loaded (in `onMounted`, inside its own error handling) and builds
 * the content; this keeps it sized and rendered and frees it.
 *
 * What it owns: the viewer, a ResizeObserver on `pane` (→ {@link Viewer.resize}), a
 * requestAnimationFrame loop calling {@link Viewer.frame} (which renders only when the picture is
 * stale, so callers {@link Viewer.invalidate} after a change; on a software rasterizer the viewer also
 * draws lighter, see `isSoftwareRenderer`), a watch on the theme that sets the background, and the
 * unmount: stop the loop and the observer, show nothing, `options.release`, dispose the viewer.
 */
export function useSceneViewer(
  canvas: Ref<HTMLCanvasElement | null>,
  pane: Ref<HTMLElement | null>,
  options: SceneViewerOptions = {},
): SceneViewer {
  let viewer: Viewer | null = null;
  let raf = 0;
  let resizeObserver: ResizeObserver | null = null;

  function loop() {
    raf = requestAnimationFrame(loop);
    viewer?.frame();
  }

  function open(): Viewer | null {
    if (!canvas.value) return null;
    viewer = createViewer(canvas.value, { background: themeColors(theme.value).scene });
    resizeObserver = new ResizeObserver(() => {
      if (!pane.value || !viewer) return;
      const r = pane.value.getBoundingClientRect();
      options.onResize?.(r);
      viewer.resize(r.width, r.height);
    });
    if (pane.value) resizeObserver.observe(pane.value);
    raf = requestAnimationFrame(loop);
    return viewer;
  }

  watch(theme, (t) => {
    (viewer?.scene.background as Color | null)?.setHex(themeColors(t).scene);
    viewer?.invalidate();
  });

  onBeforeUnmount(() => {
    cancelAnimationFrame(raf);
    resizeObserver?.disconnect();
    resizeObserver = null;
    const last = viewer;
    viewer = null;
    last?.setAgents(null);
    options.release?.(last);
    last?.dispose();
  });

  return {
    get viewer() {
      return viewer;
    },
    open,
  };
}
