/**
 * Supervision of run processes, in one place for every parent (the lab service, `skill-lab
 * compare`): start a run process through a {@link SpawnRun} (a Node child process, or the Electron
 * app's utilityProcess), keep a registry of the live ones, relay their messages typed
 * (runs/protocol.ts; a malformed message is logged and ignored), stop them, and record how each one
 * ended.
 *
 * How an end is recorded (run.json; the process's own records come first):
 * - A training process that ends while run.json still says 'running' or 'created' (killed, crashed,
 *   never started) leaves the run in status 'error' with the reason: the worker's `error` message,
 *   else how the process ended ("run process exited with signal SIGKILL (log: <run>/worker.log)").
 *   Other runs go on.
 * - A training process that lost the race for the run's lock (runs/lock.ts) to another trainer
 *   (`skill-lab resume` in a terminal, another workbench) records nothing: the run is the winner's.
 * - An evaluation (an evaluation-only process, or the evaluation after training) that ends without
 *   its report failed; run.json is left alone (it is the training's record).
 * - An abandoned process (its run is being deleted) records nothing.
 *
 * Stopping, as worker.ts understands it: a training process is sent { type: 'stop' } (SIGINT when
 * its IPC channel is gone) and ends after the current iteration with a checkpoint; an evaluating
 * process is sent SIGTERM; {@link RunSupervisor.stopAll} can SIGKILL what is left after a deadline.
 *
 * {@link SupervisedProcess} is the part that does not know about runs (messages typed by a given
 * parser, listeners isolated from each other, exit or start failure), for other kinds of process.
 */
import { join } from 'node:path';
import { runTrainer } from './lock.ts';
import {
  parseRunProcessMessage,
  type ParentMessage,
  type Parsed,
  type RunProcessMessage,
  type RunProcessMessageType,
} from './protocol.ts';
import { spawnRunProcess, type RunProcessHandle, type SpawnOptions, type SpawnRun } from './spawn.ts';
import type { RunDir, RunStatus } from './store.ts';
import type { EvalReport } from './evaluate.ts';

/** Where supervision reports what it ignored (malformed messages, failing listeners). */
export type SupervisorLog = (line: string) => void;

const defaultLog: SupervisorLog = (line) => console.error(`[skill-lab] ${line}`);

/** How a supervised process ended, as its handle reported it. */
export interface ProcessExit {
  /** Exit code; null when a signal ended it. */
  code: number | null;
  /** The signal that ended it, else null. */
  signal: NodeJS.Signals | null;
  /** Why the process could not be started (it never ran; `code` is 1 then), else null. */
  startError: string | null;
}

/** The message of `M` whose `type` is `T`. */
export type MessageOf<M extends { type: string }, T extends M['type']> = Extract<M, { type: T }>;

/**
 * One child process that speaks a typed message protocol: each message is checked by `parse` and
 * handed to the listeners of its type; a malformed one is logged and dropped. A throwing listener
 * is logged and does not stop the others (nor reach the process's event loop as an uncaught error).
 */
export class SupervisedProcess<M extends { type: string }, P extends object = never> {
  /** Resolves once the process ended (or failed to start); never rejects. */
  readonly exited: Promise<ProcessExit>;
  private readonly listeners = new Map<string, Set<(message: never) => void>>();

  /**
   * @param handle the started process.
   * @param parse checks one received message.
   * @param label names the process in log lines (e.g. "run diayn-…").
   */
  constructor(
    readonly handle: RunProcessHandle,
    parse: (raw: unknown) => Parsed<M>,
    private readonly label: string,
    private readonly log: SupervisorLog = defaultLog,
  ) {
    let resolveExit!: (exit: ProcessExit) => void;
    this.exited = new Promise((r) => (resolveExit = r));
    let finished = false;
    const finish = (exit: ProcessExit) => {
      if (finished) return;
      finished = true;
      resolveExit(exit);
    };
    handle.on('message', (raw) => {
      const parsed = parse(raw);
      if (!parsed.ok) {
        this.log(`${label}: ignored a malformed message from its process: ${parsed.error}`);
        return;
      }
      this.dispatch(parsed.message);
    });
    handle.once('exit', (code, signal) => finish({ code, signal, startError: null }));
    handle.on('error', (err) => {
      // 'error' also reports a failed send or kill of a running process; only a process that never
      // started (no pid) ends here.
      if (handle.pid === undefined) finish({ code: 1, signal: null, startError: err.message });
    });
  }

