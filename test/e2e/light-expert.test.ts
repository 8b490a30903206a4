// In the browser, a light expert from the app: a person adds a folder as a domain, sees what a full and a
// light expert would take on this machine (disk, memory, and the time once the engine has measured its
// training speed), picks Light with a rank, trains it, and the forest view's card shows a light expert. The
// branch step with both options fits windows 1024, 1280 and 1920 px wide.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, horizontalOverflow, launchChromium, unnamedControls } from '../helpers/browser';
import { groveBin, startServe, type ServeProcess } from '../helpers/grove-process';
import { writeTestModel } from '../helpers/model';
import { tempDir } from '../helpers/tmp';
import { writeTestTokenizer } from '../helpers/tokenizer';

let serve: ServeProcess;
let browser: Browser;
let folder = '';

beforeAll(async () => {
  const dir = tempDir();
  const home = join(dir, 'home');
  const seed = join(dir, 'seed');
  const tokenizer = await writeTestTokenizer(dir, 320);
  await writeTestModel(seed, { architecture: 'LlamaForCausalLM', vocabSize: 320, hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2, numAttentionHeads: 4, tieWordEmbeddings: true }, { tokenizer });
  execFileSync(process.execPath, [groveBin, '--home', home, 'init', '--from', seed], { stdio: 'ignore' });
  folder = join(dir, 'recipes');
  mkdirSync(folder);
  for (let i = 0; i < 40; i++) writeFileSync(join(folder, `recipe-${i}.md`), `# Recipe ${i}\n\nSimmer ${i} onions with thyme for ${i + 5} minutes, then add the beans.\n`.repeat(50));
  serve = await startServe(home);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('a light expert from the app', () => {
  it('shows full and light with disk, memory and time, trains a light one, and its card says so', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(serve.openUrl);
    await page.getByRole('button', { name: 'New expert' }).first().click();
    await page.getByLabel('Folder').fill(folder);
    await page.getByRole('button', { name: 'Read the folder' }).click();
    await page.getByTestId('ingest-report').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Next: branch' }).click();
    await page.getByLabel('Unit').selectOption('steps');
    await page.getByLabel('Budget').fill('8');

    // Both kinds, with the engine's estimate; a seed this small trains as a full expert by default.
    const choice = page.getByTestId('expert-kind');
    await page.getByTestId('kind-full').waitFor({ timeout: 30_000 });
    await expect(choice.getByRole('radio', { name: 'Full expert' }).isChecked()).resolves.toBe(true);
    await expect(page.getByTestId('full-disk').textContent()).resolves.toMatch(/^\d+ kB \(up to/);
    await expect(page.getByTestId('light-memory').textContent()).resolves.toMatch(/^\d+ MB peak, fits in the [\d.]+ GB available$/);
    // Nothing said how fast this machine trains: the engine measures it (real train steps, in its worker).
    await expect.poll(() => page.getByTestId('light-speed').textContent(), { timeout: 60_000, interval: 500 }).toBe('measured on this machine just now (cpu)');
    await expect(page.getByTestId('full-speed').textContent()).resolves.toBe('measured on this machine just now (cpu)');
    await expect(page.getByTestId('light-time').textContent()).resolves.toMatch(/^(about \d+ s|under 1 s) for 8 steps/);

    await choice.getByRole('radio', { name: 'Light expert' }).check();
    await page.getByLabel('Rank', { exact: true }).fill('4');
    await expect(choice.getByRole('radio', { name: 'Full expert' }).isChecked()).resolves.toBe(false);
    expect(await unnamedControls(page)).toEqual([]);
    for (const width of [1024, 1280, 1920]) {
      await page.setViewportSize({ width, height: 900 });
      expect(await horizontalOverflow(page), `the branch step at ${width} px`).toEqual([]);
      await page.screenshot({ path: artifactPath('e2e', `new-expert-kind-${width}px.png`), fullPage: true });
    }

    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByTestId('training-view').waitFor();
    await page.getByTestId('run-done').waitFor({ timeout: 90_000 });
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Forest', exact: true }).click();
    const card = page.getByTestId('model-card').filter({ hasText: 'recipes' });
    await expect.poll(() => card.getByTestId('model-status').textContent(), { timeout: 30_000 }).toBe('ready');
    await expect(card.getByTestId('model-kind').textContent()).resolves.toBe('Light expert · recipes');
    await expect(card.getByTestId('model-adapter').textContent()).resolves.toBe('rank 4 on seed');
    await page.screenshot({ path: artifactPath('e2e', 'light-expert-card.png'), fullPage: true });
  });
});
