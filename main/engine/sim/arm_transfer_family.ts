/**
 * A transfer task of Hausman et al. 2018 (§7.2: l-wall-push, spring-wall, rail-push) as a family of
 * one task, so that multi-task SAC can be fine-tuned on it from a run on the task's pre-training
 * family (sim/arm_skill_family.ts) — the paper's "multi-task policy fine-tuned on the transfer task"
 * baseline (issue #11 §2).
 *
 * The env is the transfer task itself (its walls, spring or rail; its goal drawn per episode by the
 * task). The observation is the pre-training family's — the arm's, then the block's start — followed
 * by the desired goal (3): the family's tasks were told apart by the task input, the transfer task's
 * goal varies per episode and must be seen. The goal is also stored in every step's info (goalX/Y/Z),
 * so the family's reward stays a pure function of (task, achieved, info), as every task family's:
 * sparse −1 / 0 within the task's success threshold, or dense −‖block − g‖ − 0.5·‖grip − block‖ (the
 * pre-training family's dense terms). Success: the task's own.
 *
 * Never imports tfjs.
 */
import { builtinTask, compileTask, type CompiledTask } from '../tasks/index.ts';
import { INFO_EE_OBJECT_DISTANCE } from '../tasks/reward.ts';
import type { GoalEvaluation } from '../tasks/goal_reward.ts';
import { armSpaceSizes, createArmEnv, type ArmEnv } from './arm_env.ts';
import { ArmFamilyEnv } from './arm_family_env.ts';
import { blockGoalReward, isArmTransferTask } from './arm_skill_family.ts';
import { ARM_TRANSFER_TASKS } from '../env_names.ts';
import type { TaskFamily, GoalFamilyReward } from './multi_goal_env.ts';
import type { GoalObservation, GoalRewardFn, GoalStepResult, StepInfo } from './types.ts';

/** Info columns of the episode's desired goal (m). */
export const GOAL_KEYS = Object.freeze(['goalX', 'goalY', 'goalZ'] as const);

/** Observation entries after the arm's: the block's start (3), then the desired goal (3). */
const EXTRA = 6;

/** The one task of a transfer task's family (pure). */
export class ArmTransferFamily implements TaskFamily {
  readonly name: string;
  readonly numTasks = 1;
  readonly taskNames: readonly string[];
  readonly achievedDim = 3;
  readonly infoKeys: readonly string[] = Object.freeze([...GOAL_KEYS, INFO_EE_OBJECT_DISTANCE]);
  readonly goalReward: GoalRewardFn;

  /** @param threshold the task's success radius (m), also the sparse reward's */
  constructor(
    readonly task: string,
    readonly reward: GoalFamilyReward,
    readonly threshold: number,
  ) {
    this.name = task;
    this.taskNames = Object.freeze([task]);
    this.goalReward = blockGoalReward(this.name, reward, threshold);
  }

  /**
   * Reward and success of B rows of the one task, the goal read from the info columns.
   * @throws Error for a task other than 0, or missing goal columns.
   */
  evaluate(
    tasks: ArrayLike<number>,
    achieved: Float32Array,
    info?: Readonly<Record<string, Float32Array>>,
  ): GoalEvaluation {
    const B = tasks.length;
    if (achieved.length !== B * 3)
      throw new Error(
        `${this.name}: evaluate needs achieved of length B*3 for B = ${B}, got ${achieved.length}`,
      );
    const cols = GOAL_KEYS.map((k) => {
      const col = info?.[k];
      if (!col || col.length !== B)
        throw new Error(`${this.name}: evaluate needs the info column '${k}' of length ${B}`);
      return col;
    });
    const desired = new Float32Array(B * 3);
    for (let b = 0; b < B; b++) {
      if (tasks[b] !== 0)
        throw new Error(`${this.name}: task ${tasks[b]} is not 0 (the family has one task)`);
      for (let k = 0; k < 3; k++) desired[b * 3 + k] = cols[k][b];
    }
    return this.goalReward(achieved, desired, info);
  }
}

