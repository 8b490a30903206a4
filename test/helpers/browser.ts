// Debian's Chromium driven by playwright-core (no browser download), with the flags this sandbox needs.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
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
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
