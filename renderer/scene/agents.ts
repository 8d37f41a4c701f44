/**
 * Several agents of one model in one scene, one per skill, each in its skill's colour, standing on
 * one shared floor.
 *
 * Browser-safe: the MuJoCo module is passed in.
 */
import { SKILL_PALETTE } from '../../main/api/contract/presentation.ts';
import * as THREE from 'three';
import type { MainModule, MjModel } from '@mujoco/mujoco';
import { GeometryCache } from './geometry.ts';
import { ModelScene, type ModelExtent } from './model_scene.ts';

export { SKILL_PALETTE };

/**
 * Colour of skill `k` (0-based): {@link SKILL_PALETTE}[k mod 10], as a new three.js colour.
 * @throws RangeError when k is not a non-negative integer.
 */
export function skillColor(k: number): THREE.Color {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`skill index must be an integer ≥ 0, got ${k}`);
  return new THREE.Color(SKILL_PALETTE[k % SKILL_PALETTE.length]);
}

/** Options of an {@link AgentGroup}. */
export interface AgentGroupOptions {
  /** Geoms of a group above this are hidden (default 2, as in MuJoCo's viewer). */
  hideGroupsAbove?: number;
  /** Alpha multiplier of the agents, in [0, 1] (default 1); translucency helps when agents overlap. */
  opacity?: number;
  /** Draw the model's world geoms (floor, walls) once under the agents. Default true. */
  includeWorld?: boolean;
  /** Tint agent k with {@link skillColor}(k). Default true; false keeps the model's colours. */
  tint?: boolean;
  /**
   * Distance (m) between neighbouring agents along y; the row is centred on the origin. Default 0:
   * every agent starts where the model puts it, so their paths compare directly with each other
   * and with x-y plots of the skills.
   */
  spacing?: number;
}

/**
 * K agents of one model (one {@link ModelScene} each, sharing geometries), plus the model's world
 * geoms once. The model is borrowed and must outlive the group.
 */
export class AgentGroup {
  /** Parent of everything; add this to a three.js scene. */
  readonly root = new THREE.Group();
  /** Agent k's scene (its `root` is offset by the spacing). */
  readonly agents: readonly ModelScene[];
  /** The shared world layer, or null with `includeWorld: false`. */
  readonly world: ModelScene | null;
  /** MuJoCo's compile-time extent of the model. */
  readonly extent: ModelExtent;

  private readonly geometries: GeometryCache;
  private _disposed = false;

  /**
   * @param mujoco the MuJoCo module the model was compiled with.
   * @param model borrowed: it must stay alive until {@link dispose}.
   * @param count number of agents K ≥ 0.
   * @throws RangeError for a count that is not a non-negative integer or a bad option value; Error
   *   when an MjData cannot be allocated (whatever was built is freed first).
   */
  constructor(mujoco: MainModule, model: MjModel, count: number, options: AgentGroupOptions = {}) {
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`agent count must be an integer ≥ 0, got ${count}`);
    const spacing = options.spacing ?? 0;
    if (!Number.isFinite(spacing)) throw new RangeError(`spacing must be finite, got ${spacing}`);
    this.geometries = new GeometryCache(model);
    const agents: ModelScene[] = [];
    this.agents = agents;
    this.world = null;
    try {
      this.world =
        (options.includeWorld ?? true)
          ? new ModelScene(mujoco, model, {
              includeWorld: true,
              includeBodies: false,
              hideGroupsAbove: options.hideGroupsAbove,
              geometries: this.geometries,
            })
          : null;
      if (this.world) this.root.add(this.world.root);
      for (let k = 0; k < count; k++) {
        const agent = new ModelScene(mujoco, model, {
          includeWorld: false,
          hideGroupsAbove: options.hideGroupsAbove,
          opacity: options.opacity,
          colorOverride: (options.tint ?? true) ? skillColor(k) : null,
          geometries: this.geometries,
        });
        agents.push(agent);
        agent.root.name = `agent ${k}`;
        agent.root.userData = { skill: k };
        agent.root.position.y = (k - (count - 1) / 2) * spacing;
        this.root.add(agent.root);
      }
      const stat = model.stat; // a reference into the model: read, never delete
      const center = stat.center as Float64Array;
      this.extent = { center: new THREE.Vector3(center[0], center[1], center[2]), extent: stat.extent };
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** Number of agents K. */
  get count(): number {
    return this.agents.length;
  }

  /** Whether {@link dispose} has run. */
  get disposed(): boolean {
    return this._disposed;
  }

  /**
   * Poses agent `k` (see {@link ModelScene.setQpos}).
   * @throws RangeError for k outside [0, K) or a qpos of the wrong length; Error after dispose.
   */
  setQpos(k: number, qpos: ArrayLike<number>): void {
    if (this._disposed) throw new Error('AgentGroup was disposed');
    if (!Number.isInteger(k) || k < 0 || k >= this.agents.length)
      throw new RangeError(`agent index ${k} out of range [0, ${this.agents.length})`);
    this.agents[k].setQpos(qpos);
  }

  /** Axis-aligned bounds (m, world frame) of every agent's bodies at their current pose. */
  bodyBounds(target = new THREE.Box3()): THREE.Box3 {
    target.makeEmpty();
    const box = new THREE.Box3();
    for (const agent of this.agents) target.union(agent.bodyBounds(box));
    return target;
  }

  /** Axis-aligned bounds (m, world frame) of the shared world layer; empty without one. */
  worldBounds(target = new THREE.Box3()): THREE.Box3 {
    return this.world ? this.world.worldBounds(target) : target.makeEmpty();
  }

  /** Frees every agent, the world layer and the shared geometries, each once. Idempotent. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this.root.removeFromParent();
    for (const agent of this.agents) agent.dispose();
    this.world?.dispose();
    this.geometries.dispose();
    this.root.clear();
  }
}
