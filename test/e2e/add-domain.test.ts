// In the browser, the everyday path: a forest started with `grove init`, then "New expert" with a folder
// path: the ingest runs in a worker process with progress, and the report of what was read opens.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, launchChromium } from '../helpers/browser';
import { startServe, type ServeProcess } from '../helpers/grove-process';
import { initTinyForest, writeRecipeFolder } from '../helpers/tiny-forest';
import { tempDir } from '../helpers/tmp';

let serve: ServeProcess;
let browser: Browser;
let folder = '';

beforeAll(async () => {
  const dir = tempDir();
  const home = await initTinyForest(dir, { hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 1, numAttentionHeads: 2 });
  folder = writeRecipeFolder(dir);
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
