/**
 * Property-based fuzzing of the browser-mode server (issue #10 §4): seeded malformed requests over
 * every contract method, over HTTP and over the WebSocket, against a real server on 127.0.0.1 with a
 * throw-away workspace holding a goal-sac run with stored episodes and a workspace task.
 *
 * How a request is made (fast-check, fixed seed): a valid params object per method (bases below)
 * gets one mutation — a field set to a junk value (wrong types, huge/tiny/negative numbers, NaN-ish
 * and path-traversal strings, long and unicode strings, nesting up to 100,000 levels), a required
 * field removed, an unknown field added, a value deep inside replaced, the params replaced whole,
 * or a mutation aimed where issue #10 found defects (`targeted`: task names that are paths, ranges
 * of extreme numbers, specs nested deep in a known field). Besides those, transport-level junk:
 * text that is no JSON, a body nested 100,000 levels, the wrong content type, unknown methods.
 *
 * What is checked, per answer:
 * - never a 5xx (HTTP status, or on the WebSocket the status of the error code: internal = 500), and
 *   every answer within 2 s (a client-side limit of 5 s catches hangs);
 * - params the contract refuses (`parseParams` says no), and requests built to fail (startRun with
 *   an invalid config value; resumeRun, evaluateRun and deleteRun of a run that does not exist;
 *   planSkills of the fixture run, which is no DADS run, or of none):
 *   a 4xx whose error names a field — at least one issue, each with a non-empty path (a params field,
 *   dotted below it, or a config key); the empty path only for params that are not an object or a
 *   field whose own name is "" (`unknown field ""`);
 * - params the contract accepts (e.g. a filter that parses but binds badly, a spec that is JSON but
 *   no task, extreme but finite numbers): a 2xx or a 4xx — they may be legitimately valid;
 * - transport-level junk: a 4xx with a message;
 * - afterwards: no file written or changed outside the workspace (the temp parent folder holding the
 *   workspace and two files outside it is snapshotted), and the server still answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { WebSocket } from 'ws';
import { startServer, type RunningServer } from './server.ts';
import {
  METHOD_NAMES,
  METHODS,
  parseParams,
  responseEnvelopeSchema,
  type ApiIssue,
  type MethodName,
  type ResponseEnvelope,
} from '../api/contract/contract.ts';
import { Rng } from '../engine/rng.ts';
import { EpisodeStore } from '../engine/replay/episode_store.ts';
import { FETCH_SHAPE, syntheticEpisode } from '../engine/replay/synthetic_episodes.ts';
import { RunStore } from '../engine/runs/store.ts';
import { createRun } from '../engine/runs/test_helpers.ts';
import {
  builtinTask,
  compileTask,
  isTaskName,
  saveTaskFile,
  serializeTaskSpec,
} from '../engine/tasks/index.ts';

const SEED = 20_261_207;
/** Generated requests per transport (each also counted per method below). */
const PER_TRANSPORT = 600;
const MAX_ANSWER_MS = 2_000;

let server: RunningServer;
let parent: string;
let workspace: string;
let runId: string;
/** What the files outside the workspace hold: no answer may ever contain it. */
const OUTSIDE_SECRET = 'OUTSIDE-SECRET-1b0e';
/** A run id that is valid but names no run. */
const NO_RUN = 'fz-no-such-run';

const STATUS: Record<string, number> = {
  invalid: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  internal: 500,
};

