/**
 * The runs view's rough edges a new user hit (issue #13 part B, B4 and B7), end to end in browser
 * mode: the empty state names a quick setting, the new-run form flags every invalid field at once in
 * words with the allowed range, the goal task and the relabeling strategy are pickers, a training run
 * shows its time left, and the table fits 1280 and 1440 px windows with goal-sac rows (their Relabel
 * button included).
 */
import { expect, test, type Page } from '@playwright/test';
import { collectErrors, launchLab, type Lab } from './harness.ts';

let lab: Lab;
test.beforeAll(async () => {
  lab = await launchLab('runs');
  const { spec } = await lab.server.service.getTask({ name: 'reach' });
  await lab.server.service.saveTask({ spec: { ...spec, name: 'my-reach' } });
});
test.afterAll(async () => lab?.close());

/** Starts a goal-sac run from the form, on `task` with `strategy`, for `steps` env steps. */
async function startGoalRun(page: Page, task: string, strategy: string, steps: number) {
  await page.click('button:has-text("New run")');
  await page.selectOption('select[name=preset]', 'arm-reach');
  await expect(page.locator('select[name=algo]')).toHaveValue('goal-sac');
  await page.selectOption('select[name=task]', task);
  await page.selectOption('select[name="her.relabelStrategy"]', strategy);
  await page.fill('input[name=totalEnvSteps]', String(steps));
  await page.click('button:has-text("Start run")');
  await page.waitForSelector('form', { state: 'detached' });
}

/** How far the runs table and the page reach past their width (px; 0 when they fit). */
async function overflow(page: Page) {
  return page.evaluate(() => {
    const table = document.querySelector('table.panel') as HTMLElement;
    const main = document.querySelector('main') as HTMLElement;
    const view = document.querySelector('.runs-view') as HTMLElement;
    return {
      table: table.scrollWidth - table.clientWidth,
      beyondView: Math.round(table.getBoundingClientRect().right - view.getBoundingClientRect().right),
      main: main.scrollWidth - main.clientWidth,
      page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    };
  });
}

test('a new user: honest hint, every bad field at once, pickers, time left, a table that fits', async () => {
  const testInfo = test.info();
  const page = await lab.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = collectErrors(page);
  await page.goto(lab.url);
  await page.waitForSelector('text=connected');

  // B7: the empty state's promise holds (a quick setting, the default's minutes said as such).
  const empty = page.locator('[data-test=empty]');
  await expect(empty).toContainText('totalEnvSteps to 5000');
  await expect(empty).not.toContainText('trains in a minute');

  // B4: three bad fields, all flagged at once, in words with the range; nothing starts.
  await page.click('button.primary:has-text("New run")');
  await page.fill('input[name=seed]', '-1');
  await page.fill('input[name="sac.lr"]', '-1');
  await page.fill('input[name="sac.batchSize"]', '0');
  await page.click('button:has-text("Start run")');
  const issue = (name: string) => page.locator(`.field:has([name="${name}"]) .issue`);
  await expect(issue('seed')).toHaveText('must be a whole number ≥ 0');
  await expect(issue('sac.lr')).toHaveText('must be a number > 0 and ≤ 1');
  await expect(issue('sac.batchSize')).toHaveText('must be a whole number > 0');
  await expect(page.locator('form')).not.toContainText('Too small');
  await page.screenshot({ path: testInfo.outputPath('runs-form-issues.png') });
  expect((await lab.server.service.listRuns()).runs).toEqual([]);

  // B4: the goal task is a picker of the arm's built-in and workspace tasks; the strategy one too.
  await page.selectOption('select[name=preset]', 'arm-reach');
  const taskOptions = page.locator('select[name=task] option');
  await expect
    .poll(() => taskOptions.allTextContents())
    .toEqual(expect.arrayContaining(['reach', 'my-reach']));
  expect(await taskOptions.allTextContents()).not.toContain('point-mass-reach');
  await expect(page.locator('select[name=task]')).toHaveValue('reach'); // the preset's task preselected
  const groups = page.locator('select[name=task] optgroup');
  expect(await groups.evaluateAll((g) => g.map((e) => e.getAttribute('label')))).toEqual([
    'built-in',
    'workspace',
  ]);
  expect(await page.locator('select[name="her.relabelStrategy"] option').allTextContents()).toEqual([
    'none',
    'final',
    'future',
    'episode',
    'random',
  ]);
  await page.click('button:has-text("Cancel")');

  // Two short goal-sac runs and one long one that still trains.
  await startGoalRun(page, 'my-reach', 'final', 400);
  await startGoalRun(page, 'reach', 'none', 400);
  await startGoalRun(page, 'reach', 'future', 200_000);
  const rows = page.locator('tbody tr');
  await expect(rows).toHaveCount(3);

  // B7: the training run says how long it has left, once its speed is known.
  const long = rows.filter({ hasText: '/ 200 k' });
  await expect(long.locator('[data-test=eta]')).toContainText(/\d+\/s · ~.+ left/, { timeout: 90_000 });
  // The short runs end; the table is then measured with their finished rows.
  await expect(rows.filter({ hasText: 'completed' })).toHaveCount(2, { timeout: 90_000 });

  // B7: no horizontal overflow with goal-sac rows, at 1280 and 1440 px; every Relabel button shows.
  for (const width of [1280, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await expect.poll(() => overflow(page)).toEqual({ table: 0, beyondView: 0, main: 0, page: 0 });
    const view = await page.locator('.runs-view').boundingBox();
    for (const button of await page.locator('tbody button:has-text("Relabel")').all()) {
      const box = (await button.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(view!.x + view!.width);
    }
    await page.screenshot({ path: testInfo.outputPath(`runs-${width}.png`) });
  }

  const longRun = (await lab.server.service.listRuns()).runs.find((r) => r.totalEnvSteps === 200_000)!;
  await lab.server.service.stopRun({ runId: longRun.id });
  expect(errors).toEqual([]);
});
