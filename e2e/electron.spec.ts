/**
 * The desktop app under Playwright's Electron driver: the window's security settings, the bridge
 * the preload exposes, and the runs view. Runs only where node_modules/electron has its binary;
 * elsewhere (offline machines) every test skips with the reason.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { ELECTRON_SKIP_REASON, electronBinary, repoRoot as root } from './electron_binary.ts';

const executable = electronBinary();
const hasElectronBinary = executable !== null;

test.skip(!hasElectronBinary, ELECTRON_SKIP_REASON);

let app: ElectronApplication;
let workspace: string;

test.beforeAll(async () => {
  if (!existsSync(join(root, 'out/main/main.js')) || !existsSync(join(root, 'out/renderer/index.html')))
    execFileSync(
      process.execPath,
      [
        join(root, 'node_modules/electron-vite/bin/electron-vite.js'),
        'build',
        '--config',
        'electron.config.ts',
      ],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
  workspace = mkdtempSync(join(tmpdir(), 'skill-lab-e2e-'));
  app = await electron.launch({
    executablePath: executable!,
    // Chromium's setuid sandbox cannot start as root (CI containers); the renderer sandbox flag is still checked below.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '.'],
    cwd: root,
    env: { ...process.env, SKILL_LAB_WORKSPACE: workspace },
  });
});

test.afterAll(async () => {
  await app?.close();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

test('the window is context-isolated, sandboxed, without Node, on app://', async () => {
  const win = await app.firstWindow();
  await win.waitForLoadState('domcontentloaded');
  const prefs = await app.evaluate(({ BrowserWindow }) => {
    const w = BrowserWindow.getAllWindows()[0];
    // Not in Electron's typings any more; the runtime still keeps the window's last preferences.
    const contents = w.webContents as unknown as Record<string, (() => Record<string, unknown>) | undefined>;
    const p = (contents.getLastWebPreferences ?? contents._getLastWebPreferences)?.call(w.webContents);
    return {
      contextIsolation: p?.contextIsolation,
      sandbox: p?.sandbox,
      nodeIntegration: p?.nodeIntegration,
      webSecurity: p?.webSecurity,
      url: w.webContents.getURL(),
    };
  });
  expect(prefs).toEqual({
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    webSecurity: true,
    url: 'app://skill-lab/index.html',
  });
  // Whatever the preferences API says, the page itself has no Node and no require.
  expect(await win.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
  expect(await win.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
  const bridgeKeys = await win.evaluate(() => Object.keys(window.skillLab ?? {}).sort());
  expect(bridgeKeys).toContain('listRuns');
  expect(bridgeKeys).toContain('onEvent');
  expect(bridgeKeys).not.toContain('invoke');
  const runs = await win.evaluate(() => window.skillLab!.listRuns());
  expect(runs).toMatchObject({ ok: true, result: { runs: [] } });
  // window.open is denied by the main process.
  expect(await win.evaluate(() => window.open('https://example.com') === null)).toBe(true);
});

test('the runs view shows', async () => {
  const win = await app.firstWindow();
  await expect(win.getByRole('heading', { name: 'Runs' })).toBeVisible();
});
