/**
 * The run-process protocol: the messages a run process (engine/worker.ts) and its parent (the lab
 * service, `skill-lab compare`, the Electron app through its utilityProcess adapter) exchange, typed
 * once here, with the validator the parent runs on everything it receives and the helpers the
 * worker posts and listens with.
 *
 * Run process → parent ({@link RunProcessMessage}), in this order:
 *   { type: 'progress', ...Progress }               after each training iteration (trainer.ts)
 *   { type: 'rollout', iteration, envSteps, env, ...PreviewChunk }   a live skill preview (preview.ts)
 *   { type: 'evaluating' }                           the evaluation started
 *   { type: 'eval', report }                         its report (evaluate.ts)
 *   { type: 'done', status }                         the run's status once the process is finished
 *   { type: 'error', message }                       the process failed (then it exits with code 1)
 * Parent → run process ({@link ParentMessage}): { type: 'stop' } — end training after the current
 * iteration, with a checkpoint (SIGINT and SIGTERM do the same).
 *
 * A plan process (worker.ts --plan: zero-shot planning with a DADS run's skills for the workbench's
 * Skills view; it reads the run and never trains it) speaks its own pair of messages:
 *   parent → plan process ({@link PlanParentMessage}): { type: 'plan', request } first (the
 *     planning request, planning/schemas.ts), then possibly { type: 'stop' };
 *   plan process → parent ({@link PlanProcessMessage}): { type: 'planEpisode', kind, index, trace }
 *     per finished episode, { type: 'planReport', report, checkpoint } at the end, or
 *     { type: 'error', message } (then it exits with code 1).
 *
 * Transport: Node's IPC channel (child_process.fork, JSON-serialized: NaN and ±Infinity arrive as
 * null) or Electron's parentPort (structured clone). A message that does not match the protocol
 * (a crashed or foreign process, a version mismatch) is refused by {@link parseRunProcessMessage}
 * with what was wrong; parents log and ignore it, never crash.
 */
import { z } from 'zod';
import { RUN_STATUSES, type RunStatus } from './store.ts';
import type { Progress } from './trainer.ts';
import type { PreviewChunk } from './preview.ts';
import type { EvalReport } from './evaluate.ts';
import type { CheckpointRef } from './policy_source.ts';
import type { EpisodeTrace, PlanReport } from '../planning/execute.ts';
import {
  checkpointRefSchema,
  episodeTraceSchema,
  planReportSchema,
  planRequestSchema,
  PLAN_EPISODE_KINDS,
  type CheckpointRefData,
  type EpisodeTraceData,
  type PlanEpisodeKind,
  type PlanReportData,
  type PlanRequest,
} from '../planning/schemas.ts';

/** A training iteration ended (its metric row is in metrics.jsonl and here). */
export type ProgressMessage = { type: 'progress' } & Progress;
/** A live preview of one skill while training; `env` is the run config's env. */
export type RolloutMessage = {
  type: 'rollout';
  iteration: number;
  envSteps: number;
  env: string;
} & PreviewChunk;
/** The process started evaluating the run (after training, or an evaluation-only process). */
export type EvaluatingMessage = { type: 'evaluating' };
/** The evaluation's report (also written to eval/summary.json). */
export type EvalMessage = { type: 'eval'; report: EvalReport };
/** The process is done; `status` is run.json's status then. */
export type DoneMessage = { type: 'done'; status: RunStatus };
/** The process failed with this message; it exits with code 1 next. */
export type ErrorMessage = { type: 'error'; message: string };

/** Every message a run process sends its parent. */
export type RunProcessMessage =
  ProgressMessage | RolloutMessage | EvaluatingMessage | EvalMessage | DoneMessage | ErrorMessage;

/** The message types of {@link RunProcessMessage}. */
export type RunProcessMessageType = RunProcessMessage['type'];

/** Ask the run process to stop training after its current iteration, with a checkpoint. */
export type StopMessage = { type: 'stop' };
/** Every message a parent sends its run process. */
export type ParentMessage = StopMessage;

/** A plan process finished episode `index` (0-based, per kind) of the planner or the baseline. */
export type PlanEpisodeMessage = {
  type: 'planEpisode';
  kind: PlanEpisodeKind;
  index: number;
  trace: EpisodeTraceData;
};
/** A plan process's report, and the checkpoint its skills came from. */
export type PlanReportMessage = { type: 'planReport'; report: PlanReportData; checkpoint: CheckpointRefData };
/** Every message a plan process sends its parent. */
export type PlanProcessMessage = PlanEpisodeMessage | PlanReportMessage | ErrorMessage;
/** The planning request; the first message a plan process gets. */
export type PlanStartMessage = { type: 'plan'; request: PlanRequest };
/** Every message a parent sends its plan process. */
export type PlanParentMessage = PlanStartMessage | StopMessage;

// The wire shapes (planning/schemas.ts) and the engine's types (execute.ts, policy_source.ts) are
// written twice; these fail to compile when they drift apart (NaN-able numbers are null on the wire).
type Wire<T> = T extends number ? number | null : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;
const _fits = [
  (t: EpisodeTrace): EpisodeTraceData => t,
  (t: EpisodeTraceData): Wire<EpisodeTrace> => t,
  (r: PlanReport): PlanReportData => r,
  (r: PlanReportData): Wire<PlanReport> => r,
  (c: CheckpointRef): CheckpointRefData => c,
  (c: CheckpointRefData): CheckpointRef => c,
];
void _fits;