  /** OS process id; undefined until (or if never) the process started. */
  get pid(): number | undefined {
    return this.handle.pid;
  }

  /** Calls `listener` with every message of type `type`; returns the function that unsubscribes. */
  on<T extends M['type']>(type: T, listener: (message: MessageOf<M, T>) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener as (message: never) => void);
    return () => void set.delete(listener as (message: never) => void);
  }

  /** True while messages can be sent to the process. */
  get connected(): boolean {
    return this.handle.connected;
  }

  /** Sends a message (see {@link RunProcessHandle.send}). */
  send(message: P): boolean {
    return this.handle.send(message);
  }

  /** Sends a signal (default SIGTERM); false when the process is gone. */
  kill(signal?: NodeJS.Signals): boolean {
    return this.handle.kill(signal);
  }

  private dispatch(message: M): void {
    for (const listener of this.listeners.get(message.type) ?? []) {
      try {
        (listener as (m: M) => void)(message);
      } catch (err) {
        this.log(`${this.label}: a ${message.type} listener failed: ${(err as Error).stack ?? err}`);
      }
    }
  }
}

/** What a run process is doing: training, stopping after its iteration, or evaluating. */
export type RunActivity = 'training' | 'stopping' | 'evaluating';

/**
 * How a run process ended, once recorded (see the file comment):
 * - 'ok': as it should (trained to completion or a stop, evaluated with a report);
 * - 'failed': the run is in status 'error' (recorded by the worker or by the supervisor), or its
 *   end could not be recorded;
 * - 'evaluation-failed': the evaluation ended without a report;
 * - 'lost-lock': another trainer holds the run;
 * - 'abandoned': {@link RunProcess.abandon} was called; nothing recorded.
 */
export type RunOutcome = 'ok' | 'failed' | 'evaluation-failed' | 'lost-lock' | 'abandoned';

/** How a run process ended and what it reported. */
export interface RunProcessEnd extends ProcessExit {
  outcome: RunOutcome;
  /**
   * Why, for people; set exactly when the outcome is not 'ok' or 'abandoned': run.json's error or
   * why the end could not be recorded ('failed'), the worker's error message or how the process
   * ended ('evaluation-failed'), the winning trainer ('lost-lock').
   */
  reason: string | null;
  /** The worker's `error` message, or why the process could not be started; else null. */
  errorText: string | null;
  /** The evaluation's report, if one came. */
  report: EvalReport | null;
  /** The status of the worker's `done` message, if one came. */
  status: RunStatus | null;
}

/** "run process exited with signal SIGKILL" and the like. */
function howItEnded(exit: ProcessExit): string {
  if (exit.signal !== null) return `run process exited with signal ${exit.signal}`;
  if (exit.code === 0) return 'run process exited (code 0) without recording an end';
  return `run process exited with code ${exit.code}`;
}

/**
 * One run process under supervision: its typed messages, its activity, how to stop it, and its end
 * (recorded before {@link ended} resolves and before the {@link onEnd} handlers run).
 */
export class RunProcess {
  /** Resolves after the end was recorded and every {@link onEnd} handler finished; never rejects. */
  readonly ended: Promise<RunProcessEnd>;
  private readonly process: SupervisedProcess<RunProcessMessage, ParentMessage>;
  private currentActivity: RunActivity;
  private isAbandoned = false;
  private errorMessage: string | null = null;
  private evalReport: EvalReport | null = null;
  private doneStatus: RunStatus | null = null;
  private readonly endHandlers: Array<(end: RunProcessEnd) => void | Promise<void>> = [];

