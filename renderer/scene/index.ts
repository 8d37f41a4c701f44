/**
 * The live 3D view's three.js side: scenes built once from an MjModel and posed from streamed qpos
 * by the renderer's own MuJoCo instance. Browser-safe; the MuJoCo module is always passed in.
 */
export {
  buildGeomGeometry,
  buildHfieldGeometry,
  buildMeshGeometry,
  GeometryCache,
  GeomType,
} from './geometry.ts';
export {
  geomRgba,
  isGeomVisible,
  ModelScene,
  type ModelExtent,
  type ModelSceneOptions,
} from './model_scene.ts';
export { AgentGroup, SKILL_PALETTE, skillColor, type AgentGroupOptions } from './agents.ts';
export { loadModelFromXml, type LoadModelOptions } from './load_model.ts';
export { createViewer, type SceneContent, type Viewer, type ViewerOptions } from './viewer.ts';
export { frameBox } from './framing.ts';
export { disposeTree, modelSceneContent } from './content.ts';
