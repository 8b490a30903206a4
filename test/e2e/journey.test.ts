// The whole journey in the browser (grove serve + Debian's Chromium), on a tiny model, as a person does it:
// the first run plants a seed, a folder becomes a domain (its ingest report), an expert branches and trains
// to 100 %, chat streams a reply with the experts' mix, and the forest view shows it all. A screenshot of
// each screen goes to test-artifacts/e2e/journey-*.png.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBrownGenreFolder } from '../../src/engine/tokenize/brown';
import { artifactPath, launchChromium } from '../helpers/browser';
import { startServe, type ServeProcess } from '../helpers/grove-process';
import { writeTestModel } from '../helpers/model';
import { tempDir } from '../helpers/tmp';
import { writeTestTokenizer } from '../helpers/tokenizer';

let serve: ServeProcess;
let browser: Browser;
let page: Page;
const dir = tempDir();
const seedFolder = join(dir, 'tiny-seed');
const humor = join(dir, 'humor');

const shot = (name: string) => page.screenshot({ path: artifactPath('e2e', `journey-${name}.png`), fullPage: true });

beforeAll(async () => {
  const tokenizer = await writeTestTokenizer(dir, 320);
  await writeTestModel(seedFolder, { architecture: 'LlamaForCausalLM', vocabSize: 320, hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 1, numAttentionHeads: 2, tieWordEmbeddings: true, maxPositionEmbeddings: 256 }, { tokenizer });
  // A folder as a person's would be: the Brown corpus's humor texts, one of them twice, and an empty note.
  writeBrownGenreFolder('humor', humor);
  copyFileSync(join(humor, 'cr01.txt'), join(humor, 'copy-of-cr01.txt'));
  writeFileSync(join(humor, 'empty-note.txt'), '');
  mkdirSync(join(dir, 'home'));
  serve = await startServe(join(dir, 'home'));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('the journey in the browser', () => {
  it('first run: plants a seed from a model folder', async () => {
    await page.goto(serve.openUrl);
    await page.getByTestId('first-run').waitFor();
    await expect(page.getByRole('heading', { name: 'Create your first forest' }).isVisible()).resolves.toBe(true);
    await page.getByTestId('curated-detail').waitFor();
    await shot('first-run');
    await page.getByRole('textbox', { name: 'Model folder' }).fill(seedFolder);
    await page.getByRole('button', { name: 'Use this model' }).click();
    await page.getByTestId('forest-view').waitFor({ timeout: 30_000 });
    const card = page.getByTestId('model-card');
    await expect(card.count()).resolves.toBe(1);
    await expect(card.textContent()).resolves.toMatch(/tiny-seed[\s\S]*ready[\s\S]*Seed/);
  });

  it('new expert: reads a folder, shows what was accepted and skipped, branches and trains to 100 %', async () => {
    await page.getByRole('button', { name: 'New expert' }).first().click();
    await page.getByLabel('Folder').fill(humor);
    await page.getByRole('button', { name: 'Read the folder' }).click();
    const report = page.getByTestId('ingest-report');
    await report.waitFor({ timeout: 60_000 });
    await expect(report.textContent()).resolves.toMatch(/9 files accepted · 2 skipped/);
    await expect(report.textContent()).resolves.toMatch(/copy-of-cr01\.txt[\s\S]*duplicate/);
    await expect(report.textContent()).resolves.toMatch(/empty-note\.txt[\s\S]*empty/);
    await shot('ingest-report');
    await page.getByRole('button', { name: 'Next: branch' }).click();
    await page.getByTestId('training-settings').waitFor();
    await page.getByLabel('Unit').selectOption('steps');
    await page.getByLabel('Budget').fill('12');
    await shot('branch-preview');
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByTestId('training-view').waitFor();
    await page.getByTestId('run-done').waitFor({ timeout: 90_000 });
    await expect(page.getByTestId('training-view').getByTestId('progress-text').textContent()).resolves.toBe('100 %');
    await expect(page.getByTestId('train-loss').textContent()).resolves.toMatch(/^\d+\.\d{3}$/);
    await shot('training');
  });

  it('forest view: the expert’s card, the lineage from the seed', async () => {
    await page.getByRole('button', { name: 'Forest', exact: true }).click();
    await page.getByTestId('forest-view').waitFor();
    const expert = page.getByTestId('model-card').filter({ hasText: 'humor' });
    await expect(expert.getByTestId('model-status').textContent()).resolves.toBe('ready');
    await expect(expert.getByTestId('model-tokens').textContent()).resolves.not.toBe('–');
    await expect(page.getByTestId('lineage-edge').first().textContent()).resolves.toMatch(/humor from tiny-seed/);
    await shot('forest');
  });

  it('chat: a reply streams in with the experts’ mix under it', async () => {
    await page.getByRole('button', { name: 'Chat', exact: true }).click();
    await page.getByTestId('chat-view').waitFor();
    await page.getByTestId('chat-empty').waitFor();
    await page.getByLabel('Message').fill('The joke was');
    await page.getByRole('button', { name: 'Send' }).click();
    const reply = page.getByTestId('chat-reply').last();
    await reply.waitFor({ timeout: 30_000 });
    await reply.locator('[data-streaming="false"]').or(page.locator('[data-testid="chat-reply"][data-streaming="false"]')).first().waitFor({ timeout: 60_000 });
    await expect(reply.getByTestId('reply-text').textContent()).resolves.not.toBe('');
    await reply.getByTestId('posterior-bar').waitFor();
    await shot('chat');
  });
});
