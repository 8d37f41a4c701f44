/**
 * The Figures tab end to end in browser mode (issue #13 A): four tiny DIAYN point-mass runs (a sweep
 * over sac.lr × 2 seeds, 1 000 env steps with few updates, trained through the API) make a figure in
 * the builder — the runs ticked from the list filtered by their sweep, two variants of n = 2 shown
 * before drawing —, its preview is drawn by `skill-lab figure --spec` in the service (an SVG naming
 * both variants, shown as an image, with SVG and CSV downloads), exported (the file list names the
 * .svg, .pdf, .png, .csv and .spec.json written into the workspace), listed among the saved figures
 * and loaded back into the builder from its spec. The screenshot with the preview is the README's
 * docs/screenshots/figures.png (light); a dark one beside it in the test's output.
 */
import { existsSync, readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { collectErrors, launchLab, screenshotWhole, type Lab } from './harness.ts';

let lab: Lab;
test.beforeAll(async () => {
  lab = await launchLab('figures');
});
test.afterAll(async () => lab?.close());

test('a figure from a sweep: variants before drawing, preview, export, saved and loaded back', async () => {
  test.setTimeout(150_000);
  const service = lab.server.service;
  // Four runs of 1 000 env steps, two at a time: about 15 s here.
  const { sweep } = await service.startSweep({
    spec: {
      name: 'lr',
      algo: 'diayn',
      preset: 'point-mass',
      steps: 1000,
      set: { updatesPerIteration: 20, checkpointEvery: 1 },
      grid: { 'sac.lr': [0.001, 0.003] },
      seeds: 2,
      executor: { kind: 'local', parallel: 2 },
    },
  });
  await expect
    .poll(
      async () =>
        (await service.listRuns({})).runs.filter((r) => r.sweep?.id === sweep.id && r.status === 'completed')
          .length,
      { timeout: 90_000, intervals: [1000] },
    )
    .toBe(4);

  const page = await lab.browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  const errors = collectErrors(page);
  await page.goto(lab.url);
  await page.waitForSelector('text=connected');
  await page.click('nav button:has-text("Figures")');
  expect(new URL(page.url()).hash).toBe('#figures');

  // Tick the sweep's runs from the filtered list: two variants of two seeds each, before any drawing.
  const runsBox = page.locator('[data-test=figure-runs]');
  await runsBox.locator('select[name=filter-sweep]').selectOption(sweep.id);
  await expect(runsBox.locator('tbody tr[data-run]')).toHaveCount(4);
  await runsBox.locator('button:has-text("Tick all shown")').click();
  const variants = page.locator('[data-test=figure-variants]');
  await expect(variants).toContainText('4 runs selected, 2 variants');
  await expect(variants.locator('[data-variant="DIAYN sac.lr=0.001"]')).toContainText('n = 2 (seeds 0, 1)');
  await expect(variants.locator('[data-variant="DIAYN sac.lr=0.003"]')).toContainText('n = 2');
  // Ticked oldest first: the sweep's points in order, as the legend will list them.
  await expect(variants.locator('li')).toHaveText([/^DIAYN sac.lr=0.001/, /^DIAYN sac.lr=0.003/]);
  // The default panels: DIAYN's curves, by their titles.
  await expect(
    page.locator('[data-test=figure-metrics] input[name="metric-discriminator_accuracy"]'),
  ).toBeChecked();
  await page.locator('input[name=title]').fill('DIAYN on point-mass: learning rate');
  await expect(page.locator('[data-test=figure-spec-json]')).toContainText('"statistic": "iqm"');

  // Preview: drawn by the service's skill-lab figure --spec, shown as an image.
  await page.click('[data-test=figure-preview-button]');
  await expect(page.locator('[data-test=figure-busy]')).toContainText('drawing…');
  const img = page.locator('[data-test=figure-image]');
  await expect(img).toBeVisible({ timeout: 30_000 });
  await expect
    .poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth), { timeout: 10_000 })
    .toBeGreaterThan(200);
  await expect(page.locator('[data-test=figure-preview]')).toContainText('Print size 6.75 ×');
  // The SVG behind it (its download) names both variants; the CSV holds the plotted points.
  const [svgDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-test=download-svg]'),
  ]);
  const svg = readFileSync(await svgDownload.path(), 'utf8');
  expect(svg).toMatch(/^<svg/);
  expect(svg).toContain('DIAYN sac.lr=0.001');
  expect(svg).toContain('DIAYN sac.lr=0.003');
  const [csvDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-test=download-csv]'),
  ]);
  expect(readFileSync(await csvDownload.path(), 'utf8')).toMatch(/^metric,variant,x,value,lo,hi,n\n/);

  // Export: the files written into the workspace's figures/ folder, by path.
  await page.locator('input[name=figure-name]').fill('lr-curves');
  await page.click('[data-test=figure-export]');
  const written = page.locator('[data-test=figure-exported]');
  await expect(written).toContainText('Written lr-curves-', { timeout: 30_000 });
  for (const ext of ['svg', 'pdf', 'png', 'csv', 'spec.json'])
    await expect(written.locator(`li[data-ext="${ext}"]`)).toContainText(`.${ext}`);
  const paths = await written.locator('li code').allTextContents();
  expect(paths).toHaveLength(5);
  for (const p of paths) expect(existsSync(p), p).toBe(true);
  await expect(page.locator('[data-test=figure-saved] tr[data-figure^="lr-curves-"]')).toHaveCount(1);
  await screenshotWhole(page, 'figures.png');
  expect(
    JSON.parse(
      readFileSync(
        paths.find((p) => p.endsWith('.spec.json'))!,
        'utf8',
      ),
    ).runs,
  ).toHaveLength(4);

  // Saved: listed, and loaded back into an emptied builder from its spec, then redrawn.
  const saved = page.locator('[data-test=figure-saved] tr[data-figure^="lr-curves-"]');
  await expect(saved).toHaveCount(1);
  await page.click('button:has-text("New figure")');
  await expect(variants).toContainText('0 runs selected');
  await saved.locator('[data-test=figure-load]').click();
  await expect(page.locator('[data-test=figure-loaded]')).toContainText('lr-curves-');
  await expect(variants).toContainText('4 runs selected, 2 variants');
  await expect(page.locator('input[name=title]')).toHaveValue('DIAYN on point-mass: learning rate');
  await expect(img).toBeVisible({ timeout: 30_000 });
  // The dark theme keeps the figure on white paper, as it will print.
  await page.click('header button[title*="theme"]');
  await screenshotWhole(page, 'figures-dark.png');
  await page.click('header button[title*="theme"]');

  // The final-performance aggregate of one metric: the curves-only fields go, the metric is required.
  await page.locator('input[name=figure-kind][value=aggregate]').check();
  for (const field of ['statistic', 'band', 'x', 'smoothing', 'columns'])
    await expect(page.locator(`[name=${field}]`)).toHaveCount(0);
  await expect(page.locator('[data-test=figure-metric-missing]')).toContainText(
    'metric: choose the one metric',
  );
  await expect(page.locator('[data-test=figure-preview-button]')).toBeDisabled();
  await page.locator('input[name=aggregate-metric][value=discriminator_accuracy]').check();
  await expect(page.locator('[data-test=figure-metric-missing]')).toHaveCount(0);
  const aggregateSpec = JSON.parse((await page.locator('[data-test=figure-spec-json]').textContent())!);
  expect(aggregateSpec).toMatchObject({ kind: 'aggregate', metrics: ['discriminator_accuracy'] });
  expect(aggregateSpec.band).toBeUndefined();
  await page.locator('input[name=title]').fill('DIAYN on point-mass: final discriminator accuracy');
  await page.click('[data-test=figure-preview-button]');
  await expect(page.locator('[data-test=figure-busy]')).toHaveCount(0, { timeout: 30_000 });
  await expect(page.locator('[data-test=figure-error]')).toHaveCount(0);
  await expect(page.locator('.figure-preview.stale')).toHaveCount(0);
  await expect
    .poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth), { timeout: 10_000 })
    .toBeGreaterThan(200);
  // The SVG is the aggregate's: the three statistics' panels, the profile and the improvement panel.
  const [aggregateSvg] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-test=download-svg]'),
  ]);
  const drawn = readFileSync(await aggregateSvg.path(), 'utf8');
  for (const text of [
    'IQM',
    'median',
    '95 % stratified-bootstrap CIs',
    'performance profile',
    'probability of improvement',
  ])
    expect(drawn).toContain(text);
  expect(drawn).toContain('DIAYN sac.lr=0.001 (n=2)');
  await page.locator('input[name=figure-name]').fill('lr-final');
  await page.click('[data-test=figure-export]');
  await expect(written).toContainText('Written lr-final-', { timeout: 30_000 });
  const aggregatePaths = await written.locator('li code').allTextContents();
  expect(aggregatePaths).toHaveLength(5);
  for (const p of aggregatePaths) expect(existsSync(p), p).toBe(true);
  const aggregateCsv = readFileSync(
    aggregatePaths.find((p) => p.endsWith('.csv'))!,
    'utf8',
  );
  expect(aggregateCsv).toMatch(/^part,variant,what,x,value,lo,hi,n\n/);
  expect(aggregateCsv).toContain('interval,DIAYN sac.lr=0.001,IQM');
  const savedSpec = JSON.parse(
    readFileSync(
      aggregatePaths.find((p) => p.endsWith('.spec.json'))!,
      'utf8',
    ),
  );
  expect(savedSpec).toMatchObject({ kind: 'aggregate', metrics: ['discriminator_accuracy'] });
  expect(savedSpec.runs).toHaveLength(4);
  await screenshotWhole(page, 'figures-aggregate.png');

  // Loaded back: the aggregate and its metric.
  await page.click('button:has-text("New figure")');
  await expect(page.locator('input[name=figure-kind][value=curves]')).toBeChecked();
  await page.locator('[data-test=figure-saved] tr[data-figure^="lr-final-"] [data-test=figure-load]').click();
  await expect(page.locator('input[name=figure-kind][value=aggregate]')).toBeChecked();
  await expect(page.locator('input[name=aggregate-metric][value=discriminator_accuracy]')).toBeChecked();
  await expect(img).toBeVisible({ timeout: 30_000 });
  expect(errors, errors.join('\n')).toEqual([]);
  await page.close();
});
