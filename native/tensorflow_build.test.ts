/**
 * `skill-lab native`'s refusals and its "nothing half-built" rule (tensorflow_build.ts). The full
 * build itself is what CI runs before the tests (.ci/run), and parity.test.ts checks its result.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NativeBuildError, buildNative, nativeBuildDir, readNativeManifest } from './tensorflow_build.ts';

const scratch = mkdtempSync(join(tmpdir(), 'skill-lab-native-'));
const root = join(import.meta.dirname, '..');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** An executable shell script in the scratch folder. */
function script(name: string, body: string): string {
  const path = join(scratch, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('skill-lab native refuses, saying what to install', () => {
  it('from the command line: the message alone, exit 1', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'skill-lab.js'), 'native', '--force'], {
      encoding: 'utf8',
      env: { ...process.env, SKILL_LAB_PYTHON: join(scratch, 'no-python3') },
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      `error: pip: '${join(scratch, 'no-python3')}' was not found on the PATH\n` +
        'pip is needed to fetch the TensorFlow wheel: install it (Debian: apt-get install python3-pip) ' +
        'or point SKILL_LAB_PYTHON at a python3 that has pip',
    );
  });

  it('without pip', async () => {
    const err = await buildNative({
      variant: 'cpu',
      force: true,
      python: join(scratch, 'no-python3'),
      log: () => {},
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NativeBuildError);
    expect((err as Error).message).toMatch(
      /was not found on the PATH\npip is needed .*apt-get install python3-pip.*SKILL_LAB_PYTHON/,
    );
  });

  it('without a C++ compiler', async () => {
    await expect(
      buildNative({ variant: 'cpu', force: true, cxx: join(scratch, 'no-g++'), log: () => {} }),
    ).rejects.toThrow(/a C\+\+17 compiler is needed .*apt-get install g\+\+\) or set CXX/);
  });

  it('--gpu without an NVIDIA driver', async () => {
    const path = `${scratch}:${process.env.PATH}`;
    script(
      'nvidia-smi',
      'echo "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver" >&2; exit 9',
    );
    const saved = process.env.PATH;
    process.env.PATH = path;
    try {
      await expect(buildNative({ variant: 'gpu', force: true, log: () => {} })).rejects.toThrow(
        /nvidia-smi failed .*could not communicate with the NVIDIA driver\nthe GPU build needs an NVIDIA driver .*skill-lab native$/s,
      );
    } finally {
      process.env.PATH = saved;
    }
    expect(readNativeManifest('gpu')).toBeNull();
  });
});

describe.runIf(readNativeManifest('cpu') !== null || process.env.CI)('with a CPU build in place', () => {
  it('a rebuild whose compile fails leaves the build in place as it was, and no partial folder', async () => {
    const before = readFileSync(join(nativeBuildDir('cpu'), 'native.json'), 'utf8');
    const cxx = script(
      'broken-g++',
      '[ "$1" = --version ] && { echo "broken-g++ 1.0"; exit 0; }\necho "tfjs_backend.cc:1: error: nothing works" >&2; exit 1',
    );
    const lines: string[] = [];
    const err = await buildNative({ variant: 'cpu', force: true, cxx, log: (l) => lines.push(l) }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(
      /^compiling the binding failed \(.*broken-g\+\+\):\ntfjs_backend.cc:1: error: nothing works$/,
    );
    expect(lines.map((l) => l.slice(0, 5))).toEqual(['[1/5]', '[2/5]', '[3/5]']);
    expect(readFileSync(join(nativeBuildDir('cpu'), 'native.json'), 'utf8')).toBe(before);
    expect(() => readFileSync(join(`${nativeBuildDir('cpu')}.partial`, 'native.json'))).toThrow(/ENOENT/);
    // …and it still loads: without --force the existing build is checked and kept.
    const kept = await buildNative({ variant: 'cpu', log: () => {} });
    expect(kept).toMatchObject({
      built: false,
      device: 'cpu',
      manifest: { tensorflow: '2.21.0', variant: 'cpu' },
    });
  });
});
