/**
 * Browser mode end to end, against a real `skill-lab serve` and Debian's chromium: a new user starts
 * DIAYN and DADS on the quick preset, sees metrics arrive, compares them side by side in 3D and in
 * plots, scrubs the shared timeline; bad input and requests without the token are refused.
 */
import { expect, test, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { decodePng, luminanceVariance } from './png.ts';
import { collectErrors, launchLab, type Lab } from './harness.ts';

let lab: Lab;
test.beforeAll(async () => {
  lab = await launchLab('browser');
});
test.afterAll(async () => lab?.close());

test('requests without the session token are refused', async () => {
  const base = `http://127.0.0.1:${lab.server.port}`;
  expect((await fetch(`${base}/`)).status).toBe(401);
  expect((await fetch(`${base}/api/listRuns`, { method: 'POST', body: '{}' })).status).toBe(401);
  const wrong = await fetch(`${base}/api/listRuns`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
    body: '{}',
  });
  expect(wrong.status).toBe(401);
  const refused = await new Promise<string>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${lab.server.port}/ws?token=wrong`);
    ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
    ws.on('open', () => resolve('open'));
    ws.on('error', () => resolve('error'));
  });
  expect(refused).toBe('401');
});

/** Starts a run from the form; returns once the form closed. */
async function startRun(page: Page, algo: string, steps: number) {
  await page.click('button:has-text("New run")');
  await page.selectOption('select[name=preset]', 'point-mass');
  await page.selectOption('select[name=algo]', algo);
  await page.fill('input[name=totalEnvSteps]', String(steps));
  await page.click('button:has-text("Start run")');
  await page.waitForSelector('form', { state: 'detached' });
}

test('a new user trains DIAYN and DADS and compares them in 3D and in plots', async () => {
  const testInfo = test.info();
  const page = await lab.browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectErrors(page);
  await page.goto(lab.url);
  await page.waitForSelector('text=connected');
  await expect(page.locator('[data-test=empty]')).toBeVisible();

  // An invalid hyperparameter shows an inline message and starts nothing.
  await page.click('button:has-text("New run")');
  await page.fill('input[name="sac.lr"]', '-1');
  await page.click('button:has-text("Start run")');
  await expect(page.locator('[role=alert]')).toContainText(/must be a number > 0/);
  await page.click('button:has-text("Cancel")');
  await expect(page.locator('tbody tr')).toHaveCount(0);

  await startRun(page, 'diayn', 3000);
  await startRun(page, 'dads', 3000);
  await expect(page.locator('tbody tr')).toHaveCount(2);
  // Metric rows arrive: each run's key-metric cell fills in while it trains.
  for (const row of await page.locator('tbody tr').all()) {
    await expect(row.locator('td').nth(8)).not.toHaveText('—', { timeout: 90_000 });
  }
  await page.screenshot({ path: testInfo.outputPath('runs.png') });

  for (const box of await page.locator('tbody input[type=checkbox]').all()) await box.check();
  await page.click('button:has-text("Compare 2 runs")');
  const canvases = page.locator('.scene-pane canvas');
  await expect(canvases).toHaveCount(2);
  // Live previews (or evaluation rollouts) reach both columns, then each 3D canvas must have drawn
  // a scene: pixel variance, not merely an element on the page.
  await expect(page.locator('text=/live previews|evaluation/')).toHaveCount(2, { timeout: 90_000 });
  await page.waitForTimeout(2000);
  for (let k = 0; k < 2; k++) {
    const png = await canvases.nth(k).screenshot({ path: testInfo.outputPath(`scene-${k}.png`) });
    expect(luminanceVariance(decodePng(png)), `canvas ${k} drew nothing`).toBeGreaterThan(50);
  }

  // Each column's plots drew: the x-y traces and a panel per learning curve, with lines in them.
  // The x-y traces (redrawn as the timeline plays) are a canvas; the learning curves are SVG.
  await expect(page.locator('.vega-plot canvas')).toHaveCount(2);
  await expect(page.locator('.vega-plot svg')).toHaveCount(2);
  for (const title of ['discriminator accuracy', 'skill-dynamics log q']) {
    const curves = page.locator('.vega-plot svg', { hasText: title });
    await expect(curves).toBeVisible();
    // Polled: while the runs train, new metric rows redraw the plot, replacing its svg in between.
    await expect
      .poll(async () => (await curves.boundingBox().catch(() => null))?.height ?? 0, {
        message: `${title} panel`,
      })
      .toBeGreaterThan(150);
    await expect
      .poll(() => curves.locator('path[aria-roledescription="line mark"]').count(), {
        message: `${title} lines`,
      })
      .toBeGreaterThanOrEqual(6);
  }

  // One shared timeline: scrub it, and the time read-out follows.
  await page.click('button[aria-label=pause]').catch(() => undefined);
  const scrub = page.locator('input[aria-label=time]');
  await scrub.evaluate((el: HTMLInputElement) => {
    el.value = String(Number(el.max) / 2);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  const half = await scrub.evaluate((el: HTMLInputElement) => (Number(el.max) / 2).toFixed(2));
  await expect(page.locator('.timeline .time')).toContainText(`${half} /`);

  // Resizable panes: dragging the splitter between the columns widens the first one, and its 3D
  // view follows the new size.
  const widthOf = async (k: number) => (await canvases.nth(k).boundingBox())!.width;
  const before = [await widthOf(0), await widthOf(1)];
  const splitter = (await page.locator('.splitpanes__splitter').first().boundingBox())!;
  await page.mouse.move(splitter.x + splitter.width / 2, splitter.y + 40);
  await page.mouse.down();
  await page.mouse.move(splitter.x + 150, splitter.y + 40, { steps: 8 });
  await page.mouse.up();
  await expect.poll(() => widthOf(0)).toBeGreaterThan(before[0] + 100);
  expect(await widthOf(1)).toBeLessThan(before[1] - 100);
  await page.screenshot({ path: testInfo.outputPath('compare.png'), fullPage: true });
  expect(errors, errors.join('\n')).toEqual([]);
  await page.close();
});

/** One API request over HTTP with the session token. */
async function api(method: string, params: unknown): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${lab.server.port}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${lab.server.token}` },
    body: JSON.stringify(params),
  });
  const body = await res.json();
  if (!body.ok) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

