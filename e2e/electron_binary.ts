/** Whether this checkout has an Electron binary to drive (node_modules/electron's download). */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The Electron executable of node_modules/electron, or null when its binary was never downloaded. */
export function electronBinary(): string | null {
  try {
    const dir = dirname(createRequire(join(repoRoot, 'package.json')).resolve('electron/package.json'));
    const pathFile = join(dir, 'path.txt');
    if (!existsSync(pathFile)) return null;
    const executable = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(executable) ? executable : null;
  } catch {
    return null;
  }
}

/** Why the Electron tests skip where there is no binary. */
export const ELECTRON_SKIP_REASON =
  'Electron binary not installed (offline machine): skipping Electron tests';