/** Every file and folder under `dir` (but `skip`) with its size and mtime. */
function snapshot(dir: string, skip: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (path === skip) continue;
      const st = statSync(path);
      out.set(path, st.isDirectory() ? 'dir' : `${st.size}@${st.mtimeMs}`);
      if (st.isDirectory()) walk(path);
    }
  };
  walk(dir);
  return out;
}
let before: Map<string, string>;

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'skill-lab-fuzz-'));
  workspace = join(parent, 'workspace');
  writeFileSync(
    join(parent, 'outside-spec.json'),
    serializeTaskSpec({ ...builtinTask('reach'), name: 'outside', description: OUTSIDE_SECRET }),
  );
  writeFileSync(join(parent, 'outside-junk.json'), JSON.stringify({ password: OUTSIDE_SECRET }));
  // A goal-sac run of the built-in reach task with stored episodes, as the replay browser reads them.
  const store = new RunStore(workspace);
  const run = createRun(store, { algo: 'goal-sac', env: 'arm', task: 'reach', totalEnvSteps: 100 });
  runId = run.id;
  writeFileSync(join(run.path, 'task.json'), serializeTaskSpec(builtinTask('reach')));
  const shape = { ...FETCH_SHAPE, task: 'reach', infoKeys: [...compileTask(builtinTask('reach')).infoKeys] };
  const episodes = await EpisodeStore.open(run.path, shape, { nextEpisodeId: 0 });
  const rng = new Rng(3);
  for (let id = 0; id < 8; id++) episodes.add(syntheticEpisode(id, rng, shape, 4 + (id % 3)));
  await episodes.flush();
  episodes.close();
  await saveTaskFile(join(workspace, 'tasks', 'fz-task.json'), {
    ...builtinTask('l-wall-push'),
    name: 'fz-task',
  });
  server = await startServer({ port: 0, workspace, staticDir: null });
  before = snapshot(parent, workspace);
});

afterAll(async () => {
  await server?.close({ killAfterMs: 5_000 });
  if (parent) rmSync(parent, { recursive: true, force: true });
});

// ── requests ─────────────────────────────────────────────────────────────────────────────────────

/** A valid params object per method (what the mutations start from). */
function bases(): Record<MethodName, Record<string, unknown>> {
  const spec = { ...builtinTask('l-wall-push'), name: 'fz-new' };
  return {
    listEnvs: {},
    listPresets: {},
    listRuns: {},
    listTasks: {},
    getEnvModel: { env: 'point-mass' },
    startRun: {
      algo: 'goal-sac',
      preset: 'arm-reach',
      seed: 1,
      totalEnvSteps: 1000,
      overrides: { task: 'reach', 'sac.lr': 0.001 },
    },
    stopRun: { runId },
    resumeRun: { runId: NO_RUN },
    deleteRun: { runId: NO_RUN },
    evaluateRun: { runId: NO_RUN, rollouts: 2 },
    getRun: { runId },
    getMetrics: { runId, sinceIteration: 0 },
    getEvaluation: { runId, skills: [0, 1] },
    setRelabeling: { runId, strategy: 'future', k: 4 },
    getRunTask: { runId },
    getSkillEmbedding: { runId },
    // The fixture run is no DADS run: a planning is refused before any process starts.
    planSkills: {
      runId,
      planId: 'fz-plan',
      goals: [[0.5, -0.3]],
      episodes: 1,
      seed: 0,
      preset: 'dense',
      overrides: { hold: 5 },
    },
    stopPlan: { planId: 'fz-plan' },
    getTask: { name: 'fz-task' },
    deleteTask: { name: 'fz-no-such-task' },
    validateTask: { spec },
    saveTask: { spec },
    sampleResets: { spec, count: 2, seed: 0 },
    listEpisodes: {
      runId,
      page: 0,
      pageSize: 5,
      sort: { column: 'return', dir: 'desc' },
      filter: 'length > 3',
    },
    getEpisode: { runId, episodeId: 1, relabelGoal: { strategy: 'future', step: 2 } },
    episodeStats: { runId, bins: 5, goalBins: 4, goalRange: { x: [0, 2], y: [-1, 1] } },
    exportEpisodes: { runId, episodeIds: [0, 1], format: 'csv' },
    listSweeps: {},
    // No such preset: the sweep is refused after its spec parsed, before anything is created or run.
    startSweep: {
      spec: {
        name: 'fz',
        algo: 'diayn',
        preset: 'fz-no-such-preset',
        steps: 1000,
        grid: { 'sac.lr': [0.001, 0.003] },
        seeds: 2,
        executor: { kind: 'local', parallel: 1 },
      },
    },
    cancelSweep: { sweepId: 'fz-no-such-sweep' },
    // No such run: refused by the figure command before anything is drawn.
    previewFigure: { spec: { runs: ['fz-no-such-run'], metrics: ['success_rate'], width: 'column' } },
    exportFigure: { spec: { runs: ['fz-no-such-run'], width: 'page' }, name: 'fz' },
    listFigures: {},
    resumeSweep: { sweepId: 'fz-no-such-sweep' },
  };
}

