// In the browser, domains discovered in one mixed folder (issue 18): a person gives New expert a folder mixing
// recipes, star notes and court records (8 documents each), chooses "Discover domains in this folder" and finds
// the clusters with k suggested; three clusters of 8 come back, each showing its size, top terms and three
// example titles of one kind. With the keyboard alone the person renames one cluster, sets a 2-step budget, reads
// each expert's estimate (disk, memory, time, full and light), chooses light experts of rank 4 and grows them;
// the forest then shows one ready light expert per cluster, the renamed one under its new name. The clusters and
// the estimates fit a window 1024 px wide. Then, with the keyboard, Evaluate with "and the cluster-routed ensemble"
// scores the grown experts under c-BTM routing, and the heatmap shows the row "ensemble of 3 (cluster-routed)".
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, horizontalOverflow, launchChromium, unnamedControls } from '../helpers/browser';
import { startServe, type ServeProcess } from '../helpers/grove-process';
import { retype, tabTo } from '../helpers/keyboard';
import { MIXED_KINDS, writeMixedFolder } from '../helpers/mixed-folder';
import { initTinyForest } from '../helpers/tiny-forest';
import { tempDir } from '../helpers/tmp';

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let folder = '';

beforeAll(async () => {
  const dir = tempDir();
  const home = await initTinyForest(dir, { hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 1, numAttentionHeads: 2 });
  folder = writeMixedFolder(join(dir, 'mixed'));
  serve = await startServe(home);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('domains discovered in one folder, from the app', () => {
  it('finds three clusters, lets the person rename one, and grows an expert per cluster', async () => {
    page = await browser.newPage({ viewport: { width: 1024, height: 900 } });
    await page.goto(serve.openUrl);
    await page.getByRole('button', { name: 'New expert' }).first().click();
    await page.getByLabel('Folder').fill(folder);
    await tabTo(page, page.getByRole('button', { name: 'Discover domains in this folder' }));
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('discover-domains').textContent()).resolves.toMatch(/√\(documents ÷ 2\), rounded, from 2 to 8/);
    await tabTo(page, page.getByRole('button', { name: 'Find the clusters' }));
    await page.keyboard.press('Enter');

    const clusters = page.getByTestId('cluster');
    await expect.poll(() => clusters.count(), { timeout: 60_000, interval: 300 }).toBe(3);
    await expect(page.getByTestId('discovery-summary').textContent()).resolves.toMatch(
      /24 documents in 3 clusters \(k suggested from the 24 documents/,
    );
    const kinds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const cluster = clusters.nth(i);
      await expect(cluster.textContent()).resolves.toMatch(/8 documents · [\d.]+( k)? tokens/);
      const titles = await cluster
        .getByRole('list', { name: `Example titles of cluster ${i + 1}` })
        .getByRole('listitem')
        .allTextContents();
      expect(titles).toHaveLength(3);
      const kind = Object.entries(MIXED_KINDS).find(([, k]) => titles.every((t) => t.startsWith(k.title)))?.[0];
      expect(kind, `cluster ${i + 1}'s examples ${titles.join(' | ')} are of one kind`).toBeDefined();
      kinds.push(kind!);
    }
    expect([...kinds].sort()).toEqual(Object.keys(MIXED_KINDS).sort());
    expect(await unnamedControls(page)).toEqual([]);
    expect(await horizontalOverflow(page), 'the clusters at 1024 px').toEqual([]);
    await page.screenshot({ path: artifactPath('e2e', 'discover-clusters-1024px.png'), fullPage: true });

    // Keyboard only: rename cluster 1 after its kind, a 2-step budget, then grow.
    await tabTo(page, page.getByLabel('Name of cluster 1'));
    await retype(page, `my-${kinds[0]}`);
    await tabTo(page, page.getByLabel('Unit'));
    await page.keyboard.type('steps'); // a select takes the option its typed letters begin
    await expect.poll(() => page.getByLabel('Unit').inputValue()).toBe('steps');
    await tabTo(page, page.getByLabel('Budget'), { backwards: true });
    await retype(page, '2');
    const names = await Promise.all([0, 1, 2].map((i) => page.getByLabel(`Name of cluster ${i + 1}`).inputValue()));
    expect(names[0]).toBe(`my-${kinds[0]}`);
    await expect(page.getByTestId('grow-plan').textContent()).resolves.toBe(`3 experts will grow: ${names.join(', ')}.`);

    // Each expert's estimate, full and light, from the engine (its training tokens read from the discovery's ingest).
    const kindChoice = page.getByTestId('expert-kind');
    await expect.poll(() => kindChoice.getByTestId('light-domain').count(), { timeout: 30_000, interval: 300 }).toBe(3);
    for (const name of names) {
      for (const kind of ['full', 'light']) {
        await expect(kindChoice.getByTestId(`${kind}-${name}-disk`).textContent()).resolves.toMatch(/^\d+(\.\d+)? (kB|MB|GB)/);
        await expect(kindChoice.getByTestId(`${kind}-${name}-memory`).textContent()).resolves.toMatch(/peak/);
        await expect(kindChoice.getByTestId(`${kind}-${name}-time`).textContent()).resolves.toMatch(/2 steps/);
      }
    }
    // Keyboard only: the kind's radios are one group (Tab reaches the chosen one; an arrow moves to the other), then rank 4.
    await tabTo(page, kindChoice.getByRole('radio', { name: 'Full expert' }));
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => kindChoice.getByRole('radio', { name: 'Light expert' }).isChecked()).toBe(true);
    await tabTo(page, page.getByLabel('Rank', { exact: true }));
    await retype(page, '4');
    expect(await unnamedControls(page)).toEqual([]);
    expect(await horizontalOverflow(page), 'the estimates at 1024 px').toEqual([]);
    await page.screenshot({ path: artifactPath('e2e', 'discover-estimates-1024px.png'), fullPage: true });
    await tabTo(page, page.getByRole('button', { name: 'Grow experts' }));
    await page.keyboard.press('Enter');

    await page.getByTestId('training-view').waitFor({ timeout: 30_000 });
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Forest', exact: true }).click();
    for (const name of names) {
      const card = page.getByTestId('model-card').filter({ hasText: name });
      await expect
        .poll(
          () =>
            card
              .getByTestId('model-status')
              .textContent()
              .catch(() => null),
          { timeout: 120_000, interval: 500 },
        )
        .toBe('ready');
      await expect(card.getByTestId('model-kind').textContent()).resolves.toMatch(/^Light expert/);
      await expect(card.getByTestId('model-adapter').textContent()).resolves.toMatch(/^rank 4 on /);
    }
    await page.screenshot({ path: artifactPath('e2e', 'discover-grown-experts.png'), fullPage: true });
  }, 240_000);

  it('evaluates the grown experts with cluster routing from the heatmap, and shows the routed row', async () => {
    // Offered once the forest's clusterer routes to three ready experts (disabled, with the reason, while they train).
    const choice = page.getByRole('checkbox', { name: 'and the cluster-routed ensemble' });
    await expect.poll(() => choice.isEnabled().catch(() => false), { timeout: 30_000, interval: 300 }).toBe(true);
    await expect(page.getByTestId('evaluate-routed-why').count()).resolves.toBe(0);
    await tabTo(page, choice);
    await page.keyboard.press('Space');
    await expect.poll(() => choice.isChecked()).toBe(true);
    await tabTo(page, page.getByRole('button', { name: 'Evaluate', exact: true }));
    await page.keyboard.press('Enter');
    const routed = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'ensemble of 3 (cluster-routed)' }) });
    await routed.waitFor({ timeout: 180_000 });
    // A score on each of the three domains once the job is done (the row appears with its first cell).
    await expect.poll(() => routed.getByTestId('heatmap-cell').count(), { timeout: 180_000, interval: 500 }).toBe(3);
    for (const label of await routed.getByTestId('heatmap-cell').evaluateAll((cells) => cells.map((c) => c.getAttribute('aria-label'))))
      expect(label).toMatch(/^ensemble of 3 \(cluster-routed\) on \S+: perplexity \d+\.\d\d/);
    await expect(page.getByRole('rowheader', { name: 'ensemble of 3 (cached prior)' }).count()).resolves.toBe(1);
    expect(await horizontalOverflow(page), 'the heatmap with the routed row at 1024 px').toEqual([]);
    await page.screenshot({ path: artifactPath('e2e', 'discover-routed-heatmap.png'), fullPage: true });
  }, 240_000);
});
