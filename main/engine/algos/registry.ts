/**
 * The algorithm registry, engine half: each catalog entry (algos/catalog.ts — what the algorithm is,
 * the config sections it reads, its metrics, panels, form fields) with what only the engine can do
 * with it: build it for a run, evaluate it on its goals, check a relabeling request. Runs, the
 * trainer and evaluation ask this registry instead of comparing algorithm names.
 *
 * Adding an algorithm: its files, one entry in catalog.ts, one here, its tests (registry.test.ts checks
 * that both lists agree and every entry is complete).
 *
 * The controllers are built over another run's frozen skills: their entries ask runs/skill_pin.ts for
 * them (the pinned copy in its run directory, made at the first start); distillation asks
 * runs/teacher_pin.ts for its teachers the same way, a fine-tuned multi-task SAC run
 * runs/fine_tune_source.ts for its source. These are the entries that read other runs.
 */
import { armSkillFamilySpec } from '../sim/arm_skill_family.ts';
import type { RunConfig } from '../config.ts';
import { checkRelabelSetting } from '../replay/relabel.ts';
import { checkTaskRelabelSetting } from '../replay/task_relabel.ts';
import type { AlgoInfo } from './algo_info.ts';
import { DadsAlgorithm } from './dads.ts';
import { DiaynAlgorithm } from './diayn.ts';
import { GoalSacAlgorithm } from './goal_sac_run.ts';
import { algoInfo } from './lookup.ts';
import { MultitaskSacAlgorithm } from './multitask_sac_run.ts';
import { DistillAlgorithm } from './distill.ts';
import { ReinforceAlgorithm } from './reinforce.ts';
import { reinforceRadius } from './reinforce_options.ts';
import { SacAlgorithm } from './sac.ts';
import { SkillEmbeddingAlgorithm } from './skill_embedding_run.ts';
import { describeControllerTask, SkillControllerAlgorithm } from './skill_controller.ts';
import { pinnedSkills } from '../runs/skill_pin.ts';
import { pinnedTeachers } from '../runs/teacher_pin.ts';
import { fineTuneSource } from '../runs/fine_tune_source.ts';
import type { Algorithm, GoalEvaluable } from './types.ts';

/** What a goal evaluation measures: the deterministic policy's success rate and mean return. */
export type GoalScores = Awaited<ReturnType<GoalEvaluable['evaluateGoals']>>;

/** A relabeling setting as checked: k for hindsight relabeling, the share `ratio` for task relabeling. */
export type RelabelSetting = { strategy: string; k: number } | { strategy: string; ratio: number };

/** One algorithm: its catalog entry and the engine's hooks. */
export interface AlgoSpec extends AlgoInfo {
  /**
   * Builds the algorithm for `config` (whose `algo` is this entry's name).
   * @param runDir the run's directory, for algorithms that keep files there (goal-sac's task spec);
   *   null outside a run (tests, benchmarks)
   */
  create(config: RunConfig, runDir: string | null): Promise<Algorithm>;
  /**
   * `goals` evaluation: the deterministic policy's episodes on its own tasks; `rollouts`, when given,
   * overrides the configured number of episodes where the algorithm has one.
   */
  evaluateGoals?(algo: GoalEvaluable, rollouts: number | undefined): GoalScores | Promise<GoalScores>;
  /** `goals` evaluation: the task the report names, e.g. "reach" or "4 goals on a 0.3 m circle". */
  describeTask?(config: RunConfig): string;
  /**
   * Algorithms with `relabeling`: checks a requested setting before it is sent to the run.
   * @throws Error for an unknown strategy or a bad amount, naming what is allowed.
   */
  checkRelabeling?(strategy: string, amount: number): RelabelSetting;
}

/**
 * A controller over another run's frozen policy (a skill controller over DIAYN's or DADS's skills, an
 * embedding controller over a skill embedding's π(a|s,z)): the parts are pinned in its run directory
 * at the first start (runs/skill_pin.ts) and read from that copy from then on.
 */
function controllerSpec(name: 'skill-controller' | 'embedding-controller'): AlgoSpec {
  return {
    ...algoInfo(name),
    create: async (config, runDir) =>
      SkillControllerAlgorithm.create(
        config,
        (
          await pinnedSkills(config, runDir, {
            onWarning: (m) => console.warn(`[skill-lab] ${config.algo}: ${m}`),
          })
        ).source,
      ),
    evaluateGoals: (algo, rollouts) => (algo as SkillControllerAlgorithm).evaluateGoals(rollouts),
    describeTask: describeControllerTask,
  };
}

