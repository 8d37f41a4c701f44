/**
 * Checkpoint I/O: named float32 arrays in a small binary file, network weights to and from
 * arrays, and Adam optimizer state keyed by stable parameter names.
 *
 * File format, version 1 (all integers little-endian):
 *
 *   offset  size  content
 *   0       8     magic, ASCII "SKLTENS1"
 *   8       4     uint32 format version (1)
 *   12      4     uint32 header length H in bytes
 *   16      H     UTF-8 JSON header, right-padded with spaces so that 16 + H is a multiple of 8:
 *                 { "meta": <caller's JSON>, "dataBytes": N, "crc32": <CRC-32 of the data>,
 *                   "tensors": [{ "name", "shape": [..], "offset": <byte offset in data>,
 *                                 "length": <element count> }, ...] }
 *   16 + H  N     data: each tensor's float32 values, little-endian, row-major, at its offset
 *
 * The CRC-32 (zlib's polynomial) over the data lets a reader tell a damaged file from a valid
 * one; the header's own consistency (offsets, lengths, shapes, file size) is checked as well.
 * Writes are atomic: the file is written beside the target, fsynced, then renamed over it, so a
 * crash leaves either the old or the new checkpoint, never a torn one.
 */
import { writeFileAtomic } from '../atomic.ts';
import { promises as fsp } from 'node:fs';
import { endianness } from 'node:os';
import { crc32 } from 'node:zlib';
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { Adam } from './adam.ts';

/** Named float32 arrays: what a checkpoint stores. `data.length` equals the product of `shape`. */
export type NamedArrays = Record<string, { shape: number[]; data: Float32Array }>;

const MAGIC = Buffer.from('SKLTENS1', 'ascii');
const VERSION = 1;
const PREAMBLE = 16;
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

function sizeOf(shape: number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

function validShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d >= 0);
}

/** The bytes of a Float32Array in little-endian order (a view when the host is little-endian). */
function leBytes(data: Float32Array): Buffer {
  if (LITTLE_ENDIAN_HOST) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out = Buffer.alloc(data.byteLength);
  for (let i = 0; i < data.length; i++) out.writeFloatLE(data[i], 4 * i);
  return out;
}

/**
 * Writes named arrays and optional JSON metadata to `path`, atomically (see the file comment).
 *
 * @param path destination file; its directory must exist
 * @param arrays the arrays; each `data` must be a Float32Array of `shape`'s size
 * @param meta any JSON-serializable value, returned by {@link readTensorFile}
 * @param opts.previous keep the file `path` held until now under this name (a rotation that leaves
 *   two complete files at every instant; see writeFileAtomic in engine/atomic.ts)
 * @throws Error naming the entry when an array is malformed, or the file system's error.
 */
export async function writeTensorFile(
  path: string,
  arrays: NamedArrays,
  meta?: object,
  opts: { previous?: string } = {},
): Promise<void> {
  const tensors: TensorEntry[] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  let crc = 0;
  for (const [name, a] of Object.entries(arrays)) {
    if (!a || !(a.data instanceof Float32Array))
      throw new Error(`writeTensorFile ${path}: '${name}' has no Float32Array data`);
    if (!validShape(a.shape) || sizeOf(a.shape) !== a.data.length) {
      throw new Error(
        `writeTensorFile ${path}: '${name}' has ${a.data.length} values but shape ${JSON.stringify(a.shape)}`,
      );
    }
    const bytes = leBytes(a.data);
    tensors.push({ name, shape: [...a.shape], offset, length: a.data.length });
    chunks.push(bytes);
    // zlib's crc32 of a buffer without storage (an empty array) resets the running value to 0.
    if (bytes.length > 0) crc = crc32(bytes, crc);
    offset += bytes.length;
  }
  let headerJson = JSON.stringify({ meta: meta ?? null, dataBytes: offset, crc32: crc >>> 0, tensors });
  const headerBytes = Buffer.byteLength(headerJson, 'utf8');
  headerJson += ' '.repeat((8 - ((PREAMBLE + headerBytes) % 8)) % 8);
  const header = Buffer.from(headerJson, 'utf8');
  const preamble = Buffer.alloc(PREAMBLE);
  MAGIC.copy(preamble, 0);
  preamble.writeUInt32LE(VERSION, 8);
  preamble.writeUInt32LE(header.length, 12);

  // Large arrays go to disk one after another, without first being concatenated into one buffer.
  await writeFileAtomic(path, [preamble, header, ...chunks], opts);
}

