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
import { initBackend } from '../../native/backend.ts';
import { benchMlpUpdate } from '../engine/nn/bench.ts';
import { createEnv, envSpec } from '../engine/sim/envs.ts';
import { measureMjStepsPerSecond } from '../engine/sim/mujoco.ts';
import { VecEnv } from '../engine/sim/vec_env.ts';
import { SacLearner } from '../engine/algos/sac.ts';
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

/** Median ms of a full SAC update (twin critics, actor, α, Polyak) with Ant-sized inputs. */
function sacUpdateMs(hidden: number[], batch: number, iters: number): number {
  const inputDim = 29;
  const actDim = 8;
  const learner = new SacLearner({
    name: `bench_sac_${hidden.join('x')}_${batch}`,
    inputDim,
    actDim,
    hidden,
    lr: 3e-4,
    gamma: 0.99,
    tau: 0.005,
    rewardScale: 1,
    alphaMode: 'auto',
    alphaInit: 1,
    targetEntropy: null,
    seed: 3,
  });
  const rng = new Rng(4);
  const mk = (n: number) => rng.fillUniform(new Float32Array(n), -1, 1) as Float32Array;
  const b = {
    size: batch,
    input: mk(batch * inputDim),
    action: mk(batch * actDim),
    reward: mk(batch),
    nextInput: mk(batch * inputDim),
    terminated: new Float32Array(batch),
  };
  const times: number[] = [];
  for (let i = 0; i < iters + 3; i++) {
    const t0 = performance.now();
    learner.update(b);
    if (i >= 3) times.push(performance.now() - t0);
  }
  learner.dispose();
  return median(times);
}

export async function benchCommand(opts: { json: boolean; quick: boolean }): Promise<void> {
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
    out[`${key}_env_step_per_s`] = Math.round(stepsPerSecond(await createEnv(name), Math.round(20_000 * q)));
    out[`${key}_vec8_env_step_per_s`] = Math.round(await vecStepsPerSecond(name, 8, Math.round(2_500 * q)));
    log(
      `${name} env steps/s: single ${out[`${key}_env_step_per_s`]}, VecEnv×8 ${out[`${key}_vec8_env_step_per_s`]}`,
    );
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
