/**
 * A DADS run's Skills view end to end in browser mode (issue #9 §2, §4): a new user opens the quick
 * DADS run's page (point-mass preset, trained briefly here to keep the spec short), goes to its
 * Skills tab, clicks two goals on the top-down map, runs the planner and watches the episodes play:
 * the executed paths drawn on the map and in 3D (pixel checks), the final distance per goal shown —
 * and the same numbers come from the API and from the `skill-lab plan` command the view prints.
 * Then a meta-controller over the same run's skills (skill-controller, started through the API with
 * a tiny budget) shows the skills it picked the same way on its page: the evaluation's paths drawn
 * where they went, the final distances the API reports, and the pinned skill run linked.
 * With briefly trained runs, whether the goals are reached is not asserted (the learning tests,
 * engine/planning/dads_plan.test.ts and engine/algos/skill_controller.test.ts, are where MPPI and the
 * controller must succeed). Screenshots in both themes; the README's docs/screenshots/skills.png and
 * controller.png are the light ones of a DADS run trained in full (SKILL_LAB_E2E_DADS_STEPS=30000,
 * the quick run's budget).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { decodePng, type Pixels } from './png.ts';
import { collectErrors, launchLab, type Lab } from './harness.ts';

const BIN = fileURLToPath(new URL('../bin/skill-lab.js', import.meta.url));
/** Env steps the DADS run trains here: a third of the quick run's, enough for its skills to move. */
const STEPS = Number(process.env.SKILL_LAB_E2E_DADS_STEPS ?? 10_000);
/** Env steps the controller over its skills trains: 4 iterations of the preset's 500. */
const CONTROLLER_STEPS = Number(process.env.SKILL_LAB_E2E_CONTROLLER_STEPS ?? 2_000);

let lab: Lab;
test.beforeAll(async () => {
  lab = await launchLab('skills');
});
test.afterAll(async () => lab?.close());

/** Pixels of a strong colour (a skill's), not the greys and whites of the arena, text and markers. */
function colourful(p: Pixels): number {
  let n = 0;
  for (let i = 0; i < p.width * p.height; i++) {
    const o = i * p.channels;
    const r = p.data[o];
    const g = p.data[o + 1];
    const b = p.data[o + 2];
    if (Math.max(r, g, b) - Math.min(r, g, b) > 90) n++;
  }
  return n;
}

/** Pixels that differ (by more than 40 in a channel) between two pictures of the same size. */
function changed(a: Pixels, b: Pixels): number {
  let n = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    const o = i * a.channels;
    if (
      Math.abs(a.data[o] - b.data[o]) > 40 ||
      Math.abs(a.data[o + 1] - b.data[o + 1]) > 40 ||
      Math.abs(a.data[o + 2] - b.data[o + 2]) > 40
    )
      n++;
  }
  return n;
}

/** Pixels of a strong colour in `b` that differ (by more than 40 in a channel) from `a`. */
function newlyColourful(a: Pixels, b: Pixels): number {
  let n = 0;
  for (let i = 0; i < b.width * b.height; i++) {
    const o = i * b.channels;
    const c = [b.data[o], b.data[o + 1], b.data[o + 2]];
    const moved = c.some((v, k) => Math.abs(v - a.data[o + k]) > 40);
    if (moved && Math.max(...c) - Math.min(...c) > 90) n++;
  }
  return n;
}

async function shot(el: Locator, file?: string): Promise<Pixels> {
  return decodePng(await el.screenshot(file ? { path: test.info().outputPath(file) } : {}));
}

/** Where the map draws the point (x, y) m, in CSS px of its canvas, from the frame it publishes. */
async function mapPixel(map: Locator, x: number, y: number): Promise<{ x: number; y: number }> {
  const frame = JSON.parse((await map.getAttribute('data-frame'))!) as {
    bounds: { xMin: number; xMax: number; yMin: number; yMax: number };
    left: number;
    top: number;
    side: number;
  };
  const b = frame.bounds;
  return {
    x: frame.left + ((x - b.xMin) / (b.xMax - b.xMin)) * frame.side,
    y: frame.top + ((b.yMax - y) / (b.yMax - b.yMin)) * frame.side,
  };
}

/** Clicks the map at (x, y) m. */
async function clickMap(map: Locator, x: number, y: number) {
  await map.click({ position: await mapPixel(map, x, y) });
}

