import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startServer, type RunningServer } from './server.ts';
import {
  eventEnvelopeSchema,
  responseEnvelopeSchema,
  type EventEnvelope,
  type ResponseEnvelope,
} from '../api/contract/contract.ts';
import { TINY } from '../api/service/test_helpers.ts';

let server: RunningServer;
let base: string;
let staticDir: string;

/** A raw HTTP request (the path is sent exactly as given, no client-side normalization). */
function raw(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, path, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const auth = () => ({ Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' });

async function api(method: string, params: unknown, headers: Record<string, string> = auth()) {
  const res = await raw(`/api/${method}`, { method: 'POST', headers, body: JSON.stringify(params) });
  return { status: res.status, envelope: responseEnvelopeSchema.parse(JSON.parse(res.body)) };
}

/** A WebSocket client that records responses and events. */
class Client {
  readonly events: EventEnvelope[] = [];
  readonly eventTimes: number[] = [];
  private readonly pending = new Map<string | number, (r: ResponseEnvelope) => void>();
  private readonly waiters = new Set<() => void>();
  private nextId = 1;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if ('event' in msg) {
        this.events.push(eventEnvelopeSchema.parse(msg));
        this.eventTimes.push(performance.now());
        for (const w of this.waiters) w();
        return;
      }
      const response = responseEnvelopeSchema.parse(msg);
      this.pending.get(response.id ?? 'null')?.(response);
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Sends a raw text frame and waits for the response with this id (null for unreadable ones). */
  sendRaw(text: string, id: string | number | null): Promise<ResponseEnvelope> {
    return new Promise((resolve) => {
      this.pending.set(id ?? 'null', resolve);
      this.ws.send(text);
    });
  }

  request(method: string, params?: unknown): Promise<ResponseEnvelope> {
    const id = this.nextId++;
    return this.sendRaw(JSON.stringify({ id, method, params }), id);
  }

  waitFor(pred: (e: EventEnvelope) => boolean, what: string, timeoutMs = 60_000): Promise<EventEnvelope> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.events.find(pred);
        if (!hit) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
      };
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

/** The HTTP status with which a WebSocket upgrade is refused (null: it was accepted). */
async function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number | null> {
  try {
    const c = await Client.open(url, headers);
    c.ws.close();
    return null;
  } catch (err) {
    return Number(/HTTP (\d+)/.exec((err as Error).message)?.[1] ?? NaN);
  }
}

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'skill-lab-server-'));
  staticDir = join(root, 'renderer');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(
    join(staticDir, 'index.html'),
    '<!doctype html><title>skill-lab</title><script src="/assets/app.js"></script>',
  );
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(join(staticDir, '.env'), 'hidden');
  writeFileSync(join(root, 'secret.txt'), 'TOP SECRET');
  server = await startServer({ port: 0, workspace: join(root, 'workspace'), staticDir });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close({ killAfterMs: 10_000 });
});

