import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Adam } from './adam.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { Rng } from '../rng.ts';
import {
  adamState,
  assignArrays,
  makeAdam,
  readTensorFile,
  restoreAdamState,
  variablesToArrays,
  writeTensorFile,
  type NamedArrays,
} from './checkpoint.ts';
import { MLP } from './mlp.ts';

let dir: string;
beforeAll(async () => {
  await initBackend({ quiet: true });
  dir = mkdtempSync(join(tmpdir(), 'skill-lab-ckpt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('tensor files', () => {
  const arrays: NamedArrays = {
    'policy/l0/kernel': { shape: [2, 3], data: Float32Array.of(1, -2.5, 3e-38, NaN, -0, Infinity) },
    'policy/l0/bias': { shape: [3], data: Float32Array.of(0.1, 0.2, 0.3) },
    scalar: { shape: [], data: Float32Array.of(42) },
    empty: { shape: [0, 4], data: new Float32Array(0) },
    'ünïcode name/with spaces': { shape: [1], data: Float32Array.of(-1) },
  };

  it('round-trips arrays bit for bit, with metadata, atomically', async () => {
    const path = join(dir, 'a.bin');
    const meta = { format: 'skill-lab-checkpoint', iteration: 12, nested: { ok: true } };
    await writeTensorFile(path, arrays, meta);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const raw = readFileSync(path);
    expect(raw.subarray(0, 8).toString('ascii')).toBe('SKLTENS1');
    expect(raw.readUInt32LE(8)).toBe(1);
    expect((16 + raw.readUInt32LE(12)) % 8).toBe(0);
    const back = await readTensorFile(path);
    expect(back.meta).toEqual(meta);
    expect(Object.keys(back.arrays)).toEqual(Object.keys(arrays));
    for (const [name, a] of Object.entries(arrays)) {
      expect(back.arrays[name].shape).toEqual(a.shape);
      expect(bits(back.arrays[name].data)).toEqual(bits(a.data));
    }
    // Overwriting replaces the file; without meta, meta reads back as null.
    await writeTensorFile(path, { x: { shape: [1], data: Float32Array.of(7) } });
    const again = await readTensorFile(path);
    expect(again.meta).toBeNull();
    expect(Object.keys(again.arrays)).toEqual(['x']);
  });

  it('copies out only the selected arrays, still checks the whole file, and hashes it when asked', async () => {
    const file = join(dir, 'select.bin');
    await writeTensorFile(file, arrays, { step: 3 });
    const read = await readTensorFile(file, { select: (name) => name.startsWith('policy/'), sha256: true });
    expect(Object.keys(read.arrays)).toEqual(['policy/l0/kernel', 'policy/l0/bias']);
    expect(bits(read.arrays['policy/l0/kernel'].data)).toEqual(bits(arrays['policy/l0/kernel'].data));
    expect(read.meta).toEqual({ step: 3 });
    expect(read.sha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    expect((await readTensorFile(file)).sha256).toBeUndefined();
    // Damage in an array nobody selected (the last one) is still damage.
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 0x01;
    writeFileSync(file, bytes);
    await expect(readTensorFile(file, { select: (name) => name.startsWith('policy/') })).rejects.toThrow(
      /checksum mismatch/,
    );
  });

  it('refuses malformed arrays, naming the entry', async () => {
    await expect(
      writeTensorFile(join(dir, 'bad.bin'), { w: { shape: [2, 2], data: new Float32Array(3) } }),
    ).rejects.toThrow(/'w' has 3 values but shape \[2,2\]/);
    expect(existsSync(join(dir, 'bad.bin'))).toBe(false);
  });

  describe('reports damaged files with the path and the problem', () => {
    let good: Buffer;
    const path = () => join(dir, 'damaged.bin');
    beforeAll(async () => {
      await writeTensorFile(join(dir, 'good.bin'), arrays, { a: 1 });
      good = readFileSync(join(dir, 'good.bin'));
    });
    const expectError = async (bytes: Buffer, what: RegExp) => {
      writeFileSync(path(), bytes);
      const err = await readTensorFile(path()).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain(path());
      expect((err as Error).message).toMatch(what);
    };

    it('missing', async () => {
      await expect(readTensorFile(join(dir, 'nope.bin'))).rejects.toThrow(
        `tensor file ${join(dir, 'nope.bin')}: does not exist`,
      );
    });
    it('truncated in the data', () => expectError(good.subarray(0, good.length - 5), /truncated/));
    it('truncated in the header', () => expectError(good.subarray(0, 40), /truncated/));
    it('truncated in the preamble', () => expectError(good.subarray(0, 10), /truncated/));
    it('another format', () =>
      expectError(
        Buffer.concat([Buffer.from('PK\x03\x04....'), good.subarray(12)]),
        /not a skill-lab tensor file/,
      ));
    it('a future version', () => {
      const b = Buffer.from(good);
      b.writeUInt32LE(2, 8);
      return expectError(b, /unsupported format version 2/);
    });
    it('a flipped data bit', () => {
      const b = Buffer.from(good);
      b[b.length - 3] ^= 0x10;
      return expectError(b, /corrupt data \(checksum mismatch\)/);
    });
    it('a damaged header', () => {
      const b = Buffer.from(good);
      b[b.indexOf('"tensors"')] = 0x78; // an unquoted key: invalid JSON
      return expectError(b, /corrupt header/);
    });
    it('trailing bytes', () => expectError(Buffer.concat([good, Buffer.alloc(4)]), /unexpected bytes/));
  });
});

describe('variables ↔ arrays', () => {
  it('restores a network exactly, and refuses missing or misshapen parameters without partial writes', () => {
    const a = new MLP({ name: 'pi', inputDim: 3, hiddenSizes: [5], outputDim: 2, seed: 1 });
    const b = new MLP({ name: 'pi', inputDim: 3, hiddenSizes: [5], outputDim: 2, seed: 2 });
    const saved = variablesToArrays(a.namedVariables());
    expect(Object.keys(saved)).toEqual(a.paramNames());
    // The arrays are copies, not views of tfjs memory.
    a.variables[0].assign(tf.zerosLike(a.variables[0]));
    expect(saved['pi/l0/kernel'].data.some((x) => x !== 0)).toBe(true);

    const bBefore = b.variables.map((v) => Array.from(v.dataSync()));
    const { ['pi/l1/bias']: _dropped, ...missing } = saved;
    expect(() => assignArrays(b.namedVariables(), missing, 'SAC policy')).toThrow(
      "SAC policy: parameter 'pi/l1/bias' is missing from the checkpoint",
    );
    const misshapen = { ...saved, 'pi/l1/kernel': { shape: [2, 5], data: new Float32Array(10) } };
    expect(() => assignArrays(b.namedVariables(), misshapen, 'SAC policy')).toThrow(
      "SAC policy: parameter 'pi/l1/kernel' has shape [2, 5] in the checkpoint but [5, 2] in the network",
    );
    b.variables.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(bBefore[i]));

    assignArrays(b.namedVariables(), saved, 'SAC policy');
    b.variables.forEach((v, i) =>
      expect(bits(v.dataSync() as Float32Array)).toEqual(bits(Object.values(saved)[i].data)),
    );
    a.dispose();
    b.dispose();
  });
});

/** Two networks under one optimizer, like SAC's twin critics. */
function setup(seed: number, opt: Adam) {
  const q1 = new MLP({ name: 'q1', inputDim: 4, hiddenSizes: [16, 16], outputDim: 1, seed });
  const q2 = new MLP({ name: 'q2', inputDim: 4, hiddenSizes: [16, 16], outputDim: 1, seed: seed + 100 });
  const varList = [...q1.variables, ...q2.variables];
  // Deliberately not in varList order: the snapshot must not depend on how the record is ordered.
  const named = { ...q2.namedVariables(), ...q1.namedVariables() };
  return { q1, q2, varList, named, opt, dispose: () => [q1, q2, opt].forEach((o) => o.dispose()) };
}

function batches(n: number): Array<{ x: tf.Tensor2D; y: tf.Tensor2D }> {
  const rng = new Rng(9);
  return Array.from({ length: n }, () => {
    const x = rng.fillNormal(new Float32Array(32 * 4)) as Float32Array;
    const y = rng.fillNormal(new Float32Array(32)) as Float32Array;
    return { x: tf.tensor2d(x, [32, 4]), y: tf.tensor2d(y, [32, 1]) };
  });
}

function train(s: ReturnType<typeof setup>, data: Array<{ x: tf.Tensor2D; y: tf.Tensor2D }>): void {
  for (const { x, y } of data) {
    const loss = s.opt.minimize(
      () =>
        tf.add(
          tf.mean(tf.squaredDifference(s.q1.apply(x), y)),
          tf.mean(tf.squaredDifference(s.q2.apply(x), y)),
        ) as tf.Scalar,
      true,
      s.varList,
    );
    loss?.dispose();
  }
}

describe('Adam state', () => {
  for (const [label, make] of [['makeAdam', () => makeAdam(3e-3)]] as const) {
    it(`a restored optimizer continues exactly like the original (${label})`, async () => {
      const data = batches(35);
      const original = setup(1, make());
      train(original, data.slice(0, 20));

      const path = join(dir, `adam-${label.length}.bin`);
      const arrays: NamedArrays = {};
      for (const [k, v] of Object.entries(variablesToArrays(original.named))) arrays[`weights/${k}`] = v;
      for (const [k, v] of Object.entries(await adamState(original.opt, original.named)))
        arrays[`opt/${k}`] = v;
      await writeTensorFile(path, arrays, { step: 20 });

      const restored = setup(50, make());
      const { arrays: loaded } = await readTensorFile(path);
      const part = (p: string) =>
        Object.fromEntries(
          Object.entries(loaded)
            .filter(([k]) => k.startsWith(p))
            .map(([k, v]) => [k.slice(p.length), v]),
        );
      assignArrays(restored.named, part('weights/'), 'critics');
      await restoreAdamState(restored.opt, restored.named, part('opt/'));
      expect(restored.opt.iterations).toBe(20);

      train(original, data.slice(20));
      train(restored, data.slice(20));
      original.varList.forEach((v, i) =>
        expect(bits(restored.varList[i].dataSync() as Float32Array)).toEqual(
          bits(v.dataSync() as Float32Array),
        ),
      );
      // A fresh optimizer without the restored state drifts away: the test can tell them apart.
      const naive = setup(50, make());
      assignArrays(naive.named, part('weights/'), 'critics');
      train(naive, data.slice(20));
      expect(bits(naive.varList[0].dataSync() as Float32Array)).not.toEqual(
        bits(original.varList[0].dataSync() as Float32Array),
      );
      [original, restored, naive].forEach((s) => s.dispose());
      data.forEach(({ x, y }) => tf.dispose([x, y]));
    });
  }

  it('replaces existing state without leaking, and encodes large step counts exactly', async () => {
    const data = batches(3);
    const s = setup(1, makeAdam(1e-3));
    train(s, data);
    const state = await adamState(s.opt, s.named);
    expect(Object.keys(state)).toContain('m/q1/l0/kernel');
    expect(Object.keys(state)).toContain('slot/q2/l2/bias');
    const before = tf.memory().numTensors;
    await restoreAdamState(s.opt, s.named, state);
    await restoreAdamState(s.opt, s.named, {
      ...state,
      iterations: { shape: [2], data: Float32Array.of(3, 5) },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(s.opt.iterations).toBe(3 * 2 ** 24 + 5);
    s.dispose();
    data.forEach(({ x, y }) => tf.dispose([x, y]));
  });

  it('names what is wrong with a snapshot', async () => {
    const data = batches(2);
    const s = setup(1, makeAdam(1e-3));
    train(s, data);
    const state = await adamState(s.opt, s.named);
    const { ['q1/l0/kernel']: _k, ...withoutOne } = s.named;
    await expect(adamState(s.opt, withoutOne)).rejects.toThrow(
      /holds state for variable 'q1\/l0\/kernel#\d+', which is not among/,
    );
    await expect(restoreAdamState(s.opt, withoutOne, state)).rejects.toThrow(
      /state for 'q1\/l0\/kernel', which is not among the given variables/,
    );
    const { ['v/q2/l1/kernel']: _v, ...noV } = state;
    await expect(restoreAdamState(s.opt, s.named, noV)).rejects.toThrow(
      "optimizer state 'v/q2/l1/kernel' is missing",
    );
    const { iterations: _i, ...noIter } = state;
    await expect(restoreAdamState(s.opt, s.named, noIter)).rejects.toThrow(
      "optimizer state 'iterations' is missing or malformed",
    );
    await expect(restoreAdamState(makeAdam(1e-3, { beta1: 0.5 }), s.named, state)).rejects.toThrow(
      /used β₁=0\.9, β₂=0\.999, this one uses β₁=0\.5, β₂=0\.999/,
    );
    s.dispose();
    data.forEach(({ x, y }) => tf.dispose([x, y]));
  });
});