/** Waits until the run's status is `status` (polling the API), for up to `timeout` ms. */
async function runReaches(runId: string, status: string, timeout: number, evaluated = false) {
  await expect
    .poll(
      async () => {
        const r = (await lab.server.service.listRuns()).runs.find((x) => x.id === runId);
        return r && (!evaluated || (r.evaluated && r.activity === null)) ? r.status : null;
      },
      { timeout, intervals: [1000] },
    )
    .toBe(status);
}

let dads: Promise<string> | null = null;
/** The quick DADS run (point-mass preset, seed 0), shortened: trained once for this file's tests. */
function dadsRun(): Promise<string> {
  dads ??= (async () => {
    const { run } = await lab.server.service.startRun({
      algo: 'dads',
      preset: 'point-mass',
      seed: 0,
      totalEnvSteps: STEPS,
    });
    await runReaches(run.id, 'completed', STEPS * 10);
    return run.id;
  })();
  return dads;
}

/** True when a pixel within 2 px of (x, y) (CSS px; screenshots are at device scale 1) differs (by more than 40 in a channel) between `a` and `b`. */
function changedNear(a: Pixels, b: Pixels, x: number, y: number): boolean {
  for (let dy = -2; dy <= 2; dy++)
    for (let dx = -2; dx <= 2; dx++) {
      const o = (Math.round(y + dy) * b.width + Math.round(x + dx)) * b.channels;
      for (let k = 0; k < 3; k++) if (Math.abs(a.data[o + k] - b.data[o + k]) > 40) return true;
    }
  return false;
}

/**
 * Checks that the map drew every trace's path where it went: each point of it away from the start and
 * end markers of every trace looks different in `after` than in `before` (the map without the
 * paths) — whatever the skill's colour, which is greyer for a short z. Returns how many points were
 * checked.
 */
async function pathsDrawn(
  map: Locator,
  before: Pixels,
  after: Pixels,
  traces: ReadonlyArray<{ f: Array<Array<number | null>>; steps: number }>,
): Promise<number> {
  const markers = await Promise.all(
    traces.flatMap((t) => [t.f[0], t.f[t.steps]]).map((p) => mapPixel(map, p[0]!, p[1]!)),
  );
  let checked = 0;
  for (const t of traces)
    for (const row of t.f) {
      const p = await mapPixel(map, row[0]!, row[1]!);
      if (markers.some((m) => Math.hypot(p.x - m.x, p.y - m.y) < 10)) continue;
      expect(changedNear(before, after, p.x, p.y), `the path through (${row[0]}, ${row[1]}) m is drawn`).toBe(
        true,
      );
      checked++;
    }
  return checked;
}

/** A screenshot of the whole page (the app scrolls inside its main pane). */
async function screenshotWhole(page: Page, file: string): Promise<string> {
  const size = page.viewportSize()!;
  const extra = await page.locator('main').evaluate((el) => el.scrollHeight - el.clientHeight);
  await page.setViewportSize({ width: size.width, height: size.height + Math.max(0, extra) });
  await page.waitForTimeout(800);
  const path = test.info().outputPath(file);
  await page.screenshot({ path });
  await page.setViewportSize(size);
  return path;
}

