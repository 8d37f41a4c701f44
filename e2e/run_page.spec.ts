/**
 * A single run's page end to end in browser mode (issue #9 §4): a new user starts a small DIAYN run
 * on point-mass from the runs view, clicks its row and watches it train on its own page — progress,
 * learning curves, live previews of its skills in 3D —, evaluates it there and reads the figures,
 * replays the evaluated skills, reads the config with each value's source, reloads the page (the
 * fragment keeps it), goes back; a run id that names no run gets a clear message.
 */
import { expect, test, type Page } from '@playwright/test';
import { decodePng, luminanceVariance } from './png.ts';
import { collectErrors, launchLab, screenshotWhole, type Lab } from './harness.ts';

let lab: Lab;
test.beforeAll(async () => {
  lab = await launchLab('run-page');
});
test.afterAll(async () => lab?.close());

/** The 3D canvas of the page's skill replay drew a scene: pixel variance, not merely an element. */
async function expectSceneDrawn(page: Page, file: string) {
  const canvas = page.locator('[data-test=skill-replay] .scene-pane canvas');
  await page.waitForTimeout(1500);
  const png = await canvas.screenshot({ path: test.info().outputPath(file) });
  expect(luminanceVariance(decodePng(png)), 'the 3D replay drew nothing').toBeGreaterThan(50);
}

test('a new user opens a run’s page by clicking it and follows, evaluates and inspects it', async () => {
  test.setTimeout(240_000);
  const page = await lab.browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const errors = collectErrors(page);
  await page.goto(lab.url);
  await page.waitForSelector('text=connected');

  // A small DIAYN run from the form.
  await page.click('button:has-text("New run")');
  await page.selectOption('select[name=preset]', 'point-mass');
  await page.selectOption('select[name=algo]', 'diayn');
  await page.fill('input[name=totalEnvSteps]', '4000');
  await page.click('button:has-text("Start run")');
  await page.waitForSelector('form', { state: 'detached' });
  const row = page.locator('tbody tr').first();
  const runId = (await row.getAttribute('data-run'))!;

  // A click on its row (not on a control) opens its page; the address says which run.
  await row.locator('td').nth(2).click();
  await expect(page.locator('[data-test=run-title]')).toHaveText('DIAYN point-mass s0');
  expect(new URL(page.url()).hash).toBe(`#run=${runId}`);
  expect(page.url()).not.toContain('token=');
  const head = page.locator('.run-head');
  await expect(head).toContainText(runId);
  await expect(head).toContainText('point-mass');

  // Live while it trains: progress with the time left, the curves of every panel, live previews.
  await expect(page.locator('[data-test=eta]')).toContainText('left at', { timeout: 90_000 });
  const curves = page.locator('[data-test=learning-curves] svg');
  for (const title of ['intrinsic reward (nats)', 'discriminator accuracy', 'SAC α'])
    await expect(curves).toContainText(title, { timeout: 60_000 });
  await expect(page.locator('[data-test=replay-source]')).toContainText('live previews', { timeout: 90_000 });
  await expectSceneDrawn(page, 'live-scene.png');
  await expect(page.locator('[data-test=not-evaluated]')).toBeVisible();
  await screenshotWhole(page, 'run-page-training.png');

  // It completes and is evaluated (the service evaluates a run that completes): the figures of
  // skill-lab eval and the table per skill arrive, and the replay switches to the evaluation.
  await expect(page.locator('[data-test=run-status]')).toHaveText('completed', { timeout: 120_000 });
  const evaluation = page.locator('[data-test=evaluation]');
  await expect(evaluation).toContainText('x-y coverage', { timeout: 90_000 });
  await expect(evaluation).toContainText('discriminator accuracy');
  expect(await evaluation.locator('[data-test=skill-table] tbody tr').count()).toBeGreaterThanOrEqual(2);
  await expect(page.locator('[data-test=replay-source]')).toContainText('evaluation rollouts');
  // Evaluated again from the page: it says so while it runs, and the figures come back.
  await evaluation.locator('button:has-text("Re-evaluate")').click();
  await expect(evaluation).toContainText('evaluating…');
  await expect(evaluation.locator('button:has-text("Re-evaluate")')).toBeVisible({ timeout: 90_000 });
  await expect(evaluation).toContainText('x-y coverage');

  // The curves drew lines, in panels of a readable size that use the page's width.
  const svg = curves.first();
  expect(await svg.locator('path[aria-roledescription="line mark"]').count()).toBeGreaterThanOrEqual(6);
  // Polled: new data can re-embed the plot, replacing its svg between two reads.
  const box = () => svg.boundingBox().catch(() => null);
  await expect
    .poll(async () => (await box())?.width ?? 0, { message: 'the curves follow the page width' })
    .toBeGreaterThan(1000);
  await expect
    .poll(async () => (await box())?.height ?? 0, { message: 'curve panels of a readable height' })
    .toBeGreaterThan(170);
  await expect(page.locator('[data-test=skill-replay] .vega-plot canvas')).toBeVisible();
  await expectSceneDrawn(page, 'evaluation-scene.png');
  await screenshotWhole(page, 'run-page.png');

  // The config with the source of each value, filterable; backend and versions.
  await page.click('[data-tab=config]');
  const lr = page.locator('[data-test=config-table] tr[data-key="sac.lr"]');
  await expect(lr).toContainText('preset point-mass');
  await expect(page.locator('[data-test=config-table] tr[data-key="totalEnvSteps"]')).toContainText(
    'set for this run',
  );
  await page.fill('input[name=config-filter]', 'discriminator');
  const keys = await page
    .locator('[data-test=config-table] tbody tr')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')));
  expect(keys.length).toBeGreaterThan(0);
  expect(keys.every((k) => k?.startsWith('diayn.discriminator'))).toBe(true);
  await page.fill('input[name=config-filter]', '');
  // The backend the run recorded: wasm, or TensorFlow where `skill-lab native` built it (CI does).
  const { run } = await lab.server.service.getRun({ runId });
  const backend = run.backend as { name: string; tensorflow?: string };
  await expect(page.locator('[data-test=backend]')).toContainText(backend.name);
  if (backend.tensorflow) await expect(page.locator('[data-test=backend]')).toContainText('2.21.0');
  await expect(page.locator('[data-test=versions]')).toContainText('@mujoco/mujoco');
  await screenshotWhole(page, 'run-page-config.png');

  // The other theme reads as well (the screenshots are looked at).
  await page.click('[data-tab=overview]');
  await page.click('header button[title*="theme"]');
  await expectSceneDrawn(page, 'evaluation-scene-other-theme.png');
  await screenshotWhole(page, 'run-page-other-theme.png');

  // A reload keeps the page (the token is in the tab's session, not the address); back leaves it.
  await page.reload();
  await page.waitForSelector('text=connected');
  await expect(page.locator('[data-test=run-title]')).toHaveText('DIAYN point-mass s0');
  await page.click('[data-test=back]');
  await expect(page.locator(`tbody tr[data-run="${runId}"]`)).toBeVisible();
  expect(new URL(page.url()).hash).toBe('');
  await page.goBack();
  await expect(page.locator('[data-test=run-title]')).toHaveText('DIAYN point-mass s0');

  // A run id that names no run: a clear message and the way back.
  await page.evaluate(() => (location.hash = '#run=deleted-run-1'));
  await expect(page.locator('[data-test=run-missing]')).toContainText('There is no run deleted-run-1');
  await page.click('[data-test=run-missing] button');
  await expect(page.locator(`tbody tr[data-run="${runId}"]`)).toBeVisible();
  expect(errors, errors.join('\n')).toEqual([]);
  await page.close();
});

