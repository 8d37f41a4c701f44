/**
 * What every browser-mode e2e spec starts with: a real `skill-lab serve` on a temporary workspace
 * and Debian's chromium with GPU-less WebGL (SwiftShader; no sandbox as root in CI containers).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, test, type Browser, type Page } from '@playwright/test';
import { startServer } from '../main/server/server.ts';

export type Server = Awaited<ReturnType<typeof startServer>>;

/** Debian's chromium, or SKILL_LAB_CHROMIUM. */
export const CHROMIUM = process.env.SKILL_LAB_CHROMIUM ?? '/usr/bin/chromium';

/** A running lab: the server, its workspace and the browser. */
export interface Lab {
  server: Server;
  browser: Browser;
  workspace: string;
  /** The app's URL with the session token. */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the server on a fresh workspace and launches chromium.
 * @throws Error naming the missing chromium and how to install it.
 */
export async function launchLab(name: string): Promise<Lab> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `browser-mode e2e needs Debian's chromium at ${CHROMIUM}: apt-get install chromium (or set SKILL_LAB_CHROMIUM)`,
    );
  const workspace = mkdtempSync(join(tmpdir(), `skill-lab-e2e-${name}-`));
  const server = await startServer({ port: 0, workspace });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--no-sandbox'],
  });
  return {
    server,
    browser,
    workspace,
    url: server.url,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * Collects uncaught page errors, console errors and failed responses (token masked), for a final
 * `expect(errors).toEqual([])`.
 */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url().replace(/token=\w+/, 'token=…')}`);
  });
  return errors;
}

/**
 * A screenshot of the whole page into the test's output folder: the app scrolls inside its main
 * pane, not the document, so the viewport grows to the pane's content for the picture and shrinks back.
 */
export async function screenshotWhole(page: Page, file: string): Promise<void> {
  const size = page.viewportSize()!;
  const extra = await page.locator('main').evaluate((el) => el.scrollHeight - el.clientHeight);
  await page.setViewportSize({ width: size.width, height: size.height + Math.max(0, extra) });
  await page.waitForTimeout(800);
  await page.screenshot({ path: test.info().outputPath(file) });
  await page.setViewportSize(size);
}
