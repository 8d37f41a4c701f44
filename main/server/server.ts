/**
 * Browser mode: the built renderer and the API contract over HTTP + WebSocket, for machines without
 * the Electron binary, remote workstations (through an SSH tunnel) and end-to-end tests.
 *
 *     POST /api/<method>        JSON params → response envelope (contract.ts), id null
 *     GET  /ws?token=…          WebSocket: request/response envelopes and pushed events
 *     GET  /, /<file>           the built renderer (staticDir), or 503 when it is not built
 *
 * Security: listens on 127.0.0.1 only; every request carries the session token (a random 32-byte
 * hex string, printed in the URL): `?token=` or `Authorization: Bearer`, else 401. Pages the
 * browser loads by plain URL (the renderer's scripts, styles, wasm) cannot carry either, so a page
 * opened with the token sets an HttpOnly, SameSite=Strict cookie that static files (only they)
 * accept too. The Host header must name this server (no DNS rebinding); the Origin of an API
 * request or a WebSocket must be absent or this server (403 otherwise); HTML gets a strict Content-Security-Policy; static paths cannot leave
 * staticDir. Every message is validated against the contract; bad input gets an error envelope,
 * never a crash.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import { LabService } from '../api/service/service.ts';
import {
  EVENT_NAMES,
  eventEnvelopeSchema,
  formatApiIssues,
  toIssues,
  type ErrorCode,
  type ResponseEnvelope,
} from '../api/contract/contract.ts';
import { contentTypeOf, rendererContentSecurityPolicy } from '../api/service/renderer_files.ts';

export interface ServerOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Workspace folder of the service (default: $SKILL_LAB_WORKSPACE or ./workspace). */
  workspace?: string;
  /** The built renderer (default: {@link defaultStaticDir}); null serves no files. */
  staticDir?: string | null;
  /** Serve this service instead of creating one; the caller then closes it. */
  service?: LabService;
}

export interface RunningServer {
  /** http://127.0.0.1:PORT/?token=… — what to open in a browser. */
  url: string;
  token: string;
  port: number;
  service: LabService;
  /** The renderer folder being served, or null when it does not exist (GET / answers 503). */
  staticDir: string | null;
  /**
   * Stops the service's run processes gracefully (unless the service was passed in), closes every
   * connection and the listening socket.
   */
  close(opts?: { killAfterMs?: number }): Promise<void>;
}

/** Largest request accepted (HTTP body or WebSocket message), in bytes. */
const MAX_BODY = 1 << 20;
/** A client this far behind gets no more live previews until it catches up, in bytes. */
const MAX_BUFFERED = 8 << 20;

const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  unauthorized: 401,
  internal: 500,
};

/** Where `npm run build` puts the renderer (electron-vite's out/renderer). */
export function defaultStaticDir(): string {
  return fileURLToPath(new URL('../../out/renderer', import.meta.url));
}

/** The Content-Security-Policy of served pages: the renderer's, plus this server's WebSocket. */
export function contentSecurityPolicy(port: number): string {
  return rendererContentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]);
}

/** Compares two secrets in constant time. */
function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m ? m[1] : null;
}

function cookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/**
 * Starts browser mode on 127.0.0.1.
 * @throws Error naming the port when it is in use or cannot be bound.
 */
