// Debian's Chromium driven by playwright-core (no browser download), with the flags this sandbox needs.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from './grove-process';

export const CHROMIUM = process.env.GROVE_CHROMIUM ?? '/usr/bin/chromium';
export const artifactsDir = join(repoRoot, 'test-artifacts');

export function artifactPath(...parts: string[]): string {
  const file = join(artifactsDir, ...parts);
  mkdirSync(join(file, '..'), { recursive: true });
  return file;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * The visible controls of the page that have no accessible name (a label, aria-label(ledby), their own text
 * for buttons and links, or a title): what a screen reader could not announce. Empty when all are named.
 */
export function unnamedControls(page: Page): Promise<string[]> {
  return page.locator('button, input, select, textarea, a[href]').evaluateAll((controls) =>
    controls
      .filter((el) => el.getClientRects().length > 0)
      .filter((el) => {
        const labels = (el as { labels?: ArrayLike<{ textContent: string | null }> | null }).labels;
        const own = el.tagName === 'BUTTON' || el.tagName === 'A' ? el.textContent?.trim() : '';
        return !(
          labels?.[0]?.textContent?.trim() ||
          el.getAttribute('aria-label') ||
          el.getAttribute('aria-labelledby') ||
          own ||
          el.getAttribute('title')
        );
      })
      .map((el) => el.outerHTML.slice(0, 160)),
  );
}

/** Horizontal overflow at the page's current size: see overflow.ts. */
export { horizontalOverflow } from './overflow';
