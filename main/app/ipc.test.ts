import { describe, expect, it } from 'vitest';
import { BRIDGE_METHODS, invokeChannel } from '../api/contract/bridge.ts';
import { METHOD_NAMES, type ResponseEnvelope } from '../api/contract/contract.ts';
import { handleLabInvoke, isAppUrl, type InvokeTarget } from './ipc.ts';

/** A service that records what reached it and answers ok. */
function fakeService() {
  const calls: Array<{ method: string; params: unknown }> = [];
  const service: InvokeTarget = {
    async call(method, params): Promise<ResponseEnvelope> {
      calls.push({ method, params });
      return { id: null, ok: true, result: { echoed: method } };
    },
  };
  return { calls, service };
}

const app = { url: 'app://skill-lab/index.html', isAppMainFrame: true };

describe('isAppUrl', () => {
  it('accepts only the app origin', () => {
    expect(isAppUrl('app://skill-lab/index.html')).toBe(true);
    expect(isAppUrl('app://skill-lab/')).toBe(true);
    for (const url of [
      'app://skill-lab.evil/index.html',
      'app://other/index.html',
      'app://user@skill-lab/',
      'https://skill-lab/index.html',
      'file:///work/main/out/renderer/index.html',
      'http://127.0.0.1:5173/',
      'about:blank',
      '',
      'not a url',
      null,
      undefined,
    ])
      expect(isAppUrl(url), String(url)).toBe(false);
  });
});

describe('handleLabInvoke', () => {
  it('passes validated params of the app main frame to the service', async () => {
    const { calls, service } = fakeService();
    const res = await handleLabInvoke(app, 'getMetrics', { runId: 'r1', sinceIteration: 3 }, service);
    expect(res).toEqual({ id: null, ok: true, result: { echoed: 'getMetrics' } });
    expect(calls).toEqual([{ method: 'getMetrics', params: { runId: 'r1', sinceIteration: 3 } }]);
  });

  it('treats missing params of a method without required ones as {}', async () => {
    const { calls, service } = fakeService();
    expect((await handleLabInvoke(app, 'listRuns', undefined, service)).ok).toBe(true);
    expect(calls).toEqual([{ method: 'listRuns', params: {} }]);
  });

  it('refuses foreign senders before anything reaches the service', async () => {
    const { calls, service } = fakeService();
    const senders = [
      { url: 'https://evil.example/', isAppMainFrame: true },
      { url: 'app://skill-lab.evil/', isAppMainFrame: true },
      { url: 'file:///tmp/x.html', isAppMainFrame: true },
      { url: null, isAppMainFrame: true },
      // An app:// URL in a subframe or another window is not the app's page either.
      { url: 'app://skill-lab/index.html', isAppMainFrame: false },
    ];
    for (const sender of senders) {
      const res = await handleLabInvoke(sender, 'listRuns', {}, service);
      expect(res.ok, JSON.stringify(sender)).toBe(false);
      if (!res.ok) {
        expect(res.error.code).toBe('unauthorized');
        expect(res.error.message).toContain('app://skill-lab');
      }
    }
    expect(calls).toEqual([]);
  });

  it('answers an unknown method with not_found listing the methods', async () => {
    const { calls, service } = fakeService();
    const res = await handleLabInvoke(app, 'rmRf', {}, service);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error.code).toBe('not_found');
      expect(res.error.issues?.[0].allowed).toEqual(METHOD_NAMES);
    }
    expect(calls).toEqual([]);
  });

  it('answers invalid params with per-field issues', async () => {
    const { calls, service } = fakeService();
    const cases: Array<[string, unknown, string]> = [
      ['getRun', { runId: '../../etc' }, 'runId'],
      ['getRun', {}, 'runId'],
      ['listRuns', { extra: 1 }, 'extra'],
      ['startRun', { algo: 'ppo', preset: 'point-mass' }, 'algo'],
      ['getMetrics', 'not an object', ''],
    ];
    for (const [method, params, path] of cases) {
      const res = await handleLabInvoke(app, method, params, service);
      expect(res.ok, `${method} ${JSON.stringify(params)}`).toBe(false);
      if (!res.ok) {
        expect(res.error.code).toBe('invalid');
        expect(res.error.issues?.some((i) => i.path === path)).toBe(true);
      }
    }
    expect(calls).toEqual([]);
  });

  it('answers with an internal error when the target throws', async () => {
    const service: InvokeTarget = {
      call: async () => {
        throw new Error('boom');
      },
    };
    const res = await handleLabInvoke(app, 'listEnvs', {}, service);
    expect(res).toEqual({ id: null, ok: false, error: { code: 'internal', message: 'boom' } });
  });
});

describe('bridge', () => {
  it('exposes exactly the contract methods, one lab:<method> channel each', () => {
    expect([...BRIDGE_METHODS]).toEqual(METHOD_NAMES);
    expect(invokeChannel('startRun')).toBe('lab:startRun');
  });
});
