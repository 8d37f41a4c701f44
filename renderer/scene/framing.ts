/**
 * Framing a region with a viewer's camera from its current direction. The viewer's own fit keeps
 * metres of floor around small scenes, which leaves a table-top task tiny; task views frame the
 * robot and what they draw over it instead.
 */
import * as THREE from 'three';
import type { Viewer } from './viewer.ts';

/**
 * Points the camera at `box` (world frame, m) from where it looks now, close enough that the box's
 * bounding sphere fills the vertical field of view. Does nothing for an empty box.
 */
export function frameBox(viewer: Viewer, box: THREE.Box3): void {
  if (box.isEmpty()) return;
  const sphere = box.getBoundingSphere(new THREE.Sphere());
  const { camera, controls } = viewer;
  const direction = camera.position.clone().sub(controls.target).normalize();
  const distance = Math.max(sphere.radius, 0.1) / Math.sin(THREE.MathUtils.degToRad(camera.fov) / 2);
  controls.target.copy(sphere.center);
  camera.position.copy(sphere.center).addScaledVector(direction, distance);
  controls.update();
  viewer.invalidate();
}
