/**
 * electron-builder packaging of the desktop app (`npm run dist`, after `npm run build:app`):
 * AppImage and deb on Linux, dmg on macOS, an NSIS installer on Windows, written to dist/.
 * Passed explicitly with `--config electron-builder.config.ts` (electron.config.ts is the build).
 *
 * assets/ (MJCF models, presets, fonts) and the WebAssembly/native packages are unpacked beside
 * app.asar: run processes and MuJoCo read them with plain fs (main/app/main.ts points the engine
 * at app.asar.unpacked). Fuses: no RunAsNode (run processes are utilityProcesses), no NODE_OPTIONS
 * or inspector flags, the app only from its asar, no extra privileges for file:// pages. A test
 * build that Playwright drives needs EnableNodeCliInspectArguments back on.
 */
import type { Configuration } from 'electron-builder';

const config: Configuration = {
  appId: 'org.skill-lab.workbench',
  productName: 'skill-lab',
  directories: { output: 'dist', buildResources: 'build' },
  files: ['out/**', 'assets/**', 'package.json', '!**/*.map'],
  asar: true,
  asarUnpack: [
    'assets/**',
    'node_modules/@mujoco/mujoco/**',
    'node_modules/@tensorflow/tfjs-backend-wasm/**',
    'node_modules/@duckdb/**',
    'node_modules/@resvg/**',
  ],
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    // The renderer is served from app:// (protocol.ts), never file://, so file:// pages need none
    // of the extra privileges Electron grants them by default.
    grantFileProtocolExtraPrivileges: false,
  },
  linux: { target: ['AppImage', 'deb'], category: 'Science', maintainer: 'skill-lab' },
  mac: { target: ['dmg'], category: 'public.app-category.education' },
  win: { target: ['nsis'] },
  nsis: { oneClick: false, allowToChangeInstallationDirectory: true },
};

export default config;