/** A value nested `depth` levels (objects or arrays), built without recursion. */
function nested(depth: number, array: boolean): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = array ? [v] : { a: v };
  return v;
}

/**
 * A value nested `depth` levels, kept as this marker until it is sent: JSON.stringify recurses, and
 * 100,000 levels overflow the test's own stack.
 */
class Deep {
  constructor(
    readonly depth: number,
    readonly array: boolean,
  ) {}
}

/** `v` with its {@link Deep} markers built out (what the server parses). */
function materialize(v: unknown): unknown {
  if (v instanceof Deep) return nested(v.depth, v.array);
  if (Array.isArray(v)) return v.map(materialize);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v))
    Object.defineProperty(out, k, { value: materialize(x), enumerable: true, writable: true });
  return out;
}

/** JSON text of `v`, {@link Deep} markers written out as text. */
function serialize(v: unknown): string {
  const text = JSON.stringify(v, (_k, x: unknown) =>
    x instanceof Deep ? `\u0001DEEP${x.depth}${x.array ? 'A' : 'O'}` : x,
  );
  return text.replace(/"\\u0001DEEP(\d+)([AO])"/g, (_m, d: string, a: string) =>
    a === 'A'
      ? `${'['.repeat(Number(d))}0${']'.repeat(Number(d))}`
      : `${'{"a":'.repeat(Number(d))}0${'}'.repeat(Number(d))}`,
  );
}

/** Texts meant to reach files outside the workspace (absolute, or relative to it or to tasks/). */
const traversal = () => [
  join(parent, 'outside-spec.json'),
  join(parent, 'outside-junk.json'),
  join(parent, 'not-there.json'),
  '../../outside-spec',
  '../../outside-junk',
  '../outside-spec',
  '../../outside-spec.json',
  '../outside-junk.json',
  '/etc/passwd',
  '..',
  '.',
  'a/../../b',
  '..\\..\\windows',
  '%2e%2e%2f',
  'a\0b',
  'fz-task/../../outside-spec',
];
const NAN_ISH = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-0',
  '0x10',
  ' 1',
  '',
  'null',
  'undefined',
  '__proto__',
];

const EXTREME = [1e308, -1e308, 1.7976931348623157e308, 5e-324, -5e-324, 0, -0, 2 ** 53, 2 ** 63];
const extreme = fc.constantFrom(...EXTREME);

/** Junk values: everything a careless or hostile client might put where a field belongs. */
let junkArb: fc.Arbitrary<unknown> | null = null;
const junk = (): fc.Arbitrary<unknown> =>
  (junkArb ??= fc.oneof(
    fc.constantFrom(...traversal()),
    fc.constantFrom(...NAN_ISH),
    fc.constantFrom(1e308, -1e308, 5e-324, -5e-324, 2 ** 53, -(2 ** 53), 2 ** 63, 1e21, -1, 0.5, 0, 1e-7),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.integer({ min: 2_000, max: 200_000 }).map((n) => 'x'.repeat(n)),
    fc.constantFrom(33, 2_000, 100_000).chain((d) => fc.boolean().map((a) => new Deep(d, a))),
    fc.tuple(extreme, extreme),
    fc.array(extreme, { minLength: 1, maxLength: 4 }),
    fc.array(
      fc.oneof(
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.string({ maxLength: 5 }),
      ),
      {
        maxLength: 6,
      },
    ),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.integer(), fc.string({ maxLength: 8 })), {
      maxKeys: 3,
    }),
  ));

