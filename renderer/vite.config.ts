/**
 * Vite build of the renderer: root renderer/, output out/renderer at the repository root (where
 * `skill-lab serve` and the Electron shell look for it), relative asset paths so the same build works
 * from http:// and from a file/custom protocol.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { mujocoWithoutEval } from './build/mujoco_no_eval.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  // The CSP forbids string code generation; MuJoCo's glue is patched to live without it.
  plugins: [vue(), mujocoWithoutEval()],
  build: {
    outDir: fileURLToPath(new URL('../out/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // three.js, vega and MuJoCo's glue are large by nature; the warning would only be noise.
    chunkSizeWarningLimit: 4000,
  },
  // MuJoCo's Emscripten glue finds its wasm relative to import.meta.url; pre-bundling would move the
  // glue away from the wasm in dev mode.
  optimizeDeps: { exclude: ['@mujoco/mujoco'] },
  worker: { format: 'es' },
});
