import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEnv, envSpec } from './envs.ts';
import { loadModelFile, loadMujoco, measureMjStepsPerSecond, Simulation, wasmHeapBytes } from './mujoco.ts';

const tmp = mkdtempSync(join(tmpdir(), 'skill-lab-sim-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('MJCF loading', () => {
  it('loads the module once per process', async () => {
    expect(loadMujoco()).toBe(loadMujoco());
    const a = await loadMujoco();
    expect(await loadMujoco()).toBe(a);
  });

  it('names a missing file', async () => {
    const path = join(tmp, 'nope.xml');
    await expect(loadModelFile(path)).rejects.toThrow(`MJCF file not found: ${path}`);
  });

  it("names a malformed file and carries MuJoCo's own message", async () => {
    const path = join(tmp, 'broken.xml');
    writeFileSync(path, '<mujoco><worldbody><bodyy/></worldbody></mujoco>');
    const err = await loadModelFile(path).then(
      (m) => {
        m.delete();
        return new Error('loaded');
      },
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain(`Cannot load MJCF ${path}: `);
    expect(err.message).toMatch(/XML Error/);
    expect(err.message).toContain('bodyy');

    const unclosed = join(tmp, 'unclosed.xml');
    writeFileSync(unclosed, '<mujoco><worldbody><body></mujoco>');
    await expect(loadModelFile(unclosed)).rejects.toThrow(new RegExp(`Cannot load MJCF ${unclosed}: .*XML`));
  });

  it('loads every registered model with the dimensions its spec states', async () => {
    for (const name of ['point-mass', 'ant', 'half-cheetah'] as const) {
      const spec = envSpec(name);
      const sim = await Simulation.fromFile(spec.modelPath);
      expect([sim.model.nq, sim.model.nv, sim.model.nu]).toEqual([spec.nq, spec.nv, spec.actDim]);
      expect(sim.model.opt.timestep).toBeCloseTo(spec.timestep, 12);
      sim.dispose();
    }
  });
});

describe('Simulation ownership', () => {
  it('disposes model and data once, idempotently, and refuses use afterwards', async () => {
    const sim = await Simulation.fromFile(envSpec('point-mass').modelPath);
    expect(sim.disposed).toBe(false);
    sim.dispose();
    sim.dispose();
    expect(sim.disposed).toBe(true);
    expect(() => sim.model).toThrow(/disposed/);
    expect(() => sim.data).toThrow(/disposed/);
  });

  it('does not grow the WASM heap over 1,000 env create/close cycles', async () => {
    const cycle = async (i: number): Promise<void> => {
      const name = i % 10 === 0 ? 'ant' : i % 10 === 1 ? 'half-cheetah' : 'point-mass';
      const env = await createEnv(name);
      env.reset({ seed: i });
      env.step(new Float32Array(env.actionSpace.shape[0]).fill(0.5));
      env.close();
      env.close();
    };
    // Warm up with the same mix: the first compiles grow the heap to its working size once.
    for (let i = 0; i < 50; i++) await cycle(i);
    const before = await wasmHeapBytes();
    // A leaked MjModel/MjData (tens of kB to MBs each) would grow the heap well within 1,000 cycles.
    for (let i = 0; i < 1000; i++) await cycle(i);
    expect(await wasmHeapBytes()).toBe(before);
  });
});

describe('benchmark helpers', () => {
  it('measures raw mj_step throughput and frees the model', async () => {
    const path = envSpec('ant').modelPath;
    await measureMjStepsPerSecond(path, 200);
    const before = await wasmHeapBytes();
    const rate = await measureMjStepsPerSecond(path, 2000);
    expect(rate).toBeGreaterThan(1000);
    expect(await wasmHeapBytes()).toBe(before);
    await expect(measureMjStepsPerSecond(path, 0)).rejects.toThrow(RangeError);
    await expect(measureMjStepsPerSecond(join(tmp, 'missing.xml'), 10)).rejects.toThrow(
      /MJCF file not found/,
    );
  });
});
