/**
 * A skill embedding space (Hausman, Springenberg, Wang, Heess, Riedmiller, "Learning an Embedding
 * Space for Transferable Robot Skills", ICLR 2018), learned off-policy with SAC (issue #11 §1).
 *
 * Three networks:
 * - the embedding p_φ(z | t): task one-hot → diagonal Gaussian over the latent skill z ∈ R^d. The
 *   paper's embedding network is a linear map of the one-hot (App. E.2), i.e. one mean and one log σ
 *   row per task: {@link SkillEmbedding.embedding} holds them as two K×d variables;
 * - the inference network q_ψ(z | a, s^H): the past window s_{i−H+1} … s_i of normalized
 *   observations and the action a_i → diagonal Gaussian over z (the paper's §4.1 window with the
 *   action; garage feeds states only). Trained by maximum likelihood of the episode's z on windows
 *   drawn from the replay buffer (Eq. 7);
 * - the policy π_θ(a | s, z) (a tanh-Gaussian SAC actor that sees the observation and z, never the
 *   task) and twin critics Q(s, a; z, t) that see both.
 *
 * Objective (Eq. 3–4): max E[Σ γ^i r̂] + α1·E_t H[p_φ(z|t)], with
 * r̂_i = r_t(s_i, a_i) + α2·log q_ψ(z | a_i, s^H_i) + α3·H[π(·|s_i, z)]. How it is optimized here:
 * - z is drawn from p_φ(z | t) once per episode (garage's worker; the paper leaves it open) and stored
 *   with every transition (info columns z0 … z{d−1}, beside the task).
 * - α3·H[π] is SAC's entropy term: α3 is SAC's α (automatic or fixed, `sac.*`), in the soft TD target
 *   and the actor loss.
 * - α2·log q is added to the env reward when a batch is sampled, with the current q_ψ, clipped to
 *   ±`logQClip` as garage clips its cross-entropy term, so the critic's targets follow q_ψ as it
 *   learns (as DIAYN's rewards follow its discriminator).
 * - The critic is trained on the stored z with one-step soft TD targets (SAC).
 * - The actor objective is evaluated at a fresh reparameterized z̃ = μ_φ(t) + σ_φ(t)·ε for each
 *   row's task (SacLearnerOptions.actorInput): E[α log π(ã|s,z̃) − min Q(s, ã; z̃, t)], ã ~ π(·|s,z̃),
 *   so its gradient trains π and, through both π and Q, the embedding (SVG(0), §5 and App. D.1),
 *   minus α1·mean_t H[p_φ(z|t)].
 *
 * The Bernoulli embedding (`distribution: 'bernoulli'`, the paper's didactic comparison of embedding
 * families): p_φ(z | t) = Π_j Bernoulli(σ(ℓ_tj)) over z ∈ {0, 1}^d, one logit row ℓ_t per task (held
 * in the `mean` variable; `logStd` is unused). Episodes draw binary z; the actor's reparameterized z̃ is
 * the binary Concrete relaxation (Maddison, Mnih, Teh 2017, Eq. 4 with one logit): z̃ = σ((ℓ + log u −
 * log(1 − u)) / λ), u ~ U(0, 1), temperature λ = `concreteTemperature`; H[p] = Σ_j softplus(ℓ) − σ(ℓ)·ℓ;
 * q_ψ's head is d Bernoulli logits o with log q = Σ_j z_j·log σ(o_j) + (1 − z_j)·log σ(−o_j). A task's
 * deterministic z is its mode 1[p_tj > ½].
 *
 * Retrace (`criticTarget: 'retrace'`, the paper's §5, Eq. 5): each transition stores the behaviour
 * policy's log μ(a|s, z) (its log π at collection — no update happens while an iteration collects —
 * or the uniform density during the warm-up), and the critics' target is retrace.ts's G_0 over the
 * batch row's next `retraceSteps` steps of its episode with c = λ·min(1, π(a|s, z) / μ(a|s, z)), every
 * step's reward augmented with the current q_ψ as the first one's. The paper's weight also divides by
 * the behaviour's p(z|t); here z stays the one the episode was played with (the critic is
 * conditioned on it), so only the action ratio enters.
 *
 * Where it departs from the paper: one learner process instead of 16 distributed actors; SAC's
 * one-step soft targets by default (Retrace as above, an option); SAC's automatic temperature for α3
 * instead of a fixed weight; no target policy.
 *
 * Defaults and where they come from: {@link SKILL_EMBEDDING_DEFAULTS}.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MLP, type MLPOptions } from '../nn/mlp.ts';
import { makeAdam } from '../nn/checkpoint.ts';
import { Rng } from '../rng.ts';
import type { GoalBatch, GoalTransition } from '../replay/goal_buffer.ts';
import { retraceTarget, retraceTraces } from './retrace.ts';
import type { MultiTaskEnv, TaskFamily } from '../sim/multi_goal_env.ts';
import type { SacBatch, SacBatchTensors } from './sac.ts';
import { loadTrainable, namedParams, saveTrainable } from './state.ts';
import { TaskEpisodes, type MultitaskEvalReport } from './multitask_sac.ts';
import {
  OFF_POLICY_DEFAULTS,
  resolveOptions,
  withEnvs,
  type OffPolicyOptions,
} from './off_policy_options.ts';
import {
  checkSameEnvs,
  concatRows,
  EpisodeAgent,
  EpisodeAlgorithm,
  LockstepCollector,
} from './off_policy_core.ts';
import type { AbortPoint, AlgorithmState, Metrics } from './types.ts';
import type { StepInfo } from '../sim/types.ts';
import { embeddingMetrics, mean, type EmbeddingDistribution, type TaskEmbedding } from './embedding_stats.ts';
import type { Adam } from '../nn/adam.ts';

export { embeddingMetrics, gaussianKl, type TaskEmbedding } from './embedding_stats.ts';

/** One rollout of {@link SkillEmbedding.interpolate}: the deterministic policy at one z on the line. */
export interface InterpolationRollout {
  alpha: number;
  /** [d] the z it acted with. */
  z: number[];
  /** [T+1][obsDim] from the reset on. */
  observations: number[][];
  /** [T+1][achievedDim] */
  achieved: number[][];
  /** [T+1][nq] (rows empty for an env without a MuJoCo model). */
  qpos: number[][];
  /** The reset's info (on the arm: the block's start, blockStartX/Y/Z). */
  startInfo: StepInfo;
  nan: boolean;
}

