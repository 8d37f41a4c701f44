import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import util from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BACKEND_CHOICES,
  backendInfo,
  initBackend,
  resolveBackendRequest,
  selectBackend,
  type BackendInfo,
  type ModuleLoader,
} from './backend.ts';

const require = createRequire(import.meta.url);
const installed = (pkg: string) => {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
};
const nodePackagesAbsent = !installed('@tensorflow/tfjs-node-gpu') && !installed('@tensorflow/tfjs-node');

let info: BackendInfo;
beforeAll(async () => {
  info = await initBackend({ quiet: true });
});

describe('initBackend', () => {
  it.runIf(nodePackagesAbsent)('falls back to wasm when the node packages are absent, and says so', () => {
    expect(info.name).toBe('wasm');
    expect(info.package).toBe('@tensorflow/tfjs-backend-wasm');
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.device).toMatch(/^cpu \(wasm( simd)?/);
    expect(info.tried).toEqual([
      '@tensorflow/tfjs-node-gpu: not installed',
      '@tensorflow/tfjs-node: not installed',
    ]);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('is idempotent and reports through backendInfo()', async () => {
    const again = await initBackend({ quiet: true });
    expect(again).toEqual(info);
    expect(backendInfo()).toEqual(info);
    expect(await Promise.all([initBackend(), initBackend()])).toEqual([info, info]);
  });

  it('refuses to switch to another forced backend in the same process', async () => {
    const other = info.name === 'cpu' ? 'wasm' : 'cpu';
    await expect(initBackend({ prefer: other, quiet: true })).rejects.toThrow(/already initialized/);
    expect(tf.getBackend()).toBe(info.name);
  });
});

describe('resolveBackendRequest', () => {
  it('walks the full order by default and for auto', () => {
    expect(resolveBackendRequest(undefined).order).toEqual([...BACKEND_CHOICES]);
    expect(resolveBackendRequest('auto', 'cpu').forced).toBeNull();
    expect(resolveBackendRequest('  ', undefined).forced).toBeNull();
  });

  it('lets SKILL_LAB_BACKEND override prefer', () => {
    expect(resolveBackendRequest('cpu', 'wasm')).toEqual({
      forced: 'cpu',
      source: 'SKILL_LAB_BACKEND',
      order: ['cpu'],
    });
    expect(resolveBackendRequest(undefined, 'wasm')).toEqual({
      forced: 'wasm',
      source: 'prefer',
      order: ['wasm'],
    });
  });

  it('rejects an unknown name, listing the allowed ones', () => {
    expect(() => resolveBackendRequest('cuda')).toThrow(
      "SKILL_LAB_BACKEND 'cuda' is not a compute backend; use one of: tfjs-node-gpu, tfjs-node, wasm, cpu, auto",
    );
    expect(() => resolveBackendRequest(undefined, 'gpu')).toThrow(/backend preference 'gpu'/);
  });
});

describe('selectBackend', () => {
  afterAll(async () => {
    await tf.setBackend(info.name);
  });

  it('loads the cpu backend when SKILL_LAB_BACKEND=cpu', async () => {
    const { info: cpu } = await selectBackend(resolveBackendRequest('cpu'));
    expect(cpu).toMatchObject({
      name: 'cpu',
      package: '@tensorflow/tfjs-backend-cpu',
      device: 'cpu (js)',
      tried: [],
    });
    expect(tf.getBackend()).toBe('cpu');
    expect(Array.from(tf.tidy(() => tf.add(tf.tensor([1, 2]), 1)).dataSync())).toEqual([2, 3]);
    await tf.setBackend(info.name);
  });

  it.runIf(nodePackagesAbsent)('explains why a forced node backend cannot be used', async () => {
    await expect(selectBackend(resolveBackendRequest('tfjs-node-gpu'))).rejects.toThrow(
      /compute backend 'tfjs-node-gpu' was requested by SKILL_LAB_BACKEND but cannot be used: @tensorflow\/tfjs-node-gpu: not installed \(install it with/,
    );
  });

  /** A stand-in for tfjs-node: registers a 'tensorflow' backend (JS math) when loaded. */
  function fakeNode(
    behaviour: 'ok' | 'binding' | 'other-core',
    seen: { polyfilled?: boolean },
  ): ModuleLoader {
    return {
      resolve: (id) => {
        if (id === '@tensorflow/tfjs-node') return '/fake/tfjs-node/index.js';
        throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
      },
      load: (id) => {
        if (id === '@tensorflow/tfjs-node/package.json') return { version: '9.9.9' };
        seen.polyfilled =
          typeof (util as unknown as { isNullOrUndefined?: unknown }).isNullOrUndefined === 'function';
        if (behaviour === 'binding') {
          throw Object.assign(new Error("Cannot find module '/fake/lib/napi-v8/tfjs_binding.node'"), {
            code: 'MODULE_NOT_FOUND',
          });
        }
        if (behaviour === 'ok') tf.registerBackend('tensorflow', () => new MathBackendCPU(), 0);
        return {};
      },
    };
  }

  it('loads tfjs-node when present, polyfilling util.isNullOrUndefined first', async () => {
    const u = util as unknown as { isNullOrUndefined?: unknown };
    const saved = u.isNullOrUndefined;
    delete u.isNullOrUndefined; // as on Node ≥ 23
    const seen: { polyfilled?: boolean } = {};
    try {
      const { info: node, short } = await selectBackend(
        resolveBackendRequest(undefined),
        fakeNode('ok', seen),
      );
      expect(seen.polyfilled).toBe(true);
      expect(node).toEqual({
        name: 'tensorflow',
        package: '@tensorflow/tfjs-node',
        version: '9.9.9',
        device: 'cpu (libtensorflow)',
        tried: ['@tensorflow/tfjs-node-gpu: not installed'],
      });
      expect(short).toBe('cpu');
      expect(tf.getBackend()).toBe('tensorflow');
    } finally {
      if (saved) u.isNullOrUndefined = saved;
      await tf.setBackend(info.name);
      tf.removeBackend('tensorflow');
    }
  });

  it('passes over a tfjs-node without its native binding, or bound to another tfjs-core', async () => {
    const { info: a } = await selectBackend(resolveBackendRequest(undefined), fakeNode('binding', {}));
    expect(a.name).toBe('wasm');
    expect(a.tried[1]).toMatch(/^@tensorflow\/tfjs-node: installed without its native binding/);
    const { info: b } = await selectBackend(resolveBackendRequest(undefined), fakeNode('other-core', {}));
    expect(b.tried[1]).toMatch(/another copy of @tensorflow\/tfjs-core/);
    await expect(selectBackend(resolveBackendRequest('tfjs-node'), fakeNode('binding', {}))).rejects.toThrow(
      /'tfjs-node' was requested by SKILL_LAB_BACKEND but cannot be used: .*native binding/,
    );
  });
});

describe('in a fresh process', () => {
  const exec = promisify(execFile);
  const root = resolve(import.meta.dirname, '..');
  let dir: string;
  let script: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'skill-lab-backend-'));
    script = join(dir, 'probe.mts');
    const backend = join(root, 'native', 'backend.ts');
    writeFileSync(
      script,
      `import { initBackend } from ${JSON.stringify(backend)};\n` +
        `const info = await initBackend();\nprocess.stdout.write(JSON.stringify(info));\n`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const probe = (env: string | undefined) =>
    exec(process.execPath, ['--import', 'tsx', script], {
      cwd: root,
      env: { ...process.env, SKILL_LAB_BACKEND: env ?? '' },
    });

  it('SKILL_LAB_BACKEND=cpu selects the cpu backend and prints one line', async () => {
    const { stdout, stderr } = await probe('cpu');
    expect(JSON.parse(stdout)).toMatchObject({ name: 'cpu', device: 'cpu (js)' });
    const lines = stderr.split('\n').filter((l) => l.startsWith('[skill-lab]'));
    expect(lines).toEqual(['[skill-lab] compute backend: cpu (@tensorflow/tfjs-backend-cpu 4.22.0, cpu js)']);
    expect(stderr).not.toMatch(/Hi, looks like you are running/);
  });

  it.runIf(nodePackagesAbsent)('the default prints the fallback line', async () => {
    const { stderr } = await probe(undefined);
    expect(stderr).toMatch(
      /\[skill-lab\] compute backend: wasm \(@tensorflow\/tfjs-backend-wasm 4\.22\.0, cpu simd\); tried: tfjs-node-gpu \(not installed\), tfjs-node \(not installed\)/,
    );
  });

  it('an unknown SKILL_LAB_BACKEND fails with the allowed values', async () => {
    await expect(probe('gpu')).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /SKILL_LAB_BACKEND 'gpu' is not a compute backend; use one of: tfjs-node-gpu, tfjs-node, wasm, cpu, auto/,
      ),
    });
  });
});
