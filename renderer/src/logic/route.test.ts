import { describe, expect, it } from 'vitest';
import { createRouter, formatHash, isRunId, parseHash, runHref, type RouteHost } from './route.ts';

/** A window with a location, a history of URLs and listeners, as the router sees it. */
function fakeHost(url: string) {
  const listeners = new Map<string, Set<() => void>>();
  const entries = [new URL(url)];
  let index = 0;
  const host: RouteHost & { entries: URL[]; back(): void; follow(hash: string): void } = {
    entries,
    get location() {
      const u = entries[index];
      return { pathname: u.pathname, search: u.search, hash: u.hash };
    },
    history: {
      pushState(_data, _unused, next) {
        entries.splice(index + 1, Infinity, new URL(next!, entries[index]));
        index = entries.length - 1;
      },
    },
    addEventListener(type, l) {
      if (!listeners.has(type)) listeners.set(type, new Set());
      listeners.get(type)!.add(l);
    },
    removeEventListener(type, l) {
      listeners.get(type)?.delete(l);
    },
    back() {
      index = Math.max(0, index - 1);
      for (const l of listeners.get('popstate') ?? []) l();
    },
    follow(hash) {
      host.history.pushState(null, '', hash);
      for (const l of listeners.get('hashchange') ?? []) l();
    },
  };
  return host;
}

describe('route', () => {
  it('reads and writes the fragment of every view, a run page with its id', () => {
    expect(parseHash('')).toEqual({ view: 'runs' });
    expect(parseHash('#compare')).toEqual({ view: 'compare' });
    expect(parseHash('#tasks')).toEqual({ view: 'tasks' });
    expect(parseHash('#replay')).toEqual({ view: 'replay' });
    expect(parseHash('#sweeps')).toEqual({ view: 'sweeps' });
    expect(parseHash('#figures')).toEqual({ view: 'figures' });
    expect(parseHash('#run=diayn-point-mass-s0-20261207-055417')).toEqual({
      view: 'run',
      runId: 'diayn-point-mass-s0-20261207-055417',
    });
    expect(parseHash('#nonsense')).toEqual({ view: 'runs' });
    for (const route of [
      { view: 'runs' },
      { view: 'compare' },
      { view: 'sweeps' },
      { view: 'figures' },
      { view: 'run', runId: 'dads-ant-xy-s1-20261207-1' },
    ] as const)
      expect(parseHash(formatHash(route))).toEqual(route);
    expect(runHref('a.b_c-1')).toBe('#run=a.b_c-1');
  });

  it('keeps a bad id for the page to report, decoded and bounded, and never calls it a run id', () => {
    const bad = parseHash(`#run=${encodeURIComponent('../../etc/passwd')}`);
    expect(bad).toEqual({ view: 'run', runId: '../../etc/passwd' });
    expect(isRunId('../../etc/passwd')).toBe(false);
    expect(parseHash('#run=%E0%A4%A')).toEqual({ view: 'run', runId: '%E0%A4%A' });
    expect((parseHash(`#run=${'x'.repeat(5000)}`) as { runId: string }).runId).toHaveLength(200);
    expect(isRunId('diayn-point-mass-s0-20261207-055417')).toBe(true);
    expect(isRunId('')).toBe(false);
  });

  it('navigates by fragment only (path and query stay), follows links and the back button', () => {
    const host = fakeHost('http://127.0.0.1:5000/app/?lang=en');
    const seen: unknown[] = [];
    const router = createRouter(host, (r) => seen.push(r));
    router.go({ view: 'run', runId: 'run-1' });
    expect(host.entries.at(-1)!.href).toBe('http://127.0.0.1:5000/app/?lang=en#run=run-1');
    router.go({ view: 'run', runId: 'run-1' }); // already there: no second history entry
    expect(host.entries).toHaveLength(2);
    router.go({ view: 'runs' });
    expect(host.entries.at(-1)!.href).toBe('http://127.0.0.1:5000/app/?lang=en');
    host.back();
    expect(seen.at(-1)).toEqual({ view: 'run', runId: 'run-1' });
    host.follow('#compare');
    expect(seen.at(-1)).toEqual({ view: 'compare' });
    router.stop();
    host.back();
    expect(seen.at(-1)).toEqual({ view: 'compare' }); // no listener left
  });
});
