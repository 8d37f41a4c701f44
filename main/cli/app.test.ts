import { describe, expect, it } from 'vitest';
import { browserFallbackLine, startApp, type AppSteps } from './app.ts';

/** Steps that record what ran; overrides set the situation. */
function steps(overrides: Partial<AppSteps>) {
  const ran: string[] = [];
  const lines: string[] = [];
  const s: AppSteps = {
    findElectron: () => ({ reason: 'its binary is not downloaded: node_modules/electron/dist is missing' }),
    downloadElectron: async () => 'getaddrinfo ENOTFOUND github.com',
    appBuildStale: () => false,
    buildApp: async () => void ran.push('build'),
    launchElectron: async (path) => (ran.push(`electron ${path}`), 0),
    startBrowserMode: async () => void ran.push('browser'),
    log: (line) => void lines.push(line),
    ...overrides,
  };
  return { s, ran, lines };
}

describe('startApp', () => {
  it('without the binary and offline, says so in one line and starts browser mode', async () => {
    const { s, ran, lines } = steps({});
    const result = await startApp(s);
    expect(result.mode).toBe('browser');
    expect(ran).toEqual(['browser']);
    expect(lines).toEqual([
      'Electron is unavailable here (its binary is not downloaded: node_modules/electron/dist is missing; download failed: getaddrinfo ENOTFOUND github.com); starting browser mode instead.',
    ]);
    expect(lines[0]).toBe(browserFallbackLine((result as { reason: string }).reason));
  });

  it('launches the downloaded binary when the download works', async () => {
    let downloaded = false;
    const { s, ran, lines } = steps({
      findElectron: () => (downloaded ? { path: '/e/electron' } : { reason: 'missing' }),
      downloadElectron: async () => ((downloaded = true), null),
    });
    expect(await startApp(s)).toEqual({ mode: 'electron', exitCode: 0 });
    expect(ran).toEqual(['electron /e/electron']);
    expect(lines).toEqual([]);
  });

  it('falls back when a download reports success but leaves no binary', async () => {
    const { s, ran, lines } = steps({ downloadElectron: async () => null });
    expect((await startApp(s)).mode).toBe('browser');
    expect(ran).toEqual(['browser']);
    expect(lines).toHaveLength(1);
  });

  it('with the binary, builds a stale app first, then launches it without downloading', async () => {
    let downloads = 0;
    const { s, ran } = steps({
      findElectron: () => ({ path: '/e/electron' }),
      downloadElectron: async () => (downloads++, null),
      appBuildStale: () => true,
      launchElectron: async (path) => (ran.push(`electron ${path}`), 3),
    });
    expect(await startApp(s)).toEqual({ mode: 'electron', exitCode: 3 });
    expect(ran).toEqual(['build', 'electron /e/electron']);
    expect(downloads).toBe(0);
  });
});
