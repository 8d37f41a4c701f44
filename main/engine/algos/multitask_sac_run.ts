/**
 * A `multitask-sac` run: {@link MultitaskSac} (multitask_sac.ts) behind the run loop's
 * {@link Algorithm} contract, built from a {@link RunConfig}: K goal-reaching tasks on the
 * multi-goal point mass (sim/multi_goal_env.ts), with task relabeling.
 */
import type { RunConfig } from '../config.ts';
import type { NamedArrays } from '../nn/checkpoint.ts';
import type { NormalizerState } from './running_normalizer.ts';
import { createMultiGoalPointEnv, type MultiTaskEnv } from '../sim/multi_goal_env.ts';
import { createArmSkillFamilyEnv } from '../sim/arm_skill_family.ts';
import { createArmTransferEnv } from '../sim/arm_transfer_family.ts';
import { checkTaskRelabelSetting } from '../replay/task_relabel.ts';
import { MultitaskSac } from './multitask_sac.ts';
import { offPolicyOptionsOf, OffPolicyRun } from './off_policy_run.ts';
import type { GoalEvaluable } from './types.ts';

/** Multi-task SAC with task relabeling as a run's algorithm. */
export class MultitaskSacAlgorithm extends OffPolicyRun<MultitaskSac> implements GoalEvaluable {
  private constructor(config: RunConfig, inner: MultitaskSac) {
    super(config, inner);
  }

  /**
   * Builds the envs (the same K tasks in each) and the learner from the config.
   * @param init fine-tuning: another run's networks and statistics to start from (see
   *   {@link fineTuneFrom}); null for a run from scratch or one resumed from its own checkpoint
   * @throws Error naming the source run when its networks do not fit this run's
   */
  static async create(config: RunConfig, init: FineTuneInit | null = null): Promise<MultitaskSacAlgorithm> {
    const { multitask: mt } = config;
    const inner = await MultitaskSac.create(
      (i): MultiTaskEnv | Promise<MultiTaskEnv> => {
        const common = {
          reward: mt.reward,
          maxEpisodeSteps: config.episodeSteps ?? undefined,
          seed: config.seed * 1000 + i,
        };
        if (config.env !== 'arm')
          return createMultiGoalPointEnv({
            goals: mt.goals ?? undefined,
            numTasks: mt.tasks,
            radius: mt.radius,
            ...common,
          });
        return mt.armTasks === 'transfer'
          ? createArmTransferEnv(config.task ?? '', common)
          : createArmSkillFamilyEnv(config.task ?? '', common);
      },
      {
        ...offPolicyOptionsOf(config),
        episodesPerIteration: mt.episodesPerIteration,
        relabel: { strategy: mt.relabelStrategy, ratio: mt.relabelRatio },
        taskEncoding: mt.taskEncoding,
        hipiLogPiWeight: mt.hipiLogPiWeight,
        embeddingDim: mt.embeddingDim,
      },
    );
    const algo = new MultitaskSacAlgorithm(config, inner);
    if (init) {
      try {
        await fineTuneFrom(inner, init);
      } catch (err) {
        algo.dispose();
        throw err;
      }
    }
    return algo;
  }

  /**
   * Switches the task relabeling strategy and the relabeled share from the next batch on.
   * @throws Error for an unknown strategy or a share outside [0, 1].
   */
  setRelabeling(strategy: string, ratio: number): void {
    const setting = checkTaskRelabelSetting(strategy, ratio);
    this.inner.setRelabeling(setting.strategy, setting.ratio);
  }

  /** Deterministic actions for observations [B, obsDim] and task ids [B] (the "skills"). */
  actDeterministic(obs: Float32Array, tasks: Float32Array): Float32Array {
    return this.inner.actDeterministic(obs, tasks);
  }

  /**
   * Mean success over tasks and return of the deterministic policy, `evalEpisodesPerTask` per task,
   * with the tasks' names.
   */
  evaluateGoals(): {
    episodes: number;
    success_rate: number;
    episode_return: number;
    task_success: number[];
    task_names: string[];
  } {
    const report = this.inner.evaluate(
      this.config.multitask.evalEpisodesPerTask,
      1_000_003 + this.config.seed,
    );
    return { ...report, task_names: [...this.inner.envs[0].family.taskNames] };
  }
}

