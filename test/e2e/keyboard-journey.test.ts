// In the browser, the journey with the keyboard alone (no mouse click anywhere): open New expert, read a folder,
// start a tiny training (choosing its kind with the arrow keys), go to chat with the toolbar's arrow keys and
// send a message, delete the conversation through its dialog (Escape first keeps it), then open a model's
// removal dialog and cancel it with Escape. Every control reached shows a focus ring, a new screen takes focus to
// its title, a dialog keeps focus inside itself, and focus returns to the button that opened it.
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, launchChromium } from '../helpers/browser';
import { startServe, type ServeProcess } from '../helpers/grove-process';
import { hasFocus, retype, tabTo } from '../helpers/keyboard';
import { initTinyForest, writeRecipeFolder } from '../helpers/tiny-forest';
import { tempDir } from '../helpers/tmp';
import { watchErrors } from './journey-steps';

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let folder = '';

beforeAll(async () => {
  const dir = tempDir();
  const home = await initTinyForest(dir);
  folder = writeRecipeFolder(dir);
  serve = await startServe(home);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

/** Tabs to a control, checks that it shows its focus, and presses a key on it. */
async function press(target: Locator, key: 'Enter' | 'Space', options: { backwards?: boolean } = {}): Promise<void> {
  expect(await tabTo(page, target, options), `the focus ring of ${target.toString()}`).not.toBe('none');
  await page.keyboard.press(key);
}

/** Tabs to a field, checks that it shows its focus, and types `text` in place of what it holds. */
async function fill(target: Locator, text: string): Promise<void> {
  expect(await tabTo(page, target), `the focus ring of ${target.toString()}`).not.toBe('none');
  await retype(page, text);
}

const shot = (name: string) => page.screenshot({ path: artifactPath('e2e', `keyboard-${name}.png`), fullPage: true });

describe('the journey with the keyboard alone', () => {
  it('adds and trains an expert, chats, and cancels a removal with Escape', async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(serve.openUrl);
    const screens = page.getByRole('navigation', { name: 'Screens' });

    // New expert, from the screens toolbar.
    await press(screens.getByRole('button', { name: 'New expert', exact: true }), 'Enter');
    await fill(page.getByRole('textbox', { name: 'Folder' }), folder);
    await press(page.getByRole('button', { name: 'Read the folder' }), 'Enter');
    await page.getByTestId('ingest-report').waitFor({ timeout: 30_000 });
    await shot('ingest-report');
    await press(page.getByRole('button', { name: 'Next: branch' }), 'Space');

    // A tiny budget in steps; the unit chosen by typing on the focused select, the kind with the arrow keys.
    await fill(page.getByLabel('Budget'), '8');
    expect(await tabTo(page, page.getByLabel('Unit'))).not.toBe('none');
    await page.keyboard.type('steps');
    await expect.poll(() => page.getByLabel('Unit').inputValue()).toBe('steps');
    const kind = page.getByTestId('expert-kind');
    await kind.getByTestId('kind-full').waitFor({ timeout: 30_000 });
    const full = kind.getByRole('radio', { name: 'Full expert' });
    const light = kind.getByRole('radio', { name: 'Light expert' });
    expect(await tabTo(page, full)).not.toBe('none');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => light.isChecked()).toBe(true);
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => full.isChecked()).toBe(true);
    expect(await hasFocus(full)).toBe(true);
    await shot('branch');
    await press(page.getByRole('button', { name: 'Start training' }), 'Enter');
    await page.getByTestId('training-view').waitFor();
    await expect.poll(() => hasFocus(page.getByRole('heading', { name: 'Training', level: 2 }))).toBe(true);
    await page.getByTestId('run-done').waitFor({ timeout: 90_000 });

    // To chat with the arrow keys of the screens toolbar.
    const chat = screens.getByRole('button', { name: 'Chat', exact: true });
    expect(await tabTo(page, screens.getByRole('button').first())).not.toBe('none');
    for (let i = 0; i < 8 && !(await hasFocus(chat)); i++) await page.keyboard.press('ArrowRight');
    expect(await hasFocus(chat)).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByTestId('chat-empty').waitFor();
    // The new screen takes focus to its title, so Tab carries on from there.
    await expect.poll(() => hasFocus(page.getByRole('heading', { name: 'Chat', level: 2 }))).toBe(true);
    // A short reply keeps the test quick: the sampling fields open with Enter on their summary.
    await press(page.getByTestId('sampling').locator('summary'), 'Enter');
    await fill(page.getByLabel('Longest reply'), '16');
    await fill(page.getByLabel('Message'), 'Simmer the onions');
    await page.keyboard.press('Enter');
    const reply = page.getByTestId('chat-reply').first();
    await reply.and(page.locator('[data-streaming="false"]')).waitFor({ timeout: 60_000 });
    await expect(reply.getByTestId('reply-text').textContent()).resolves.not.toBe('');
    await shot('chat');

    // Deleting the conversation asks first: Escape keeps it, the dialog's own button deletes it.
    const deleteChat = page.getByRole('button', { name: 'Delete the conversation Simmer the onions' });
    await press(deleteChat, 'Enter', { backwards: true });
    const asked = page.getByRole('dialog', { name: 'Delete the conversation “Simmer the onions”?' });
    await asked.waitFor();
    await page.keyboard.press('Escape');
    await asked.waitFor({ state: 'detached' });
    expect(await hasFocus(deleteChat)).toBe(true);
    await page.keyboard.press('Enter');
    await press(asked.getByRole('button', { name: 'Delete conversation' }), 'Enter', { backwards: true });
    await deleteChat.waitFor({ state: 'detached' });

    // The removal dialog: focus starts on the safe choice and stays inside; Escape cancels and focus goes back.
    await press(screens.getByRole('button', { name: 'Forest', exact: true }), 'Enter', { backwards: true });
    const remove = page.getByRole('button', { name: 'Remove recipes from the forest' });
    await press(remove, 'Enter');
    const dialog = page.getByRole('dialog', { name: 'Remove “recipes” from the forest?' });
    await dialog.waitFor();
    expect(await hasFocus(dialog.getByRole('button', { name: 'Keep it' }))).toBe(true);
    await shot('remove-dialog');
    for (const key of ['Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      expect(await dialog.evaluate((d) => d.contains(d.ownerDocument.activeElement)), `focus inside the dialog after ${key}`).toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await hasFocus(remove)).toBe(true);
    await expect(page.getByTestId('model-card').filter({ hasText: 'recipes' }).getByTestId('model-status').textContent()).resolves.toBe(
      'ready',
    );
    expect(errors).toEqual([]);
  }, 240_000);
});
