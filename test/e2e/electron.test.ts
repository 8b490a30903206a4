// End to end in the desktop app itself (Playwright's _electron.launch). Needs the Electron binary, which
// `npm ci` downloads from GitHub: where that was impossible (offline CI), this test is skipped and says why.
import { join } from 'node:path';
import { _electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { electronBinary } from '../../scripts/electron-binary.mjs';
import { artifactPath } from '../helpers/browser';
import { assertBuilt, repoRoot } from '../helpers/grove-process';
import { tempDir } from '../helpers/tmp';

const binary = electronBinary(repoRoot);
const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const skipReason = !binary
  ? 'the Electron binary is not installed (its download from GitHub failed or was skipped)'
  : noDisplay
    ? 'there is no display (set DISPLAY, e.g. run under xvfb-run)'
    : null;
if (skipReason) console.log(`Electron end-to-end test skipped: ${skipReason}.`);

describe('desktop app', () => {
  it.skipIf(skipReason !== null)(`opens a window showing the first run${skipReason ? ` (skipped: ${skipReason})` : ''}`, async () => {
    assertBuilt();
    const app = await _electron.launch({
      executablePath: binary!,
      args: [repoRoot, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      env: { ...process.env, GROVE_HOME: join(tempDir(), 'home') } as Record<string, string>,
    });
    try {
      const window = await app.firstWindow();
      await window.getByTestId('first-run').waitFor({ state: 'visible' });
      const isolated = await window.evaluate(() => typeof (globalThis as { require?: unknown }).require === 'undefined');
      expect(isolated).toBe(true);
      await window.screenshot({ path: artifactPath('e2e', 'electron-empty-forest.png') });
    } finally {
      await app.close();
    }
  });
});
