/**
 * Goal-conditioned runs end to end in browser mode (issue #4 §4): a workspace task, two goal-sac
 * runs on it started from the runs view — future-HER and no relabeling — a relabeling switch while
 * one trains, and the switch drawn on its learning curves in the compare view.
 */
import { expect, test, type Page } from '@playwright/test';
import { collectErrors, launchLab, type Lab } from './harness.ts';

let lab: Lab;
test.beforeAll(async () => {
  lab = await launchLab('goals');
  // A workspace task of the user's own: the built-in reach with a smaller goal region.
  const { spec } = await lab.server.service.getTask({ name: 'reach' });
  await lab.server.service.saveTask({ spec: { ...spec, name: 'my-reach' } });
});
test.afterAll(async () => lab?.close());

/** Starts a goal-sac run on `my-reach` from the runs view's form. */
async function startGoalRun(page: Page, strategy: string, steps: number) {
  await page.click('button:has-text("New run")');
  await page.selectOption('select[name=preset]', 'arm-reach');
  await expect(page.locator('select[name=algo]')).toHaveValue('goal-sac');
  await page.selectOption('select[name=task]', 'my-reach');
  await page.selectOption('select[name="her.relabelStrategy"]', strategy);
  await page.fill('input[name=totalEnvSteps]', String(steps));
  await page.click('button:has-text("Start run")');
  await page.waitForSelector('form', { state: 'detached' });
}

test('goal-sac on a workspace task: HER vs none, a relabeling switch mid-run, drawn on the curves', async () => {
  const testInfo = test.info();
  const page = await lab.browser.newPage({ viewport: { width: 1500, height: 1000 } });
  const errors = collectErrors(page);
  await page.goto(lab.url);
  await page.waitForSelector('text=connected');

  // The task picker offers the arm's built-in and workspace tasks, not another robot's (issue #13 B4).
  await page.click('button:has-text("New run")');
  await page.selectOption('select[name=preset]', 'arm-reach');
  const offered = page.locator('select[name=task] option');
  await expect.poll(() => offered.allTextContents()).toEqual(expect.arrayContaining(['reach', 'my-reach']));
  expect(await offered.allTextContents()).not.toContain('point-mass-reach');
  await page.click('button:has-text("Cancel")');
  expect((await lab.server.service.listRuns()).runs).toEqual([]);
  errors.length = 0; // a refused start may be logged; it was refused on purpose

  // Budgets long enough that both still train when the switch is asked for; stopped at the end.
  await startGoalRun(page, 'future', 40_000);
  await startGoalRun(page, 'none', 40_000);
  const rows = page.locator('tbody tr');
  await expect(rows).toHaveCount(2);
  // The key metric and the toggle's current setting arrive with the first metric rows.
  for (const r of await rows.all()) await expect(r).toContainText('success', { timeout: 90_000 });
  const settings = await page
    .locator('tbody .relabel select')
    .evaluateAll((els) => els.map((e) => (e as HTMLSelectElement).value));
  expect(settings.sort()).toEqual(['future', 'none']);

  // Switch the run that relabels with future to final, k = 2, while it trains.
  const future = (await lab.server.service.listRuns()).runs.find((r) => r.metrics.relabel_strategy === 2)!;
  const row = page.locator(`[data-run="${future.id}"]`);
  await row.locator('.relabel select').selectOption('final');
  await row.locator('.relabel input[type=number]').fill('2');
  await row.locator('.relabel button').click();
  await expect(row).toContainText('applies from the next iteration');
  await expect
    .poll(
      async () => {
        const { rows: metrics } = await lab.server.service.getMetrics({ runId: future.id });
        return metrics.some((m) => m.relabel_strategy === 1 && m.relabel_k === 2);
      },
      { timeout: 90_000 },
    )
    .toBe(true);
  await page.screenshot({ path: testInfo.outputPath('goal-runs.png') });

  // Compare both: the learning curves of each, with the switch as a labelled rule on the first.
  for (const box of await page.locator('tbody input[type=checkbox]').all()) await box.check();
  await page.click('button:has-text("Compare 2 runs")');
  await expect(page.locator('.goal-note')).toHaveCount(2);
  await expect(page.locator('.vega-plot svg', { hasText: '→ final k=2' })).toHaveCount(1, {
    timeout: 30_000,
  });
  await expect(page.locator('.vega-plot svg', { hasText: 'success rate' })).toHaveCount(2);
  await page.screenshot({ path: testInfo.outputPath('goal-compare.png'), fullPage: true });
  for (const r of (await lab.server.service.listRuns()).runs)
    await lab.server.service.stopRun({ runId: r.id });
  expect(errors, errors.join('\n')).toEqual([]);
  await page.close();
});
