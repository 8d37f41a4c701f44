/**
 * What goal-conditioned SAC (goal_sac.ts) and multi-task SAC (multitask_sac.ts) share while they
 * learn (off_policy_options.ts has what they share before): the off-policy agent
 * (off_policy_agent.ts) built from the shared options with its generators, learner and episode
 * replay; whole episodes collected on all envs in lockstep ({@link LockstepCollector}); the
 * observation normalizer; the warm-up, the update gate and the metrics every iteration starts with;
 * the relabeling switch log; and the checkpoint parts they write alike ({@link EpisodeAgent}, which
 * each algorithm holds), and the read-outs of that agent both offer ({@link EpisodeAlgorithm}, which
 * both extend). How goals or tasks enter the networks, how batches are relabeled and how the policy
 * is evaluated stay in each algorithm's file.
 */
import type { GoalObservation, GoalEnv, StepInfo } from '../sim/types.ts';
import { Rng } from '../rng.ts';
import { GoalReplayBuffer, type GoalBufferOptions, type GoalTransition } from '../replay/goal_buffer.ts';
import { RunningNormalizer, type NormalizerState } from './running_normalizer.ts';
import {
  SacLearner,
  meanStats,
  sacHyperparametersOf,
  uid,
  type SacBatch,
  type SacLearnerOptions,
  type SacUpdateStats,
} from './sac.ts';
import { OffPolicyAgent, type BatchSource, type Collector } from './off_policy_agent.ts';
import type { OffPolicyOptions } from './off_policy_options.ts';
import type { AbortPoint, AlgorithmState, Metrics } from './types.ts';

/**
 * Checks that every env has env 0's observation, goal and action sizes, episode length and `extra`
 * sizes (e.g. the number of tasks), since one learner and one replay buffer serve them all.
 * @throws Error `<algo>: env '<name>' differs from '<name of env 0>' in <what>`.
 */
export function checkSameEnvs<E extends GoalEnv>(
  algo: string,
  envs: readonly E[],
  what: string,
  extra: (e: E) => number[] = () => [],
): void {
  const shape = (e: E) =>
    [
      e.observationSpace.shape[0],
      e.goalSpace.shape[0],
      e.actionSpace.shape[0],
      e.maxEpisodeSteps,
      ...extra(e),
    ].join(',');
  for (const e of envs)
    if (shape(e) !== shape(envs[0]))
      throw new Error(`${algo}: env '${e.name}' differs from '${envs[0].name}' in ${what}`);
}

/**
 * One env step as {@link lockstepEpisodes} hands it over. `observation`, `achievedGoal` and
 * `desiredGoal` are views of buffers that the env's next step overwrites, `action` a view of the
 * chosen actions: copy what you keep beyond the call.
 */
export interface LockstepTransition extends GoalTransition {
  observation: Float32Array;
  action: Float32Array;
  nextObservation: Float32Array;
  achievedGoal: Float32Array;
  nextAchievedGoal: Float32Array;
  desiredGoal: Float32Array;
  info: StepInfo;
}

/** What {@link lockstepEpisodes} asks of its caller. */
export interface LockstepHooks {
  /** Starts env `env`'s next episode (drawing whatever it draws for it) → its first observation. */
  reset(env: number): GoalObservation;
  /**
   * Actions [n, actDim] for the raw observations [n, obsDim] and desired goals [n, goalDim] of all n
   * envs; the rows of envs whose episode has ended are not used.
   */
  choose(obs: Float32Array, goal: Float32Array): Float32Array;
  /** Sees every transition, in env order within a step. */
  step?(env: number, tr: LockstepTransition): void;
  /** Called before each lockstep step of the envs (see {@link AbortPoint}). */
  abortPoint?: AbortPoint;
}

/** Undiscounted return, final-step success and achieved-goal shift of one episode. */
export interface EpisodeOutcome {
  ret: number;
  success: boolean;
  /**
   * Euclidean distance between the episode's first and last achieved goal (goal units: m for the
   * arm's tasks; on object tasks how far the object was moved).
   */
  goalShift: number;
}

