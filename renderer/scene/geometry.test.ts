import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as THREE from 'three';
import { loadMujoco, type Mujoco, type MjModel } from '../../main/engine/sim/mujoco.ts';
import { buildGeomGeometry, GeometryCache, GeomType, INFINITE_PLANE_HALF_SIZE } from './geometry.ts';
import { loadModelFromXml } from './load_model.ts';
import { ModelScene } from './model_scene.ts';

let mj: Mujoco;
const models: MjModel[] = [];

beforeAll(async () => {
  mj = await loadMujoco();
});

afterAll(() => {
  for (const m of models) m.delete();
});

function compile(xml: string, assets?: Record<string, Uint8Array>): MjModel {
  const model = loadModelFromXml(mj, xml, { label: '<test>', assets });
  models.push(model);
  return model;
}

function geomId(model: MjModel, name: string): number {
  const id = mj.mj_name2id(model, mj.mjtObj.mjOBJ_GEOM.value, name);
  if (id < 0) throw new Error(`no geom ${name}`);
  return id;
}

function bounds(geometry: THREE.BufferGeometry): { min: number[]; max: number[] } {
  geometry.computeBoundingBox();
  const box = geometry.boundingBox!;
  return { min: box.min.toArray(), max: box.max.toArray() };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], digits);
}

function expectBounds(geometry: THREE.BufferGeometry, min: number[], max: number[]): void {
  const b = bounds(geometry);
  for (let i = 0; i < 3; i++) {
    expect(b.min[i]).toBeCloseTo(min[i], 6);
    expect(b.max[i]).toBeCloseTo(max[i], 6);
  }
}

const PRIMITIVES = `<mujoco>
  <worldbody>
    <geom name="plane" type="plane" size="3 2 0.1"/>
    <geom name="infinite" type="plane" size="0 0 1"/>
    <body>
      <geom name="sphere" type="sphere" size="0.3"/>
      <geom name="capsule" type="capsule" size="0.1 0.4"/>
      <geom name="ellipsoid" type="ellipsoid" size="0.1 0.2 0.3"/>
      <geom name="cylinder" type="cylinder" size="0.15 0.25"/>
      <geom name="box" type="box" size="0.1 0.2 0.3"/>
    </body>
  </worldbody>
</mujoco>`;

describe('primitive geometries', () => {
  it('use the enum values of the bindings', () => {
    expect(GeomType.PLANE).toBe(mj.mjtGeom.mjGEOM_PLANE.value);
    expect(GeomType.HFIELD).toBe(mj.mjtGeom.mjGEOM_HFIELD.value);
    expect(GeomType.SPHERE).toBe(mj.mjtGeom.mjGEOM_SPHERE.value);
    expect(GeomType.CAPSULE).toBe(mj.mjtGeom.mjGEOM_CAPSULE.value);
    expect(GeomType.ELLIPSOID).toBe(mj.mjtGeom.mjGEOM_ELLIPSOID.value);
    expect(GeomType.CYLINDER).toBe(mj.mjtGeom.mjGEOM_CYLINDER.value);
    expect(GeomType.BOX).toBe(mj.mjtGeom.mjGEOM_BOX.value);
    expect(GeomType.MESH).toBe(mj.mjtGeom.mjGEOM_MESH.value);
    expect(GeomType.SDF).toBe(mj.mjtGeom.mjGEOM_SDF.value);
  });

  it('match MuJoCo sizes in the geom frame (round axes along local z)', () => {
    const m = compile(PRIMITIVES);
    const build = (name: string) => buildGeomGeometry(m, geomId(m, name), name)!;
    expectBounds(build('plane'), [-3, -2, 0], [3, 2, 0]);
    const inf = INFINITE_PLANE_HALF_SIZE;
    expectBounds(build('infinite'), [-inf, -inf, 0], [inf, inf, 0]);
    expectBounds(build('sphere'), [-0.3, -0.3, -0.3], [0.3, 0.3, 0.3]);
    expectBounds(build('capsule'), [-0.1, -0.1, -0.5], [0.1, 0.1, 0.5]);
    expectBounds(build('ellipsoid'), [-0.1, -0.2, -0.3], [0.1, 0.2, 0.3]);
    expectBounds(build('cylinder'), [-0.15, -0.15, -0.25], [0.15, 0.15, 0.25]);
    expectBounds(build('box'), [-0.1, -0.2, -0.3], [0.1, 0.2, 0.3]);
  });

  it('put the plane normal on +z', () => {
    const m = compile(PRIMITIVES);
    const normal = buildGeomGeometry(m, geomId(m, 'plane'))!.getAttribute('normal');
    expect([normal.getX(0), normal.getY(0), normal.getZ(0)]).toEqual([0, 0, 1]);
  });

  it('throws on a geom id outside the model', () => {
    const m = compile(PRIMITIVES);
    expect(() => buildGeomGeometry(m, m.ngeom)).toThrow(RangeError);
  });
});

