/**
 * The run configuration: one zod schema that every way in (CLI, app, presets) validates against.
 * Every hyperparameter has a default here; presets override them and say where each value comes
 * from (paper, reference code or our own choice), and the run records those sources in run.json.
 */
import { z } from 'zod';
import { RELABEL_STRATEGIES } from './replay/relabel.ts';
import { TASK_RELABEL_STRATEGIES } from './replay/task_relabel.ts';

export const ALGOS = ['sac', 'diayn', 'dads', 'goal-sac', 'multitask-sac'] as const;
export type AlgoName = (typeof ALGOS)[number];
/** The MuJoCo envs of skill discovery and plain SAC (sim/envs.ts). */
export const SKILL_ENVS = ['point-mass', 'ant', 'half-cheetah'] as const;
export type SkillEnvName = (typeof SKILL_ENVS)[number];
/**
 * Goal-conditioned envs (`goal-sac`): the arm and the point mass built from a task spec
 * (engine/tasks), and bit flipping (sim/bit_flip.ts).
 */
export const GOAL_ENVS = ['arm', 'point-mass', 'bit-flip'] as const;
/** Every env a run can name. */
export const ENVS = ['point-mass', 'ant', 'half-cheetah', 'arm', 'bit-flip'] as const;

/** Named state functions f(s) that skills are judged on (DADS paper §6.2: both algorithms get the same one). */
export const STATE_FUNCTIONS = ['xy', 'full-without-xy'] as const;
export type StateFunctionName = (typeof STATE_FUNCTIONS)[number];

const positiveInt = z.number().int().positive();
const hidden = z.array(positiveInt).min(1).max(6);

export const sacSchema = z
  .object({
    /** Hidden layer sizes of the policy and of each of the twin critics. */
    hidden: hidden.default([256, 256]),
    lr: z.number().positive().max(1).default(3e-4),
    /** Discount γ. */
    gamma: z.number().gt(0).lt(1).default(0.99),
    /** Polyak factor τ of the target critics. */
    tau: z.number().gt(0).max(1).default(0.005),
    batchSize: positiveInt.default(256),
    /** Multiplies the reward before the Bellman target (DADS: 1/β = 10). */
    rewardScale: z.number().positive().default(1),
    /** Temperature α: learned against a target entropy, or fixed (DIAYN reference code: 0.1). */
    alphaMode: z.enum(['auto', 'fixed']).default('auto'),
    alphaInit: z.number().positive().default(1),
    /** Target entropy in nats; null → −dim(A) (Haarnoja et al. 2018b §5). */
    targetEntropy: z.number().nullable().default(null),
    /**
     * Penalty weight on the squared mean action in the actor loss (baselines HER `action_l2` 1.0);
     * 0 is plain SAC.
     */
    actionL2: z.number().min(0).max(100).default(0),
    replayCapacity: positiveInt.default(1_000_000),
    /** Env steps collected with uniform random actions before learning starts. */
    learningStarts: z.number().int().nonnegative().default(1000),
  })
  .strict();

export const diaynSchema = z
  .object({
    /** Number of categorical skills N; p(z) is uniform and fixed (Eysenbach et al. 2018 §3). */
    skills: z.number().int().min(2).max(1024).default(50),
    discriminatorHidden: hidden.default([300, 300]),
    discriminatorLr: z.number().positive().max(1).default(3e-4),
    discriminatorBatchSize: positiveInt.default(128),
    /** Discriminator gradient steps per iteration. */
    discriminatorSteps: positiveInt.default(1000),
  })
  .strict();

