/** Versions of skill-lab and of the packages whose numbers a run depends on, recorded in run.json. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from './paths.ts';

// Not named `require`: bundlers (electron-vite) inject their own `require` into ESM output.
const requireHere = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    const root = join(repoRoot(), 'node_modules', ...name.split('/'));
    return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  } catch {
    try {
      return requireHere(`${name}/package.json`).version;
    } catch {
      return 'not installed';
    }
  }
}

/** skill-lab, Node, MuJoCo and tfjs versions. */
export function versions(): Record<string, string> {
  return {
    'skill-lab': JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')).version,
    node: process.versions.node,
    '@mujoco/mujoco': packageVersion('@mujoco/mujoco'),
    '@tensorflow/tfjs-core': packageVersion('@tensorflow/tfjs-core'),
    '@tensorflow/tfjs-backend-wasm': packageVersion('@tensorflow/tfjs-backend-wasm'),
  };
}
