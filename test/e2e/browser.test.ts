// End to end in a real browser: `grove serve` + Debian's Chromium, as a person using browser mode would.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, horizontalOverflow, launchChromium, unnamedControls } from '../helpers/browser';
import { startServe, type ServeProcess } from '../helpers/grove-process';
import { tempDir } from '../helpers/tmp';

let serve: ServeProcess;
let browser: Browser;
const home = join(tempDir(), 'home');

beforeAll(async () => {
  serve = await startServe(home);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('browser mode', () => {
  it('loads the UI, shows the first run and takes the token out of the address bar', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(serve.openUrl);
    await page.getByTestId('first-run').waitFor({ state: 'visible' });
    await expect(page.getByRole('heading', { name: 'Create your first forest' }).isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('first-run-home').textContent()).resolves.toBe(home);
    await expect(page.getByTestId('engine-status').textContent()).resolves.toMatch(/ONNX Runtime \d+\.\d+/);
    expect(page.url()).not.toContain('token=');
    await page.screenshot({ path: artifactPath('e2e', 'browser-empty-forest.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('opens Settings (forest home, devices) and pins the dark theme across a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    await page.goto(serve.openUrl);
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect(page.getByTestId('forest-home').textContent()).resolves.toBe(home);
    await page.getByLabel('Theme').selectOption('dark');
    await expect(page.locator('html').getAttribute('data-theme')).resolves.toBe('dark');
    await page.screenshot({ path: artifactPath('e2e', 'browser-settings.png'), fullPage: true });
    expect(new URL(page.url()).hash).toBe('#/settings');
    await page.reload();
    await page.getByTestId('engine-status').waitFor({ state: 'visible' });
    await expect(page.locator('html').getAttribute('data-theme')).resolves.toBe('dark');
    await page.getByTestId('settings').waitFor({ state: 'visible' }); // the screen survives the reload
  });

  it('can be driven from the keyboard, and every visible control of the first run and of Settings has a name', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    await page.goto(serve.openUrl);
    await page.getByTestId('first-run').waitFor({ state: 'visible' });
    expect(await unnamedControls(page)).toEqual([]);
    let reached = false;
    for (let i = 0; i < 60 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await page.locator(':focus').textContent())?.trim() === 'Settings';
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByTestId('settings').waitFor({ state: 'visible' });
    expect(await unnamedControls(page)).toEqual([]);
  });

  it('fits the first run and Settings in windows 1024, 1280 and 1920 px wide, and at 200 % zoom', async () => {
    for (const [width, scale] of [
      [1024, 1],
      [1280, 1],
      [1920, 1],
      [1280, 2],
    ] as const) {
      const page = await browser.newPage({ viewport: { width: width / scale, height: 800 / scale }, deviceScaleFactor: scale });
      await page.goto(serve.openUrl);
      await page.getByTestId('first-run').waitFor({ state: 'visible' });
      await page.getByLabel('Model from the Hugging Face Hub').waitFor();
      expect(await horizontalOverflow(page), `first run at ${width} px, ${scale * 100} %`).toEqual([]);
      await page.screenshot({ path: artifactPath('e2e', `first-run-${width}px-${scale * 100}.png`), fullPage: true });
      await page.getByRole('button', { name: 'Settings' }).click();
      await page.getByTestId('settings').waitFor({ state: 'visible' });
      expect(await horizontalOverflow(page), `Settings at ${width} px, ${scale * 100} %`).toEqual([]);
      await page.close();
    }
  });

  it('shows a clear error without the access token', async () => {
    const page = await browser.newPage();
    await page.goto(new URL('/', serve.openUrl).href);
    await page.getByTestId('error-panel').waitFor({ state: 'visible' });
    await expect(page.getByTestId('error-panel').textContent()).resolves.toContain('access token');
  });
});
