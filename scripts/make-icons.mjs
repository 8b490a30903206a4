// Renders resources/icon.svg into the PNGs electron-builder and the window need: resources/icon.png
// (1024 px: electron-builder makes the macOS .icns and the Windows .ico from it) and resources/icons/NxN.png
// (the Linux icon set, and the window icon). Run by hand after changing the SVG: `node scripts/make-icons.mjs`;
// the PNGs are committed, so neither a build nor CI needs a browser for them.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const svg = readFileSync(join(root, 'resources/icon.svg'), 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.GROVE_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  mkdirSync(join(root, 'resources/icons'), { recursive: true });
  const targets = [[1024, 'icon.png'], ...[16, 24, 32, 48, 64, 128, 256, 512].map((n) => [n, `icons/${n}x${n}.png`])];
  for (const [size, file] of targets) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    await page.setContent(
      `<style>html,body{margin:0;background:transparent}svg{display:block;width:${size}px;height:${size}px}</style>${svg}`,
    );
    await page.screenshot({ path: join(root, 'resources', file), omitBackground: true });
    await page.close();
    console.log(`resources/${file}`);
  }
} finally {
  await browser.close();
}
