/**
 * The Sweeps tab end to end in browser mode (issue #14 §2): a new user finds the empty state, fills
 * the sweep form — DIAYN on point-mass, 1 000 env steps with few updates, a grid over sac.lr, one
 * seed, two runs at a time —, first with a learning rate the service refuses (its message names the
 * point), then a good one; the two runs appear in the sweep's table and complete, the
 * parallel-coordinates plot draws a line per run, and "Compare best 2" lands in the Compare view
 * with those two runs. Then a six-run sweep over a numeric and a categorical key, started through
 * the API, for the screenshots in both themes (the light one is the README's
 * docs/screenshots/sweeps.png).
 */
import { expect, test } from '@playwright/test';
import { collectErrors, launchLab, screenshotWhole, type Lab } from './harness.ts';

let lab: Lab;
test.beforeAll(async () => {
  lab = await launchLab('sweeps');
});
test.afterAll(async () => lab?.close());

test('a local sweep from the form: refused point, runs complete, parallel coordinates, compare the best 2', async () => {
  test.setTimeout(180_000);
  const page = await lab.browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  const errors = collectErrors(page);
  await page.goto(lab.url);
  await page.waitForSelector('text=connected');
  await page.click('nav button:has-text("Sweeps")');
  expect(new URL(page.url()).hash).toBe('#sweeps');
  await expect(page.locator('[data-test=sweeps-empty]')).toContainText('skill-lab sweep SPEC.yaml');

  // The form: every field the spec file would hold.
  await page.click('[data-test=sweeps-empty] button:has-text("New sweep")');
  const form = page.locator('[data-test=sweep-form]');
  await form.locator('select[name=preset]').selectOption('point-mass');
  await form.locator('select[name=algo]').selectOption('diayn');
  await form.locator('input[name=name]').fill('lr');
  await form.locator('input[name=steps]').fill('1000');
  await form.locator('input[name=seeds]').fill('1');
  for (const [i, [key, value]] of [
    ['updatesPerIteration', '20'],
    ['checkpointEvery', '1'],
  ].entries()) {
    await form.locator('button:has-text("+ fixed value")').click();
    await form.locator(`input[name=set-key-${i}]`).fill(key);
    await form.locator(`input[name=set-value-${i}]`).fill(value);
  }
  await form.locator('input[name=grid-key-0]').fill('sac.lr');
  await form.locator('input[name=parallel]').fill('2');

  // A learning rate the config refuses: the service names the point and the field; nothing starts.
  await form.locator('input[name=grid-values-0]').fill('0.001, -1');
  await expect(form.locator('[data-test=sweep-count]')).toContainText('2 runs');
  await form.locator('button[type=submit]').click();
  const refusal = form.locator('[data-test=sweep-error]');
  await expect(refusal).toContainText('point 1 (sac.lr=-1, seed 0)');
  await expect(refusal).toContainText('sac.lr');

  await form.locator('input[name=grid-values-0]').fill('0.001, 0.003');
  await expect(form.locator('[data-test=sweep-yaml]')).toContainText('sac.lr: [ 0.001, 0.003 ]');
  await screenshotWhole(page, 'sweeps-form.png');
  await form.locator('button[type=submit]').click();
  await expect(form).toHaveCount(0);

  // Its two runs appear, train two at a time and complete.
  const detail = page.locator('[data-test=sweep-detail]');
  await expect(detail).toContainText('this machine, 2 at a time');
  const points = detail.locator('[data-test=sweep-points] tbody tr');
  await expect(points).toHaveCount(2);
  await expect(detail.locator('[data-test=sweep-points] th')).toContainText(['#', 'run', 'sac.lr']);
  await expect(detail.locator('[data-test=sweep-points] tbody tr[data-state=completed]')).toHaveCount(2, {
    timeout: 90_000,
  });
  await expect(page.locator('[data-test=sweep-list] tbody tr').first()).toContainText('2 completed');

  // Parallel coordinates: a line per run across the sac.lr axis and the metric's.
  const plot = detail.locator('[data-test=sweep-plot] svg');
  await expect(plot).toContainText('sac.lr');
  await expect(plot).toContainText('discriminator_accuracy');
  await expect(plot.locator('path[aria-roledescription="line mark"]')).toHaveCount(2);
  await screenshotWhole(page, 'sweeps-small.png');

  // Compare the best two: the Compare view with exactly those runs ticked.
  const runIds = await points.evaluateAll((rows) =>
    rows.map((r) => r.querySelector('a[data-test=run-link]')!.textContent!.trim()),
  );
  await detail.locator('input[name=best-k]').fill('2');
  await detail.locator('[data-test=compare-best]').click();
  await expect(page.locator('nav button.active')).toHaveText('Compare');
  expect(new URL(page.url()).hash).toBe('#compare');
  const ticked = page.locator('.compare-view .pick input:checked');
  await expect(ticked).toHaveCount(2);
  await expect(page.locator('.compare-view .splitpanes__pane')).toHaveCount(2);
  expect(runIds).toHaveLength(2);
  expect(errors, errors.join('\n')).toEqual([]);
  await page.close();
});

test('a sweep over a numeric and a categorical key: every axis labelled, a line per run (screenshots)', async () => {
  test.setTimeout(180_000);
  // Six runs of 1 000 env steps, two at a time: about 20 s here.
  const { sweep } = await lab.server.service.startSweep({
    spec: {
      name: 'lr-alpha',
      algo: 'diayn',
      preset: 'point-mass',
      steps: 1000,
      set: { updatesPerIteration: 20, checkpointEvery: 1 },
      grid: { 'sac.lr': [0.0003, 0.001, 0.003], 'sac.alphaMode': ['auto', 'fixed'] },
      seeds: 1,
      executor: { kind: 'local', parallel: 2 },
    },
  });
  const page = await lab.browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  const errors = collectErrors(page);
  await page.goto(`${lab.url}#sweeps`);
  await page.waitForSelector('text=connected');
  // The newest sweep is shown; its runs complete while the page polls.
  const detail = page.locator(`[data-test=sweep-detail][data-sweep="${sweep.id}"]`);
  await expect(detail.locator('[data-test=sweep-points] th')).toContainText(['sac.lr', 'sac.alphaMode']);
  await expect(detail.locator('[data-test=sweep-points] tbody tr[data-state=completed]')).toHaveCount(6, {
    timeout: 120_000,
  });
  const plot = detail.locator('[data-test=sweep-plot] svg');
  await expect(plot.locator('path[aria-roledescription="line mark"]')).toHaveCount(6);
  for (const label of ['sac.lr (log)', 'sac.alphaMode', 'auto', 'fixed', '3e-4', '0.003'])
    await expect(plot).toContainText(label);
  await expect(detail.locator('tr.best')).toHaveCount(3);
  await screenshotWhole(page, 'sweeps-light.png');
  await page.click('header button[title*="theme"]');
  await screenshotWhole(page, 'sweeps-dark.png');
  await page.click('header button[title*="theme"]');
  expect(errors, errors.join('\n')).toEqual([]);
  await page.close();
});
