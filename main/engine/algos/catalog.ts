/**
 * The algorithm catalog: one entry per algorithm with everything the rest of the lab asks about it
 * instead of comparing algorithm names (algos/algo_info.ts says what each field means) — what it is
 * conditioned on, the config sections it reads (and so declares: config.ts composes the run config
 * from them), the envs it trains on, how it is evaluated, whether and how it relabels, its metrics,
 * curve panels and form fields.
 *
 * This is the renderer-safe half of the algorithm registry: plain data, zod schemas and pure
 * functions, no tfjs, sim or Node module (main/api/contract/contract.test.ts checks the import closure), so
 * main/api/contract/presentation.ts hands it to the renderer. The engine half, algos/registry.ts, adds to each
 * entry how to build the algorithm and its evaluation hooks. Everything else reads the catalog
 * through algos/lookup.ts.
 *
 * Adding an algorithm: its files (the algorithm and its `<algo>_options.ts` config section), one
 * entry here, one in registry.ts, its tests.
 */
import { GOAL_ENVS, SKILL_ENVS } from '../env_names.ts';
import { RELABEL_STRATEGIES } from '../replay/relabel.ts';
import { TASK_RELABEL_STRATEGIES } from '../replay/task_relabel.ts';
import { defineAlgo, type EvalFigure } from './algo_info.ts';
import { dadsSection } from './dads_options.ts';
import { distillCheck, distillSection } from './distill_options.ts';
import { diaynSection } from './diayn_options.ts';
import { goalSacCheck, herSection } from './goal_sac_options.ts';
import { multitaskSacCheck, multitaskSection } from './multitask_sac_options.ts';
import { reinforceCheck, reinforceSection } from './reinforce_options.ts';
import { sacSection, skillEnvCheck } from './sac_options.ts';
import { embeddingSection, skillEmbeddingCheck } from './skill_embedding_options.ts';
import {
  embeddingControllerCheck,
  EMBEDDING_CONTROLLER_ENVS,
  skillControllerCheck,
  skillControllerSection,
  SKILL_CONTROLLER_ENVS,
} from './skill_controller_options.ts';
import { skillEvalSection } from './skill_eval_options.ts';

const ALPHA = { key: 'alpha', title: 'SAC α', unit: 'α (reward per nat of entropy)' };
const SUCCESS_RATE_FIGURE: EvalFigure = {
  key: 'success_rate',
  label: 'success rate',
  hint: "share of episodes ending in the env's success",
};

const SAC = defineAlgo({
  name: 'sac',
  description: "plain SAC on the env's reward",
  conditioning: 'none',
  sections: { sac: sacSection, eval: skillEvalSection },
  envs: SKILL_ENVS,
  checkConfig: skillEnvCheck,
  skillsOption: null,
  skillsFromOption: null,
  latentSkills: null,
  teachersOption: null,
  evaluation: 'skills',
  evaluatesEnvSuccess: true,
  evalFigures: [SUCCESS_RATE_FIGURE],
  evalSkillTraces: false,
  relabeling: null,
  keepsTaskSpec: false,
  hasEpisodes: false,
  previewsSkills: true,
  skillModels: { skillDynamics: false, discriminator: false },
  keyMetric: { key: 'episode_return', label: 'return' },
  summaryMetrics: ['success_rate', 'episode_return', 'alpha'],
  progressMetrics: [
    { key: 'success_rate', short: 'success' },
    { key: 'episode_return', short: 'return' },
    { key: 'alpha', short: 'α' },
  ],
  curves: [
    { key: 'episode_return', title: 'episode return', unit: 'return (sum of rewards)' },
    { key: 'success_rate', title: 'success rate', unit: 'success (fraction of episodes)' },
    ALPHA,
  ],
  formFields: ['sac.lr', 'sac.batchSize', 'sac.gamma', 'sac.alphaInit'],
});

