/**
 * The start-run form's model: which hyperparameters it offers per algorithm, their defaults and
 * sources from the chosen preset, turning typed text into startRun params, and placing the service's
 * per-field issues next to the fields. The rules are the run config's own zod schema (the one the
 * service validates with), so the form checks every field at once before it sends anything and says
 * what each field allows in words ("a whole number ≥ 1", "a number > 0 and ≤ 1"); the service's
 * answer (tasks, runs it alone knows) is shown the same way.
 */
import { z } from 'zod';
import {
  runConfigSchema,
  type ApiIssue,
  type ParamsOf,
  type PresetInfo,
  type RunSummary,
} from '../../../main/api/contract/contract.ts';
import { algoInfo } from '../../../main/api/contract/presentation.ts';

type Algo = ParamsOf<'startRun'>['algo'];

/** One field of the form. */
export interface FormField {
  /** `seed`, `totalEnvSteps` or a dotted config key. */
  key: string;
  /** The text in the input. */
  text: string;
  /** The preset's value, as text (what "unchanged" means). */
  defaultText: string;
  /** Where the default comes from (paper, reference code, preset …), when known. */
  source: string | null;
}

/** What a config key accepts, read from the run config's JSON schema. */
export interface FieldRule {
  type: 'number' | 'integer' | 'string' | 'boolean' | 'array' | 'other';
  /** Lower and upper bounds; `exclusive*` when the bound itself is not allowed. */
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
  /** The closed set of values (an enum). */
  options?: string[];
  /** Whether null (empty, "none") is allowed. */
  nullable: boolean;
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
};

