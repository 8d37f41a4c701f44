/**
 * Where the app is, as the URL's fragment: `#run=ID` for a run's page, `#compare`, `#tasks`,
 * `#replay`, `#sweeps`, `#figures` for those views, nothing for the runs list. The fragment is the one source of truth, so
 * a run's page survives a reload, can be bookmarked, and the browser's back button leaves it.
 *
 * Only the fragment is ever written: the path and the query stay as they are (the browser-mode
 * session token has left the query by then, see api/token.ts, and lives in sessionStorage).
 */
import { runIdSchema } from '../../../main/api/contract/contract.ts';

/** The views reached from the header, and a run's page. */
export type Route =
  { view: 'runs' | 'compare' | 'tasks' | 'replay' | 'sweeps' | 'figures' } | { view: 'run'; runId: string };

const VIEWS = ['compare', 'tasks', 'replay', 'sweeps', 'figures'] as const;

/** Longest run id a fragment may carry (run ids are at most 200 characters, see runIdSchema). */
const MAX_ID = 200;

/**
 * The route of a fragment (`location.hash`, with or without its `#`). `#run=` keeps whatever id it
 * carries, decoded and cut to 200 characters, so that the run page can say a bad one is no run id
 * (see {@link isRunId}); an unknown fragment is the runs list.
 */
export function parseHash(hash: string): Route {
  const h = hash.replace(/^#/, '');
  if (h.startsWith('run=')) {
    let id = h.slice(4);
    try {
      id = decodeURIComponent(id);
    } catch {
      // A malformed %-escape: keep the raw text, which the run page then reports as no run id.
    }
    return { view: 'run', runId: id.slice(0, MAX_ID) };
  }
  return (VIEWS as readonly string[]).includes(h) ? { view: h as (typeof VIEWS)[number] } : { view: 'runs' };
}

/** The fragment of a route, with its `#`; '' for the runs list. */
export function formatHash(route: Route): string {
  if (route.view === 'run') return `#run=${encodeURIComponent(route.runId)}`;
  return route.view === 'runs' ? '' : `#${route.view}`;
}

/** The link to a run's page (an `href` that keeps the current path and query). */
export function runHref(runId: string): string {
  return formatHash({ view: 'run', runId });
}

/** True when `id` is a well-formed run id (a directory name, never a path). */
export function isRunId(id: string): boolean {
  return runIdSchema.safeParse(id).success;
}

/** Minimal view of `window` the router needs (tests pass their own). */
export interface RouteHost {
  location: { pathname: string; search: string; hash: string };
  history: { pushState(data: unknown, unused: string, url?: string): void };
  addEventListener(type: 'hashchange' | 'popstate', listener: () => void): void;
  removeEventListener(type: 'hashchange' | 'popstate', listener: () => void): void;
}

/** A router bound to a window: the current route, navigation, and the end of its listeners. */
export interface Router {
  current(): Route;
  /** Goes to `route`: a new history entry with its fragment (none when it is the current one). */
  go(route: Route): void;
  /** Removes the listeners. */
  stop(): void;
}

/**
 * Follows the window's fragment: `onChange` is called with the new route after the back/forward
 * buttons, an edited address or a followed `#…` link, and after {@link Router.go}.
 */
export function createRouter(host: RouteHost, onChange: (route: Route) => void): Router {
  const update = () => onChange(parseHash(host.location.hash));
  host.addEventListener('hashchange', update);
  host.addEventListener('popstate', update);
  return {
    current: () => parseHash(host.location.hash),
    go(route) {
      const hash = formatHash(route);
      if (hash !== formatHash(parseHash(host.location.hash)))
        host.history.pushState(null, '', `${host.location.pathname}${host.location.search}${hash}`);
      onChange(route);
    },
    stop() {
      host.removeEventListener('hashchange', update);
      host.removeEventListener('popstate', update);
    },
  };
}