const DIAYN = defineAlgo({
  name: 'diayn',
  description: 'DIAYN: categorical skills told apart by a discriminator (Eysenbach et al. 2018)',
  conditioning: 'discrete-skill',
  sections: { sac: sacSection, diayn: diaynSection, eval: skillEvalSection },
  envs: SKILL_ENVS,
  checkConfig: skillEnvCheck,
  skillsOption: { key: 'diayn.skills', meaning: 'number of skills' },
  skillsFromOption: null,
  latentSkills: null,
  teachersOption: null,
  evaluation: 'skills',
  evaluatesEnvSuccess: false,
  evalFigures: [
    {
      key: 'discriminator_accuracy',
      label: 'discriminator accuracy',
      hint: 'share of states whose skill the discriminator names',
    },
    { key: 'log_q', label: 'mean log q(z|s)', hint: 'DIAYN: log-probability of the true skill (nats)' },
  ],
  evalSkillTraces: false,
  relabeling: null,
  keepsTaskSpec: false,
  hasEpisodes: false,
  previewsSkills: true,
  skillModels: { skillDynamics: false, discriminator: true },
  keyMetric: { key: 'discriminator_accuracy', label: 'disc. acc' },
  summaryMetrics: ['discriminator_accuracy', 'intrinsic_reward', 'alpha'],
  progressMetrics: [
    { key: 'discriminator_accuracy', short: 'acc' },
    { key: 'intrinsic_reward', short: 'r' },
    { key: 'alpha', short: 'α' },
  ],
  curves: [
    { key: 'intrinsic_reward', title: 'intrinsic reward (nats)', unit: 'reward (nats per step)' },
    { key: 'discriminator_accuracy', title: 'discriminator accuracy', unit: 'accuracy (fraction)' },
    ALPHA,
  ],
  formFields: ['diayn.skills', 'sac.lr', 'sac.batchSize', 'sac.alphaInit', 'diayn.discriminatorLr'],
});

const DADS = defineAlgo({
  name: 'dads',
  description: 'DADS: continuous skills with predictable skill dynamics (Sharma et al. 2020)',
  conditioning: 'continuous-skill',
  sections: { sac: sacSection, dads: dadsSection, eval: skillEvalSection },
  envs: SKILL_ENVS,
  checkConfig: skillEnvCheck,
  skillsOption: { key: 'dads.skillDim', meaning: 'skill dimension' },
  skillsFromOption: null,
  latentSkills: null,
  teachersOption: null,
  evaluation: 'skills',
  evaluatesEnvSuccess: false,
  evalFigures: [
    {
      key: 'skill_dynamics_loglik',
      label: 'skill-dynamics log-likelihood',
      hint: 'DADS: log q(Δs | s, z) of the evaluation transitions (nats)',
    },
    { key: 'intrinsic_reward', label: 'intrinsic reward', hint: 'nats' },
  ],
  evalSkillTraces: false,
  relabeling: null,
  keepsTaskSpec: false,
  hasEpisodes: false,
  previewsSkills: true,
  skillModels: { skillDynamics: true, discriminator: false },
  keyMetric: { key: 'skill_dynamics_loglik', label: 'log q' },
  summaryMetrics: ['skill_dynamics_loglik', 'intrinsic_reward', 'alpha'],
  progressMetrics: [
    { key: 'skill_dynamics_loglik', short: 'logq' },
    { key: 'intrinsic_reward', short: 'r' },
    { key: 'alpha', short: 'α' },
  ],
  curves: [
    { key: 'intrinsic_reward', title: 'intrinsic reward (nats)', unit: 'reward (nats per step)' },
    { key: 'skill_dynamics_loglik', title: 'skill-dynamics log q', unit: 'log q (nats per transition)' },
    ALPHA,
  ],
  formFields: ['dads.skillDim', 'sac.lr', 'sac.batchSize', 'sac.alphaInit', 'dads.dynamicsLr'],
});