describe('browser-mode server', () => {
  it('listens on 127.0.0.1 only, with a random 32-byte token in its URL', async () => {
    expect(server.url).toBe(`${base}/?token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    if (external) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = connect(server.port, external.address);
        s.once('connect', () => (s.destroy(), resolve(false)));
        s.once('error', () => resolve(true));
      });
      expect(refused).toBe(true);
    }
  });

  it('answers API requests with the token, and refuses them without it or with a wrong one', async () => {
    const ok = await api('listEnvs', {});
    expect(ok.status).toBe(200);
    expect(ok.envelope.ok && (ok.envelope.result as { envs: unknown[] }).envs).toHaveLength(3);
    const viaQuery = await raw(`/api/listPresets?token=${server.token}`, { method: 'POST' });
    expect(viaQuery.status).toBe(200);

    const missing = await api('listEnvs', {}, { 'Content-Type': 'application/json' });
    expect(missing.status).toBe(401);
    expect(missing.envelope).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const wrong = await api('listEnvs', {}, { Authorization: `Bearer ${'0'.repeat(64)}` });
    expect(wrong.status).toBe(401);
    expect((await raw(`/api/listEnvs?token=${server.token.slice(1)}`, { method: 'POST' })).status).toBe(401);
    expect((await raw(`/?token=nope`)).status).toBe(401);
    expect((await raw(`/`)).status).toBe(401);
    expect((await raw(`/?token=${server.token}`, { headers: { Host: 'evil.example:80' } })).status).toBe(403);
  });

  it('returns error envelopes for invalid JSON, unknown methods and invalid params', async () => {
    const bad = await raw('/api/listRuns', { method: 'POST', headers: auth(), body: '{ nope' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ id: null, ok: false, error: { code: 'invalid' } });
    const unknown = await api('formatDisk', {});
    expect(unknown.status).toBe(404);
    expect(unknown.envelope).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const invalid = await api('startRun', {
      algo: 'diayn',
      preset: 'point-mass',
      overrides: { 'sac.gamma': 2 },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.envelope).toMatchObject({
      ok: false,
      error: { code: 'invalid', issues: [{ path: 'sac.gamma' }] },
    });
    expect((await api('getRun', { runId: 'missing' })).status).toBe(404);
    expect((await raw(`/api/listRuns?token=${server.token}`)).status).toBe(405);
    const form = await raw(`/api/listRuns?token=${server.token}`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(form.status).toBe(415);
  });

  it('refuses API requests from another origin, as the WebSocket does', async () => {
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${server.port + 1}`]) {
      const res = await api('listEnvs', {}, { ...auth(), Origin: origin });
      expect(res.status, origin).toBe(403);
      expect(res.envelope).toMatchObject({
        ok: false,
        error: { code: 'unauthorized', message: `origin ${origin} is not allowed` },
      });
    }
    // Without the token it stays refused, whatever the origin.
    expect((await api('listEnvs', {}, { 'Content-Type': 'application/json', Origin: base })).status).toBe(
      401,
    );
    for (const origin of [base, `http://localhost:${server.port}`])
      expect((await api('listEnvs', {}, { ...auth(), Origin: origin })).status, origin).toBe(200);
  });

  it('closes the connection right after a 413, so a request sent after it is never left waiting', async () => {
    /** Sends `first` on one connection, then `second` once an answer arrives; times the end. */
    const exchange = (first: Buffer[], second: string) =>
      new Promise<{ answers: string; closedAfterMs: number }>((resolve, reject) => {
        const sock = connect(server.port, '127.0.0.1');
        let answers = '';
        let answeredAt = 0;
        const timer = setTimeout(() => {
          sock.destroy();
          reject(new Error(`still open 10 s after the 413; got ${JSON.stringify(answers.slice(0, 200))}`));
        }, 10_000);
        sock.on('data', (d) => {
          answers += d.toString('latin1');
          if (!answeredAt) {
            answeredAt = performance.now();
            sock.write(second);
          }
        });
        sock.on('error', () => {});
        sock.on('close', () => {
          clearTimeout(timer);
          resolve({ answers, closedAfterMs: performance.now() - answeredAt });
        });
        for (const part of first) sock.write(part);
      });
    const head = (extra: string) =>
      `POST /api/listEnvs HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${server.token}\r\n` +
      `Content-Type: application/json\r\n${extra}\r\n`;
    const next = `${head('Content-Length: 2\r\n')}{}`;
    const chunk = Buffer.alloc(1 << 16, 'x');
    // A body declared over the limit (the client sends only part of it), and a chunked one past it.
    const declared = [Buffer.from(head(`Content-Length: ${4 << 20}\r\n`)), ...Array(18).fill(chunk)];
    const chunked = [
      Buffer.from(head('Transfer-Encoding: chunked\r\n')),
      ...Array.from({ length: 18 }, () =>
        Buffer.concat([Buffer.from(`10000\r\n`), chunk, Buffer.from('\r\n')]),
      ),
    ];
    for (const first of [declared, chunked]) {
      const { answers, closedAfterMs } = await exchange(first, next);
      expect(answers).toMatch(/^HTTP\/1\.1 413 /);
      // Answered, or the connection closed at once: never a request left hanging.
      const answered = (answers.match(/HTTP\/1\.1 /g) ?? []).length === 2;
      expect(answered || closedAfterMs < 1_000, `closed ${closedAfterMs.toFixed(0)} ms after the 413`).toBe(
        true,
      );
      expect(answers).toMatch(/Connection: close/i);
    }
    expect((await api('listEnvs', {})).status).toBe(200);
  });

  it('serves the renderer with a strict CSP, a session cookie for its assets, and nothing outside it', async () => {
    const page = await raw(`/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<title>skill-lab/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval'/);
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    const setCookie = String(page.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0];

    const asset = await raw('/assets/app.js', { headers: { Cookie: cookie } });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect((await raw('/assets/app.js')).status).toBe(401);
    // The cookie opens static files only, never the API.
    expect((await raw('/api/listRuns', { method: 'POST', headers: { Cookie: cookie } })).status).toBe(401);

    const t = `token=${server.token}`;
    for (const path of [
      `/../secret.txt?${t}`,
      `/..%2fsecret.txt?${t}`,
      `/%2e%2e/secret.txt?${t}`,
      `/assets/..%2f..%2fsecret.txt?${t}`,
      `/%2e%2e%2f%2e%2e%2fsecret.txt?${t}`,
      `/.env?${t}`,
      `/assets/%00.js?${t}`,
    ]) {
      const res = await raw(path);
      expect(res.body, path).not.toMatch(/TOP SECRET|hidden/);
      expect([400, 404], path).toContain(res.status);
    }
    expect((await raw(`/runs/42?${t}`)).body).toMatch(/<title>skill-lab/); // client-side route
  });

  it('answers 503 while the renderer is not built', async () => {
    const bare = await startServer({
      port: 0,
      workspace: mkdtempSync(join(tmpdir(), 'skill-lab-ws-')),
      staticDir: '/nonexistent/renderer',
    });
    try {
      expect(bare.staticDir).toBeNull();
      const res = await fetch(bare.url);
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(/renderer not built: run npm run build/);
      expect((await fetch(`http://127.0.0.1:${bare.port}/`)).status).toBe(401);
    } finally {
      await bare.close();
    }
  });

  it('refuses WebSocket upgrades without the token, with a wrong one or from another origin', async () => {
    const ws = `ws://127.0.0.1:${server.port}/ws`;
    expect(await upgradeStatus(ws)).toBe(401);
    expect(await upgradeStatus(`${ws}?token=${'f'.repeat(64)}`)).toBe(401);
    expect(await upgradeStatus(`${ws}?token=${server.token}`, { Origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(`ws://127.0.0.1:${server.port}/other?token=${server.token}`)).toBe(404);
    expect(await upgradeStatus(`${ws}?token=${server.token}`, { Origin: base })).toBeNull();
    expect(await upgradeStatus(`${ws}?token=${server.token}`)).toBeNull();
  });

  it('carries requests, error envelopes and live events over the WebSocket', async () => {
    const client = await Client.open(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    try {
      const presets = await client.request('listPresets');
      expect(presets.ok).toBe(true);
      expect(await client.sendRaw('not json', null)).toMatchObject({
        id: null,
        ok: false,
        error: { code: 'invalid' },
      });
      expect(await client.sendRaw(JSON.stringify({ id: 'a', method: 'explode' }), 'a')).toMatchObject({
        id: 'a',
        ok: false,
        error: { code: 'not_found' },
      });
      expect(await client.sendRaw(JSON.stringify({ id: 'b', verb: 'listRuns' }), 'b')).toMatchObject({
        id: 'b',
        ok: false,
        error: { code: 'invalid' },
      });
      const bad = await client.request('startRun', {
        algo: 'dads',
        preset: 'point-mass',
        overrides: { 'dads.components': 0 },
      });
      expect(bad).toMatchObject({
        ok: false,
        error: { code: 'invalid', issues: [{ path: 'dads.components' }] },
      });

      const started = await client.request('startRun', {
        algo: 'diayn',
        preset: 'point-mass',
        overrides: TINY,
      });
      if (!started.ok) throw new Error(started.error.message);
      const runId = (started.result as { run: { id: string } }).run.id;
      await client.waitFor(
        (e) => e.event === 'runStatus' && e.data.id === runId && e.data.activity === null,
        'the run to end',
      );
      const status = client.events.filter((e) => e.event === 'runStatus' && e.data.id === runId).pop()!;
      expect(status.event === 'runStatus' && status.data.status).toBe('completed');

      const rollouts = client.events.filter((e) => e.event === 'rollout' && e.data.runId === runId);
      expect(rollouts.length).toBeGreaterThanOrEqual(1);
      const first = rollouts[0];
      if (first.event === 'rollout') {
        expect(first.data.env).toBe('point-mass');
        expect(first.data.qpos[0]).toHaveLength(2);
        expect(first.data.qpos.length).toBe(51);
      }

      // Message rate per run: the most messages about this run within any 1 s window.
      const about = client.events
        .map((e, i) => ({ e, at: client.eventTimes[i] }))
        .filter(
          ({ e }) =>
            (e.data as { runId?: string }).runId === runId || (e.data as { id?: string }).id === runId,
        );
      const perSecond = (list: typeof about) =>
        Math.max(...list.map((m) => list.filter((n) => n.at >= m.at && n.at < m.at + 1000).length));
      const metricMessages = about.filter(({ e }) => e.event === 'metrics');
      expect(metricMessages.length).toBeGreaterThanOrEqual(1);
      expect(perSecond(metricMessages)).toBeLessThanOrEqual(10);
      expect(perSecond(about)).toBeLessThanOrEqual(20);
    } finally {
      client.ws.close();
    }
  });
});
