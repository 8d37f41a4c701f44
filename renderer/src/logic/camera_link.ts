/**
 * Linked cameras of the compare view's 3D columns (issue #13 B5): while linking is on, orbiting,
 * panning or zooming one column's camera puts every other column's camera at the same place,
 * looking at the same point, so that the runs are seen from one viewpoint.
 */
import type { PerspectiveCamera, Vector3 } from 'three';

/** What the link needs of a viewer: its camera, its orbit controls and a way to ask for a new picture. */
export interface LinkedView {
  readonly camera: Pick<PerspectiveCamera, 'position' | 'zoom' | 'updateProjectionMatrix'>;
  readonly controls: {
    readonly target: Vector3;
    addEventListener(type: 'change', listener: () => void): void;
    removeEventListener(type: 'change', listener: () => void): void;
    update(): unknown;
  };
  invalidate(): void;
}

/** The compare view's camera link; see {@link createCameraLink}. */
export interface CameraLink {
  /** Adds a view; returns the function that takes it out again (call it before the viewer is disposed). */
  join(view: LinkedView): () => void;
  /** Puts every other view's camera where `from`'s is (default: the first view that joined). */
  sync(from?: LinkedView): void;
  /** The views joined, in order. */
  readonly views: readonly LinkedView[];
}

/**
 * A link among views: when `enabled()` is true, each camera change of one view (an orbit, a damped
 * step after it, a zoom) is copied to the others — camera position, zoom and orbit target. The
 * copies do not echo back: a change the link makes itself is not passed on.
 */
export function createCameraLink(enabled: () => boolean): CameraLink {
  const views: LinkedView[] = [];
  let syncing = false;

  function sync(from: LinkedView | undefined = views[0]): void {
    if (!from || syncing) return;
    syncing = true;
    try {
      for (const v of views) {
        if (v === from) continue;
        v.controls.target.copy(from.controls.target);
        v.camera.position.copy(from.camera.position);
        if (v.camera.zoom !== from.camera.zoom) {
          v.camera.zoom = from.camera.zoom;
          v.camera.updateProjectionMatrix();
        }
        v.controls.update();
        v.invalidate();
      }
    } finally {
      syncing = false;
    }
  }

  return {
    views,
    sync,
    join(view) {
      const onChange = () => {
        if (enabled()) sync(view);
      };
      views.push(view);
      view.controls.addEventListener('change', onChange);
      // A view joining a linked group takes the group's viewpoint.
      if (enabled() && views.length > 1) sync(views[0]);
      return () => {
        view.controls.removeEventListener('change', onChange);
        const i = views.indexOf(view);
        if (i >= 0) views.splice(i, 1);
      };
    },
  };
}
