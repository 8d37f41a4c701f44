/**
 * The API the Electron preload exposes to the renderer as `window.skillLab` (main/app/preload.ts),
 * shared by both sides: one function per contract method that resolves with the response envelope
 * (never rejects for an API error: the renderer's IPC client turns `ok: false` into an ApiError),
 * and `onEvent` for pushed event envelopes.
 *
 * Type-only imports from the contract keep the sandboxed preload bundle free of zod; the method list
 * below is checked against the contract at compile time (and by main/app/bridge.test.ts).
 */
import type { EventEnvelope, MethodName, ParamsOf, ResponseEnvelope, ResultOf } from './contract.ts';

/** IPC channel of request method `M` (`ipcMain.handle` / `ipcRenderer.invoke`). */
export type InvokeChannel<M extends MethodName = MethodName> = `lab:${M}`;

/** The IPC channel on which the main process sends event envelopes to the window. */
export const EVENT_CHANNEL = 'lab:event';

/** The IPC channel of a method. */
export function invokeChannel<M extends MethodName>(method: M): InvokeChannel<M> {
  return `lab:${method}`;
}

/** Every contract method, in the contract's order (the preload exposes exactly these). */
export const BRIDGE_METHODS = [
  'listEnvs',
  'getEnvModel',
  'listPresets',
  'listRuns',
  'startRun',
  'stopRun',
  'resumeRun',
  'deleteRun',
  'getRun',
  'getMetrics',
  'getEvaluation',
  'evaluateRun',
  'setRelabeling',
  'getRunTask',
  'getSkillEmbedding',
  'planSkills',
  'stopPlan',
  // tasks (issue #4 §3)
  'listTasks',
  'getTask',
  'validateTask',
  'saveTask',
  'deleteTask',
  'sampleResets',
  // replay browser (issue #4 §6)
  'listEpisodes',
  'getEpisode',
  'episodeStats',
  'exportEpisodes',
  // sweeps (issue #14 §2)
  'listSweeps',
  'startSweep',
  'cancelSweep',
  'resumeSweep',
  // figures for papers (issue #13 A)
  'previewFigure',
  'exportFigure',
  'listFigures',
] as const satisfies readonly MethodName[];

// A method added to the contract but not here fails to compile.
type Missing = Exclude<MethodName, (typeof BRIDGE_METHODS)[number]>;
const _allMethodsListed: [Missing] extends [never] ? true : Missing = true;

/** `window.skillLab`: what the preload exposes. */
export type SkillLabBridge = {
  readonly [M in MethodName]: (params?: ParamsOf<M>) => Promise<ResponseEnvelope<ResultOf<M>>>;
} & {
  /** Calls `listener` with every pushed event envelope; returns the function that unsubscribes. */
  readonly onEvent: (listener: (envelope: EventEnvelope) => void) => () => void;
};

declare global {
  interface Window {
    /** Present only inside the Electron app (absent in browser mode). */
    skillLab?: SkillLabBridge;
  }
}
