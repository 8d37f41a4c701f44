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
