/**
 * Assembles the training episodes of a goal-conditioned run from its collector's steps, for the
 * episode store (episode_store.ts), and counts sampled transitions per episode and goal source
 * (relabel_stats.ts). It only copies what it is shown: training results are the same with or
 * without it.
 */
import type { GoalTransition } from './goal_buffer.ts';
import type { EpisodeRecord, EpisodeShape } from './episode_store.ts';
import { RelabelStats } from './relabel_stats.ts';

/** Where the step was taken, as the collector knows it. */
export interface StepContext {
  /** The iteration collecting (1-based). */
  iteration: number;
  /** Env steps of the run including this one. */
  envStep: number;
  /** The replay buffer's id of the episode when this step ends it, else null. */
  episodeId: number | null;
}

/** Per-env episode in progress. */
interface Staging {
  steps: number;
  qpos: Float32Array;
  achievedGoal: Float32Array;
  nextAchievedGoal: Float32Array;
  action: Float32Array;
  reward: Float32Array;
  stepSuccess: Uint8Array;
  info: Float32Array;
  desiredGoal: Float32Array;
  return: number;
  physics: Float64Array;
}

/** See the file comment. */
export class EpisodeRecorder {
  /** Sampling counts per episode; counted whether or not episodes are recorded. */
  readonly stats = new RelabelStats();
  /** Receives every finished episode; null: episodes are not recorded (e.g. evaluation only). */
  sink: ((ep: EpisodeRecord) => void) | null = null;
  private readonly staging: Staging[];

  /**
   * @param shape the run's shapes
   * @param numEnvs envs collecting in lockstep
   * @param maxSteps longest episode
   */
  constructor(
    readonly shape: EpisodeShape,
    numEnvs: number,
    readonly maxSteps: number,
  ) {
    const { goalDim, actDim, nq, infoKeys } = shape;
    this.staging = Array.from({ length: numEnvs }, () => ({
      steps: 0,
      qpos: new Float32Array((maxSteps + 1) * nq),
      achievedGoal: new Float32Array(maxSteps * goalDim),
      nextAchievedGoal: new Float32Array(maxSteps * goalDim),
      action: new Float32Array(maxSteps * actDim),
      reward: new Float32Array(maxSteps),
      stepSuccess: new Uint8Array(maxSteps),
      info: new Float32Array(maxSteps * infoKeys.length),
      desiredGoal: new Float32Array(goalDim),
      return: 0,
      physics: new Float64Array(0),
    }));
  }

  /**
   * Env `env` starts an episode in state `qpos` [nq], with the domain-randomization draws `physics`
   * [shape.physicsKeys.length] of its reset.
   * @throws Error when `physics` does not have one value per physics key.
   */
  episodeStart(env: number, qpos: ArrayLike<number>, physics: ArrayLike<number> = []): void {
    if (!this.sink) return;
    const keys = this.shape.physicsKeys ?? [];
    if (physics.length !== keys.length)
      throw new Error(
        `episode recorder: ${physics.length} physics values for ${keys.length} keys (${keys.join(', ')})`,
      );
    const s = this.staging[env];
    s.steps = 0;
    s.return = 0;
    s.qpos.set(qpos, 0);
    s.physics = Float64Array.from(physics);
  }

  /**
   * One step of env `env`, with the state after it.
   * @throws Error when an episode runs past maxSteps.
   */
  step(env: number, tr: GoalTransition, qpos: ArrayLike<number>, at: StepContext): void {
    if (!this.sink) return;
    const { goalDim, actDim, nq, infoKeys } = this.shape;
    const s = this.staging[env];
    const t = s.steps;
    if (t >= this.maxSteps)
      throw new Error(`episode recorder: env ${env}'s episode exceeds ${this.maxSteps} steps`);
    s.qpos.set(qpos, (t + 1) * nq);
    s.achievedGoal.set(tr.achievedGoal, t * goalDim);
    s.nextAchievedGoal.set(tr.nextAchievedGoal, t * goalDim);
    s.action.set(tr.action, t * actDim);
    s.reward[t] = tr.reward;
    s.stepSuccess[t] = tr.info?.success ? 1 : 0;
    infoKeys.forEach((k, i) => (s.info[t * infoKeys.length + i] = Number(tr.info?.[k] ?? 0)));
    if (t === 0) s.desiredGoal.set(tr.desiredGoal);
    s.return += tr.reward;
    s.steps = t + 1;
    if (at.episodeId === null) return;
    const T = s.steps;
    this.sink({
      episodeId: at.episodeId,
      iteration: at.iteration,
      envStep: at.envStep,
      envIndex: env,
      task: this.shape.task,
      desiredGoal: s.desiredGoal.slice(),
      length: T,
      return: s.return,
      success: s.stepSuccess[T - 1] === 1,
      qpos: s.qpos.slice(0, (T + 1) * nq),
      achievedGoal: s.achievedGoal.slice(0, T * goalDim),
      nextAchievedGoal: s.nextAchievedGoal.slice(0, T * goalDim),
      action: s.action.slice(0, T * actDim),
      reward: s.reward.slice(0, T),
      stepSuccess: s.stepSuccess.slice(0, T),
      info: s.info.slice(0, T * infoKeys.length),
      physics: s.physics,
    });
    s.steps = 0;
  }

  /** A sampled batch: row b came from episode `episode[b]` with goal source `source[b]`. */
  sampled(batch: { episode: ArrayLike<number>; source: ArrayLike<number> }): void {
    this.stats.add(batch.episode, batch.source);
  }
}
