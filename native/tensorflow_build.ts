/**
 * Builds the native TensorFlow backend that `@tensorflow/tfjs-node(-gpu)` can no longer install
 * (their libtensorflow 2.9.1 download returns 403 since August 2026; reference/native_tensorflow.md):
 *
 *   1. TensorFlow's C library from the official wheel on PyPI through pip — `tensorflow-cpu`, or
 *      `tensorflow` plus the CUDA 12 wheels its `and-cuda` extra names for `--gpu`; the wheel's
 *      `libtensorflow_cc.so.2` exports the C and eager C API the binding calls, and it does not
 *      link libpython, so the wheel's Python tag does not matter;
 *   2. tfjs-node's JavaScript and binding sources, and `node-api-headers`, from the npm registry
 *      (`npm install --ignore-scripts`: its install script is the dead download);
 *   3. the binding compiled with the system C++ compiler against them, where tfjs-node looks for it
 *      (`lib/napi-v8/tfjs_binding.node`), with a relative rpath to the TensorFlow libraries;
 *   4. a check in a child process: the binding loads and multiplies two matrices.
 *
 * Everything lands in `native/build/<cpu|gpu>/` (git-ignored): the build happens in a `.partial`
 * folder renamed into place when the check passed, so the backend loader (backend.ts) never sees a
 * half-built backend, and a failed build leaves the previous one as it was. Downloaded wheels are
 * kept in `native/build/wheels/` so a rebuild (`--force`) does not fetch them again.
 *
 * tfjs-node must register into the engine's one `@tensorflow/tfjs-core`: the copies of tfjs-core
 * and tfjs-backend-cpu that npm puts under the build are removed, so Node's resolution walks up to
 * the project's (the build folder is inside the project for that reason), and tfjs-node's version
 * is the project's tfjs-core version.
 *
 * Node only.
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

/** The TensorFlow release the build takes from PyPI (checked on this machine class, 2026-12). */
export const TENSORFLOW_VERSION = '2.21.0';

/** A CPU-only build, or one with CUDA kernels (needs an NVIDIA driver for CUDA 12). */
export type NativeVariant = 'cpu' | 'gpu';

/** native/build/<variant>/native.json: what was built, read by the backend loader. */
export interface NativeManifest {
  format: 'skill-lab-native';
  version: 1;
  variant: NativeVariant;
  /** TensorFlow's version, e.g. '2.21.0'. */
  tensorflow: string;
  /** The wheel the C library came from. */
  wheel: string;
  /** tfjs-node's version (= the project's tfjs-core version). */
  tfjsNode: string;
  /** The compiler's first version line. */
  compiler: string;
  /** ISO time of the build. */
  builtAt: string;
}

/** A step that could not be done, with what to do about it. */
export class NativeBuildError extends Error {
  override name = 'NativeBuildError';
}

// Not named `require`: bundlers (electron-vite) inject their own `require` into ESM output.
const requireHere = createRequire(import.meta.url);

/** The project root: the folder above native/ (where node_modules holds the engine's tfjs-core). */
function projectRoot(): string {
  return dirname(dirname(fileURLToPath(import.meta.url)));
}

/** Where builds go: `<project>/native/build`. */
export function nativeBuildRoot(): string {
  return join(projectRoot(), 'native', 'build');
}

/** The folder of a variant's finished build. */
export function nativeBuildDir(variant: NativeVariant): string {
  return join(nativeBuildRoot(), variant);
}

const MANIFEST = 'native.json';
/** tfjs-node's package folder inside a build. */
const PACKAGE_IN_BUILD = join('js', 'node_modules', '@tensorflow', 'tfjs-node');

/**
 * The manifest of a finished build of `variant`, or null when there is none (or it is unreadable,
 * or its binding is missing).
 */
export function readNativeManifest(variant: NativeVariant): NativeManifest | null {
  const dir = nativeBuildDir(variant);
  try {
    const m = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as NativeManifest;
    if (m.format !== 'skill-lab-native' || m.variant !== variant) return null;
    if (!existsSync(bindingPath(join(dir, PACKAGE_IN_BUILD)))) return null;
    return m;
  } catch {
    return null;
  }
}

/** Absolute path of the tfjs-node package of a finished build (what the loader requires), or null. */
export function nativePackageDir(variant: NativeVariant): string | null {
  return readNativeManifest(variant) ? join(nativeBuildDir(variant), PACKAGE_IN_BUILD) : null;
}