/** Every path into a value (objects and arrays), up to `depth` levels. */
function pathsOf(v: unknown, depth = 4, prefix: (string | number)[] = []): (string | number)[][] {
  if (depth === 0 || v === null || typeof v !== 'object') return [];
  const out: (string | number)[][] = [];
  for (const [k, child] of Object.entries(v)) {
    const p = [...prefix, Array.isArray(v) ? Number(k) : k];
    out.push(p, ...pathsOf(child, depth - 1, p));
  }
  return out;
}

function setAt(root: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
}

type Mutation =
  | { kind: 'set'; field: string; value: unknown }
  | { kind: 'drop'; field: string }
  | { kind: 'extra'; field: string; value: unknown }
  | { kind: 'deep'; pathIndex: number; value: unknown }
  | { kind: 'target'; path: (string | number)[]; value: unknown }
  | { kind: 'whole'; value: unknown };

/** A field set to a value from `values`. */
const at = (path: (string | number)[], values: fc.Arbitrary<unknown>) =>
  values.map((value) => ({ kind: 'target' as const, path, value }));

/**
 * Mutations aimed where the issue found defects (and their neighbours), so that a few hundred
 * requests reach them: task names that are paths, bin ranges of extreme numbers, specs nested deep
 * in a known field, goals and pages of extreme size.
 */
const targeted = (m: MethodName): fc.Arbitrary<Mutation> | null => {
  const deep = fc.constantFrom(2_000, 100_000).chain((d) => fc.boolean().map((a) => new Deep(d, a)));
  const specField = fc.constantFrom('name', 'robot', 'goal', 'objects', 'reward', 'table', 'description');
  const spec = () => specField.chain((f) => at(['spec', f], deep));
  const range = fc.tuple(extreme, extreme);
  switch (m) {
    case 'startRun':
      return fc.oneof(
        at(['overrides', 'task'], fc.constantFrom(...traversal())),
        at(['overrides', 'sac.lr'], extreme),
      );
    case 'episodeStats':
      return fc.oneof(at(['goalRange', 'x'], range), at(['goalRange', 'y'], range), at(['bins'], extreme));
    case 'validateTask':
    case 'saveTask':
    case 'sampleResets':
      return spec();
    case 'getTask':
    case 'deleteTask':
      return at(['name'], fc.constantFrom(...traversal()));
    case 'getEpisode':
      return fc.oneof(
        at(['relabelGoal'], fc.array(extreme, { minLength: 3, maxLength: 3 })),
        at(['episodeId'], extreme),
      );
    case 'listEpisodes':
      return fc.oneof(at(['page'], extreme), at(['filter'], fc.string({ maxLength: 60 })));
    case 'exportEpisodes':
      return at(['episodeIds'], fc.array(extreme, { maxLength: 4 }));
    case 'planSkills':
      return fc.oneof(at(['goals', 0], range), at(['overrides', 'candidates'], extreme));
    default:
      return null;
  }
};

const fieldsOf = (m: MethodName) => Object.keys((METHODS[m].params as unknown as { shape: object }).shape);

const mutation = (m: MethodName): fc.Arbitrary<Mutation> => {
  const fields = fieldsOf(m);
  const field = fields.length ? fc.constantFrom(...fields) : fc.constant('x');
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), field, value: junk() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), field }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('extra' as const),
        field: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'id')),
        value: junk(),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('deep' as const), pathIndex: fc.nat(), value: junk() }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('whole' as const),
        value: fc.oneof(junk(), fc.constant(undefined), fc.array(junk(), { maxLength: 3 })),
      }),
    },
    ...(targeted(m) ? [{ weight: 4, arbitrary: targeted(m)! }] : []),
  );
};

