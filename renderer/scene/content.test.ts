import { describe, expect, it, vi } from 'vitest';
import * as THREE from 'three';
import { disposeTree, modelSceneContent } from './content.ts';
import type { ModelScene } from './model_scene.ts';

describe('modelSceneContent', () => {
  it('keeps its root and answers for the scene current at each call', () => {
    const root = new THREE.Group();
    let scene: ModelScene | null = null;
    const content = modelSceneContent(root, () => scene);
    expect(content.root).toBe(root);
    expect(content.extent.extent).toBe(1);
    expect(content.bodyBounds().isEmpty()).toBe(true);
    expect(content.worldBounds!().isEmpty()).toBe(true);

    const bodies = new THREE.Box3(new THREE.Vector3(0, 0, 0), new THREE.Vector3(1, 1, 1));
    scene = {
      extent: { center: new THREE.Vector3(1, 2, 3), extent: 4 },
      bodyBounds: (target = new THREE.Box3()) => target.copy(bodies),
      worldBounds: (target = new THREE.Box3()) => target.makeEmpty(),
    } as unknown as ModelScene;
    expect(content.root).toBe(root);
    expect(content.extent.extent).toBe(4);
    const target = new THREE.Box3();
    expect(content.bodyBounds(target)).toBe(target);
    expect(target.equals(bodies)).toBe(true);
  });
});

describe('disposeTree', () => {
  it('frees every geometry and material below the root and empties it', () => {
    const root = new THREE.Group();
    const a = new THREE.Mesh(new THREE.BoxGeometry(), new THREE.MeshBasicMaterial());
    const b = new THREE.Mesh(new THREE.SphereGeometry(), [
      new THREE.MeshBasicMaterial(),
      new THREE.MeshBasicMaterial(),
    ]);
    a.add(b);
    root.add(a);
    const freed = vi.fn();
    for (const r of [a.geometry, b.geometry, a.material, ...b.material]) r.addEventListener('dispose', freed);
    disposeTree(root);
    expect(freed).toHaveBeenCalledTimes(5);
    expect(root.children).toHaveLength(0);
  });
});
