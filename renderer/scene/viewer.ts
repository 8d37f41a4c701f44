/**
 * The live 3D view: a WebGL renderer with shadows on a canvas, a z-up orbiting camera, lights and a
 * floor grid around a {@link SceneContent} (an {@link AgentGroup} or a single {@link ModelScene}).
 *
 * Needs WebGL, so it is kept thin; everything testable without a GPU lives in the other files.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { ModelExtent } from './model_scene.ts';

/** What a viewer shows: satisfied by `AgentGroup` and `ModelScene`. */
export interface SceneContent {
  /** Added to the viewer's scene by {@link Viewer.setAgents}. */
  readonly root: THREE.Object3D;
  /** MuJoCo's compile-time extent of the model: sizes the light's shadow box and the grid. */
  readonly extent: ModelExtent;
  /** World-frame bounds (m) of the moving bodies now: framed by {@link Viewer.fit}. */
  bodyBounds(target?: THREE.Box3): THREE.Box3;
  /**
   * World-frame bounds (m) of the static world geoms (floor, walls): the part near the bodies is
   * framed too, so a small arena shows whole. Optional: without it only the bodies are framed.
   */
  worldBounds?(target?: THREE.Box3): THREE.Box3;
}

/** Options of {@link createViewer}. */
export interface ViewerOptions {
  /** Scene background. Default a light grey. */
  background?: THREE.ColorRepresentation;
  /** Multisampled edges. Default true. */
  antialias?: boolean;
  /** Device pixels per CSS pixel. Default `window.devicePixelRatio` (1 outside a browser). */
  pixelRatio?: number;
  /** Draw a grid in the x-y plane at z = 0. Default true. */
  grid?: boolean;
  /** Side of the shadow map in texels. Default 2048. */
  shadowMapSize?: number;
  /** Vertical field of view, degrees. Default 45. */
  fov?: number;
}

/** WebGL renderer strings of software rasterizers (no GPU): Chromium's SwiftShader, Mesa's llvmpipe/softpipe. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software/i;

/**
 * The unmasked WebGL renderer string of this browser (e.g. "ANGLE (Google, Vulkan 1.3.0 (SwiftShader
 * Device …))"), from a throwaway context; '' when it cannot be read.
 */
export function webglRendererName(): string {
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return '';
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const name = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return name;
  } catch {
    return '';
  }
}

/** True for a software rasterizer's renderer string. */
export function isSoftwareRenderer(name: string): boolean {
  return SOFTWARE_RENDERER.test(name);
}

/** Handle of a live view; see {@link createViewer}. */
export interface Viewer {
  readonly scene: THREE.Scene;
  readonly camera: THREE.PerspectiveCamera;
  readonly renderer: THREE.WebGLRenderer;
  readonly controls: OrbitControls;
  /**
   * Shows `content` instead of what was shown (null: nothing), sizes light and grid to its extent
   * and frames it with the camera. The viewer never disposes content: its owner does, after this
   * viewer stops showing it.
   */
  setAgents(content: SceneContent | null): void;
  /**
   * Frames the bodies' current bounds together with the world geoms within {@link framingReach} of
   * them (or the model's extent when there are no bodies), seen from ~40° above.
   */
  fit(): void;
  /**
   * Advances the controls and renders, but only when something changed since the last render: the
   * camera moved (orbit, damping), the content, size or framing changed, or {@link invalidate} was
   * called. A still scene costs nothing per animation frame.
   * @returns whether it rendered.
   */
  frame(): boolean;
  /** Marks the picture stale (call after posing agents or changing colours); the next frame renders. */
  invalidate(): void;
  /** True when the context is software-rendered (SwiftShader, llvmpipe): the viewer draws lighter. */
  readonly software: boolean;
  /** Sets the drawing buffer to `width` × `height` CSS pixels (the canvas' CSS size is left alone). */
  resize(width: number, height: number): void;
  /** Frees the controls' listeners, the grid, the shadow map and the renderer's GPU resources. Idempotent. */
  dispose(): void;
}

