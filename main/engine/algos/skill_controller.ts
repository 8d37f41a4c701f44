/**
 * A meta-controller over learned skills (DADS paper, Sharma et al. 2020, Fig. 8 left; the DIAYN
 * paper's hierarchical Ant navigation, Fig. 7, picks a skill every k = 100 steps): a high-level
 * policy picks a skill of another run every H_Z env
 * steps, the frozen skill policy of that run acts with it, and the high-level policy learns a
 * downstream task's reward — reaching an x-y goal, −‖(x, y) − g‖ per env step (the DADS reference
 * code's goal reward, ant.py task 'goal').
 *
 * The high-level MDP (skill_env.ts): observation = the env's observation and g − (x, y), with x, y
 * hidden from the networks as `hideCoords` says; action = a skill — z ∈ [−1, 1]^d over DADS's
 * continuous skills, one of N over DIAYN's; one step = H_Z env steps of the frozen policy's mean
 * action (as `skill-lab plan` executes and `skill-lab eval` rolls out skills; `skillController.actions`
 * may sample instead); reward = the sum of the goal rewards of those steps; an episode is the env's
 * (point-mass 50 steps → 5 decisions at H_Z = 10, Ant 200 → 20) and ends at the goal when
 * `skillController.stopAtGoal` (as `skill-lab plan`'s episodes do, so both report success alike). The
 * goal is fixed per run, as in Fig. 8, where a meta-controller learns each goal ("an additional
 * 200 000 samples per goal").
 *
 * Learners, one family for both skill kinds (Fig. 8: meta-controller (128, 128), SAC lr 3e-4 for
 * continuous skills, PPO lr 1e-4 for discrete ones):
 * - continuous skills: SAC (sac.ts), the paper's choice;
 * - discrete skills: discrete SAC (Christodoulou 2019, discrete_sac.ts) instead of the paper's PPO —
 *   the comparison of DIAYN's and DADS's skills then differs in the skills, not in the learner's family
 *   (PPO is on-policy and would need far more samples than the CI budget holds); its learning rate is
 *   SAC's 3e-4 (`skillController.lr`), not PPO's.
 * Network sizes and learning rate are `skillController.hidden` and `.lr` (the run's `sac.hidden` and
 * `sac.lr` are not read); γ, τ, batch size, reward scale, α and replay capacity are the `sac` section's.
 *
 * The agent is the one off-policy agent as SAC holds it (vec_agent.ts: step collector, flat replay,
 * learner) over the high-level envs. Its counters are in decisions, the run's in env steps: an
 * iteration collects ⌈stepsPerIteration / H_Z⌉ decisions (rounded up to a multiple of numEnvs, ≈
 * stepsPerIteration env steps), the warm-up lasts ⌈sac.learningStarts / H_Z⌉ decisions of uniform
 * random skills, and `envSteps` counts the env steps executed.
 *
 * The frozen skills (runs/skill_pin.ts pins them) are only read: no weight of the skill policy changes.
 */
import type { RunConfig } from '../config.ts';
import type { EpisodeTrace, SegmentTrace } from '../planning/execute.ts';
import { DiscreteSacLearner } from './discrete_sac.ts';
import type { FrozenPolicy } from './frozen_policy.ts';
import { summarizeEpisodes } from './rollout.ts';
import { meanStats, sacHyperparametersOf, sacLearnerFor, uid } from './sac.ts';
import { decodeSkill, SkillSteps } from './skill_env.ts';
import { controllerEnvFactory } from './skill_task_envs.ts';
import { policySkillOf, type SkillSpace } from './skills.ts';
import type { AbortPoint, AlgorithmState, EvalSkill, GoalEvaluable, GoalScores, Metrics } from './types.ts';
import { VecAgent, type LearnerFactory, type VecLearner } from './vec_agent.ts';
import { VecAgentAlgorithm } from './vec_algorithm.ts';

/** The frozen skills a controller composes: runs/policy_source.ts's SkillSource is one. */
export interface ControllerSkills {
  /** π(a | s, z), never trained here. */
  readonly policy: FrozenPolicy;
  readonly skills: SkillSpace;
  /** The skill run, for reports. */
  readonly run: { id: string };
  readonly algo: string;
  /** The skill run's checkpoint the parts came from (its SHA-256, hex). */
  readonly checkpoint: { sha256: string };
  dispose(): void;
}

/** Reset seed of evaluation episode e: EVAL_SEED + e (the same starts for every controller run). */
export const EVAL_SEED = 20_000;

/** The evaluation report of a skill controller (`skill-lab eval --json`, eval/summary.json). */
export interface ControllerEvaluation extends GoalScores {
  /** Mean distance to the goal at the episodes' ends, m. */
  mean_final_distance: number;
  /** Success: final distance below this (the env's goal radius), m. */
  success_radius: number;
  goal: number[];
  /** The skill run composed, as pinned. */
  skills_from: { run: string; algo: string; sha256: string };
  /** Every episode, as `skill-lab plan` traces its own (planning/execute.ts): the Skills view draws both. */
  traces: EpisodeTrace[];
}