/** Options of {@link SkillEmbedding}; defaults and sources in {@link SKILL_EMBEDDING_DEFAULTS}. */
export interface SkillEmbeddingOptions extends OffPolicyOptions {
  /** d: size of the latent skill z. */
  latentDim: number;
  /** H: observations in the inference network's window (the current one and H − 1 before it). */
  window: number;
  /** α1: weight of the embedding entropy E_t H[p_φ(z|t)], nats. */
  alphaEmbedding: number;
  /** α2: weight of log q_ψ(z | a, s^H) in the reward. */
  alphaInference: number;
  /** log q is clipped to [−logQClip, logQClip] before it enters the reward. */
  logQClip: number;
  /** Hidden widths of the inference network. */
  inferenceHidden: number[];
  /** Adam step size of the inference network. */
  inferenceLr: number;
  /** σ of every task's embedding at the start. */
  embeddingInitStd: number;
  /** Upper bound of the embedding's σ (log σ is clipped). */
  embeddingMaxStd: number;
  /**
   * b: the Gaussian embedding's means are b·tanh(u / b) of their parameters u, so |μ| < b; null:
   * unbounded (μ = u, the paper's linear embedding).
   */
  embeddingMeanBound: number | null;
  /** The embedding's family: diagonal Gaussian, or independent Bernoullis over z ∈ {0, 1}^d. */
  distribution: EmbeddingDistribution;
  /** λ of the binary Concrete relaxation of a Bernoulli z in the actor step. */
  concreteTemperature: number;
  /** The critics' target: SAC's one-step soft target, or Retrace over replayed sequences. */
  criticTarget: 'one-step' | 'retrace';
  /** N: steps of each replayed sequence Retrace reads. */
  retraceSteps: number;
  /** λ of Retrace's traces c = λ·min(1, π/μ). */
  retraceLambda: number;
}

/**
 * Defaults: the shared off-policy ones ({@link OFF_POLICY_DEFAULTS}) and the embedding's. The paper's
 * own values (App. E.2, arm tasks: 3-D Gaussian embedding, α1 = α2 = α3 = 1e3 on its reward scale,
 * inference net 200-200, Adam 1e-3) fix d and the network sizes; the α's follow garage's point-mass
 * example (TE-PPO, rewards of scale 1), reference/relabeling_and_multitask.md §3.2.
 */
export const SKILL_EMBEDDING_DEFAULTS: Readonly<Omit<SkillEmbeddingOptions, 'seed'>> = Object.freeze({
  ...OFF_POLICY_DEFAULTS,
  latentDim: 3, // paper App. E.2 (arm) and Fig. 2 (point mass): 3-D Gaussian embeddings
  window: 6, // garage te_ppo_point `inference_window` (the paper gives no value)
  alphaEmbedding: 1e-3, // garage te_ppo_point `encoder_ent_coeff`
  alphaInference: 5e-2, // garage te_ppo_point `inference_ce_coeff`
  logQClip: 3, // garage TENPO clips the cross-entropy term to [−3, 3]
  inferenceHidden: [200, 200], // paper App. E.2 (spring-wall, L-wall)
  inferenceLr: 1e-3, // paper App. E.2: Adam 1e-3
  embeddingInitStd: 0.5, // chosen: broad enough that a task's samples behave differently from the start
  embeddingMaxStd: 1, // chosen: garage caps at 0.2 with tanh-bounded z; here z is unbounded
  embeddingMeanBound: null, // the paper's linear embedding; garage bounds z with tanh
  distribution: 'gaussian', // paper App. E.2: Gaussian embeddings for the arm
  concreteTemperature: 2 / 3, // Maddison et al. 2017 App. C.2: λ = 2/3 worked well for binary relaxations
  criticTarget: 'one-step', // SAC's; 'retrace' is the paper's (§5)
  retraceSteps: 5, // chosen: the paper does not give its sequence length
  retraceLambda: 1, // Munos et al. 2016: c = λ·min(1, π/μ) with λ = 1
});

/** Replay info column of the stored task. */
const TASK_KEY = 'task';
/** Replay info column of the behaviour policy's log μ(a | s, z) (Retrace only). */
const BEHAVIOUR_KEY = 'behaviour_logp';
/** Replay info column of latent component j. */
const latentKey = (j: number) => `z${j}`;
/** Bounds of the embedding's and the inference network's log σ. */
const LOG_STD_FLOOR = Math.log(1e-3);
/** 0.5·log(2πe): a unit Gaussian's entropy per dimension, nats. */
const HALF_LOG_2PI_E = 0.5 * Math.log(2 * Math.PI * Math.E);
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** No relabeling: the switch log's one entry. */
type NoRelabel = { strategy: 'none' };

/** A sampled batch: replay rows, their z and inference windows, and the reward terms. */
export interface EmbeddingBatch {
  size: number;
  rows: GoalBatch;
  /** [B] each row's task. */
  task: Int32Array;
  /** [B, d] the z of each row's episode. */
  latent: Float32Array;
  /** [B, H·obsDim + actDim] the inference network's input of each row. */
  window: Float32Array;
  /** [B] r_t: the task's reward. */
  envReward: Float32Array;
  /** [B] clipped log q_ψ(z | a, s^H), nats. */
  logQ: Float32Array;
  /** [B] r_t + α2·log q: what the critic trains on (α3·H[π] enters through SAC's α). */
  reward: Float32Array;
  /** With Retrace: each row's next steps in its episode (see {@link RetraceSequence}). */
  sequence?: RetraceSequence;
}

/**
 * B replayed sequences of N steps for Retrace, step-major ([N, B] rows, row k·B + b is step k of
 * sequence b): learner inputs of each step's state and next state, its action, augmented reward,
 * 1 − terminated, whether step k + 1 continues the episode (0 on the last row), and log μ.
 */
export interface RetraceSequence {
  steps: number;
  size: number;
  input: Float32Array;
  nextInput: Float32Array;
  action: Float32Array;
  reward: Float32Array;
  notDone: Float32Array;
  continues: Float32Array;
  logMu: Float32Array;
}

/** One episode of {@link SkillEmbedding.rollouts}. */
export interface LatentRollout {
  task: number;
  success: boolean;
  /** Undiscounted return. */
  ret: number;
  /** [d] the z the episode was played with. */
  latent: Float32Array;
  /** [achievedDim] the achieved goal after the last step (m on the point mass). */
  finalAchieved: Float32Array;
  /** [T, obsDim] raw observations s_0 … s_{T−1}. */
  observations: Float32Array;
  /** [T, actDim] actions a_0 … a_{T−1}. */
  actions: Float32Array;
}

