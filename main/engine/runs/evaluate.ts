/**
 * `skill-lab eval`: roll out each skill several times with the deterministic (mean) policy and
 * measure the skills.
 *
 * Files written to <run>/eval/ (atomically):
 *   rollouts.jsonl — one JSON object per (skill, rollout, step):
 *       { skill: int, z: number[], rollout: int, step: int (0 = reset state),
 *         f: number[] (the run's state function f(s)), xy: number[] (global coordinates, m),
 *         qpos: number[] (MuJoCo generalized positions) }
 *     DuckDB reads it directly:  SELECT skill, avg(xy[1]) FROM read_json_auto('rollouts.jsonl') WHERE step = 50 GROUP BY skill
 *   summary.json — the report returned by {@link evaluateRun}.
 *
 * Figures (per skill and run-level):
 * - final_mean / final_std: mean and std over rollouts of f(s_T) per dimension.
 * - coverage_cells: distinct floor(x/c), floor(y/c) cells visited by all evaluation states
 *   (LSD/METRA's state coverage with c = 1 m for Ant; a finer c for point-mass).
 * - normalized_variance: the DADS paper's Fig. 6 measure — the std of the x-y position across a
 *   skill's rollouts, averaged over time, divided by the mean distance travelled (‖xy_T − xy_0‖).
 * - discriminator_accuracy, log_q (DIAYN) and skill_dynamics_loglik (DADS) from the trained model.
 */
import { initBackend } from '../../../native/backend.ts';
import { createAlgorithm } from '../algos/index.ts';
import { algoSpec } from '../algos/registry.ts';
import { isGoalEvaluable, type Algorithm, type EvalSkill, type GoalEvaluable } from '../algos/types.ts';
import { stateFunction } from '../algos/skills.ts';
import { envOptionsOf } from '../algos/sac.ts';
import { VecEnv } from '../sim/vec_env.ts';
import { networkWidthOf, skillEnvOf } from '../config.ts';
import { readCheckpoint } from './checkpoints.ts';
import { RunDir, RunStoreError } from './store.ts';
import { writeFileAtomicSync } from '../atomic.ts';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

/** Per-skill evaluation figures. */
export interface SkillReport {
  id: number;
  z: number[];
  final_mean: number[];
  final_std: number[];
  distance_travelled: number;
  normalized_variance: number;
  [metric: string]: number | number[];
}

/** The evaluation report (`skill-lab eval --json`). */
export interface EvalReport {
  run: string;
  algo: string;
  env: string;
  env_steps: number;
  state_function: string;
  rollouts_per_skill: number;
  episode_steps: number;
  coverage_cells: number;
  coverage_cell_m: number;
  mean_normalized_variance: number;
  [metric: string]: unknown;
  skills: SkillReport[];
}

export interface EvalOptions {
  rollouts?: number;
  quiet?: boolean;
  onSkill?: (done: number, total: number) => void;
  /** An unusable latest checkpoint, evaluated from the previous one instead. Default: stderr. */
  onWarning?: (message: string) => void;
}

/**
 * Evaluates a run from its checkpoint and writes eval/rollouts.jsonl and eval/summary.json. When the
 * latest checkpoint is unusable, the previous one is evaluated, with a warning (runs/checkpoints.ts).
 * @throws RunStoreError when the run has no checkpoint yet, or none that can be read (naming both).
 */
export async function evaluateRun(run: RunDir, opts: EvalOptions = {}): Promise<EvalReport> {
  const config = run.readConfig();
  if (!run.hasCheckpoint()) {
    throw new RunStoreError(`${run.checkpointPath}: missing — the run has not written a checkpoint yet`);
  }
  await initBackend({ quiet: opts.quiet ?? true, networkWidth: networkWidthOf(config) });
  const algo = await createAlgorithm(config, run.path);
  try {
    await readCheckpoint(run, algo, {
      onWarning: opts.onWarning ?? ((m) => console.warn(`[skill-lab] run ${run.id}: ${m}`)),
    });
    if (algoSpec(config.algo).evaluation === 'goals') {
      if (!isGoalEvaluable(algo))
        throw new Error(`${config.algo}: evaluated on goals, but it has no evaluateGoals`);
      return await evaluateGoalAlgorithm(run, algo, opts);
    }
    return await evaluateAlgorithm(run, algo, opts);
  } finally {
    algo.dispose();
  }
}

