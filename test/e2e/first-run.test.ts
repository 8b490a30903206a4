// The first run in the browser: the recommended path (a model from the curated list, with what it takes on this
// machine), downloaded from a local Hub that speaks the Hub's protocol (slowed so the progress shows bytes and
// speed) and planted as the seed; the tiny sample forest, after which the forest view says what to do next; and
// a model folder on this machine, with a clear error for a folder that is not a model; then the Export action
// writes the seed as a GGUF file. Screenshots at 1024 and 1920 px wide, with a check that the page does not
// scroll sideways.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from '../engine/hub/hub-server';
import { writeTinyModel } from '../engine/hub/tiny-model';
import { artifactPath, horizontalOverflow, launchChromium } from '../helpers/browser';
import { startServe, type ServeProcess } from '../helpers/grove-process';
import { tempDir } from '../helpers/tmp';

const dir = tempDir();
const REPO = 'HuggingFaceTB/SmolLM2-135M-Instruct';
let hub: HubServer;
let browser: Browser;
const serves: ServeProcess[] = [];

beforeAll(async () => {
  // The curated repository's name, served by the local Hub with a tiny model of the same family.
  const files = await writeTinyModel(join(dir, 'tiny'));
  hub = await startHubServer([{ repoId: REPO, commit: '1'.repeat(40), files }]);
  hub.faults.chunkBytes = 8192;
  hub.faults.chunkDelayMs = 25;
  // grove serve (and its workers) inherit this: they download from the local Hub.
  process.env.HF_ENDPOINT = hub.endpoint;
  process.env.HF_TOKEN = '';
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  for (const s of serves) await s.stop();
  await hub?.close();
});

async function open(home: string, colorScheme: 'light' | 'dark' = 'light', width = 1280) {
  const serve = await startServe(join(dir, home));
  serves.push(serve);
  const page = await browser.newPage({ viewport: { width, height: 860 }, colorScheme });
  await page.goto(serve.openUrl);
  await page.getByTestId('first-run').waitFor();
  return page;
}

/** Nothing sticks out of its container sideways, and the page does not scroll sideways. */
async function noSidewaysScroll(page: Awaited<ReturnType<typeof open>>): Promise<void> {
  await expect(horizontalOverflow(page)).resolves.toEqual([]);
}

describe('first run', () => {
  it.each([1024, 1920])(
    'recommends a real model with its size, memory and time on this machine (%i px)',
    async (width) => {
      const page = await open(`home-recommended-${width}`, 'light', width);
      const figures = page.getByTestId('curated-figures');
      await figures.waitFor();
      await expect(page.getByTestId('figure-parameters').textContent()).resolves.toMatch(/^\d+(\.\d+)? [MB]$/);
      await expect(page.getByTestId('figure-download').textContent()).resolves.toMatch(/^\d+(\.\d+)? [MG]B$/);
      await expect(page.getByTestId('figure-chat-memory').textContent()).resolves.toMatch(/^about \d+(\.\d+)? [MG]B \(from its shape\)/);
      await expect(page.getByTestId('figure-train-memory').textContent()).resolves.toMatch(/^full [\d.]+ GB, light [\d.]+ [MG]B: /);
      // A fresh home has measured nothing: the time says it is from the shape alone.
      await expect(page.getByTestId('figure-train-time').textContent()).resolves.toMatch(
        /about [\dhmins ]+ \((full|light), \d+ steps; an estimate from the shape alone/,
      );
      await expect(page.getByTestId('sample-purpose').textContent()).resolves.toMatch(/not a model to talk to/);
      await noSidewaysScroll(page);
      await page.screenshot({ path: artifactPath('e2e', `first-run-${width}.png`), fullPage: true });
    },
    60_000,
  );

  it('says what to do next after the sample forest is built', async () => {
    const page = await open('home-sample', 'light', 1024);
    await page.getByRole('radio', { name: /Tiny/ }).check();
    await page.getByRole('button', { name: 'Build the sample forest' }).click();
    await page.getByTestId('forest-view').waitFor({ timeout: 120_000 });
    const next = page.getByTestId('next-steps');
    await next.waitFor();
    await expect(next.textContent()).resolves.toMatch(/Add a folder of your own[\s\S]*Start from a real model[\s\S]*grove serve --home/);
    await noSidewaysScroll(page);
    await page.screenshot({ path: artifactPath('e2e', 'forest-next-steps-1024.png'), fullPage: true });
    await page.setViewportSize({ width: 1920, height: 860 });
    await noSidewaysScroll(page);
    await page.screenshot({ path: artifactPath('e2e', 'forest-next-steps-1920.png'), fullPage: true });
    await next.getByRole('button', { name: 'Add a folder…' }).click();
    await page
      .getByRole('heading', { name: /new expert/i })
      .first()
      .waitFor();
  }, 180_000);

  it('downloads a curated model with bytes, speed and ETA, and plants it as the seed', async () => {
    // With the OS in dark mode, the app follows it.
    const page = await open('home-download', 'dark');
    await page.getByLabel('Model from the Hugging Face Hub').selectOption(REPO);
    await expect(page.getByTestId('curated-detail').textContent()).resolves.toMatch(/Instruct model/);
    await page.getByRole('button', { name: 'Download' }).click();
    const phase = page.getByTestId('job-phase');
    await expect(
      phase
        .filter({ hasText: /Downloading model\.safetensors \(file \d of \d\) · [\d.]+ [kMG]?B of [\d.]+ [kMG]?B · [\d.]+ [kMG]?B\/s/ })
        .waitFor({ timeout: 30_000 }),
    ).resolves.toBeUndefined();
    await page.screenshot({ path: artifactPath('e2e', 'first-run-download.png'), fullPage: true });
    await page.getByTestId('forest-view').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('model-card').textContent()).resolves.toMatch(/SmolLM2-135M-Instruct[\s\S]*Seed/);
    await page.screenshot({ path: artifactPath('e2e', 'forest-dark.png'), fullPage: true });
  }, 120_000);

  it('starts from a model folder (a non-model folder refused with the reason), then exports the seed as GGUF', async () => {
    const page = await open('home-folder');
    await page.getByRole('textbox', { name: 'Model folder' }).fill(join(dir, 'no-model-here'));
    await page.getByRole('button', { name: 'Use this model' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/no-model-here is not a folder on this machine/);
    await page.getByRole('textbox', { name: 'Model folder' }).fill(join(dir, 'tiny'));
    await page.getByLabel('Seed name').fill('my-seed');
    await page.getByRole('button', { name: 'Use this model' }).click();
    await page.getByTestId('forest-view').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('model-card').textContent()).resolves.toMatch(/my-seed[\s\S]*Seed/);

    await page.getByRole('button', { name: 'Export my-seed' }).click();
    const panel = page.getByTestId('export-panel');
    await panel.getByLabel('GGUF').check();
    // The default destination: the forest's own exports folder, made on first use.
    const out = join(dir, 'home-folder', 'exports', 'my-seed.gguf');
    await expect(panel.getByLabel('Destination on the engine’s machine').inputValue()).resolves.toBe(out);
    await page.screenshot({ path: artifactPath('e2e', 'export.png'), fullPage: true });
    await panel.getByRole('button', { name: 'Export' }).click();
    await expect(panel.getByTestId('export-done').textContent()).resolves.toBe(`Written to ${out}.`);
    expect(readFileSync(out).subarray(0, 4).toString('latin1')).toBe('GGUF');
  }, 120_000);
});