  /**
   * @param kind 'training' trains (and maybe evaluates after); 'evaluation' only evaluates.
   * @param onGone called once the end is recorded, before the end handlers (the registry's removal).
   */
  constructor(
    readonly run: RunDir,
    handle: RunProcessHandle,
    readonly kind: 'training' | 'evaluation',
    private readonly log: SupervisorLog = defaultLog,
    onGone: () => void = () => {},
  ) {
    this.currentActivity = kind === 'training' ? 'training' : 'evaluating';
    this.process = new SupervisedProcess(handle, parseRunProcessMessage, `run ${run.id}`, log);
    this.process.on('evaluating', () => {
      if (!this.isAbandoned && this.currentActivity !== 'stopping') this.currentActivity = 'evaluating';
    });
    this.process.on('eval', (m) => (this.evalReport = m.report));
    this.process.on('error', (m) => (this.errorMessage = m.message));
    this.process.on('done', (m) => (this.doneStatus = m.status));
    this.ended = this.process.exited.then(async (exit) => {
      const end = this.record(exit);
      onGone();
      for (const handler of this.endHandlers) {
        try {
          await handler(end);
        } catch (err) {
          this.log(`run ${run.id}: an end handler failed: ${(err as Error).stack ?? err}`);
        }
      }
      return end;
    });
  }

  /** OS process id; undefined until (or if never) the process started. */
  get pid(): number | undefined {
    return this.process.pid;
  }

  /** What the process does now: 'evaluating' from its `evaluating` message on, unless stopping. */
  get activity(): RunActivity {
    return this.currentActivity;
  }

  /** True once {@link abandon} was called. */
  get abandoned(): boolean {
    return this.isAbandoned;
  }

  /** The worker's `error` message so far, else null. */
  get errorText(): string | null {
    return this.errorMessage;
  }

  /** Calls `listener` with every message of type `type` (after the supervisor's own bookkeeping). */
  on<T extends RunProcessMessageType>(
    type: T,
    listener: (message: MessageOf<RunProcessMessage, T>) => void,
  ): () => void {
    return this.process.on(type, listener);
  }

  /**
   * Runs `handler` once the process ended and its end was recorded; {@link ended} waits for it.
   * A throwing or rejecting handler is logged.
   */
  onEnd(handler: (end: RunProcessEnd) => void | Promise<void>): void {
    this.endHandlers.push(handler);
  }

  /**
   * Asks a training process to stop after its current iteration (with a checkpoint): the stop
   * message, or SIGINT when the channel is gone. Its activity becomes 'stopping'.
   * @returns false (and does nothing) when it is not training (stopping already, or evaluating).
   */
  requestStop(): boolean {
    if (this.currentActivity !== 'training') return false;
    this.currentActivity = 'stopping';
    if (this.process.connected) this.process.send({ type: 'stop' });
    else this.process.kill('SIGINT'); // the worker stops the same way on SIGINT
    return true;
  }

  /** Ends the process's work: training stops as {@link requestStop}; an evaluation gets SIGTERM. */
  shutdown(): void {
    if (this.currentActivity === 'evaluating') this.process.kill('SIGTERM');
    else this.requestStop();
  }

  /** Kills the process (SIGKILL) and records nothing of its end (its run is being removed). */
  abandon(): void {
    this.isAbandoned = true;
    this.process.kill('SIGKILL');
  }

  /** Sends the process a signal; false when it is gone. */
  kill(signal: NodeJS.Signals): boolean {
    return this.process.kill(signal);
  }

