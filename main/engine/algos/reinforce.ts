/**
 * Multi-task REINFORCE with a learned state-value baseline and reward-to-go (issue #11 §3; CS330
 * lecture 3, the on-policy baseline its off-policy multi-task methods are built from).
 *
 * - Policy: one task-conditioned Gaussian π(a | s, t) = N(μ_θ(s, t), diag σ²): an MLP reads the
 *   normalized observation and the task's one-hot, σ = exp(log σ) a learned state-independent vector
 *   (Spinning Up's VPG policy). Actions are sampled unbounded and the env clips them to [−1, 1];
 *   log π is of the sampled action, so the estimator stays unbiased for the unclipped policy.
 * - Objective: the multi-task objective Σ_t E_{τ∼π(·|t)}[Σ_k γ^k r_k] with tasks drawn uniformly
 *   (every iteration runs `episodesPerTask` episodes of every task).
 * - Gradient (Williams 1992; reward-to-go and baseline as in CS330/CS285):
 *     ∇J ≈ (1/N) Σ_i ∇ log π(a_i | s_i, t_i) · Â_i,  Â_i = G_i − b(s_i, t_i),
 *   over the N env steps of the iteration, G_i = Σ_{k≥0} γ^k r_{i+k} within the episode (no
 *   bootstrap at the time limit: the episode is the finite horizon), optionally standardized. One
 *   Adam step on −mean(log π · Â) per iteration ({@link reinforceLoss}).
 * - Baseline b_ψ(s, t): an MLP of the same input fitted to the reward-to-go by `baselineIters`
 *   full-batch Adam steps on the mean squared error, after the advantages were computed with the
 *   old b (Spinning Up's order, so Â does not see its own G).
 * - Observations normalized by running mean/std (ε 0.01, clip ±5) updated after the policy step, so
 *   the step evaluates log π under the statistics the actions were sampled with.
 *
 * Checkpoints hold both networks, both Adam states, log σ, the normalizer and every generator; with
 * no replay, an iteration ends with nothing in flight and resume is bit-exact.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../config.ts';
import { makeAdam } from '../nn/checkpoint.ts';
import { MLP } from '../nn/mlp.ts';
import { Rng } from '../rng.ts';
import type { GoalTransition } from '../replay/goal_buffer.ts';
import { createMultiGoalArmEnv } from '../sim/multi_goal_arm_env.ts';
import { createMultiGoalPointEnv, type MultiTaskEnv, type TaskFamily } from '../sim/multi_goal_env.ts';
import { reinforceRadius } from './reinforce_options.ts';
import { evaluateTasks, TaskEpisodes, type MultitaskEvalReport } from './multitask_sac.ts';
import { checkSameEnvs, concatRows, LockstepCollector } from './off_policy_core.ts';
import { withEnvs } from './off_policy_options.ts';
import { EpisodeRun } from './off_policy_run.ts';
import { RunningNormalizer, type NormalizerState } from './running_normalizer.ts';
import { uid } from './sac.ts';
import { loadTrainable, namedParams, saveTrainable } from './state.ts';
import type { AbortPoint, AlgorithmState, GoalEvaluable, Metrics } from './types.ts';
import type { Adam } from '../nn/adam.ts';

const LOG_2PI = Math.log(2 * Math.PI);

/** Options of {@link Reinforce} (the `reinforce` config section's algorithm part, plus envs and seed). */
export interface ReinforceOptions {
  seed: number;
  /** Envs collecting in lockstep. */
  numEnvs: number;
  /** Episodes of every task per iteration. */
  episodesPerTask: number;
  hidden: number[];
  activation: 'tanh' | 'relu';
  policyLr: number;
  baseline: 'learned' | 'none';
  baselineLr: number;
  baselineIters: number;
  /** Discount γ of the reward-to-go, in (0, 1]. */
  gamma: number;
  initLogStd: number;
  normalizeAdvantages: boolean;
}

/**
 * log N(a; μ, diag σ²) per row: −½ Σ_j [((a_j − μ_j)/σ_j)² + 2 log σ_j + log 2π].
 * @param mean μ [B, d]
 * @param logStd log σ [d]
 * @param action a [B, d]
 * @returns [B] nats
 */
export function gaussianLogProb(mean: tf.Tensor2D, logStd: tf.Tensor1D, action: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const z = tf.mul(tf.sub(action, mean), tf.exp(tf.neg(logStd)));
    const perDim = tf.add(tf.add(tf.square(z), tf.mul(2, logStd)), LOG_2PI);
    return tf.mul(-0.5, tf.sum(perDim, 1)) as tf.Tensor1D;
  });
}

