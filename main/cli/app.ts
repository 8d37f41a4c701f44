/**
 * `npm start` (`skill-lab app`, also `npm run app`): the desktop app when the Electron binary is here (building out/
 * first when it is missing or older than the sources), else one attempt to download the binary,
 * and when that fails too (offline machines) one line saying so, then browser mode: the renderer
 * (built if missing) and the API on http://127.0.0.1:PORT/?token=…, opened in a browser when one
 * can be found.
 *
 * The decision is {@link startApp} over injectable steps, so it is tested without Electron, a
 * network or a browser; {@link defaultAppSteps} are the real ones.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { repoRoot } from '../engine/paths.ts';
import { serveCommand } from './serve.ts';

/** The Electron executable, or why there is none. */
export type ElectronLookup = { path: string } | { reason: string };

/** The steps of {@link startApp}. */
export interface AppSteps {
  /** Finds the Electron executable of node_modules/electron. */
  findElectron(): ElectronLookup;
  /** Tries once to download the binary (node_modules/electron/install.js); resolves with why it failed, or null. */
  downloadElectron(): Promise<string | null>;
  /** True when out/ lacks the app build or is older than its sources. */
  appBuildStale(): boolean;
  /** `electron-vite build --config electron.config.ts`. */
  buildApp(): Promise<void>;
  /** Runs the app until it quits; resolves with its exit code. */
  launchElectron(executable: string): Promise<number>;
  /** Serves browser mode until Ctrl-C. */
  startBrowserMode(): Promise<void>;
  /** Prints one line. */
  log(line: string): void;
}

/** The line printed when the app cannot start and browser mode starts instead. */
export function browserFallbackLine(reason: string): string {
  return `Electron is unavailable here (${reason}); starting browser mode instead.`;
}

/**
 * Starts the desktop app, or browser mode when Electron is unavailable (see the file comment).
 * @returns which one ran, and the app's exit code when it was Electron.
 */
export async function startApp(
  steps: AppSteps,
): Promise<{ mode: 'electron'; exitCode: number } | { mode: 'browser'; reason: string }> {
  let found = steps.findElectron();
  if (!('path' in found)) {
    const failure = await steps.downloadElectron();
    const after = failure === null ? steps.findElectron() : null;
    if (after && 'path' in after) found = after;
    else {
      const reason = `${found.reason}; download failed: ${failure ?? (after as { reason: string }).reason}`;
      steps.log(browserFallbackLine(reason));
      await steps.startBrowserMode();
      return { mode: 'browser', reason };
    }
  }
  if (steps.appBuildStale()) await steps.buildApp();
  return { mode: 'electron', exitCode: await steps.launchElectron(found.path) };
}

/** Runs a command with inherited output; rejects naming it when it fails. */
function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, stdio: 'inherit' });
    child.once('error', fail);
    child.once('exit', (code, signal) =>
      code === 0
        ? done()
        : fail(new Error(`${command} ${args.join(' ')} failed (${signal ?? `code ${code}`})`)),
    );
  });
}

/** Newest modification time (ms) of the files under `dir` (skipping node_modules and dot folders). */
function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** One short line of a failed download's output: its first error line (not a stack frame), else its last line. */
function reasonLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at '));
  const line =
    lines.find((l) => /error|ENOTFOUND|EAI_AGAIN|ECONN|ETIMEDOUT/i.test(l)) ??
    lines[lines.length - 1] ??
    'no output';
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}

/** Opens a URL in the desktop's browser when an opener exists; never fails. */
function openInBrowser(url: string): void {
  const opener =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer.exe' : 'xdg-open';
  try {
    const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
    child.once('error', () => undefined);
    child.unref();
  } catch {
    // No browser to open: the printed URL is enough.
  }
}

/**
 * The real steps for the repository at `root` (default: this checkout); `downloadTimeoutMs` is
 * how long the binary download may take (default 60 s); `workspace` is browser mode's workspace.
 */