  /** Applies the file comment's rules to run.json; never throws. */
  private record(exit: ProcessExit): RunProcessEnd {
    const errorText =
      this.errorMessage ??
      (exit.startError !== null ? `could not start the run process: ${exit.startError}` : null);
    const end = (outcome: RunOutcome, reason: string | null): RunProcessEnd => ({
      ...exit,
      outcome,
      reason,
      errorText,
      report: this.evalReport,
      status: this.doneStatus,
    });
    if (this.isAbandoned) return end('abandoned', null);
    const { run } = this;
    try {
      if (this.currentActivity === 'evaluating') {
        if (this.evalReport) return end('ok', null);
        const how = exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code}`;
        return end('evaluation-failed', errorText ?? `its process exited with ${how}`);
      }
      const trainer = runTrainer(run.path, run.readRecord());
      if (trainer.state === 'training' && trainer.pid !== this.pid)
        return end('lost-lock', errorText ?? `run ${run.id} is being trained by ${trainer.description}`);
      const record = run.readRecord();
      if (record.status === 'running' || record.status === 'created') {
        const reason = errorText ?? `${howItEnded(exit)} (log: ${join(run.path, 'worker.log')})`;
        run.update({ status: 'error', error: reason, pid: null });
      }
      const after = run.readRecord();
      return after.status === 'error' ? end('failed', after.error ?? 'run failed') : end('ok', null);
    } catch (err) {
      return end('failed', (err as Error).message);
    }
  }
}

/** How {@link RunSupervisor.train} starts a process. */
export interface TrainProcessOptions {
  /** Evaluate the run in the same process once training completed. */
  evaluate: boolean;
  /** Send live skill previews. */
  preview?: boolean;
  /** Rollouts per skill of the evaluation after training (default: the run config's). */
  rollouts?: number;
  /** Run below the interactive processes' CPU priority. */
  background?: boolean;
}

/** How {@link RunSupervisor.evaluate} starts a process. */
export interface EvaluationProcessOptions {
  /** Rollouts per skill (default: the run config's). */
  rollouts?: number;
  /** Run below the interactive processes' CPU priority. */
  background?: boolean;
}

export interface RunSupervisorOptions {
  /** Starts a run process (default: a Node child process, runs/spawn.ts). */
  spawnRun?: SpawnRun;
  /** Where ignored messages and failing listeners are reported (default: stderr). */
  log?: SupervisorLog;
}

/**
 * The live run processes of one parent in one workspace (runs are known by id), at most one per
 * run; see the file comment.
 */
export class RunSupervisor {
  private readonly live = new Map<string, RunProcess>();
  private readonly spawnRun: SpawnRun;
  private readonly log: SupervisorLog;

  constructor(opts: RunSupervisorOptions = {}) {
    this.spawnRun = opts.spawnRun ?? spawnRunProcess;
    this.log = opts.log ?? defaultLog;
  }

  /**
   * Starts a process that trains `run` (resuming from its checkpoint) and, with `evaluate`,
   * evaluates it once completed; marks the run 'running' with the process's pid at once (the worker
   * confirms).
   * @throws Error when the run has a process of this supervisor already.
   */
  train(run: RunDir, opts: TrainProcessOptions): RunProcess {
    const { evaluate, ...spawn } = opts;
    const proc = this.start(run, 'training', evaluate, spawn);
    run.update({ status: 'running', error: null, pid: proc.pid ?? null });
    return proc;
  }

  /**
   * Starts a process that evaluates `run`'s checkpoint (eval/summary.json, eval/rollouts.jsonl);
   * run.json's status is left alone.
   * @throws Error when the run has a process of this supervisor already.
   */
  evaluate(run: RunDir, opts: EvaluationProcessOptions = {}): RunProcess {
    return this.start(run, 'evaluation', false, { ...opts, evalOnly: true });
  }

  /** The live process of a run, if it has one. */
  get(runId: string): RunProcess | undefined {
    return this.live.get(runId);
  }

  /** Ids of the runs with a live process. */
  runIds(): string[] {
    return [...this.live.keys()];
  }

  /**
   * Stops every live process ({@link RunProcess.shutdown}: training ends after its iteration with a
   * checkpoint, evaluations end) and resolves once all ended. After `killAfterMs` (default: never)
   * the remaining ones are killed (SIGKILL).
   */
  async stopAll(opts: { killAfterMs?: number } = {}): Promise<void> {
    const pending = [...this.live.values()];
    for (const proc of pending) proc.shutdown();
    let timer: ReturnType<typeof setTimeout> | null = null;
    if (opts.killAfterMs !== undefined) {
      const left = new Set(pending);
      for (const proc of pending) void proc.ended.then(() => left.delete(proc));
      timer = setTimeout(() => {
        for (const proc of left) proc.kill('SIGKILL');
      }, opts.killAfterMs);
    }
    await Promise.all(pending.map((p) => p.ended));
    if (timer) clearTimeout(timer);
  }

  private start(
    run: RunDir,
    kind: 'training' | 'evaluation',
    evaluate: boolean,
    opts: SpawnOptions,
  ): RunProcess {
    const busy = this.live.get(run.id);
    if (busy) throw new Error(`run ${run.id} already has a process (${busy.activity})`);
    const handle = this.spawnRun(run, evaluate, opts);
    const proc = new RunProcess(run, handle, kind, this.log, () => {
      if (this.live.get(run.id) === proc) this.live.delete(run.id);
    });
    this.live.set(run.id, proc);
    return proc;
  }
}