export const dadsSchema = z
  .object({
    /** Dimension d of the continuous skill z ~ U[-1,1]^d. */
    skillDim: z.number().int().min(1).max(32).default(2),
    dynamicsHidden: hidden.default([512, 512]),
    dynamicsLr: z.number().positive().max(1).default(3e-4),
    /** Mixture components of q(Δf(s) | s, z); identity covariance. */
    components: z.number().int().min(1).max(16).default(4),
    dynamicsSteps: positiveInt.default(32),
    dynamicsBatchSize: positiveInt.default(256),
    /** L, the prior samples in the reward's denominator. */
    priorSamples: positiveInt.default(100),
    /**
     * State input of the skill dynamics: 'none' (q(Δf|z), what the reference code ends up with for the
     * x-y prior) or 'obs-without-coords' (the observation with x, y dropped).
     */
    dynamicsInput: z.enum(['none', 'obs-without-coords']).default('none'),
  })
  .strict();

export const evalSchema = z
  .object({
    /** Rollouts per skill in `skill-lab eval`. */
    rolloutsPerSkill: positiveInt.max(100).default(5),
    /** DADS: number of fixed z evaluated (evenly spread directions for d = 2). */
    dadsSkills: positiveInt.max(256).default(8),
    /** Side of the square cells counted for x-y coverage, in m. */
    coverageCell: z.number().positive().default(1),
  })
  .strict();

/** Settings of goal-conditioned SAC with hindsight experience replay (`goal-sac`). */
export const herSchema = z
  .object({
    /** Hindsight relabeling strategy at sample time (Andrychowicz et al. 2017 §4.5); switchable mid-run. */
    relabelStrategy: z.enum(RELABEL_STRATEGIES).default('future'),
    /** k: relabeled share 1 − 1/(k+1) of each batch (HER's replay_k = 4 → 0.8). */
    relabelK: z.number().int().min(1).max(32).default(4),
    /** Bit flipping only: the number of bits n (HER §4.1). */
    bits: z.number().int().min(2).max(64).default(15),
    /** Whole episodes per env collected each iteration (baselines rollout_batch_size 2). */
    episodesPerIteration: positiveInt.max(1000).default(2),
    /**
     * Treat reaching the (relabeled) goal as terminal: on for tasks that end at the goal (bit
     * flipping), off for Fetch-style tasks that bootstrap through success.
     */
    terminalOnSuccess: z.boolean().default(false),
    /**
     * Probability of a uniform random training action instead of the policy's, per env step
     * (baselines HER `random_eps` 0.3); 0 is plain SAC exploration.
     */
    randomEps: z.number().min(0).max(1).default(0),
    /** Episodes of the deterministic policy in `skill-lab eval` and at the end of training. */
    evalEpisodes: positiveInt.max(1000).default(50),
  })
  .strict();

/**
 * Settings of multi-task SAC with task relabeling (`multitask-sac`) on the multi-goal point mass
 * (sim/multi_goal_env.ts): K goal-reaching tasks on a circle.
 */
export const multitaskSchema = z
  .object({
    /** Number of tasks K: goals evenly spaced on a circle around the arena's centre. */
    tasks: z.number().int().min(2).max(16).default(4),
    /** Radius of the goals' circle, m (the arena's walls are at ±1 m). */
    radius: z.number().min(0.05).max(0.9).default(0.3),
    /** Sparse −1/0 within 0.1 m of the task's goal, or dense −distance. */
    reward: z.enum(['sparse', 'dense']).default('sparse'),
    /** How the task enters policy and critics: one-hot (Meta-World MT-SAC) or a learned embedding. */
    taskEncoding: z.enum(['one-hot', 'embedding']).default('one-hot'),
    embeddingDim: z.number().int().min(1).max(64).default(4),
    /** Task relabeling (HIPI, Generalized Hindsight, random, all, none); switchable mid-run in the engine. */
    relabelStrategy: z.enum(TASK_RELABEL_STRATEGIES).default('hipi'),
    /** Share of each batch relabeled (HIPI README: relabel_prob 0.5). */
    relabelRatio: z.number().min(0).max(1).default(0.5),
    /**
     * Weight of HIPI's log π term in r − w·log π + γQ: a number (HIPI's code: 1) or 'alpha' for SAC's
     * current temperature, which kept near-deterministic policies' log π from swamping r and Q here.
     */
    hipiLogPiWeight: z.union([z.literal('alpha'), z.number().min(0).max(10)]).default('alpha'),
    episodesPerIteration: positiveInt.max(1000).default(2),
    /** Evaluation episodes of the deterministic policy per task. */
    evalEpisodesPerTask: positiveInt.max(100).default(5),
  })
  .strict();

