// In the browser, a light expert from the app: a person adds a folder as a domain, sees what a full and a
// light expert would take on this machine (disk, memory, and the time once the engine has measured its
// training speed), picks Light with a rank, trains it, and the forest view's card shows a light expert. The
// branch step with both options fits windows 1024, 1280 and 1920 px wide, and its Start button stays where it
// is while estimates and the speed measurement arrive (a person clicks it with the pointer right after a new
// rank). Then a second light expert, and a
// chat with the forest: its two light experts weighed by the posterior, run as one batched pass over their
// shared base.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, horizontalOverflow, launchChromium, unnamedControls } from '../helpers/browser';
import { startServe, type ServeProcess } from '../helpers/grove-process';
import { watchButtonPlace } from '../helpers/layout-shift';
import { afterTwoFrames } from '../helpers/overflow';
import { initTinyForest } from '../helpers/tiny-forest';
import { tempDir } from '../helpers/tmp';
import { sendAndWait } from './journey-steps';

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let folder = '';
let weather = '';

/** A folder of 40 Markdown files, each one line of `line(i)` fifty times. */
function writeFolder(dir: string, name: string, line: (i: number) => string): string {
  const out = join(dir, name);
  mkdirSync(out);
  for (let i = 0; i < 40; i++) writeFileSync(join(out, `${name}-${i}.md`), line(i).repeat(50));
  return out;
}

