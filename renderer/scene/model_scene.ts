/**
 * One MuJoCo model as a three.js object tree, posed from qpos by the renderer's own MuJoCo instance
 * (`mj_kinematics` only: no physics runs here).
 *
 * The tree is flat: `root` holds one group per body, each placed at the body's world pose
 * (`xpos`, `xquat`), with the body's geoms inside at their local pose (`geom_pos`, `geom_quat`).
 * World-body geoms (floor, walls) form a static layer that can be left out, so that several agents
 * of one model can stand on one floor.
 *
 * Memory: the MjModel is borrowed (it must outlive the scene); the MjData is owned and deleted once
 * by {@link ModelScene.dispose}, together with the three.js materials and, unless a shared
 * {@link GeometryCache} was passed in, the geometries.
 *
 * Browser-safe: the MuJoCo module is passed in.
 */
import * as THREE from 'three';
import type { MainModule, MjData, MjModel } from '@mujoco/mujoco';
import { GeometryCache, GeomType } from './geometry.ts';

/** Options of a {@link ModelScene}. */
export interface ModelSceneOptions {
  /** Colour of every non-world geom instead of its own (e.g. a skill colour); world geoms keep theirs. */
  colorOverride?: THREE.Color | null;
  /** Geoms of a group above this are hidden. Default 2: groups 3–5 hidden, as in MuJoCo's viewer. */
  hideGroupsAbove?: number;
  /** Multiplies every geom's alpha, in [0, 1]. Default 1. */
  opacity?: number;
  /** Build the world body's geoms (floor, walls, …). Default true. */
  includeWorld?: boolean;
  /**
   * Build the moving bodies. Default true. A world-only scene (false) allocates no MjData: its
   * geoms never move, and {@link ModelScene.setQpos} only checks the length.
   */
  includeBodies?: boolean;
  /** Geometries shared with other scenes of the same model; borrowed, not disposed by the scene. */
  geometries?: GeometryCache;
}

/** Extent of a model as MuJoCo computed it at compile time (`mjModel.stat`). */
export interface ModelExtent {
  /** Centre of the model's bounding region, m (world frame). */
  center: THREE.Vector3;
  /** Characteristic size of the model, m (MuJoCo's `stat.extent`; includes finite floors). */
  extent: number;
}

/** Whether MuJoCo's viewer would draw geom `id`: its group is shown and its alpha is not 0. */
export function isGeomVisible(model: MjModel, id: number, hideGroupsAbove = 2): boolean {
  return (
    (model.geom_group as Int32Array)[id] <= hideGroupsAbove &&
    (model.geom_rgba as Float32Array)[4 * id + 3] > 0
  );
}

/**
 * The colour MuJoCo draws geom `id` in, as sRGB components in [0, 1] plus alpha: the geom's `rgba`,
 * unless the geom has a material and its `rgba` is still MuJoCo's default (0.5, 0.5, 0.5, 1), in
 * which case the material's (this is the rule of MuJoCo's own visualizer).
 */
export function geomRgba(model: MjModel, id: number): [number, number, number, number] {
  const rgba = (model.geom_rgba as Float32Array).slice(4 * id, 4 * id + 4);
  const matId = (model.geom_matid as Int32Array)[id];
  const isDefault = rgba[0] === 0.5 && rgba[1] === 0.5 && rgba[2] === 0.5 && rgba[3] === 1;
  const src =
    matId >= 0 && isDefault ? (model.mat_rgba as Float32Array).slice(4 * matId, 4 * matId + 4) : rgba;
  return [src[0], src[1], src[2], src[3]];
}

/**
 * Name of object `id` from the model's name table ('' when unnamed). Read directly because the
 * bindings' `mj_id2name` turns MuJoCo's NULL (unnamed, or id out of range) into the string "emsc".
 */
function objectName(model: MjModel, nameAdr: Int32Array, id: number): string {
  const names = model.names as Int8Array;
  const start = nameAdr[id];
  let end = start;
  while (end < names.length && names[end] !== 0) end++;
  return new TextDecoder().decode(Uint8Array.from(names.subarray(start, end), (c) => c & 0xff));
}

