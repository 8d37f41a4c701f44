/**
 * `skill-lab bench`: the speed figures of this machine — physics, env stepping, network updates, one
 * DADS Ant iteration, an MPPI replan over skills, the arm, relabeled sampling and the replay
 * browser's episode pages — with the compute backend that produced them. Speed goals live here,
 * not in timed tests.
 */
import { spawnSync } from 'node:child_process';
import { SKILL_LAB_BIN } from '../engine/runs/cli_process.ts';
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../native/backend.ts';
import { benchMlpUpdate } from '../engine/nn/bench.ts';
import { createEnv, envSpec } from '../engine/sim/envs.ts';
import { measureMjStepsPerSecond } from '../engine/sim/mujoco.ts';
import { VecEnv } from '../engine/sim/vec_env.ts';
import type { SacBatch, SacLearner } from '../engine/algos/sac.ts';
import { sacFixture } from '../engine/algos/sac_fixture.ts';
import * as tf from '@tensorflow/tfjs-core';
import { readNativeManifest } from '../../native/tensorflow_build.ts';
import { DadsAlgorithm } from '../engine/algos/dads.ts';
import { resolveRunConfig } from '../engine/presets.ts';
import { Rng } from '../engine/rng.ts';
import type { EnvName } from '../engine/sim/types.ts';
import { createGoalEnv } from '../engine/sim/goal_envs.ts';
import { benchGoalSampling } from '../engine/replay/bench.ts';
import { benchEpisodeListing } from '../engine/replay/bench_episodes.ts';
import { ReplayBrowser } from '../api/service/replay.ts';
import { benchMppiReplan } from '../engine/planning/bench.ts';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** What {@link stepsPerSecond} needs of an env: Env and GoalEnv both fit. */
interface Steppable {
  readonly actionSpace: { readonly shape: readonly [number] };
  reset(opts?: { seed?: number }): unknown;
  step(action: Float32Array): { terminated: boolean; truncated: boolean };
  close(): void;
}

/** Env steps per second of one env with uniform random actions; closes the env. */
function stepsPerSecond(env: Steppable, steps: number): number {
  const rng = new Rng(1);
  const a = new Float32Array(env.actionSpace.shape[0]);
  env.reset({ seed: 0 });
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    rng.fillUniform(a, -1, 1);
    const r = env.step(a);
    if (r.terminated || r.truncated) env.reset();
  }
  const s = (performance.now() - t0) / 1000;
  env.close();
  return steps / s;
}

/** Env steps per second of a VecEnv of n (all envs' steps counted). */
async function vecStepsPerSecond(name: EnvName, n: number, rounds: number): Promise<number> {
  const vec = await VecEnv.create(name, n, {}, 0);
  const rng = new Rng(2);
  const a = new Float32Array(n * vec.actDim);
  vec.reset(0);
  const t0 = performance.now();
  for (let k = 0; k < rounds; k++) {
    rng.fillUniform(a, -1, 1);
    const out = vec.step(a);
    for (let i = 0; i < n; i++) if (out.terminated[i] || out.truncated[i]) vec.resetEnv(i);
  }
  const s = (performance.now() - t0) / 1000;
  vec.close();
  return (rounds * n) / s;
}

/** A SAC learner with Ant-sized inputs (29, actions 8) and one fixed batch, for the update figures. */
function benchSac(hidden: number[], batch: number): { learner: SacLearner; b: SacBatch } {
  const { learner, batch: b } = sacFixture({
    name: `bench_sac_${hidden.join('x')}_${batch}`,
    inputDim: 29,
    actDim: 8,
    hidden,
    batch,
  });
  return { learner, b };
}

/** Median ms of a full SAC update (twin critics, actor, α, Polyak) with Ant-sized inputs. */
function sacUpdateMs(hidden: number[], batch: number, iters: number): number {
  const { learner, b } = benchSac(hidden, batch);
  const times: number[] = [];
  for (let i = 0; i < iters + 3; i++) {
    const t0 = performance.now();
    learner.update(b);
    if (i >= 3) times.push(performance.now() - t0);
  }
  learner.dispose();
  return median(times);
}

