/**
 * Supervision of plan processes (worker.ts --plan, runs/plan_process.ts) for the lab service: start
 * one per planning request through the same {@link SpawnRun} as run processes (a Node child process
 * or the Electron app's utilityProcess), send it its request, relay its episodes typed
 * (runs/protocol.ts; a malformed message is logged and ignored), collect its traces and report, stop
 * it, and free it when it ends.
 *
 * A plan process only reads its run, so there is nothing to record when it ends: a plan that ends
 * without its report failed (its `error` message, or how the process ended) or was stopped. Several
 * plans may run at once, on the same run too, up to {@link PlanSupervisorOptions.maxLive}; each is
 * known by the id its requester chose.
 */
import type { CheckpointRef } from './policy_source.ts';
import { parsePlanProcessMessage, type PlanParentMessage, type PlanProcessMessage } from './protocol.ts';
import { spawnRunProcess, type SpawnRun } from './spawn.ts';
import type { RunDir } from './store.ts';
import { SupervisedProcess, type ProcessExit, type SupervisorLog } from './supervisor.ts';
import type { EpisodeTraceData, PlanEpisodeKind, PlanReportData, PlanRequest } from '../planning/schemas.ts';

/** How long a stopped plan process may take to end before it is killed, in ms. */
export const PLAN_STOP_GRACE_MS = 3_000;

/** What a plan process delivers. */
export interface PlanOutcome {
  report: PlanReportData;
  checkpoint: CheckpointRef;
  /** Every episode, in order; the baseline's without qpos. */
  traces: { planner: EpisodeTraceData[]; baseline: EpisodeTraceData[] };
}

/** Why a plan ended without its report. */
export class PlanFailure extends Error {
  /**
   * @param stopped true when it was stopped ({@link PlanProcess.stop}, the supervisor closing)
   */
  constructor(
    message: string,
    readonly stopped: boolean,
  ) {
    super(message);
    this.name = 'PlanFailure';
  }
}

/** "exited with code 3" and the like. */
function howItEnded(exit: ProcessExit): string {
  if (exit.startError !== null) return `could not start: ${exit.startError}`;
  if (exit.signal !== null) return `exited with signal ${exit.signal}`;
  return `exited with code ${exit.code} without a report`;
}

/** One plan process; see the file comment. */
export class PlanProcess {
  /** Resolves with what the process delivered, or rejects with a {@link PlanFailure}. */
  readonly outcome: Promise<PlanOutcome>;
  private readonly process: SupervisedProcess<PlanProcessMessage, PlanParentMessage>;
  private readonly traces: PlanOutcome['traces'] = { planner: [], baseline: [] };
  private stopReason: string | null = null;
  private killTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * @param onEpisode called with each finished episode as it arrives.
   * @param onGone called once the process ended (the registry's removal).
   */
  constructor(
    readonly id: string,
    readonly run: RunDir,
    handle: ConstructorParameters<typeof SupervisedProcess>[0],
    request: PlanRequest,
    onEpisode: (kind: PlanEpisodeKind, index: number, trace: EpisodeTraceData) => void,
    log: SupervisorLog | undefined,
    onGone: () => void,
  ) {
    this.process = new SupervisedProcess(handle, parsePlanProcessMessage, `plan ${id} of run ${run.id}`, log);
    let report: { report: PlanReportData; checkpoint: CheckpointRef } | null = null;
    let error: string | null = null;
    this.process.on('planEpisode', (m) => {
      this.traces[m.kind].push(m.trace);
      onEpisode(m.kind, m.index, m.trace);
    });
    this.process.on('planReport', (m) => (report = { report: m.report, checkpoint: m.checkpoint }));
    this.process.on('error', (m) => (error = m.message));
    this.process.send({ type: 'plan', request });
    this.outcome = this.process.exited.then((exit) => {
      if (this.killTimer) clearTimeout(this.killTimer);
      onGone();
      if (report) return { ...report, traces: this.traces };
      if (this.stopReason !== null) throw new PlanFailure(this.stopReason, true);
      throw new PlanFailure(error ?? `the plan process ${howItEnded(exit)}`, false);
    });
    // The requester may never look at the outcome (it went away); a failure is not unhandled then.
    this.outcome.catch(() => {});
  }

  /** OS process id; undefined until (or if never) the process started. */
  get pid(): number | undefined {
    return this.process.pid;
  }

  /** True once {@link stop} was called. */
  get stopping(): boolean {
    return this.stopReason !== null;
  }

  /**
   * Ends the planning: the stop message (or SIGTERM without a channel), then SIGKILL after
   * {@link PLAN_STOP_GRACE_MS}. {@link outcome} rejects with a stopped {@link PlanFailure}.
   * @returns false when it was stopped already.
   */
  stop(reason = `plan ${this.id} was stopped`): boolean {
    if (this.stopReason !== null) return false;
    this.stopReason = reason;
    if (!(this.process.connected && this.process.send({ type: 'stop' }))) this.process.kill('SIGTERM');
    this.killTimer = setTimeout(() => this.process.kill('SIGKILL'), PLAN_STOP_GRACE_MS);
    return true;
  }
}

/** Options of a {@link PlanSupervisor}. */
export interface PlanSupervisorOptions {
  /** Starts the process (default: a Node child process, runs/spawn.ts). */
  spawnRun?: SpawnRun;
  /** Where ignored messages and failing listeners are reported (default: stderr). */
  log?: SupervisorLog;
  /** Plans at most at once (default 4): each keeps a core busy. */
  maxLive?: number;
}

/** The live plan processes of one parent, by plan id; see the file comment. */
export class PlanSupervisor {
  private readonly live = new Map<string, PlanProcess>();
  private readonly spawnRun: SpawnRun;
  private readonly log: SupervisorLog | undefined;
  readonly maxLive: number;

  constructor(opts: PlanSupervisorOptions = {}) {
    this.spawnRun = opts.spawnRun ?? spawnRunProcess;
    this.log = opts.log;
    this.maxLive = opts.maxLive ?? 4;
  }

  /**
   * Starts a plan process for `run` with `request` (checked by the caller against the run: a DADS
   * run with a checkpoint), below the interactive processes' CPU priority.
   * @throws Error when `planId` is in use by a live plan, or {@link maxLive} plans run already.
   */
  start(
    planId: string,
    run: RunDir,
    request: PlanRequest,
    onEpisode: (kind: PlanEpisodeKind, index: number, trace: EpisodeTraceData) => void = () => {},
  ): PlanProcess {
    if (this.live.has(planId)) throw new Error(`plan ${planId} is running already; choose another plan id`);
    if (this.live.size >= this.maxLive)
      throw new Error(
        `${this.live.size} plans are running (at most ${this.maxLive} at once); stop one or wait for it`,
      );
    const handle = this.spawnRun(run, false, { plan: true, background: true });
    const proc = new PlanProcess(planId, run, handle, request, onEpisode, this.log, () => {
      if (this.live.get(planId) === proc) this.live.delete(planId);
    });
    this.live.set(planId, proc);
    return proc;
  }

  /** The live plan of that id, if any. */
  get(planId: string): PlanProcess | undefined {
    return this.live.get(planId);
  }

  /** Ids of the live plans. */
  ids(): string[] {
    return [...this.live.keys()];
  }

  /** Stops every live plan and resolves once all ended. */
  async stopAll(reason = 'the lab service is shutting down'): Promise<void> {
    const pending = [...this.live.values()];
    for (const p of pending) p.stop(reason);
    await Promise.all(pending.map((p) => p.outcome.catch(() => {})));
  }
}