/** A transfer task's env as its one-task family (see the file comment). Owns the wrapped arm env. */
export class ArmTransferEnv extends ArmFamilyEnv<ArmTransferFamily> {
  private readonly start = new Float32Array(3);
  private readonly goal = new Float32Array(3);

  /** Use {@link createArmTransferEnv}. Takes ownership of `inner`. */
  constructor(inner: ArmEnv, family: ArmTransferFamily, opts: { seed?: number } = {}) {
    super(inner, family, family.name, family.goalReward, opts.seed, EXTRA);
  }

  /** Starts an episode: the task draws the block's start and the goal. @throws Error for a task other than 0. */
  reset(opts?: { seed?: number; task?: number }): { obs: GoalObservation; info: StepInfo } {
    this.resetTask(opts?.task);
    const seed = this.resetSeed(opts?.seed);
    const out = this.inner.reset(seed === undefined ? {} : { seed });
    this.start.set(out.obs.achievedGoal);
    this.goal.set(out.obs.desiredGoal);
    return { obs: this.extended(out.obs), info: this.withGoal(out.info) };
  }

  /** The task's step; reward and success as the family scores them. */
  step(action: ArrayLike<number>): GoalStepResult {
    const out = this.inner.step(action);
    if (out.info.nan) return { ...out, obs: this.extended(out.obs) };
    const info = this.withGoal(out.info);
    const cols: Record<string, Float32Array> = {};
    for (const k of this.family.infoKeys) cols[k] = Float32Array.of(info[k] as number);
    const ev = this.family.evaluate([0], out.obs.achievedGoal, cols);
    info.success = ev.success[0] === 1;
    return { ...out, obs: this.extended(out.obs), reward: ev.reward[0], info };
  }

  private extended(obs: GoalObservation): GoalObservation {
    const n = obs.observation.length;
    const observation = new Float32Array(n + EXTRA);
    observation.set(obs.observation);
    observation.set(this.start, n);
    observation.set(this.goal, n + 3);
    return { ...obs, observation };
  }

  private withGoal(base: StepInfo): StepInfo {
    const info: StepInfo = { ...base };
    GOAL_KEYS.forEach((k, i) => (info[k] = this.goal[i]));
    return info;
  }
}

/**
 * Observation and action sizes of transfer task `task`'s one-task family env.
 * @throws Error for a task that is not a transfer task.
 */
export function armTransferSizes(task: string): { obsDim: number; actDim: number } {
  const { obsDim, actDim } = armSpaceSizes(transferSpec(task));
  return { obsDim: obsDim + EXTRA, actDim };
}

function transferSpec(task: string) {
  if (!isArmTransferTask(task))
    throw new Error(
      `arm transfer family: "${task}" is not a transfer task; one of ${ARM_TRANSFER_TASKS.join(', ')}`,
    );
  return builtinTask(task);
}

/** Options of {@link createArmTransferEnv}. */
export interface ArmTransferEnvOptions {
  /** Default 'sparse' (the paper's transfer reward). */
  reward?: GoalFamilyReward;
  /** Episode length in env steps; default the task's. */
  maxEpisodeSteps?: number;
  seed?: number;
}

/**
 * Builds transfer task `task` as a one-task family env.
 * @returns an env that needs `reset()` before `step()`; the caller owns it and must `close()` it.
 * @throws Error for a task that is not a transfer task; MJCF errors.
 */
export async function createArmTransferEnv(
  task: string,
  opts: ArmTransferEnvOptions = {},
): Promise<ArmTransferEnv> {
  const spec = transferSpec(task);
  const compiled: CompiledTask = compileTask(
    opts.maxEpisodeSteps === undefined ? spec : { ...spec, episodeLength: opts.maxEpisodeSteps },
    task,
  );
  const family = new ArmTransferFamily(task, opts.reward ?? 'sparse', spec.success.threshold);
  const inner = await createArmEnv(compiled, { seed: opts.seed });
  return new ArmTransferEnv(inner, family, { seed: opts.seed });
}