/**
 * The REINFORCE surrogate whose gradient is the policy-gradient estimate: −(1/N) Σ_i log π(a_i|s_i) Â_i
 * (Williams 1992, Eq. 11 with the baseline of §5; Â treated as a constant).
 * @param mean μ [N, d] of the policy at the batch's states
 * @param logStd log σ [d]
 * @param action the sampled actions [N, d]
 * @param advantage Â [N]
 * @returns the scalar loss
 */
export function reinforceLoss(
  mean: tf.Tensor2D,
  logStd: tf.Tensor1D,
  action: tf.Tensor2D,
  advantage: tf.Tensor1D,
): tf.Scalar {
  return tf.tidy(
    () => tf.neg(tf.mean(tf.mul(gaussianLogProb(mean, logStd, action), advantage))) as tf.Scalar,
  );
}

/**
 * Reward-to-go of one episode: G_t = Σ_{k=t}^{T−1} γ^{k−t} r_k.
 * @param rewards [T]
 * @param gamma discount in (0, 1]
 * @returns [T]
 */
export function rewardToGo(rewards: ArrayLike<number>, gamma: number): Float64Array {
  const out = new Float64Array(rewards.length);
  let g = 0;
  for (let t = rewards.length - 1; t >= 0; t--) {
    g = rewards[t] + gamma * g;
    out[t] = g;
  }
  return out;
}

/** One iteration's on-policy batch: N env steps of whole episodes. */
interface Batch {
  input: Float32Array; // [N, obsDim + K]
  action: Float32Array; // [N, actDim]
  returns: Float32Array; // [N] reward-to-go
  observation: Float32Array; // [N, obsDim] raw, for the normalizer
}

/** Multi-task REINFORCE; see the file comment. */
export class Reinforce {
  readonly envs: readonly MultiTaskEnv[];
  readonly family: TaskFamily;
  readonly numTasks: number;
  readonly obsDim: number;
  readonly actDim: number;
  readonly options: Readonly<ReinforceOptions>;
  private readonly policy: MLP;
  private readonly logStd: tf.Variable;
  private readonly value: MLP;
  private readonly policyOpt: Adam;
  private readonly valueOpt: Adam;
  private readonly obsNorm: RunningNormalizer;
  /** Reset seeds of the training episodes. */
  private readonly envRng: Rng;
  /** The policy's action noise. */
  private readonly actionRng: Rng;
  private envStepsDone = 0;
  private iterations = 0;

  /**
   * Builds the envs and the networks.
   * @param factory makes env i (0 … numEnvs−1); all must share spaces, episode length and family
   * @throws Error when an option is out of range (naming it) or the envs differ; the envs made so far
   *   are closed.
   */
  static async create(
    factory: (index: number) => MultiTaskEnv | Promise<MultiTaskEnv>,
    options: ReinforceOptions,
  ): Promise<Reinforce> {
    checkOptions(options);
    return withEnvs(factory, options.numEnvs, (envs) => new Reinforce(envs, options));
  }

  private constructor(envs: MultiTaskEnv[], opts: ReinforceOptions) {
    checkSameEnvs('REINFORCE', envs, 'its spaces or tasks', (e) => [e.family.numTasks]);
    this.envs = envs;
    this.family = envs[0].family;
    this.numTasks = this.family.numTasks;
    this.obsDim = envs[0].observationSpace.shape[0];
    this.actDim = envs[0].actionSpace.shape[0];
    this.options = Object.freeze({ ...opts, hidden: [...opts.hidden] });
    const seeds = new Rng(opts.seed);
    const inputDim = this.obsDim + this.numTasks;
    const id = uid();
    const net = (name: string, outputDim: number) =>
      new MLP({
        name,
        inputDim,
        hiddenSizes: opts.hidden,
        outputDim,
        activation: opts.activation,
        seed: seeds.nextUint32(),
        // Spinning Up's mlp policies start near μ = 0 so the first episodes explore around the start.
        outputInitScale: name === 'policy' ? 0.01 : 1,
      });
    this.policy = net('policy', this.actDim);
    this.value = net('value', 1);
    this.logStd = tf.variable(tf.fill([this.actDim], opts.initLogStd), true, `reinforce${id}/log_std`);
    this.policyOpt = makeAdam(opts.policyLr);
    this.valueOpt = makeAdam(opts.baselineLr);
    this.obsNorm = new RunningNormalizer(this.obsDim, 0.01, 5);
    this.envRng = seeds.fork();
    this.actionRng = seeds.fork();
  }

  get envSteps(): number {
    return this.envStepsDone;
  }

