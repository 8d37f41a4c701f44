/**
 * The task editor's form, generated from the task spec's zod schema (as JSON Schema, `z.toJSONSchema`
 * with input types, so defaulted fields are optional), and the edits the editor makes to a draft
 * spec: set a field by path, a skeleton for a new list item or optional field, where a JSON text
 * fails to parse, and writing a dragged handle's position back into the spec.
 *
 * A draft is plain JSON (`unknown`): it may be invalid while the user edits it; the service says how.
 */
import { z } from 'zod';
import { taskSpecSchema } from '../../../main/api/contract/task_schemas.ts';

/** The part of JSON Schema (draft 2020-12) that zod emits for the task spec. */
export interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  /** Fixed-length tuples ([x, y], [low, high]). */
  prefixItems?: SchemaNode[];
  items?: SchemaNode | false;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  enum?: Array<string | number>;
  const?: unknown;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  minItems?: number;
  default?: unknown;
  /** What the field means (the schema's `.meta({ description })`). */
  description?: string;
  /** Its unit: m, kg, rad, … or × for scale factors (the schema's `.meta({ unit })`). */
  unit?: string;
}

/** A path into the spec: property names and array indices. */
export type FieldPath = ReadonlyArray<string | number>;

let cached: SchemaNode | null = null;

/** The task spec's JSON Schema (input side: fields with defaults are optional). Computed once. */
export function taskFormSchema(): SchemaNode {
  cached ??= z.toJSONSchema(taskSpecSchema, { io: 'input', unrepresentable: 'any' }) as SchemaNode;
  return cached;
}

/** How a schema node is edited. */
export type WidgetKind =
  'const' | 'enum' | 'boolean' | 'number' | 'string' | 'tuple' | 'list' | 'union' | 'object' | 'json';

/** The widget for a node; 'json' for anything the form does not know (edited in the JSON view). */
export function widgetOf(node: SchemaNode): WidgetKind {
  if (node.const !== undefined) return 'const';
  if (node.enum) return 'enum';
  if (node.oneOf || node.anyOf) return 'union';
  switch (node.type) {
    case 'boolean':
      return 'boolean';
    case 'number':
    case 'integer':
      return 'number';
    case 'string':
      return 'string';
    case 'array':
      return node.prefixItems ? 'tuple' : node.items ? 'list' : 'json';
    case 'object':
      return node.properties ? 'object' : 'json';
    default:
      return 'json';
  }
}