test('a new user clicks two goals on a DADS run’s Skills map and watches the planner go there; skill-lab plan reports the same', async () => {
  test.setTimeout(120_000 + STEPS * 10);
  const service = lab.server.service;
  const run = { id: await dadsRun() };

  const page = await lab.browser.newPage({ viewport: { width: 1440, height: 1100 } });
  const errors = collectErrors(page);
  await page.goto(lab.url);
  await page.waitForSelector('text=connected');
  await page.evaluate((id) => (location.hash = `#run=${id}`), run.id);
  await expect(page.locator('[data-test=run-title]')).toHaveText('DADS point-mass s0');
  await page.click('[data-tab=skills]');
  const map = page.locator('[data-test=skill-map]');
  const scene = page.locator('[data-test=skill-scene]');
  // The map shows the arena of the env's model once the 3D scene loaded it (floor ±1.2 m).
  await expect
    .poll(async () => JSON.parse((await map.getAttribute('data-frame'))!).bounds.xMax, { timeout: 30_000 })
    .toBeCloseTo(1.2 * 1.08, 3);

  // Two goals, clicked; a third clicked and clicked off again.
  await clickMap(map, 0.5, 0.3);
  await clickMap(map, -0.4, -0.2);
  await clickMap(map, 0.7, -0.7);
  await clickMap(map, 0.7, -0.7);
  const chips = page.locator('[data-test=goal]');
  await expect(chips).toHaveCount(2);
  await expect(chips.nth(0)).toContainText('(0.50, 0.30) m');
  await expect(chips.nth(1)).toContainText('(-0.40, -0.20) m');
  await page.waitForTimeout(800);
  const mapBefore = await shot(map, 'map-goals.png');
  const sceneBefore = await shot(scene, 'scene-goals.png');
  expect(colourful(mapBefore), 'no path before planning').toBeLessThan(50);

  await page.click('[data-test=plan]');
  await expect(page.locator('[data-test=stop-plan]')).toBeVisible();
  const rows = page.locator('[data-test=plan-row]');
  await expect(rows).toHaveCount(2, { timeout: 90_000 });
  await expect(page.locator('[data-test=plan-figures]')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('[data-test=plan]')).toBeVisible();
  // The timeline plays the episodes over and over; paused at their end, every path is whole.
  await page.waitForTimeout(1500);
  await page.locator('[data-test=skills-view] [data-test=timeline] button[aria-label=pause]').click();
  await page.keyboard.press('End');
  await page.waitForTimeout(500);

  // The same episodes from the API: where the paths must be drawn.
  const api = await service.planSkills({
    runId: run.id,
    planId: 'e2e-check',
    goals: [
      [0.5, 0.3],
      [-0.4, -0.2],
    ],
    seed: 0,
  });

  // The executed paths, in their skills' colours, on the map (at the places they went through) and
  // in 3D.
  const mapAfter = await shot(map, 'map-planned.png');
  expect(colourful(mapAfter), 'the paths drew on the map').toBeGreaterThan(colourful(mapBefore) + 150);
  const checked = await pathsDrawn(map, mapBefore, mapAfter, api.traces.planner);
  expect(checked, 'the skills moved the robot far enough to see a path').toBeGreaterThan(10);
  const sceneAfter = await shot(scene, 'scene-planned.png');
  expect(changed(sceneBefore, sceneAfter), 'the paths and robots drew in 3D').toBeGreaterThan(300);
  expect(colourful(sceneAfter), 'coloured paths in 3D').toBeGreaterThan(colourful(sceneBefore) + 100);

  // The final distances shown are the API's and skill-lab plan's for the same goals and seed.
  const shown = await rows.locator('[data-test=final-distance]').allTextContents();
  expect(shown).toEqual(api.report.episodes.map((e) => `${e.final_distance!.toFixed(3)} m`));
  const command = (await page.locator('[data-test=plan-command]').textContent())!;
  expect(command).toBe(`skill-lab plan ${run.id} --goal 0.5,0.3 --goal -0.4,-0.2 --seed 0 --json`);
  const cli = spawnSync(
    process.execPath,
    [BIN, '--workspace', lab.workspace, ...command.split(' ').slice(1)],
    { encoding: 'utf8', timeout: 120_000 },
  );
  expect(cli.status, cli.stderr).toBe(0);
  const { run: _run, checkpoint: _checkpoint, ...printed } = JSON.parse(cli.stdout);
  expect(printed).toEqual(api.report);
  const figures = page.locator('[data-test=plan-figures]');
  await expect(figures).toContainText(printed.success_rate.toFixed(2));
  await expect(figures).toContainText(`${printed.mean_final_distance.toFixed(3)} m`);

  // Pictures in both themes (looked at; the light one is the README's), a little into the
  // episodes, where the best candidates' predictions of the current segment show.
  await page.keyboard.press('Home');
  for (let i = 0; i < 13; i++) await page.keyboard.press('ArrowRight');
  await page.waitForTimeout(300);
  const theme = await page.evaluate(() => document.documentElement.dataset.theme);
  await screenshotWhole(page, `skills-${theme}.png`);
  await page.click('header button[title*="theme"]');
  await page.waitForTimeout(1200);
  expect(colourful(await shot(map)), 'the paths drew in the other theme').toBeGreaterThan(
    colourful(mapBefore) + 150,
  );
  await screenshotWhole(page, `skills-${theme === 'dark' ? 'light' : 'dark'}.png`);
  expect(errors, errors.join('\n')).toEqual([]);
  await page.close();
});