/**
 * Runs `rounds` rounds of whole episodes on all envs in lockstep: each round resets env 0 … n−1 in
 * order, then steps every env whose episode goes on until all have ended (an env that ended waits
 * for the others). The desired goal is the one of the reset (goal envs keep it for the episode).
 * @returns the env steps taken and the episodes' outcomes, round by round in env order.
 */
export function lockstepEpisodes(
  envs: readonly GoalEnv[],
  rounds: number,
  hooks: LockstepHooks,
): { steps: number; episodes: EpisodeOutcome[] } {
  const n = envs.length;
  const obsDim = envs[0].observationSpace.shape[0];
  const goalDim = envs[0].goalSpace.shape[0];
  const actDim = envs[0].actionSpace.shape[0];
  const episodes: EpisodeOutcome[] = [];
  let steps = 0;
  for (let round = 0; round < rounds; round++) {
    const obs = new Float32Array(n * obsDim);
    const ag = new Float32Array(n * goalDim);
    const firstAg = new Float32Array(n * goalDim);
    const goal = new Float32Array(n * goalDim);
    const active = new Array<boolean>(n).fill(true);
    const ret = new Float64Array(n);
    const success = new Array<boolean>(n).fill(false);
    for (let i = 0; i < n; i++) {
      const o = hooks.reset(i);
      obs.set(o.observation, i * obsDim);
      ag.set(o.achievedGoal, i * goalDim);
      goal.set(o.desiredGoal, i * goalDim);
    }
    firstAg.set(ag);
    while (active.some(Boolean)) {
      hooks.abortPoint?.();
      const actions = hooks.choose(obs, goal);
      for (let i = 0; i < n; i++) {
        if (!active[i]) continue;
        const action = actions.subarray(i * actDim, (i + 1) * actDim);
        const out = envs[i].step(action);
        steps += 1;
        ret[i] += out.reward;
        hooks.step?.(i, {
          observation: obs.subarray(i * obsDim, (i + 1) * obsDim),
          action,
          reward: out.reward,
          nextObservation: out.obs.observation,
          achievedGoal: ag.subarray(i * goalDim, (i + 1) * goalDim),
          nextAchievedGoal: out.obs.achievedGoal,
          desiredGoal: goal.subarray(i * goalDim, (i + 1) * goalDim),
          terminated: out.terminated,
          truncated: out.truncated,
          info: out.info,
        });
        obs.set(out.obs.observation, i * obsDim);
        ag.set(out.obs.achievedGoal, i * goalDim);
        if (out.terminated || out.truncated) {
          active[i] = false;
          success[i] = Boolean(out.info.success);
        }
      }
    }
    for (let i = 0; i < n; i++) {
      let sq = 0;
      for (let k = i * goalDim; k < (i + 1) * goalDim; k++) sq += (ag[k] - firstAg[k]) ** 2;
      episodes.push({ ret: ret[i], success: success[i], goalShift: Math.sqrt(sq) });
    }
  }
  return { steps, episodes };
}

/** Rows [rows.length, width] of equal-width vectors, stacked. */
export function concatRows(rows: readonly Float32Array[], width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(r, i * width));
  return out;
}

/** One entry of a relabeling switch log: the setting and the env steps taken when it took effect. */
export type RelabelLogEntry<S> = { envStep: number } & S;

/** Actions [n, actDim] for the raw observations [n, obsDim] and desired goals [n, goalDim] of n envs. */
export type LockstepPolicy = (obs: Float32Array, goal: Float32Array) => Float32Array;

/**
 * Whole episodes on all envs in lockstep, `rounds` rounds per {@link collect} call (see
 * {@link lockstepEpisodes}); `reset` starts env i's next episode, drawing what it draws for it.
 */
export class LockstepCollector implements Collector<LockstepPolicy, LockstepTransition, EpisodeOutcome> {
  constructor(
    readonly envs: readonly GoalEnv[],
    readonly rounds: number,
    private readonly reset: (env: number) => GoalObservation,
  ) {}

  collect(
    policy: LockstepPolicy,
    sink: (env: number, tr: LockstepTransition) => void,
    abortPoint?: AbortPoint,
  ): { steps: number; episodes: EpisodeOutcome[] } {
    return lockstepEpisodes(this.envs, this.rounds, {
      reset: this.reset,
      choose: policy,
      step: sink,
      abortPoint,
    });
  }
}

