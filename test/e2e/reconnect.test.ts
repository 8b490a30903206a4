// A page whose engine goes away says so, with the time to the next try and a button to try now, and heals
// when the engine is back at the same address: grove serve keeps its token in the forest home, so the
// restarted server accepts the page as it was (no reload, no lost screen, no new address); a reload works too.
// A second grove serve on a port in use says what to do.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, launchChromium } from '../helpers/browser';
import { groveBin, startServe, type ServeProcess } from '../helpers/grove-process';
import { tempDir } from '../helpers/tmp';

const home = join(tempDir(), 'home');
const serves: ServeProcess[] = [];
let browser: Browser;

beforeAll(async () => {
  serves.push(await startServe(home));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  for (const s of serves) await s.stop();
});

describe('a dropped connection', { timeout: 120_000 }, () => {
  it('shows the wait and a retry button, and heals when the engine is back', async () => {
    const first = serves[0]!;
    const address = new URL(first.openUrl);
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(first.openUrl);
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByTestId('settings').waitFor();
    await expect(page.getByTestId('connection-banner').count()).resolves.toBe(0);

    await first.stop();
    const banner = page.getByTestId('connection-banner');
    await banner.waitFor();
    await expect(banner.textContent()).resolves.toMatch(/Lost the connection to the Grove engine; (trying again in \d+ s|reconnecting…)/);
    await page.screenshot({ path: artifactPath('e2e', 'connection-lost.png') });

    serves.push(await startServe(home, 20_000, undefined, ['--port', address.port]));
    expect(serves[1]!.openUrl).toBe(first.openUrl); // the same token, kept in the forest home
    // The page may already have found it on its own; otherwise the button cuts the wait short.
    const retry = banner.getByRole('button', { name: 'Retry now' });
    if (await retry.isVisible()) await retry.click({ timeout: 2_000 }).catch(() => undefined);
    await banner.waitFor({ state: 'detached', timeout: 15_000 });
    await page.getByTestId('settings').waitFor(); // still on the same screen
    await expect(page.getByTestId('engine-status').textContent()).resolves.toMatch(/ONNX Runtime/);
    await page.reload();
    await page.getByTestId('settings').waitFor();
    await expect(page.getByTestId('error-panel').count()).resolves.toBe(0);
  });

  it('names the busy port and what to do when another grove serve holds it', async () => {
    const port = new URL(serves.at(-1)!.openUrl).port;
    const second = spawnSync(process.execPath, [groveBin, '--home', home, 'serve', '--port', port], { encoding: 'utf8', timeout: 30_000 });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is in use: another Grove \\(or another program\\) is serving there`),
    );
  });
});