/** Material look of geom `id`: MuJoCo's shininess/emission of its material, or the defaults. */
function geomFinish(model: MjModel, id: number): { shininess: number; emission: number } {
  const matId = (model.geom_matid as Int32Array)[id];
  if (matId < 0) return { shininess: 0.5, emission: 0 };
  return {
    shininess: (model.mat_shininess as Float32Array)[matId],
    emission: (model.mat_emission as Float32Array)[matId],
  };
}

/** MuJoCo's texture roles per material (mjNTEXROLE) and the index of the colour role (mjTEXROLE_RGB). */
const TEX_ROLES = 10;
const TEX_ROLE_RGB = 1;
/** mjTEXTURE_2D. */
const TEX_TYPE_2D = 0;

/**
 * The 2-D colour texture of plane geom `id`'s material and how often it repeats across the plane
 * (MuJoCo's `texrepeat`), or null. Only planes (floors) are textured here: MuJoCo maps 2-D textures
 * onto other primitives with its own texture coordinates, which three's primitives do not share.
 * `texuniform` cannot be read through the bindings (its bool array has no embind type); it is taken
 * as false, MuJoCo's default: the repeat spans the whole plane.
 */
export function planeTexture(model: MjModel, id: number): { texId: number; repeat: [number, number] } | null {
  if ((model.geom_type as Int32Array)[id] !== GeomType.PLANE) return null;
  const matId = (model.geom_matid as Int32Array)[id];
  if (matId < 0) return null;
  const texId = (model.mat_texid as Int32Array)[matId * TEX_ROLES + TEX_ROLE_RGB];
  if (texId < 0 || (model.tex_type as Int32Array)[texId] !== TEX_TYPE_2D) return null;
  const repeat = (model.mat_texrepeat as Float32Array).slice(2 * matId, 2 * matId + 2);
  return { texId, repeat: [repeat[0], repeat[1]] };
}

/**
 * A three.js texture of MuJoCo texture `texId` (its `tex_data` bytes, 1, 3 or 4 channels, expanded
 * to RGBA), repeating, sRGB, mip-mapped.
 */
function textureOf(model: MjModel, texId: number): THREE.DataTexture {
  const width = (model.tex_width as Int32Array)[texId];
  const height = (model.tex_height as Int32Array)[texId];
  const channels = (model.tex_nchannel as Int32Array)[texId];
  const src = (model.tex_data as Uint8Array).subarray(
    (model.tex_adr as Int32Array)[texId],
    (model.tex_adr as Int32Array)[texId] + width * height * channels,
  );
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const at = i * channels;
    rgba[4 * i] = src[at];
    rgba[4 * i + 1] = src[at + (channels >= 3 ? 1 : 0)];
    rgba[4 * i + 2] = src[at + (channels >= 3 ? 2 : 0)];
    rgba[4 * i + 3] = channels === 4 ? src[at + 3] : 255;
  }
  const texture = new THREE.DataTexture(rgba, width, height, THREE.RGBAFormat);
  texture.colorSpace = THREE.SRGBColorSpace;
  texture.wrapS = texture.wrapT = THREE.RepeatWrapping;
  texture.magFilter = THREE.LinearFilter;
  texture.minFilter = THREE.LinearMipmapLinearFilter;
  texture.generateMipmaps = true;
  texture.anisotropy = 4;
  texture.needsUpdate = true;
  return texture;
}

/**
 * A model's geoms as three.js meshes, one group per body, posed by {@link setQpos}.
 *
 * `bodies[b]` is the group of body `b` (index 0: the world layer), null for a body that was not
 * built (world with `includeWorld: false`, moving bodies with `includeBodies: false`). Each group's
 * `userData` holds `{ bodyId, name }`, each mesh's `{ geomId, bodyId, name }`.
 */
export class ModelScene {
  /** Parent of every body group; add this to a three.js scene. */
  readonly root = new THREE.Group();
  /** Body groups by body id; null where not built. */
  readonly bodies: ReadonlyArray<THREE.Group | null>;
  /** Every mesh built, in geom order. */
  readonly meshes: readonly THREE.Mesh[];
  /** Number of generalized coordinates {@link setQpos} expects. */
  readonly nq: number;
  /** MuJoCo's compile-time extent of the model (copied; valid after dispose). */
  readonly extent: ModelExtent;