/** The checkpoint `meta` keys that {@link EpisodeAgent} writes; the algorithm adds its own. */
export interface CoreMeta<S> {
  algo?: string;
  envSteps: number;
  iteration: number;
  envRng: number[];
  sampleRng: number[];
  learnerRng: number[];
  obsNorm: NormalizerState;
  relabel: S;
  switchLog: RelabelLogEntry<S>[];
}

/** What an algorithm tells {@link EpisodeAgent} about itself. */
export interface CoreSpec<S> {
  /** `meta.algo` of its checkpoints, e.g. 'goal-sac'. */
  algo: string;
  /** Its name in error messages, e.g. 'goal SAC'. */
  label: string;
  /** Prefix of the replay buffer's arrays in its checkpoints. */
  replayPrefix: string;
  /** The initial relabeling setting, the first entry of the switch log. */
  relabel: S;
  /** What the replay buffer stores beyond a transition's vectors, and how it scores stored rows. */
  replay: Pick<GoalBufferOptions, 'infoKeys' | 'reward' | 'relabel'>;
  /** Prefix of the learner's variable names (a unique number follows), its input width and nets. */
  learner: { name: string } & Pick<
    SacLearnerOptions,
    'inputDim' | 'network' | 'auxiliary' | 'actorInput' | 'criticTargetOverride'
  >;
}

/**
 * How the algorithm's agent collects and learns (closures over the algorithm, called once training
 * runs): see {@link OffPolicyAgent}'s parts.
 * @typeParam B the batch the learner trains on
 */
export interface CoreWiring<B> {
  /** Starts env `env`'s next training episode (drawing its seed from `envRng`) → its first observation. */
  reset(env: number): GoalObservation;
  /** Where each training transition goes. */
  adder(env: number, tr: LockstepTransition): void;
  /** Draws a training batch; default: the replay buffer (with its HER relabeling). */
  sampler?: BatchSource<B>;
  /** The learner's inputs of a batch. */
  toLearner(batch: B): SacBatch;
}

/** The agent of an {@link EpisodeAgent}. */
export type LockstepAgent<B> = OffPolicyAgent<
  LockstepPolicy,
  LockstepTransition,
  EpisodeOutcome,
  B,
  GoalReplayBuffer
>;

/**
 * The part of an off-policy algorithm on goal envs that does not depend on how it conditions and
 * relabels: an {@link OffPolicyAgent} of SAC on an episode-structured replay, trained in iterations
 * of whole episodes per env (baselines HER's rollout worker) so that no episode is in flight between
 * iterations and a checkpoint taken there continues bit-exactly; the observation normalizer, the
 * relabeling switch log and the checkpoint part goal-conditioned and multi-task SAC write alike.
 * An algorithm holds one (composition); how goals or tasks enter the networks, how batches are
 * relabeled and how the policy is evaluated stay in its file.
 *
 * Generators: `envRng` (env reset seeds, warm-up and exploration actions, and whatever else the
 * algorithm draws while collecting) and `sampleRng` (replay indices, relabeling) are forked from the
 * seed in that order, then the learner's seed is drawn; the order is part of the checkpoint format.
 */
export class EpisodeAgent<E extends GoalEnv, O extends OffPolicyOptions, S extends object, B> {
  readonly options: Readonly<O>;
  readonly envs: E[];
  readonly replay: GoalReplayBuffer;
  readonly agent: LockstepAgent<B>;
  readonly obsDim: number;
  readonly goalDim: number;
  readonly actDim: number;
  readonly obsNorm: RunningNormalizer;
  /** Env reset seeds, warm-up and exploration actions (and the algorithm's draws while collecting). */
  readonly envRng: Rng;
  /** Replay indices and relabeling choices. */
  readonly sampleRng: Rng;
  private readonly spec: CoreSpec<S>;
  private log: RelabelLogEntry<S>[];

