// In the browser, the everyday path: a forest started with `grove init`, then "New expert" with a folder
// path: the ingest runs in a worker process with progress, and the report of what was read opens.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, launchChromium } from '../helpers/browser';
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
  await writeTestModel(seed, { architecture: 'LlamaForCausalLM', vocabSize: 320, hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 1, numAttentionHeads: 2, tieWordEmbeddings: true }, { tokenizer });
  execFileSync(process.execPath, [groveBin, '--home', home, 'init', '--from', seed], { stdio: 'ignore' });
  folder = join(dir, 'recipes');
  mkdirSync(folder);
  for (let i = 0; i < 40; i++) writeFileSync(join(folder, `recipe-${i}.md`), `# Recipe ${i}\n\nSimmer ${i} onions with thyme for ${i + 5} minutes, then add the beans.\n`.repeat(50));
  writeFileSync(join(folder, 'copy-of-1.md'), `# Recipe 1\n\nSimmer 1 onions with thyme for 6 minutes, then add the beans.\n`.repeat(50));
  serve = await startServe(home);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('add a domain from the app', () => {
  it('ingests a folder in a worker, then shows the report', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(serve.openUrl);
    await page.getByRole('button', { name: 'New expert' }).first().click();
    await page.getByLabel('Folder').fill(folder);
    // The name is left empty: it defaults to the folder's name.
    await page.screenshot({ path: artifactPath('e2e', 'browser-add-domain.png') });
    await page.getByRole('button', { name: 'Read the folder' }).click();
    const report = page.getByTestId('ingest-report');
    await report.waitFor({ timeout: 30_000 });
    await expect(report.getByRole('heading', { name: 'Domain “recipes”', exact: true }).isVisible()).resolves.toBe(true);
    await expect(report.textContent()).resolves.toMatch(/40 of 41 file\(s\) accepted/);
    await expect(report.textContent()).resolves.toMatch(/copy-of-1\.md[\s\S]*duplicate/);
    await page.getByRole('button', { name: 'Close' }).click();
    await expect(page.getByTestId('domain-list').textContent()).resolves.toMatch(/^recipes\s*\S*recipes\s*40 files accepted/);
  });

  it('says clearly when the folder does not exist', async () => {
    const page = await browser.newPage();
    await page.goto(serve.openUrl);
    await page.getByRole('button', { name: 'New expert' }).first().click();
    await page.getByLabel('Folder').fill('/no/such/folder');
    await page.getByLabel('Domain name').fill('ghosts');
    await page.getByRole('button', { name: 'Read the folder' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/\/no\/such\/folder is not a folder on this machine/);
  });
});
