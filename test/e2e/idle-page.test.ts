// An idle Grove page costs nothing: on a forest, left alone for ten minutes, it keeps one event socket and sends
// no request, and moving between every screen many times still leaves one socket open (shared by every view
// that listens, released with them). A page that looped here once slowed training three-fold. The ten minutes
// are the page's own clock (Playwright's, installed before the page loads), run forward at once: every timer
// and interval the page sets fires as it would in that time, without the test waiting for it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page, WebSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser';
import { groveBin, startServe, type ServeProcess } from '../helpers/grove-process';
import { tempDir } from '../helpers/tmp';
import { writeTestTokenizer } from '../helpers/tokenizer';

/** The top bar's screens (src/renderer/src/lib/route.ts NAV_ITEMS). */
const SCREENS = ['Forest', 'New expert', 'Training', 'Chat', 'Settings'];
/** How long the page is left alone, on its own clock. */
const IDLE_MS = 10 * 60_000;
let serve: ServeProcess;
let browser: Browser;

beforeAll(async () => {
  const dir = tempDir();
  const home = join(dir, 'home');
  const folder = join(dir, 'notes');
  mkdirSync(folder);
  for (let i = 0; i < 25; i++)
    writeFileSync(join(folder, `n${i}.md`), `# Note ${i}\n\nThe heron waits by the weir ${i} times a day.\n`.repeat(30));
  const tokenizer = await writeTestTokenizer(dir);
  execFileSync(process.execPath, [groveBin, '--home', home, 'ingest', folder, '--domain', 'notes', '--tokenizer', tokenizer], {
    stdio: 'ignore',
  });
  serve = await startServe(home);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

/** Counts the page's event sockets (opened, still open) and its calls to the API from now on. */
function watch(page: Page) {
  const sockets: WebSocket[] = [];
  const calls: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws));
  page.on('request', (r) => r.url().includes('/api/') && calls.push(new URL(r.url()).pathname));
  return { sockets, calls, open: () => sockets.filter((s) => !s.isClosed()).length };
}

describe('an idle page', { timeout: 120_000 }, () => {
  it('keeps one event socket and sends nothing for ten minutes on the forest view, and one socket after every screen', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.clock.install();
    const seen = watch(page);
    await page.goto(serve.openUrl);
    await page.getByTestId('domain-list').waitFor();
    await page.waitForTimeout(1_000); // the first reads settle
    const [sockets, calls] = [seen.sockets.length, seen.calls.length];
    await page.clock.runFor(IDLE_MS);
    await page.waitForTimeout(1_000); // what the timers sent reaches the listeners above
    expect(seen.sockets.length - sockets, 'event sockets opened while idle').toBe(0);
    expect(seen.calls.slice(calls), 'API calls while idle').toEqual([]);
    expect(seen.open()).toBe(1);

    for (let round = 0; round < 5; round++) {
      for (const label of SCREENS) await page.getByRole('button', { name: label, exact: true }).first().click();
    }
    await page.waitForTimeout(500);
    expect(seen.open(), 'event sockets open after visiting every screen 5 times').toBe(1);
    await page.getByRole('button', { name: 'Chat', exact: true }).first().click();
    await page.waitForTimeout(500);
    expect(seen.open(), 'event sockets open on the chat screen, which listens too').toBe(1);
  });
});
