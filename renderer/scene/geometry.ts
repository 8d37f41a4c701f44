/**
 * three.js geometry for MuJoCo geoms, built from model-level sizes (`geom_size`, meshes, height
 * fields) in the geom's own frame.
 *
 * The scene stays in MuJoCo's z-up frame (the viewer sets `camera.up = (0,0,1)`), so vertices are
 * never swizzled. three's capsule and cylinder primitives run along +y while MuJoCo's run along the
 * geom's local +z; those two are rotated by +π/2 about x once, at build time.
 *
 * Browser-safe: imports only `three` and MuJoCo types.
 */
import * as THREE from 'three';
import type { MjModel } from '@mujoco/mujoco';

/** MuJoCo's `mjtGeom` values for the types a model can hold (stable across MuJoCo 2.x–3.x). */
export const GeomType = {
  PLANE: 0,
  HFIELD: 1,
  SPHERE: 2,
  CAPSULE: 3,
  ELLIPSOID: 4,
  CYLINDER: 5,
  BOX: 6,
  MESH: 7,
  SDF: 8,
} as const;

/**
 * Half-size (m) drawn for a plane dimension MuJoCo calls infinite (`size` 0). Large enough to
 * reach past any episode of the shipped robots, small enough to keep depth precision near the agent.
 */
export const INFINITE_PLANE_HALF_SIZE = 50;

/** Segments of round primitives: smooth at the robots' scale (radii of a few cm to dm). */
const ROUND_SEGMENTS = 32;
const CAP_SEGMENTS = 8;

/** The model arrays this file reads, typed (the bindings type them `any`). */
function arrays(model: MjModel) {
  return {
    type: model.geom_type as Int32Array,
    size: model.geom_size as Float64Array,
    dataid: model.geom_dataid as Int32Array,
  };
}

/** `name` of geom `id` for messages, or `#id` when the geom is unnamed. */
function geomLabel(model: MjModel, id: number, name?: string): string {
  return name ? `'${name}' (#${id})` : `#${id}`;
}

/**
 * Builds a new geometry for geom `id` of `model`, in the geom's frame (apply `geom_pos`/`geom_quat`
 * to place it in its body's frame). Sizes are MuJoCo's: half-lengths and radii, in m.
 * - plane: `size[0..1]` half-extents in x, y (0 means infinite: {@link INFINITE_PLANE_HALF_SIZE}), normal +z
 * - sphere: radius `size[0]`; ellipsoid: semi-axes `size[0..2]`
 * - capsule, cylinder: radius `size[0]`, half-length `size[1]` along local z
 * - box: half-sizes `size[0..2]`
 * - mesh: the model's vertices and faces (copied; faceted normals computed here)
 * - hfield: the elevation grid as a closed solid down to the field's base
 * @param name the geom's name, only for the warning.
 * @returns the geometry (the caller owns it), or null for a type this renderer cannot draw (SDF,
 *   or a geom referencing no mesh/hfield); a `console.warn` then names the geom.
 * @throws RangeError when `id` is not a geom of the model.
 */
export function buildGeomGeometry(model: MjModel, id: number, name?: string): THREE.BufferGeometry | null {
  if (!Number.isInteger(id) || id < 0 || id >= model.ngeom)
    throw new RangeError(`geom id ${id} out of range [0, ${model.ngeom})`);
  const { type, size, dataid } = arrays(model);
  const t = type[id];
  const s0 = size[3 * id];
  const s1 = size[3 * id + 1];
  const s2 = size[3 * id + 2];
  switch (t) {
    case GeomType.PLANE: {
      const hx = s0 > 0 ? s0 : INFINITE_PLANE_HALF_SIZE;
      const hy = s1 > 0 ? s1 : INFINITE_PLANE_HALF_SIZE;
      return new THREE.PlaneGeometry(2 * hx, 2 * hy);
    }
    case GeomType.SPHERE:
      return new THREE.SphereGeometry(s0, ROUND_SEGMENTS, ROUND_SEGMENTS / 2);
    case GeomType.ELLIPSOID:
      return new THREE.SphereGeometry(1, ROUND_SEGMENTS, ROUND_SEGMENTS / 2).scale(s0, s1, s2);
    case GeomType.CAPSULE:
      return new THREE.CapsuleGeometry(s0, 2 * s1, CAP_SEGMENTS, ROUND_SEGMENTS).rotateX(Math.PI / 2);
    case GeomType.CYLINDER:
      return new THREE.CylinderGeometry(s0, s0, 2 * s1, ROUND_SEGMENTS).rotateX(Math.PI / 2);
    case GeomType.BOX:
      return new THREE.BoxGeometry(2 * s0, 2 * s1, 2 * s2);
    case GeomType.MESH: {
      const meshId = dataid[id];
      if (meshId < 0 || meshId >= model.nmesh) break;
      return buildMeshGeometry(model, meshId);
    }
    case GeomType.HFIELD: {
      const hfieldId = dataid[id];
      if (hfieldId < 0 || hfieldId >= model.nhfield) break;
      return buildHfieldGeometry(model, hfieldId);
    }
  }
  console.warn(
    `skill-lab scene: geom ${geomLabel(model, id, name)} of type ${t} cannot be drawn; it is left out`,
  );
  return null;
}

