import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as THREE from 'three';
import { loadMujoco, wasmHeapBytes, type Mujoco, type MjModel } from '../../main/engine/sim/mujoco.ts';
import { GeomType } from './geometry.ts';
import { loadModelFromXml } from './load_model.ts';
import { geomRgba, ModelScene } from './model_scene.ts';

const MODELS = ['point_mass', 'ant', 'half_cheetah'] as const;
const modelPath = (name: string) =>
  fileURLToPath(new URL(`../../assets/models/${name}.xml`, import.meta.url));

let mj: Mujoco;
const models = new Map<string, MjModel>();

beforeAll(async () => {
  mj = await loadMujoco();
  for (const name of MODELS)
    models.set(name, loadModelFromXml(mj, readFileSync(modelPath(name), 'utf8'), name));
});

afterAll(() => {
  for (const m of models.values()) m.delete();
});

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], digits);
}

/** A deterministic pseudo-random stream in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** qpos0 with every coordinate moved, free/ball quaternions random (and left unnormalized). */
function randomQpos(model: MjModel, seed: number): Float64Array {
  const next = rng(seed);
  const q = (model.qpos0 as Float64Array).slice();
  for (let i = 0; i < q.length; i++) q[i] += 2 * next() - 1;
  const types = model.jnt_type as Int32Array;
  const adr = model.jnt_qposadr as Int32Array;
  for (let j = 0; j < model.njnt; j++) {
    const quatAt =
      types[j] === mj.mjtJoint.mjJNT_FREE.value
        ? adr[j] + 3
        : types[j] === mj.mjtJoint.mjJNT_BALL.value
          ? adr[j]
          : -1;
    if (quatAt >= 0) for (let k = 0; k < 4; k++) q[quatAt + k] = 3 * (next() - 0.5);
  }
  return q;
}

/** Body and geom world poses from a separate MjData run through mj_forward. */
function reference(model: MjModel, qpos: ArrayLike<number>) {
  const data = new mj.MjData(model);
  try {
    (data.qpos as Float64Array).set(qpos);
    mj.mj_forward(model, data);
    return {
      xpos: (data.xpos as Float64Array).slice(),
      xquat: (data.xquat as Float64Array).slice(),
      geomXpos: (data.geom_xpos as Float64Array).slice(),
      geomXmat: (data.geom_xmat as Float64Array).slice(),
    };
  } finally {
    data.delete();
  }
}

function visibleGeoms(model: MjModel, world: boolean): number {
  const group = model.geom_group as Int32Array;
  const rgba = model.geom_rgba as Float32Array;
  const body = model.geom_bodyid as Int32Array;
  let n = 0;
  for (let g = 0; g < model.ngeom; g++)
    if (group[g] < 3 && rgba[4 * g + 3] > 0 && (world || body[g] !== 0)) n++;
  return n;
}

