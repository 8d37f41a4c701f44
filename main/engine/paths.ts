/** Where the repository's folders are, resolved from this file so that any working directory works. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/**
 * Absolute path of the repository root (the folder holding package.json and assets/):
 * $SKILL_LAB_ROOT when set (the packaged app points it at its unpacked files), else the nearest
 * such folder above this file — two levels up in the sources, more when bundled into out/main.
 */
export function repoRoot(): string {
  if (process.env.SKILL_LAB_ROOT) return process.env.SKILL_LAB_ROOT;
  const sourceRoot = fileURLToPath(new URL('../../', import.meta.url));
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'assets'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return sourceRoot;
    dir = parent;
  }
}

/** Absolute path of assets/ (models, presets, fonts). */
export function assetsDir(): string {
  return join(repoRoot(), 'assets');
}
