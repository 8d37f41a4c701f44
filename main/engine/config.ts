/**
 * The run configuration: one zod schema that every way in (CLI, app, presets) validates against.
 * Every hyperparameter has a default here or in the config section of the algorithm that reads it
 * (algos/<algo>_options.ts, composed through the algorithm catalog); presets override them and say
 * where each value comes from (paper, reference code or our own choice), and the run records those
 * sources in run.json.
 *
 * Renderer-safe (main/api/contract/contract.ts bundles it): zod and the catalog only.
 */
import { z } from 'zod';
import { ENVS, SKILL_ENVS, STATE_FUNCTIONS, type SkillEnvName } from './env_names.ts';
import { ALGOS, algoInfo, algosWhere, catalogSections, type AlgoName } from './algos/lookup.ts';
import type { ConfigSection } from './algos/config_section.ts';
import type { ALGO_CATALOG } from './algos/catalog.ts';

export { ALGOS, type AlgoName };
export { ENVS, GOAL_ENVS, SKILL_ENVS, STATE_FUNCTIONS } from './env_names.ts';
export type { EnvName, SkillEnvName, StateFunctionName } from './env_names.ts';
export { sacSchema } from './algos/sac_options.ts';
export { diaynSchema } from './algos/diayn_options.ts';
export { dadsSchema } from './algos/dads_options.ts';
export { evalSchema } from './algos/skill_eval_options.ts';
export { herSchema } from './algos/goal_sac_options.ts';
export { multitaskSchema } from './algos/multitask_sac_options.ts';

const positiveInt = z.number().int().positive();

/** The keys every run config has, whichever its algorithm. */
const baseShape = {
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
   * skill-embedding on the arm: the transfer task whose pre-training family it learns;
   * embedding-controller on the arm: the built-in task it learns.
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
};

/** Every section any algorithm of the catalog declares, by its key in the run config. */
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
type DeclaredSections = UnionToIntersection<(typeof ALGO_CATALOG)[number]['sections']>;
type SectionShape = {
  [K in keyof DeclaredSections]: DeclaredSections[K] extends ConfigSection<infer S> ? z.ZodDefault<S> : never;
};

/** The sections' schemas, each defaulting to its defaults, in the catalog's section order. */
const sectionShape = Object.fromEntries(
  catalogSections().map(([name, section]) => [name, section.schema.default(section.schema.parse({}))]),
) as unknown as SectionShape;

export const runConfigSchema = z
  .object({ ...baseShape, ...sectionShape })
  .strict()
  .superRefine((config, ctx) => {
    // Each algorithm's own rule across keys: the envs it trains on, a task it needs.
    const issues = algoInfo(config.algo).checkConfig(config, {
      algosOn: (env) => algosWhere((a) => (a.envs as readonly string[]).includes(env)),
    });
    for (const issue of issues) ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
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
 * The widest hidden layer of a run's networks: every `hidden` / `…Hidden` list of widths in the
 * config sections its algorithm reads (SAC's, the discriminator's, the skill dynamics', a
 * controller's; the other algorithms' sections hold defaults the run never builds). The compute
 * backend loader picks wasm over TensorFlow below a width (native/backend.ts NATIVE_MIN_WIDTH).
 * @returns units; 0 for a config without such lists
 */
export function networkWidthOf(config: RunConfig): number {
  let widest = 0;
  const visit = (value: unknown, key: string) => {
    if (Array.isArray(value)) {
      if (/^hidden$|Hidden$/.test(key) && value.every((v) => typeof v === 'number'))
        widest = Math.max(widest, ...(value as number[]));
      return;
    }
    if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) visit(v, k);
  };
  const sections = config as unknown as Record<string, unknown>;
  for (const name of Object.keys(algoInfo(config.algo).sections)) visit(sections[name], name);
  return widest;
}

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
    const near = nearestKeys(key, allowed);
    const section = key.includes('.') ? key.slice(0, key.indexOf('.')) : '';
    const inSection = section ? allowed.filter((a) => a.startsWith(`${section}.`)) : [];
    const hint = near.length
      ? `; did you mean ${near.join(', ')}?`
      : inSection.length
        ? `; the keys of ${section}: ${inSection.join(', ')}`
        : `; top-level keys: ${allowed.filter((a) => !a.includes('.')).join(', ')}; sections: ${[
            ...new Set(allowed.filter((a) => a.includes('.')).map((a) => a.split('.')[0])),
          ].join(', ')}`;
    throw new ConfigError(`${origin}: unknown key "${key}"${hint}`, [
      { path: key, message: `unknown config key "${key}"${hint}`, allowed },
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

/**
 * The keys closest to a misspelt one (Levenshtein distance, case-insensitive; at most 3, and only
 * those within a third of the key's length), for "did you mean" hints.
 */
export function nearestKeys(key: string, allowed: string[], n = 3): string[] {
  const k = key.toLowerCase();
  const scored = allowed.map((a) => {
    const lower = a.toLowerCase();
    // The part after the dot alone also counts: "lr" for "sac.lr", "dads.lr" for "dads.dynamicsLr".
    const tail = lower.slice(lower.indexOf('.') + 1);
    return { a, d: Math.min(editDistance(k, lower), editDistance(k, tail) + 1) };
  });
  const limit = Math.max(2, Math.ceil(key.length / 3));
  return scored
    .filter((x) => x.d <= limit)
    .sort((x, y) => x.d - y.d || x.a.localeCompare(y.a))
    .slice(0, n)
    .map((x) => x.a);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
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