/** What an answer must be: `field` (4xx naming a field), `any` (2xx or 4xx), `message` (4xx with a message). */
type Expect = 'field' | 'any' | 'message';

interface ParamsCase {
  kind: 'params';
  method: MethodName;
  params: unknown;
  expect: Expect;
}
interface RawCase {
  kind: 'raw';
  /** The HTTP path's method name (HTTP) or the WebSocket text frame. */
  method: string;
  body: string;
  contentType?: string;
  expect: Expect;
}
type Case = ParamsCase | RawCase;

function applyMutation(m: MethodName, mu: Mutation): unknown {
  const params: Record<string, unknown> = structuredClone(bases()[m]);
  switch (mu.kind) {
    case 'set':
      params[mu.field] = mu.value;
      return params;
    case 'drop':
      delete params[mu.field];
      return params;
    case 'extra':
      Object.defineProperty(params, mu.field, { value: mu.value, enumerable: true, writable: true });
      return params;
    case 'deep': {
      const paths = pathsOf(params);
      if (paths.length === 0) return { ...params, x: mu.value };
      setAt(params, paths[mu.pathIndex % paths.length], mu.value);
      return params;
    }
    case 'target':
      setAt(params, mu.path, mu.value);
      return params;
    case 'whole':
      return mu.value;
  }
}

/** Classifies a mutated request (see the file comment) and keeps it from starting processes. */
function paramsCase(m: MethodName, mu: Mutation): ParamsCase {
  let params = applyMutation(m, mu);
  let valid: boolean;
  try {
    valid = parseParams(m, materialize(params)).ok;
  } catch {
    valid = false;
  }
  if (!valid) return { kind: 'params', method: m, params, expect: 'field' };
  const p = params as Record<string, unknown>;
  if (m === 'startRun') {
    // Valid params start a training process: an invalid config value keeps it a refusal — except
    // with a task that is no task name, which must be refused for that alone (without reading it).
    const task = (p.overrides as Record<string, unknown> | undefined)?.task;
    if (typeof task !== 'string' || isTaskName(task))
      params = { ...p, overrides: { ...(p.overrides as object | undefined), 'sac.gamma': 2 } };
    return { kind: 'params', method: m, params, expect: 'field' };
  }
  if (m === 'planSkills')
    // Valid params name the fixture run (not DADS: 'conflict' at runId) or no run ('not_found').
    return { kind: 'params', method: m, params, expect: 'field' };
  if (m === 'resumeRun' || m === 'evaluateRun' || m === 'deleteRun') {
    // Never the fixture run: it would train, be evaluated or be deleted.
    if (p.runId === runId) params = { ...p, runId: NO_RUN };
    return { kind: 'params', method: m, params, expect: 'field' };
  }
  return { kind: 'params', method: m, params, expect: 'any' };
}

const DEEP_BODY = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
const DEEP_PARAMS = `{"spec":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`;

/** Transport-level junk (bodies / frames that are not the params of a known method). */
const rawCase: fc.Arbitrary<RawCase> = fc.oneof(
  fc.record({
    kind: fc.constant('raw' as const),
    method: fc.constantFrom(...METHOD_NAMES),
    body: fc.oneof(
      fc.constantFrom('{ nope', '[1,', '"unterminated', '{"a":1}}', 'NaN', '\u0000', DEEP_BODY, DEEP_PARAMS),
      fc.string({ maxLength: 30 }).filter((s) => {
        try {
          JSON.parse(s);
          return false;
        } catch {
          return s.trim() !== '';
        }
      }),
    ),
    expect: fc.constant('message' as const),
  }),
  fc.record({
    kind: fc.constant('raw' as const),
    method: fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('__proto__', 'constructor', 'toString', '..', 'formatDisk'),
    ),
    body: fc.constant('{}'),
    expect: fc.constant('message' as const),
  }),
  fc.record({
    kind: fc.constant('raw' as const),
    method: fc.constantFrom(...METHOD_NAMES),
    body: fc.constant('{}'),
    contentType: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'),
    expect: fc.constant('message' as const),
  }),
);

