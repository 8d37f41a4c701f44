/**
 * DIAYN — "Diversity is All You Need" (Eysenbach et al. 2018, arXiv 1802.06070).
 *
 * Categorical skills z ~ p(z) uniform, fixed per episode; a discriminator q_φ(z | f(s)) on a named
 * state function f; SAC maximizes the pseudo-reward (§3, Eq. 3)
 *     r_z(s, a, s') = log q_φ(z | f(s')) − log p(z),
 * recomputed with the current discriminator whenever a batch is sampled (as the reference code does).
 * The discriminator is trained by cross-entropy on (f(s'), z) pairs from the replay buffer.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../config.ts';
import { MLP } from '../nn/mlp.ts';
import { categoricalLogProbs } from '../nn/distributions.ts';
import { makeAdam } from '../nn/checkpoint.ts';
import type { Rng } from '../rng.ts';
import type { TransitionBatch } from '../replay/buffer.ts';
import { namedParams, saveTrainable, loadTrainable } from './state.ts';
import type { VecEnv } from '../sim/vec_env.ts';
import { summarizeEpisodes } from './rollout.ts';
import { meanStats, trainingEnvs } from './sac.ts';
import type { RewardRelabeler } from './off_policy_agent.ts';
import { argmaxRows } from './discrete_sac.ts';
import { VecAgent } from './vec_agent.ts';
import { VecAgentAlgorithm } from './vec_algorithm.ts';
import { categoricalPrior, stateFunction, type StateFunction } from './skills.ts';
import type { AbortPoint, Algorithm, AlgorithmState, EvalSkill, Metrics } from './types.ts';
import type { Adam } from '../nn/adam.ts';

export class DiaynAlgorithm extends VecAgentAlgorithm implements Algorithm {
  readonly numSkills: number;
  readonly f: StateFunction;
  readonly discriminator: MLP;
  private readonly discOpt: Adam;
  /** The pseudo-reward on the SAC sample stream. */
  private readonly reward: DiscriminatorReward;

  static async create(config: RunConfig): Promise<DiaynAlgorithm> {
    return new DiaynAlgorithm(config, await trainingEnvs(config));
  }

  private constructor(
    readonly config: RunConfig,
    vec: VecEnv,
  ) {
    super(new VecAgent(config, vec, categoricalPrior(config.diayn.skills)));
    this.numSkills = config.diayn.skills;
    this.f = stateFunction(config.stateFunction, vec.obsDim, vec.env(0).coordDims);
    this.discriminator = new MLP({
      name: 'discriminator',
      inputDim: this.f.dims.length,
      hiddenSizes: config.diayn.discriminatorHidden,
      outputDim: this.numSkills,
      seed: this.parts.rng.nextUint32(),
    });
    this.discOpt = makeAdam(config.diayn.discriminatorLr);
    this.reward = new DiscriminatorReward(this);
    this.parts.agent.relabelers.push(this.reward);
  }

  /** Skill ids of one-hot rows [B, N] → Int32Array [B]. */
  skillIds(skill: Float32Array, B: number): Int32Array {
    return argmaxRows(skill.subarray(0, B * this.numSkills), this.numSkills);
  }

  /**
   * log q_φ(z | f(s)) for B states and their skills, and whether argmax q = z.
   * @param fs f(s) rows [B, fDim]; ids the skills [B].
   */
  logQ(fs: Float32Array, ids: Int32Array): { logq: Float32Array; correct: Uint8Array } {
    const B = ids.length;
    return tf.tidy(() => {
      const logits = this.discriminator.apply(tf.tensor2d(fs, [B, this.f.dims.length]));
      const logp = categoricalLogProbs(logits);
      const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(ids, 'int32'), this.numSkills)), 1);
      const argmax = tf.argMax(logits, 1);
      const correct = tf.equal(argmax, tf.tensor1d(ids, 'int32'));
      return {
        logq: picked.dataSync() as Float32Array,
        correct: correct.dataSync() as unknown as Uint8Array,
      };
    });
  }

  /** One cross-entropy step of the discriminator on a replay batch; returns loss and accuracy. */
  private discriminatorStep(fs: Float32Array, ids: Int32Array): { loss: number; accuracy: number } {
    const B = ids.length;
    const fDim = this.f.dims.length;
    let accuracy = 0;
    const loss = tf.tidy(() => {
      const x = tf.tensor2d(fs, [B, fDim]);
      const labels = tf.oneHot(tf.tensor1d(ids, 'int32'), this.numSkills);
      const cost = this.discOpt.minimize(
        () => {
          const logits = this.discriminator.apply(x);
          return tf.neg(tf.mean(tf.sum(tf.mul(categoricalLogProbs(logits), labels), 1))) as tf.Scalar;
        },
        true,
        this.discriminator.variables,
      )!;
      return cost.dataSync()[0];
    });
    // Accuracy after the step, on the same batch, is what the reference code's logs show.
    const { correct } = this.logQ(fs, ids);
    for (let b = 0; b < B; b++) accuracy += correct[b];
    return { loss, accuracy: accuracy / B };
  }

  /**
   * One iteration: collect `stepsPerIteration` env steps with z fixed per episode; then (after the
   * warm-up) `discriminatorSteps` cross-entropy steps of q_φ(z | f(s')) on replay batches, and
   * `updatesPerIteration` SAC steps on replay batches whose rewards the current discriminator
   * rewrites (Eq. 3).
   */
  async iterate(abortPoint?: AbortPoint): Promise<Metrics> {
    const agent = this.parts.agent;
    const { discriminatorSteps, discriminatorBatchSize } = this.config.diayn;
    const metrics: Metrics = { ...summarizeEpisodes(this.parts.collect(abortPoint)) };
    if (!agent.warmingUp) {
      let lossSum = 0;
      let accSum = 0;
      for (let k = 0; k < discriminatorSteps; k++) {
        abortPoint?.();
        const batch = agent.replay.sample(discriminatorBatchSize, agent.sampleRng);
        const step = this.discriminatorStep(
          this.f.apply(batch.nextObs, this.vec.obsDim),
          this.skillIds(batch.skill, batch.size),
        );
        lossSum += step.loss;
        accSum += step.accuracy;
      }
      metrics.discriminator_loss = lossSum / discriminatorSteps;
      metrics.discriminator_accuracy = accSum / discriminatorSteps;

      const stats = agent.train(abortPoint);
      Object.assign(metrics, this.reward.drain(), meanStats(stats));
    }
    agent.iteration += 1;
    return metrics;
  }

  evaluationSkills(): EvalSkill[] {
    return Array.from({ length: this.numSkills }, (_, k) => {
      const z = new Float32Array(this.numSkills);
      z[k] = 1;
      return { id: k, z, category: k };
    });
  }

  /** Discriminator accuracy and mean log q(z | f(s')) over a skill's evaluation transitions. */
  scoreSkill(skill: EvalSkill, _obs: Float32Array, nextObs: Float32Array): Metrics {
    const fs = this.f.apply(nextObs, this.vec.obsDim);
    const T = fs.length / this.f.dims.length;
    const ids = new Int32Array(T).fill(skill.category ?? 0);
    const { logq, correct } = this.logQ(fs, ids);
    let acc = 0;
    let lq = 0;
    for (let t = 0; t < T; t++) {
      acc += correct[t];
      lq += logq[t];
    }
    return { discriminator_accuracy: acc / T, log_q: lq / T };
  }

  async saveState(): Promise<AlgorithmState> {
    const base = await this.parts.saveState(true);
    const disc = await saveTrainable('discriminator', namedParams(this.discriminator), this.discOpt);
    return { arrays: { ...base.arrays, ...disc }, meta: base.meta };
  }

  async loadState(state: AlgorithmState): Promise<void> {
    await this.parts.loadState(state, true);
    await loadTrainable(
      'discriminator',
      state.arrays,
      namedParams(this.discriminator),
      this.discOpt,
      'DIAYN discriminator',
    );
  }

  override dispose(): void {
    this.discriminator.dispose();
    this.discOpt.dispose();
    super.dispose();
  }
}