export function defaultAppSteps(
  opts: { root?: string; downloadTimeoutMs?: number; workspace?: string } = {},
): AppSteps {
  const root = opts.root ?? repoRoot();
  const downloadTimeoutMs = opts.downloadTimeoutMs ?? 60_000;
  const require = createRequire(join(root, 'package.json'));
  const electronDir = (): string | null => {
    try {
      return dirname(require.resolve('electron/package.json'));
    } catch {
      return null;
    }
  };
  return {
    findElectron() {
      const dir = electronDir();
      if (!dir) return { reason: 'the electron package is not installed' };
      const pathFile = join(dir, 'path.txt');
      if (!existsSync(pathFile) || !existsSync(join(dir, 'dist')))
        return { reason: 'its binary is not downloaded: node_modules/electron/dist is missing' };
      const executable = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
      return existsSync(executable) ? { path: executable } : { reason: `${executable} is missing` };
    },
    downloadElectron() {
      const dir = electronDir();
      if (!dir) return Promise.resolve('the electron package is not installed');
      const result = spawnSync(process.execPath, [join(dir, 'install.js')], {
        cwd: dir,
        encoding: 'utf8',
        timeout: downloadTimeoutMs,
      });
      if (result.error && (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT')
        return Promise.resolve(`no answer within ${Math.round(downloadTimeoutMs / 1000)} s`);
      if (result.status === 0) return Promise.resolve(null);
      return Promise.resolve(reasonLine(`${result.stdout ?? ''}\n${result.stderr ?? ''}`));
    },
    appBuildStale() {
      const built = ['out/main/main.js', 'out/main/worker.js', 'out/preload/preload.cjs'].map((p) =>
        join(root, p),
      );
      if (built.some((p) => !existsSync(p))) return true;
      const builtAt = Math.min(...built.map((p) => statSync(p).mtimeMs));
      const sources = Math.max(
        newestMtime(join(root, 'main')),
        newestMtime(join(root, 'native')),
        newestMtime(join(root, 'renderer')),
        statSync(join(root, 'electron.config.ts')).mtimeMs,
        statSync(join(root, 'package.json')).mtimeMs,
      );
      return sources > builtAt;
    },
    buildApp() {
      const bin = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
      return run(process.execPath, [bin, 'build', '--config', 'electron.config.ts'], root);
    },
    launchElectron(executable) {
      const env = { ...process.env };
      // Inherited from a parent Electron, this would start a plain Node instead of the app.
      delete env.ELECTRON_RUN_AS_NODE;
      return new Promise((done, fail) => {
        const child = spawn(executable, ['.'], { cwd: root, stdio: 'inherit', env });
        child.once('error', fail);
        child.once('exit', (code) => done(code ?? 1));
      });
    },
    async startBrowserMode() {
      const staticDir = join(root, 'out', 'renderer');
      const index = join(staticDir, 'index.html');
      // The renderer bundles main/api's schemas and what they import from the engine (the run config,
      // the figures' palette and curve lists): a change there needs a new build as well.
      const sourcesAt = Math.max(
        newestMtime(join(root, 'renderer')),
        newestMtime(join(root, 'main', 'api')),
        newestMtime(join(root, 'main', 'engine', 'figures')),
        statSync(join(root, 'main', 'engine', 'config.ts')).mtimeMs,
      );
      const built = existsSync(index);
      if (!built || statSync(index).mtimeMs < sourcesAt) {
        console.log(
          `building the renderer into ${staticDir} (${built ? 'its sources changed since the last build' : 'first start'})…`,
        );
        const bin = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
        await run(process.execPath, [bin, 'build', '--config', 'renderer/vite.config.ts'], root);
      }
      const server = await serveCommand({ port: 0, staticDir, workspace: opts.workspace });
      openInBrowser(server.url);
    },
    log: (line) => console.log(line),
  };
}
