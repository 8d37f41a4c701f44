/**
 * The start-run form's model: which hyperparameters it offers per algorithm, their defaults and
 * sources from the chosen preset, turning typed text into startRun params, and placing the service's
 * per-field issues next to the fields. Validation itself stays with the service (one source of truth);
 * the form only keeps text that is not even a number from being sent as one.
 */
import type { ApiIssue, ParamsOf, PresetInfo } from '../../../main/api/contract/contract.ts';
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
  return [field('seed'), field('totalEnvSteps'), ...algoInfo(algo).formFields.map(field)];
}

/**
 * Parses typed text the way a JSON value would be read (numbers, true/false/null, arrays), falling
 * back to the raw string so the service can say what it expected.
 */
export function parseValue(text: string): unknown {
  const t = text.trim();
  if (t === '') return '';
  try {
    return JSON.parse(t);
  } catch {
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
    } else if (changed) overrides[f.key] = parseValue(f.text);
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
    const allowed =
      issue.allowed && issue.allowed.length <= 8 ? ` (allowed: ${issue.allowed.join(', ')})` : '';
    const text = `${key === '' && issue.path ? `${issue.path}: ` : ''}${issue.message}${allowed}`;
    out[key] = out[key] ? `${out[key]}; ${text}` : text;
  }
  return out;
}
