import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as THREE from 'three';
import { loadMujoco, wasmHeapBytes, type Mujoco, type MjModel } from '../../main/engine/sim/mujoco.ts';
import { AgentGroup, SKILL_PALETTE, skillColor } from './agents.ts';
import { loadModelFromXml } from './load_model.ts';
import type { ModelScene } from './model_scene.ts';
import type { SceneContent } from './viewer.ts';

let mj: Mujoco;
let ant: MjModel;

beforeAll(async () => {
  mj = await loadMujoco();
  const path = fileURLToPath(new URL('../../assets/models/ant.xml', import.meta.url));
  ant = loadModelFromXml(mj, readFileSync(path, 'utf8'), path);
});

afterAll(() => {
  ant.delete();
});

/** Every mesh under `root`. */
function meshesUnder(root: THREE.Object3D): THREE.Mesh[] {
  const out: THREE.Mesh[] = [];
  root.traverse((o) => {
    if ((o as THREE.Mesh).isMesh) out.push(o as THREE.Mesh);
  });
  return out;
}

describe('skillColor', () => {
  it("is the figures' palette (matplotlib's tab10), cycling", () => {
    expect(SKILL_PALETTE[0]).toBe('#1f77b4');
    expect(SKILL_PALETTE).toHaveLength(10);
    for (let k = 0; k < 25; k++) expect(`#${skillColor(k).getHexString()}`).toBe(SKILL_PALETTE[k % 10]);
    expect(() => skillColor(-1)).toThrow(RangeError);
    expect(() => skillColor(1.5)).toThrow(RangeError);
  });
});

describe('AgentGroup', () => {
  it('tints agent k with skillColor(k) and shares one untinted floor', () => {
    const group = new AgentGroup(mj, ant, 12);
    try {
      expect(group.count).toBe(12);
      const floors = meshesUnder(group.root).filter((m) => m.name === 'floor');
      expect(floors).toHaveLength(1);
      expect(floors[0].parent).toBe(group.world!.bodies[0]);
      const floorColor = (floors[0].material as THREE.MeshStandardMaterial).color.getHexString();
      expect(SKILL_PALETTE).not.toContain(`#${floorColor}`);
      group.agents.forEach((agent, k) => {
        expect(agent.bodies[0]).toBeNull();
        expect(agent.meshes).toHaveLength(ant.ngeom - 1);
        for (const mesh of agent.meshes)
          expect(`#${(mesh.material as THREE.MeshStandardMaterial).color.getHexString()}`).toBe(
            SKILL_PALETTE[k % 10],
          );
      });
      // The agents share the geometry of the model's geoms instead of building it K times.
      expect(group.agents[0].meshes[1].geometry).toBe(group.agents[5].meshes[1].geometry);
    } finally {
      group.dispose();
    }
  });

  it('is something the viewer can show, as is a ModelScene', () => {
    // Checked by tsc: both satisfy the viewer's content interface.
    const asContent = (c: SceneContent): SceneContent => c;
    const group = new AgentGroup(mj, ant, 1);
    try {
      expect(asContent(group).root).toBe(group.root);
      const single: ModelScene = group.agents[0];
      expect(asContent(single).extent.extent).toBe(group.extent.extent);
    } finally {
      group.dispose();
    }
  });

  it('keeps the model colours without tint', () => {
    const group = new AgentGroup(mj, ant, 2, { tint: false, includeWorld: false });
    try {
      expect(group.world).toBeNull();
      expect(meshesUnder(group.root).filter((m) => m.name === 'floor')).toHaveLength(0);
      const torso = group.agents[1].meshes.find((m) => m.name === 'torso_geom')!;
      const expected = new THREE.Color().setRGB(0.8, 0.6, 0.4, THREE.SRGBColorSpace).getHexString();
      expect((torso.material as THREE.MeshStandardMaterial).color.getHexString()).toBe(expected);
    } finally {
      group.dispose();
    }
  });

  it('poses each agent from its own qpos', () => {
    const group = new AgentGroup(mj, ant, 3);
    try {
      const q = (ant.qpos0 as Float64Array).slice();
      q[0] = 2;
      q[1] = -1;
      group.setQpos(1, q);
      const torso = (k: number) => group.agents[k].bodies[1]!.getWorldPosition(new THREE.Vector3());
      expect(torso(1).toArray()).toEqual([2, -1, 0.75]);
      expect(torso(0).toArray()).toEqual([0, 0, 0.75]);
      expect(torso(2).toArray()).toEqual([0, 0, 0.75]);
      const box = group.bodyBounds();
      expect(box.max.x).toBeGreaterThan(2);
      expect(box.min.x).toBeLessThan(0);
      expect(() => group.setQpos(3, q)).toThrow(RangeError);
      expect(() => group.setQpos(0, q.subarray(1))).toThrow(RangeError);
    } finally {
      group.dispose();
    }
    expect(() => group.setQpos(0, ant.qpos0 as Float64Array)).toThrow(/disposed/);
  });

  it('lays agents out in a row when asked', () => {
    const group = new AgentGroup(mj, ant, 3, { spacing: 2 });
    try {
      expect(group.agents.map((a) => a.root.position.y)).toEqual([-2, 0, 2]);
      expect(group.world!.root.position.toArray()).toEqual([0, 0, 0]);
    } finally {
      group.dispose();
    }
  });

  it('frees geometries and materials once and does not grow the WASM heap', async () => {
    const counts = new Map<object, number>();
    const cycle = (watch: boolean) => {
      const group = new AgentGroup(mj, ant, 4, { opacity: 0.7 });
      if (watch)
        for (const mesh of meshesUnder(group.root))
          for (const o of [mesh.geometry, mesh.material as THREE.Material])
            if (!counts.has(o)) {
              counts.set(o, 0);
              o.addEventListener('dispose', () => counts.set(o, counts.get(o)! + 1));
            }
      group.dispose();
      group.dispose();
    };
    cycle(true);
    expect(counts.size).toBeGreaterThan(4);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    for (let i = 0; i < 5; i++) cycle(false);
    const before = await wasmHeapBytes();
    for (let i = 0; i < 50; i++) cycle(false);
    expect(await wasmHeapBytes()).toBe(before);
  });
});
