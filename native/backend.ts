/**
 * The compute backend loader: picks the fastest tfjs backend that works on this machine and
 * registers it into the one `@tensorflow/tfjs-core` instance the whole engine imports.
 *
 * Order tried (DESIGN.md, "Measured on this machine class"):
 *   1. tfjs-node-gpu  TensorFlow with CUDA 12: the build of `skill-lab native --gpu`
 *   2. tfjs-node      TensorFlow on the CPU: the build of `skill-lab native`
 *   3. @tensorflow/tfjs-backend-wasm  XNNPACK in WebAssembly; always installed, always works
 *   4. @tensorflow/tfjs-backend-cpu   plain JS, the last resort
 * The npm packages @tensorflow/tfjs-node(-gpu) no longer install (their libtensorflow download
 * returns 403), so the two TensorFlow backends come from native/build (tensorflow_build.ts: the
 * binding compiled against the official TensorFlow wheel); a tfjs-node package installed in
 * node_modules some other way is still used when there is no build.
 *
 * `SKILL_LAB_BACKEND` (tfjs-node-gpu | tfjs-node | wasm | cpu | auto) overrides `opts.prefer`.
 * A named backend is used or an Error explains why it cannot be; `auto` (or nothing) walks the
 * order above — except for work on small networks (`networkWidth` below {@link NATIVE_MIN_WIDTH}),
 * which tries wasm first: TensorFlow's per-op cost through the eager C API outweighs its faster
 * matrix products there (README, "Native TensorFlow": a point-mass DIAYN run of 4000 env steps
 * took 20 s on wasm, 65 s on TensorFlow; a 2×64 SAC update 9 against 30 ms, 2×256 41 against 36).
 */
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { dirname, join, sep } from 'node:path';
import util from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { patchWasmKernels } from './wasm_fixes.ts';
import { nativePackageDir, readNativeManifest, type NativeVariant } from './tensorflow_build.ts';

/** The backends a user can ask for, by the package (or backend) name. */
export type BackendChoice = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';

/** Allowed values of `SKILL_LAB_BACKEND` and `prefer`, in the automatic order. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

/** What {@link initBackend} settled on; recorded with every run. */
export interface BackendInfo {
  /** The tfjs backend name: 'tensorflow' (tfjs-node, -gpu), 'wasm' or 'cpu'. */
  name: string;
  /** The npm package that provides it. */
  package: string;
  /** That package's version. */
  version: string;
  /** Where the math runs, e.g. 'cpu (wasm simd)', 'cpu (libtensorflow)', 'gpu: NVIDIA H200'. */
  device: string;
  /** TensorFlow's version and the wheel it came from, for the TensorFlow backends of native/build. */
  tensorflow?: string;
  /** Each backend tried before this one and why it was passed over, e.g. '@tensorflow/tfjs-node-gpu: not installed'. */
  tried: string[];
}

/**
 * The widest hidden layer from which the automatic order puts TensorFlow before wasm: the crossover
 * measured on this machine class (full SAC update, batch 256: 2×128 16.5 ms wasm / 34.2 ms
 * TensorFlow; 2×256 41.4 / 36.3; 2×512 66 / 37).
 */
export const NATIVE_MIN_WIDTH = 256;

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Use exactly this backend (Error if it cannot load); `SKILL_LAB_BACKEND` overrides it. */
  prefer?: BackendChoice | 'auto';
  /**
   * The widest hidden layer of the networks the process will train or run (0: small batches only,
   * e.g. planning); below {@link NATIVE_MIN_WIDTH} the automatic order tries wasm first. Unset: the
   * plain order (the bench, tools).
   */
  networkWidth?: number;
  /** Suppress the one-line report on first initialization. */
  quiet?: boolean;
}

/** A resolved request: `forced` is null for the automatic order. */
export interface BackendRequest {
  forced: BackendChoice | null;
  /** Where the request came from, for error messages. */
  source: 'SKILL_LAB_BACKEND' | 'prefer' | 'default';
  order: BackendChoice[];
}

// Not named `require`: bundlers (electron-vite) inject their own `require` into ESM output.
const requireHere = createRequire(import.meta.url);