/** Options of {@link readTensorFile}. */
export interface ReadTensorOptions {
  /**
   * Which arrays to copy out (default: all). The whole file is still checked (header and data
   * checksum); unselected arrays are never copied, so e.g. a run's frozen policy loads without
   * materializing its replay buffer.
   */
  select?: (name: string) => boolean;
  /** Also return the SHA-256 of the whole file (hex), to name exactly which checkpoint was read. */
  sha256?: boolean;
}

/**
 * Reads a file written by {@link writeTensorFile}.
 *
 * @returns the (selected) arrays as fresh Float32Arrays, the stored meta (null when none was given)
 *   and, when asked for, the file's SHA-256
 * @throws Error naming the file and the problem when it is missing, unreadable, truncated, of
 *   another format or version, or corrupt (inconsistent header or data checksum mismatch).
 */
export async function readTensorFile(
  path: string,
  opts: ReadTensorOptions = {},
): Promise<{ arrays: NamedArrays; meta: any; sha256?: string }> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`tensor file ${path}: does not exist`, { cause: err });
    throw new Error(`tensor file ${path}: cannot be read (${(err as Error).message})`, { cause: err });
  }
  const fail = (what: string): never => {
    throw new Error(`tensor file ${path}: ${what}`);
  };
  if (buf.length < PREAMBLE)
    fail(`truncated (${buf.length} bytes, shorter than the ${PREAMBLE}-byte preamble)`);
  if (!buf.subarray(0, 8).equals(MAGIC)) fail('not a skill-lab tensor file (bad magic bytes)');
  const version = buf.readUInt32LE(8);
  if (version !== VERSION)
    fail(`unsupported format version ${version} (this build reads version ${VERSION})`);
  const headerLength = buf.readUInt32LE(12);
  if (PREAMBLE + headerLength > buf.length) {
    fail(`truncated (header of ${headerLength} bytes runs past the end of the ${buf.length}-byte file)`);
  }
  let header: { meta?: unknown; dataBytes?: unknown; crc32?: unknown; tensors?: unknown };
  try {
    header = JSON.parse(buf.toString('utf8', PREAMBLE, PREAMBLE + headerLength));
  } catch (err) {
    throw new Error(`tensor file ${path}: corrupt header (${(err as Error).message})`, { cause: err });
  }
  const { dataBytes, tensors } = header;
  if (!Number.isInteger(dataBytes) || !Array.isArray(tensors) || !Number.isInteger(header.crc32)) {
    fail('corrupt header (missing dataBytes, crc32 or tensors)');
  }
  const dataStart = PREAMBLE + headerLength;
  const expected = dataStart + (dataBytes as number);
  if (buf.length < expected) fail(`truncated (${buf.length} bytes, expected ${expected})`);
  if (buf.length > expected) fail(`corrupt (${buf.length - expected} unexpected bytes after the data)`);
  const data = buf.subarray(dataStart, expected);
  if (crc32(data) >>> 0 !== header.crc32) fail('corrupt data (checksum mismatch)');

  const arrays: NamedArrays = {};
  const seen = new Set<string>();
  for (const t of tensors as TensorEntry[]) {
    const name = t?.name;
    if (
      typeof name !== 'string' ||
      !validShape(t.shape) ||
      !Number.isInteger(t.offset) ||
      !Number.isInteger(t.length)
    ) {
      fail(`corrupt header (malformed tensor entry ${JSON.stringify(t)})`);
    }
    if (seen.has(name)) fail(`corrupt header (tensor '${name}' listed twice)`);
    seen.add(name);
    if (sizeOf(t.shape) !== t.length)
      fail(`corrupt header ('${name}' has ${t.length} values but shape [${t.shape}])`);
    if (t.offset < 0 || t.offset % 4 !== 0 || t.offset + 4 * t.length > data.length) {
      fail(`corrupt header ('${name}' lies outside the data section)`);
    }
    if (opts.select && !opts.select(name)) continue;
    const out = new Float32Array(t.length);
    const src = data.subarray(t.offset, t.offset + 4 * t.length);
    if (LITTLE_ENDIAN_HOST) new Uint8Array(out.buffer).set(src);
    else for (let i = 0; i < t.length; i++) out[i] = src.readFloatLE(4 * i);
    arrays[name] = { shape: [...t.shape], data: out };
  }
  const sha256 = opts.sha256 ? createHash('sha256').update(buf).digest('hex') : undefined;
  return { arrays, meta: header.meta ?? null, ...(sha256 ? { sha256 } : {}) };
}