  private readonly mj: MainModule;
  private readonly model: MjModel;
  private data: MjData | null;
  private readonly geometries: GeometryCache;
  private readonly ownsGeometries: boolean;
  private readonly materials = new Map<string, THREE.MeshStandardMaterial>();
  /** Floor textures by texture id and repeat. */
  private readonly textures = new Map<string, THREE.DataTexture>();
  private readonly includeBodies: boolean;
  private _disposed = false;

  /**
   * Builds the meshes and poses them at the model's reference configuration `qpos0`.
   * @param mujoco the MuJoCo module the model was compiled with.
   * @param model borrowed: it must stay alive until {@link dispose}.
   * @throws RangeError for an opacity outside [0, 1]; Error when MjData cannot be allocated.
   */
  constructor(mujoco: MainModule, model: MjModel, options: ModelSceneOptions = {}) {
    const opacity = options.opacity ?? 1;
    if (!(opacity >= 0 && opacity <= 1)) throw new RangeError(`opacity must be in [0, 1], got ${opacity}`);
    const hideGroupsAbove = options.hideGroupsAbove ?? 2;
    const includeWorld = options.includeWorld ?? true;
    this.includeBodies = options.includeBodies ?? true;
    this.mj = mujoco;
    this.model = model;
    this.nq = model.nq;
    this.ownsGeometries = !options.geometries;
    this.geometries = options.geometries ?? new GeometryCache(model);

    const stat = model.stat; // a reference into the model: read, never delete
    const center = stat.center as Float64Array;
    this.extent = { center: new THREE.Vector3(center[0], center[1], center[2]), extent: stat.extent };

    this.data = null;
    try {
      if (this.includeBodies) this.data = new mujoco.MjData(model);
      const bodies: Array<THREE.Group | null> = [];
      for (let b = 0; b < model.nbody; b++) {
        const built = b === 0 ? includeWorld : this.includeBodies;
        if (!built) {
          bodies.push(null);
          continue;
        }
        const group = new THREE.Group();
        group.name = objectName(model, model.name_bodyadr as Int32Array, b);
        group.userData = { bodyId: b, name: group.name };
        this.root.add(group);
        bodies.push(group);
      }
      this.bodies = bodies;

      const meshes: THREE.Mesh[] = [];
      const bodyOf = model.geom_bodyid as Int32Array;
      for (let g = 0; g < model.ngeom; g++) {
        const body = bodies[bodyOf[g]];
        if (!body || !isGeomVisible(model, g, hideGroupsAbove)) continue;
        const name = objectName(model, model.name_geomadr as Int32Array, g);
        const geometry = this.geometries.get(g, name);
        if (!geometry) continue;
        const isWorld = bodyOf[g] === 0;
        const color = !isWorld && options.colorOverride ? options.colorOverride : null;
        const mesh = new THREE.Mesh(geometry, this.material(g, color, opacity));
        const pos = (model.geom_pos as Float64Array).slice(3 * g, 3 * g + 3);
        const quat = (model.geom_quat as Float64Array).slice(4 * g, 4 * g + 4);
        mesh.position.set(pos[0], pos[1], pos[2]);
        mesh.quaternion.set(quat[1], quat[2], quat[3], quat[0]);
        const type = (model.geom_type as Int32Array)[g];
        // A plane shadowing itself only produces acne.
        mesh.castShadow = type !== GeomType.PLANE;
        mesh.receiveShadow = true;
        mesh.name = name;
        mesh.userData = { geomId: g, bodyId: bodyOf[g], name };
        body.add(mesh);
        meshes.push(mesh);
      }
      this.meshes = meshes;
      if (this.includeBodies) this.setQpos((model.qpos0 as Float64Array).slice());
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** Whether {@link dispose} has run. */
  get disposed(): boolean {
    return this._disposed;
  }

  /**
   * Poses every body from generalized coordinates: writes `qpos` into the scene's MjData, runs
   * `mj_kinematics` and copies each body's world position (m) and orientation (MuJoCo's w,x,y,z →
   * three's x,y,z,w) onto its group. Free-joint quaternions need not be normalized.
   * @param qpos length `nq` (m and rad, in the model's qpos layout).
   * @throws RangeError on a length other than `nq`; Error after {@link dispose}.
   */
  setQpos(qpos: ArrayLike<number>): void {
    if (this._disposed) throw new Error('ModelScene was disposed');
    if (qpos.length !== this.nq)
      throw new RangeError(`qpos has length ${qpos.length}, the model expects nq = ${this.nq}`);
    const data = this.data;
    if (!data) return;
    (data.qpos as Float64Array).set(qpos);
    this.mj.mj_kinematics(this.model, data);
    // Views read after the call: an allocation anywhere may have grown the heap and detached older ones.
    const xpos = data.xpos as Float64Array;
    const xquat = data.xquat as Float64Array;
    for (let b = 1; b < this.bodies.length; b++) {
      const group = this.bodies[b];
      if (!group) continue;
      group.position.set(xpos[3 * b], xpos[3 * b + 1], xpos[3 * b + 2]);
      group.quaternion.set(xquat[4 * b + 1], xquat[4 * b + 2], xquat[4 * b + 3], xquat[4 * b]);
    }
  }

  /**
   * Axis-aligned bounds (m, world frame) of the moving bodies' meshes at their current pose,
   * offsets of `root` and its parents included. Empty when no body is built.
   */
  bodyBounds(target = new THREE.Box3()): THREE.Box3 {
    target.makeEmpty();
    this.root.updateWorldMatrix(true, true);
    for (let b = 1; b < this.bodies.length; b++) {
      const group = this.bodies[b];
      if (group) target.expandByObject(group);
    }
    return target;
  }

  /**
   * Axis-aligned bounds (m, world frame) of the world body's drawn geoms (floor, walls), offsets of
   * `root` and its parents included. Empty when the world layer was not built.
   */
  worldBounds(target = new THREE.Box3()): THREE.Box3 {
    target.makeEmpty();
    const world = this.bodies[0];
    if (!world) return target;
    this.root.updateWorldMatrix(true, true);
    return target.expandByObject(world);
  }

  /**
   * Frees the MjData, the materials and the owned geometries, each exactly once, and detaches
   * `root` from its parent. Idempotent; the borrowed model is left alone.
   */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this.root.removeFromParent();
    this.root.clear();
    if (this.data) {
      this.data.delete();
      this.data = null;
    }
    for (const material of this.materials.values()) material.dispose();
    this.materials.clear();
    for (const texture of this.textures.values()) texture.dispose();
    this.textures.clear();
    if (this.ownsGeometries) this.geometries.dispose();
  }

  /** A material per distinct look, shared by the geoms that have it. */
  private material(
    geomId: number,
    override: THREE.Color | null,
    opacity: number,
  ): THREE.MeshStandardMaterial {
    const [r, g, b, a] = geomRgba(this.model, geomId);
    const { shininess, emission } = geomFinish(this.model, geomId);
    const color = override ? override.clone() : new THREE.Color().setRGB(r, g, b, THREE.SRGBColorSpace); // MuJoCo's rgba are display colours
    const alpha = a * opacity;
    // Agents drawn in a skill's colour stay plain; the world's floors show their checker.
    const tex = override ? null : planeTexture(this.model, geomId);
    const key = `${color.getHexString()}|${alpha}|${shininess}|${emission}|${tex ? `${tex.texId}x${tex.repeat}` : ''}`;
    let material = this.materials.get(key);
    if (!material) {
      let map: THREE.DataTexture | null = null;
      if (tex) {
        const texKey = `${tex.texId}x${tex.repeat}`;
        map = this.textures.get(texKey) ?? null;
        if (!map) {
          map = textureOf(this.model, tex.texId);
          map.repeat.set(tex.repeat[0], tex.repeat[1]);
          this.textures.set(texKey, map);
        }
      }
      material = new THREE.MeshStandardMaterial({
        color,
        map,
        emissive: color.clone().multiplyScalar(emission),
        roughness: THREE.MathUtils.clamp(1 - shininess, 0.05, 1),
        metalness: 0,
        transparent: alpha < 1,
        opacity: alpha,
        // Translucent agents overlap; writing depth would hide the ones behind.
        depthWrite: alpha >= 1,
      });
      this.materials.set(key, material);
    }
    return material;
  }
}
