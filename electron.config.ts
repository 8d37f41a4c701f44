/**
 * electron-vite build of the desktop app (`npm run build:app`, `electron-vite build --config
 * electron.config.ts`; named as the design card says, so it is always passed explicitly):
 *
 *   out/main/main.js      Electron main process (main/app/main.ts)
 *   out/main/worker.js    run process entry (main/engine/worker.ts), started with utilityProcess.fork
 *   out/preload/preload.cjs  the sandboxed preload: one CommonJS file that requires only 'electron'
 *   out/renderer/         the Vue renderer, built with renderer/vite.config.ts's settings
 *
 * Main-side `dependencies` (MuJoCo, tfjs, DuckDB, zod …) stay external and load from node_modules,
 * as packaged by electron-builder (electron-builder.config.ts). The renderer section exists only
 * once renderer/index.html does; its plugins and resolve settings come from renderer/vite.config.ts
 * when that file exists, with root, outDir and input fixed here so both builds agree on out/renderer.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type RendererViteConfig, type UserConfig } from 'electron-vite';
import { loadConfigFromFile, type ConfigEnv } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const at = (path: string) => resolve(root, path);

/** The renderer section: renderer/vite.config.ts's settings with this app's root and output. */
async function rendererConfig(env: ConfigEnv): Promise<RendererViteConfig | undefined> {
  if (!existsSync(at('renderer/index.html'))) return undefined;
  const viteConfigPath = at('renderer/vite.config.ts');
  const loaded = existsSync(viteConfigPath) ? await loadConfigFromFile(env, viteConfigPath) : null;
  const { build, ...rest } = loaded?.config ?? {};
  return {
    ...rest,
    root: at('renderer'),
    build: {
      ...build,
      outDir: at('out/renderer'),
      emptyOutDir: true,
      rollupOptions: { ...build?.rollupOptions, input: at('renderer/index.html') },
    },
  };
}

export default defineConfig(async (env): Promise<UserConfig> => ({
  main: {
    build: {
      outDir: at('out/main'),
      externalizeDeps: true,
      rollupOptions: {
        input: { main: at('main/app/main.ts'), worker: at('main/engine/worker.ts') },
        // electron is provided by the runtime, never bundled.
        external: ['electron'],
      },
    },
  },
  preload: {
    build: {
      outDir: at('out/preload'),
      // A sandboxed preload can require only 'electron': everything else is bundled into one file.
      externalizeDeps: false,
      isolatedEntries: true,
      rollupOptions: {
        input: { preload: at('main/app/preload.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: await rendererConfig(env),
}));