test('a goal-sac run’s page shows its task in 3D, its success, and leads to its episodes', async () => {
  // 2 000 env steps of arm-reach with few, small updates: seconds (as e2e/replay.spec.ts).
  const { run } = await lab.server.service.startRun({
    algo: 'goal-sac',
    preset: 'arm-reach',
    seed: 1,
    totalEnvSteps: 2000,
    overrides: {
      updatesPerIteration: 4,
      checkpointEvery: 5,
      'sac.hidden': [32, 32],
      'sac.batchSize': 64,
      'sac.learningStarts': 0,
      'her.evalEpisodes': 4,
    },
  });
  const page = await lab.browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const errors = collectErrors(page);
  await page.goto(lab.url);
  await page.waitForSelector('text=connected');
  await page.locator(`tbody tr[data-run="${run.id}"] a[data-test=run-link]`).click();
  await expect(page.locator('[data-test=run-title]')).toContainText('GOAL-SAC arm-reach s1');
  await expect(page.locator('.run-head')).toContainText('reach');
  await expect(page.locator('[data-test=run-status]')).toHaveText('completed', { timeout: 90_000 });
  await expect(page.locator('[data-test=evaluation]')).toContainText('success rate', { timeout: 60_000 });
  await expect(page.locator('[data-test=skill-replay]')).toHaveCount(0);
  await expect(page.locator('[data-test=learning-curves] svg')).toContainText('success rate');

  // The task as trained, in 3D (read-only: no drag control), and the way to its episodes.
  const task = page.locator('[data-test=run-task]');
  await expect(task).toContainText('reach');
  await expect(task.locator('select[name=drag-target]')).toHaveCount(0);
  await page.waitForTimeout(1500);
  const png = await task.locator('canvas').screenshot();
  expect(luminanceVariance(decodePng(png)), 'the task preview drew nothing').toBeGreaterThan(50);
  await screenshotWhole(page, 'goal-run-page.png');
  await task.locator('button:has-text("Episodes in Replay")').click();
  await expect(page.locator('nav button.active')).toHaveText('Replay');
  await expect(page.locator('select[name=replay-run]')).toHaveValue(run.id);
  expect(errors, errors.join('\n')).toEqual([]);
  await page.close();
});
