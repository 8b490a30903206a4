// End to end in the desktop app itself (Playwright's _electron.launch): the window is isolated from Node,
// then the same journey as in the browser (journey-steps.ts), with screenshots electron-journey-*.png.
// Needs the Electron binary, which `npm ci` downloads from GitHub: where that was impossible (offline CI),
// these tests are skipped and say why.
import { join } from 'node:path';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { electronBinary } from '../../scripts/electron-binary.mjs';
import { artifactPath } from '../helpers/browser';
import { assertBuilt, repoRoot } from '../helpers/grove-process';
import { tempDir } from '../helpers/tmp';
import {
  buildSampleForest,
  chatWithTheMix,
  collapseAndChat,
  evaluateForest,
  trainNewExpert,
  watchErrors,
  writeJourneyFolder,
  type Journey,
} from './journey-steps';

const binary = electronBinary(repoRoot);
const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const skipReason = !binary
  ? 'the Electron binary is not installed (its download from GitHub failed or was skipped)'
  : noDisplay
    ? 'there is no display (set DISPLAY, e.g. run under xvfb-run)'
    : null;
if (skipReason) console.log(`Electron end-to-end tests skipped: ${skipReason}.`);
const skipped = skipReason ? ` (skipped: ${skipReason})` : '';

let app: ElectronApplication | null = null;
let journey: Journey;
afterAll(async () => {
  await app?.close();
});

describe.skipIf(skipReason !== null)(`desktop app${skipped}`, () => {
  it('opens a window showing the first run, with no Node in the page', async () => {
    assertBuilt();
    const dir = tempDir();
    const folder = writeJourneyFolder(dir);
    app = await _electron.launch({
      executablePath: binary!,
      args: [repoRoot, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      env: { ...process.env, GROVE_HOME: join(dir, 'home') } as Record<string, string>,
    });
    const window = await app.firstWindow();
    const errors = watchErrors(window);
    await window.getByTestId('first-run').waitFor({ state: 'visible' });
    const isolated = await window.evaluate(() => typeof (globalThis as { require?: unknown }).require === 'undefined');
    expect(isolated).toBe(true);
    await window.screenshot({ path: artifactPath('e2e', 'electron-first-run.png') });
    journey = { page: window, errors, prefix: 'electron-journey', folder };
  });
  it('builds the tiny sample forest', () => buildSampleForest(journey), 240_000);
  it('adds a domain from a folder and trains an expert to 100 %', () => trainNewExpert(journey), 180_000);
  it('evaluates the forest', () => evaluateForest(journey), 150_000);
  it('chats with the experts’ mix', () => chatWithTheMix(journey), 90_000);
  it('collapses, and chats with the collapsed model', () => collapseAndChat(journey), 150_000);
});