/**
 * Copies variables' current values into named arrays.
 *
 * @param vars stable logical name → variable (float32; int32 values are stored as float32,
 *   exact below 2^24)
 * @returns one entry per variable, with copied data
 */
export function variablesToArrays(vars: Record<string, tf.Variable>): NamedArrays {
  const out: NamedArrays = {};
  for (const [name, v] of Object.entries(vars)) {
    out[name] = { shape: [...v.shape], data: Float32Array.from(v.dataSync() as ArrayLike<number>) };
  }
  return out;
}

/**
 * Assigns stored arrays to variables by logical name. All entries are checked before any
 * variable changes, so a failed restore leaves the network as it was. Entries of `arrays` that
 * name no variable are ignored.
 *
 * @param vars logical name → variable to overwrite
 * @param arrays stored values, e.g. from {@link readTensorFile}
 * @param context prefix of error messages, e.g. 'SAC critic'
 * @throws Error naming the parameter when it is missing from `arrays` or its shape differs.
 */
export function assignArrays(vars: Record<string, tf.Variable>, arrays: NamedArrays, context: string): void {
  for (const [name, v] of Object.entries(vars)) {
    const a = arrays[name];
    if (!a) throw new Error(`${context}: parameter '${name}' is missing from the checkpoint`);
    if (!tf.util.arraysEqual(a.shape, v.shape) || a.data.length !== v.size) {
      throw new Error(
        `${context}: parameter '${name}' has shape [${a.shape.join(', ')}] in the checkpoint ` +
          `but [${v.shape.join(', ')}] in the network`,
      );
    }
  }
  tf.tidy(() => {
    for (const [name, v] of Object.entries(vars)) v.assign(tf.tensor(arrays[name].data, v.shape, v.dtype));
  });
}

/**
 * Adam with the hyperparameters spelled out (nn/adam.ts: tf.train.adam's arithmetic over flat
 * moments). Without an explicit ε, tfjs uses the backend's epsilon (1e-7 on wasm and cpu), so the
 * same run would differ across backends; the default here is the ε = 1e-8 of Kingma & Ba (2015,
 * Algorithm 1) and of the TF1 AdamOptimizer in the SAC, DIAYN and DADS reference code.
 *
 * @param lr step size α
 * @param opts β₁ (default 0.9), β₂ (default 0.999), ε (default 1e-8)
 * @throws Error when lr is not a positive finite number.
 */
export function makeAdam(lr: number, opts: { beta1?: number; beta2?: number; epsilon?: number } = {}): Adam {
  if (!(lr > 0 && Number.isFinite(lr)))
    throw new Error(`makeAdam: learning rate must be positive, got ${lr}`);
  return new Adam(lr, opts.beta1 ?? 0.9, opts.beta2 ?? 0.999, opts.epsilon ?? 1e-8);
}

const TWO24 = 2 ** 24;

/**
 * Snapshots an Adam optimizer's state (Kingma & Ba 2015, Algorithm 1: first and second moment
 * estimates m, v per parameter, the step count t and β₁ᵗ, β₂ᵗ) as named arrays keyed by the
 * stable logical names, so it can be restored into a fresh optimizer over fresh variables.
 *
 * Keys: `m/<name>`, `v/<name>`, `slot/<name>` (the parameter's position in the optimizer,
 * i.e. in the varList given to minimize), `iterations` ([hi, lo], t = hi·2^24 + lo, exact in
 * float32), `beta_powers` ([β₁ᵗ⁺¹, β₂ᵗ⁺¹] as the optimizer holds them), `betas` ([β₁, β₂]). The
 * layout is the one checkpoints had when the optimizer was tf.train.adam, so those still load.
 *
 * @param opt an optimizer from {@link makeAdam}
 * @param vars logical name → variable; must include every variable the optimizer has state for
 * @throws Error when the optimizer holds state for a variable not in `vars`.
 */
