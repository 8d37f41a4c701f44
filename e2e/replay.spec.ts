/**
 * The replay browser end to end in browser mode (issue #4 §6): a short goal-sac run on arm-reach
 * trained through the service, then in the app: Replay, a refused filter shown inline, a filter,
 * sort by return, an episode's 3D replay (the canvas drew), the timeline scrubbed and the reward
 * plot's cursor following, and a CSV export whose path is shown. The run's task randomizes damping
 * and the table's friction: each episode's draws are columns to filter on (issue #13 B1).
 */
import { existsSync, readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { decodePng, luminanceVariance } from './png.ts';
import { collectErrors, launchLab, type Lab } from './harness.ts';

let lab: Lab;
let runId: string;
test.beforeAll(async () => {
  lab = await launchLab('replay');
  const { spec } = await lab.server.service.getTask({ name: 'reach' });
  await lab.server.service.saveTask({
    spec: {
      ...spec,
      name: 'reach-dr',
      randomization: { damping: [0.5, 2], bodies: [{ body: 'table', friction: [0.2, 0.4] }] },
    },
  });
  // 2 000 env steps = 40 episodes of 50 steps in 10 iterations; few, small updates keep it to seconds.
  const { run } = await lab.server.service.startRun({
    algo: 'goal-sac',
    preset: 'arm-reach',
    seed: 3,
    totalEnvSteps: 2000,
    overrides: {
      task: 'reach-dr',
      updatesPerIteration: 4,
      checkpointEvery: 5,
      'sac.hidden': [32, 32],
      'sac.batchSize': 64,
      'sac.learningStarts': 0,
      'her.evalEpisodes': 4,
    },
  });
  runId = run.id;
  await expect
    .poll(async () => (await lab.server.service.getRun({ runId })).run.status, { timeout: 60_000 })
    .toBe('completed');
});
test.afterAll(async () => lab?.close());

test('browse, filter, sort, replay an episode in 3D with its rewards, export CSV', async () => {
  const testInfo = test.info();
  const page = await lab.browser.newPage({ viewport: { width: 1500, height: 1000 } });
  const errors = collectErrors(page);
  await page.goto(lab.url);
  await page.waitForSelector('text=connected');

  // From the run's row to its episodes.
  await page.locator(`[data-run="${runId}"] button:has-text("Replay")`).click();
  await expect(page.locator('nav button.active')).toHaveText('Replay');
  await expect(page.locator('[data-test=total]')).toHaveText('40');
  await expect(page.locator('.vega-plot svg', { hasText: 'episode returns' })).toBeVisible();
  await expect(page.locator('.vega-plot svg', { hasText: 'desired goals' })).toBeVisible();

  // A misspelt column: the service's message inline, the page unchanged.
  const filter = page.locator('input[name=episode-filter]');
  await filter.fill('sucess');
  await filter.press('Enter');
  await expect(page.locator('[data-test=filter-error]')).toContainText('allowed columns');
  await expect(page.locator('[data-test=total]')).toHaveText('40');

  const expression = 'episode_id >= 10 AND length = 50';
  const want = await lab.server.service.listEpisodes({ runId, filter: expression });
  await filter.fill(expression);
  await filter.press('Enter');
  await expect(page.locator('[data-test=filter-error]')).toHaveCount(0);
  await expect(page.locator('[data-test=total]')).toHaveText(String(want.total));

  // Sort by return, highest first (a second click reverses).
  const header = page.locator('th[data-col=return]');
  await header.click();
  await expect(header).toHaveAttribute('aria-sort', 'ascending');
  await header.click();
  await expect(header).toHaveAttribute('aria-sort', 'descending');
  const returns = (await page.locator('tbody td.return').allTextContents()).map(Number);
  expect(returns).toEqual([...returns].sort((a, b) => b - a));
  await page.screenshot({ path: testInfo.outputPath('replay-table.png'), fullPage: true });

  // The physics each episode drew: columns in "×", named under the filter, and a filter on them.
  await expect(page.locator('[data-test=physics-columns]')).toContainText('table_friction_scale');
  await expect(page.locator('th[data-col=table_friction_scale]')).toHaveText(/table friction ×/);
  const draws = await page.locator('tbody td.damping_scale').allTextContents();
  expect(draws.length).toBeGreaterThan(0);
  for (const d of draws) expect(d).toMatch(/^×(0\.[5-9]|1\.\d|2\.0)\d$/);
  const lowFriction = 'table_friction_scale < 0.3';
  const low = await lab.server.service.listEpisodes({ runId, filter: lowFriction });
  expect(low.total).toBeGreaterThan(0);
  expect(low.total).toBeLessThan(40);
  await filter.fill(lowFriction);
  await filter.press('Enter');
  await expect(page.locator('[data-test=total]')).toHaveText(String(low.total));
  await page.screenshot({ path: testInfo.outputPath('replay-physics.png'), fullPage: true });
  await filter.fill(expression);
  await filter.press('Enter');
  await expect(page.locator('[data-test=total]')).toHaveText(String(want.total));

  // Export the filtered episodes as CSV: the path is shown and the file has them.
  await page.locator('.export button:has-text("CSV")').click();
  const shown = page.locator('[data-test=export-path] code');
  await expect(shown).toContainText('.csv');
  const path = (await shown.textContent())!;
  expect(existsSync(path)).toBe(true);
  expect(readFileSync(path, 'utf8').trim().split('\n').length).toBeGreaterThan(want.total); // header + rows

  // The best episode's page: 3D replay with both goals, reward under both.
  await page.locator('tbody tr').first().click();
  await expect(page.locator('[data-test=episode-page]')).toBeVisible();
  await expect(page.locator('[data-test=relabel-goal]')).toContainText('final');
  const canvas = page.locator('canvas[data-test=episode-scene]');
  await expect(canvas).toBeVisible();
  const plot = page.locator('.vega-plot svg', { hasText: 'reward per step' });
  await expect(plot).toBeVisible();
  await expect(plot.locator('path[aria-roledescription="line mark"]')).toHaveCount(2);
  await page.waitForTimeout(1500);
  const png = await canvas.screenshot({ path: testInfo.outputPath('replay-scene.png') });
  expect(luminanceVariance(decodePng(png)), 'the 3D replay drew nothing').toBeGreaterThan(50);

  // Scrub to the middle: the cursor's read-out and its rule in the plot move.
  const rule = plot.locator('g.mark-rule.role-mark line').first();
  const x0 = (await rule.boundingBox())!.x;
  await page.locator('input[aria-label=time]').evaluate((el: HTMLInputElement) => {
    el.value = String(Number(el.max) / 2 + 0.001);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await expect(page.locator('[data-test=cursor]')).toContainText('step 25 / 50');
  await expect.poll(async () => (await rule.boundingBox())!.x).toBeGreaterThan(x0 + 50);
  // → one step further.
  await page.locator('[data-test=episode-page] h2, [data-test=episode-page] strong').first().click();
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('[data-test=cursor]')).toContainText('step 26 / 50');

  // Another relabeled goal: achieved at step 10.
  await page.selectOption('select[name=relabel-kind]', 'future');
  await page.fill('input[name=relabel-step]', '10');
  await page.locator('input[name=relabel-step]').press('Enter');
  await expect(page.locator('[data-test=relabel-goal]')).toContainText('achieved at step 10');
  await page.waitForTimeout(500);
  await page.screenshot({ path: testInfo.outputPath('replay-episode.png'), fullPage: true });

  await page.locator('button:has-text("← Episodes")').click();
  await expect(page.locator('[data-test=total]')).toHaveText(String(want.total));
  expect(errors, errors.join('\n')).toEqual([]);
  await page.close();
});
