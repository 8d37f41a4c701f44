/**
 * `skill-lab bench --backends [--pytorch]` (issue #12 §4): the update figures of every available
 * backend side by side, each from a process of its own, with the kernels per SAC update. Only that
 * the figures are there and sane is tested; speed goals live in the benchmark, not in tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNativeManifest } from '../../native/tensorflow_build.ts';
import { cli } from './test_helpers.ts';

const ws = mkdtempSync(join(tmpdir(), 'sl-bench-'));
const torch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

describe('skill-lab bench --backends', () => {
  it('--pytorch alone is refused, naming what it goes with', () => {
    const r = cli(['bench', '--pytorch'], ws);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe('error: --pytorch goes with --backends (npm run bench:pytorch)');
  });

  it('measures the update figures on every available backend, with kernels per SAC update', () => {
    const r = cli(['bench', '--backends', '--quick', '--json', ...(torch ? ['--pytorch'] : [])], ws);
    expect(r.code, r.err).toBe(0);
    const { backends } = JSON.parse(r.out.trim().split('\n').pop()!) as {
      backends: Record<string, Record<string, number | string>>;
    };
    const labels = Object.keys(backends);
    expect(labels[0]).toMatch(/^wasm \(cpu \(wasm/);
    if (readNativeManifest('cpu')) expect(labels[1]).toBe('tfjs-node (cpu (libtensorflow))');
    for (const label of labels.filter((l) => !l.startsWith('PyTorch'))) {
      const f = backends[label];
      expect(f.sac_update_kernels, label).toBeGreaterThan(100);
      for (const key of ['sac_update_2x256_b256_ms', 'sac_update_2x512_b128_ms', 'mlp_update_2x256_b256_ms'])
        expect(f[key], `${label} ${key}`).toBeGreaterThan(0);
      expect(f.ant_mj_step_per_s, 'only the update figures').toBeUndefined();
    }
    if (torch)
      expect(backends[labels.at(-1)!]).toMatchObject({
        threads: 1,
        sac_update_2x256_b256_ms: expect.any(Number),
      });
  });
});
