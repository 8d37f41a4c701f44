/**
 * The compare view's rough edges a new user hit (issue #13 B5), end to end in browser mode: DIAYN
 * and DADS on the quick preset side by side — plots as wide as their column (and wider with the
 * window), one x-y window for both columns unless each is to scale on its own, no Vega warnings,
 * point-mass skills in 3D with floor markers and trails, and linked cameras.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { decodePng, type Pixels } from './png.ts';
import { collectErrors, launchLab, type Lab } from './harness.ts';

let lab: Lab;
test.beforeAll(async () => {
  lab = await launchLab('compare');
});
test.afterAll(async () => lab?.close());

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

/** Pixels of a strong colour (a skill's), not the greys of the arena and the grid. */
function colourful(p: Pixels): number {
  let n = 0;
  for (let i = 0; i < p.width * p.height; i++) {
    const o = i * p.channels;
    const c = [p.data[o], p.data[o + 1], p.data[o + 2]];
    if (Math.max(...c) - Math.min(...c) > 90) n++;
  }
  return n;
}

/** Pixels that differ (by more than 40 in a channel) between two pictures of the same size. */
function changed(a: Pixels, b: Pixels): number {
  let n = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    const o = i * a.channels;
    if ([0, 1, 2].some((k) => Math.abs(a.data[o + k] - b.data[o + k]) > 40)) n++;
  }
  return n;
}

const shot = async (el: Locator, file?: string) =>
  decodePng(await el.screenshot(file ? { path: test.info().outputPath(file) } : {}));
/** The element's width; a Vega plot re-embeds (replacing its svg) on resize and on new data, so a
 *  read that lands between the old svg's removal and the new one's insertion is retried. */
async function widthOf(el: Locator): Promise<number> {
  for (let tries = 0; ; tries++) {
    const box = await el.boundingBox({ timeout: 5000 }).catch(() => null);
    if (box) return box.width;
    if (tries === 20) throw new Error(`no box for ${el}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function settle(page: Page) {
  await page.waitForTimeout(1500);
}

test('compare columns: plots follow the column, shared axes, markers and trails, linked cameras', async () => {
  test.setTimeout(420_000);
  const ids: string[] = [];
  for (const algo of ['diayn', 'dads'])
    ids.push((await api('startRun', { algo, preset: 'point-mass', seed: 0, totalEnvSteps: 1500 })).run.id);
  for (const id of ids)
    await expect
      .poll(async () => (await api('getRun', { runId: id })).run.status, {
        timeout: 300_000,
        intervals: [2000],
      })
      .toBe('completed');

  const page = await lab.browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors = collectErrors(page);
  const vegaWarnings: string[] = [];
  page.on('console', (m) => {
    if (/WARN|Infinite extent/.test(m.text())) vegaWarnings.push(m.text());
  });
  await page.goto(`${lab.url}#compare`);
  await page.waitForSelector('text=connected');
  for (const box of await page.locator('label.pick input').all()) await box.check();
  await expect(page.locator('text=/evaluation rollouts/')).toHaveCount(2, { timeout: 60_000 });
  const columns = page.locator('.splitpanes__pane');
  const xy = page.locator('[data-test=xy-plot]');
  const curves = page.locator('[data-test=learning-curves] .vega-plot svg');
  await expect(xy).toHaveCount(2);
  await expect(curves).toHaveCount(2);
  await settle(page);

  // Plots as wide as their column: not a fixed 320 px x-y square or small fixed panels.
  for (let k = 0; k < 2; k++) {
    const column = await widthOf(columns.nth(k));
    expect(await widthOf(xy.nth(k).locator('canvas')), `x-y plot ${k}`).toBeGreaterThan(0.6 * column);
    expect(await widthOf(curves.nth(k)), `curves ${k}`).toBeGreaterThan(0.85 * column);
  }
  // …and wider with the window.
  const narrow = await widthOf(curves.first());
  await page.setViewportSize({ width: 1920, height: 1080 });
  await expect.poll(() => widthOf(curves.first())).toBeGreaterThan(narrow + 150);

  // One x-y window for both columns (DIAYN's skills go further than DADS's); each its own when asked.
  const extents = async () => Promise.all([0, 1].map((k) => xy.nth(k).getAttribute('data-extent')));
  const [a, b] = await extents();
  expect(a).toBe(b);
  await page.locator('[data-test=shared-axes]').uncheck();
  await expect.poll(async () => new Set(await extents()).size).toBe(2);
  await page.locator('[data-test=shared-axes]').check();
  await expect.poll(async () => new Set(await extents()).size).toBe(1);

  // Point-mass skills in 3D: a disc under each agent and its trail, in the skills' colours. Paused
  // halfway, so that trails have length and the pictures hold still.
  await page.click('button[aria-label=pause]');
  const scrub = page.locator('input[aria-label=time]');
  await scrub.evaluate((el: HTMLInputElement) => {
    el.value = String(Number(el.max) / 2);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await settle(page);
  const canvases = page.locator('.scene-pane canvas');
  for (let k = 0; k < 2; k++) {
    const skills = Number(
      /(\d+) skills/.exec(await page.locator('[data-test=replay-source]').nth(k).innerText())![1],
    );
    expect(skills).toBeGreaterThan(1);
    await expect(page.locator('.scene-pane').nth(k)).toHaveAttribute('data-markers', String(skills));
    const pixels = await shot(canvases.nth(k), `scene-${k}.png`);
    expect(colourful(pixels), `scene ${k}: skill markers`).toBeGreaterThan(100);
  }
  await page.screenshot({ path: test.info().outputPath('compare.png') });

  // Linked cameras: orbiting the first column turns the second with it; unlinked it stays put.
  const drag = async () => {
    const box = (await canvases.first().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 160, box.y + box.height / 2 + 40, { steps: 8 });
    await page.mouse.up();
    await settle(page);
  };
  let before = await shot(canvases.nth(1));
  await drag();
  expect(changed(before, await shot(canvases.nth(1))), 'unlinked: second camera still').toBeLessThan(50);
  await page.locator('[data-test=link-cameras]').check();
  await settle(page);
  before = await shot(canvases.nth(1));
  await drag();
  expect(changed(before, await shot(canvases.nth(1))), 'linked: second camera turned').toBeGreaterThan(1000);
  await page.screenshot({ path: test.info().outputPath('compare-linked.png') });

  expect(vegaWarnings, vegaWarnings.join('\n')).toEqual([]);
  expect(errors, errors.join('\n')).toEqual([]);
  await page.close();
});
