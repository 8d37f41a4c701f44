/**
 * The off-policy agent as SAC, DIAYN and DADS build it on a {@link VecEnv} (off_policy_agent.ts):
 * a step collector with a skill z ~ p(z) per episode (rollout.ts), the flat replay buffer
 * (replay/buffer.ts), the SAC learner on the policy input [s without the hidden coordinates, z]
 * (skills.ts), and the checkpoint part the three write alike. The skill controller builds it the same
 * way on its high-level envs (skill_env.ts), with SAC or, over discrete skills, discrete SAC.
 *
 * Generators: one root generator seeded with the run's seed; the collector's is forked from it
 * first, then the learner's seed is drawn, then whatever the algorithm draws for its own networks;
 * afterwards the root draws replay indices (and DADS's alternative skills). That order is part of the
 * checkpoint format.
 */
import type { RunConfig } from '../config.ts';
import { Rng } from '../rng.ts';
import type { VecEnv } from '../sim/vec_env.ts';
import type { NamedArrays } from '../nn/checkpoint.ts';
import { ReplayBuffer, type Transition, type TransitionBatch } from '../replay/buffer.ts';
import { OffPolicyAgent, type AgentLearner } from './off_policy_agent.ts';
import {
  StepCollector,
  type BatchPolicy,
  type EpisodeSummary,
  type StepCollectorState,
  type StepEnvs,
} from './rollout.ts';
import { sacLearnerFor, type SacBatch, type SacLearner } from './sac.ts';
import { PolicyInput, type SkillPrior } from './skills.ts';
import type { AbortPoint, AlgorithmState } from './types.ts';

/** The agent of a {@link VecAgent}. */
export type StepAgent<L extends AgentLearner = SacLearner> = OffPolicyAgent<
  BatchPolicy,
  Transition,
  EpisodeSummary,
  TransitionBatch,
  ReplayBuffer,
  L
>;

/**
 * What a {@link VecAgent}'s learner offers besides updates: actions for policy inputs, and its part of
 * a checkpoint (as {@link SacLearner}'s saveState / loadState).
 */
export interface VecLearner extends AgentLearner {
  /** Actions [B, actDim] for inputs [B, inputDim]: samples, or the deterministic choice. */
  act(input: Float32Array, deterministic: boolean): Float32Array;
  saveState(prefix: string): Promise<{ arrays: NamedArrays; rng: number[] }>;
  /** @throws Error naming a missing or mis-shaped parameter. */
  loadState(prefix: string, arrays: NamedArrays, rng: number[]): Promise<void>;
}

/** Builds a {@link VecAgent}'s learner for its policy-input size, action size and seed. */
export type LearnerFactory<L extends VecLearner> = (inputDim: number, actDim: number, seed: number) => L;

/** The checkpoint `meta` keys of a {@link VecAgent}, in the order they are written. */
interface VecAgentMeta {
  envSteps: number;
  iteration: number;
  rng: number[];
  learnerRng: number[];
  /** The episodes in flight (absent from checkpoints written before it was kept). */
  collector?: StepCollectorState;
}

/**
 * See the file comment.
 * @typeParam V the envs stepped together; L the learner
 */
export class VecAgent<V extends StepEnvs<any> = VecEnv, L extends VecLearner = SacLearner> {
  /** The root generator (see the file comment). */
  readonly rng: Rng;
  readonly vec: V;
  readonly input: PolicyInput;
  readonly collector: StepCollector;
  readonly replay: ReplayBuffer;
  readonly agent: StepAgent<L>;