/** `['objects', 0, 'mass']` → `objects[0].mass`: the same form as the service's issue paths. */
export function pathKey(path: FieldPath): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${key}` : key;
  return out;
}

/** The value at `path`, or undefined where the draft has none. */
export function getAt(root: unknown, path: FieldPath): unknown {
  let cur = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

/**
 * A copy of `root` with `value` at `path` (undefined removes an object field, or an array item);
 * missing containers on the way are created.
 */
export function setAt(root: unknown, path: FieldPath, value: unknown): unknown {
  if (path.length === 0) return value;
  const [key, ...rest] = path;
  const container: Record<string | number, unknown> | unknown[] = Array.isArray(root)
    ? [...root]
    : root && typeof root === 'object'
      ? { ...root }
      : typeof key === 'number'
        ? []
        : {};
  const next = setAt((container as Record<string | number, unknown>)[key], rest, value);
  if (next === undefined && rest.length === 0) {
    if (Array.isArray(container)) container.splice(key as number, 1);
    else delete (container as Record<string | number, unknown>)[key];
  } else (container as Record<string | number, unknown>)[key] = next;
  return container;
}

/** The branch of a union for a value: the one whose `kind` const matches, else the first. */
export function branchFor(node: SchemaNode, value: unknown): SchemaNode {
  const branches = node.oneOf ?? node.anyOf ?? [];
  const kind = (value as { kind?: unknown } | null)?.kind;
  return branches.find((b) => b.properties?.kind?.const === kind) ?? branches[0] ?? {};
}

/** The `kind` names of a union's branches (block, puck, …). */
export function branchKinds(node: SchemaNode): string[] {
  return (node.oneOf ?? node.anyOf ?? []).map((b) => String(b.properties?.kind?.const ?? '?'));
}

function clamp(v: number, node: SchemaNode): number {
  return Math.min(Math.max(v, node.minimum ?? -Infinity), node.maximum ?? Infinity);
}

/**
 * A valid-looking value for a node: its default, else the smallest thing that fits (required fields
 * only, numbers near 0 within their bounds, the first enum value or union branch).
 */
export function skeleton(node: SchemaNode): unknown {
  if (node.default !== undefined) return structuredClone(node.default);
  switch (widgetOf(node)) {
    case 'const':
      return node.const;
    case 'enum':
      return node.enum![0];
    case 'boolean':
      return false;
    case 'number':
      return clamp(node.type === 'integer' ? 1 : 0.05, node);
    case 'string':
      return '';
    case 'tuple':
      return node.prefixItems!.map(skeleton);
    case 'list':
      return [];
    case 'union':
      return skeleton(branchFor(node, null));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of node.required ?? []) out[key] = skeleton(node.properties![key]);
      return out;
    }
    default:
      return null;
  }
}

/** A union value switched to another kind: the new branch's skeleton, keeping fields both branches share. */
export function switchKind(node: SchemaNode, value: unknown, kind: string): unknown {
  const branch = (node.oneOf ?? node.anyOf ?? []).find((b) => b.properties?.kind?.const === kind);
  if (!branch) return value;
  const next = skeleton(branch) as Record<string, unknown>;
  const old = (value ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(next)) if (key !== 'kind' && key in old) next[key] = old[key];
  return next;
}

/**
 * What a number field's text means: a finite number, or the text itself so that validation names
 * the field ("must be in [0.01, 10] kg, a number").
 */
export function parseNumberText(text: string): number | string {
  const t = text.trim();
  const v = t === '' ? NaN : Number(t);
  return Number.isFinite(v) ? v : text;
}

/** Where a JSON text fails to parse: the parser's message, line and column (1-based). */
export interface JsonProblem {
  message: string;
  line: number;
  column: number;
}

/**
 * Offset of the first syntax error in `text` (RFC 8259 grammar), or null when it parses. Used where
 * the engine's JSON.parse message names no position (V8 before 12 often does not).
 */
export function jsonErrorOffset(text: string): number | null {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] < ' ') fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (text[i] !== '"') fail();
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m || !m[0] || m[0] === '-') fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    fail();
  };
  try {
    value();
    ws();
    return i < text.length ? i : null;
  } catch (at) {
    return Math.min(at as number, text.length);
  }
}

/** Parses JSON text. @returns the value, or where and why it failed. */
export function parseJsonText(
  text: string,
): { ok: true; value: unknown } | { ok: false; problem: JsonProblem } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const message = (err as Error).message;
    const pos = /position (\d+)/.exec(message);
    const offset = pos ? Number(pos[1]) : (jsonErrorOffset(text) ?? text.length);
    const before = text.slice(0, offset).split('\n');
    return {
      ok: false,
      problem: { message, line: before.length, column: before[before.length - 1].length + 1 },
    };
  }
}

/** Something in the scene the preview lets the user drag. */
export type DragTarget =
  { kind: 'goal' } | { kind: 'obstacle'; index: number } | { kind: 'object'; index: number };

/** A stable key of a drag target (`goal`, `obstacles[1]`, `objects[0]`): the spec path it writes. */
export function targetKey(t: DragTarget): string {
  return t.kind === 'goal' ? 'goal' : t.kind === 'obstacle' ? `obstacles[${t.index}]` : `objects[${t.index}]`;
}

/** Positions are written back in mm steps: finer than any task needs, and readable in the JSON. */
const mm = (v: number) => Math.round(v * 1000) / 1000;

function shifted(range: unknown, centre: number): unknown {
  if (!Array.isArray(range) || range.length !== 2 || !range.every((v) => typeof v === 'number')) return range;
  const half = (range[1] - range[0]) / 2;
  return [mm(centre - half), mm(centre + half)];
}

/**
 * The draft with a dragged target's centre moved to (x, y) m: the goal region and an object's start
 * region keep their size and move their centre; an obstacle's `pos` becomes (x, y).
 */
export function moveTarget(draft: unknown, target: DragTarget, x: number, y: number): unknown {
  if (target.kind === 'obstacle') return setAt(draft, ['obstacles', target.index, 'pos'], [mm(x), mm(y)]);
  const base: FieldPath = target.kind === 'goal' ? ['goal'] : ['objects', target.index, 'start'];
  let out = setAt(draft, [...base, 'x'], shifted(getAt(draft, [...base, 'x']), x));
  out = setAt(out, [...base, 'y'], shifted(getAt(out, [...base, 'y']), y));
  return out;
}
