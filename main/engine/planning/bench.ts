/**
 * Speed of one MPPI replan over a DADS skill dynamics, for `skill-lab bench` (goals: ≤ 20 ms on
 * point-mass, ≤ 50 ms on Ant; issue #9 §6). Speed goals are checked there, never in timed tests.
 *
 * The skill dynamics is an untrained one of the preset's exact size: a replan's work does not depend
 * on the weights' values.
 */
import { DadsAlgorithm } from '../algos/dads.ts';
import { resolveRunConfig } from '../presets.ts';
import { dadsPartsOf, dadsSkillModel } from './dads_model.ts';
import { MppiPlanner, resolveMppiSettings, type MppiSettings } from './mppi.ts';
import { goalTask, positionsInF } from './tasks.ts';

/** Options of {@link benchMppiReplan}. */
export interface BenchReplanOptions {
  /** A preset with a DADS entry: 'point-mass' or 'ant-xy'. */
  preset: string;
  /** Timed replans (after 3 untimed ones). */
  replans: number;
  /** Planner preset (default 'dense'). */
  planner?: string;
  /** Planner overrides. */
  overrides?: Partial<MppiSettings>;
  /** Run-config overrides (`--set` syntax), e.g. 'dads.dynamicsInput=obs-without-coords'. */
  set?: string[];
}

/** What {@link benchMppiReplan} measured. */
export interface BenchReplanResult {
  env: string;
  /**
   * Fastest, median and 90th-percentile wall-clock ms of one replan (R refine steps, K candidates);
   * the fastest is the least disturbed by other work on the machine.
   */
  minMs: number;
  medianMs: number;
  p90Ms: number;
  settings: MppiSettings;
  /** Whether the skill dynamics reads the state (then every held step is a network pass). */
  stateless: boolean;
}

/**
 * Times replans of a given DADS algorithm's skill dynamics toward a goal 0.5 m (point mass) or 10 m
 * (other envs) away along the diagonal. Changes nothing in `algo`.
 * @param opts replans, planner preset and overrides (`preset` and `set` are ignored)
 * @throws Error for bad planner settings or replans < 1.
 */
export function benchReplanOn(
  algo: DadsAlgorithm,
  opts: Omit<BenchReplanOptions, 'preset' | 'set'>,
): BenchReplanResult {
  if (!(Number.isInteger(opts.replans) && opts.replans >= 1))
    throw new Error(`benchMppiReplan: replans must be ≥ 1, got ${opts.replans}`);
  const { settings } = resolveMppiSettings(opts.planner ?? 'dense', opts.overrides ?? {});
  const model = dadsSkillModel(dadsPartsOf(algo));
  const env = algo.vec.env(0);
  const dims = positionsInF(algo.f.dims, env.coordDims, 'the benchmark goal');
  const reach = env.name === 'point-mass' ? 0.5 : 10;
  const task = goalTask(
    dims.map(() => reach / Math.SQRT2),
    { dims, radius: 0.1 },
  );
  const obs = env.reset({ seed: 0 }).obs;
  const f = algo.f.apply(obs, algo.vec.obsDim);
  const planner = new MppiPlanner(model, settings, 1);
  const objective = task.objective(task.start());
  const times: number[] = [];
  for (let i = 0; i < opts.replans + 3; i++) {
    const t0 = performance.now();
    planner.replan(f, model.stateless ? null : obs, objective);
    if (i >= 3) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return {
    env: env.name,
    minMs: times[0],
    medianMs: times[Math.floor(times.length / 2)],
    p90Ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.9))],
    settings,
    stateless: model.stateless,
  };
}

/**
 * {@link benchReplanOn} for an untrained DADS of a preset's exact size.
 * @throws Error for a preset without DADS, bad planner settings or replans < 1.
 */
export async function benchMppiReplan(opts: BenchReplanOptions): Promise<BenchReplanResult> {
  if (!(Number.isInteger(opts.replans) && opts.replans >= 1))
    throw new Error(`benchMppiReplan: replans must be ≥ 1, got ${opts.replans}`);
  const { config } = resolveRunConfig({
    algo: 'dads',
    preset: opts.preset,
    set: ['numEnvs=1', ...(opts.set ?? [])],
  });
  const algo = await DadsAlgorithm.create(config);
  try {
    return benchReplanOn(algo, opts);
  } finally {
    algo.dispose();
  }
}
