/** Where the repository's folders are, resolved from this file so that any working directory works. */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Absolute path of the repository root. */
export function repoRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** Absolute path of assets/ (models, presets, fonts). */
export function assetsDir(): string {
  return join(repoRoot(), 'assets');
}