export async function adamState(opt: Adam, vars: Record<string, tf.Variable>): Promise<NamedArrays> {
  const logicalOf = new Map(Object.entries(vars).map(([logical, v]) => [v, logical]));
  const snap = await opt.snapshot();
  const out: NamedArrays = {};
  const t = snap.iterations;
  out.iterations = { shape: [2], data: Float32Array.of(Math.floor(t / TWO24), t % TWO24) };
  out.beta_powers = { shape: [2], data: Float32Array.of(...snap.betaPowers) };
  out.betas = { shape: [2], data: Float32Array.of(opt.beta1, opt.beta2) };
  snap.slots.forEach(({ variable, m, v }, i) => {
    const logical = logicalOf.get(variable);
    if (logical === undefined) {
      throw new Error(
        `adamState: the optimizer holds state for variable '${variable.name}', which is not among the given variables`,
      );
    }
    out[`m/${logical}`] = { shape: [...variable.shape], data: m };
    out[`v/${logical}`] = { shape: [...variable.shape], data: v };
    out[`slot/${logical}`] = { shape: [1], data: Float32Array.of(i) };
  });
  return out;
}

/**
 * Restores {@link adamState}'s snapshot into an optimizer (typically fresh) over `vars`, so that
 * the next update equals the one the original optimizer would have made. Existing state of
 * `opt` is replaced. The slot order of the snapshot is kept, so `minimize` must get the same
 * varList order as the original training did (the same code does).
 *
 * @param opt an Adam optimizer created with the same β₁, β₂
 * @param vars logical name → variable; every parameter in the snapshot must be present
 * @param arrays the snapshot (keys as in {@link adamState})
 * @throws Error naming the entry when a key is missing, a parameter is unknown or differs in
 *   shape, the slot indices are inconsistent, or β₁, β₂ differ from the snapshot's.
 */
export async function restoreAdamState(
  opt: Adam,
  vars: Record<string, tf.Variable>,
  arrays: NamedArrays,
): Promise<void> {
  const need = (key: string, length: number) => {
    const a = arrays[key];
    if (!a || a.data.length !== length)
      throw new Error(`restoreAdamState: optimizer state '${key}' is missing or malformed`);
    return a.data;
  };
  const [hi, lo] = need('iterations', 2);
  const [b1t, b2t] = need('beta_powers', 2);
  const [beta1, beta2] = need('betas', 2);
  if (beta1 !== Math.fround(opt.beta1) || beta2 !== Math.fround(opt.beta2)) {
    throw new Error(
      // float32 storage: show the values at float32 precision (0.9, not 0.8999999761581421).
      `restoreAdamState: the checkpoint's optimizer used β₁=${+beta1.toPrecision(7)}, β₂=${+beta2.toPrecision(7)}, ` +
        `this one uses β₁=${opt.beta1}, β₂=${opt.beta2}`,
    );
  }
  const slots: Array<{ logical: string; index: number }> = [];
  for (const key of Object.keys(arrays)) {
    if (!key.startsWith('slot/')) continue;
    const logical = key.slice('slot/'.length);
    const v = vars[logical];
    if (!v)
      throw new Error(
        `restoreAdamState: the checkpoint has optimizer state for '${logical}', which is not among the given variables`,
      );
    for (const kind of ['m', 'v']) {
      const a = arrays[`${kind}/${logical}`];
      if (!a) throw new Error(`restoreAdamState: optimizer state '${kind}/${logical}' is missing`);
      if (!tf.util.arraysEqual(a.shape, v.shape)) {
        throw new Error(
          `restoreAdamState: optimizer state '${kind}/${logical}' has shape [${a.shape.join(', ')}] but the parameter has [${v.shape.join(', ')}]`,
        );
      }
    }
    slots.push({ logical, index: need(key, 1)[0] });
  }
  slots.sort((a, b) => a.index - b.index);
  if (slots.some((s, i) => s.index !== i)) {
    throw new Error(`restoreAdamState: optimizer slot indices are not 0..${slots.length - 1}`);
  }
  opt.restore({
    iterations: hi * TWO24 + lo,
    betaPowers: [b1t, b2t],
    slots: slots.map(({ logical }) => ({
      variable: vars[logical],
      m: arrays[`m/${logical}`].data,
      v: arrays[`v/${logical}`].data,
    })),
  });
}