/** See the file comment. */
export class SkillEmbedding extends EpisodeAlgorithm<
  MultiTaskEnv,
  SkillEmbeddingOptions,
  NoRelabel,
  EmbeddingBatch
> {
  readonly family: TaskFamily;
  readonly numTasks: number;
  readonly latentDim: number;
  protected readonly core: EpisodeAgent<MultiTaskEnv, SkillEmbeddingOptions, NoRelabel, EmbeddingBatch>;
  /** μ_φ [K, d] and log σ_φ [K, d] of p_φ(z | t). */
  readonly embedding: { mean: tf.Variable; logStd: tf.Variable };
  /** q_ψ: window → [μ, log σ] of z, [B, 2d]. */
  readonly inference: MLP;
  private readonly inferenceOpt: Adam;
  /** Noise ε of the actor step's fresh z̃ = μ + σ·ε. */
  private readonly latentRng: Rng;
  private readonly training: TaskEpisodes;
  /** [numEnvs, d] the z of each env's current training episode. */
  private readonly latents: Float32Array;
  private seen: Float32Array[] = [];
  /** The sequences of the batch the learner is updating on (Retrace's target reads them). */
  private pendingSequence: RetraceSequence | null = null;
  /** Inference statistics of the iteration's batches. */
  private inferenceStats = { loss: 0, rmse: 0, taskAccuracy: 0, envReward: 0, logQ: 0, batches: 0 };

  /**
   * Builds the envs and the algorithm.
   * @param factory makes env i (0 … numEnvs−1); every env must have the same spaces and family
   * @param options `seed` plus any of {@link SKILL_EMBEDDING_DEFAULTS}
   * @throws Error when the envs differ or an option is out of range (naming it); the envs are closed.
   */
  static async create(
    factory: (index: number) => MultiTaskEnv | Promise<MultiTaskEnv>,
    options: Partial<SkillEmbeddingOptions> & { seed: number },
  ): Promise<SkillEmbedding> {
    const opts = resolveOptions<SkillEmbeddingOptions>('skill embedding', SKILL_EMBEDDING_DEFAULTS, options);
    checkOptions(opts);
    return withEnvs(factory, opts.numEnvs, (envs) => new SkillEmbedding(envs, opts));
  }

  private constructor(envs: MultiTaskEnv[], opts: SkillEmbeddingOptions) {
    super();
    checkSameEnvs('skill embedding', envs, 'its spaces or tasks', (e) => [e.family.numTasks]);
    const family = envs[0].family;
    const d = opts.latentDim;
    const retrace = opts.criticTarget === 'retrace';
    const keys = [
      TASK_KEY,
      ...Array.from({ length: d }, (_, j) => latentKey(j)),
      ...(retrace ? [BEHAVIOUR_KEY] : []),
    ];
    if (keys.some((k) => family.infoKeys.includes(k)))
      throw new Error(`skill embedding: the family's info keys may not be named ${keys.join(', ')}`);
    const obsDim = envs[0].observationSpace.shape[0];
    const actDim = envs[0].actionSpace.shape[0];
    const K = family.numTasks;
    this.family = family;
    this.numTasks = K;
    this.latentDim = d;
    const root = new Rng(opts.seed ^ 0x2f6b1d3);
    this.latentRng = root.fork();
    const means = new Float32Array(K * d);
    root.fillUniform(means, -1, 1);
    this.embedding = {
      mean: tf.tidy(() => tf.variable(tf.tensor2d(means, [K, d]), true, `skill_embedding/mean#${uidOf()}`)),
      logStd: tf.tidy(() =>
        tf.variable(
          tf.fill([K, d], Math.log(opts.embeddingInitStd)),
          true,
          `skill_embedding/log_std#${uidOf()}`,
        ),
      ),
    };
    this.inference = new MLP({
      name: 'inference',
      inputDim: opts.window * obsDim + actDim,
      hiddenSizes: opts.inferenceHidden,
      outputDim: 2 * d,
      seed: root.nextUint32(),
    });
    this.inferenceOpt = makeAdam(opts.inferenceLr);
    this.latents = new Float32Array(opts.numEnvs * d);
    this.training = new TaskEpisodes(
      envs,
      (i) => {
        const t = this.core.envRng.int(K);
        this.latents.set(this.sampleLatent(t, this.core.envRng), i * d);
        return t;
      },
      () => this.core.envRng.nextUint32(),
      (env, task, steps) => {
        const z = this.latents.subarray(env * d, (env + 1) * d);
        const info: Record<string, number> = { [TASK_KEY]: task };
        z.forEach((v, j) => (info[latentKey(j)] = v));
        const logMu = retrace ? this.behaviourLogProbs(steps, z, task) : null;
        steps.forEach((tr, i) => {
          const behaviour = logMu ? { [BEHAVIOUR_KEY]: logMu[i] } : {};
          this.replay.add(env, { ...tr, info: { ...tr.info, ...info, ...behaviour } });
          this.seen.push(tr.observation as Float32Array);
        });
      },
    );
    this.core = new EpisodeAgent(
      envs,
      Object.freeze({ ...opts, hidden: [...opts.hidden], inferenceHidden: [...opts.inferenceHidden] }),
      {
        algo: 'skill-embedding',
        label: 'skill embedding',
        replayPrefix: 'embedding_replay',
        relabel: { strategy: 'none' },
        replay: {
          infoKeys: [...family.infoKeys, ...keys],
          reward: (achieved, _desired, info) =>
            family.evaluate(info![TASK_KEY], achieved, familyInfo(family, info!)),
          relabel: { strategy: 'none', k: 0 },
        },
        learner: {
          name: 'skill_embedding',
          inputDim: obsDim + d + K,
          // π(a | s, z): the policy reads the observation and z, not the task columns after them.
          network: (o: MLPOptions) =>
            o.name === 'policy' ? new LeadingColumnsMLP(o, obsDim + d) : new MLP(o),
          actorInput: (t) => this.freshLatentInput(t),
          criticTargetOverride: retrace ? (_t, alpha) => this.retraceTarget(alpha) : undefined,
          auxiliary: {
            actor: () => tf.mul(-opts.alphaEmbedding, tf.mean(this.embeddingEntropies())) as tf.Scalar,
            actorVariables: {
              'aux/embedding/mean': this.embedding.mean,
              'aux/embedding/log_std': this.embedding.logStd,
            },
          },
        },
      },
      {
        reset: (i) => this.training.reset(i),
        adder: (i, tr) => this.training.step(i, tr),
        sampler: { sample: (B, rng) => this.sampleBatch(B, rng) },
        toLearner: (batch) => this.sacBatch(batch),
      },
    );
  }

  /** The embedding's family (options.distribution). */
  get distribution(): EmbeddingDistribution {
    return this.options.distribution;
  }

  /**
   * p_φ(z | t) of every task, [d] each: a Gaussian's μ and σ; a Bernoulli's p = σ(ℓ) and √(p(1 − p)).
   */
  taskEmbeddings(): TaskEmbedding[] {
    const K = this.numTasks;
    const d = this.latentDim;
    const bernoulli = this.distribution === 'bernoulli';
    const [mean, std] = tf.tidy(() => {
      const m = bernoulli ? tf.sigmoid(this.embedding.mean) : this.gaussianMeans();
      const sd = bernoulli ? tf.sqrt(tf.mul(m, tf.sub(1, m))) : tf.exp(this.clippedLogStd());
      return [m.dataSync() as Float32Array, sd.dataSync() as Float32Array];
    });
    return Array.from({ length: K }, (_, k) => ({
      mean: mean.slice(k * d, (k + 1) * d),
      std: std.slice(k * d, (k + 1) * d),
    }));
  }

  /**
   * The deterministic z of task t, [d]: the Gaussian's mean μ_φ(t), or the Bernoulli's mode 1[p > ½]
   * (what evaluation, interpolation and the controllers' box start from).
   */
  taskLatent(task: number): Float32Array {
    const { mean } = this.taskEmbeddings()[task];
    return this.distribution === 'bernoulli' ? mean.map((p) => (p > 0.5 ? 1 : 0)) : mean;
  }

  /** z ~ p_φ(z | t), [d], drawn with `rng`: Gaussian μ + σ·ε, or Bernoulli 1[u < p]. */
  sampleLatent(task: number, rng: Rng): Float32Array {
    const { mean, std } = this.taskEmbeddings()[task];
    if (this.distribution === 'bernoulli') return mean.map((p) => (rng.uniform() < p ? 1 : 0));
    return mean.map((m, j) => m + std[j] * rng.normal());
  }

  /** μ_φ [K, d] of the Gaussian embedding: its parameters, or b·tanh(u / b) with a mean bound b. */
  private gaussianMeans(): tf.Tensor2D {
    const b = this.options.embeddingMeanBound;
    const u = this.embedding.mean as tf.Tensor2D;
    return b === null ? u : (tf.mul(b, tf.tanh(tf.div(u, b))) as tf.Tensor2D);
  }

  /** log σ_φ [K, d], clipped to [log 1e-3, log embeddingMaxStd]. */
  private clippedLogStd(): tf.Tensor2D {
    return tf.clipByValue(
      this.embedding.logStd,
      LOG_STD_FLOOR,
      Math.log(this.options.embeddingMaxStd),
    ) as tf.Tensor2D;
  }

  /**
   * [K] H[p_φ(z | t)], nats (differentiable): Σ_j (log σ_tj + ½ log 2πe) for a Gaussian,
   * Σ_j softplus(ℓ_tj) − σ(ℓ_tj)·ℓ_tj for a Bernoulli.
   */
  private embeddingEntropies(): tf.Tensor1D {
    if (this.distribution === 'bernoulli') {
      const l = this.embedding.mean;
      return tf.sum(tf.sub(tf.softplus(l), tf.mul(tf.sigmoid(l), l)), 1) as tf.Tensor1D;
    }
    return tf.add(tf.sum(this.clippedLogStd(), 1), this.latentDim * HALF_LOG_2PI_E) as tf.Tensor1D;
  }

  /**
   * The actor's input rows: the batch's, with the latent block replaced by a reparameterized sample
   * for each row's task (read from its one-hot block), noise from the algorithm's own generator:
   * z̃ = μ_φ(t) + σ_φ(t)·ε, ε ~ N(0, I); or for a Bernoulli the binary Concrete
   * z̃ = σ((ℓ_φ(t) + log u − log(1 − u)) / λ), u ~ U(0, 1).
   */
  private freshLatentInput(t: SacBatchTensors): tf.Tensor2D {
    const { obsDim } = this;
    const d = this.latentDim;
    const K = this.numTasks;
    const B = t.input.shape[0];
    const oneHot = tf.slice(t.input, [0, obsDim + d], [B, K]);
    let z: tf.Tensor;
    if (this.distribution === 'bernoulli') {
      const param = tf.matMul(oneHot, this.embedding.mean as tf.Tensor2D);
      const u = tf.randomUniform([B, d], 1e-6, 1 - 1e-6, 'float32', this.latentRng.nextUint32());
      const logistic = tf.sub(tf.log(u), tf.log(tf.sub(1, u)));
      z = tf.sigmoid(tf.div(tf.add(param, logistic), this.options.concreteTemperature));
    } else {
      const param = tf.matMul(oneHot, this.gaussianMeans());
      const std = tf.matMul(oneHot, tf.exp(this.clippedLogStd()));
      const eps = tf.randomNormal([B, d], 0, 1, 'float32', this.latentRng.nextUint32());
      z = tf.add(param, tf.mul(std, eps));
    }
    return tf.concat([tf.slice(t.input, [0, 0], [B, obsDim]), z, oneHot], 1) as tf.Tensor2D;
  }

  /**
   * Network input rows [n, obsDim + d + K]: normalized observation, z, one-hot task.
   * @param observation [n, obsDim] raw
   * @param latent [n, d]
   * @param tasks [n]
   */
  inputs(observation: Float32Array, latent: Float32Array, tasks: ArrayLike<number>): Float32Array {
    const { obsDim } = this;
    const d = this.latentDim;
    const width = obsDim + d + this.numTasks;
    const out = new Float32Array(tasks.length * width);
    this.core.obsNorm.normalizeInto(observation, out, width, 0);
    for (let b = 0; b < tasks.length; b++) {
      out.set(latent.subarray(b * d, (b + 1) * d), b * width + obsDim);
      out[b * width + obsDim + d + tasks[b]] = 1;
    }
    return out;
  }

  /**
   * The inference network's input rows [B, H·obsDim + actDim] of stored transitions: the normalized
   * observations s_{t−H+1} … s_t of each one's episode (the first repeated before the episode's start),
   * then its action.
   */
  private windows(slot: Int32Array, action: Float32Array): Float32Array {
    const H = this.options.window;
    const { obsDim, actDim } = this;
    const offsets = Array.from({ length: H }, (_, j) => j - H + 1);
    const raw = this.replay.gatherWindow('observation', slot, offsets);
    const normalized = new Float32Array(raw.length);
    this.core.obsNorm.normalizeInto(raw, normalized, obsDim, 0);
    const width = H * obsDim + actDim;
    const out = new Float32Array(slot.length * width);
    for (let b = 0; b < slot.length; b++) {
      out.set(normalized.subarray(b * H * obsDim, (b + 1) * H * obsDim), b * width);
      out.set(action.subarray(b * actDim, (b + 1) * actDim), b * width + H * obsDim);
    }
    return out;
  }

  /**
   * log q_ψ(z | window) per row (differentiable): of a diagonal Gaussian head [μ, log σ], or of a
   * Bernoulli head whose first d outputs are logits o (log q = Σ_j z_j·log σ(o_j) + (1 − z_j)·log
   * σ(−o_j); the other d are unused, so both families share the network's shape).
   * @param window [B, H·obsDim + actDim]
   * @param latent [B, d]
   * @returns log density (mass) [B] in nats, and the head's mean [B, d] (σ(o) for a Bernoulli)
   */
  private inferenceLogProb(
    window: tf.Tensor2D,
    latent: tf.Tensor2D,
  ): { logQ: tf.Tensor1D; mean: tf.Tensor2D } {
    const d = this.latentDim;
    const out = this.inference.apply(window);
    if (this.distribution === 'bernoulli') {
      const o = tf.slice(out, [0, 0], [-1, d]);
      const perDim = tf.neg(
        tf.add(tf.mul(latent, tf.softplus(tf.neg(o))), tf.mul(tf.sub(1, latent), tf.softplus(o))),
      );
      return { logQ: tf.sum(perDim, 1) as tf.Tensor1D, mean: tf.sigmoid(o) as tf.Tensor2D };
    }
    const mean = tf.slice(out, [0, 0], [-1, d]);
    const logStd = tf.clipByValue(tf.slice(out, [0, d], [-1, d]), LOG_STD_FLOOR, 2);
    const z = tf.div(tf.sub(latent, mean), tf.exp(logStd));
    const perDim = tf.neg(tf.add(tf.add(tf.mul(0.5, tf.square(z)), logStd), HALF_LOG_2PI));
    return { logQ: tf.sum(perDim, 1) as tf.Tensor1D, mean: mean as tf.Tensor2D };
  }

  /**
   * log q_ψ(z | a, s^H) of the current inference network (unclipped).
   * @param window [B, H·obsDim + actDim] inference inputs (normalized observations, then the action)
   * @param latent [B, d]
   * @returns [B] nats
   */
  inferenceLogQ(window: Float32Array, latent: Float32Array): Float32Array {
    const B = latent.length / this.latentDim;
    return tf.tidy(
      () =>
        this.inferenceLogProb(
          tf.tensor2d(window, [B, window.length / B]),
          tf.tensor2d(latent, [B, this.latentDim]),
        ).logQ.dataSync() as Float32Array,
    );
  }

  /**
   * r̂ without its entropy term: r_t + α2·clip(log q_ψ(z | a, s^H), ±logQClip), per row (Eq. 4).
   * @param envReward [B] the task's reward
   * @param logQ [B] log q_ψ, nats, unclipped
   * @returns clipped log q [B] and the reward [B]
   */
  augmentedReward(envReward: Float32Array, logQ: Float32Array): { logQ: Float32Array; reward: Float32Array } {
    const { alphaInference, logQClip } = this.options;
    const clipped = logQ.map((v) => Math.min(logQClip, Math.max(-logQClip, v)));
    return { logQ: clipped, reward: envReward.map((r, b) => r + alphaInference * clipped[b]) };
  }

  /**
   * Draws B stored transitions uniformly and scores each under its own task with the augmented
   * reward of the current inference network.
   * @throws Error before the first episode is stored.
   */
  sampleBatch(batchSize: number, rng: Rng = this.core.sampleRng): EmbeddingBatch {
    const rows = this.replay.sample(batchSize, rng);
    const B = rows.size;
    const latent = this.latentsOf(rows.info, B);
    const window = this.windows(rows.slot, rows.action);
    const logQ = this.inferenceLogQ(window, latent);
    const augmented = this.augmentedReward(rows.reward, logQ);
    return {
      size: B,
      rows,
      task: Int32Array.from(rows.info[TASK_KEY]),
      latent,
      window,
      envReward: rows.reward,
      logQ: augmented.logQ,
      reward: augmented.reward,
      ...(this.options.criticTarget === 'retrace' ? { sequence: this.sequenceOf(rows.slot) } : {}),
    };
  }

  /** The z column block [n, d] of replay rows' info. */
  private latentsOf(info: Record<string, Float32Array>, n: number): Float32Array {
    const d = this.latentDim;
    const latent = new Float32Array(n * d);
    for (let j = 0; j < d; j++) {
      const col = info[latentKey(j)];
      for (let b = 0; b < n; b++) latent[b * d + j] = col[b];
    }
    return latent;
  }

  /**
   * The Retrace sequences of sampled rows: each row's next `retraceSteps` steps of its episode, their
   * rewards augmented with the current q_ψ, as learner inputs (see {@link RetraceSequence}).
   */
  sequenceOf(slot: Int32Array): RetraceSequence {
    const N = this.options.retraceSteps;
    const B = slot.length;
    const { slots, stored } = this.replay.sequence(slot, N);
    const rows = this.replay.rows(slots);
    const latent = this.latentsOf(rows.info, N * B);
    const task = rows.info[TASK_KEY];
    const logQ = this.inferenceLogQ(this.windows(rows.slot, rows.action), latent);
    const continues = new Float32Array(N * B);
    for (let i = 0; i < (N - 1) * B; i++) continues[i] = stored[i + B];
    return {
      steps: N,
      size: B,
      input: this.inputs(rows.observation, latent, task),
      nextInput: this.inputs(rows.nextObservation, latent, task),
      action: rows.action,
      reward: this.augmentedReward(rows.reward, logQ).reward,
      notDone: rows.terminated.map((v) => 1 - v),
      continues,
      logMu: rows.info[BEHAVIOUR_KEY],
    };
  }

  /**
   * log μ(a_t | s_t, z) of an episode's steps just collected: the current policy's log π (the one that
   * acted: no update happens while an iteration collects), or during the warm-up the uniform density
   * over the action box.
   */
  private behaviourLogProbs(steps: readonly GoalTransition[], z: Float32Array, task: number): Float32Array {
    const T = steps.length;
    if (this.core.agent.warmingUp) {
      const { low, high } = this.envs[0].actionSpace;
      let logDensity = 0;
      for (let j = 0; j < low.length; j++) logDensity -= Math.log(high[j] - low[j]);
      return new Float32Array(T).fill(logDensity);
    }
    const obs = new Float32Array(T * this.obsDim);
    const act = new Float32Array(T * this.actDim);
    const latent = new Float32Array(T * this.latentDim);
    steps.forEach((tr, t) => {
      obs.set(tr.observation, t * this.obsDim);
      act.set(tr.action, t * this.actDim);
      latent.set(z, t * this.latentDim);
    });
    return this.learner.logProbOf(this.inputs(obs, latent, new Int32Array(T).fill(task)), act);
  }

  /**
   * Retrace's target G_0 (retrace.ts) for the batch being updated, from its sequences: V̄ at every
   * next state, Q̄ and log π at every stored step, with SAC's α, γ and reward scale.
   * @throws Error when the batch carries no sequences.
   */
  private retraceTarget(alpha: number): tf.Tensor1D {
    const s = this.pendingSequence;
    if (!s) throw new Error('skill embedding: a Retrace update needs the batch’s sequences');
    const { steps: N, size: B } = s;
    const width = s.input.length / (N * B);
    const learner = this.learner;
    const input = tf.tensor2d(s.input, [N * B, width]);
    const action = tf.tensor2d(s.action, [N * B, this.actDim]);
    const grid = (x: tf.Tensor | Float32Array) =>
      tf.reshape(x instanceof Float32Array ? tf.tensor1d(x) : x, [N, B]) as tf.Tensor2D;
    return retraceTarget(
      {
        reward: tf.mul(this.options.rewardScale, grid(s.reward)) as tf.Tensor2D,
        notDone: grid(s.notDone),
        continues: grid(s.continues),
        nextValue: grid(learner.targetSoftValue(tf.tensor2d(s.nextInput, [N * B, width]), alpha)),
        q: grid(learner.targetMinQ(input, action)),
        traces: retraceTraces(
          grid(learner.logProbTensor(input, action)),
          grid(s.logMu),
          this.options.retraceLambda,
        ),
      },
      this.options.gamma,
    );
  }

  private sacBatch(batch: EmbeddingBatch): SacBatch {
    this.pendingSequence = batch.sequence ?? null;
    const { rows } = batch;
    return {
      size: batch.size,
      input: this.inputs(rows.observation, batch.latent, batch.task),
      action: rows.action,
      reward: batch.reward,
      nextInput: this.inputs(rows.nextObservation, batch.latent, batch.task),
      terminated: rows.terminated,
    };
  }

  /**
   * One maximum-likelihood step of q_ψ on a batch's windows and z (Eq. 7), with its diagnostics: the
   * loss −mean log q, the RMSE of q's mean against z, and the share of rows whose q mean lies nearest
   * (Euclidean) to their own task's embedding mean.
   */
  private inferenceStep(batch: EmbeddingBatch): { loss: number; rmse: number; taskAccuracy: number } {
    const B = batch.size;
    const d = this.latentDim;
    const x = tf.tensor2d(batch.window, [B, batch.window.length / B]);
    const z = tf.tensor2d(batch.latent, [B, d]);
    let mean: Float32Array = new Float32Array(0);
    const loss = this.inferenceOpt.minimize(
      () => {
        const out = this.inferenceLogProb(x, z);
        mean = out.mean.dataSync() as Float32Array;
        return tf.neg(tf.mean(out.logQ)) as tf.Scalar;
      },
      true,
      this.inference.variables,
    )!;
    const value = loss.dataSync()[0];
    tf.dispose([loss, x, z]);
    const means = this.taskEmbeddings().map((e) => e.mean);
    let sq = 0;
    let hits = 0;
    for (let b = 0; b < B; b++) {
      const q = mean.subarray(b * d, (b + 1) * d);
      for (let j = 0; j < d; j++) sq += (q[j] - batch.latent[b * d + j]) ** 2;
      if (nearest(q, means) === batch.task[b]) hits += 1;
    }
    return { loss: value, rmse: Math.sqrt(sq / (B * d)), taskAccuracy: hits / B };
  }

  /**
   * One iteration: `episodesPerIteration` whole episodes per env, each with a uniformly drawn task and
   * a z ~ p_φ(z | t) held for the episode (uniform random actions before `learningStarts`); the
   * normalizer updated with their observations; then `updatesPerIteration` updates, each one step of
   * q_ψ and one SAC step (critic, actor with the embedding, α, Polyak) on the same batch.
   *
   * @returns metrics: success_rate, success_task<k>, episode_return, episode_length, the SAC losses,
   *   alpha, entropy, q_mean, aux_actor_loss (−α1·mean embedding entropy); reward_env, reward_inference
   *   (α2·mean clipped log q) and reward_entropy (α·H[π]): the reward's terms, means over the batches;
   *   inference_loss, inference_rmse, inference_task_accuracy; per task k: embedding_mean_t<k>_<j>,
   *   embedding_std_t<k> (mean σ over dims), embedding_entropy_t<k> (nats); embedding_kl_mean and
   *   embedding_kl_min: KL(p(z|i) ‖ p(z|j)) over ordered pairs i ≠ j (the paper's Fig. 3 measure).
   */
  async iterate(abortPoint?: AbortPoint): Promise<Metrics> {
    const K = this.numTasks;
    const agent = this.core.agent;
    this.seen = [];
    const collected = agent.collect(
      this.core.behaviour(
        this.training.policy((obs, tasks) => this.learner.act(this.inputs(obs, this.latents, tasks), false)),
      ),
      abortPoint,
    );
    const episodes = this.training.tag(collected.episodes);
    this.core.obsNorm.update(concatRows(this.seen, this.obsDim));

    const acc = { loss: 0, rmse: 0, taskAccuracy: 0, envReward: 0, logQ: 0, batches: 0 };
    const stats = this.core.train(abortPoint, (batch) => {
      const s = this.inferenceStep(batch);
      acc.loss += s.loss;
      acc.rmse += s.rmse;
      acc.taskAccuracy += s.taskAccuracy;
      acc.envReward += mean(batch.envReward);
      acc.logQ += mean(batch.logQ);
      acc.batches += 1;
    });
    this.inferenceStats = acc;
    agent.iteration += 1;
    const metrics: Metrics = this.core.iterationMetrics(episodes, collected.steps, stats);
    for (let k = 0; k < K; k++) {
      const mine = episodes.filter((e) => e.task === k);
      if (mine.length > 0) metrics[`success_task${k}`] = mine.filter((e) => e.success).length / mine.length;
    }
    if (acc.batches > 0) {
      const n = acc.batches;
      Object.assign(metrics, {
        reward_env: acc.envReward / n,
        reward_inference: (this.options.alphaInference * acc.logQ) / n,
        reward_entropy: (metrics.alpha ?? this.learner.alpha) * (metrics.entropy ?? 0),
        inference_loss: acc.loss / n,
        inference_rmse: acc.rmse / n,
        inference_task_accuracy: acc.taskAccuracy / n,
      });
    }
    Object.assign(metrics, embeddingMetrics(this.taskEmbeddings(), this.distribution));
    return metrics;
  }

  /**
   * Deterministic actions tanh(μ) of π(a | s, z).
   * @param observation [n, obsDim] raw
   * @param latent [n, d]
   * @returns [n, actDim]
   */
  actDeterministic(observation: Float32Array, latent: Float32Array): Float32Array {
    const n = observation.length / this.obsDim;
    // The policy ignores the task block: any task id fills it.
    return this.learner.act(this.inputs(observation, latent, new Int32Array(n)), true);
  }

  /**
   * Rollouts of the deterministic policy with a given z for every episode (`latentOf(task, episode)`),
   * `rounds` rounds of all envs per task; nothing is stored and no training generator advances.
   * @param seed seeds the env resets
   * @returns per task in order, every episode's outcome, z, final achieved goal and trajectory
   */
  rollouts(
    rounds: number,
    seed: number,
    latentOf: (task: number, episode: number) => Float32Array,
  ): LatentRollout[] {
    const d = this.latentDim;
    const n = this.envs.length;
    const seeds = new Rng(seed);
    const out: LatentRollout[] = [];
    for (let k = 0; k < this.numTasks; k++) {
      // Lockstep lists episodes in the order they began: episode j is the j-th reset.
      const z = new Float32Array(n * d);
      const latents: Float32Array[] = [];
      const steps: { obs: number[]; act: number[]; final: Float32Array | null }[] = [];
      const current = new Int32Array(n);
      const reset = (i: number) => {
        current[i] = latents.length;
        latents.push(latentOf(k, latents.length).slice());
        steps.push({ obs: [], act: [], final: null });
        z.set(latents[current[i]], i * d);
        return this.envs[i].reset({ task: k, seed: seeds.nextUint32() }).obs;
      };
      const { episodes } = new LockstepCollector(this.envs, rounds, reset).collect(
        (obs) => this.actDeterministic(obs, z),
        (i, tr) => {
          const rec = steps[current[i]];
          rec.obs.push(...tr.observation);
          rec.act.push(...tr.action);
          if (tr.terminated || tr.truncated) rec.final = tr.nextAchievedGoal.slice();
        },
      );
      episodes.forEach((e, j) =>
        out.push({
          task: k,
          success: e.success,
          ret: e.ret,
          latent: latents[j],
          finalAchieved: steps[j].final!,
          observations: Float32Array.from(steps[j].obs),
          actions: Float32Array.from(steps[j].act),
        }),
      );
    }
    return out;
  }

  /**
   * The paper's interpolation (Hausman et al. 2018 §7.1, Fig. 4): rollouts of the deterministic
   * policy at z = (1 − α)·z(from) + α·z(to) for each α, z(t) the task's deterministic z
   * ({@link taskLatent}: μ_φ(t), or a Bernoulli's mode), all from the same reset (env 0, task
   * `from`, reset seed `seed`), so that only z differs between them; nothing is stored and no
   * training generator advances.
   * @param alphas the α of each rollout, usually from 0 to 1
   * @returns per α: z [d], the observation per step [T + 1][obsDim] (row 0 after the reset), the
   *   achieved goal per step [T + 1][goalDim], and whether the env ended it unstable
   * @throws Error for a task out of range.
   */
  interpolate(from: number, to: number, alphas: readonly number[], seed: number): InterpolationRollout[] {
    for (const t of [from, to])
      if (!Number.isInteger(t) || t < 0 || t >= this.numTasks)
        throw new Error(`interpolate: task ${t} is not one of 0 … ${this.numTasks - 1}`);
    const [a, b] = [this.taskLatent(from), this.taskLatent(to)];
    const env = this.envs[0];
    return alphas.map((alpha) => {
      const z = a.map((m, j) => (1 - alpha) * m + alpha * b[j]);
      const start = env.reset({ task: from, seed });
      let obs = start.obs;
      const observations = [Array.from(obs.observation)];
      const achieved = [Array.from(obs.achievedGoal)];
      const qpos = [Array.from(env.qpos())];
      for (;;) {
        const out = env.step(this.actDeterministic(obs.observation, z));
        obs = out.obs;
        observations.push(Array.from(obs.observation));
        achieved.push(Array.from(obs.achievedGoal));
        qpos.push(Array.from(env.qpos()));
        if (out.terminated || out.truncated)
          return {
            alpha,
            z: Array.from(z),
            observations,
            achieved,
            qpos,
            startInfo: start.info,
            nan: Boolean(out.info.nan),
          };
      }
    });
  }

  /**
   * q_ψ's estimate of the z behind a trajectory: its mean over the windows of every step (the
   * normalized observations s_{t−H+1} … s_t, the first repeated before the start, and a_t).
   * @param observations [T, obsDim] raw
   * @param actions [T, actDim]
   * @returns [d]
   */
  inferLatent(observations: Float32Array, actions: Float32Array): Float32Array {
    const H = this.options.window;
    const { obsDim, actDim } = this;
    const d = this.latentDim;
    const T = actions.length / actDim;
    const normalized = new Float32Array(observations.length);
    this.core.obsNorm.normalizeInto(observations, normalized, obsDim, 0);
    const width = H * obsDim + actDim;
    const x = new Float32Array(T * width);
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < H; j++) {
        const s = Math.max(0, t - H + 1 + j);
        x.set(normalized.subarray(s * obsDim, (s + 1) * obsDim), t * width + j * obsDim);
      }
      x.set(actions.subarray(t * actDim, (t + 1) * actDim), t * width + H * obsDim);
    }
    const means = tf.tidy(() => {
      const head = tf.slice(this.inference.apply(tf.tensor2d(x, [T, width])), [0, 0], [T, d]);
      return tf
        .mean(this.distribution === 'bernoulli' ? tf.sigmoid(head) : head, 0)
        .dataSync() as Float32Array;
    });
    return Float32Array.from(means);
  }

  /**
   * Held-out identification (issue #11 §4): each of `rounds` rounds draws a fresh z ~ p_φ(z | t) for
   * every task, rolls out the deterministic policy with it, and asks q_ψ which of the round's z
   * produced each trajectory: the candidate nearest (Euclidean) to {@link inferLatent}.
   * @param seed seeds the z draws and the env resets
   * @returns the share identified, and each episode with its estimate
   */
  identifyLatents(
    rounds: number,
    seed: number,
  ): { accuracy: number; episodes: (LatentRollout & { inferred: Float32Array })[] } {
    const rng = new Rng(seed);
    const K = this.numTasks;
    const n = this.envs.length;
    const candidates = Array.from({ length: rounds * n }, () =>
      Array.from({ length: K }, (_, k) => this.sampleLatent(k, rng)),
    );
    const episodes = this.rollouts(rounds, rng.nextUint32(), (k, e) => candidates[e][k]).map((r) => ({
      ...r,
      inferred: this.inferLatent(r.observations, r.actions),
    }));
    let hits = 0;
    const perTask = new Int32Array(K);
    for (const e of episodes) {
      const round = candidates[perTask[e.task]++];
      if (nearest(e.inferred, round) === e.task) hits += 1;
    }
    return { accuracy: hits / episodes.length, episodes };
  }

  /**
   * Per-task success of the deterministic policy at each task's embedding mean z = μ_φ(t),
   * `episodesPerTask` rounds of all envs per task.
   * @param seed seeds the env resets
   */
  evaluate(episodesPerTask: number, seed: number): MultitaskEvalReport {
    const all = this.rollouts(episodesPerTask, seed, (k) => this.taskLatent(k));
    const taskSuccess = Array.from({ length: this.numTasks }, (_, k) => {
      const mine = all.filter((e) => e.task === k);
      return mine.filter((e) => e.success).length / mine.length;
    });
    return {
      episodes: all.length,
      success_rate: mean(taskSuccess),
      task_success: taskSuccess,
      episode_return: mean(all.map((e) => e.ret)),
    };
  }

  /**
   * Everything needed to continue bit-exactly: learner weights with the embedding (`sac/actor/…`
   * `aux/embedding/…`) and Adam states, the inference network and its Adam state (`inference/…`),
   * the replay buffer (`embedding_replay/…`, tasks and z as info columns), and in `meta` the counters,
   * generator states (with the actor's z̃ noise) and the normalizer.
   */
  async saveState(): Promise<AlgorithmState> {
    const base = await this.core.saveState({ latentRng: this.latentRng.getState() }, { strategy: 'none' });
    const inference = await saveTrainable('inference', namedParams(this.inference), this.inferenceOpt);
    return { arrays: { ...base.arrays, ...inference }, meta: base.meta };
  }

  /**
   * Restores {@link saveState} into an instance built with the same options and envs.
   * @throws Error naming the part that is missing or does not fit.
   */
  async loadState(state: AlgorithmState): Promise<void> {
    const m = this.core.checkpointMeta<{ latentRng: number[] }>(state);
    await this.core.loadState(state, m);
    await loadTrainable(
      'inference',
      state.arrays,
      namedParams(this.inference),
      this.inferenceOpt,
      'skill embedding inference network',
    );
    this.latentRng.setState(m.latentRng);
  }

  override dispose(): void {
    super.dispose();
    this.inference.dispose();
    this.inferenceOpt.dispose();
    this.embedding.mean.dispose();
    this.embedding.logStd.dispose();
  }
}

