/**
 * The task editor end to end in browser mode (issue #4 §3): duplicate the built-in l-wall-push into
 * a workspace task, edit the wall in the form and see the JSON follow, see an invalid value's inline
 * message, fix it, save, reload and find the task listed; the 3D preview drew and sampled resets show.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { decodePng, luminanceVariance } from './png.ts';
import { collectErrors, launchLab, type Lab } from './harness.ts';

let lab: Lab;
test.beforeAll(async () => {
  lab = await launchLab('tasks');
});
test.afterAll(async () => lab?.close());

test('a new user duplicates l-wall-push, edits the wall, fixes a bad value, saves and samples resets', async () => {
  const testInfo = test.info();
  const page = await lab.browser.newPage({ viewport: { width: 1600, height: 1100 } });
  const errors = collectErrors(page);
  await page.goto(lab.url);
  await page.waitForSelector('text=connected');
  await page.click('nav button:has-text("Tasks")');
  await expect(page.locator('[data-test=empty]')).toContainText('l-wall-push');

  await page.click('[data-task="l-wall-push"]');
  await expect(page.locator('.badge.builtin').first()).toBeVisible();
  await page.click('button:has-text("Duplicate")');
  await page.fill('input[name="new-task-name"]', 'my-l-wall');
  await page.click('[data-test=name-dialog] button[type=submit]');
  await expect(page.locator('[data-task="my-l-wall"]')).toContainText('workspace');

  // The form drives the JSON: lengthen the first wall.
  const json = page.locator('textarea[name="task-json"]');
  const wallLength = page.locator('input[name="obstacles[0].halfSize[0]"]');
  await wallLength.fill('0.2');
  await wallLength.press('Enter');
  await expect.poll(async () => JSON.parse(await json.inputValue()).obstacles[0].halfSize[0]).toBe(0.2);

  // An invalid value: the message appears beside the field and Save is refused.
  await wallLength.fill('5');
  await wallLength.press('Enter');
  const issue = page.locator('[data-field="obstacles[0].halfSize"] [role=alert]');
  await expect(issue).toContainText('must be');
  const save = page.locator('.toolbar button:has-text("Save")');
  await expect(save).toBeDisabled();
  await page.screenshot({ path: testInfo.outputPath('tasks-invalid.png') });
  await wallLength.fill('0.2');
  await wallLength.press('Enter');
  await expect(issue).toHaveCount(0);
  await expect(save).toBeEnabled();
  // The notice of Duplicate's save went with the first edit, so this one is the new save's.
  await expect(page.locator('[data-test=notice]')).toHaveCount(0);
  await save.click();
  await expect(page.locator('[data-test=notice]')).toContainText('Saved my-l-wall');
  const onDisk = JSON.parse(readFileSync(join(lab.workspace, 'tasks', 'my-l-wall.json'), 'utf8'));
  expect(onDisk.obstacles[0].halfSize[0]).toBe(0.2);

  // Reload: the task is listed and opens with the edit.
  await page.reload();
  await page.waitForSelector('text=connected');
  await page.click('nav button:has-text("Tasks")');
  await page.click('[data-task="my-l-wall"]');
  await expect(page.locator('input[name="obstacles[0].halfSize[0]"]')).toHaveValue('0.2');

  // Sampled resets, and the 3D preview drew the scene (pixel variance, not just an element).
  await page.click('button:has-text("Sample resets")');
  await expect(page.locator('[data-test=sample]')).toHaveCount(10);
  await page.selectOption('select[name="drag-target"]', 'goal');
  await page.waitForTimeout(1000);
  const canvas = page.locator('canvas[data-test=task-preview]');
  const png = await canvas.screenshot({ path: testInfo.outputPath('task-preview.png') });
  expect(luminanceVariance(decodePng(png)), 'the 3D preview drew nothing').toBeGreaterThan(50);
  await page.screenshot({ path: testInfo.outputPath('tasks.png') });

  // Domain randomization (issue #13 B1): the ranges read as scale factors with what each applies
  // to; a body's own range; a body the scene lacks is named; sampled resets show what they drew.
  const randomized = JSON.parse(await json.inputValue());
  randomized.randomization = {
    friction: [0.8, 1.2],
    bodies: [
      { body: 'table', friction: [0.2, 0.3] },
      { body: 'object3', mass: [1, 2] },
    ],
  };
  await json.fill(JSON.stringify(randomized, null, 2));
  const friction = page.locator('[data-field="randomization.friction"]');
  await expect(friction.locator('.hint').first()).toHaveText('× [0.1, 10]');
  await expect(friction.locator('[data-test=field-description]')).toContainText(
    'sliding friction of the table, objects and obstacles',
  );
  await expect(page.locator('[data-field="randomization.bodies[1].body"] [role=alert]')).toContainText(
    'names object3, but the task has only object0',
  );
  randomized.randomization.bodies[1].body = 'object0';
  await json.fill(JSON.stringify(randomized, null, 2));
  await expect(page.locator('[data-test=issues]')).toHaveCount(0);
  await page.click('button:has-text("Sample resets")');
  const drawn = page.locator('[data-test=sample]').first().locator('[data-test=sample-physics]');
  await expect(drawn).toHaveCount(3);
  await expect(drawn.nth(1)).toHaveText(/table friction ×0\.(2|3)\d/);
  await expect(drawn.nth(2)).toHaveText(/object0 mass ×[12]\.\d\d/);
  await page.locator('[data-field="randomization"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('tasks-randomization.png') });

  // Undo / redo over the editor's edits (issue #13 B7): keys in the JSON view, and the buttons.
  const episodeLength = page.locator('input[name="episodeLength"]');
  await episodeLength.fill('80');
  await episodeLength.press('Enter');
  await expect.poll(async () => JSON.parse(await json.inputValue()).episodeLength).toBe(80);
  await json.press('Control+z');
  await expect.poll(async () => JSON.parse(await json.inputValue()).episodeLength).toBe(100);
  await expect(episodeLength).toHaveValue('100');
  await json.press('Control+Shift+z');
  await expect.poll(async () => JSON.parse(await json.inputValue()).episodeLength).toBe(80);
  await page.click('[data-test=undo]');
  await expect(episodeLength).toHaveValue('100');
  await expect(page.locator('[data-test=redo]')).toBeEnabled();
  expect(errors).toEqual([]);
  await page.close();
});