const anyCase: fc.Arbitrary<Case> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .constantFrom(...METHOD_NAMES)
      .chain((m) => mutation(m).map((mu) => paramsCase(m, mu) as Case)),
  },
  { weight: 1, arbitrary: rawCase },
);

// ── transports ───────────────────────────────────────────────────────────────────────────────────

interface Answer {
  status: number;
  /** The response envelope, or null for an answer that is none (a path outside /api/). */
  envelope: ResponseEnvelope | null;
  text: string;
  ms: number;
}

/** The envelope in an answer's text, or null. */
function envelopeOf(text: string): ResponseEnvelope | null {
  try {
    const parsed = responseEnvelopeSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as ResponseEnvelope) : null;
  } catch {
    return null;
  }
}

function httpCall(c: Case): Promise<Answer> {
  const { method } = c;
  const body = c.kind === 'params' ? (c.params === undefined ? '' : serialize(c.params)) : c.body;
  const contentType = c.kind === 'raw' && c.contentType ? c.contentType : 'application/json';
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path: `/api/${encodeURIComponent(method)}`,
        method: 'POST',
        agent: false,
        headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': contentType },
        timeout: 5_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () =>
          resolve({ status: res.statusCode!, envelope: envelopeOf(text), text, ms: performance.now() - t0 }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer to ${method} within 5 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** One WebSocket; requests are sent one at a time, each waiting for its answer. */
class WsClient {
  private waiting: ((text: string) => void) | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      if ('event' in JSON.parse(text)) return;
      this.waiting?.(text);
    });
  }

  static open(): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('error', reject);
    });
  }

  call(c: Case, id: number): Promise<Answer> {
    let frame: string;
    if (c.kind === 'params')
      frame =
        c.params === undefined
          ? JSON.stringify({ id, method: c.method })
          : serialize({ id, method: c.method, params: c.params });
    else if (c.contentType)
      frame = JSON.stringify({ id, method: c.method, params: {}, extra: c.contentType });
    else if (c.body === '{}') frame = JSON.stringify({ id, method: c.method, params: {} });
    else frame = c.body;
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no WebSocket answer within 5 s to ${frame.slice(0, 100)}`)),
        5_000,
      );
      this.waiting = (text) => {
        clearTimeout(timer);
        this.waiting = null;
        const envelope = envelopeOf(text);
        if (!envelope) return reject(new Error(`not a response envelope: ${text.slice(0, 200)}`));
        const status = envelope.ok ? 200 : STATUS[envelope.error.code];
        resolve({ status, envelope, text, ms: performance.now() - t0 });
      };
      this.ws.send(frame);
    });
  }
}

// ── checks ───────────────────────────────────────────────────────────────────────────────────────

/** Why an answer breaks the rules of the file comment, or null when it keeps them. */
function violation(c: Case, a: Answer): string | null {
  if (a.status >= 500)
    return `status ${a.status}: ${a.envelope && !a.envelope.ok ? a.envelope.error.message.slice(0, 300) : ''}`;
  if (a.ms > MAX_ANSWER_MS) return `answered after ${a.ms.toFixed(0)} ms`;
  if (a.text.includes(OUTSIDE_SECRET)) return 'the answer holds content of a file outside the workspace';
  if (c.expect === 'message' && !a.envelope)
    // A method name such as ".." leaves /api/ (URLs drop dot segments): the static files answer.
    return a.status >= 400 && a.text.trim() ? null : `status ${a.status} without a message`;
  if (!a.envelope) return 'the answer is no response envelope';
  if (c.expect === 'any') return a.status < 300 || a.status >= 400 ? null : `status ${a.status}`;
  if (a.envelope.ok || a.status < 400) return `accepted (status ${a.status}) where a 4xx was due`;
  const { message, issues } = a.envelope.error;
  if (!message.trim()) return 'empty error message';
  if (c.expect === 'message') return null;
  const p = (c as ParamsCase).params;
  const wholeOk = p === undefined || p === null || typeof p !== 'object' || Array.isArray(p);
  // The empty path names the params as a whole, or a field whose own name is "" (unknown field "").
  const unnamed = (issues ?? []).filter(
    (i: ApiIssue) => i.path === '' && !wholeOk && i.message !== 'unknown field ""',
  );
  if (!issues?.length) return `no issue names a field: ${message.slice(0, 200)}`;
  if (unnamed.length) return `an issue without a field: ${JSON.stringify(unnamed[0]).slice(0, 200)}`;
  return null;
}

/** A short description of a case for failure messages. */
function describeCase(c: Case): string {
  const text = c.kind === 'params' ? (c.params === undefined ? 'undefined' : serialize(c.params)) : c.body;
  return `${c.kind} ${c.method} ${text.length > 160 ? `${text.slice(0, 160)}… (${text.length} chars)` : text}`;
}

async function fuzz(transport: 'http' | 'ws', cases: Case[]) {
  const failures: string[] = [];
  const perMethod = new Map<string, number>();
  let strict = 0;
  let maxMs = 0;
  const ws = transport === 'ws' ? await WsClient.open() : null;
  try {
    for (const [i, c] of cases.entries()) {
      let answer: Answer;
      try {
        answer = ws ? await ws.call(c, i + 1) : await httpCall(c);
      } catch (err) {
        failures.push(`${describeCase(c)}: ${(err as Error).message}`);
        continue;
      }
      maxMs = Math.max(maxMs, answer.ms);
      if (c.kind === 'params') perMethod.set(c.method, (perMethod.get(c.method) ?? 0) + 1);
      if (c.expect !== 'any') strict++;
      const why = violation(c, answer);
      if (why) failures.push(`${describeCase(c)}: ${why}`);
    }
  } finally {
    ws?.ws.close();
  }
  return { failures, perMethod, strict, maxMs };
}

describe('fuzzing the API (issue #10 §4)', () => {
  const totals = { strict: 0 };
  for (const transport of ['http', 'ws'] as const) {
    it(`${transport}: ${PER_TRANSPORT} seeded malformed requests — 4xx naming a field, never a 500, never slower than 2 s`, async () => {
      const cases = fc.sample(anyCase, {
        seed: transport === 'http' ? SEED : SEED + 1,
        numRuns: PER_TRANSPORT,
      });
      const { failures, perMethod, strict, maxMs } = await fuzz(transport, cases);
      // The report: how many answers broke each rule, with the first examples of each.
      const byRule = new Map<string, string[]>();
      for (const f of failures) {
        const rule =
          /: (status 5\d\d|answered after|no issue|an issue without|accepted|no answer|no WebSocket|not a response|the answer holds)/.exec(
            f,
          )?.[1] ?? 'other';
        byRule.set(rule, [...(byRule.get(rule) ?? []), f]);
      }
      const report = [...byRule].map(
        ([rule, list]) => `${list.length}× ${rule}:\n  ${list.slice(0, 4).join('\n  ')}`,
      );
      expect(failures.length, report.join('\n')).toBe(0);
      // Every method was fuzzed, on this transport.
      for (const m of METHOD_NAMES) expect(perMethod.get(m) ?? 0, m).toBeGreaterThanOrEqual(3);
      expect(maxMs).toBeLessThanOrEqual(MAX_ANSWER_MS);
      totals.strict += strict;
    });
  }

  it('sent at least 500 requests that had to be refused, wrote nothing outside the workspace, and the server still answers', async () => {
    expect(totals.strict).toBeGreaterThanOrEqual(500);
    const after = snapshot(parent, workspace);
    expect([...after.entries()]).toEqual([...before.entries()]);
    const ok = await httpCall({ kind: 'params', method: 'listRuns', params: {}, expect: 'any' });
    expect(ok.status).toBe(200);
  });
});