/**
 * An MLP that reads only the first `width` columns of its input rows: the policy π(a | s, z) inside
 * a learner whose rows also carry the task for the critics.
 */
class LeadingColumnsMLP extends MLP {
  constructor(
    opts: MLPOptions,
    private readonly width: number,
  ) {
    super({ ...opts, inputDim: width });
  }

  override apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => super.apply(tf.slice(x, [0, 0], [-1, this.width])));
  }
}

/** Index of the point of `points` nearest (Euclidean) to z. */
function nearest(z: ArrayLike<number>, points: readonly ArrayLike<number>[]): number {
  let best = 0;
  let bestSq = Infinity;
  points.forEach((p, k) => {
    let sq = 0;
    for (let j = 0; j < p.length; j++) sq += (z[j] - p[j]) ** 2;
    if (sq < bestSq) [best, bestSq] = [k, sq];
  });
  return best;
}

/** The family's own info columns (without the task and z), or undefined when it has none. */
function familyInfo(
  family: TaskFamily,
  info: Record<string, Float32Array>,
): Record<string, Float32Array> | undefined {
  if (family.infoKeys.length === 0) return undefined;
  return Object.fromEntries(family.infoKeys.map((k) => [k, info[k]]));
}

let uidCounter = 0;
function uidOf(): number {
  return ++uidCounter;
}