/**
 * A goal-conditioned, multi-task or skill-controller run's evaluation: success rate and return of the
 * deterministic policy as its registry entry's `evaluateGoals` measures them (e.g. goal-sac:
 * `her.evalEpisodes` episodes, `rollouts` overrides; multitask-sac: `multitask.evalEpisodesPerTask`
 * per task, with the success rate per task; skill-controller: final distances and the traces of the
 * skills it picked), in the report's run-level fields; it has no skills. Written to eval/summary.json.
 */
async function evaluateGoalAlgorithm(
  run: RunDir,
  algo: GoalEvaluable,
  opts: EvalOptions,
): Promise<EvalReport> {
  const config = algo.config;
  const spec = algoSpec(config.algo);
  if (!spec.evaluateGoals || !spec.describeTask)
    throw new Error(`${config.algo}: the algorithm registry has no goal evaluation for it`);
  const goals = await spec.evaluateGoals(algo, opts.rollouts);
  const task = spec.describeTask(config);
  const report: EvalReport = {
    ...goals,
    run: run.id,
    algo: config.algo,
    env: config.env,
    task,
    env_steps: algo.envSteps,
    state_function: 'achieved goal',
    rollouts_per_skill: goals.episodes,
    episode_steps: algo.episodeSteps,
    coverage_cells: 0,
    coverage_cell_m: 0,
    mean_normalized_variance: Number.NaN,
    ...(spec.relabeling && { relabel_switches: (algo.switchLog?.length ?? 1) - 1 }),
    skills: [],
  };
  // No rollouts to replay: a stale rollouts.jsonl of an earlier evaluation must not outlive it.
  rmSync(join(run.evalDir, 'rollouts.jsonl'), { force: true });
  writeFileAtomicSync(join(run.evalDir, 'summary.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

async function evaluateAlgorithm(run: RunDir, algo: Algorithm, opts: EvalOptions): Promise<EvalReport> {
  const config = algo.config;
  const R = opts.rollouts ?? config.eval.rolloutsPerSkill;
  const vec = await VecEnv.create(skillEnvOf(config), R, envOptionsOf(config), 0);
  const env0 = vec.env(0);
  const coord = [...env0.coordDims];
  const f = stateFunction(config.stateFunction, vec.obsDim, coord);
  const T = env0.maxEpisodeSteps;
  const cell = config.eval.coverageCell;
  const cells = new Set<string>();
  const lines: string[] = [];
  const skills = algo.evaluationSkills();
  const reports: SkillReport[] = [];
  const sums: Record<string, number> = {};

  try {
    for (const [k, skill] of skills.entries()) {
      const { report, rows, scores } = rolloutSkill(
        algo,
        vec,
        skill,
        [...f.dims],
        coord,
        T,
        1_000_003 + 101 * skill.id,
      );
      for (const row of rows) {
        lines.push(JSON.stringify(row));
        cells.add(row.xy.map((v) => Math.floor(v / cell)).join(','));
      }
      Object.assign(report, scores);
      for (const [m, v] of Object.entries(scores)) sums[m] = (sums[m] ?? 0) + v;
      reports.push(report);
      opts.onSkill?.(k + 1, skills.length);
    }
  } finally {
    vec.close();
  }

  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const report: EvalReport = {
    run: run.id,
    algo: config.algo,
    env: config.env,
    // The evaluated checkpoint's, which run.json's lags after a fallback to the previous checkpoint.
    env_steps: algo.envSteps,
    state_function: config.stateFunction,
    rollouts_per_skill: R,
    episode_steps: T,
    coverage_cells: cells.size,
    coverage_cell_m: cell,
    mean_normalized_variance: mean(reports.map((r) => r.normalized_variance).filter(Number.isFinite)),
    ...Object.fromEntries(Object.entries(sums).map(([m, v]) => [m, v / skills.length])),
    skills: reports,
  };
  writeFileAtomicSync(join(run.evalDir, 'rollouts.jsonl'), lines.join('\n') + '\n');
  writeFileAtomicSync(join(run.evalDir, 'summary.json'), JSON.stringify(report, null, 2) + '\n');
  return report;
}

/** R rollouts of one skill in parallel (one per env), with the deterministic policy. */
function rolloutSkill(
  algo: Algorithm,
  vec: VecEnv,
  skill: EvalSkill,
  fDims: number[],
  coord: number[],
  T: number,
  seed: number,
) {
  const R = vec.numEnvs;
  const od = vec.obsDim;
  const sd = skill.z.length;
  const skills = new Float32Array(R * sd);
  for (let r = 0; r < R; r++) skills.set(skill.z, r * sd);
  let obs = vec.reset(seed);
  const rows: Array<{
    skill: number;
    z: number[];
    rollout: number;
    step: number;
    f: number[];
    xy: number[];
    qpos: number[];
  }> = [];
  const alive = new Array(R).fill(true);
  const xy: number[][][] = Array.from({ length: R }, () => []);
  const obsAll: number[] = [];
  const nextAll: number[] = [];
  let success = 0;
  let successCount = 0;
  const z = Array.from(skill.z);
  const record = (r: number, step: number, o: Float32Array) => {
    const row = o.subarray(r * od, (r + 1) * od);
    const p = coord.map((d) => row[d]);
    xy[r].push(p);
    rows.push({
      skill: skill.id,
      z,
      rollout: r,
      step,
      f: fDims.map((d) => row[d]),
      xy: p,
      qpos: Array.from(vec.qpos(r)),
    });
  };
  for (let r = 0; r < R; r++) record(r, 0, obs);
  for (let t = 1; t <= T && alive.some(Boolean); t++) {
    const actions = algo.actDeterministic(obs, skills);
    const out = vec.step(actions);
    for (let r = 0; r < R; r++) {
      if (!alive[r]) continue;
      for (let j = 0; j < od; j++) {
        obsAll.push(obs[r * od + j]);
        nextAll.push(out.obs[r * od + j]);
      }
      record(r, t, out.obs);
      if (out.terminated[r] || out.truncated[r]) {
        alive[r] = false;
        if (out.infos[r].success !== undefined) {
          successCount += 1;
          success += out.infos[r].success ? 1 : 0;
        }
      }
    }
    // Ended envs are reset only to keep the batch shape; their rows are no longer recorded.
    for (let r = 0; r < R; r++) if (!alive[r] && (out.terminated[r] || out.truncated[r])) vec.resetEnv(r);
    obs = out.obs;
  }

  const lastF = Array.from({ length: R }, (_, r) => {
    const own = rows.filter((row) => row.rollout === r);
    return own[own.length - 1].f;
  });
  const fd = fDims.length;
  const finalMean = Array.from({ length: fd }, (_, j) => lastF.reduce((s, v) => s + v[j], 0) / R);
  const finalStd = Array.from({ length: fd }, (_, j) =>
    Math.sqrt(lastF.reduce((s, v) => s + (v[j] - finalMean[j]) ** 2, 0) / R),
  );
  const { normalizedVariance, distance } = skillVariance(xy);
  const report: SkillReport = {
    id: skill.id,
    z,
    final_mean: finalMean,
    final_std: finalStd,
    distance_travelled: distance,
    normalized_variance: normalizedVariance,
  };
  const scores = algo.scoreSkill
    ? algo.scoreSkill(skill, Float32Array.from(obsAll), Float32Array.from(nextAll))
    : {};
  // Only algorithms that pursue the env's task (plain SAC) report its success; skill discovery ignores it.
  if (successCount > 0 && algoSpec(algo.config.algo).evaluatesEnvSuccess)
    scores.success_rate = success / successCount;
  return { report, rows, scores };
}

/**
 * DADS paper Fig. 6: std of the position across rollouts of one skill, averaged over time steps,
 * normalized by the mean distance travelled. `xy[r][t]` are positions (m).
 */
export function skillVariance(xy: number[][][]): { normalizedVariance: number; distance: number } {
  const R = xy.length;
  const T = Math.min(...xy.map((tr) => tr.length));
  const dims = xy[0]?.[0]?.length ?? 0;
  let stdSum = 0;
  for (let t = 0; t < T; t++) {
    let sq = 0;
    for (let j = 0; j < dims; j++) {
      const m = xy.reduce((s, tr) => s + tr[t][j], 0) / R;
      sq += xy.reduce((s, tr) => s + (tr[t][j] - m) ** 2, 0) / R;
    }
    stdSum += Math.sqrt(sq);
  }
  const distance =
    xy.reduce((s, tr) => {
      const a = tr[0];
      const b = tr[tr.length - 1];
      return s + Math.sqrt(a.reduce((acc, v, j) => acc + (b[j] - v) ** 2, 0));
    }, 0) / R;
  const meanStd = T > 0 ? stdSum / T : NaN;
  return { normalizedVariance: distance > 1e-9 ? meanStd / distance : NaN, distance };
}
