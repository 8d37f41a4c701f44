/**
 * The Electron main process of the desktop app: one window onto the lab service, nothing else. It
 * never trains: every run trains in its own utilityProcess (run_process.ts), and a run process that
 * crashes leaves its run in status 'error' with the reason while the app and other runs go on.
 *
 * Security (Electron's checklist): the renderer is served from the privileged app:// scheme with a
 * strict CSP (protocol.ts); the window is context-isolated and sandboxed without Node; navigation,
 * new windows, webviews and permission requests are denied; every IPC request is checked for its
 * sender frame and validated against the contract before it reaches the service (ipc.ts).
 *
 * Layout after `npm run build:app`: out/main/main.js (this), out/main/worker.js (run processes),
 * out/preload/preload.cjs, out/renderer/.
 */
import {
  app,
  BrowserWindow,
  ipcMain,
  protocol,
  session,
  utilityProcess,
  type IpcMainInvokeEvent,
} from 'electron';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_CHANNEL, invokeChannel } from '../api/contract/bridge.ts';
import { EVENT_NAMES, METHOD_NAMES, type EventEnvelope } from '../api/contract/contract.ts';
import { LabService } from '../api/service/service.ts';
import { APP_ORIGIN, APP_SCHEME, handleLabInvoke } from './ipc.ts';
import { APP_SCHEME_PRIVILEGES, serveAppRequest } from './protocol.ts';
import { utilityProcessSpawner } from './run_process.ts';

const here = dirname(fileURLToPath(import.meta.url));
const RENDERER_DIR = join(here, '../renderer');
const PRELOAD = join(here, '../preload/preload.cjs');
const WORKER = join(here, 'worker.js');

// Must happen before 'ready': the scheme's privileges cannot be granted later.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

/**
 * Where the engine finds assets/ (paths.ts): the app folder, or beside app.asar where
 * electron-builder unpacks assets/ (MuJoCo and the run processes read them with plain fs).
 */
function appRoot(): string {
  const path = app.getAppPath();
  return app.isPackaged ? path.replace(/app\.asar$/, 'app.asar.unpacked') : path;
}

let win: BrowserWindow | null = null;
let service: LabService | null = null;

/** True when an IPC request comes from the main frame of the app's own window. */
function fromAppMainFrame(event: IpcMainInvokeEvent): boolean {
  return (
    win !== null &&
    !win.isDestroyed() &&
    event.sender === win.webContents &&
    event.senderFrame !== null &&
    event.senderFrame === win.webContents.mainFrame
  );
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1440,
    height: 920,
    show: false,
    title: 'skill-lab',
    backgroundColor: '#111418',
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => {
    if (win === window) win = null;
  });
  if (!existsSync(join(RENDERER_DIR, 'index.html')))
    console.error(`[skill-lab] the renderer is not built (${RENDERER_DIR} missing): run npm run build:app`);
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}

/** Denies everything a page could use to leave the app or gain powers, for every web contents. */
function lockDown(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

/** Wires the contract: one IPC handler per method, events forwarded to the window. */
function wireService(lab: LabService): void {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(invokeChannel(method), (event, params: unknown) =>
      handleLabInvoke(
        { url: event.senderFrame?.url ?? null, isAppMainFrame: fromAppMainFrame(event) },
        method,
        params,
        lab,
      ),
    );
  }
  for (const name of EVENT_NAMES) {
    lab.on(name, (data) => {
      if (win && !win.isDestroyed())
        win.webContents.send(EVENT_CHANNEL, { event: name, data } as EventEnvelope);
    });
  }
}

async function start(): Promise<void> {
  await app.whenReady();
  process.env.SKILL_LAB_ROOT ??= appRoot();
  lockDown();
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(RENDERER_DIR, request));
  service = new LabService({
    // A packaged app has no meaningful working directory: its runs go to Documents/skill-lab.
    workspace:
      process.env.SKILL_LAB_WORKSPACE ??
      (app.isPackaged ? join(app.getPath('documents'), 'skill-lab') : undefined),
    spawnRun: utilityProcessSpawner(utilityProcess.fork, WORKER, { ...process.env }),
  });
  wireService(service);
  win = createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createWindow();
  });
}

if (!app.requestSingleInstanceLock()) {
  // A second launch only brings the first one's window forward (two apps would share one workspace).
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('window-all-closed', () => app.quit());
  let closed = false;
  app.on('before-quit', (event) => {
    if (closed || !service) return;
    // Training runs stop after their iteration with a checkpoint (resumable) before the app exits.
    event.preventDefault();
    closed = true;
    service.close({ killAfterMs: 15_000 }).finally(() => app.quit());
  });
  start().catch((err: Error) => {
    console.error(`[skill-lab] the app could not start: ${err.stack ?? err.message}`);
    app.exit(1);
  });
}
