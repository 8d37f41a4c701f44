/**
 * What task views put in a viewer around a MuJoCo model: content whose model scene can be replaced
 * without the viewer noticing, and the freeing of what they draw over it (goal markers, handles).
 */
import * as THREE from 'three';
import type { ModelScene } from './model_scene.ts';
import type { SceneContent } from './viewer.ts';

/**
 * Viewer content around the model scene `current()` returns, which its owner may replace (an edited
 * MJCF, another task): `root` is the same object throughout, so the viewer is given the content once
 * and keeps its camera; the owner puts each new scene's root (and its overlays) under it. Extent and
 * bounds are those of the scene current at each call: a unit extent at the origin and empty bounds
 * while there is none.
 */
export function modelSceneContent(root: THREE.Object3D, current: () => ModelScene | null): SceneContent {
  return {
    root,
    get extent() {
      return current()?.extent ?? { center: new THREE.Vector3(), extent: 1 };
    },
    bodyBounds: (target = new THREE.Box3()) => current()?.bodyBounds(target) ?? target.makeEmpty(),
    worldBounds: (target = new THREE.Box3()) => current()?.worldBounds(target) ?? target.makeEmpty(),
  };
}

/**
 * Frees the geometries and materials of `root` and everything below it, then empties `root` (which
 * stays usable). For trees whose geometries and materials nobody else shares: not a ModelScene's,
 * which it frees itself.
 */
export function disposeTree(root: THREE.Object3D): void {
  root.traverse((o) => {
    const mesh = o as THREE.Mesh;
    mesh.geometry?.dispose();
    for (const m of ([] as THREE.Material[]).concat(mesh.material ?? [])) m.dispose();
  });
  root.clear();
}