beforeAll(async () => {
  const dir = tempDir();
  const home = await initTinyForest(dir);
  folder = writeFolder(dir, 'recipes', (i) => `# Recipe ${i}\n\nSimmer ${i} onions with thyme for ${i + 5} minutes, then add the beans.\n`);
  weather = writeFolder(dir, 'weather', (i) => `Station ${i}: wind ${i + 3} knots from the north, rain by evening, ${i % 9} mm.\n`);
  serve = await startServe(home);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

/** New expert: reads `dir` and goes on to the branch step, with a budget of 8 steps. */
async function readFolderToBranchStep(dir: string): Promise<void> {
  await page.getByRole('button', { name: 'New expert' }).first().click();
  await page.getByLabel('Folder').fill(dir);
  await page.getByRole('button', { name: 'Read the folder' }).click();
  await page.getByTestId('ingest-report').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Next: branch' }).click();
  await page.getByLabel('Unit').selectOption('steps');
  await page.getByLabel('Budget').fill('8');
}

/**
 * The rank set to `rank` while the page watches Start: the new estimate's answer arrives and the button stays
 * where it was (the cards keep their rows; ExpertKindChoice).
 */
async function setRank(rank: string): Promise<void> {
  const estimated = page.waitForResponse((r) => r.url().endsWith('/api/call/trainingEstimate'));
  const stop = await watchButtonPlace(page, 'Start training');
  await page.getByLabel('Rank', { exact: true }).fill(rank);
  await estimated;
  await expect.poll(() => page.getByTestId('light-time').textContent()).toMatch(/for 8 steps/);
  await afterTwoFrames(page);
  expect(await stop(), `Start training while the estimate for rank ${rank} arrived`).toHaveLength(1);
}

/**
 * As a person does: a new rank, and Start clicked with the pointer at once, while the new rank's estimate is on
 * its way (its answer lands after the click or during it, and must not move the button).
 */
async function changeRankAndStart(rank: string): Promise<void> {
  const start = page.getByRole('button', { name: 'Start training' });
  await expect.poll(() => start.isEnabled(), { timeout: 30_000 }).toBe(true);
  await page.getByLabel('Rank', { exact: true }).fill(rank);
  await start.click({ timeout: 5_000 });
}

describe('a light expert from the app', () => {
  it('shows full and light with disk, memory and time, trains a light one, and its card says so', async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(serve.openUrl);
    // The engine's estimates are held until the form is filled in; then Start is watched while they, the
    // measurement of this machine's speed and the estimate it brings arrive: the button must not move.
    let release = (): void => {};
    const held = new Promise<void>((done) => (release = done));
    await page.route('**/api/call/trainingEstimate', async (route) => {
      await held;
      await route.continue();
    });
    await readFolderToBranchStep(folder);
    await page.getByRole('button', { name: 'Start training' }).waitFor();
    await afterTwoFrames(page);
    const startPlaces = await watchButtonPlace(page, 'Start training');
    release();

    // Both kinds, with the engine's estimate; a seed this small trains as a full expert by default.
    const choice = page.getByTestId('expert-kind');
    await page.getByTestId('kind-full').waitFor({ timeout: 30_000 });
    await expect(choice.getByRole('radio', { name: 'Full expert' }).isChecked()).resolves.toBe(true);
    await expect(page.getByTestId('full-disk').textContent()).resolves.toMatch(/^\d+ kB \(up to/);
    await expect(page.getByTestId('light-memory').textContent()).resolves.toMatch(/^\d+ MB peak, fits in the [\d.]+ GB available$/);
    // Nothing said how fast this machine trains: the engine measures it (real train steps, in its worker).
    await expect
      .poll(() => page.getByTestId('light-speed').textContent(), { timeout: 60_000, interval: 500 })
      .toBe('measured on this machine just now (cpu)');
    await expect(page.getByTestId('full-speed').textContent()).resolves.toBe('measured on this machine just now (cpu)');
    await expect(page.getByTestId('light-time').textContent()).resolves.toMatch(/^(about \d+ s|under 1 s) for 8 steps/);
    await page.unroute('**/api/call/trainingEstimate');
    expect(await startPlaces(), 'Start training while the estimates and the measurement arrived').toHaveLength(1);

    await choice.getByRole('radio', { name: 'Light expert' }).check();
    await setRank('4');
    await expect(choice.getByRole('radio', { name: 'Full expert' }).isChecked()).resolves.toBe(false);
    expect(await unnamedControls(page)).toEqual([]);
    for (const width of [1024, 1280, 1920]) {
      await page.setViewportSize({ width, height: 900 });
      expect(await horizontalOverflow(page), `the branch step at ${width} px`).toEqual([]);
      await page.screenshot({ path: artifactPath('e2e', `new-expert-kind-${width}px.png`), fullPage: true });
    }

    await changeRankAndStart('8');
    await page.getByTestId('training-view').waitFor();
    await page.getByTestId('run-done').waitFor({ timeout: 90_000 });
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Forest', exact: true }).click();
    const card = page.getByTestId('model-card').filter({ hasText: 'recipes' });
    await expect.poll(() => card.getByTestId('model-status').textContent(), { timeout: 30_000 }).toBe('ready');
    await expect(card.getByTestId('model-kind').textContent()).resolves.toBe('Light expert · recipes');
    await expect(card.getByTestId('model-adapter').textContent()).resolves.toBe('rank 8 on seed');
    await page.screenshot({ path: artifactPath('e2e', 'light-expert-card.png'), fullPage: true });
  }, 180_000);

  it('adds a second light expert, then chats with both in the posterior mix under the reply', async () => {
    await readFolderToBranchStep(weather);
    await page.getByTestId('expert-kind').getByRole('radio', { name: 'Light expert' }).check();
    await changeRankAndStart('4');
    await page.getByTestId('run-done').waitFor({ timeout: 90_000 });

    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Chat', exact: true }).click();
    await page.getByTestId('chat-empty').waitFor();
    const reply = await sendAndWait({ page }, 'Simmer the onions');
    await expect(reply.getByTestId('reply-text').textContent()).resolves.not.toBe('');
    const legend = reply.getByTestId('posterior-legend');
    await expect(legend.count()).resolves.toBe(2);
    await expect(legend.allTextContents().then((t) => t.join(' '))).resolves.toMatch(/recipes.*weather|weather.*recipes/);
    await page.screenshot({ path: artifactPath('e2e', 'light-expert-chat.png'), fullPage: true });
  }, 120_000);
});