/** Where tfjs-node 4.x loads its binding from: `binary.module_path` with N-API 8. */
function bindingPath(packageDir: string): string {
  return join(packageDir, 'lib', 'napi-v8', 'tfjs_binding.node');
}

/** Options of {@link buildNative}. */
export interface NativeBuildOptions {
  variant: NativeVariant;
  /** Rebuild even when a finished build of this TensorFlow version exists. */
  force?: boolean;
  /** One line per step (default: stdout). */
  log?: (line: string) => void;
  /** python3 with pip (default $SKILL_LAB_PYTHON or python3). */
  python?: string;
  /** C++ compiler (default $CXX or g++). */
  cxx?: string;
}

/** The outcome of {@link buildNative}. */
export interface NativeBuildResult {
  manifest: NativeManifest;
  dir: string;
  /** False when a finished build was found and kept. */
  built: boolean;
  /** What the check printed: TensorFlow's device for the test product. */
  device: string;
}

/** Runs a command; resolves with stdout, rejects with a NativeBuildError carrying the end of stderr. */
function run(
  cmd: string,
  args: string[],
  what: string,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        maxBuffer: 64 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 30 * 60_000,
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        const tail = `${stderr}`.trim().split('\n').slice(-12).join('\n');
        reject(
          new NativeBuildError(
            missing
              ? `${what}: '${cmd}' was not found on the PATH`
              : `${what} failed (${cmd}):\n${tail || err.message}`,
          ),
        );
      },
    );
  });
}

async function seconds<T>(fn: () => Promise<T>): Promise<[T, string]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, `${((performance.now() - t0) / 1000).toFixed(1)} s`];
}

/** The project's tfjs-core version: tfjs-node's must equal it for npm's copy to be left out. */
function coreVersion(): string {
  return (requireHere('@tensorflow/tfjs-core/package.json') as { version: string }).version;
}

/** Checks python3 with pip, the compiler, npm and (GPU) the driver; returns their version lines. */
async function checkTools(
  variant: NativeVariant,
  python: string,
  cxx: string,
): Promise<{ pip: string; cxx: string; npm: string; driver: string | null }> {
  const pip = await run(python, ['-m', 'pip', '--version'], 'pip').catch((err: Error) => {
    throw new NativeBuildError(
      `${err.message}\npip is needed to fetch the TensorFlow wheel: install it (Debian: apt-get install python3-pip) ` +
        'or point SKILL_LAB_PYTHON at a python3 that has pip',
    );
  });
  const compiler = await run(cxx, ['--version'], 'the C++ compiler').catch((err: Error) => {
    throw new NativeBuildError(
      `${err.message}\na C++17 compiler is needed to build the binding: install g++ (Debian: apt-get install g++) or set CXX`,
    );
  });
  const npm = await run(npmCommand(), ['--version'], 'npm');
  let driver: string | null = null;
  if (variant === 'gpu') {
    driver = await run(
      'nvidia-smi',
      ['--query-gpu=name,driver_version', '--format=csv,noheader'],
      'nvidia-smi',
    )
      .then((s) => s.split('\n')[0].trim())
      .catch((err: Error) => {
        throw new NativeBuildError(
          `${err.message}\nthe GPU build needs an NVIDIA driver (for CUDA 12); without one, build the CPU backend: skill-lab native`,
        );
      });
  }
  return { pip: pip.trim(), cxx: compiler.split('\n')[0].trim(), npm: npm.trim(), driver };
}

function npmCommand(): string {
  return process.platform === 'win32' ? 'npm.cmd' : 'npm';
}

/** The wheel file in `dir` whose name starts with `prefix`, or null. */
function findWheel(dir: string, prefix: string): string | null {
  if (!existsSync(dir)) return null;
  const hit = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.whl'));
  return hit ? join(dir, hit) : null;
}

/**
 * Unpacks the TensorFlow libraries and C headers from a wheel (a zip) with python3's zipfile, and
 * lists the `and-cuda` extra's requirements from its METADATA.
 * @returns the requirement strings of the and-cuda extra (empty for tensorflow-cpu)
 */