  /**
   * @param envs checked alike (see {@link checkSameEnvs}); owned from now on
   * @param options validated and frozen by the algorithm
   */
  constructor(envs: E[], options: Readonly<O>, spec: CoreSpec<S>, wiring: CoreWiring<B>) {
    const env = envs[0];
    this.options = options;
    this.envs = envs;
    this.spec = spec;
    this.obsDim = env.observationSpace.shape[0];
    this.goalDim = env.goalSpace.shape[0];
    this.actDim = env.actionSpace.shape[0];
    const root = new Rng(options.seed);
    this.envRng = root.fork();
    this.sampleRng = root.fork();
    this.replay = new GoalReplayBuffer({
      capacity: options.replayCapacity,
      maxEpisodeSteps: env.maxEpisodeSteps,
      numEnvs: envs.length,
      obsDim: this.obsDim,
      goalDim: this.goalDim,
      actDim: this.actDim,
      ...spec.replay,
    });
    const learner = new SacLearner({
      name: `${spec.learner.name}${uid()}`,
      inputDim: spec.learner.inputDim,
      actDim: this.actDim,
      ...sacHyperparametersOf(options),
      actionL2: options.actionL2,
      seed: root.nextUint32(),
      network: spec.learner.network,
      auxiliary: spec.learner.auxiliary,
      actorInput: spec.learner.actorInput,
      criticTargetOverride: spec.learner.criticTargetOverride,
    });
    this.agent = new OffPolicyAgent({
      learner,
      collector: new LockstepCollector(envs, options.episodesPerIteration, wiring.reset),
      replay: this.replay,
      adder: wiring.adder,
      sampler: wiring.sampler ?? (this.replay as unknown as BatchSource<B>),
      toLearner: wiring.toLearner,
      schedule: {
        learningStarts: options.learningStarts,
        updatesPerIteration: options.updatesPerIteration,
        batchSize: options.batchSize,
      },
      sampleRng: this.sampleRng,
    });
    this.obsNorm = new RunningNormalizer(this.obsDim, options.normEps, options.normClip);
    this.log = [{ envStep: 0, ...spec.relabel }];
  }

  get learner(): SacLearner {
    return this.agent.learner;
  }

  /** The relabeling switches so far; the first entry is the initial setting at env step 0. */
  get switchLog(): readonly RelabelLogEntry<S>[] {
    return this.log.map((s) => ({ ...s }));
  }

  /** Appends `setting` to the switch log at the current env step (after the algorithm applied it). */
  logSwitch(setting: S): void {
    this.log.push({ envStep: this.agent.envSteps, ...setting });
  }

  /**
   * The action rule of this iteration's collection: uniform random actions while fewer than
   * `learningStarts` env steps were taken when the iteration began, `policy`'s afterwards.
   */
  behaviour(policy: LockstepPolicy): LockstepPolicy {
    return this.agent.behaviour(policy, () => this.randomActions(this.envs.length));
  }

  /** Uniform random actions [rows, actDim] in the action space, drawn from `envRng`. */
  randomActions(rows: number): Float32Array {
    const { low, high } = this.envs[0].actionSpace;
    const a = new Float32Array(rows * this.actDim);
    for (let i = 0; i < a.length; i++) {
      const j = i % this.actDim;
      a[i] = this.envRng.uniformRange(low[j], high[j]);
    }
    return a;
  }

  /**
   * `updatesPerIteration` SAC updates on sampled batches ({@link OffPolicyAgent.train}), or none
   * before `learningStarts` env steps or while the replay is empty.
   * @param abortPoint called before each update (see {@link AbortPoint})
   * @param onBatch sees each batch before its update
   * @returns the updates' statistics, in order
   */
  train(abortPoint?: AbortPoint, onBatch?: (batch: B) => void): SacUpdateStats[] {
    if (this.agent.warmingUp || this.replay.size === 0) return [];
    return this.agent.train(abortPoint, onBatch);
  }

  /**
   * The metrics every iteration reports first: success_rate (share of the collected episodes whose
   * final step succeeds), episode_return, episode_length (env steps per episode), the SAC losses,
   * alpha, entropy and q_mean (means over `stats`), updates and replay_size.
   */
  iterationMetrics(episodes: readonly EpisodeOutcome[], steps: number, stats: SacUpdateStats[]): Metrics {
    return {
      success_rate: episodes.filter((e) => e.success).length / episodes.length,
      episode_return: episodes.reduce((s, e) => s + e.ret, 0) / episodes.length,
      episode_length: steps / episodes.length,
      ...meanStats(stats),
      updates: stats.length,
      replay_size: this.replay.size,
    };
  }