const GOAL_SAC = defineAlgo({
  name: 'goal-sac',
  description: 'goal-conditioned SAC with hindsight experience replay (Andrychowicz et al. 2017)',
  conditioning: 'goal',
  sections: { sac: sacSection, her: herSection },
  envs: GOAL_ENVS,
  checkConfig: goalSacCheck,
  skillsOption: null,
  skillsFromOption: null,
  latentSkills: null,
  teachersOption: null,
  evaluation: 'goals',
  evaluatesEnvSuccess: false,
  evalFigures: [],
  evalSkillTraces: false,
  relabeling: {
    kind: 'hindsight',
    amount: 'k',
    strategies: RELABEL_STRATEGIES,
    strategyText: 'hindsight strategy',
    amountText: 'k',
  },
  keepsTaskSpec: true,
  hasEpisodes: true,
  previewsSkills: false,
  skillModels: { skillDynamics: false, discriminator: false },
  keyMetric: { key: 'success_rate', label: 'success' },
  summaryMetrics: [
    'success_rate',
    'episode_return',
    'relabel_share',
    'alpha',
    'relabel_strategy',
    'relabel_k',
  ],
  progressMetrics: [
    { key: 'success_rate', short: 'success' },
    { key: 'episode_return', short: 'return' },
    { key: 'relabel_share', short: 'relabeled' },
  ],
  curves: [
    { key: 'success_rate', title: 'success rate', unit: 'success (fraction of episodes)' },
    { key: 'episode_return', title: 'episode return', unit: 'return (sum of rewards)' },
    { key: 'achieved_goal_shift', title: 'achieved-goal shift per episode', unit: 'shift (m)' },
    { key: 'relabel_share', title: 'share relabeled', unit: 'share of the batch' },
    ALPHA,
  ],
  formFields: ['task', 'her.relabelStrategy', 'her.relabelK', 'sac.lr', 'sac.batchSize', 'sac.gamma'],
});

/**
 * What the task-conditioned algorithms judged on their own tasks share (multi-task SAC, the skill
 * embedding, REINFORCE, distillation): a policy π(a | s, t), no skills of their own, success per task.
 */
const TASK_POLICY = {
  conditioning: 'task',
  skillsOption: null,
  skillsFromOption: null,
  latentSkills: null,
  teachersOption: null,
  evaluation: 'goals',
  evaluatesEnvSuccess: false,
  evalFigures: [],
  evalSkillTraces: false,
  relabeling: null,
  keepsTaskSpec: false,
  hasEpisodes: false,
  previewsSkills: false,
  skillModels: { skillDynamics: false, discriminator: false },
  keyMetric: { key: 'success_rate', label: 'success' },
} as const;

const MULTITASK_SAC = defineAlgo({
  ...TASK_POLICY,
  name: 'multitask-sac',
  description:
    'multi-task SAC with task relabeling (HIPI, Generalized Hindsight) on K goal tasks: the point mass’s, or on the arm a transfer task’s pre-training family or the transfer task itself',
  sections: { sac: sacSection, multitask: multitaskSection },
  envs: ['point-mass', 'arm'],
  checkConfig: multitaskSacCheck,
  relabeling: {
    kind: 'task',
    amount: 'ratio',
    strategies: TASK_RELABEL_STRATEGIES,
    strategyText: 'task relabeling',
    amountText: 'the relabeled share',
  },
  summaryMetrics: [
    'success_rate',
    'episode_return',
    'relabel_share',
    'alpha',
    'relabel_strategy',
    'relabel_ratio',
  ],
  progressMetrics: [
    { key: 'success_rate', short: 'success' },
    { key: 'episode_return', short: 'return' },
    { key: 'relabel_share', short: 'relabeled' },
  ],
  curves: [
    { key: 'success_rate', title: 'success rate (mean over tasks)', unit: 'success (fraction of episodes)' },
    { key: 'episode_return', title: 'episode return', unit: 'return (sum of rewards)' },
    { key: 'relabel_share', title: 'share relabeled', unit: 'share of the batch' },
    ALPHA,
  ],
  formFields: [
    'multitask.tasks',
    'multitask.armTasks',
    'multitask.initFrom',
    'multitask.relabelStrategy',
    'multitask.relabelRatio',
    'multitask.taskEncoding',
    'sac.hidden',
    'sac.lr',
    'sac.batchSize',
  ],
  formFieldsUnread: { arm: ['multitask.tasks'], 'point-mass': ['multitask.armTasks'] },
  fineTuneOption: { key: 'multitask.initFrom', algos: ['multitask-sac'] },
});

