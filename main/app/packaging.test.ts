/**
 * The packaged app's security settings (Electron's fuses, flipped in the binary by electron-builder)
 * and the Electron release it is built on. These live in configuration files no other test reads,
 * so a fuse dropped in an edit would otherwise ship unnoticed.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import config from '../../electron-builder.config.ts';

const root = join(import.meta.dirname, '../..');

/**
 * The oldest Electron major still receiving fixes: Electron supports its latest three stable majors
 * (electronjs.org/docs/latest/tutorial/electron-timelines); 45 was the newest in December 2026.
 */
const OLDEST_SUPPORTED_MAJOR = 43;

describe('packaged app', () => {
  it('flips every security fuse (Electron security checklist, "fuses")', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('builds on a supported Electron major, with a range that takes its fixes', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const range: string = pkg.devDependencies.electron;
    // A caret range moves with the major's minor and patch releases (security fixes land there).
    expect(range).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(Number(range.slice(1).split('.')[0])).toBeGreaterThanOrEqual(OLDEST_SUPPORTED_MAJOR);
    const installed: string = createRequire(join(root, 'package.json'))('electron/package.json').version;
    expect(installed.split('.')[0]).toBe(range.slice(1).split('.')[0]);
  });
});