test('a meta-controller over the DADS run’s skills shows the skills it picked the same way, with the final distances', async () => {
  test.setTimeout(180_000 + (dads ? 0 : STEPS * 10));
  const service = lab.server.service;
  const skills = await dadsRun();
  // The controller through the API, as the start-run form would start it, with a tiny budget.
  const { run } = await service.startRun({
    algo: 'skill-controller',
    preset: 'point-mass',
    seed: 0,
    totalEnvSteps: CONTROLLER_STEPS,
    overrides: { 'skillController.skillsFrom': skills, 'skillController.evalEpisodes': 4 },
  });
  // A completed run is evaluated by its own process.
  await runReaches(run.id, 'completed', 150_000, true);
  const { summary } = await service.getEvaluation({ runId: run.id });
  const traces = summary!.traces!;
  expect(traces).toHaveLength(4);

  const page = await lab.browser.newPage({ viewport: { width: 1440, height: 1100 } });
  const errors = collectErrors(page);
  await page.goto(lab.url);
  await page.waitForSelector('text=connected');
  await page.evaluate((id) => (location.hash = `#run=${id}`), run.id);
  await expect(page.locator('[data-test=run-title]')).toHaveText('SKILL-CONTROLLER point-mass s0');
  const view = page.locator('[data-test=controller-skills]');
  // The skills it composes, pinned: the DADS run, its checkpoint and hash, linked.
  const { run: record } = await service.getRun({ runId: run.id });
  const pin = view.locator('[data-test=skills-from]');
  await expect(pin).toContainText(`skills from ${skills} (DADS, checkpoint at`);
  await expect(pin).toContainText(`SHA-256 ${record.skillSource!.sha256.slice(0, 12)}…`);
  await expect(view.locator('[data-test=skills-from-link]')).toHaveAttribute('href', `#run=${skills}`);

  const map = view.locator('[data-test=skill-map]');
  const scene = view.locator('[data-test=skill-scene]');
  await expect
    .poll(async () => JSON.parse((await map.getAttribute('data-frame'))!).bounds.xMax, { timeout: 30_000 })
    .toBeCloseTo(1.2 * 1.08, 3);
  await view.scrollIntoViewIfNeeded();
  // Paused at the episodes' end, every path is whole.
  await page.waitForTimeout(1000);
  await view.locator('[data-test=timeline] button[aria-label=pause]').click();
  // At the start nothing of the paths is drawn yet; at the end all of them.
  await page.keyboard.press('Home');
  await page.waitForTimeout(600);
  const mapStart = await shot(map);
  const sceneStart = await shot(scene);
  await page.keyboard.press('End');
  await page.waitForTimeout(600);
  const mapShown = await shot(map, 'controller-map.png');
  const sceneEnd = await shot(scene, 'controller-scene.png');
  expect(colourful(mapShown), 'the paths drew on the map').toBeGreaterThan(colourful(mapStart) + 150);
  const checked = await pathsDrawn(map, mapStart, mapShown, traces);
  expect(checked, 'the skills it picked moved the robot far enough to see a path').toBeGreaterThan(10);
  expect(changed(sceneStart, sceneEnd), 'the paths and robots drew in 3D').toBeGreaterThan(300);
  // The robots are coloured at the start too (and may end on top of each other at the goal).
  expect(newlyColourful(sceneStart, sceneEnd), 'coloured paths in 3D').toBeGreaterThan(100);

  // The final distances shown are the evaluation's, and its mean is among the figures.
  const shown = await view
    .locator('[data-test=controller-episode] [data-test=final-distance]')
    .allTextContents();
  expect(shown).toEqual(traces.map((t) => `${t.final_distance!.toFixed(3)} m`));
  await expect(page.locator('[data-test=evaluation]')).toContainText(
    `${summary!.mean_final_distance!.toFixed(3)} m`,
  );

  // Pictures in both themes (looked at; the light one is the README's), a little into the episodes.
  await page.keyboard.press('Home');
  for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowRight');
  await page.waitForTimeout(300);
  const theme = await page.evaluate(() => document.documentElement.dataset.theme);
  await screenshotWhole(page, `controller-${theme}.png`);
  await page.click('header button[title*="theme"]');
  await page.waitForTimeout(1200);
  await screenshotWhole(page, `controller-${theme === 'dark' ? 'light' : 'dark'}.png`);

  // The link leads to the skill run's page.
  await view.locator('[data-test=skills-from-link]').click();
  await expect(page.locator('[data-test=run-title]')).toHaveText('DADS point-mass s0');
  expect(errors, errors.join('\n')).toEqual([]);
  await page.close();
});
