// The whole journey in the browser (grove serve + Debian's Chromium), as a person does it, on the tiny
// sample forest: build it (a seed and one expert per Brown genre), add a domain from a folder (its ingest
// report), branch and train an expert to 100 %, evaluate, chat (streamed tokens, the experts' mix), collapse,
// chat with the collapsed model alone, and compare the forest with one dense model (the verdict). Screenshots: test-artifacts/e2e/journey-*.png.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { artifactPath, launchChromium } from '../helpers/browser';
import { startServe, type ServeProcess } from '../helpers/grove-process';
import { tempDir } from '../helpers/tmp';
import {
  buildSampleForest,
  chatWithTheMix,
  collapseAndChat,
  compareWithOneModel,
  evaluateForest,
  trainNewExpert,
  watchErrors,
  writeJourneyFolder,
  type Journey,
} from './journey-steps';

let serve: ServeProcess;
let browser: Browser;
let journey: Journey;

beforeAll(async () => {
  const dir = tempDir();
  const folder = writeJourneyFolder(dir);
  serve = await startServe(join(dir, 'home'), 20_000, artifactPath('e2e', 'journey-serve.log'));
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const errors = watchErrors(page);
  await page.goto(serve.openUrl);
  journey = { page, errors, prefix: 'journey', folder };
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('the journey in the browser', () => {
  it('first run: builds the tiny sample forest, a seed and three experts', () => buildSampleForest(journey), 240_000);
  it(
    'new expert: reads a folder, shows what was accepted and skipped, the branch weights, and trains to 100 %',
    () => trainNewExpert(journey),
    180_000,
  );
  it('forest view: the new expert’s card, its lineage, and the evaluation heatmap', () => evaluateForest(journey), 150_000);
  it('chat: a reply streams in with the experts’ mix under it', () => chatWithTheMix(journey), 90_000);
  it(
    'collapse: the posterior on a domain as weights, a new model in the forest, chosen alone in chat',
    () => collapseAndChat(journey),
    150_000,
  );
  it(
    'compare with one model: the dense baseline trains and is scored beside the forest; the verdict per domain',
    () => compareWithOneModel(journey),
    300_000,
  );
});