/**
 * The tfjs kernels one full SAC update runs (after one warm-up update), counted by `tf.profile`:
 * with per-kernel overhead of tens of µs, the count is much of an update's time (issue #12 §2).
 */
async function sacUpdateKernels(hidden: number[], batch: number): Promise<number> {
  const { learner, b } = benchSac(hidden, batch);
  try {
    learner.update(b);
    const info = await tf.profile(() => {
      learner.update(b);
    });
    return info.kernels.length;
  } finally {
    learner.dispose();
  }
}

/** Options of {@link benchCommand}. */
export interface BenchOptions {
  json: boolean;
  quick: boolean;
  /** Only the network-update figures (MLP and SAC updates, kernels per SAC update). */
  updates?: boolean;
  /** The update figures on every available backend, each in a process of its own, side by side. */
  backends?: boolean;
  /** With `backends`: PyTorch's SAC update on the CPU, one thread, in the same run (native/sac_update_torch.py). */
  pytorch?: boolean;
}

export async function benchCommand(opts: BenchOptions): Promise<void> {
  if (opts.backends) return benchBackends(opts);
  const backend = await initBackend({ quiet: opts.json });
  const q = opts.quick ? 0.2 : 1;
  const log = (s: string) => !opts.json && console.log(s);
  const out: Record<string, number | string> = {
    backend: backend.name,
    backend_device: backend.device,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.versions.node,
  };
  log(`machine: ${out.cpu}, ${out.cores} cores, Node ${out.node}`);

  if (!opts.updates) {
    out.ant_mj_step_per_s = Math.round(
      await measureMjStepsPerSecond(envSpec('ant').modelPath, Math.round(100_000 * q)),
    );
    log(`ant raw mj_step/s (one thread, RK4 as in gym/DADS): ${out.ant_mj_step_per_s}`);
    // The same Ant with the Euler integrator, to relate the figure to measurements made without RK4.
    const euler = readFileSync(envSpec('ant').modelPath, 'utf8').replace(
      'integrator="RK4"',
      'integrator="Euler"',
    );
    out.ant_euler_mj_step_per_s = Math.round(
      await measureMjStepsPerSecond({ xml: euler, label: 'ant (Euler)' }, Math.round(100_000 * q)),
    );
    log(`ant raw mj_step/s with Euler instead of RK4: ${out.ant_euler_mj_step_per_s}`);
    for (const name of ['point-mass', 'ant'] as const) {
      const key = name.replace('-', '_');
      out[`${key}_env_step_per_s`] = Math.round(
        stepsPerSecond(await createEnv(name), Math.round(20_000 * q)),
      );
      out[`${key}_vec8_env_step_per_s`] = Math.round(await vecStepsPerSecond(name, 8, Math.round(2_500 * q)));
      log(
        `${name} env steps/s: single ${out[`${key}_env_step_per_s`]}, VecEnv×8 ${out[`${key}_vec8_env_step_per_s`]}`,
      );
    }
  }
  const iters = Math.max(5, Math.round(30 * q));
  for (const [h, b] of [
    [256, 256],
    [512, 128],
  ] as const) {
    const mlp = await benchMlpUpdate({ hidden: [h, h], batch: b, inputDim: 29, outputDim: 8, iters });
    out[`mlp_update_2x${h}_b${b}_ms`] = round2(mlp);
    out[`sac_update_2x${h}_b${b}_ms`] = round2(sacUpdateMs([h, h], b, iters));
    log(
      `2×${h} at batch ${b}: MLP Adam update ${out[`mlp_update_2x${h}_b${b}_ms`]} ms, full SAC update ${out[`sac_update_2x${h}_b${b}_ms`]} ms`,
    );
  }
  out.sac_update_kernels = await sacUpdateKernels([256, 256], 256);
  log(`kernels per full SAC update (2×256, batch 256): ${out.sac_update_kernels}`);
  if (opts.updates) {
    log(`backend: ${backend.name} (${backend.package} ${backend.version}, ${backend.device})`);
    if (opts.json) console.log(JSON.stringify(out));
    return;
  }

  const { config } = resolveRunConfig({ algo: 'dads', preset: 'ant-xy', seed: 0 });
  const dads = await DadsAlgorithm.create(config);
  const t0 = performance.now();
  await dads.iterate();
  out.dads_ant_iteration_s = round2((performance.now() - t0) / 1000);
  out.dads_ant_iteration_env_steps = config.stepsPerIteration;
  dads.dispose();
  log(
    `one DADS Ant iteration (ant-xy preset: ${config.stepsPerIteration} env steps, ${config.dads.dynamicsSteps} skill-dynamics and ${config.updatesPerIteration} SAC steps): ${out.dads_ant_iteration_s} s`,
  );
  // Using skills (issue #9): one MPPI replan over a DADS skill dynamics of each preset's size.
  for (const [preset, key, goal] of [
    ['point-mass', 'mppi_replan_point_mass_ms', 20],
    ['ant-xy', 'mppi_replan_ant_ms', 50],
  ] as const) {
    const replan = await benchMppiReplan({ preset, replans: Math.max(5, Math.round(40 * q)) });
    out[key] = round2(replan.medianMs);
    log(
      `one MPPI replan (dense: K ${replan.settings.candidates}, R ${replan.settings.refineSteps}, H_Z ${replan.settings.hold}) over the ${preset} skill dynamics: ${out[key]} ms median, ${round2(replan.minMs)} ms fastest (goal ≤ ${goal} ms)`,
    );
  }
  // Goal-conditioned RL (issue #4): the arm, hindsight relabeling at sample time, the replay browser.
  out.arm_push_env_step_per_s = Math.round(
    stepsPerSecond(await createGoalEnv('push', { seed: 0 }), Math.round(5_000 * q)),
  );
  log(`arm push env steps/s (one env, 20 substeps of 2 ms per step): ${out.arm_push_env_step_per_s}`);
  const sampling = benchGoalSampling({ strategy: 'future', k: 4, iters: Math.round(2000 * q) });
  out.her_future_sample_b256_ms = round2(sampling.medianMs);
  out.her_future_sample_b256_p95_ms = round2(sampling.p95Ms);
  log(
    `a batch of 256 with future relabeling from ${sampling.size.toLocaleString('en')} transitions: ${out.her_future_sample_b256_ms} ms median, ${out.her_future_sample_b256_p95_ms} ms p95 (goal ≤ 1 ms)`,
  );
  const listing = await benchEpisodeListing((workspace) => new ReplayBrowser(workspace), {
    episodes: opts.quick ? 4_000 : 20_000,
  });
  out.episode_page_cold_ms = round2(listing.coldMs);
  out.episode_page_warm_ms = round2(listing.warmMedianMs);
  log(
    `a filtered, sorted page of episodes from ${listing.transitions.toLocaleString('en')} transitions (${listing.parts} Parquet parts): ${out.episode_page_cold_ms} ms cold, ${out.episode_page_warm_ms} ms warm (goal ≤ 200 ms)`,
  );
  // The command line's own start (issue #13 B7): `skill-lab --help` loads no tfjs, Vega or DuckDB.
  const help: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    spawnSync(process.execPath, [SKILL_LAB_BIN, '--help'], { stdio: 'ignore' });
    help.push((performance.now() - t) / 1000);
  }
  out.cli_help_s = round2(median(help));
  log(`skill-lab --help: ${out.cli_help_s} s median of 5 (goal ≤ 1 s)`);
  log(`backend: ${backend.name} (${backend.package} ${backend.version}, ${backend.device})`);
  if (opts.json) console.log(JSON.stringify(out));
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The figures compared across backends (and with PyTorch). */
const UPDATE_FIGURES = [
  'mlp_update_2x256_b256_ms',
  'mlp_update_2x512_b128_ms',
  'sac_update_2x256_b256_ms',
  'sac_update_2x512_b128_ms',
  'sac_update_kernels',
] as const;