export const runConfigSchema = z
  .object({
    algo: z.enum(ALGOS),
    env: z.enum(ENVS),
    preset: z.string().nullable().default(null),
    seed: z.number().int().nonnegative().default(0),
    /** Total env steps to train for. */
    totalEnvSteps: positiveInt.default(100_000),
    /** Envs stepped together so the policy infers on a batch. */
    numEnvs: positiveInt.max(256).default(4),
    /** Env episode length override (steps); null keeps the env's default. */
    episodeSteps: positiveInt.nullable().default(null),
    /** Point-mass goal for plain SAC on the env reward, in m. */
    goal: z.tuple([z.number(), z.number()]).nullable().default(null),
    /**
     * goal-sac: the goal task, a built-in task name (assets/tasks) or a task file (workspace tasks
     * are <workspace>/tasks/<name>.json). Its robot must be the run's env. Unused for bit flipping.
     */
    task: z.string().min(1).nullable().default(null),
    stateFunction: z.enum(STATE_FUNCTIONS).default('xy'),
    /** Hide the global coordinates (x, y) from policy and critics (DADS: hide_coords). */
    hideCoords: z.boolean().default(true),
    /**
     * One iteration collects this many env steps, then takes `updatesPerIteration` SAC gradient steps
     * (DADS on-policy: 2000 and 64 in the reference Ant config; DIAYN reference: 1 step per env step).
     */
    stepsPerIteration: positiveInt.default(1000),
    updatesPerIteration: positiveInt.default(1000),
    /** Write a checkpoint every this many iterations (and always at the end or on stop). */
    checkpointEvery: positiveInt.default(10),
    sac: sacSchema.default(sacSchema.parse({})),
    diayn: diaynSchema.default(diaynSchema.parse({})),
    dads: dadsSchema.default(dadsSchema.parse({})),
    eval: evalSchema.default(evalSchema.parse({})),
    her: herSchema.default(herSchema.parse({})),
    multitask: multitaskSchema.default(multitaskSchema.parse({})),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.algo === 'goal-sac') {
      if (!(GOAL_ENVS as readonly string[]).includes(config.env))
        ctx.addIssue({
          code: 'custom',
          path: ['env'],
          message: `goal-sac trains on a goal env: one of ${GOAL_ENVS.join(', ')}, got ${config.env}`,
        });
      else if (config.env !== 'bit-flip' && config.task === null)
        ctx.addIssue({
          code: 'custom',
          path: ['task'],
          message: `goal-sac on ${config.env} needs a task (a built-in name such as reach, or a task file)`,
        });
    } else if (config.algo === 'multitask-sac') {
      if (config.env !== 'point-mass')
        ctx.addIssue({
          code: 'custom',
          path: ['env'],
          message: `multitask-sac trains on the multi-goal point mass: env point-mass, got ${config.env}`,
        });
    } else if (!(SKILL_ENVS as readonly string[]).includes(config.env)) {
      ctx.addIssue({
        code: 'custom',
        path: ['env'],
        message: `${config.algo} trains on one of ${SKILL_ENVS.join(', ')}, got ${config.env} (goal envs are for goal-sac)`,
      });
    }
  });

/**
 * The run's MuJoCo env of skill discovery / plain SAC.
 * @throws ConfigError when the run's env is a goal env (validation keeps those to goal-sac).
 */
export function skillEnvOf(config: { env: string; algo: string }): SkillEnvName {
  if (!(SKILL_ENVS as readonly string[]).includes(config.env))
    throw new ConfigError(`${config.algo}: env ${config.env} is not one of ${SKILL_ENVS.join(', ')}`, [
      { path: 'env', message: 'not a skill-discovery env', allowed: [...SKILL_ENVS] },
    ]);
  return config.env as SkillEnvName;
}