/**
 * The goal task a controller run reports, e.g. "goal (0.50, 0.50) m with the skills of dads-…", or
 * on the arm "l-wall-push with the skills of skill-embedding-…".
 */
export function describeControllerTask(config: RunConfig): string {
  const from = `with the skills of ${config.skillController.skillsFrom}`;
  if (config.env === 'arm') return `${config.task} ${from}`;
  const g = config.goal ?? [Number.NaN, Number.NaN];
  return `goal (${g[0].toFixed(2)}, ${g[1].toFixed(2)}) m ${from}`;
}

/** The options of a controller's skill envs from its config. */
function stepsOptions(config: RunConfig) {
  const sc = config.skillController;
  return { hold: sc.hold, actions: sc.actions, stopAtGoal: sc.stopAtGoal, reward: sc.reward };
}

/**
 * See the file comment. Its `vec` are the high-level envs, its `learner` the high-level learner (SAC
 * or discrete SAC), and `actDeterministic` gives the high-level policy's deterministic skills for
 * high-level observations.
 */
export class SkillControllerAlgorithm
  extends VecAgentAlgorithm<SkillSteps, VecLearner>
  implements GoalEvaluable
{
  /**
   * Builds the high-level envs and the agent. Takes ownership of `skills` (disposed with the
   * algorithm, also when building fails).
   * @throws Error when the config names no goal (an x-y env) or no arm task, or the skills do not
   *   fit the env (naming the skill run).
   */
  static async create(config: RunConfig, skills: ControllerSkills): Promise<SkillControllerAlgorithm> {
    let steps: SkillSteps | null = null;
    try {
      steps = await SkillSteps.build(
        controllerEnvFactory(config),
        config.numEnvs,
        skills.policy,
        skills.skills,
        stepsOptions(config),
        config.seed,
      );
      return new SkillControllerAlgorithm(config, skills, steps);
    } catch (err) {
      steps?.close();
      skills.dispose();
      throw new Error(`${config.algo} over run ${skills.run.id}: ${(err as Error).message}`, { cause: err });
    }
  }

  private constructor(
    readonly config: RunConfig,
    readonly skills: ControllerSkills,
    steps: SkillSteps,
  ) {
    super(new VecAgent(agentConfig(config), steps, null, learnerFactory(config, skills.skills)));
  }

  /** Env steps executed (all envs together), not decisions. */
  override get envSteps(): number {
    return this.vec.envSteps;
  }

  /** Decisions taken so far (all envs together). */
  get decisions(): number {
    return this.parts.agent.envSteps;
  }

  get episodeSteps(): number {
    return this.vec.lowEnv(0).maxEpisodeSteps;
  }

  /**
   * One iteration: ≈ stepsPerIteration env steps of decisions (uniform random skills while warming
   * up, else samples of the high-level policy) into the replay buffer, then `updatesPerIteration`
   * updates of the learner.
   */
  async iterate(abortPoint?: AbortPoint): Promise<Metrics> {
    const agent = this.parts.agent;
    const episodes = this.parts.collect(abortPoint);
    const ends = this.vec.drainEpisodeEnds();
    const stats = agent.warmingUp ? [] : agent.train(abortPoint);
    agent.iteration += 1;
    const metrics: Metrics = { ...summarizeEpisodes(episodes, true), ...meanStats(stats) };
    if (ends.length) {
      // In env steps, as the other algorithms report it; the decisions per episode beside it.
      if (metrics.episode_length !== undefined) metrics.episode_decisions = metrics.episode_length;
      metrics.episode_length = mean(ends.map((e) => e.envSteps));
      metrics.final_distance = mean(ends.map((e) => e.finalDistance));
    }
    metrics.decisions = agent.envSteps;
    return metrics;
  }

  /** Judged on its goal (evaluateGoals), not on skills of its own. */
  evaluationSkills(): EvalSkill[] {
    return [];
  }

  /**
   * The deterministic controller (the mean z of its SAC policy, or the most probable skill) on
   * `episodes` seeded episodes (reset seed EVAL_SEED + e), each traced as `skill-lab plan` traces its
   * episodes: the x-y and qpos of every env step and the skill of every segment.
   * @param episodes default `skillController.evalEpisodes`
   */
  async evaluateGoals(episodes = this.config.skillController.evalEpisodes): Promise<ControllerEvaluation> {
    const config = this.config;
    const steps = await SkillSteps.build(
      controllerEnvFactory(config),
      1,
      this.skills.policy,
      this.skills.skills,
      stepsOptions(config),
      EVAL_SEED,
    );
    const radius = steps.lowEnv(0).successRadius;
    const task = describeControllerTask(config);
    const traces: EpisodeTrace[] = [];
    let returns = 0;
    try {
      for (let e = 0; e < episodes; e++) {
        let obs = steps.reset(EVAL_SEED + e);
        const env = steps.lowEnv(0);
        const goal = env.goal();
        const f: number[][] = [env.position(obs)];
        const qpos: number[][] = [Array.from(env.qpos())];
        let stepsToGoal: number | null = null;
        let distance = Number.NaN;
        let nan = false;
        let success = false;
        steps.onEnvStep = (_i, o, info) => {
          f.push(env.position(o));
          success = info.success === true;
          qpos.push(Array.from(env.qpos()));
          distance = info.goalDistance ?? Number.NaN;
          if (info.success && stepsToGoal === null) stepsToGoal = f.length - 1;
          if (info.nan) nan = true;
        };
        const segments: SegmentTrace[] = [];
        const z = new Float32Array(steps.actDim);
        // Over a skill embedding the trace names the latent z the policy was given (the paper's "z
        // chosen over an episode"), not the controller's box coordinates c.
        const input = this.skills.policy.input;
        let ret = 0;
        for (;;) {
          const action = this.parts.actDeterministic(obs, new Float32Array(0));
          segments.push({
            start: f.length - 1,
            skill: Array.from(policySkillOf(input, decodeSkill(this.skills.skills, action, z))),
            predicted: null,
            candidates: [],
            planMs: 0,
          });
          const out = steps.step(action);
          ret += out.reward[0];
          if (out.terminated[0] || out.truncated[0]) break;
          obs = out.obs;
        }
        steps.onEnvStep = null;
        returns += ret;
        traces.push({
          goal,
          final_distance: distance,
          // The env's own judgement at the last step: within its goal radius (x-y envs), the task's
          // success (arm).
          success,
          steps: f.length - 1,
          task,
          waypoints: [goal.slice(0, 2)],
          seed: EVAL_SEED + e,
          steps_to_goal: stepsToGoal,
          nan,
          f,
          qpos,
          segments,
        });
      }
    } finally {
      steps.close();
    }
    const n = Math.max(1, traces.length);
    return {
      episodes: traces.length,
      success_rate: traces.filter((t) => t.success).length / n,
      episode_return: returns / n,
      mean_final_distance: traces.reduce((s, t) => s + t.final_distance, 0) / n,
      success_radius: radius,
      // One goal per run on x-y envs; an arm task draws one per episode (each trace has its own).
      goal: config.env === 'arm' ? [] : [...config.goal!],
      skills_from: { run: this.skills.run.id, algo: this.skills.algo, sha256: this.skills.checkpoint.sha256 },
      traces,
    };
  }

  /**
   * The agent's checkpoint part (learner, replay buffer, counters, the episodes in flight with the
   * envs' physics) and the SHA-256 of the skill run's checkpoint the controller learned over.
   */
  async saveState(): Promise<AlgorithmState> {
    const state = await this.parts.saveState(true);
    return { arrays: state.arrays, meta: { ...state.meta, skillsSha256: this.skills.checkpoint.sha256 } };
  }

  /** @throws Error naming both hashes when the checkpoint learned over other skills than these. */
  async loadState(state: AlgorithmState): Promise<void> {
    const sha = state.meta.skillsSha256;
    if (sha !== this.skills.checkpoint.sha256)
      throw new Error(
        `the checkpoint was trained over the skills of a checkpoint with SHA-256 ${String(sha)}, ` +
          `but this run's pinned skills come from ${this.skills.checkpoint.sha256}`,
      );
    await this.parts.loadState(state, true);
  }

  override dispose(): void {
    super.dispose();
    this.skills.dispose();
  }
}

/**
 * The config the agent reads (see the file comment): decisions per iteration and warm-up decisions
 * from the env-step budgets, the controller's networks and learning rate.
 */
function agentConfig(config: RunConfig): RunConfig {
  const { hold, hidden, lr } = config.skillController;
  return {
    ...config,
    stepsPerIteration: Math.ceil(config.stepsPerIteration / hold),
    sac: { ...config.sac, hidden, lr, learningStarts: Math.ceil(config.sac.learningStarts / hold) },
  };
}

/** SAC over continuous skills, discrete SAC over categorical ones (see the file comment). */
function learnerFactory(config: RunConfig, skills: SkillSpace): LearnerFactory<VecLearner> {
  const agent = agentConfig(config);
  if (skills.kind === 'continuous')
    return (inputDim, actDim, seed) => sacLearnerFor(agent, inputDim, actDim, seed);
  return (inputDim, actDim, seed) =>
    new DiscreteSacLearner({
      name: `discrete_sac${uid()}`,
      inputDim,
      actions: actDim,
      ...sacHyperparametersOf(agent.sac),
      seed,
    });
}

function mean(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
}
