/**
 * The renderer's own MuJoCo instance (kinematics of streamed qpos only). The wasm is imported as a
 * URL so the bundler copies it into the build and the page fetches it from the directory it was
 * served from, not from wherever the glue's import.meta.url points after bundling.
 */
import loadMujocoModule, { type MainModule } from '@mujoco/mujoco';
import wasmUrl from '@mujoco/mujoco/mujoco.wasm?url';

let instance: Promise<MainModule> | null = null;

/** The shared MuJoCo module, loaded on first use. */
export function mujoco(): Promise<MainModule> {
  instance ??= loadMujocoModule({
    locateFile: (path: string) => (path.endsWith('.wasm') ? wasmUrl : path),
  }).catch((err: unknown) => {
    instance = null;
    throw err;
  });
  return instance;
}
