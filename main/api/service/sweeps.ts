/**
 * The lab service's sweeps (listSweeps, startSweep, cancelSweep, resumeSweep): the workspace's sweep
 * store (engine/runs/sweeps.ts) with the service's own run processes as the local executor, and
 * Slurm job arrays (engine/runs/sweep_slurm.ts) for the cluster.
 *
 * A local sweep started here trains in this service's run processes (so its runs stream metrics to
 * the workbench as any run does), `parallel` at a time; closing the lab stops them with checkpoints
 * and `resumeSweep` (or `skill-lab sweep resume`) continues. A Slurm sweep lives on in Slurm.
 *
 * Node only.
 */
import {
  SweepNotFoundError,
  SweepSpecError,
  SweepStore,
  type SweepRecord,
} from '../../engine/runs/sweeps.ts';
import { sweptKeys, type SweepSpec } from '../../engine/runs/sweep_spec.ts';
import { runSweepLocally, type StartedRun } from '../../engine/runs/sweep_local.ts';
import { SlurmError, assertSlurm, cancelJobs } from '../../engine/runs/slurm.ts';
import { probeWorkspace, submitSweep } from '../../engine/runs/sweep_slurm.ts';
import type { RunDir } from '../../engine/runs/store.ts';
import { ApiError, type ResultOf, type SweepSummary } from '../contract/contract.ts';

/** What the sweeps need of the lab service. */
export interface SweepHost {
  /**
   * Starts a process training `run` (from its checkpoint), tracked like any run of the service;
   * with `evaluate`, evaluated once completed.
   */
  train(run: RunDir, evaluate: boolean): StartedRun;
  /** This service's live process of a run, if any. */
  live(runId: string): StartedRun | undefined;
  /** Reports a failure outside a request (the `error` event). */
  error(message: string): void;
}

/** How long startSweep waits for the probe job of a Slurm sweep, in s. */
const PROBE_TIMEOUT_S = 120;

export class LabSweeps {
  readonly store: SweepStore;
  /** Local sweeps this service works through now, by id. */
  private readonly executing = new Map<string, Promise<void>>();

  constructor(
    workspace: string,
    private readonly host: SweepHost,
  ) {
    this.store = new SweepStore(workspace);
  }

  list(): ResultOf<'listSweeps'> {
    const { sweeps, unreadable } = this.store.list();
    return { sweeps: sweeps.map((s) => this.summary(s)), unreadable };
  }

  /** @throws ApiError 'invalid' (spec, point, Slurm missing, probe or submission refused; nothing created) */
  async start(spec: SweepSpec): Promise<SweepSummary> {
    this.guard(() => this.store.prepare(spec));
    if (spec.executor.kind === 'slurm') {
      this.guard(() => assertSlurm(), 'spec.executor.kind');
      const slurm = spec.executor.slurm ?? { cpus: 1, options: [] };
      try {
        await probeWorkspace(this.store, slurm, PROBE_TIMEOUT_S);
      } catch (err) {
        throw invalid(err, 'spec.executor.slurm');
      }
    }
    const sweep = this.guard(() => this.store.create(spec));
    if (spec.executor.kind === 'slurm') {
      try {
        submitSweep(
          this.store,
          sweep,
          sweep.points.map((p) => p.index),
        );
      } catch (err) {
        this.store.discard(sweep);
        throw invalid(err, 'spec.executor.slurm');
      }
    } else {
      this.execute(
        sweep.id,
        sweep.points.map((p) => p.index),
      );
    }
    return this.summary(this.store.open(sweep.id));
  }

  /** @throws ApiError 'not_found' for an unknown sweep; 'internal' when scancel fails */
  cancel(id: string): SweepSummary {
    const sweep = this.open(id);
    this.store.update(id, { cancelledAt: new Date().toISOString() });
    if (sweep.jobs.length) {
      try {
        cancelJobs(sweep.jobs.map((j) => j.jobId));
      } catch (err) {
        throw new ApiError('internal', (err as Error).message);
      }
    }
    for (const p of sweep.points) this.host.live(p.runId)?.requestStop();
    return this.summary(this.store.open(id));
  }

  /** @throws ApiError 'not_found', 'conflict' (its local executor still works), 'invalid' (Slurm refused) */
  resume(id: string): SweepSummary {
    const sweep = this.open(id);
    if (this.executing.has(id))
      throw new ApiError(
        'conflict',
        `sweep ${id} is being worked through here already; wait for it or cancel it`,
      );
    const { indices } = this.store.resumable(this.store.status(sweep));
    if (indices.length > 0) {
      if (sweep.executor === 'slurm') {
        this.guard(() => assertSlurm(), 'executor');
        try {
          submitSweep(this.store, this.store.update(id, { cancelledAt: null }), indices);
        } catch (err) {
          throw invalid(err, 'executor');
        }
      } else this.execute(id, indices);
    }
    return this.summary(this.store.open(id));
  }

  /** Local sweeps still being worked through (close waits for the service's runs to stop anyway). */
  liveIds(): string[] {
    return [...this.executing.keys()];
  }

  private execute(id: string, indices: number[]): void {
    const evaluate = this.store.open(id).spec.eval;
    const done = runSweepLocally(this.store, id, indices, {
      start: (run) => this.host.train(run, evaluate),
      pollMs: 500,
    }).then(
      () => undefined,
      (err) => this.host.error(`sweep ${id}: ${(err as Error).message}`),
    );
    this.executing.set(id, done);
    void done.finally(() => this.executing.delete(id));
  }

  private open(id: string): SweepRecord {
    try {
      return this.store.open(id);
    } catch (err) {
      if (err instanceof SweepNotFoundError) throw new ApiError('not_found', err.message);
      throw new ApiError('internal', (err as Error).message);
    }
  }

  /** Runs `f`, turning a bad spec or a Slurm refusal into ApiError 'invalid' (ConfigError passes: the service maps it with its issues). */
  private guard<T>(f: () => T, path = 'spec'): T {
    try {
      return f();
    } catch (err) {
      if (err instanceof SweepSpecError || err instanceof SlurmError) throw invalid(err, path);
      throw err;
    }
  }

  private summary(sweep: SweepRecord): SweepSummary {
    const s = this.store.status(sweep);
    return {
      id: sweep.id,
      name: sweep.name,
      createdAt: sweep.createdAt,
      spec: sweep.spec,
      executor: sweep.executor,
      jobIds: sweep.jobs.map((j) => j.jobId),
      cancelledAt: sweep.cancelledAt,
      keys: sweptKeys(sweep.spec),
      points: s.points,
      counts: s.counts,
      slurmError: s.slurmError,
      localLive: this.executing.has(sweep.id),
    };
  }
}

function invalid(err: unknown, path: string): ApiError {
  const message = (err as Error).message;
  return new ApiError('invalid', message, [{ path, message }]);
}