describe('GeometryCache', () => {
  it('shares geometries of equal type and size, and disposes each once', () => {
    const m = compile(`<mujoco><worldbody><body>
      <geom name="a" type="capsule" size="0.1 0.4"/>
      <geom name="b" type="capsule" size="0.1 0.4" pos="1 0 0"/>
      <geom name="c" type="capsule" size="0.1 0.5"/>
    </body></worldbody></mujoco>`);
    const cache = new GeometryCache(m);
    const a = cache.get(geomId(m, 'a'));
    const b = cache.get(geomId(m, 'b'));
    const c = cache.get(geomId(m, 'c'));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(cache.size).toBe(2);
    let disposals = 0;
    for (const g of [a!, c!]) g.addEventListener('dispose', () => disposals++);
    cache.dispose();
    cache.dispose();
    expect(disposals).toBe(2);
    expect(() => cache.get(0)).toThrow(/disposed/);
  });
});

// A tetrahedron with one corner at the origin and unit legs along x, y and z.
const TETRA_VERTS = [
  [0, 0, 0],
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];
const TETRA_FACES = [
  [0, 2, 1],
  [0, 1, 3],
  [0, 3, 2],
  [1, 2, 3],
];

/** The tetrahedron as a binary STL file. */
function tetraStl(): Uint8Array {
  const bytes = new Uint8Array(84 + 50 * TETRA_FACES.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(80, TETRA_FACES.length, true);
  TETRA_FACES.forEach((face, i) => {
    let offset = 84 + 50 * i + 12; // after the facet normal, which readers recompute
    for (const v of face)
      for (const c of TETRA_VERTS[v]) {
        view.setFloat32(offset, c, true);
        offset += 4;
      }
  });
  return bytes;
}

/** World-frame bounds of the mesh geometry placed at the mesh's local pose inside its body group. */
function placedBounds(mesh: THREE.Mesh): THREE.Box3 {
  mesh.updateWorldMatrix(true, false);
  return new THREE.Box3().setFromObject(mesh, true);
}

describe('mesh geoms', () => {
  const xml = (asset: string) => `<mujoco>
    <asset>${asset}</asset>
    <worldbody><body name="b"><freejoint/><geom name="tet" type="mesh" mesh="tet" pos="0.5 0 0"/></body></worldbody>
  </mujoco>`;

  for (const [label, asset, assets] of [
    ['inline vertices', `<mesh name="tet" vertex="${TETRA_VERTS.flat().join(' ')}"/>`, undefined],
    ['an STL asset', `<mesh name="tet" file="tet.stl"/>`, { 'tet.stl': tetraStl() }],
  ] as const) {
    it(`come from mesh_vert/mesh_face (${label})`, () => {
      const m = compile(xml(asset), assets);
      const geometry = buildGeomGeometry(m, geomId(m, 'tet'))!;
      expect(geometry.userData.meshVertexCount).toBe(4);
      const pos = geometry.getAttribute('position');
      expect(pos.count).toBe(3 * 4); // 4 faces with their own corners
      const unique = new Set<string>();
      for (let i = 0; i < pos.count; i++)
        unique.add([pos.getX(i), pos.getY(i), pos.getZ(i)].map((x) => x.toFixed(5)).join(','));
      expect(unique.size).toBe(4);
      expect(geometry.getAttribute('normal').count).toBe(pos.count);

      // Placed by geom_pos/geom_quat, the mesh is where the MJCF put it, whatever frame MuJoCo
      // moved its vertices to.
      const scene = new ModelScene(mj, m);
      try {
        const box = placedBounds(scene.meshes[0]);
        expectClose(box.min.toArray(), [0.5, 0, 0], 5);
        expectClose(box.max.toArray(), [1.5, 1, 1], 5);
        scene.setQpos([1, 2, 3, 1, 0, 0, 0]);
        expectClose(placedBounds(scene.meshes[0]).min.toArray(), [1.5, 2, 3], 5);
      } finally {
        scene.dispose();
      }
      geometry.dispose();
    });
  }

  it('have outward faceted normals', () => {
    const m = compile(xml(`<mesh name="tet" vertex="${TETRA_VERTS.flat().join(' ')}"/>`));
    const geometry = buildGeomGeometry(m, geomId(m, 'tet'))!;
    geometry.computeBoundingBox();
    const centroid = geometry.boundingBox!.getCenter(new THREE.Vector3());
    const pos = geometry.getAttribute('position');
    const nrm = geometry.getAttribute('normal');
    for (let f = 0; f < pos.count / 3; f++) {
      const faceCenter = new THREE.Vector3();
      for (let j = 0; j < 3; j++) faceCenter.add(new THREE.Vector3().fromBufferAttribute(pos, 3 * f + j));
      faceCenter.divideScalar(3);
      const n = new THREE.Vector3().fromBufferAttribute(nrm, 3 * f);
      for (let j = 1; j < 3; j++)
        expect(new THREE.Vector3().fromBufferAttribute(nrm, 3 * f + j).equals(n)).toBe(true);
      expect(n.dot(faceCenter.sub(centroid))).toBeGreaterThan(0);
    }
    geometry.dispose();
  });
});

describe('height fields', () => {
  it('span the field with elevations scaled by size[2] over a base at -size[3]', () => {
    const m = compile(`<mujoco>
      <asset><hfield name="hf" nrow="3" ncol="4" size="1 2 0.5 0.1" elevation="0 1 2 3 4 5 6 7 8 9 10 11"/></asset>
      <worldbody><geom name="ground" type="hfield" hfield="hf"/></worldbody>
    </mujoco>`);
    const geometry = buildGeomGeometry(m, geomId(m, 'ground'))!;
    expectBounds(geometry, [-1, -2, -0.1], [1, 2, 0.5]);
    // The surface agrees with MuJoCo's own ray cast on the field (just inside each grid point, so
    // the ray cannot slip past the edge).
    const data = new mj.MjData(m);
    try {
      mj.mj_forward(m, data);
      const pos = geometry.getAttribute('position');
      for (let i = 0; i < 3 * 4; i++) {
        const [x, y, z] = [pos.getX(i), pos.getY(i), pos.getZ(i)];
        const distance = mj.mj_rayHfield(
          m,
          data,
          geomId(m, 'ground'),
          [0.999 * x, 0.999 * y, 2],
          [0, 0, -1],
          null,
        );
        expect(2 - distance).toBeCloseTo(z, 2);
      }
    } finally {
      data.delete();
    }
    geometry.dispose();
  });
});

describe('geoms that cannot be drawn', () => {
  it('are left out with a warning that names them', () => {
    const m = compile(
      `<mujoco><worldbody><body><geom name="odd" type="box" size="1 1 1"/></body></worldbody></mujoco>`,
    );
    const id = geomId(m, 'odd');
    (m.geom_type as Int32Array)[id] = GeomType.SDF; // a model of our own: no SDF plugin is needed
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(buildGeomGeometry(m, id, 'odd')).toBeNull();
      expect(warn).toHaveBeenCalledWith(expect.stringContaining("'odd'"));
      const scene = new ModelScene(mj, m);
      expect(scene.meshes).toHaveLength(0);
      scene.dispose();
    } finally {
      warn.mockRestore();
    }
  });
});

describe('loadModelFromXml', () => {
  it('names the source in errors', () => {
    expect(() =>
      loadModelFromXml(mj, '<mujoco><worldbody><geom type="nope"/></worldbody></mujoco>', 'x.xml'),
    ).toThrow(/^Cannot load MJCF x\.xml: .*nope/);
    expect(() => loadModelFromXml(mj, '<mujoco><asset><mesh file="missing.stl"/></asset></mujoco>')).toThrow(
      /^Cannot load MJCF <inline>: .*missing\.stl/,
    );
  });
});