/**
 * `bench --backends [--pytorch]`: the update figures of every available backend (wasm, and the
 * TensorFlow builds of `skill-lab native`), each measured by `bench --updates --json` in a process
 * of its own (tfjs holds one backend per process), one after the other in this one run, beside
 * PyTorch's SAC update when asked — so the ratios compare numbers taken minutes apart on the same
 * machine, never across sessions.
 */
async function benchBackends(opts: BenchOptions): Promise<void> {
  const log = (line: string) => !opts.json && console.log(line);
  const choices = ['wasm'];
  if (readNativeManifest('cpu')) choices.push('tfjs-node');
  if (readNativeManifest('gpu')) choices.push('tfjs-node-gpu');
  const columns: Array<{ label: string; figures: Record<string, number | string> }> = [];
  for (const choice of choices) {
    log(`measuring the update figures on ${choice}…`);
    const r = spawnSync(
      process.execPath,
      [SKILL_LAB_BIN, 'bench', '--updates', '--json', ...(opts.quick ? ['--quick'] : [])],
      {
        env: { ...process.env, SKILL_LAB_BACKEND: choice, TF_CPP_MIN_LOG_LEVEL: '2' },
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const line = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !line.startsWith('{'))
      throw new Error(
        `bench on ${choice} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`,
      );
    const figures = JSON.parse(line) as Record<string, number | string>;
    columns.push({ label: `${choice} (${figures.backend_device})`, figures });
  }
  let torch: Record<string, number | string> | null = null;
  if (opts.pytorch) {
    log('measuring PyTorch (native/sac_update_torch.py, one thread)…');
    torch = pytorchFigures(opts.quick ? 10 : 30);
    const blas = typeof torch.blas === 'string' ? `, BLAS ${torch.blas}` : '';
    columns.push({ label: `PyTorch ${torch.torch} (cpu, 1 thread${blas})`, figures: torch });
  }
  if (opts.json) {
    console.log(JSON.stringify({ backends: Object.fromEntries(columns.map((c) => [c.label, c.figures])) }));
    return;
  }
  // Wide enough for the ratio rows' labels too ("sac_update_2x512_b128 / PyTorch").
  const width =
    Math.max(...UPDATE_FIGURES.map((f) => f.length), 'sac_update_2x256_b256 / PyTorch'.length) + 2;
  const cell = (v: unknown) => String(v ?? '–').padStart(12);
  console.log(`\n${''.padEnd(width)}${columns.map((c, i) => cell(`[${i + 1}]`)).join('')}`);
  for (const f of UPDATE_FIGURES)
    console.log(`${f.padEnd(width)}${columns.map((c) => cell(c.figures[f])).join('')}`);
  if (torch) {
    for (const f of ['sac_update_2x256_b256_ms', 'sac_update_2x512_b128_ms'] as const) {
      const ratios = columns.map((c) =>
        c.figures === torch ? '1.00×' : `${(Number(c.figures[f]) / Number(torch[f])).toFixed(2)}×`,
      );
      console.log(`${`${f.replace('_ms', '')} / PyTorch`.padEnd(width)}${ratios.map(cell).join('')}`);
    }
  }
  columns.forEach((c, i) => console.log(`[${i + 1}] ${c.label}`));
}

/**
 * PyTorch's figures from native/sac_update_torch.py, with the first python3 that imports torch
 * ($SKILL_LAB_PYTHON, python3, /usr/bin/python3 — Debian's python3-torch lives there).
 * @throws Error saying how to get torch when none has it
 */
function pytorchFigures(iters: number): Record<string, number | string> {
  const script = fileURLToPath(new URL('../../native/sac_update_torch.py', import.meta.url));
  const candidates = [process.env.SKILL_LAB_PYTHON, 'python3', '/usr/bin/python3'].filter(
    Boolean,
  ) as string[];
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, [script, String(iters)], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    if (r.status === 0 && line.startsWith('{')) return JSON.parse(line) as Record<string, number | string>;
    tried.push(`${python}: ${r.error ? 'not found' : (r.stderr ?? '').trim().split('\n').pop()}`);
  }
  throw new Error(
    `no python3 with PyTorch (tried ${tried.join('; ')}); install Debian's python3-torch or set SKILL_LAB_PYTHON`,
  );
}
