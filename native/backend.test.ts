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
  NO_NATIVE_BUILDS,
  backendInfo,
  initBackend,
  resolveBackendRequest,
  selectBackend,
  type BackendInfo,
  type ModuleLoader,
  type NativeBuilds,
} from './backend.ts';
import { readNativeManifest } from './tensorflow_build.ts';

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
/** The CPU build of `skill-lab native`, when this checkout has one (CI builds it). */
const cpuBuild = readNativeManifest('cpu');
const NOT_BUILT = (flag: string) => `not built (build it with \`npx skill-lab native${flag}\`)`;
/** Finds no node package (the TensorFlow backends can only come from a build). */
const noPackages: ModuleLoader = {
  resolve: (id) => {
    throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
  },
  load: () => {
    throw new Error('unreachable');
  },
};

let info: BackendInfo;
beforeAll(async () => {
  info = await initBackend({ quiet: true });
});

describe('initBackend', () => {
  it('falls back to wasm when there is no TensorFlow build, and says how to build one', async () => {
    const { info: wasm } = await selectBackend(
      resolveBackendRequest(undefined),
      noPackages,
      NO_NATIVE_BUILDS,
    );
    expect(wasm.name).toBe('wasm');
    expect(wasm.package).toBe('@tensorflow/tfjs-backend-wasm');
    expect(wasm.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(wasm.device).toMatch(/^cpu \(wasm( simd)?/);
    expect(wasm.tried).toEqual([
      `@tensorflow/tfjs-node-gpu: ${NOT_BUILT(' --gpu')}`,
      `@tensorflow/tfjs-node: ${NOT_BUILT('')}`,
    ]);
    expect(tf.getBackend()).toBe('wasm');
    await tf.setBackend(info.name);
  });

  it('is idempotent and reports through backendInfo()', async () => {
    const again = await initBackend({ quiet: true });
    expect(again).toEqual(info);
    expect(backendInfo()).toEqual(info);
    expect(await Promise.all([initBackend(), initBackend()])).toEqual([info, info]);
  });

  it('refuses to switch to another forced backend in the same process', async () => {
    const other = info.name === 'cpu' ? 'wasm' : 'cpu';
    // The suite runs with SKILL_LAB_BACKEND set (vitest.config.ts), which overrides `prefer`.
    const saved = process.env.SKILL_LAB_BACKEND;
    process.env.SKILL_LAB_BACKEND = other;
    try {
      await expect(initBackend({ quiet: true })).rejects.toThrow(/already initialized/);
    } finally {
      process.env.SKILL_LAB_BACKEND = saved;
    }
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

  it('explains why a forced TensorFlow backend cannot be used, with the command that builds it', async () => {
    await expect(
      selectBackend(resolveBackendRequest('tfjs-node-gpu'), noPackages, NO_NATIVE_BUILDS),
    ).rejects.toThrow(
      "compute backend 'tfjs-node-gpu' was requested by SKILL_LAB_BACKEND but cannot be used: " +
        '@tensorflow/tfjs-node-gpu: not built (build it with `npx skill-lab native --gpu`)',
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
        NO_NATIVE_BUILDS,
      );
      expect(seen.polyfilled).toBe(true);
      expect(node).toEqual({
        name: 'tensorflow',
        package: '@tensorflow/tfjs-node',
        version: '9.9.9',
        device: 'cpu (libtensorflow)',
        tried: [`@tensorflow/tfjs-node-gpu: ${NOT_BUILT(' --gpu')}`],
      });
      expect(short).toBe('cpu');
      expect(tf.getBackend()).toBe('tensorflow');
    } finally {
      if (saved) u.isNullOrUndefined = saved;
      await tf.setBackend(info.name);
      tf.removeBackend('tensorflow');
    }
  });

  it('small networks get wasm first, saying why TensorFlow was passed over; wide ones and a forced choice get TensorFlow', async () => {
    // A "build" whose package is the fake tfjs-node.
    const built: NativeBuilds = {
      packageDir: (v) => (v === 'cpu' ? '@tensorflow/tfjs-node' : null),
      manifest: () => null,
    };
    const auto = resolveBackendRequest(undefined);
    const pick = async (request: typeof auto, width: number) => {
      try {
        return (await selectBackend(request, fakeNode('ok', {}), built, width)).info;
      } finally {
        await tf.setBackend(info.name);
        if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
      }
    };
    const small = await pick(auto, 64);
    expect(small.name).toBe('wasm');
    expect(small.tried).toEqual([
      `@tensorflow/tfjs-node-gpu: ${NOT_BUILT(' --gpu')}`,
      '@tensorflow/tfjs-node: not used for 64-wide networks (wasm is faster below 256 units; ' +
        'SKILL_LAB_BACKEND=tfjs-node uses it anyway)',
    ]);
    expect((await pick(auto, 0)).tried[1]).toMatch(/not used for small batches/);
    expect((await pick(auto, 512)).name).toBe('tensorflow');
    expect((await pick(resolveBackendRequest('tfjs-node'), 64)).name).toBe('tensorflow');
  });

  it('passes over a tfjs-node without its native binding, or bound to another tfjs-core', async () => {
    const auto = resolveBackendRequest(undefined);
    const { info: a } = await selectBackend(auto, fakeNode('binding', {}), NO_NATIVE_BUILDS);
    expect(a.name).toBe('wasm');
    expect(a.tried[1]).toMatch(/^@tensorflow\/tfjs-node: installed without its native binding/);
    const { info: b } = await selectBackend(auto, fakeNode('other-core', {}), NO_NATIVE_BUILDS);
    expect(b.tried[1]).toMatch(/another copy of @tensorflow\/tfjs-core/);
    const forced = resolveBackendRequest('tfjs-node');
    await expect(selectBackend(forced, fakeNode('binding', {}), NO_NATIVE_BUILDS)).rejects.toThrow(
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

  it.runIf(nodePackagesAbsent && !cpuBuild)('the default prints the fallback line', async () => {
    const { stderr } = await probe(undefined);
    expect(stderr).toContain(
      '[skill-lab] compute backend: wasm (@tensorflow/tfjs-backend-wasm 4.22.0, cpu simd); ' +
        'tried: tfjs-node-gpu (not built (build it with `npx skill-lab native --gpu`)), ' +
        'tfjs-node (not built (build it with `npx skill-lab native`))',
    );
  });

  // CI builds it (.ci/run); elsewhere only after `npx skill-lab native`.
  it.runIf(cpuBuild !== null || process.env.CI)(
    'with the CPU build of skill-lab native, the default is TensorFlow, and it says which',
    async () => {
      expect(cpuBuild, 'no native/build/cpu: .ci/run should have run skill-lab native').not.toBeNull();
      const { stdout, stderr } = await probe(undefined);
      expect(JSON.parse(stdout)).toMatchObject({
        name: 'tensorflow',
        package: '@tensorflow/tfjs-node',
        device: 'cpu (libtensorflow)',
        tensorflow: expect.stringMatching(
          /^2\.21\.0 \(tensorflow_cpu-2\.21\.0-.*\.whl, native\/build\/cpu\)$/,
        ),
        tried: [`@tensorflow/tfjs-node-gpu: ${NOT_BUILT(' --gpu')}`],
      });
      expect(stderr).toContain(
        '[skill-lab] compute backend: tensorflow (@tensorflow/tfjs-node 4.22.0, TensorFlow 2.21.0, cpu)',
      );
    },
  );

  it('an unknown SKILL_LAB_BACKEND fails with the allowed values', async () => {
    await expect(probe('gpu')).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /SKILL_LAB_BACKEND 'gpu' is not a compute backend; use one of: tfjs-node-gpu, tfjs-node, wasm, cpu, auto/,
      ),
    });
  });
});