/** From the orbit target towards the sun: above, a little to the side, so shadows fall visibly. */
const SUN_DIRECTION = new THREE.Vector3(0.35, -0.5, 1).normalize();
/** Elevation of the framing view above the floor: high enough to read x-y motion, low enough for depth. */
const VIEW_ELEVATION = THREE.MathUtils.degToRad(40);
/** Azimuth of the framing view (from +x, counter-clockwise): a three-quarter view from -y. */
const VIEW_AZIMUTH = THREE.MathUtils.degToRad(-60);
/** From the orbit target towards the camera when framing. */
const VIEW_DIRECTION = new THREE.Vector3(
  Math.cos(VIEW_ELEVATION) * Math.cos(VIEW_AZIMUTH),
  Math.cos(VIEW_ELEVATION) * Math.sin(VIEW_AZIMUTH),
  Math.sin(VIEW_ELEVATION),
);
/** Fraction of the view the framed region's bounding sphere may fill (the rest is margin). */
const FILL = 0.9;

/**
 * How far (m) around the bodies the world is framed: at least a few metres (a skill's reach over a
 * preview episode, and all of a small arena such as the point mass' 2.4 m floor), more for a large
 * robot; never a 100 m floor (the Ant's) whole, which would shrink the agents to dots.
 */
export function framingReach(bodyRadius: number): number {
  return Math.max(2.5, 2 * bodyRadius);
}

/**
 * The region {@link Viewer.fit} frames: the bodies' bounds plus the part of the world's bounds
 * within {@link framingReach} of their centre. Empty when `bodies` is empty.
 */
export function framingRegion(bodies: THREE.Box3, world: THREE.Box3, target = new THREE.Box3()): THREE.Box3 {
  target.copy(bodies);
  if (bodies.isEmpty() || world.isEmpty()) return target;
  const sphere = bodies.getBoundingSphere(new THREE.Sphere());
  const reach = framingReach(sphere.radius);
  const near = new THREE.Box3(
    sphere.center.clone().subScalar(reach),
    sphere.center.clone().addScalar(reach),
  ).intersect(world);
  return near.isEmpty() ? target : target.union(near);
}