/**
 * Geometry of mesh `meshId` in the mesh's frame (MuJoCo has already moved the vertices to it; the
 * geom's pos/quat place it in the body). Faces are split into separate vertices so that normals
 * are per face: MuJoCo's `mesh_normal` came back unusable through the WASM bindings (one normal
 * repeated for every vertex), and shared-vertex smoothing turns low-poly parts into blobs.
 * `userData.meshVertexCount` keeps the mesh's own vertex count.
 * @throws RangeError when `meshId` is not a mesh of the model.
 */
export function buildMeshGeometry(model: MjModel, meshId: number): THREE.BufferGeometry {
  if (!Number.isInteger(meshId) || meshId < 0 || meshId >= model.nmesh)
    throw new RangeError(`mesh id ${meshId} out of range [0, ${model.nmesh})`);
  const vertAdr = (model.mesh_vertadr as Int32Array)[meshId];
  const vertNum = (model.mesh_vertnum as Int32Array)[meshId];
  const faceAdr = (model.mesh_faceadr as Int32Array)[meshId];
  const faceNum = (model.mesh_facenum as Int32Array)[meshId];
  // Copies: the views live in the WASM heap and die with the model or the next heap growth.
  const verts = (model.mesh_vert as Float32Array).slice(3 * vertAdr, 3 * (vertAdr + vertNum));
  const faces = (model.mesh_face as Int32Array).slice(3 * faceAdr, 3 * (faceAdr + faceNum));
  const positions = new Float32Array(9 * faceNum);
  for (let c = 0; c < 3 * faceNum; c++) {
    const v = faces[c];
    positions[3 * c] = verts[3 * v];
    positions[3 * c + 1] = verts[3 * v + 1];
    positions[3 * c + 2] = verts[3 * v + 2];
  }
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute('position', new THREE.BufferAttribute(positions, 3));
  geometry.computeVertexNormals();
  geometry.userData.meshVertexCount = vertNum;
  return geometry;
}

/**
 * Geometry of height field `hfieldId` in the geom's frame: the elevation surface over
 * x ∈ [-size[0], size[0]], y ∈ [-size[1], size[1]] (data row 0 at y = -size[1], column 0 at
 * x = -size[0]), z = elevation · size[2] with elevations in [0, 1], closed by side walls and a
 * bottom face at z = -size[3], as MuJoCo draws it.
 * @throws RangeError when `hfieldId` is not a height field of the model.
 */