let configJsonSchema: JsonSchema | null = null;
function configSchema(): JsonSchema {
  configJsonSchema ??= z.toJSONSchema(runConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return configJsonSchema;
}

/** zod's stand-in bound for "any integer" — no bound a reader needs to see. */
const NO_BOUND = Number.MAX_SAFE_INTEGER;

/** The rule of a dotted config key (`sac.lr`), or null for a key the config does not have. */
export function fieldRule(key: string): FieldRule | null {
  let node: JsonSchema | undefined = configSchema();
  for (const part of key.split('.')) node = node?.properties?.[part];
  if (!node) return null;
  const branches = node.anyOf ?? [node];
  const types = branches.flatMap((b) => (Array.isArray(b.type) ? b.type : b.type ? [b.type] : []));
  const main = branches.find((b) => b.type !== 'null') ?? node;
  const mainType = types.find((t) => t !== 'null');
  const rule: FieldRule = {
    type:
      mainType === 'number' || mainType === 'integer' || mainType === 'string' || mainType === 'boolean'
        ? mainType
        : mainType === 'array'
          ? 'array'
          : 'other',
    nullable: types.includes('null'),
  };
  if (main.enum) rule.options = main.enum.map(String);
  if (main.exclusiveMinimum !== undefined) [rule.min, rule.exclusiveMin] = [main.exclusiveMinimum, true];
  else if (main.minimum !== undefined) rule.min = main.minimum;
  if (main.exclusiveMaximum !== undefined && main.exclusiveMaximum < NO_BOUND)
    [rule.max, rule.exclusiveMax] = [main.exclusiveMaximum, true];
  else if (main.maximum !== undefined && main.maximum < NO_BOUND) rule.max = main.maximum;
  return rule;
}

/**
 * A rule in words: "a whole number ≥ 1", "a number > 0 and < 1", "a whole number from 1 to 32",
 * "one of auto, fixed".
 */
export function ruleText(rule: FieldRule): string {
  if (rule.options) return `one of ${rule.options.join(', ')}`;
  if (rule.type === 'boolean') return 'true or false';
  if (rule.type !== 'number' && rule.type !== 'integer') return '';
  const what = rule.type === 'integer' ? 'a whole number' : 'a number';
  const { min, max } = rule;
  let range: string;
  if (min !== undefined && max !== undefined && !rule.exclusiveMin && !rule.exclusiveMax)
    range = ` from ${min} to ${max}`;
  else {
    const lo = min === undefined ? '' : `${rule.exclusiveMin ? '>' : '≥'} ${min}`;
    const hi = max === undefined ? '' : `${rule.exclusiveMax ? '<' : '≤'} ${max}`;
    const bounds = [lo, hi].filter(Boolean).join(' and ');
    range = bounds ? ` ${bounds}` : '';
  }
  return `${what}${range}${rule.nullable ? ' (or empty for none)' : ''}`;
}

/**
 * One issue in words for the field `key`: "must be a number > 0 and ≤ 1", "must be one of auto,
 * fixed", or the service's own words where they are not zod's ("no task named …").
 */
export function issueText(key: string, message: string, allowed?: ApiIssue['allowed']): string {
  const rule = key ? fieldRule(key) : null;
  const zodWords = /^(Too small|Too big|Invalid input|Invalid option|Expected|Invalid)/.test(message);
  if (rule && zodWords) {
    const text = ruleText(rule);
    if (text) return `must be ${text}`;
  }
  if (allowed && allowed.length > 0 && allowed.length <= 8)
    return `${message} (allowed: ${allowed.join(', ')})`;
  return message;
}

/**
 * The values a picker offers for `key` of `algo`, or null for a typed field: the relabeling strategies
 * of the algorithm's catalog entry for its strategy key, an enum's values otherwise.
 */
export function fieldOptions(algo: Algo, key: string): string[] | null {
  const relabeling = algoInfo(algo).relabeling;
  if (relabeling && /\.relabelStrategy$/.test(key)) return [...relabeling.strategies];
  return fieldRule(key)?.options ?? null;
}

/**
 * The runs a field that names other runs can pick from: the skill run of a controller
 * (`skillsFromOption`, one) or a distillation's teachers (`teachersOption`, several) — runs of the
 * algorithms the option accepts, on the env of the run being started, with env steps behind them (a
 * checkpoint), newest first. Null for every other field.
 */
export function referenceRuns(
  algo: Algo,
  key: string,
  env: string,
  runs: readonly RunSummary[],
): { multiple: boolean; runs: RunSummary[] } | null {
  const info = algoInfo(algo);
  const option =
    info.skillsFromOption?.key === key
      ? { multiple: false, algos: info.skillsFromOption.algos }
      : info.teachersOption?.key === key
        ? { multiple: true, algos: info.teachersOption.algos }
        : info.fineTuneOption?.key === key
          ? { multiple: false, algos: info.fineTuneOption.algos }
          : null;
  if (!option) return null;
  const usable = runs
    .filter((r) => option.algos.includes(r.algo) && r.env === env && r.envSteps > 0)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return { multiple: option.multiple, runs: usable };
}

/** The run ids in a list field's text (`a, b`, or a JSON list), in order. */
export function listedIds(text: string): string[] {
  const value = parseValue(text);
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' && value !== ''
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : [];
}

/** The value at a dotted path of a nested object, or undefined. */
export function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const asText = (v: unknown): string => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * The form's fields for `algo` of `preset`: seed, steps, then the hyperparameters a researcher changes
 * most often (the algorithm's catalog `formFields`).
 */
export function formFields(preset: PresetInfo, algo: Algo): FormField[] {
  const config = preset.configs[algo] as Record<string, unknown> | undefined;
  const sources = preset.sources[algo] ?? {};
  const field = (key: string): FormField => {
    const def = asText(getPath(config, key));
    return { key, text: def, defaultText: def, source: sources[key] ?? null };
  };
  const info = algoInfo(algo);
  const unread = info.formFieldsUnread?.[preset.env] ?? [];
  const keys = info.formFields.filter((k) => !unread.includes(k));
  // A preset that names a task for an algorithm whose fields do not list it (the arm's skill
  // embedding and embedding controller: the transfer task) offers it first.
  const task = getPath(config, 'task');
  const extra = typeof task === 'string' && !keys.includes('task') ? ['task'] : [];
  return [field('seed'), field('totalEnvSteps'), ...[...extra, ...keys].map(field)];
}

/**
 * Parses typed text the way a JSON value would be read (numbers, true/false/null, arrays), falling
 * back to the raw string so the service can say what it expected. For a list field (`key`'s rule is
 * an array) text without brackets is a comma-separated list: `run-a, run-b` → ["run-a", "run-b"].
 */
export function parseValue(text: string, key?: string): unknown {
  const t = text.trim();
  if (t === '') return '';
  try {
    return JSON.parse(t);
  } catch {
    if (key && !t.startsWith('[') && fieldRule(key)?.type === 'array')
      return t
        .split(',')
        .map((item) => parseValue(item))
        .filter((item) => item !== '');
    return t;
  }
}

/**
 * startRun params from the form: seed and totalEnvSteps as such, every other changed field as an
 * override. Unchanged fields are left to the preset so its sources stay on record.
 */
export function buildStartParams(presetName: string, algo: Algo, fields: FormField[]): ParamsOf<'startRun'> {
  const params: Record<string, unknown> = { algo, preset: presetName };
  const overrides: Record<string, unknown> = {};
  for (const f of fields) {
    const changed = f.text.trim() !== f.defaultText.trim();
    if (f.key === 'seed' || f.key === 'totalEnvSteps') {
      if (changed) params[f.key] = parseValue(f.text);
    } else if (changed) overrides[f.key] = parseValue(f.text, f.key);
  }
  if (Object.keys(overrides).length > 0) params.overrides = overrides;
  return params as ParamsOf<'startRun'>;
}

/**
 * The service's issues by form field key; issues that match no field (e.g. `preset`) go under ''.
 * Paths may carry a params prefix (`overrides.sac.lr`) or be the bare config key (`sac.lr`).
 */
export function issuesByField(issues: ApiIssue[], fields: FormField[]): Record<string, string> {
  const out: Record<string, string> = {};
  const keys = fields.map((f) => f.key);
  for (const issue of issues) {
    const path = issue.path.replace(/^overrides\./, '');
    const key = keys.find((k) => path === k) ?? '';
    const words = issueText(key || path, issue.message, issue.allowed);
    const text = `${key === '' && issue.path ? `${issue.path}: ` : ''}${words}`;
    if (!out[key]?.split('; ').includes(text)) out[key] = out[key] ? `${out[key]}; ${text}` : text;
  }
  return out;
}

const setPath = (obj: Record<string, unknown>, path: string, value: unknown) => {
  const parts = path.split('.');
  let node = obj;
  for (const p of parts.slice(0, -1)) {
    const next = node[p];
    node = node[p] = next && typeof next === 'object' && !Array.isArray(next) ? { ...next } : {};
  }
  node[parts[parts.length - 1]] = value;
};

/**
 * Checks every field of the form at once against the run config's schema (the preset's config with
 * the form's values in place), before anything is sent: the issues of the form's own fields, in
 * words, by field key. Problems of keys the form does not show are left to the service.
 */
export function checkFields(preset: PresetInfo, algo: Algo, fields: FormField[]): Record<string, string> {
  const config = JSON.parse(JSON.stringify(preset.configs[algo] ?? {})) as Record<string, unknown>;
  config.algo = algo;
  config.env ??= preset.env;
  for (const f of fields)
    if (f.text.trim() !== f.defaultText.trim()) setPath(config, f.key, parseValue(f.text, f.key));
  const result = runConfigSchema.safeParse(config);
  if (result.success) return {};
  const keys = new Set(fields.map((f) => f.key));
  const issues: ApiIssue[] = result.error.issues
    .map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
    .filter((i) => keys.has(i.path));
  return issuesByField(issues, fields);
}