/**
 * Checks the ranges of the options only the skill embedding has (the shared ones: resolveOptions).
 * @throws Error naming the first option out of range.
 */
function checkOptions(o: SkillEmbeddingOptions): void {
  const fail = (name: keyof SkillEmbeddingOptions, rule: string) => {
    throw new Error(`skill embedding: ${name} must be ${rule}, got ${JSON.stringify(o[name])}`);
  };
  for (const name of ['latentDim', 'window'] as const)
    if (!Number.isInteger(o[name]) || o[name] < 1) fail(name, 'a positive integer');
  for (const name of ['alphaEmbedding', 'alphaInference'] as const)
    if (!(o[name] >= 0 && Number.isFinite(o[name]))) fail(name, 'a finite number ≥ 0');
  for (const name of [
    'logQClip',
    'inferenceLr',
    'embeddingInitStd',
    'embeddingMaxStd',
    'concreteTemperature',
  ] as const)
    if (!(o[name] > 0 && Number.isFinite(o[name]))) fail(name, 'a finite number > 0');
  if (o.embeddingInitStd > o.embeddingMaxStd)
    fail('embeddingInitStd', `at most embeddingMaxStd (${o.embeddingMaxStd})`);
  if (!o.inferenceHidden.every((h) => Number.isInteger(h) && h > 0))
    fail('inferenceHidden', 'a list of positive integers');
  if (o.distribution !== 'gaussian' && o.distribution !== 'bernoulli')
    fail('distribution', "'gaussian' or 'bernoulli'");
  if (o.criticTarget !== 'one-step' && o.criticTarget !== 'retrace')
    fail('criticTarget', "'one-step' or 'retrace'");
  if (!Number.isInteger(o.retraceSteps) || o.retraceSteps < 1) fail('retraceSteps', 'a positive integer');
  if (!(o.retraceLambda >= 0 && o.retraceLambda <= 1)) fail('retraceLambda', 'a number in [0, 1]');
}