const SKILL_EMBEDDING = defineAlgo({
  ...TASK_POLICY,
  name: 'skill-embedding',
  description:
    'a skill embedding space (Hausman et al. 2018): task embeddings p(z|t), inference q(z|a,s^H) and a policy π(a|s,z), off-policy with SAC',
  sections: { sac: sacSection, embedding: embeddingSection },
  envs: ['point-mass', 'arm'],
  checkConfig: skillEmbeddingCheck,
  latentSkills: { dimKey: 'embedding.latentDim' },
  summaryMetrics: [
    'success_rate',
    'episode_return',
    'inference_rmse',
    'inference_task_accuracy',
    'embedding_kl_min',
    'alpha',
  ],
  progressMetrics: [
    { key: 'success_rate', short: 'success' },
    { key: 'inference_rmse', short: 'q rmse' },
    { key: 'embedding_kl_min', short: 'KL min' },
  ],
  curves: [
    { key: 'success_rate', title: 'success rate (mean over tasks)', unit: 'success (fraction of episodes)' },
    { key: 'episode_return', title: 'episode return', unit: 'return (sum of rewards)' },
    { key: 'reward_env', title: 'task reward per step', unit: 'reward per step' },
    { key: 'reward_inference', title: 'reward term α2·log q', unit: 'reward per step' },
    { key: 'inference_rmse', title: 'inference RMSE of z', unit: 'RMSE (latent units)' },
    { key: 'embedding_kl_min', title: 'smallest KL between task embeddings', unit: 'KL (nats)' },
    ALPHA,
  ],
  // On the arm the tasks are the transfer task's family: the point mass's region subsets are not read.
  formFieldsUnread: { arm: ['embedding.tasks'] },
  formFields: [
    'embedding.tasks',
    'embedding.latentDim',
    'embedding.alphaEmbedding',
    'embedding.alphaInference',
    'sac.lr',
    'sac.batchSize',
  ],
});

const REINFORCE = defineAlgo({
  ...TASK_POLICY,
  name: 'reinforce',
  description:
    'multi-task REINFORCE with a learned state-value baseline and reward-to-go, one task-conditioned Gaussian policy (on-policy)',
  sections: { reinforce: reinforceSection },
  envs: ['point-mass', 'arm'],
  checkConfig: reinforceCheck,
  summaryMetrics: ['success_rate', 'episode_return', 'explained_variance', 'policy_std', 'approx_kl'],
  progressMetrics: [
    { key: 'success_rate', short: 'success' },
    { key: 'episode_return', short: 'return' },
    { key: 'policy_std', short: 'σ' },
  ],
  curves: [
    { key: 'success_rate', title: 'success rate (all tasks)', unit: 'success (fraction of episodes)' },
    { key: 'episode_return', title: 'episode return', unit: 'return (sum of rewards)' },
    {
      key: 'explained_variance',
      title: 'baseline: explained variance of the reward-to-go',
      unit: '1 − Var[G − b]/Var[G]',
    },
    { key: 'policy_std', title: 'policy σ (mean over action dims)', unit: 'σ (action units)' },
    { key: 'approx_kl', title: 'KL of one policy step (approx.)', unit: 'KL (nats)' },
  ],
  formFields: [
    'reinforce.tasks',
    'reinforce.reward',
    'reinforce.episodesPerTask',
    'reinforce.policyLr',
    'reinforce.baseline',
  ],
});