  /**
   * @param vec owned from now on (closed by {@link dispose})
   * @param prior the skill prior p(z), or null for plain SAC
   * @param makeLearner builds the learner (default: the SAC learner of `config.sac`), called once
   *   with the seed drawn where the SAC learner's is
   */
  constructor(
    readonly config: RunConfig,
    vec: V,
    prior: SkillPrior | null,
    makeLearner?: LearnerFactory<L>,
  ) {
    this.rng = new Rng(config.seed);
    this.vec = vec;
    const env = vec.env(0);
    this.input = new PolicyInput(vec.obsDim, config.hideCoords ? env.coordDims : [], prior?.dim ?? 0);
    this.collector = new StepCollector(vec, prior, this.rng.fork(), config.stepsPerIteration);
    this.replay = new ReplayBuffer(config.sac.replayCapacity, {
      obsDim: vec.obsDim,
      actDim: vec.actDim,
      skillDim: prior?.dim ?? 0,
    });
    const replay = this.replay;
    const learner: LearnerFactory<L> =
      makeLearner ?? ((i, a, seed) => sacLearnerFor(config, i, a, seed) as unknown as L);
    this.agent = new OffPolicyAgent({
      learner: learner(this.input.dim, vec.actDim, this.rng.nextUint32()),
      collector: this.collector,
      replay,
      adder: (env, tr) => replay.add(env, tr),
      sampler: replay,
      toLearner: (batch) => this.toSacBatch(batch),
      schedule: {
        learningStarts: config.sac.learningStarts,
        updatesPerIteration: config.updatesPerIteration,
        batchSize: config.sac.batchSize,
      },
      sampleRng: this.rng,
    });
    this.collector.start(config.seed);
  }

  get learner(): L {
    return this.agent.learner;
  }

  /**
   * Collects one iteration's env steps into the replay buffer: uniform random actions while
   * warming up, else samples of π(a | s, z).
   * @param abortPoint called before each step of all envs (see {@link AbortPoint})
   * @returns the episodes that ended
   */
  collect(abortPoint?: AbortPoint): EpisodeSummary[] {
    const pi: BatchPolicy = (obs, skills) => this.learner.act(this.input.build(obs, skills), false);
    return this.agent.collect(this.agent.behaviour(pi, this.collector.randomPolicy()), abortPoint).episodes;
  }

  /** Learner inputs of a replay batch, with the batch's rewards. */
  toSacBatch(batch: TransitionBatch): SacBatch {
    return {
      size: batch.size,
      input: this.input.build(batch.obs, batch.skill),
      action: batch.action,
      reward: batch.reward,
      nextInput: this.input.build(batch.nextObs, batch.skill),
      terminated: batch.terminated,
    };
  }

  /** Deterministic (mean) actions: obs [B, obsDim], skills [B, skillDim] → [B, actDim]. */
  actDeterministic(obs: Float32Array, skills: Float32Array): Float32Array {
    return this.learner.act(this.input.build(obs, skills), true);
  }

  /**
   * The checkpoint part the three algorithms write alike: the learner (`sac/…`), the replay buffer
   * when `withReplay` (`replay/…`), and in `meta` the counters, generator states and the episodes in
   * flight (`collector`: observations, skills, running returns, the envs' physics), so that a run
   * resumed from it continues exactly as an uninterrupted one.
   */
  async saveState(withReplay: boolean): Promise<AlgorithmState> {
    const learner = await this.learner.saveState('sac');
    const arrays = { ...learner.arrays, ...(withReplay ? this.replay.toArrays() : {}) };
    const meta: VecAgentMeta = {
      envSteps: this.agent.envSteps,
      iteration: this.agent.iteration,
      rng: this.rng.getState(),
      learnerRng: learner.rng,
      collector: this.collector.getState(),
    };
    return { arrays, meta: { ...meta } };
  }

  /**
   * Restores {@link saveState}.
   * @throws Error naming a missing or mis-shaped part.
   */
  async loadState(state: AlgorithmState, withReplay: boolean): Promise<void> {
    const meta = state.meta as unknown as VecAgentMeta;
    await this.learner.loadState('sac', state.arrays, meta.learnerRng);
    if (withReplay) this.replay.loadArrays(state.arrays);
    this.agent.envSteps = meta.envSteps;
    this.agent.iteration = meta.iteration;
    this.rng.setState(meta.rng);
    if (meta.collector) this.collector.setState(meta.collector);
    // A checkpoint of earlier code has lost the episodes in flight: fresh ones, seeded by the position.
    else this.collector.start(this.config.seed + 7919 * this.agent.iteration);
  }

  /** Frees the learner and closes the envs. */
  dispose(): void {
    this.agent.dispose();
    this.vec.close();
  }
}