  get iteration(): number {
    return this.iterations;
  }

  /** Current σ of the policy, per action dimension. */
  policyStd(): number[] {
    return Array.from(this.logStd.dataSync(), (v) => Math.exp(v));
  }

  /**
   * Network input rows [B, obsDim + K]: the normalized observation, then the one-hot task.
   * @param observation [B, obsDim] raw
   * @param tasks [B] task ids
   */
  inputs(observation: Float32Array, tasks: ArrayLike<number>): Float32Array {
    const width = this.obsDim + this.numTasks;
    const out = new Float32Array(tasks.length * width);
    this.obsNorm.normalizeInto(observation, out, width, 0);
    for (let b = 0; b < tasks.length; b++) out[b * width + this.obsDim + tasks[b]] = 1;
    return out;
  }

  /** Mean actions μ(s, t), clipped to [−1, 1]: observations [B, obsDim], tasks [B] → [B, actDim]. */
  actDeterministic(observation: Float32Array, tasks: ArrayLike<number>): Float32Array {
    const mean = this.meanOf(this.inputs(observation, tasks), tasks.length);
    return mean.map((v) => Math.max(-1, Math.min(1, v)));
  }

  private meanOf(input: Float32Array, rows: number): Float32Array {
    const mean = tf.tidy(() => this.policy.apply(tf.tensor2d(input, [rows, this.obsDim + this.numTasks])));
    const out = mean.dataSync() as Float32Array;
    mean.dispose();
    return out;
  }

  /** Sampled actions a = μ + σ ε, unbounded (the env clips): [B, actDim]. */
  private actStochastic(observation: Float32Array, tasks: ArrayLike<number>): Float32Array {
    const a = this.meanOf(this.inputs(observation, tasks), tasks.length);
    const std = this.policyStd();
    for (let i = 0; i < a.length; i++) a[i] += std[i % this.actDim] * this.actionRng.normal();
    return a;
  }

  /**
   * One iteration: `episodesPerTask` episodes of every task (rounds of all envs in lockstep; env i of
   * a round pursues the next task in turn), the reward-to-go of every step, advantages against the
   * baseline, one policy-gradient step, then the baseline's regression and the normalizer's update.
   *
   * @returns metrics: success_rate (share of the iteration's episodes whose final step succeeds),
   *   success_task<k>, episode_return, policy_loss, value_loss (baseline MSE before its fit),
   *   explained_variance (1 − Var[G − b]/Var[G] before the fit), policy_std (mean σ), entropy (nats),
   *   approx_kl (mean log π_old − log π_new of the batch's actions), episodes.
   */
  async iterate(abortPoint?: AbortPoint): Promise<Metrics> {
    const K = this.numTasks;
    const n = this.envs.length;
    const rounds = Math.ceil((this.options.episodesPerTask * K) / n);
    let next = 0;
    const finished: { task: number; steps: GoalTransition[] }[] = [];
    const episodes = new TaskEpisodes(
      this.envs,
      () => next++ % K,
      () => this.envRng.nextUint32(),
      (_env, task, steps) => finished.push({ task, steps }),
    );
    const collected = new LockstepCollector(this.envs, rounds, episodes.reset).collect(
      episodes.policy((obs, tasks) => this.actStochastic(obs, tasks)),
      episodes.step,
      abortPoint,
    );
    const outcomes = episodes.tag(collected.episodes);
    const batch = this.batchOf(finished);
    abortPoint?.();
    const stats = this.learn(batch, abortPoint);
    this.obsNorm.update(batch.observation);
    this.envStepsDone += collected.steps;
    this.iterations += 1;

    const metrics: Metrics = {
      success_rate: outcomes.filter((e) => e.success).length / outcomes.length,
      episode_return: outcomes.reduce((s, e) => s + e.ret, 0) / outcomes.length,
      episodes: outcomes.length,
      ...stats,
    };
    for (let k = 0; k < K; k++) {
      const mine = outcomes.filter((e) => e.task === k);
      if (mine.length > 0) metrics[`success_task${k}`] = mine.filter((e) => e.success).length / mine.length;
    }
    return metrics;
  }

  /** The iteration's episodes as one batch, with every step's reward-to-go. */
  private batchOf(finished: { task: number; steps: GoalTransition[] }[]): Batch {
    const obs: Float32Array[] = [];
    const actions: Float32Array[] = [];
    const tasks: number[] = [];
    const returns: number[] = [];
    for (const { task, steps } of finished) {
      const g = rewardToGo(
        steps.map((s) => s.reward),
        this.options.gamma,
      );
      steps.forEach((s, t) => {
        obs.push(s.observation as Float32Array);
        actions.push(s.action as Float32Array);
        tasks.push(task);
        returns.push(g[t]);
      });
    }
    const observation = concatRows(obs, this.obsDim);
    return {
      input: this.inputs(observation, tasks),
      action: concatRows(actions, this.actDim),
      returns: Float32Array.from(returns),
      observation,
    };
  }