export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const token = randomBytes(32).toString('hex');
  const ownsService = !opts.service;
  const service = opts.service ?? new LabService({ workspace: opts.workspace });
  const requestedStatic = opts.staticDir === undefined ? defaultStaticDir() : opts.staticDir;
  const staticRoot =
    requestedStatic && existsSync(requestedStatic) && statSync(requestedStatic).isDirectory()
      ? realpathSync(requestedStatic)
      : null;
  let port = opts.port ?? 0;
  const cookieName = () => `skill-lab-token-${port}`;
  const hosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const origins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  /**
   * The one Origin rule of the API, HTTP and WebSocket alike: no Origin (a non-browser client) or
   * this server's own pages. A page elsewhere (another site, a file://, a sandboxed frame's "null")
   * never gets an answer, even one that carries a stolen token.
   */
  const originRefusal = (req: IncomingMessage): string | null => {
    const origin = req.headers.origin;
    return origin === undefined || origins().has(origin) ? null : `origin ${origin} is not allowed`;
  };

  /** Where the request's token came from, or null when it has none or a wrong one. */
  const authenticate = (req: IncomingMessage, url: URL, allowCookie: boolean) => {
    const query = url.searchParams.get('token');
    if (query !== null && sameSecret(query, token)) return 'query';
    const header = bearer(req);
    if (header !== null && sameSecret(header, token)) return 'header';
    const c = allowCookie ? cookie(req, cookieName()) : null;
    if (c !== null && sameSecret(c, token)) return 'cookie';
    return null;
  };

  const text = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  };

  const json = (res: ServerResponse, status: number, envelope: ResponseEnvelope) => {
    const body = JSON.stringify(envelope);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
    });
    res.end(body);
  };

  const fail = (res: ServerResponse, code: ErrorCode, message: string, status = HTTP_STATUS[code]) =>
    json(res, status, { id: null, ok: false, error: { code, message } });

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!authenticate(req, url, false))
      return fail(
        res,
        'unauthorized',
        'missing or wrong session token: use the URL `skill-lab serve` printed',
      );
    const badOrigin = originRefusal(req);
    if (badOrigin) return fail(res, 'unauthorized', badOrigin, 403);
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return fail(
        res,
        'invalid',
        `${req.method} ${url.pathname}: API requests are POST with JSON params`,
        405,
      );
    }
    const tooLarge = () => {
      // The rest of the body is left unread, so the connection cannot carry another request (its
      // bytes would be taken for body and wait forever): answer, then close it.
      res.setHeader('Connection', 'close');
      fail(res, 'invalid', `request body over ${MAX_BODY} bytes (the limit of one request)`, 413);
    };
    if (Number(req.headers['content-length']) > MAX_BODY) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY) return tooLarge();
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks).toString('utf8');
    let params: unknown = undefined;
    if (body.trim()) {
      // A JSON content type makes cross-origin pages preflight, which this server never grants.
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
        return fail(res, 'invalid', 'Content-Type must be application/json', 415);
      try {
        params = JSON.parse(body);
      } catch (err) {
        return fail(res, 'invalid', `request body is not valid JSON: ${(err as Error).message}`);
      }
    }
    let method: string;
    try {
      method = decodeURIComponent(url.pathname.slice('/api/'.length));
    } catch {
      return fail(res, 'invalid', `bad method name in ${url.pathname}`);
    }
    const response = await service.call(method, params, null);
    json(res, response.ok ? 200 : HTTP_STATUS[response.error.code], response);
  }

  function handleStatic(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const via = authenticate(req, url, true);
    if (!via)
      return text(res, 401, 'missing or wrong session token: open the URL `skill-lab serve` printed\n');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return text(res, 405, `${req.method} is not allowed here\n`, { Allow: 'GET, HEAD' });
    if (!staticRoot) return text(res, 503, 'renderer not built: run npm run build\n');
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return text(res, 400, 'bad path encoding\n');
    }
    if (rel.includes('\0')) return text(res, 400, 'bad path\n');
    // No hidden files, and nothing outside the renderer folder, also through symlinks.
    if (rel.split(/[\\/]/).some((seg) => seg.startsWith('.'))) return text(res, 404, 'not found\n');
    let file = resolve(staticRoot, '.' + rel);
    const inside = (p: string) => p === staticRoot || p.startsWith(staticRoot + sep);
    if (!inside(file)) return text(res, 404, 'not found\n');
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      // Client-side routes (no extension) get the app; missing assets a 404.
      if (extname(rel) !== '') return text(res, 404, 'not found\n');
      file = join(staticRoot, 'index.html');
      if (!existsSync(file)) return text(res, 404, 'not found\n');
    }
    const real = realpathSync(file);
    if (!inside(real) || !statSync(real).isFile()) return text(res, 404, 'not found\n');
    const type = contentTypeOf(real);
    const headers: Record<string, string | number> = {
      'Content-Type': type,
      'Content-Length': statSync(real).size,
      'Cache-Control': 'no-cache',
    };
    if (type.startsWith('text/html')) {
      headers['Content-Security-Policy'] = contentSecurityPolicy(port);
      if (via !== 'cookie')
        headers['Set-Cookie'] = `${cookieName()}=${token}; Path=/; HttpOnly; SameSite=Strict`;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    createReadStream(real).pipe(res);
  }

  const server = createServer((req, res) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer'); // the token is in the page URL
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (!hosts().has(req.headers.host ?? ''))
      return text(res, 403, `unexpected Host "${req.headers.host ?? ''}"; use http://127.0.0.1:${port}/\n`);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    } catch {
      return text(res, 400, 'bad request URL\n');
    }
    const handler = url.pathname.startsWith('/api/')
      ? handleApi(req, res, url)
      : Promise.resolve(handleStatic(req, res, url));
    handler.catch((err: Error) => {
      if (!res.headersSent) fail(res, 'internal', err.message);
      else res.destroy(err);
    });
  });

  // ── WebSocket ──────────────────────────────────────────────────────────────────────────────
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY });
  const clients = new Set<WebSocket>();

  const refuse = (socket: Duplex, status: number, reason: string) => {
    const body = `${reason}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found'}\r\n` +
        `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  };

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    } catch {
      return refuse(socket, 404, 'bad URL');
    }
    if (url.pathname !== '/ws') return refuse(socket, 404, 'the WebSocket is at /ws');
    if (!hosts().has(req.headers.host ?? '')) return refuse(socket, 403, 'unexpected Host');
    if (!authenticate(req, url, false)) return refuse(socket, 401, 'missing or wrong session token');
    const badOrigin = originRefusal(req);
    if (badOrigin) return refuse(socket, 403, badOrigin);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const send = (ws: WebSocket, payload: string) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(payload);
  };

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
    ws.on('message', (data, isBinary) => {
      void (async () => {
        let response: ResponseEnvelope;
        if (isBinary) {
          response = {
            id: null,
            ok: false,
            error: { code: 'invalid', message: 'binary frames are not part of the API; send JSON text' },
          };
        } else {
          let raw: unknown;
          try {
            raw = JSON.parse(data.toString());
            response = await service.handleMessage(raw);
          } catch (err) {
            response = {
              id: null,
              ok: false,
              error: { code: 'invalid', message: `message is not valid JSON: ${(err as Error).message}` },
            };
          }
        }
        send(ws, JSON.stringify(response));
      })();
    });
  });

  // Events are validated and serialized once, then sent to every client.
  const unsubscribe = EVENT_NAMES.map((event) =>
    service.on(event, (data) => {
      const checked = eventEnvelopeSchema.safeParse({ event, data });
      const payload = checked.success
        ? JSON.stringify(checked.data)
        : JSON.stringify({
            event: 'error',
            data: {
              runId: null,
              message: `a ${event} event did not match the API contract:\n${formatApiIssues(toIssues(checked.error))}`,
            },
          });
      for (const ws of clients) {
        // A client far behind skips live previews rather than growing the server's memory.
        if (event === 'rollout' && ws.bufferedAmount > MAX_BUFFERED) continue;
        send(ws, payload);
      }
    }),
  );

  await new Promise<void>((resolvePromise, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} on 127.0.0.1 is in use; choose another with --port (0 picks a free one)`
            : `cannot listen on 127.0.0.1:${port}: ${err.message}`,
        ),
      );
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolvePromise();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the server has no TCP address');
  port = address.port;

  let closed: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    service,
    staticDir: staticRoot,
    close(closeOpts = {}) {
      closed ??= (async () => {
        if (ownsService) await service.close(closeOpts);
        for (const u of unsubscribe) u();
        for (const ws of clients) ws.terminate();
        wss.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      })();
      return closed;
    },
  };
}
