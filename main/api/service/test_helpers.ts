/** Helpers for tests that drive the lab service with real run processes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import {
  ApiError,
  METHODS,
  type EventData,
  type EventName,
  type LabClient,
  type MethodName,
  type ResultOf,
} from '../contract/contract.ts';
import { LabService } from './service.ts';

/** Overrides that make a point-mass run train in about a second (4 iterations of 250 env steps). */
export const TINY = {
  totalEnvSteps: 1000,
  stepsPerIteration: 250,
  'sac.learningStarts': 0,
  updatesPerIteration: 20,
  'diayn.discriminatorSteps': 20,
  'dads.dynamicsSteps': 5,
};

/** An event as recorded, with its arrival time in ms (performance.now()). */
export interface Recorded<E extends EventName = EventName> {
  event: E;
  data: EventData<E>;
  at: number;
}

/** Records every event of the given names from a client. */
export class EventLog {
  readonly events: Recorded[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(client: Pick<LabClient, 'on'>, names: readonly EventName[]) {
    for (const name of names) {
      client.on(name, (data) => {
        this.events.push({ event: name, data, at: performance.now() } as Recorded);
        for (const w of this.waiters) w();
      });
    }
  }

  of<E extends EventName>(event: E, runId?: string): Recorded<E>[] {
    return this.events.filter(
      (e) =>
        e.event === event &&
        (runId === undefined ||
          (e.data as { runId?: string; id?: string }).runId === runId ||
          (e.data as { id?: string }).id === runId),
    ) as Recorded<E>[];
  }

  /**
   * Resolves with the first recorded event matching `pred` (also one recorded before the call).
   * @throws Error after `timeoutMs` naming what it waited for.
   */
  waitFor<E extends EventName>(
    event: E,
    pred: (data: EventData<E>) => boolean,
    what: string,
    timeoutMs = 60_000,
  ): Promise<EventData<E>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.of(event).find((e) => pred(e.data));
        if (hit) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve(hit.data);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Waits for a runStatus event of a run with one of the given statuses and no live process. */
  settled(runId: string, statuses: string[], timeoutMs = 60_000): Promise<EventData<'runStatus'>> {
    return this.waitFor(
      'runStatus',
      (s) => s.id === runId && s.activity === null && statuses.includes(s.status),
      `run ${runId} to end in ${statuses.join('/')}`,
      timeoutMs,
    );
  }
}

/**
 * Calls `method` through the service's envelope path, as the transports do, and checks the result
 * against the contract.
 * @throws ApiError the service's refusal; ZodError when the result breaks the contract
 */
export async function call<M extends MethodName>(
  service: Pick<LabService, 'call'>,
  method: M,
  params: unknown,
): Promise<ResultOf<M>> {
  const response = await service.call(method, params, 1);
  if (!response.ok) throw ApiError.fromPayload(response.error);
  return METHODS[method].result.parse(response.result) as ResultOf<M>;
}

/** The ApiError that `p` rejects with; fails the test when it resolves or rejects with another error. */
export async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected the request to fail');
}

/**
 * A lab service without previews on `<root>/workspace`, `root` a fresh temp folder (named by `prefix`)
 * that the test file may also write beside the workspace; after the file's tests the service is closed
 * (its run processes killed after 5 s) and the folder removed. Call it at the file's top level.
 */
export function serviceForFile(prefix: string): { root: string; workspace: string; service: LabService } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const workspace = join(root, 'workspace');
  const service = new LabService({ workspace, preview: false });
  afterAll(async () => {
    await service.close({ killAfterMs: 5_000 });
    rmSync(root, { recursive: true, force: true });
  });
  return { root, workspace, service };
}