export function buildHfieldGeometry(model: MjModel, hfieldId: number): THREE.BufferGeometry {
  if (!Number.isInteger(hfieldId) || hfieldId < 0 || hfieldId >= model.nhfield)
    throw new RangeError(`hfield id ${hfieldId} out of range [0, ${model.nhfield})`);
  const [sx, sy, sz, base] = (model.hfield_size as Float64Array).slice(4 * hfieldId, 4 * hfieldId + 4);
  const nrow = (model.hfield_nrow as Int32Array)[hfieldId];
  const ncol = (model.hfield_ncol as Int32Array)[hfieldId];
  const adr = (model.hfield_adr as Int32Array)[hfieldId];
  const elev = (model.hfield_data as Float32Array).slice(adr, adr + nrow * ncol);
  const xAt = (c: number): number => (ncol > 1 ? -sx + (2 * sx * c) / (ncol - 1) : 0);
  const yAt = (r: number): number => (nrow > 1 ? -sy + (2 * sy * r) / (nrow - 1) : 0);

  const positions: number[] = [];
  const indices: number[] = [];
  const vertex = (x: number, y: number, z: number): number => {
    positions.push(x, y, z);
    return positions.length / 3 - 1;
  };
  const quad = (a: number, b: number, c: number, d: number): void => {
    // a-b-c-d counter-clockwise seen from outside.
    indices.push(a, b, c, a, c, d);
  };

  for (let r = 0; r < nrow; r++)
    for (let c = 0; c < ncol; c++) vertex(xAt(c), yAt(r), elev[r * ncol + c] * sz);
  for (let r = 0; r + 1 < nrow; r++)
    for (let c = 0; c + 1 < ncol; c++) {
      const i = r * ncol + c;
      quad(i, i + 1, i + 1 + ncol, i + ncol);
    }

  // Walls get their own vertices so that their normals stay horizontal.
  const wall = (points: Array<[number, number, number]>): void => {
    for (let k = 0; k + 1 < points.length; k++) {
      const [x0, y0, z0] = points[k];
      const [x1, y1, z1] = points[k + 1];
      quad(vertex(x0, y0, -base), vertex(x1, y1, -base), vertex(x1, y1, z1), vertex(x0, y0, z0));
    }
  };
  const at = (r: number, c: number): [number, number, number] => [xAt(c), yAt(r), elev[r * ncol + c] * sz];
  const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
  wall(range(ncol).map((c) => at(0, c))); // y = -sy, walking +x
  wall(range(nrow).map((r) => at(r, ncol - 1))); // x = +sx, walking +y
  wall(range(ncol).map((c) => at(nrow - 1, ncol - 1 - c))); // y = +sy, walking -x
  wall(range(nrow).map((r) => at(nrow - 1 - r, 0))); // x = -sx, walking -y
  quad(vertex(-sx, -sy, -base), vertex(-sx, sy, -base), vertex(sx, sy, -base), vertex(sx, -sy, -base));

  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute('position', new THREE.Float32BufferAttribute(positions, 3));
  geometry.setIndex(indices);
  geometry.computeVertexNormals();
  return geometry;
}

/**
 * Geometries of one model's geoms, shared between geoms (and between several {@link ModelScene}s
 * of the same model) that have the same type, size and mesh/hfield id. Owns every geometry it
 * hands out: {@link dispose} frees each exactly once.
 *
 * One cache per model: `dataid` keys are only meaningful within the model they came from.
 */
export class GeometryCache {
  private readonly entries = new Map<string, THREE.BufferGeometry | null>();
  private disposed = false;

  /** @param model the model geoms are looked up in; it must stay alive while {@link get} is used. */
  constructor(private readonly model: MjModel) {}

  /**
   * The geometry for geom `id` (see {@link buildGeomGeometry}), built on first request.
   * @returns null for a geom that cannot be drawn (warned about once per distinct geometry).
   * @throws Error after {@link dispose}; RangeError for an id outside the model.
   */
  get(id: number, name?: string): THREE.BufferGeometry | null {
    if (this.disposed) throw new Error('GeometryCache was disposed');
    if (!Number.isInteger(id) || id < 0 || id >= this.model.ngeom)
      throw new RangeError(`geom id ${id} out of range [0, ${this.model.ngeom})`);
    const { type, size, dataid } = arrays(this.model);
    const key = `${type[id]}|${size[3 * id]}|${size[3 * id + 1]}|${size[3 * id + 2]}|${dataid[id]}`;
    if (this.entries.has(key)) return this.entries.get(key) ?? null;
    const geometry = buildGeomGeometry(this.model, id, name);
    this.entries.set(key, geometry);
    return geometry;
  }

  /** Number of distinct geometries built so far (null entries included). */
  get size(): number {
    return this.entries.size;
  }

  /** Disposes every geometry once. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const geometry of this.entries.values()) geometry?.dispose();
    this.entries.clear();
  }
}