const DISTILL = defineAlgo({
  ...TASK_POLICY,
  name: 'distill',
  description:
    'multi-task policy distillation (Rusu et al. 2016): one task-conditioned student fitted to single-task SAC teachers (KL)',
  sections: { distill: distillSection },
  envs: ['point-mass'],
  checkConfig: distillCheck,
  teachersOption: {
    key: 'distill.teachers',
    meaning: 'the single-task teacher runs, one per task (sac runs with a goal)',
    algos: ['sac'],
  },
  summaryMetrics: ['success_rate', 'kl', 'distill_loss', 'memory_size'],
  progressMetrics: [
    { key: 'success_rate', short: 'success' },
    { key: 'kl', short: 'KL' },
    { key: 'memory_size', short: 'states' },
  ],
  curves: [
    {
      key: 'success_rate',
      title: "student's success (mean action, mean over tasks)",
      unit: 'success (fraction of episodes)',
    },
    { key: 'kl', title: 'KL(teacher ‖ student) on the memory', unit: 'KL (nats per state)' },
    { key: 'distill_loss', title: 'distillation loss', unit: 'loss' },
    {
      key: 'student_success',
      title: 'success of the episodes the student acted in',
      unit: 'success (fraction of episodes)',
    },
  ],
  formFields: [
    'distill.teachers',
    'distill.studentShare',
    'distill.loss',
    'distill.episodesPerTask',
    'distill.lr',
  ],
});

const SKILL_CONTROLLER = defineAlgo({
  name: 'skill-controller',
  description:
    "a meta-controller that picks another run's frozen skills every H_Z env steps to reach a goal (DADS paper Fig. 8)",
  // The high-level policy sees the observation (and the goal, fixed per run); it chooses skills, it has none.
  conditioning: 'none',
  sections: { sac: sacSection, skillController: skillControllerSection },
  envs: SKILL_CONTROLLER_ENVS,
  checkConfig: skillControllerCheck,
  skillsOption: null,
  skillsFromOption: {
    key: 'skillController.skillsFrom',
    meaning: 'the DIAYN or DADS run whose frozen skills it composes',
    algos: ['diayn', 'dads'],
  },
  latentSkills: null,
  teachersOption: null,
  evaluation: 'goals',
  evaluatesEnvSuccess: false,
  evalFigures: [],
  evalSkillTraces: true,
  relabeling: null,
  keepsTaskSpec: false,
  hasEpisodes: false,
  previewsSkills: false,
  skillModels: { skillDynamics: false, discriminator: false },
  keyMetric: { key: 'success_rate', label: 'success' },
  summaryMetrics: ['success_rate', 'final_distance', 'episode_return', 'alpha'],
  progressMetrics: [
    { key: 'success_rate', short: 'success' },
    { key: 'final_distance', short: 'dist' },
    { key: 'episode_return', short: 'return' },
  ],
  curves: [
    { key: 'success_rate', title: 'success rate', unit: 'success (fraction of episodes)' },
    { key: 'final_distance', title: 'final distance to the goal (m)', unit: 'distance (m)' },
    { key: 'episode_return', title: 'episode return', unit: 'return (sum of rewards)' },
    ALPHA,
  ],
  formFields: [
    'skillController.skillsFrom',
    'goal',
    'skillController.reward',
    'skillController.hold',
    'skillController.lr',
    'sac.batchSize',
  ],
});

const EMBEDDING_CONTROLLER = defineAlgo({
  ...SKILL_CONTROLLER,
  name: 'embedding-controller',
  description:
    "a new high-level policy over a skill-embedding run's latent z, its π(a|s,z) frozen, learning a new goal task (Hausman et al. 2018 transfer)",
  envs: EMBEDDING_CONTROLLER_ENVS,
  checkConfig: embeddingControllerCheck,
  // An arm task draws its goal per episode.
  formFieldsUnread: { arm: ['goal'] },
  skillsFromOption: {
    key: 'skillController.skillsFrom',
    meaning: 'the skill-embedding run whose frozen policy π(a|s,z) it steers',
    algos: ['skill-embedding'],
  },
});

/** Every algorithm, in the order they are listed (CLI choices, presets, pickers). */
export const ALGO_CATALOG = [
  SAC,
  DIAYN,
  DADS,
  GOAL_SAC,
  MULTITASK_SAC,
  SKILL_EMBEDDING,
  REINFORCE,
  DISTILL,
  SKILL_CONTROLLER,
  EMBEDDING_CONTROLLER,
] as const;