  /**
   * The checkpoint's common part: learner weights and Adam states (`sac/…`), the replay buffer
   * (`<replayPrefix>/…`), and in `meta` the algorithm, counters, generator states and observation
   * normalizer, then `extra` (the algorithm's own keys), the relabeling setting and the switch log.
   * Neither the key names nor their order may change: run checkpoints are read back by them.
   */
  async saveState(extra: Record<string, unknown>, relabel: S): Promise<AlgorithmState> {
    const learner = await this.learner.saveState('sac');
    return {
      arrays: { ...learner.arrays, ...this.replay.toArrays(this.spec.replayPrefix) },
      meta: {
        algo: this.spec.algo,
        envSteps: this.agent.envSteps,
        iteration: this.agent.iteration,
        envRng: this.envRng.getState(),
        sampleRng: this.sampleRng.getState(),
        learnerRng: learner.rng,
        obsNorm: this.obsNorm.getState(),
        ...extra,
        relabel,
        switchLog: this.switchLog,
      },
    };
  }

  /**
   * The `meta` of a checkpoint of this algorithm, typed with the algorithm's own keys `M`.
   * @throws Error when the checkpoint was written by another algorithm.
   */
  checkpointMeta<M>(state: AlgorithmState): CoreMeta<S> & M {
    const m = state.meta as CoreMeta<S> & M;
    if (m?.algo !== this.spec.algo)
      throw new Error(`${this.spec.label}: the checkpoint is not a ${this.spec.algo} state (${m?.algo})`);
    return m;
  }

  /**
   * Restores what {@link saveState} wrote, except the relabeling setting and the algorithm's own keys.
   * @throws Error naming the part that is missing or does not fit.
   */
  async loadState(state: AlgorithmState, m: CoreMeta<S>): Promise<void> {
    await this.learner.loadState('sac', state.arrays, m.learnerRng);
    this.replay.loadArrays(state.arrays, this.spec.replayPrefix);
    this.obsNorm.setState(m.obsNorm);
    this.envRng.setState(m.envRng);
    this.sampleRng.setState(m.sampleRng);
    this.agent.envSteps = m.envSteps;
    this.agent.iteration = m.iteration;
    this.log = m.switchLog.map((s) => ({ ...s }));
  }

  /** Frees the networks and closes the envs. */
  dispose(): void {
    this.agent.dispose();
    for (const e of this.envs) e.close();
  }
}

/**
 * What goal-conditioned and multi-task SAC read from the {@link EpisodeAgent} each holds, alike: its
 * options, envs, replay, learner, sizes, counters and relabeling switch log; and disposal. Each builds
 * its agent in its constructor (its conditioning, replay columns and sampling) as `core`.
 * @typeParam E the envs; O the options; S the relabeling setting; B the batch the learner trains on
 */
export abstract class EpisodeAlgorithm<E extends GoalEnv, O extends OffPolicyOptions, S extends object, B> {
  /** The off-policy agent on whole lockstep episodes, with the normalizer and the switch log. */
  protected abstract readonly core: EpisodeAgent<E, O, S, B>;

  get options(): Readonly<O> {
    return this.core.options;
  }

  get envs(): E[] {
    return this.core.envs;
  }

  /** The episode replay (what sampling does with it is the algorithm's). */
  get replay(): GoalReplayBuffer {
    return this.core.replay;
  }

  get learner(): SacLearner {
    return this.core.learner;
  }

  get obsDim(): number {
    return this.core.obsDim;
  }

  get goalDim(): number {
    return this.core.goalDim;
  }

  get actDim(): number {
    return this.core.actDim;
  }

  /** Env steps taken so far (all envs together). */
  get envSteps(): number {
    return this.core.agent.envSteps;
  }

  /** Iterations completed so far. */
  get iteration(): number {
    return this.core.agent.iteration;
  }

  /** The relabeling switches so far; the first entry is the initial setting at env step 0. */
  get switchLog(): readonly RelabelLogEntry<S>[] {
    return this.core.switchLog;
  }

  /** Frees the networks and closes the envs. */
  dispose(): void {
    this.core.dispose();
  }
}