/** Every algorithm, in catalog order. */
export const ALGO_REGISTRY: readonly AlgoSpec[] = [
  { ...algoInfo('sac'), create: (config) => SacAlgorithm.create(config) },
  { ...algoInfo('diayn'), create: (config) => DiaynAlgorithm.create(config) },
  { ...algoInfo('dads'), create: (config) => DadsAlgorithm.create(config) },
  {
    ...algoInfo('goal-sac'),
    create: (config, runDir) => GoalSacAlgorithm.create(config, runDir),
    evaluateGoals: (algo, rollouts) =>
      (algo as GoalSacAlgorithm).evaluateGoals(rollouts ?? algo.config.her.evalEpisodes),
    describeTask: (config) => config.task ?? `bit-flip-${config.her.bits}`,
    checkRelabeling: checkRelabelSetting,
  },
  {
    ...algoInfo('multitask-sac'),
    // Fine-tuned (multitask.initFrom): started from another run's networks at its first start.
    create: async (config, runDir) =>
      MultitaskSacAlgorithm.create(
        config,
        await fineTuneSource(config, runDir, {
          onWarning: (m) => console.warn(`[skill-lab] multitask-sac: ${m}`),
        }),
      ),
    // Its episodes are set per task (multitask.evalEpisodesPerTask), not by `rollouts`.
    evaluateGoals: (algo) => algo.evaluateGoals(),
    describeTask: (config) =>
      config.env !== 'arm'
        ? `${config.multitask.tasks} goals on a ${config.multitask.radius} m circle`
        : config.multitask.armTasks === 'transfer'
          ? `${config.task} (the transfer task, its goal drawn per episode)`
          : armFamilyText(config.task ?? ''),
    checkRelabeling: checkTaskRelabelSetting,
  },
  {
    ...algoInfo('skill-embedding'),
    create: (config) => SkillEmbeddingAlgorithm.create(config),
    // Its episodes are set per task (embedding.evalEpisodesPerTask), not by `rollouts`.
    evaluateGoals: (algo) => algo.evaluateGoals(),
    describeTask: (config) =>
      config.env === 'arm'
        ? armFamilyText(config.task ?? '')
        : `${config.embedding.tasks.length} tasks over ${config.embedding.regions} regions on a ${config.embedding.radius} m circle`,
  },
  {
    ...algoInfo('reinforce'),
    create: (config) => ReinforceAlgorithm.create(config),
    // Its episodes are set per task (reinforce.evalEpisodesPerTask), not by `rollouts`.
    evaluateGoals: (algo) => algo.evaluateGoals(),
    describeTask: (config) =>
      `${config.reinforce.tasks} goals on a ${reinforceRadius(config.env, config.reinforce.radius)} m circle${
        config.env === 'arm' ? " around the arm's gripper start" : ''
      }`,
  },
  {
    ...algoInfo('distill'),
    create: async (config, runDir) =>
      DistillAlgorithm.create(
        config,
        (
          await pinnedTeachers(config, runDir, {
            onWarning: (m) => console.warn(`[skill-lab] distill: ${m}`),
          })
        ).teachers,
      ),
    // Its episodes are set per task (distill.evalEpisodesPerTask), not by `rollouts`.
    evaluateGoals: (algo) => algo.evaluateGoals(),
    describeTask: (config) => `${config.distill.teachers.length} teachers' goals`,
  },
  controllerSpec('skill-controller'),
  controllerSpec('embedding-controller'),
];

/**
 * The registry entry of `name`.
 * @throws Error for a name the engine does not know (config validation normally catches it first).
 */
export function algoSpec(name: string): AlgoSpec {
  const spec = ALGO_REGISTRY.find((a) => a.name === name);
  if (!spec)
    throw new Error(
      `unknown algorithm ${name}; the engine builds ${ALGO_REGISTRY.map((a) => a.name).join(', ')}`,
    );
  return spec;
}

/** A transfer task's pre-training family in words, for the evaluation's heading. */
function armFamilyText(task: string): string {
  return `the pre-training tasks for ${task} (${armSkillFamilySpec(task)
    .tasks.map((t) => t.name)
    .join(', ')})`;
}
