/**
 * Playwright end-to-end tests (`npm run e2e`, part of `npm test`): browser mode against Debian's
 * chromium (browser.spec.ts), and the Electron app (electron.spec.ts), which skips with a clear
 * message where the Electron binary is not installed.
 */
import { defineConfig } from '@playwright/test';
import { ELECTRON_SKIP_REASON, electronBinary } from './electron_binary.ts';

// The list reporter shows skipped tests without their reason: say it once, from the runner.
if (!process.env.TEST_WORKER_INDEX && electronBinary() === null) console.log(ELECTRON_SKIP_REASON);

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  // One Electron app at a time: each owns the single-instance lock.
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  // CI also writes a JSON summary, which .ci/run adds up with the unit tests' into one line.
  reporter: process.env.CI ? [['list'], ['json', { outputFile: '../.tmp/playwright.json' }]] : [['list']],
  outputDir: '../.tmp/e2e-results',
});