const PACKAGES: Record<BackendChoice, string> = {
  'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu',
  'tfjs-node': '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/**
 * Turns the environment value and the caller's preference into a request.
 *
 * @param envValue the value of `SKILL_LAB_BACKEND` (undefined or blank: not set)
 * @param prefer the caller's choice; overridden by a set `envValue`
 * @throws Error listing the allowed values when either names an unknown backend.
 */
export function resolveBackendRequest(envValue: string | undefined, prefer?: string): BackendRequest {
  const fromEnv = envValue?.trim();
  const [value, source] = fromEnv ? [fromEnv, 'SKILL_LAB_BACKEND' as const] : [prefer, 'prefer' as const];
  if (value === undefined || value === 'auto') {
    return { forced: null, source: value === undefined ? 'default' : source, order: [...BACKEND_CHOICES] };
  }
  if (!(BACKEND_CHOICES as readonly string[]).includes(value)) {
    throw new Error(
      `${source === 'prefer' ? 'backend preference' : 'SKILL_LAB_BACKEND'} '${value}' is not a compute backend; ` +
        `use one of: ${[...BACKEND_CHOICES, 'auto'].join(', ')}`,
    );
  }
  const forced = value as BackendChoice;
  return { forced, source, order: [forced] };
}

/**
 * tfjs-node 4.22 calls `util.isNullOrUndefined`, which Node removed in v23 (Electron ≥ 40 ships
 * Node 24); the fix was merged upstream but never released (tfjs#8425, tfjs#8609).
 */
function polyfillNodeUtil(): void {
  const u = util as unknown as { isNullOrUndefined?: (v: unknown) => boolean };
  u.isNullOrUndefined ??= (v: unknown) => v == null;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].trim();
}

function isMissingModule(err: unknown, pkg: string): boolean {
  const e = err as { code?: string; message?: string };
  return (
    (e?.code === 'MODULE_NOT_FOUND' || e?.code === 'ERR_MODULE_NOT_FOUND') && (e.message ?? '').includes(pkg)
  );
}