/**
 * DIAYN's pseudo-reward on the sample stream (§3, Eq. 3): r = log q_φ(z | f(s')) − log p(z) with the
 * current discriminator, −log p(z) = log N for the uniform prior. Tallies what it computed for the
 * iteration's metrics.
 */
export class DiscriminatorReward implements RewardRelabeler<TransitionBatch> {
  private rewardSum = 0;
  private logqSum = 0;
  private rows = 0;

  constructor(private readonly diayn: DiaynAlgorithm) {}

  relabel(batch: TransitionBatch, _rng: Rng): TransitionBatch {
    const { diayn } = this;
    const { logq } = diayn.logQ(
      diayn.f.apply(batch.nextObs, diayn.vec.obsDim),
      diayn.skillIds(batch.skill, batch.size),
    );
    const reward = new Float32Array(batch.size);
    const logN = Math.log(diayn.numSkills);
    for (let b = 0; b < batch.size; b++) {
      reward[b] = logq[b] + logN;
      this.rewardSum += reward[b];
      this.logqSum += logq[b];
    }
    this.rows += batch.size;
    return { ...batch, reward };
  }

  /** Mean intrinsic_reward and log_q over the rows relabeled since the last call; then starts afresh. */
  drain(): Metrics {
    const out = { intrinsic_reward: this.rewardSum / this.rows, log_q: this.logqSum / this.rows };
    this.rewardSum = 0;
    this.logqSum = 0;
    this.rows = 0;
    return out;
  }
}
