/**
 * The native TensorFlow backend (skill-lab native) computes what wasm computes: the same seeded SAC
 * updates (main/engine/algos/parity_probe.ts) in one process per backend agree to float32
 * round-off. CI builds the backend first (.ci/run); elsewhere the test runs once
 * `npx skill-lab native` has built it.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ParityProbe } from '../main/engine/algos/parity_probe.ts';
import { PARITY_UPDATES } from '../main/engine/algos/parity_probe.ts';
import { readNativeManifest } from './tensorflow_build.ts';

const root = resolve(import.meta.dirname, '..');
const exec = promisify(execFile);

async function probe(backend: string): Promise<ParityProbe> {
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', 'main/engine/algos/parity_probe.ts'], {
    cwd: root,
    env: { ...process.env, SKILL_LAB_BACKEND: backend, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  return JSON.parse(stdout) as ParityProbe;
}

/** Largest |a − b| / max(1, |b|) over two equally long lists. */
function worst(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]) / Math.max(1, Math.abs(b[i]))), 0);
}

const built = readNativeManifest('cpu') !== null;

describe.runIf(built || process.env.CI)('native TensorFlow against wasm', () => {
  it('the same seeded SAC updates give the same losses, weights and actions (within 1e-5)', async () => {
    expect(built, 'no native/build/cpu: .ci/run builds it with `skill-lab native`').toBe(true);
    const [wasm, native] = [await probe('wasm'), await probe('tfjs-node')];
    expect(wasm).toMatchObject({ backend: 'wasm' });
    expect(native).toMatchObject({ backend: 'tensorflow', device: 'cpu (libtensorflow)' });
    expect(native.stats).toHaveLength(PARITY_UPDATES);
    // float32 round-off, compounded over the updates (seen: ≈ 1e-7); a wrong kernel is off by far more.
    const keys = ['critic_loss', 'actor_loss', 'alpha_loss', 'alpha', 'entropy', 'q_mean'] as const;
    for (const key of keys)
      expect(
        worst(
          native.stats.map((s) => s[key] as number),
          wasm.stats.map((s) => s[key] as number),
        ),
        key,
      ).toBeLessThan(1e-5);
    expect(worst(native.weights, wasm.weights), 'weights').toBeLessThan(1e-5);
    expect(worst(native.actions, wasm.actions), 'actions').toBeLessThan(1e-5);
    // The updates did move the weights: the comparison is not of two untouched initializations.
    expect(new Set(native.stats.map((s) => s.critic_loss)).size).toBe(PARITY_UPDATES);
  });
});