/** What a fine-tuned multi-task SAC run starts from: another multitask-sac run's checkpoint parts. */
export interface FineTuneInit {
  /** The source run's id, for messages. */
  run: string;
  /** Its checkpoint's weights: `sac/actor/weights/…`, `sac/critic/weights/…`, `sac/targets/…`. */
  arrays: NamedArrays;
  /** Its observation normalizer. */
  obsNorm: NormalizerState;
  /** Its number of tasks K (the one-hot block's width). */
  numTasks: number;
}

/** The first-layer kernels whose input rows are [observation, one-hot task, (action)]. */
const FIRST_KERNELS =
  /^sac\/(actor\/weights\/policy|critic\/weights\/q[12]|targets\/q[12]_target)\/l0\/kernel$/;

/**
 * Starts `algo` from another multitask-sac run's networks: the policy's and critics' (and target
 * critics') weights, and its observation statistics; the Adam states and α stay the new run's. In
 * each first layer, the rows of the observation (and the critics' action) are copied, and every
 * task of this run gets the mean of the source's task rows: a task the source never saw starts as
 * the average of those it knows (fine-tuning a multi-task policy on a new task, the baseline of
 * Hausman et al. 2018's transfer experiments). Observation entries this run has beyond the source's
 * (the goal of an arm transfer task after its family's observation) get zero rows and statistics of
 * mean 0, σ 1.
 * @throws Error naming the source run and the parameter when a shape does not fit.
 */
export async function fineTuneFrom(algo: MultitaskSac, init: FineTuneInit): Promise<void> {
  const state = await algo.saveState();
  const K = algo.numTasks;
  const obsDim = algo.obsDim;
  // A source with fewer observation entries (an arm family run fine-tuned on its transfer task, which
  // also shows the goal): the new entries' first-layer rows start at zero, so the fine-tuned networks
  // start out computing what the source's did.
  const srcObs = init.obsNorm.sum.length;
  const extra = obsDim - srcObs;
  if (extra < 0)
    throw new Error(
      `fine-tuning from ${init.run}: its observations have ${srcObs} entries, this run's ${obsDim} (another env?)`,
    );
  for (const [name, src] of Object.entries(init.arrays)) {
    const dst = state.arrays[name];
    if (!dst) throw new Error(`fine-tuning from ${init.run}: its ${name} has no counterpart in this run`);
    if (!FIRST_KERNELS.test(name)) {
      if (src.shape.join() !== dst.shape.join())
        throw new Error(
          `fine-tuning from ${init.run}: ${name} is [${src.shape.join(', ')}] there, [${dst.shape.join(', ')}] here (other network sizes?)`,
        );
      dst.data.set(src.data);
      continue;
    }
    const [srcRows, width] = src.shape;
    const rest = srcRows - srcObs - init.numTasks; // the critics' action rows
    if (width !== dst.shape[1] || rest < 0 || dst.shape[0] !== obsDim + K + rest)
      throw new Error(
        `fine-tuning from ${init.run}: ${name} is [${src.shape.join(', ')}] there, [${dst.shape.join(', ')}] here (another env or network sizes?)`,
      );
    const mean = new Float32Array(width);
    for (let t = 0; t < init.numTasks; t++)
      for (let j = 0; j < width; j++) mean[j] += src.data[(srcObs + t) * width + j] / init.numTasks;
    dst.data.set(src.data.subarray(0, srcObs * width), 0);
    dst.data.fill(0, srcObs * width, obsDim * width);
    for (let k = 0; k < K; k++) dst.data.set(mean, (obsDim + k) * width);
    dst.data.set(src.data.subarray((srcObs + init.numTasks) * width), (obsDim + K) * width);
  }
  // The new entries' statistics start at mean 0 and σ 1 (their inputs are metres, about 0.1–0.3).
  const n = init.obsNorm.n;
  const obsNorm: NormalizerState = {
    n,
    sum: [...init.obsNorm.sum, ...new Array<number>(extra).fill(0)],
    sumSq: [...init.obsNorm.sumSq, ...new Array<number>(extra).fill(n)],
  };
  await algo.loadState({ arrays: state.arrays, meta: { ...state.meta, obsNorm } });
}