function packageVersion(pkg: string, loader: ModuleLoader): string {
  try {
    return (loader.load(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Name of the first visible NVIDIA GPU, or null when nvidia-smi is unavailable. */
function gpuName(): string | null {
  try {
    const visible = (process.env.CUDA_VISIBLE_DEVICES ?? '').split(',')[0].trim();
    const args = ['--query-gpu=name', '--format=csv,noheader'];
    if (/^\d+$/.test(visible)) args.push('-i', visible);
    const out = execFileSync('nvidia-smi', args, {
      timeout: 3000,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.split('\n')[0].trim() || null;
  } catch {
    return null;
  }
}

/** A load attempt: the info on success, or the reason it was passed over. */
type Attempt = { ok: true; info: Omit<BackendInfo, 'tried'>; short: string } | { ok: false; reason: string };

/** How node packages are found and loaded; replaceable so tests can stand in a fake package. */
export interface ModuleLoader {
  resolve(id: string): string;
  load(id: string): unknown;
}

/** Where the native TensorFlow builds are; replaceable so tests can pretend there is none. */
export interface NativeBuilds {
  /** Absolute path of a finished build's tfjs-node package, or null. */
  packageDir(variant: NativeVariant): string | null;
  manifest(variant: NativeVariant): ReturnType<typeof readNativeManifest>;
}

const nativeBuilds: NativeBuilds = { packageDir: nativePackageDir, manifest: readNativeManifest };
/** No native build (tests of the package path and of the fallback order). */
export const NO_NATIVE_BUILDS: NativeBuilds = { packageDir: () => null, manifest: () => null };

const nodeLoader: ModuleLoader = { resolve: (id) => requireHere.resolve(id), load: (id) => requireHere(id) };

/** The reason a TensorFlow backend is absent, with the command that builds it. */
function notBuilt(choice: 'tfjs-node-gpu' | 'tfjs-node'): string {
  return `not built (build it with \`npx skill-lab native${choice === 'tfjs-node-gpu' ? ' --gpu' : ''}\`)`;
}

async function loadNode(
  choice: 'tfjs-node-gpu' | 'tfjs-node',
  loader: ModuleLoader,
  builds: NativeBuilds,
): Promise<Attempt> {
  const variant: NativeVariant = choice === 'tfjs-node-gpu' ? 'gpu' : 'cpu';
  const built = builds.packageDir(variant);
  let pkg = PACKAGES[choice];
  if (built) pkg = built;
  else {
    try {
      loader.resolve(pkg);
    } catch {
      return { ok: false, reason: notBuilt(choice) };
    }
  }
  polyfillNodeUtil();
  // libtensorflow logs every op placement at INFO level; keep warnings (missing CUDA libraries).
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '1';
  try {
    // CommonJS require, not import(): tfjs-node is CommonJS and must bind to the same
    // tfjs-core module record that Node's resolution gives this engine.
    loader.load(pkg);
  } catch (err) {
    if (isMissingModule(err, 'tfjs_binding')) {
      return {
        ok: false,
        reason: `installed without its native binding (libtensorflow download failed?): ${firstLine(err)}`,
      };
    }
    return { ok: false, reason: `failed to load: ${firstLine(err)}` };
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    return {
      ok: false,
      reason:
        `loaded, but registered its backend in another copy of @tensorflow/tfjs-core ` +
        `(this engine uses ${tf.version_core}; align the versions so npm deduplicates them)`,
    };
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend('tensorflow');
  } catch (err) {
    return { ok: false, reason: `backend failed to initialize: ${firstLine(err)}` };
  }
  if (!ok) return { ok: false, reason: 'backend failed to initialize' };
  const be = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
  let device = 'cpu (libtensorflow)';
  if (be.isUsingGpuDevice) device = `gpu: ${gpuName() ?? 'CUDA device'}`;
  else if (choice === 'tfjs-node-gpu') device = 'cpu (libtensorflow; no usable GPU)';
  const version = packageVersion(pkg, loader);
  const manifest = built ? builds.manifest(variant) : null;
  return {
    ok: true,
    info: {
      name: 'tensorflow',
      package: PACKAGES[choice],
      version,
      device,
      ...(manifest
        ? { tensorflow: `${manifest.tensorflow} (${manifest.wheel}, native/build/${variant})` }
        : {}),
    },
    short: device.startsWith('gpu') ? device : 'cpu',
  };
}

async function loadWasm(): Promise<Attempt> {
  const pkg = PACKAGES.wasm;
  try {
    const wasm =
      (await import('@tensorflow/tfjs-backend-wasm')) as typeof import('@tensorflow/tfjs-backend-wasm');
    // Point the loader at the package's own .wasm files by absolute path: after bundling
    // (electron-vite) or from another working directory the default lookup beside the
    // loaded script can miss them.
    const dist = join(dirname(requireHere.resolve(`${pkg}/package.json`)), 'dist') + sep;
    wasm.setWasmPaths(dist);
    if (!(await tf.setBackend('wasm'))) return { ok: false, reason: 'backend failed to initialize' };
    patchWasmKernels();
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
    const threads = wasm.getThreadsCount();
    const what = `wasm${simd ? ' simd' : ''}${threads > 1 ? `, ${threads} threads` : ''}`;
    return {
      ok: true,
      info: { name: 'wasm', package: pkg, version: wasm.version_wasm, device: `cpu (${what})` },
      short: `cpu${simd ? ' simd' : ''}`,
    };
  } catch (err) {
    return { ok: false, reason: `failed to load: ${firstLine(err)}` };
  }
}

async function loadCpu(): Promise<Attempt> {
  const pkg = PACKAGES.cpu;
  try {
    const cpu =
      (await import('@tensorflow/tfjs-backend-cpu')) as typeof import('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend('cpu'))) return { ok: false, reason: 'backend failed to initialize' };
    // The cpu backend prints a multi-line "install tfjs-node" banner on first use; the report
    // line below already says which backend runs.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
    return {
      ok: true,
      info: { name: 'cpu', package: pkg, version: cpu.version_cpu, device: 'cpu (js)' },
      short: 'cpu js',
    };
  } catch (err) {
    return { ok: false, reason: `failed to load: ${firstLine(err)}` };
  }
}

function load(choice: BackendChoice, loader: ModuleLoader, builds: NativeBuilds): Promise<Attempt> {
  switch (choice) {
    case 'tfjs-node-gpu':
    case 'tfjs-node':
      return loadNode(choice, loader, builds);
    case 'wasm':
      return loadWasm();
    case 'cpu':
      return loadCpu();
  }
}

/**
 * Loads and activates a backend for a request, without caching or printing (the engine calls
 * {@link initBackend}; this is its worker, exposed for tests and tools).
 *
 * @param loader how node packages are resolved and loaded (tests pass a fake)
 * @param builds where the native TensorFlow builds are (tests pass {@link NO_NATIVE_BUILDS})
 * @param networkWidth see {@link InitBackendOptions.networkWidth}
 * @returns the info, plus the short label for the report line.
 * @throws Error when a forced backend cannot be used (with the reason) or nothing loads.
 */
export async function selectBackend(
  request: BackendRequest,
  loader: ModuleLoader = nodeLoader,
  builds: NativeBuilds = nativeBuilds,
  networkWidth?: number,
): Promise<{ info: BackendInfo; short: string }> {
  const tried: string[] = [];
  let order = request.order;
  if (!request.forced && networkWidth !== undefined && networkWidth < NATIVE_MIN_WIDTH) {
    order = order.filter((c) => c === 'wasm' || c === 'cpu');
    for (const choice of ['tfjs-node-gpu', 'tfjs-node'] as const) {
      const variant: NativeVariant = choice === 'tfjs-node-gpu' ? 'gpu' : 'cpu';
      const why = builds.packageDir(variant)
        ? `not used for ${networkWidth ? `${networkWidth}-wide networks` : 'small batches'} ` +
          `(wasm is faster below ${NATIVE_MIN_WIDTH} units; SKILL_LAB_BACKEND=${choice} uses it anyway)`
        : notBuilt(choice);
      tried.push(`${PACKAGES[choice]}: ${why}`);
    }
  }
  for (const choice of order) {
    const attempt = await load(choice, loader, builds);
    if (attempt.ok) return { info: { ...attempt.info, tried }, short: attempt.short };
    tried.push(`${PACKAGES[choice]}: ${attempt.reason}`);
    if (request.forced) {
      throw new Error(
        `compute backend '${choice}' was requested by ${request.source} but cannot be used: ` +
          `${PACKAGES[choice]}: ${attempt.reason}`,
      );
    }
  }
  throw new Error(`no compute backend could be loaded; tried: ${tried.join('; ')}`);
}

let pending: Promise<BackendInfo> | null = null;
let active: { info: BackendInfo; choice: BackendChoice } | null = null;

function choiceOf(info: BackendInfo): BackendChoice {
  return (Object.keys(PACKAGES) as BackendChoice[]).find((c) => PACKAGES[c] === info.package) ?? 'wasm';
}

/**
 * Initializes the compute backend once per process and returns what was chosen. Later calls
 * return the same info; a later call that forces a different backend throws (tfjs holds one
 * active backend per process and the engine's tensors live there).
 *
 * Prints one line on first initialization unless `quiet`, e.g.
 * `[skill-lab] compute backend: wasm (@tensorflow/tfjs-backend-wasm 4.22.0, cpu simd); tried: tfjs-node-gpu (not installed), tfjs-node (not installed)`.
 *
 * @throws Error when `SKILL_LAB_BACKEND` or `prefer` names an unknown backend (listing the
 *   allowed ones), when a forced backend cannot load (saying why), or when nothing loads.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const request = resolveBackendRequest(process.env.SKILL_LAB_BACKEND, opts.prefer);
  if (pending) {
    const info = await pending;
    const choice = choiceOf(info);
    if (request.forced && request.forced !== choice) {
      throw new Error(
        `compute backend already initialized as '${choice}'; '${request.forced}' (from ${request.source}) ` +
          `cannot be activated in the same process`,
      );
    }
    return info;
  }
  pending = (async () => {
    const { info, short } = await selectBackend(request, nodeLoader, nativeBuilds, opts.networkWidth);
    active = { info, choice: choiceOf(info) };
    if (!opts.quiet) {
      const tried = info.tried.map((t) => {
        const [pkg, ...why] = t.split(': ');
        return `${pkg.replace('@tensorflow/', '')} (${why.join(': ')})`;
      });
      console.error(
        `[skill-lab] compute backend: ${info.name} (${info.package} ${info.version}` +
          `${info.tensorflow ? `, TensorFlow ${info.tensorflow.split(' ')[0]}` : ''}, ${short})` +
          (tried.length > 0 ? `; tried: ${tried.join(', ')}` : ''),
      );
    }
    return info;
  })();
  try {
    return await pending;
  } catch (err) {
    pending = null;
    throw err;
  }
}

/** The backend chosen by {@link initBackend}, or null before it finished. */
export function backendInfo(): BackendInfo | null {
  return active ? { ...active.info, tried: [...active.info.tried] } : null;
}