export type RunConfig = z.infer<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

/**
 * One field-level problem of a run request or config, for forms that show it next to the field.
 * `path` is the dotted config key (`sac.lr`) or the request field (`preset`); '' is the whole object.
 */
export interface ConfigIssue {
  path: string;
  message: string;
  /** The allowed values, where they are a closed set (enums, preset names, config keys). */
  allowed?: Array<string | number | boolean | null>;
}

/**
 * Thrown for any invalid configuration; the message names the field and what is allowed, and
 * `issues` carries the same per field.
 */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(message: string, issues: ConfigIssue[] = []) {
    super(message);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** zod issues as {@link ConfigIssue}s: dotted paths (under `prefix`), with the allowed values of enums. */
export function configIssues(error: z.ZodError, prefix = ''): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    const out: ConfigIssue = { path, message: issue.message };
    if (issue.code === 'invalid_value')
      out.allowed = issue.values.map((v) =>
        typeof v === 'bigint' ? Number(v) : (v ?? null),
      ) as ConfigIssue['allowed'];
    return out;
  });
}

/** Formats zod issues as `field: problem` lines, with the allowed values where zod knows them. */
export function formatIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('\n');
}

/**
 * Validates a raw config object.
 * @throws ConfigError naming every invalid field.
 */
export function parseRunConfig(raw: unknown, context = 'config'): RunConfig {
  const result = runConfigSchema.safeParse(raw);
  if (!result.success)
    throw new ConfigError(`Invalid ${context}:\n${formatIssues(result.error)}`, configIssues(result.error));
  return result.data;
}

/**
 * Parses a `--set key=value` override: dotted key into the config, value as JSON when it parses
 * (numbers, booleans, arrays), else as a string.
 * @throws ConfigError for a key that names no field of the config (lists the allowed keys).
 */
export function applySetOverride(target: Record<string, any>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--set expects key=value, got "${assignment}"`);
  const key = assignment.slice(0, eq).trim();
  const text = assignment.slice(eq + 1).trim();
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // a bare word stays a string (e.g. --set stateFunction=xy)
  }
  applyOverride(target, key, value, '--set');
}

/**
 * Sets one config value by dotted key (`sac.lr`) to an already typed value; validation of the value
 * happens when the whole config is parsed.
 * @throws ConfigError for a key that names no field of the config (lists the allowed keys), with the
 *   key as the issue's path.
 */
export function applyOverride(
  target: Record<string, any>,
  key: string,
  value: unknown,
  origin = 'override',
): void {
  const allowed = allConfigKeys();
  if (!allowed.includes(key)) {
    throw new ConfigError(`${origin}: unknown key "${key}". Allowed keys:\n  ${allowed.join('\n  ')}`, [
      { path: key, message: `unknown config key "${key}"`, allowed },
    ]);
  }
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part];
  }
  node[parts[parts.length - 1]] = value;
}

/** Every settable dotted key of the run config, e.g. `sac.lr`, `dads.priorSamples`. */
export function allConfigKeys(): string[] {
  const keys: string[] = [];
  for (const [key, schema] of Object.entries(runConfigSchema.shape)) {
    const inner = unwrap(schema);
    if (inner instanceof z.ZodObject) {
      for (const sub of Object.keys(inner.shape)) keys.push(`${key}.${sub}`);
    } else {
      keys.push(key);
    }
  }
  return keys;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: any = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable) {
    s = s.unwrap();
  }
  return s;
}

/** Deep merge of plain objects; arrays and scalars from `over` replace those in `base`. */
export function deepMerge<T extends Record<string, any>>(base: T, over: Record<string, any>): T {
  const out: Record<string, any> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      typeof out[key] === 'object' &&
      out[key]
    ) {
      out[key] = deepMerge(out[key], value);
    } else {
      out[key] = value;
    }
  }
  return out as T;
}