  /** The policy step and the baseline's fit on one batch; see {@link iterate} for the figures. */
  private learn(batch: Batch, abortPoint?: AbortPoint): Metrics {
    const N = batch.returns.length;
    const width = this.obsDim + this.numTasks;
    const input = tf.tensor2d(batch.input, [N, width]);
    const action = tf.tensor2d(batch.action, [N, this.actDim]);
    const returns = tf.tensor1d(batch.returns);
    try {
      const baseline =
        this.options.baseline === 'learned'
          ? tf.tidy(() => tf.reshape(this.value.apply(input), [N]))
          : tf.zeros([N]);
      const [advantage, valueLoss, explained] = tf.tidy(() => {
        let adv = tf.sub(returns, baseline);
        const mse = tf.mean(tf.square(adv));
        const ev = tf.sub(1, tf.div(tf.moments(adv).variance, tf.add(tf.moments(returns).variance, 1e-8)));
        if (this.options.normalizeAdvantages) {
          const { mean, variance } = tf.moments(adv);
          adv = tf.div(tf.sub(adv, mean), tf.add(tf.sqrt(variance), 1e-8));
        }
        return [adv as tf.Tensor1D, mse, ev];
      });
      baseline.dispose();

      const logProbOld = tf.tidy(() =>
        gaussianLogProb(this.policy.apply(input), this.logStd as tf.Tensor1D, action),
      );
      const policyLoss = this.policyOpt.minimize(
        () => reinforceLoss(this.policy.apply(input), this.logStd as tf.Tensor1D, action, advantage),
        true,
        [...this.policy.variables, this.logStd],
      )!;
      const kl = tf.tidy(() =>
        tf.mean(
          tf.sub(logProbOld, gaussianLogProb(this.policy.apply(input), this.logStd as tf.Tensor1D, action)),
        ),
      );
      const figures = {
        policy_loss: policyLoss.dataSync()[0],
        approx_kl: kl.dataSync()[0],
        value_loss: this.options.baseline === 'learned' ? valueLoss.dataSync()[0] : 0,
        explained_variance: this.options.baseline === 'learned' ? explained.dataSync()[0] : 0,
      };
      tf.dispose([advantage, valueLoss, explained, logProbOld, policyLoss, kl]);

      if (this.options.baseline === 'learned') {
        for (let i = 0; i < this.options.baselineIters; i++) {
          abortPoint?.();
          tf.dispose(
            this.valueOpt.minimize(
              () =>
                tf.mean(tf.square(tf.sub(tf.reshape(this.value.apply(input), [N]), returns))) as tf.Scalar,
              true,
              this.value.variables,
            )!,
          );
        }
      }
      const std = this.policyStd();
      const logStd = Array.from(this.logStd.dataSync() as Float32Array);
      return {
        ...figures,
        policy_std: std.reduce((s, v) => s + v, 0) / std.length,
        entropy: logStd.reduce((s, v) => s + v + 0.5 * (LOG_2PI + 1), 0),
      };
    } finally {
      tf.dispose([input, action, returns]);
    }
  }

  /**
   * Rollouts of the deterministic policy (the mean action, clipped) on the training envs,
   * `episodesPerTask` rounds of all envs per task; no training generator is advanced.
   * @param seed seeds the env resets
   */
  evaluate(episodesPerTask: number, seed: number): MultitaskEvalReport {
    return evaluateTasks(this.envs, episodesPerTask, seed, (obs, tasks) => this.actDeterministic(obs, tasks));
  }

  private policyVars(): Record<string, tf.Variable> {
    return { ...namedParams(this.policy), log_std: this.logStd };
  }

  /**
   * Everything needed to continue bit-exactly: `policy/…` (μ's weights and log σ) and `value/…` with
   * their Adam states, and in `meta` the counters, the generators and the normalizer's sums.
   */
  async saveState(): Promise<AlgorithmState> {
    const arrays = {
      ...(await saveTrainable('policy', this.policyVars(), this.policyOpt)),
      ...(await saveTrainable('value', namedParams(this.value), this.valueOpt)),
    };
    return {
      arrays,
      meta: {
        algo: 'reinforce',
        envSteps: this.envStepsDone,
        iteration: this.iterations,
        envRng: this.envRng.getState(),
        actionRng: this.actionRng.getState(),
        obsNorm: this.obsNorm.getState(),
      },
    };
  }

