/**
 * Experiment presets (assets/presets/*.json) and the resolution of a full run config from
 * defaults ← preset ← command-line flags ← `--set` overrides, keeping the source of every value.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  ALGOS,
  ENVS,
  ConfigError,
  applyOverride,
  applySetOverride,
  configIssues,
  deepMerge,
  formatIssues,
  parseRunConfig,
  runConfigSchema,
  type AlgoName,
  type ConfigIssue,
  type RunConfig,
} from './config.ts';
import { algoInfo, algosWhere, catalogDefaultSources } from './algos/lookup.ts';
import { assetsDir } from './paths.ts';

const presetSchema = z
  .object({
    name: z.string().min(1),
    description: z.string(),
    env: z.enum(ENVS),
    /** Settings shared by every algorithm of the preset (the same f(s) for all). */
    common: z.record(z.string(), z.any()).default({}),
    /** Per-algorithm settings; an algorithm missing here is not offered by the preset. */
    algos: z.partialRecord(z.enum(ALGOS), z.record(z.string(), z.any())),
    /** Where each value comes from, by dotted key; `diayn:sac.alphaMode` scopes a source to one algorithm. */
    sources: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type Preset = z.infer<typeof presetSchema>;

/**
 * Sources of the built-in defaults, by dotted key: those each algorithm's config sections declare
 * (algos/<algo>_options.ts), in the run config's section order.
 */
export const DEFAULT_SOURCES: Record<string, string> = catalogDefaultSources();

