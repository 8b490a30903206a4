// In the browser: a folder ingested with `grove ingest` shows up in the forest, and its report lists
// every file, accepted or skipped with the reason.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, launchChromium } from '../helpers/browser';
import { groveBin, startServe, type ServeProcess } from '../helpers/grove-process';
import { tempDir } from '../helpers/tmp';
import { writeTestTokenizer } from '../helpers/tokenizer';

let serve: ServeProcess;
let browser: Browser;

beforeAll(async () => {
  const dir = tempDir();
  const home = join(dir, 'home');
  const folder = join(dir, 'field-notes');
  mkdirSync(folder);
  for (let i = 0; i < 25; i++)
    writeFileSync(join(folder, `day-${i}.md`), `# Day ${i}\n\nBirch ${i}, oak ${i * 3}, and a fox seen near stream ${i % 4}.\n`.repeat(40));
  writeFileSync(join(folder, 'empty.txt'), '');
  writeFileSync(join(folder, 'photo.txt'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 0, 0]));
  const tokenizer = await writeTestTokenizer(dir);
  execFileSync(process.execPath, [groveBin, '--home', home, 'ingest', folder, '--domain', 'field-notes', '--tokenizer', tokenizer], {
    stdio: 'ignore',
  });
  serve = await startServe(home);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('domain report in the app', () => {
  it('lists the ingested domain and shows its report with skip reasons', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(serve.openUrl);
    const list = page.getByTestId('domain-list');
    await list.waitFor();
    await expect(list.textContent()).resolves.toMatch(/field-notes[\s\S]*25 files accepted[\s\S]*2 skipped/);
    await page.getByRole('button', { name: 'Show the ingest report of field-notes' }).click();
    const report = page.getByTestId('domain-report');
    await report.waitFor();
    await expect(report.getByRole('row').count()).resolves.toBe(1 + 27);
    await page.getByLabel('skipped (2)').check();
    await expect(report.getByRole('row').count()).resolves.toBe(1 + 2);
    await expect(report.textContent()).resolves.toMatch(/empty\.txt[\s\S]*empty/);
    await expect(report.textContent()).resolves.toMatch(/photo\.txt[\s\S]*binary/);
    await page.getByLabel('all (27)').check();
    await page.screenshot({ path: artifactPath('e2e', 'browser-domain-report.png'), fullPage: true });
  });
});
