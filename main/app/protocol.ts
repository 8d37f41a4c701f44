/**
 * The app:// scheme that serves the built renderer (out/renderer) to the app's window. A custom,
 * privileged scheme rather than file:// because Chromium's fetch does not support file: URLs and
 * MuJoCo's .wasm is fetched; standard + secure also give the page a real origin for the CSP.
 *
 * Plain functions (no Electron import): main.ts hands `protocol.handle` a function that calls
 * {@link serveAppRequest}.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { APP_HOST, APP_SCHEME } from './ipc.ts';
import { contentTypeOf, isInside, rendererContentSecurityPolicy } from '../api/service/renderer_files.ts';

/** The privileges registered for the scheme before the app is ready. */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  corsEnabled: true,
  stream: true,
} as const;

/** The Content-Security-Policy of the app's pages: the renderer's, with nothing beyond app:// itself. */
export function appContentSecurityPolicy(): string {
  return rendererContentSecurityPolicy();
}

/**
 * The file under `root` that an app:// URL names, or null when the URL is not ours or tries to
 * leave `root`: another scheme or host, encoded `..` or separators, backslashes, NUL bytes.
 * `/` and directories map to their index.html. The file need not exist.
 */
export function resolveAppPath(root: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  // URL parsing already folds literal "/../" segments; what survives in encoded form is an attack.
  let pathname: string;
  try {
    pathname = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  const segments = pathname.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.' || /^[A-Za-z]:/.test(s))) return null;
  const base = resolve(root);
  const file = join(base, ...segments);
  if (!isInside(base, file)) return null;
  return pathname.endsWith('/') || segments.length === 0 ? join(file, 'index.html') : file;
}

/**
 * Answers one app:// request from the files under `root`: the file with its content type (HTML
 * with the CSP header), 404 for a path outside `root` (also through a symlink) or a missing file,
 * 405 for anything but GET/HEAD.
 */
export async function serveAppRequest(root: string, request: Request): Promise<Response> {
  const text = (status: number, body: string) =>
    new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed');
  let path = resolveAppPath(root, request.url);
  if (!path) return text(404, 'not found');
  try {
    if ((await stat(path)).isDirectory()) path = join(path, 'index.html');
    const [realRoot, realFile] = await Promise.all([realpath(resolve(root)), realpath(path)]);
    if (!isInside(realRoot, realFile)) return text(404, 'not found');
    const body = await readFile(realFile);
    const headers: Record<string, string> = {
      'content-type': contentTypeOf(realFile),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    };
    if (extname(realFile).toLowerCase() === '.html')
      headers['content-security-policy'] = appContentSecurityPolicy();
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
  } catch {
    return text(404, 'not found');
  }
}