async function unpackWheel(python: string, wheel: string, into: string): Promise<string[]> {
  const script = `
import json, sys, zipfile
wheel, into = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(wheel)
libs = ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2')
names = [n for n in z.namelist() if n in libs or n.startswith('tensorflow/include/')]
missing = [l for l in libs if l not in names]
if missing:
    sys.exit('the wheel lacks ' + ', '.join(missing))
for n in names:
    z.extract(n, into)
meta = [n for n in z.namelist() if n.endswith('.dist-info/METADATA')]
extra = []
for line in z.read(meta[0]).decode().splitlines() if meta else []:
    if line.startswith('Requires-Dist:') and 'extra == "and-cuda"' in line:
        extra.append(line.split(':', 1)[1].split(';')[0].strip())
print(json.dumps(extra))
`;
  const out = await run(python, ['-c', script, wheel, into], 'unpacking the wheel');
  return JSON.parse(out.trim().split('\n').pop() ?? '[]') as string[];
}

/**
 * Builds (or finds) the native TensorFlow backend of `variant`; see the file comment for the steps.
 * @throws NativeBuildError naming the step and what to do (pip, compiler or driver missing; a
 *   download, install or compile that failed; a binding that does not load)
 */
export async function buildNative(opts: NativeBuildOptions): Promise<NativeBuildResult> {
  const { variant } = opts;
  const log = opts.log ?? ((line: string) => console.log(line));
  const python = opts.python ?? process.env.SKILL_LAB_PYTHON ?? 'python3';
  const cxx = opts.cxx ?? process.env.CXX ?? 'g++';
  const dir = nativeBuildDir(variant);
  const existing = readNativeManifest(variant);
  if (
    existing &&
    !opts.force &&
    existing.tensorflow === TENSORFLOW_VERSION &&
    existing.tfjsNode === coreVersion()
  ) {
    const device = await checkBinding(join(dir, PACKAGE_IN_BUILD));
    log(`already built: TensorFlow ${existing.tensorflow} (${variant}) in ${dir} (--force rebuilds it)`);
    return { manifest: existing, dir, built: false, device };
  }

  const tools = await checkTools(variant, python, cxx);
  log(
    `[1/5] tools: ${tools.pip.split(' from ')[0]}, ${tools.cxx}, npm ${tools.npm}${tools.driver ? `, GPU ${tools.driver}` : ''}`,
  );

  const root = nativeBuildRoot();
  const wheels = join(root, 'wheels');
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  mkdirSync(wheels, { recursive: true });
  try {
    // 2. The wheel (cached) and, for the GPU, the CUDA libraries its and-cuda extra names.
    const project = variant === 'gpu' ? 'tensorflow' : 'tensorflow-cpu';
    const prefix = `${project.replace('-', '_')}-${TENSORFLOW_VERSION}-`;
    let wheel = findWheel(wheels, prefix);
    let took = 'cached';
    if (!wheel) {
      [, took] = await seconds(() =>
        run(
          python,
          [
            '-m',
            'pip',
            'download',
            '--no-deps',
            '--only-binary=:all:',
            '--dest',
            wheels,
            `${project}==${TENSORFLOW_VERSION}`,
          ],
          `pip download ${project}==${TENSORFLOW_VERSION}`,
        ),
      );
      wheel = findWheel(wheels, prefix);
      if (!wheel) throw new NativeBuildError(`pip reported success but no ${prefix}*.whl is in ${wheels}`);
    }
    const mb = Math.round(statSync(wheel).size / 2 ** 20);
    const tf = join(partial, 'tf');
    const [cuda, unpacked] = await seconds(() => unpackWheel(python, wheel!, tf));
    log(
      `[2/5] TensorFlow ${TENSORFLOW_VERSION}: ${wheel.split('/').pop()} (${mb} MB, ${took}), unpacked in ${unpacked}`,
    );
    const libDirs = [join(tf, 'tensorflow')];
    if (variant === 'gpu') {
      if (cuda.length === 0) throw new NativeBuildError(`${wheel}: its metadata names no and-cuda libraries`);
      const target = join(partial, 'cuda');
      const [, t] = await seconds(() =>
        run(
          python,
          ['-m', 'pip', 'install', '--no-deps', '--only-binary=:all:', '--target', target, ...cuda],
          'pip install (CUDA 12 wheels)',
        ),
      );
      const nvidia = join(target, 'nvidia');
      for (const name of existsSync(nvidia) ? readdirSync(nvidia) : []) {
        const lib = join(nvidia, name, 'lib');
        if (existsSync(lib)) libDirs.push(lib);
      }
      log(`      CUDA libraries: ${cuda.length} wheels (${t})`);
    }

    // 3. tfjs-node's JavaScript and binding sources, and the Node-API headers.
    const tfjsNode = coreVersion();
    const js = join(partial, 'js');
    mkdirSync(js, { recursive: true });
    writeFileSync(
      join(js, 'package.json'),
      `${JSON.stringify({ name: 'skill-lab-native', private: true }, null, 2)}\n`,
    );
    const [, npmTook] = await seconds(() =>
      run(
        npmCommand(),
        [
          'install',
          '--ignore-scripts',
          '--no-audit',
          '--no-fund',
          '--no-package-lock',
          '--loglevel=error',
          `@tensorflow/tfjs-node@${tfjsNode}`,
          'node-api-headers@1',
        ],
        `npm install @tensorflow/tfjs-node@${tfjsNode}`,
        { cwd: js },
      ),
    );
    // The engine's copies must be the ones tfjs-node registers into (see the file comment).
    for (const dup of ['tfjs-core', 'tfjs-backend-cpu'])
      rmSync(join(js, 'node_modules', '@tensorflow', dup), { recursive: true, force: true });
    log(`[3/5] @tensorflow/tfjs-node ${tfjsNode} and node-api-headers from npm (${npmTook})`);

    // 4. Compile the binding.
    const pkg = join(partial, PACKAGE_IN_BUILD);
    const out = bindingPath(pkg);
    mkdirSync(dirname(out), { recursive: true });
    const rpath = libDirs.map((d) => `$ORIGIN/${relative(dirname(out), d)}`).join(':');
    const [, cxxTook] = await seconds(() =>
      run(
        cxx,
        [
          '-std=c++17',
          '-O2',
          '-shared',
          '-fPIC',
          '-DNAPI_VERSION=8',
          '-I',
          join(js, 'node_modules', 'node-api-headers', 'include'),
          '-I',
          join(tf, 'tensorflow', 'include'),
          '-I',
          pkg,
          join(pkg, 'binding', 'tfjs_backend.cc'),
          join(pkg, 'binding', 'tfjs_binding.cc'),
          '-L',
          join(tf, 'tensorflow'),
          '-l:libtensorflow_cc.so.2',
          '-l:libtensorflow_framework.so.2',
          `-Wl,-rpath,${rpath}`,
          '-o',
          out,
        ],
        'compiling the binding',
      ),
    );
    // The headers are only for the compiler (≈ 290 MB).
    rmSync(join(tf, 'tensorflow', 'include'), { recursive: true, force: true });
    log(
      `[4/5] binding compiled with ${cxx} (${cxxTook}): ${relative(projectRoot(), out.replace(partial, dir))}`,
    );

    // 5. Load it in a child process before putting it in place.
    const device = await checkBinding(pkg);
    const manifest: NativeManifest = {
      format: 'skill-lab-native',
      version: 1,
      variant,
      tensorflow: TENSORFLOW_VERSION,
      wheel: wheel.split('/').pop()!,
      tfjsNode,
      compiler: tools.cxx,
      builtAt: new Date().toISOString(),
    };
    writeFileSync(join(partial, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
    log(`[5/5] check: the binding loads and multiplies on ${device}`);
    return { manifest, dir, built: true, device };
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Loads tfjs-node from `packageDir` in a child process (a binding that crashes must not take this
 * process with it), registers it into the project's tfjs-core and multiplies two matrices.
 * @returns TensorFlow's device: 'cpu' or 'gpu'
 * @throws NativeBuildError with what the child printed when it fails
 */
async function checkBinding(packageDir: string): Promise<string> {
  const script = `
const tf = require('@tensorflow/tfjs-core');
require(${JSON.stringify(packageDir)});
tf.setBackend('tensorflow').then((ok) => {
  if (!ok) throw new Error('the tensorflow backend did not initialize');
  const a = tf.tensor2d([[1, 2], [3, 4]]);
  const p = tf.matMul(a, a).dataSync().join(',');
  if (p !== '7,10,15,22') throw new Error('wrong product ' + p);
  console.log(tf.backend().isUsingGpuDevice ? 'gpu' : 'cpu');
}).catch((e) => { console.error(e.message); process.exit(1); });
`;
  const out = await run(process.execPath, ['-e', script], 'loading the built binding', {
    cwd: projectRoot(),
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ELECTRON_RUN_AS_NODE: '1' },
    timeoutMs: 120_000,
  });
  return out.trim().split('\n').pop() ?? 'cpu';
}