describe.each(MODELS)('ModelScene of %s', (name) => {
  it('has one mesh per visible geom, in its body group', () => {
    const model = models.get(name)!;
    const scene = new ModelScene(mj, model);
    const withoutWorld = new ModelScene(mj, model, { includeWorld: false });
    try {
      expect(scene.meshes).toHaveLength(visibleGeoms(model, true));
      expect(withoutWorld.meshes).toHaveLength(visibleGeoms(model, false));
      expect(withoutWorld.bodies[0]).toBeNull();
      const bodyOf = model.geom_bodyid as Int32Array;
      for (const mesh of scene.meshes) expect(mesh.parent).toBe(scene.bodies[bodyOf[mesh.userData.geomId]]);
      expect(scene.bodies.length).toBe(model.nbody);
      expect(scene.bodies[0]!.name).toBe('world');
    } finally {
      scene.dispose();
      withoutWorld.dispose();
    }
  });

  it('builds capsules, boxes and spheres at MuJoCo sizes', () => {
    const model = models.get(name)!;
    const scene = new ModelScene(mj, model);
    try {
      const size = model.geom_size as Float64Array;
      const type = model.geom_type as Int32Array;
      let checked = 0;
      for (const mesh of scene.meshes) {
        const g = mesh.userData.geomId as number;
        const [s0, s1, s2] = size.slice(3 * g, 3 * g + 3);
        const expected =
          type[g] === GeomType.CAPSULE
            ? [s0, s0, s1 + s0]
            : type[g] === GeomType.BOX
              ? [s0, s1, s2]
              : type[g] === GeomType.SPHERE
                ? [s0, s0, s0]
                : null;
        if (!expected) continue;
        mesh.geometry.computeBoundingBox();
        const box = mesh.geometry.boundingBox!;
        for (let i = 0; i < 3; i++) {
          expect(box.max.getComponent(i)).toBeCloseTo(expected[i], 6);
          expect(box.min.getComponent(i)).toBeCloseTo(-expected[i], 6);
        }
        checked++;
      }
      expect(checked).toBeGreaterThan(0);
    } finally {
      scene.dispose();
    }
  });

  it('poses bodies and geoms as mj_forward does', () => {
    const model = models.get(name)!;
    const scene = new ModelScene(mj, model);
    try {
      for (const seed of [1, 2, 3]) {
        const q = randomQpos(model, seed);
        scene.setQpos(q);
        const ref = reference(model, q);
        scene.root.updateMatrixWorld(true);
        for (let b = 0; b < model.nbody; b++) {
          const group = scene.bodies[b]!;
          const p = group.getWorldPosition(new THREE.Vector3());
          const r = group.getWorldQuaternion(new THREE.Quaternion());
          for (let i = 0; i < 3; i++) expect(p.getComponent(i)).toBeCloseTo(ref.xpos[3 * b + i], 9);
          const [w, x, y, z] = ref.xquat.slice(4 * b, 4 * b + 4);
          // q and -q are one rotation, and the world quaternion comes out of a matrix decomposition.
          expect(Math.abs(r.x * x + r.y * y + r.z * z + r.w * w)).toBeCloseTo(1, 9);
          const local = group.quaternion;
          expectClose([local.x, local.y, local.z, local.w], [x, y, z, w], 12);
        }
        // Geoms too: their local pose inside the body group must compose to MuJoCo's geom pose.
        for (const mesh of scene.meshes) {
          const g = mesh.userData.geomId as number;
          const e = mesh.matrixWorld.elements; // column-major
          for (let i = 0; i < 3; i++) {
            expect(e[12 + i]).toBeCloseTo(ref.geomXpos[3 * g + i], 9);
            for (let j = 0; j < 3; j++) expect(e[4 * j + i]).toBeCloseTo(ref.geomXmat[9 * g + 3 * i + j], 9);
          }
        }
      }
    } finally {
      scene.dispose();
    }
  });

  it('colours geoms as MuJoCo does', () => {
    const model = models.get(name)!;
    const scene = new ModelScene(mj, model);
    const tinted = new ModelScene(mj, model, { colorOverride: new THREE.Color('#d62728'), opacity: 0.5 });
    try {
      for (const mesh of scene.meshes) {
        const material = mesh.material as THREE.MeshStandardMaterial;
        const [r, g, b, a] = geomRgba(model, mesh.userData.geomId);
        const expected = new THREE.Color().setRGB(r, g, b, THREE.SRGBColorSpace);
        expect(material.color.getHexString()).toBe(expected.getHexString());
        expect(material.opacity).toBeCloseTo(a, 6);
        expect(mesh.receiveShadow).toBe(true);
        expect(mesh.castShadow).toBe(
          (model.geom_type as Int32Array)[mesh.userData.geomId] !== GeomType.PLANE,
        );
      }
      for (const mesh of tinted.meshes) {
        const material = mesh.material as THREE.MeshStandardMaterial;
        if (mesh.userData.bodyId === 0) expect(material.color.getHexString()).not.toBe('d62728');
        else {
          expect(material.color.getHexString()).toBe('d62728');
          expect(material.opacity).toBeCloseTo(0.5, 6);
          expect(material.transparent).toBe(true);
        }
      }
    } finally {
      scene.dispose();
      tinted.dispose();
    }
  });
});

