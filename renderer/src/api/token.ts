/**
 * The browser-mode session token: read once from `?token=` of the page URL, then kept in
 * sessionStorage and removed from the address bar, so it does not linger in history, screenshots or
 * copied links, yet survives a reload of the tab.
 */

const KEY = 'skill-lab-token';

/** Minimal view of `window` this module needs (tests pass their own). */
export interface TokenHost {
  location: { search: string; pathname: string; hash: string };
  history: { replaceState(data: unknown, unused: string, url?: string): void };
  sessionStorage: Pick<Storage, 'getItem' | 'setItem'>;
}

/**
 * The session token, or null when the page was opened without one and none is stored.
 * Side effects: stores a token found in the URL and rewrites the URL without it.
 */
export function takeSessionToken(host: TokenHost = globalThis as unknown as TokenHost): string | null {
  const params = new URLSearchParams(host.location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    host.sessionStorage.setItem(KEY, fromUrl);
    params.delete('token');
    const rest = params.toString();
    host.history.replaceState(
      null,
      '',
      `${host.location.pathname}${rest ? `?${rest}` : ''}${host.location.hash}`,
    );
    return fromUrl;
  }
  return host.sessionStorage.getItem(KEY);
}