  /**
   * Restores {@link saveState} into an instance built with the same options and envs.
   * @throws Error naming the part that is missing or does not fit.
   */
  async loadState(state: AlgorithmState): Promise<void> {
    const m = state.meta as {
      algo?: string;
      envSteps: number;
      iteration: number;
      envRng: number[];
      actionRng: number[];
      obsNorm: NormalizerState;
    };
    if (m?.algo !== 'reinforce')
      throw new Error(`REINFORCE: the checkpoint is not a reinforce state (${m?.algo})`);
    await loadTrainable('policy', state.arrays, this.policyVars(), this.policyOpt, 'REINFORCE policy');
    await loadTrainable('value', state.arrays, namedParams(this.value), this.valueOpt, 'REINFORCE baseline');
    this.obsNorm.setState(m.obsNorm);
    this.envRng.setState(m.envRng);
    this.actionRng.setState(m.actionRng);
    this.envStepsDone = m.envSteps;
    this.iterations = m.iteration;
  }

  dispose(): void {
    this.policy.dispose();
    this.value.dispose();
    this.logStd.dispose();
    this.policyOpt.dispose();
    this.valueOpt.dispose();
    for (const e of this.envs) e.close();
  }
}

/**
 * Checks the options' ranges (the config schema checks them too; this guards direct use).
 * @throws Error naming the first option out of range.
 */
function checkOptions(o: ReinforceOptions): void {
  const fail = (name: keyof ReinforceOptions, rule: string) => {
    throw new Error(`REINFORCE: ${name} must be ${rule}, got ${JSON.stringify(o[name])}`);
  };
  for (const name of ['numEnvs', 'episodesPerTask', 'baselineIters'] as const)
    if (!Number.isInteger(o[name]) || o[name] < 1) fail(name, 'a positive integer');
  for (const name of ['policyLr', 'baselineLr'] as const)
    if (!(o[name] > 0 && Number.isFinite(o[name]))) fail(name, 'a positive number');
  if (!(o.gamma > 0 && o.gamma <= 1)) fail('gamma', 'in (0, 1]');
  if (!Number.isFinite(o.initLogStd)) fail('initLogStd', 'a finite number');
  if (!Array.isArray(o.hidden) || !o.hidden.every((h) => Number.isInteger(h) && h > 0))
    fail('hidden', 'a list of positive integers');
}

/** A `reinforce` run: {@link Reinforce} on the multi-goal point mass or the arm reach family, from a run config. */
export class ReinforceAlgorithm extends EpisodeRun<Reinforce> implements GoalEvaluable {
  private constructor(config: RunConfig, inner: Reinforce) {
    super(config, inner);
  }

  /** Builds the envs (the same K tasks in each: the point mass's or the arm's) and the networks from the config. */
  static async create(config: RunConfig): Promise<ReinforceAlgorithm> {
    const r = config.reinforce;
    const family = {
      numTasks: r.tasks,
      radius: reinforceRadius(config.env, r.radius),
      reward: r.reward,
      maxEpisodeSteps: config.episodeSteps ?? undefined,
    };
    const inner = await Reinforce.create(
      (i) =>
        config.env === 'arm'
          ? createMultiGoalArmEnv({ ...family, seed: config.seed * 1000 + i })
          : createMultiGoalPointEnv({ ...family, seed: config.seed * 1000 + i }),
      {
        seed: config.seed,
        numEnvs: config.numEnvs,
        episodesPerTask: r.episodesPerTask,
        hidden: r.hidden,
        activation: r.activation,
        policyLr: r.policyLr,
        baseline: r.baseline,
        baselineLr: r.baselineLr,
        baselineIters: r.baselineIters,
        gamma: r.gamma,
        initLogStd: r.initLogStd,
        normalizeAdvantages: r.normalizeAdvantages,
      },
    );
    return new ReinforceAlgorithm(config, inner);
  }

  /** Mean actions for observations [B, obsDim] and task ids [B] (the "skills"). */
  actDeterministic(obs: Float32Array, tasks: Float32Array): Float32Array {
    return this.inner.actDeterministic(obs, tasks);
  }

  /** Success per task of the mean action, `evalEpisodesPerTask` episodes per task. */
  evaluateGoals(): MultitaskEvalReport {
    return this.inner.evaluate(this.config.reinforce.evalEpisodesPerTask, 1_000_003 + this.config.seed);
  }
}