describe('ModelScene', () => {
  it('takes the material colour only where the geom keeps the default rgba', () => {
    const pm = models.get('point_mass')!; // floor: material "grid", default rgba
    const ant = models.get('ant')!; // floor: material "grid", rgba 0.8 0.9 0.8
    const floor = (m: MjModel) => mj.mj_name2id(m, mj.mjtObj.mjOBJ_GEOM.value, 'floor');
    expect(geomRgba(pm, floor(pm))).toEqual([1, 1, 1, 1]);
    expect(geomRgba(ant, floor(ant)).map((x) => +x.toFixed(3))).toEqual([0.8, 0.9, 0.8, 1]);
  });

  it('names groups and meshes from the name table, unnamed ones with ""', () => {
    const model = loadModelFromXml(
      mj,
      '<mujoco><worldbody><body name="bödy"><geom size="0.1"/><geom name="g" size="0.1"/></body><body><geom size="0.1"/></body></worldbody></mujoco>',
    );
    const scene = new ModelScene(mj, model);
    try {
      expect(scene.bodies.map((b) => b!.name)).toEqual(['world', 'bödy', '']);
      expect(scene.meshes.map((m) => m.name)).toEqual(['', 'g', '']);
    } finally {
      scene.dispose();
      model.delete();
    }
  });

  it('hides geom groups above the limit', () => {
    const xml = `<mujoco><worldbody><body>
      <geom type="sphere" size="0.1" group="0"/><geom type="sphere" size="0.1" group="2"/>
      <geom type="sphere" size="0.1" group="3"/><geom type="sphere" size="0.1" rgba="1 0 0 0"/>
    </body></worldbody></mujoco>`;
    const model = loadModelFromXml(mj, xml);
    try {
      const byDefault = new ModelScene(mj, model);
      const all = new ModelScene(mj, model, { hideGroupsAbove: 5 });
      const few = new ModelScene(mj, model, { hideGroupsAbove: 0 });
      expect([byDefault.meshes.length, all.meshes.length, few.meshes.length]).toEqual([2, 3, 1]);
      for (const s of [byDefault, all, few]) s.dispose();
    } finally {
      model.delete();
    }
  });

  it('rejects qpos of the wrong length and use after dispose', () => {
    const model = models.get('ant')!;
    const scene = new ModelScene(mj, model);
    expect(() => scene.setQpos(new Float64Array(model.nq - 1))).toThrow(RangeError);
    expect(() => new ModelScene(mj, model, { opacity: 2 })).toThrow(RangeError);
    scene.dispose();
    expect(scene.disposed).toBe(true);
    expect(() => scene.setQpos((model.qpos0 as Float64Array).slice())).toThrow(/disposed/);
  });

  it('frees its geometries and materials exactly once and leaves the scene graph', () => {
    const model = models.get('ant')!;
    const parent = new THREE.Group();
    const scene = new ModelScene(mj, model);
    parent.add(scene.root);
    const counts = new Map<object, number>();
    const watch = (o: THREE.EventDispatcher<{ dispose: object }>) => {
      if (counts.has(o)) return;
      counts.set(o, 0);
      o.addEventListener('dispose', () => counts.set(o, counts.get(o)! + 1));
    };
    for (const mesh of scene.meshes) {
      watch(mesh.geometry);
      watch(mesh.material as THREE.Material);
      const map = (mesh.material as THREE.MeshStandardMaterial).map;
      if (map) watch(map);
    }
    expect(counts.size).toBeGreaterThan(2);
    scene.dispose();
    scene.dispose();
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(parent.children).toHaveLength(0);
  });

  it('draws the floors with their checker textures, repeated as texrepeat says', () => {
    for (const [name, repeat] of [
      ['point_mass', 4],
      ['ant', 40],
    ] as const) {
      const scene = new ModelScene(mj, models.get(name)!);
      const floor = scene.meshes.find((m) => m.name === 'floor')!;
      const map = (floor.material as THREE.MeshStandardMaterial).map as THREE.DataTexture;
      expect(map, name).not.toBeNull();
      expect([map.image.width, map.image.height]).toEqual([256, 256]);
      expect([map.repeat.x, map.repeat.y]).toEqual([repeat, repeat]);
      expect(map.wrapS).toBe(THREE.RepeatWrapping);
      // A checker: both of the builtin's colours (rgb1 0.2 0.25 0.3 → 51, 64, 77; rgb2 brighter).
      const reds = new Set<number>();
      const texels = map.image.data!;
      for (let i = 0; i < texels.length; i += 4) reds.add(texels[i]);
      expect(reds.size).toBe(2);
      expect(Math.min(...reds)).toBe(51);
      // Textures are for the world's floors only: agent geoms stay plain.
      expect(scene.meshes.filter((m) => (m.material as THREE.MeshStandardMaterial).map).length).toBe(1);
      scene.dispose();
    }
  });

  it('does not grow the WASM heap over 200 create/dispose cycles', async () => {
    const model = models.get('ant')!;
    const cycle = () => {
      const scene = new ModelScene(mj, model);
      scene.setQpos(randomQpos(model, 7));
      scene.dispose();
    };
    for (let i = 0; i < 20; i++) cycle();
    const before = await wasmHeapBytes();
    for (let i = 0; i < 200; i++) cycle();
    expect(await wasmHeapBytes()).toBe(before);
  });

  it('keeps the model extent MuJoCo computed', () => {
    const model = models.get('point_mass')!;
    const scene = new ModelScene(mj, model);
    scene.dispose();
    expect(scene.extent.extent).toBeCloseTo(model.stat.extent, 12);
    expect(scene.extent.center.z).toBeCloseTo(0.05, 9);
  });

  it('bounds the moving bodies only', () => {
    const model = models.get('point_mass')!;
    const scene = new ModelScene(mj, model);
    try {
      scene.setQpos([0.3, -0.2]);
      const box = scene.bodyBounds();
      expectClose(box.min.toArray(), [0.25, -0.25, 0], 6);
      expectClose(box.max.toArray(), [0.35, -0.15, 0.1], 6);
    } finally {
      scene.dispose();
    }
  });

  it('bounds the world geoms: the point mass arena (floor and walls)', () => {
    const model = models.get('point_mass')!;
    const scene = new ModelScene(mj, model);
    const bodiesOnly = new ModelScene(mj, model, { includeWorld: false });
    try {
      const box = scene.worldBounds();
      expectClose(box.min.toArray(), [-1.2, -1.2, 0], 6);
      expectClose(box.max.toArray(), [1.2, 1.2, 0.1], 6);
      expect(bodiesOnly.worldBounds().isEmpty()).toBe(true);
    } finally {
      scene.dispose();
      bodiesOnly.dispose();
    }
  });
});
