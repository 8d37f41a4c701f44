/**
 * A skill-embedding run's page end to end in browser mode (issue #11 §2, §4): a new user trains the
 * regions preset (two tasks with two solutions each, seed 2; the service evaluates it when it
 * completes), opens its page, reads the tasks' embeddings on the plot, and moves the interpolation
 * slider from one task's embedding to the other's: the readout's z and the region the behaviour ends
 * at change, z(α) moves on the plot, and the x-y map and the 3D view draw the new behaviour.
 * Seed 2 on wasm: at α = 0 the rollout ends in task 0's region (−0.18, −0.18), at α = 1 in task 1's
 * (0.18, −0.18) (engine/algos/skill_embedding_learning.test.ts is where the embedding must be learned).
 */
import { expect, test, type Locator } from '@playwright/test';
import { decodePng, type Pixels } from './png.ts';
import { collectErrors, launchLab, screenshotWhole, type Lab } from './harness.ts';

let lab: Lab;
test.beforeAll(async () => {
  lab = await launchLab('embedding');
});
test.afterAll(async () => lab?.close());

/** Pixels that differ (by more than 40 in a channel) between two pictures of the same size. */
function changed(a: Pixels, b: Pixels): number {
  let n = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    const o = i * a.channels;
    for (let k = 0; k < 3; k++)
      if (Math.abs(a.data[o + k] - b.data[o + k]) > 40) {
        n++;
        break;
      }
  }
  return n;
}

async function shot(el: Locator, file: string): Promise<Pixels> {
  return decodePng(await el.screenshot({ path: test.info().outputPath(file) }));
}

test('the embedding plot and the interpolation slider drive the 3D view', async () => {
  test.setTimeout(360_000);
  const service = lab.server.service;
  const { run } = await service.startRun({ algo: 'skill-embedding', preset: 'regions', seed: 2 });
  await expect
    .poll(
      async () => {
        const r = (await service.listRuns()).runs.find((x) => x.id === run.id);
        return r?.status === 'completed' && r.evaluated && r.activity === null;
      },
      { timeout: 300_000, intervals: [2000] },
    )
    .toBe(true);

  const page = await lab.browser.newPage({ viewport: { width: 1400, height: 1300 } });
  const errors = collectErrors(page);
  await page.goto(`${lab.url}#run=${run.id}`);
  const panel = page.locator('[data-test=skill-embedding]');
  // The plot: both tasks' means with their ellipses, in z's own axes (d = 2).
  const plot = panel.locator('svg').first();
  await expect(plot).toContainText('z₁', { timeout: 30_000 });
  await expect(panel.locator('[data-test=embedding-tasks] tbody tr')).toHaveCount(2);

  const interp = panel.locator('[data-test=embedding-interpolation]');
  const readout = interp.locator('[data-test=interp-readout]');
  const map = interp.locator('[data-test=skill-map]');
  const scene = interp.locator('[data-test=skill-scene]');
  const timeline = interp.locator('[data-test=timeline]');
  await expect(readout).toContainText('α = 0.0');
  await expect(readout).toContainText('the region at (-0.18, -0.18)');

  /** Pauses the playback at the episode's end, so the whole path and the final pose are drawn. */
  async function atEnd() {
    await page.waitForTimeout(800);
    const pause = timeline.locator('button[aria-label=pause]');
    if (await pause.count()) await pause.click();
    await timeline.locator('input[aria-label=time]').focus();
    await page.keyboard.press('End');
    await page.waitForTimeout(800);
  }
  await atEnd();
  const plotA = await shot(plot, 'plot-alpha0.png');
  const mapA = await shot(map, 'map-alpha0.png');
  const sceneA = await shot(scene, 'scene-alpha0.png');
  const zA = await readout.textContent();

  await interp.locator('input[name=interp-alpha]').fill('10');
  await expect(readout).toContainText('α = 1.0');
  await expect(readout).toContainText('the region at (0.18, -0.18)');
  expect(await readout.textContent()).not.toBe(zA);
  await atEnd();
  const plotB = await shot(plot, 'plot-alpha1.png');
  const mapB = await shot(map, 'map-alpha1.png');
  const sceneB = await shot(scene, 'scene-alpha1.png');
  // z(α) moved on the plot; the map drew another path; the 3D view another behaviour.
  expect(changed(plotA, plotB), 'the plot did not move z(α)').toBeGreaterThan(20);
  expect(changed(mapA, mapB), 'the map did not change').toBeGreaterThan(200);
  expect(changed(sceneA, sceneB), 'the 3D view did not change').toBeGreaterThan(200);

  await screenshotWhole(page, 'embedding-page.png');
  expect(errors).toEqual([]);
  await page.close();
});