/** Names of the presets in assets/presets. */
export function listPresets(): string[] {
  const dir = join(assetsDir(), 'presets');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/**
 * Loads and validates a preset by name.
 * @throws ConfigError for an unknown name (lists the presets) or an invalid file (names the file and field).
 */
export function loadPreset(name: string): Preset {
  const names = listPresets();
  if (!names.includes(name)) {
    throw new ConfigError(`Unknown preset "${name}". Allowed presets: ${names.join(', ')}`, [
      { path: 'preset', message: `unknown preset "${name}"`, allowed: names },
    ]);
  }
  const file = join(assetsDir(), 'presets', `${name}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`Cannot read preset ${file}: ${(err as Error).message}`);
  }
  const result = presetSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(`Invalid preset ${file}:\n${formatIssues(result.error)}`);
  return result.data;
}

/** What the user asked for on the command line (or in the app's start form). */
export interface RunRequest {
  algo: AlgoName;
  env?: string;
  preset?: string | null;
  seed?: number;
  totalEnvSteps?: number;
  /**
   * The algorithm's skills option (its catalog entry's `skillsOption`: DIAYN's number of skills, DADS's
   * skill dimension); refused for algorithms without skills.
   */
  skills?: number;
  /** goal-sac: the goal task (built-in name, workspace task or task file). */
  task?: string;
  /**
   * The run whose frozen skills the algorithm composes (its catalog entry's `skillsFromOption`, e.g.
   * the skill controller's `skillController.skillsFrom`); refused for algorithms that learn from scratch.
   */
  skillsFrom?: string;
  /**
   * The runs whose frozen policies the algorithm learns from (its catalog entry's `teachersOption`,
   * distillation's `distill.teachers`); refused for algorithms without teachers.
   */
  teachers?: string[];
  /** `key=value` assignments with dotted keys into the config. */
  set?: string[];
  /** Typed values by dotted key (`{ 'sac.lr': 0.001 }`), applied last: the app's start form. */
  overrides?: Record<string, unknown>;
}

/** A resolved config and the source of each of its values (dotted key → source). */
export interface ResolvedConfig {
  config: RunConfig;
  sources: Record<string, string>;
}

/**
 * Resolves a full, validated run config for a request.
 * @throws ConfigError on an unknown preset, a preset that does not offer the algorithm, an env that
 *   contradicts the preset, `skills` for an algorithm without skills, `skillsFrom` for an algorithm
 *   that composes no other run's skills, an unknown `--set` or override
 *   key, or any invalid value (naming the field; `issues` lists them per field).
 */
export function resolveRunConfig(req: RunRequest): ResolvedConfig {
  if (!(ALGOS as readonly string[]).includes(req.algo)) {
    throw new ConfigError(`Unknown algorithm "${req.algo}". Allowed: ${ALGOS.join(', ')}`, [
      { path: 'algo', message: `unknown algorithm "${req.algo}"`, allowed: [...ALGOS] },
    ]);
  }
  let raw: Record<string, any> = { algo: req.algo };
  const sources: Record<string, string> = {};
  for (const [key, src] of Object.entries(DEFAULT_SOURCES)) sources[key] = `default: ${src}`;

  if (req.preset) {
    const preset = loadPreset(req.preset);
    const algoPart = preset.algos[req.algo];
    if (!algoPart) {
      const offered = Object.keys(preset.algos);
      throw new ConfigError(
        `Preset "${preset.name}" does not configure ${req.algo}; it offers: ${offered.join(', ')}`,
        [
          {
            path: 'algo',
            message: `preset "${preset.name}" does not configure ${req.algo}`,
            allowed: offered,
          },
        ],
      );
    }
    if (req.env && req.env !== preset.env) {
      throw new ConfigError(
        `--env ${req.env} contradicts preset "${preset.name}", which is for env ${preset.env}`,
        [{ path: 'env', message: `preset "${preset.name}" is for env ${preset.env}`, allowed: [preset.env] }],
      );
    }
    raw = deepMerge(raw, { ...preset.common, env: preset.env, preset: preset.name });
    raw = deepMerge(raw, algoPart);
    for (const [key, src] of Object.entries(preset.sources)) {
      const [scope, dotted] = key.includes(':') ? key.split(':', 2) : [null, key];
      if (scope === null || scope === req.algo) sources[dotted] = `preset ${preset.name}: ${src}`;
    }
  } else if (req.env) {
    raw.env = req.env;
  }
  if (raw.env === undefined)
    throw new ConfigError('Either --env or --preset is required', [
      { path: 'env', message: 'either env or preset is required' },
    ]);

  const flag = (key: string, value: unknown) => {
    if (value === undefined) return;
    const parts = key.split('.');
    let node = raw;
    for (const p of parts.slice(0, -1)) node = node[p] ??= {};
    node[parts[parts.length - 1]] = value;
    sources[key] = 'command line';
  };
  flag('seed', req.seed);
  flag('totalEnvSteps', req.totalEnvSteps);
  flag('task', req.task);
  if (req.skills !== undefined) {
    const option = algoInfo(req.algo).skillsOption;
    if (!option) {
      const withSkills = algosWhere((a) => a.skillsOption !== null);
      throw new ConfigError(
        `--skills: ${req.algo} has no skills; it applies to ${withSkills
          .map((a) => `${a} (${algoInfo(a).skillsOption!.meaning})`)
          .join(', ')}`,
        [{ path: 'skills', message: `${req.algo} has no skills` }],
      );
    }
    flag(option.key, req.skills);
  }
  if (req.skillsFrom !== undefined) {
    const option = algoInfo(req.algo).skillsFromOption;
    if (!option) {
      const composers = algosWhere((a) => a.skillsFromOption !== null);
      throw new ConfigError(
        `--skills-from: ${req.algo} learns from scratch; it applies to ${composers
          .map((a) => `${a} (${algoInfo(a).skillsFromOption!.meaning})`)
          .join(', ')}`,
        [{ path: 'skillsFrom', message: `${req.algo} composes no other run's skills` }],
      );
    }
    flag(option.key, req.skillsFrom);
  }
  if (req.teachers !== undefined) {
    const option = algoInfo(req.algo).teachersOption;
    if (!option) {
      const learners = algosWhere((a) => a.teachersOption !== null);
      throw new ConfigError(
        `--teachers: ${req.algo} learns from no teachers; it applies to ${learners
          .map((a) => `${a} (${algoInfo(a).teachersOption!.meaning})`)
          .join(', ')}`,
        [{ path: 'teachers', message: `${req.algo} learns from no teachers` }],
      );
    }
    flag(option.key, req.teachers);
  }
  for (const assignment of req.set ?? []) {
    applySetOverride(raw, assignment);
    sources[assignment.slice(0, assignment.indexOf('=')).trim()] = 'command line (--set)';
  }
  const unknownKeys: ConfigIssue[] = [];
  for (const [key, value] of Object.entries(req.overrides ?? {})) {
    if (key === 'algo' || key === 'env' || key === 'preset') {
      // They pick the preset's sections and env; changing them afterwards would mix two setups.
      unknownKeys.push({
        path: key,
        message: `"${key}" is chosen by the request (algo, preset), not by an override`,
      });
      continue;
    }
    try {
      applyOverride(raw, key, value);
      sources[key] = 'user override';
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      unknownKeys.push(...err.issues);
    }
  }
  if (unknownKeys.length > 0) {
    // Report unknown keys and invalid values together, so a form marks every field at once.
    const result = runConfigSchema.safeParse(raw);
    const issues = [...unknownKeys, ...(result.success ? [] : configIssues(result.error))];
    throw new ConfigError(
      `Invalid overrides:\n${issues.map((i) => `${i.path}: ${i.message}`).join('\n')}`,
      issues,
    );
  }
  return { config: parseRunConfig(raw), sources };
}
