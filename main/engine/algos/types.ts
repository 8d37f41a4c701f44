/**
 * What every training algorithm offers the run loop (runs/trainer.ts) and evaluation (runs/evaluate.ts).
 */
import type { RunConfig } from '../config.ts';
import type { NamedArrays } from '../nn/checkpoint.ts';

/** One metric row's algorithm part; the trainer adds iteration, env_steps and wall_s. */
export type Metrics = Record<string, number>;

/** A skill to evaluate: its id (DIAYN: the category; DADS: index into the fixed set) and z vector. */
export interface EvalSkill {
  id: number;
  z: Float32Array;
  /** Categorical id for DIAYN, null for continuous z. */
  category: number | null;
}

/**
 * A safe point inside an iteration (between env-step batches of collection, between gradient
 * steps), where the run loop may end training at once: it returns normally, or throws
 * {@link IterationAborted}. The iteration's partial state is then abandoned, never checkpointed (the
 * run continues from its last checkpoint), so an algorithm needs no clean-up on that path. Calls must
 * not change the work: an algorithm calls it without drawing random numbers or reordering anything,
 * so uninterrupted runs stay bit-identical.
 */
export type AbortPoint = () => void;

/** Thrown by an {@link AbortPoint}: the iteration ends now and its partial state is dropped. */
export class IterationAborted extends Error {
  /** @param reason why training ends, e.g. "the parent process 1234 is gone" */
  constructor(readonly reason: string) {
    super(`iteration aborted: ${reason}`);
    this.name = 'IterationAborted';
  }
}

/** State an algorithm puts in a checkpoint: tensors plus JSON-able counters. */
export interface AlgorithmState {
  arrays: NamedArrays;
  meta: Record<string, unknown>;
}

export interface Algorithm {
  readonly config: RunConfig;
  /** Env steps taken so far (all envs together). */
  readonly envSteps: number;
  /** Iterations completed so far. */
  readonly iteration: number;
  /**
   * Runs one iteration (collect, then learn) and returns its metrics.
   * @param abortPoint called at the iteration's safe points (see {@link AbortPoint})
   * @throws IterationAborted from `abortPoint`; the algorithm's state is then partial: dispose it
   */
  iterate(abortPoint?: AbortPoint): Promise<Metrics>;
  /** Everything needed to continue exactly where this iteration ended. */
  saveState(): Promise<AlgorithmState>;
  /** @throws Error naming the missing/mismatched part when the state does not fit this config. */
  loadState(state: AlgorithmState): Promise<void>;
  /** Deterministic (mean) actions: obs [B, obsDim], skills [B, skillDim] → [B, actDim]. */
  actDeterministic(obs: Float32Array, skills: Float32Array): Float32Array;
  /** The skills evaluated by `skill-lab eval` (empty skill vector for plain SAC). */
  evaluationSkills(): EvalSkill[];
  /**
   * Skill-quality figures from evaluation transitions f(s) → f(s'): DIAYN's discriminator accuracy and
   * mean log q(z|s'); DADS's skill-dynamics log-likelihood. `f` and `fNext` are [T, fDim], obs [T, obsDim].
   */
  scoreSkill?(skill: EvalSkill, obs: Float32Array, nextObs: Float32Array): Metrics;
  /**
   * Optional: the run loop hands over the run directory once training starts (after any checkpoint
   * restore), for files the algorithm keeps beside its checkpoints (goal-sac's episode store).
   */
  attachRun?(runDir: string): Promise<void>;
  /** Optional: called right before each checkpoint is written, so those files match it. */
  beforeCheckpoint?(): Promise<void>;
  dispose(): void;
}

/** What a goal evaluation measures at least; an algorithm may report more (eval/summary.json keeps it). */
export interface GoalScores {
  episodes: number;
  success_rate: number;
  episode_return: number;
}

/**
 * An algorithm judged by task success rather than skills (goal-sac, multitask-sac, skill-controller):
 * evaluation runs its deterministic policy on its own tasks.
 */
export interface GoalEvaluable extends Algorithm {
  /** Episode length of the run's envs, in env steps. */
  readonly episodeSteps: number;
  /** Relabeling settings so far (the first is the initial one), for algorithms that relabel. */
  readonly switchLog?: readonly unknown[];
  /** Success rate (mean over tasks for multi-task runs), mean return and the episodes rolled out. */
  evaluateGoals(): GoalScores | Promise<GoalScores>;
}

/** True for algorithms evaluated by task success. */
export function isGoalEvaluable(algo: Algorithm): algo is GoalEvaluable {
  return typeof (algo as Partial<GoalEvaluable>).evaluateGoals === 'function';
}
