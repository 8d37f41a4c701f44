import { describe, it, expect, vi } from 'vitest';
import { ApiError, type EventEnvelope } from '../../../main/api/contract/contract.ts';
import type { SkillLabBridge } from '../../../main/api/contract/bridge.ts';
import { createIpcClient } from './ipc_client.ts';

/** An in-memory stand-in for the preload's `window.skillLab` (no Electron in unit tests). */
function fakeBridge(responses: Record<string, unknown>) {
  const listeners = new Set<(e: EventEnvelope) => void>();
  const calls: Array<[string, unknown]> = [];
  const bridge: Record<string, unknown> = {
    onEvent: (l: (e: EventEnvelope) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  for (const m of ['listEnvs', 'listRuns', 'startRun', 'getRun']) {
    bridge[m] = async (params: unknown) => {
      calls.push([m, params]);
      return responses[m];
    };
  }
  return {
    bridge: bridge as unknown as SkillLabBridge,
    calls,
    emit: (e: unknown) => listeners.forEach((l) => l(e as EventEnvelope)),
  };
}

describe('IPC LabClient', () => {
  it('returns validated results and throws ApiErrors with the field issues', async () => {
    const { bridge, calls } = fakeBridge({
      listRuns: { id: null, ok: true, result: { runs: [], unreadable: [] } },
      startRun: {
        id: null,
        ok: false,
        error: {
          code: 'invalid',
          message: 'sac.lr: Too small',
          issues: [{ path: 'sac.lr', message: 'Too small' }],
        },
      },
      getRun: { id: null, ok: true, result: { nonsense: true } },
    });
    const client = createIpcClient(bridge);
    expect(await client.listRuns({})).toEqual({ runs: [], unreadable: [] });
    const err = await client
      .startRun({ algo: 'diayn', preset: 'point-mass', overrides: { 'sac.lr': -1 } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('invalid');
    expect(err.issues[0].path).toBe('sac.lr');
    // A result that breaks the contract is an error, not data.
    await expect(client.getRun({ runId: 'x' })).rejects.toMatchObject({ code: 'internal' });
    expect(calls.map(([m]) => m)).toEqual(['listRuns', 'startRun', 'getRun']);
  });

  it('hands valid events to their listeners and reports invalid ones', () => {
    const onProtocolError = vi.fn();
    const { bridge, emit } = fakeBridge({});
    const client = createIpcClient(bridge, { onProtocolError });
    const seen: unknown[] = [];
    const off = client.on('error', (d) => seen.push(d));
    emit({ event: 'error', data: { runId: null, message: 'boom' } });
    emit({ event: 'error', data: { nope: 1 } });
    off();
    emit({ event: 'error', data: { runId: null, message: 'after unsubscribe' } });
    expect(seen).toEqual([{ runId: null, message: 'boom' }]);
    expect(onProtocolError).toHaveBeenCalledTimes(1);
    expect(() => client.on('nope' as 'error', () => {})).toThrow(/unknown event/);
  });
});
