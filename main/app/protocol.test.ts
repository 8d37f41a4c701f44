import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appContentSecurityPolicy, resolveAppPath, serveAppRequest } from './protocol.ts';

let base: string;
let root: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'skill-lab-protocol-'));
  root = join(base, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>lab</title>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'mujoco.wasm'), Buffer.from([0, 97, 115, 109]));
  writeFileSync(join(base, 'secret.txt'), 'secret');
  symlinkSync(join(base, 'secret.txt'), join(root, 'assets', 'link.txt'));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('resolveAppPath', () => {
  it('maps app URLs to files under the root', () => {
    expect(resolveAppPath(root, 'app://skill-lab/')).toBe(join(root, 'index.html'));
    expect(resolveAppPath(root, 'app://skill-lab')).toBe(join(root, 'index.html'));
    expect(resolveAppPath(root, 'app://skill-lab/assets/app.js?v=1#x')).toBe(join(root, 'assets', 'app.js'));
    expect(resolveAppPath(root, 'app://skill-lab/assets/')).toBe(join(root, 'assets', 'index.html'));
    expect(resolveAppPath(root, 'app://skill-lab/a%20b.js')).toBe(join(root, 'a b.js'));
    // Literal dot segments are folded by URL parsing and cannot climb above the root.
    expect(resolveAppPath(root, 'app://skill-lab/../../etc/passwd')).toBe(join(root, 'etc', 'passwd'));
    // So are percent-encoded dots (WHATWG URL decodes %2e in dot segments).
    expect(resolveAppPath(root, 'app://skill-lab/%2e%2e/secret.txt')).toBe(join(root, 'secret.txt'));
    expect(resolveAppPath(root, 'app://skill-lab/assets/%2E%2E/%2E%2E/secret.txt')).toBe(
      join(root, 'secret.txt'),
    );
  });

  it('refuses traversal attempts and foreign URLs', () => {
    for (const url of [
      'app://skill-lab/..%2fsecret.txt',
      'app://skill-lab/..%5csecret.txt',
      'app://skill-lab/assets%5c..%5c..%5csecret.txt',
      'app://skill-lab/%00index.html',
      'app://skill-lab/C:%5cWindows%5cwin.ini',
      'app://skill-lab/%E0%A4%A',
      'app://other/index.html',
      'file:///etc/passwd',
      'https://skill-lab/index.html',
      'nonsense',
    ])
      expect(resolveAppPath(root, url), url).toBeNull();
  });
});

describe('serveAppRequest', () => {
  const get = (url: string, method = 'GET') => serveAppRequest(root, new Request(url, { method }));

  it('serves HTML with the CSP and wasm with its type', async () => {
    const html = await get('app://skill-lab/');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.headers.get('content-security-policy')).toBe(appContentSecurityPolicy());
    expect(await html.text()).toContain('<title>lab</title>');
    const wasm = await get('app://skill-lab/assets/mujoco.wasm');
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(new Uint8Array(await wasm.arrayBuffer())).toEqual(new Uint8Array([0, 97, 115, 109]));
  });

  it('answers 404 for traversal, symlinks out of the root and missing files; 405 for writes', async () => {
    expect((await get('app://skill-lab/%2e%2e/secret.txt')).status).toBe(404);
    expect((await get('app://skill-lab/assets/link.txt')).status).toBe(404);
    expect((await get('app://skill-lab/missing.js')).status).toBe(404);
    expect((await get('app://skill-lab/index.html', 'POST')).status).toBe(405);
  });

  it('has a CSP without remote origins that allows wasm compilation', () => {
    const csp = appContentSecurityPolicy();
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).not.toMatch(/https?:|\*|'unsafe-eval'[^-]/);
  });
});
