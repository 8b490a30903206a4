// Every screen of the journey at every size: each screen is shot at 1024, 1280 and 1920 px wide and at 200 %
// zoom, and checked for horizontal overflow (overflow.ts). Zoom: a browser at 200 % lays the page out in half
// the window's CSS pixels, so "1280 px at 200 %" is a 640-CSS-px viewport (the same media queries and widths
// the person gets; deviceScaleFactor only sharpens pixels and would leave the layout at 1280). One page is
// resized through the sizes, on one tiny forest (a seed, one expert trained by the CLI, evaluated) served once;
// the first run has its own empty home. Both confirmation dialogs (remove an expert, delete a conversation)
// are shot too. Screenshots: test-artifacts/screens/<screen>-<width>[-zoom200].png.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, launchChromium } from '../helpers/browser';
import { groveBin, startServe, type ServeProcess } from '../helpers/grove-process';
import { afterTwoFrames, horizontalOverflow } from '../helpers/overflow';
import { initTinyForest, writeRecipeFolder } from '../helpers/tiny-forest';
import { tempDir } from '../helpers/tmp';
import { sendAndWait, watchErrors } from './journey-steps';

/** Window widths, each also at 200 % zoom for 1280 (640 CSS px). */
const SIZES: readonly { label: string; width: number; height: number }[] = [
  { label: '1024', width: 1024, height: 768 },
  { label: '1280', width: 1280, height: 800 },
  { label: '1920', width: 1920, height: 1080 },
  { label: '1280-zoom200', width: 640, height: 400 },
];

let empty: ServeProcess;
let serve: ServeProcess;
let browser: Browser;
let page: Page;
let errors: string[] = [];
let letters = '';
/** What overflowed, per screen and size: the test's one expectation at the end. */
const overflow: Record<string, string[]> = {};

/** A second domain to add in the new-expert flow: short letters, a few kB. */
function writeLetterFolder(dir: string): string {
  const folder = join(dir, 'letters');
  mkdirSync(folder);
  for (let i = 0; i < 20; i++)
    writeFileSync(
      join(folder, `letter-${i}.txt`),
      `Dear friend ${i},\n\nThe garden is full of beans and thyme this year. Write soon.\n`.repeat(30),
    );
  return folder;
}

beforeAll(async () => {
  const dir = tempDir();
  const home = await initTinyForest(dir);
  const grove = (...args: string[]) => execFileSync(process.execPath, [groveBin, '--home', home, ...args], { stdio: 'ignore' });
  grove('add', writeRecipeFolder(dir), '--domain', 'recipes', '--steps', '8');
  grove('eval');
  letters = writeLetterFolder(dir);
  [empty, serve, browser] = await Promise.all([startServe(join(dir, 'empty-home')), startServe(home), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  errors = watchErrors(page);
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all([empty?.stop(), serve?.stop()]);
});

/**
 * Shoots the screen as it is at every size and records what overflows; leaves the page at 1280 px. A modal
 * dialog is shot in the window alone (its backdrop covers the window, not the whole page).
 */
async function shootAllSizes(screen: string, { fullPage = true } = {}): Promise<void> {
  for (const size of SIZES) {
    await page.setViewportSize({ width: size.width, height: size.height });
    await afterTwoFrames(page);
    overflow[`${screen} at ${size.label}`] = await horizontalOverflow(page);
    await page.screenshot({ path: artifactPath('screens', `${screen}-${size.label}.png`), fullPage });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

const nav = (name: string) => page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name, exact: true }).click();

describe('every screen at every size', () => {
  it('shoots each screen of the journey at 1024, 1280, 1920 px and 1280 px at 200 %, and nothing overflows sideways', async () => {
    // First run, on the empty home.
    await page.goto(empty.openUrl);
    await page.getByTestId('first-run').waitFor();
    await page.getByTestId('curated-detail').waitFor();
    await shootAllSizes('first-run');

    // The forest: its expert's card, lineage and the heatmap.
    await page.goto(serve.openUrl);
    await page.getByTestId('forest-view').waitFor();
    await page.getByTestId('heatmap-cell').first().waitFor();
    await shootAllSizes('forest');

    // New expert: the folder's report, then the branch step with its estimates.
    await nav('New expert');
    await page.getByRole('textbox', { name: 'Folder' }).fill(letters);
    await page.getByRole('button', { name: 'Read the folder' }).click();
    await page.getByTestId('ingest-report').waitFor({ timeout: 60_000 });
    await shootAllSizes('new-expert-report');
    await page.getByRole('button', { name: 'Next: branch' }).click();
    await page.getByLabel('Unit').selectOption('steps');
    await page.getByLabel('Budget').fill('8');
    await page.getByTestId('expert-kind').getByTestId('kind-full').waitFor({ timeout: 60_000 });
    await shootAllSizes('new-expert-estimate');

    // Training, with the loss chart.
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByTestId('training-view').waitFor();
    await page.getByTestId('run-done').waitFor({ timeout: 90_000 });
    await shootAllSizes('training');

    // Chat: a reply with the posterior bar; then the manual mix.
    await nav('Chat');
    await page.getByTestId('chat-empty').waitFor();
    await sendAndWait({ page }, 'Simmer the onions');
    await page.getByTestId('posterior-legend').first().waitFor();
    await shootAllSizes('chat');
    await page.getByLabel('Set the mix by hand').check();
    await page.getByTestId('mix-controls').locator('input[type="range"]').first().waitFor();
    await shootAllSizes('chat-manual-mix');
    // The delete-conversation dialog, then kept (Escape): the conversation stays.
    await page.getByRole('button', { name: 'Delete the conversation Simmer the onions' }).click();
    const deleting = page.getByRole('dialog', { name: 'Delete the conversation “Simmer the onions”?' });
    await deleting.waitFor();
    await shootAllSizes('delete-chat-dialog', { fullPage: false });
    await page.keyboard.press('Escape');
    await deleting.waitFor({ state: 'detached' });

    // Collapse, with the merge methods tried.
    await nav('Forest');
    await page.getByRole('button', { name: 'Collapse…' }).click();
    const collapse = page.getByTestId('collapse-panel');
    await collapse.getByLabel('Weights from').selectOption('uniform');
    await collapse.getByTestId('weight-bars').waitFor();
    await collapse.getByRole('button', { name: 'Try the methods' }).click();
    await collapse.getByTestId('merge-trial-table').waitFor({ timeout: 90_000 });
    await shootAllSizes('collapse');
    await collapse.getByRole('button', { name: 'Cancel' }).click();

    // Export.
    await page.getByRole('button', { name: 'Export recipes' }).click();
    await page.getByTestId('export-panel').waitFor();
    await shootAllSizes('export');
    await page.getByTestId('export-panel').getByRole('button', { name: 'Cancel' }).click();

    // The removal dialog.
    await page.getByRole('button', { name: 'Remove recipes from the forest' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove “recipes” from the forest?' });
    await dialog.waitFor();
    await shootAllSizes('remove-dialog', { fullPage: false });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // Settings.
    await nav('Settings');
    await page.getByTestId('settings').waitFor();
    await shootAllSizes('settings');

    const faults = Object.fromEntries(Object.entries(overflow).filter(([, found]) => found.length > 0));
    expect(faults).toEqual({});
    expect(Object.keys(overflow)).toHaveLength(12 * SIZES.length);
    expect(errors).toEqual([]);
  }, 300_000);
});