/** 1, 2 or 5 × 10^n nearest above `x` > 0: grid cells a reader can count in. */
function niceStep(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  const m = x / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/**
 * Creates a view on `canvas`. The scene is in MuJoCo's frame (z up, m); the camera's up is +z.
 * Call {@link Viewer.frame} from the page's animation loop and {@link Viewer.resize} when the canvas
 * changes size.
 * @throws Error when the browser cannot create a WebGL context.
 */
export function createViewer(canvas: HTMLCanvasElement, opts: ViewerOptions = {}): Viewer {
  // On a CPU rasterizer every pixel and shadow tap costs CPU time that training also needs: no MSAA,
  // one device pixel per CSS pixel, a smaller, hard-edged shadow map.
  const software = isSoftwareRenderer(webglRendererName());
  const renderer = new THREE.WebGLRenderer({ canvas, antialias: opts.antialias ?? !software });
  renderer.setPixelRatio(opts.pixelRatio ?? (software ? 1 : (globalThis.devicePixelRatio ?? 1)));
  renderer.shadowMap.enabled = true;
  renderer.shadowMap.type = software ? THREE.PCFShadowMap : THREE.PCFSoftShadowMap;

  const scene = new THREE.Scene();
  scene.background = new THREE.Color(opts.background ?? 0xe9edf1);

  const aspect =
    canvas.clientWidth > 0 && canvas.clientHeight > 0 ? canvas.clientWidth / canvas.clientHeight : 1;
  const camera = new THREE.PerspectiveCamera(opts.fov ?? 45, aspect, 0.01, 1000);
  camera.up.set(0, 0, 1); // before the controls, which take their orbit axis from it
  camera.position.set(2, -3, 2);

  const controls = new OrbitControls(camera, canvas);
  controls.enableDamping = true;

  const sky = new THREE.HemisphereLight(0xffffff, 0x5d6166, 1.6);
  sky.position.set(0, 0, 1); // the sky side is the one `position` points to; three's default is +y
  const sun = new THREE.DirectionalLight(0xffffff, 2.2);
  sun.castShadow = true;
  sun.shadow.mapSize.setScalar(opts.shadowMapSize ?? (software ? 1024 : 2048));
  sun.shadow.bias = -0.0005;
  sun.shadow.normalBias = 0.01;
  scene.add(sky, sun, sun.target);

  let content: SceneContent | null = null;
  let grid: THREE.GridHelper | null = null;
  let shadowHalf = 5;
  let floorZ = 0;
  let disposed = false;
  let stale = true;
  // OrbitControls reports every camera change, including each damped step after the user lets go.
  controls.addEventListener('change', () => (stale = true));

  const placeGrid = (extent: number): void => {
    if (grid) {
      grid.removeFromParent();
      grid.dispose();
      grid = null;
    }
    if (opts.grid === false) return;
    const cell = niceStep(Math.max(extent, 0.1) / 8);
    const half = Math.ceil((2 * extent) / cell) * cell;
    grid = new THREE.GridHelper(2 * half, Math.round((2 * half) / cell), 0x7d8590, 0xb4bac1);
    grid.rotation.x = Math.PI / 2; // GridHelper lies in x-z (three's y-up floor)
    grid.position.z = 1e-3; // just above a floor plane at z = 0, without z-fighting
    for (const m of ([] as THREE.Material[]).concat(grid.material)) {
      m.transparent = true;
      m.opacity = 0.6;
      m.depthWrite = false;
    }
    scene.add(grid);
  };

  const fitShadow = (extent: ModelExtent): void => {
    shadowHalf = Math.max(extent.extent, 1);
    floorZ = extent.center.z;
    const cam = sun.shadow.camera;
    cam.left = -shadowHalf;
    cam.right = shadowHalf;
    cam.bottom = -shadowHalf;
    cam.top = shadowHalf;
    cam.near = 0.1;
    cam.far = 6 * shadowHalf;
    cam.updateProjectionMatrix();
  };

  const followTarget = (): void => {
    const focus = new THREE.Vector3(controls.target.x, controls.target.y, floorZ);
    sun.target.position.copy(focus);
    sun.position.copy(focus).addScaledVector(SUN_DIRECTION, 3 * shadowHalf);
  };

  const fit = (): void => {
    if (!content) return;
    const world = content.worldBounds?.() ?? new THREE.Box3();
    // Without bodies, the world near the model's centre is framed: an empty scene still shows the arena.
    const bodies = content.bodyBounds();
    if (bodies.isEmpty()) bodies.setFromPoints([content.extent.center]);
    const box = framingRegion(bodies, world);
    const sphere = box.isEmpty()
      ? new THREE.Sphere(content.extent.center.clone(), content.extent.extent)
      : box.getBoundingSphere(new THREE.Sphere());
    const radius = Math.max(sphere.radius, 0.05);
    // The narrower of the two fields of view decides: a tall, narrow pane must not crop the sides.
    const halfV = THREE.MathUtils.degToRad(camera.fov) / 2;
    const halfH = Math.atan(Math.tan(halfV) * camera.aspect);
    const distance = radius / FILL / Math.sin(Math.min(halfV, halfH));
    controls.target.copy(sphere.center);
    camera.position.copy(sphere.center).addScaledVector(VIEW_DIRECTION, distance);
    camera.near = distance / 200;
    camera.far = Math.max(distance, content.extent.extent) * 200;
    camera.updateProjectionMatrix();
    controls.update();
    stale = true;
  };

  return {
    scene,
    camera,
    renderer,
    controls,
    software,
    setAgents(next) {
      if (content) scene.remove(content.root);
      content = next;
      stale = true;
      if (!content) return;
      scene.add(content.root);
      fitShadow(content.extent);
      placeGrid(content.extent.extent);
      fit();
    },
    fit,
    frame() {
      if (disposed) return false;
      controls.update();
      if (!stale) return false;
      stale = false;
      followTarget();
      renderer.render(scene, camera);
      return true;
    },
    invalidate() {
      stale = true;
    },
    resize(width, height) {
      if (!(width > 0 && height > 0)) return;
      renderer.setSize(width, height, false);
      camera.aspect = width / height;
      camera.updateProjectionMatrix();
      stale = true;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (content) scene.remove(content.root);
      content = null;
      controls.dispose();
      if (grid) {
        grid.removeFromParent();
        grid.dispose();
        grid = null;
      }
      sun.dispose();
      renderer.dispose();
    },
  };
}