test('a run process killed from outside shows its error while the other run keeps training', async () => {
  const page = await lab.browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(lab.url);
  await page.waitForSelector('text=connected');
  const victim = (
    await api('startRun', { algo: 'diayn', preset: 'point-mass', seed: 7, totalEnvSteps: 20000 })
  ).run;
  const survivor = (
    await api('startRun', { algo: 'dads', preset: 'point-mass', seed: 7, totalEnvSteps: 20000 })
  ).run;
  const victimRow = page.locator(`tr[data-run="${victim.id}"]`);
  const survivorRow = page.locator(`tr[data-run="${survivor.id}"]`);
  await expect(victimRow.locator('.status')).toHaveText('training', { timeout: 60_000 });
  await expect(survivorRow.locator('.status')).toHaveText('training', { timeout: 60_000 });

  let pid: number | null = null;
  await expect
    .poll(async () => (pid = (await api('getRun', { runId: victim.id })).run.pid), { timeout: 60_000 })
    .toBeGreaterThan(0);
  process.kill(pid!, 'SIGKILL');

  await expect(victimRow.locator('.status')).toHaveText('error', { timeout: 30_000 });
  await expect(victimRow.locator('.status')).toHaveAttribute('title', /SIGKILL/);
  // The other run goes on: still training, and its env steps keep growing.
  const steps = async () => (await api('getRun', { runId: survivor.id })).run.envSteps as number;
  const before = await steps();
  await expect.poll(steps, { timeout: 60_000 }).toBeGreaterThan(before);
  await expect(survivorRow.locator('.status')).toHaveText('training');
  await page.screenshot({ path: test.info().outputPath('killed-run.png') });
  await api('deleteRun', { runId: survivor.id });
  await page.close();
});