const count = z.number().int().nonnegative();

// The evaluation report is checked where its readers depend on it (identity and the per-skill
// list); its figures are many, algorithm-dependent, and may be null where they were NaN (JSON IPC).
const evalReportSchema = z.looseObject({
  run: z.string(),
  algo: z.string(),
  env: z.string(),
  env_steps: count,
  skills: z.array(z.looseObject({ id: count })),
});

const runProcessMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('progress'),
    runId: z.string(),
    iteration: count,
    envSteps: count,
    totalEnvSteps: count,
    stepsPerSecond: z.number(),
    // trainer.ts's metric row: finite numbers only, always with these three.
    row: z.object({ iteration: count, env_steps: count, wall_s: z.number() }).catchall(z.number()),
  }),
  z.object({
    type: z.literal('rollout'),
    iteration: count,
    envSteps: count,
    env: z.string(),
    skill: count,
    z: z.array(z.number()),
    dt: z.number().positive(),
    qpos: z.array(z.array(z.number())),
  }),
  z.object({ type: z.literal('evaluating') }),
  z.object({ type: z.literal('eval'), report: evalReportSchema }),
  z.object({ type: z.literal('done'), status: z.enum(RUN_STATUSES) }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);

const parentMessageSchema = z.object({ type: z.literal('stop') });

const planProcessMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('planEpisode'),
    kind: z.enum(PLAN_EPISODE_KINDS),
    index: count,
    trace: episodeTraceSchema,
  }),
  z.object({ type: z.literal('planReport'), report: planReportSchema, checkpoint: checkpointRefSchema }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);

const planParentMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('plan'), request: planRequestSchema }),
  z.object({ type: z.literal('stop') }),
]);

/** A message checked against the protocol: the typed message, or why it is not one. */
export type Parsed<M> = { ok: true; message: M } | { ok: false; error: string };

/** Shortens a received value for an error message (a malformed message may be large). */
function preview(raw: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(raw) ?? String(raw);
  } catch {
    text = String(raw);
  }
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function parseWith<M>(schema: z.ZodType, raw: unknown): Parsed<M> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, message: parsed.data as M };
  const issues = parsed.error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : 'message'}: ${i.message}`)
    .join('; ');
  return { ok: false, error: `${issues} (got ${preview(raw)})` };
}

/**
 * Checks a message received from a run process. Never throws.
 * @returns the typed message, or `error` naming the offending fields and quoting (the start of) the
 *   message.
 */
export function parseRunProcessMessage(raw: unknown): Parsed<RunProcessMessage> {
  return parseWith<RunProcessMessage>(runProcessMessageSchema, raw);
}

/** Checks a message received from the parent (in the run process). Never throws. */
export function parseParentMessage(raw: unknown): Parsed<ParentMessage> {
  return parseWith<ParentMessage>(parentMessageSchema, raw);
}

/** Checks a message received from a plan process. Never throws. */
export function parsePlanProcessMessage(raw: unknown): Parsed<PlanProcessMessage> {
  return parseWith<PlanProcessMessage>(planProcessMessageSchema, raw);
}

/** Checks a message received from the parent (in a plan process). Never throws. */
export function parsePlanParentMessage(raw: unknown): Parsed<PlanParentMessage> {
  return parseWith<PlanParentMessage>(planParentMessageSchema, raw);
}

// ── the run process's side ────────────────────────────────────────────────────────────────────

/** Electron's `process.parentPort` in a utilityProcess (absent under child_process.fork). */
interface ParentPort {
  postMessage(msg: unknown): void;
  on(ev: 'message', cb: (e: { data: unknown }) => void): void;
  off(ev: 'message', cb: (e: { data: unknown }) => void): void;
}

function parentPort(): ParentPort | undefined {
  return (process as unknown as { parentPort?: ParentPort }).parentPort;
}

/**
 * Sends a message to this process's parent; resolves once it left the process, so a final message
 * survives a following process.exit. Without a parent (run by hand) it does nothing.
 */
export function postToParent(message: RunProcessMessage | PlanProcessMessage): Promise<void> {
  const port = parentPort();
  if (port) {
    port.postMessage(message);
    return Promise.resolve();
  }
  if (!process.send || !process.connected) return Promise.resolve();
  return new Promise((done) => process.send!(message, undefined, {}, () => done()));
}

/**
 * Calls `listener` with each protocol message from this process's parent; other messages are
 * ignored (reported through `onMalformed`, default stderr). Returns the function that stops listening.
 */
export function onParentMessage(
  listener: (message: ParentMessage) => void,
  onMalformed?: (error: string) => void,
): () => void {
  return onParentMessageOf(parseParentMessage, listener, onMalformed);
}

/**
 * {@link onParentMessage} for another pair of messages (a plan process's): `parse` checks each one.
 * Returns the function that stops listening.
 */
export function onParentMessageOf<P>(
  parse: (raw: unknown) => Parsed<P>,
  listener: (message: P) => void,
  onMalformed: (error: string) => void = (error) =>
    console.error(`[skill-lab worker] ignored a message from the parent: ${error}`),
): () => void {
  const handle = (raw: unknown) => {
    const parsed = parse(raw);
    if (parsed.ok) listener(parsed.message);
    else onMalformed(parsed.error);
  };
  const port = parentPort();
  if (port) {
    const onPort = (e: { data: unknown }) => handle(e.data);
    port.on('message', onPort);
    return () => port.off('message', onPort);
  }
  process.on('message', handle);
  return () => void process.off('message', handle);
}
