// The journey's steps, as a person takes them, on any page showing the app (Chromium against grove serve, or
// the Electron window): build the tiny sample forest, add a domain from a folder and train an expert on it,
// evaluate, chat with the experts' mix, collapse, and chat with the collapsed model alone. Each step checks
// what the person would see and saves a screenshot as test-artifacts/e2e/<prefix>-<screen>.png, and every
// screen it shoots has a name for each of its controls.
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { writeBrownGenreFolder } from '../../src/engine/tokenize/brown';
import { artifactPath, unnamedControls } from '../helpers/browser';

export interface Journey {
  page: Page;
  /** Errors the page logged or threw (a CSP violation among them), from watchErrors. */
  errors: string[];
  /** Screenshot names start with it: "journey", "electron-journey". */
  prefix: string;
  /** The folder the new expert is trained on (writeJourneyFolder). */
  folder: string;
}

/** The folder a person would drop: the Brown corpus's mystery texts (not a genre of the sample), one twice, an empty note. */
export function writeJourneyFolder(dir: string): string {
  const folder = writeBrownGenreFolder('mystery', join(dir, 'mystery'));
  copyFileSync(join(folder, 'cl01.txt'), join(folder, 'copy-of-cl01.txt'));
  writeFileSync(join(folder, 'empty-note.txt'), '');
  return folder;
}

/** Collects what the page logs as an error or throws: the journey ends with none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  return errors;
}

/** Saves the screen, after checking that every control on it has a name a screen reader can announce. */
async function shot(j: Journey, name: string): Promise<void> {
  await j.page.screenshot({ path: artifactPath('e2e', `${j.prefix}-${name}.png`), fullPage: true });
  expect(await unnamedControls(j.page), `unnamed controls on the ${name} screen`).toEqual([]);
}
const nav = (j: Journey, name: string) =>
  j.page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name, exact: true }).click();
const readyCards = (page: Page) =>
  page.getByTestId('model-card').filter({ has: page.getByTestId('model-status').filter({ hasText: 'ready' }) });

/** Sends a message in the chat view with a short reply length, and waits for the reply to finish streaming. */
export async function sendAndWait({ page }: Pick<Journey, 'page'>, text: string): Promise<Locator> {
  const before = await page.getByTestId('chat-reply').count();
  // Short replies keep the journey quick on two cores.
  await page.getByTestId('sampling').locator('summary').click();
  await page.getByLabel('Longest reply').fill('24');
  await page.getByTestId('sampling').locator('summary').click();
  await page.getByLabel('Message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  const reply = page.getByTestId('chat-reply').nth(before);
  await reply.waitFor({ timeout: 30_000 });
  await page
    .locator(`[data-testid="chat-reply"] >> nth=${before}`)
    .and(page.locator('[data-streaming="false"]'))
    .waitFor({ timeout: 60_000 });
  return reply;
}

export async function buildSampleForest(j: Journey): Promise<void> {
  const { page } = j;
  await page.getByTestId('first-run').waitFor();
  await page.getByTestId('curated-detail').waitFor();
  await shot(j, 'first-run');
  await page.getByLabel('Tiny: about a minute (3 genres)').check();
  await page.getByRole('button', { name: 'Build the sample forest' }).click();
  await page.getByTestId('job-progress').first().waitFor();
  await page.getByTestId('forest-view').waitFor({ timeout: 60_000 });
  await expect.poll(() => readyCards(page).count(), { timeout: 150_000, interval: 1000 }).toBe(4);
  await expect(page.getByTestId('lineage-edge').count()).resolves.toBe(3);
}

export async function trainNewExpert(j: Journey): Promise<void> {
  const { page } = j;
  await nav(j, 'New expert');
  await page.getByRole('textbox', { name: 'Folder' }).fill(j.folder);
  await page.getByRole('button', { name: 'Read the folder' }).click();
  const report = page.getByTestId('ingest-report');
  await report.waitFor({ timeout: 60_000 });
  await expect(report.textContent()).resolves.toMatch(/24 files accepted · 2 skipped/);
  await expect(report.textContent()).resolves.toMatch(/copy-of-cl01\.txt[\s\S]*duplicate/);
  await expect(report.textContent()).resolves.toMatch(/empty-note\.txt[\s\S]*empty/);
  await shot(j, 'ingest-report');
  await page.getByRole('button', { name: 'Next: branch' }).click();
  // The experts' posterior on the new domain, estimated in a job: one bar per expert.
  await expect.poll(() => page.getByTestId('branch-weight').count(), { timeout: 60_000 }).toBe(3);
  await page.getByLabel('Unit').selectOption('steps');
  // As many steps as the sample's own experts: at 12 steps the mystery expert lost the mystery posterior to a
  // sample expert (romance is fiction too), and the collapse below expects mystery's own expert to weigh most.
  await page.getByLabel('Budget').fill('100');
  await shot(j, 'branch-preview');
  await page.getByRole('button', { name: 'Start training' }).click();
  await page.getByTestId('training-view').waitFor();
  await page.getByTestId('run-done').waitFor({ timeout: 90_000 });
  await expect(page.getByTestId('training-view').getByTestId('progress-text').textContent()).resolves.toBe('100 %');
  await expect(page.getByTestId('train-loss').textContent()).resolves.toMatch(/^\d+\.\d{3}$/);
  await shot(j, 'training');
}

export async function evaluateForest(j: Journey): Promise<void> {
  const { page } = j;
  await nav(j, 'Forest');
  const expert = page.getByTestId('model-card').filter({ hasText: 'mystery' });
  await expect(expert.getByTestId('model-status').textContent()).resolves.toBe('ready');
  await expect(expert.getByTestId('model-tokens').textContent()).resolves.not.toBe('–');
  await expect(
    page
      .getByTestId('lineage-edge')
      .filter({ hasText: /^mystery from / })
      .count(),
  ).resolves.toBeGreaterThan(0);
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await page.getByRole('button', { name: 'Evaluating…' }).waitFor();
  await page.getByRole('button', { name: 'Evaluate', exact: true }).waitFor({ timeout: 90_000 });
  // Five models and the experts' ensemble, on four domains. The button turns back when the job is done; the scores
  // are read again after the forest's change event, a moment later, so the cells are awaited, not counted at once.
  await expect.poll(() => page.getByTestId('heatmap-cell').count(), { timeout: 30_000, interval: 250 }).toBe(6 * 4);
  await expect(expert.getByTestId('model-perplexity').textContent()).resolves.toMatch(/^\d+\.\d\d$/);
  await shot(j, 'forest');
}

export async function chatWithTheMix(j: Journey): Promise<void> {
  const { page } = j;
  await nav(j, 'Chat');
  await page.getByTestId('chat-empty').waitFor();
  const reply = await sendAndWait(j, 'The detective opened the door');
  await expect(reply.getByTestId('reply-text').textContent()).resolves.not.toBe('');
  await expect(reply.getByTestId('posterior-legend').count()).resolves.toBe(4);
  await shot(j, 'chat');
}

export async function collapseAndChat(j: Journey): Promise<void> {
  const { page } = j;
  await nav(j, 'Forest');
  await page.getByRole('button', { name: 'Collapse…' }).click();
  const panel = page.getByTestId('collapse-panel');
  await panel.getByLabel('Weights from').selectOption('mystery');
  await panel.getByTestId('weight-bars').waitFor();
  // A cached prior on mystery from before its expert existed is estimated again, over all four
  // (the evaluation's cached-prior ensemble may have done that already).
  if (await panel.getByTestId('prior-stale').isVisible()) await panel.getByRole('button', { name: 'Estimate again' }).click();
  await expect.poll(() => panel.getByTestId('weight-value').count(), { timeout: 60_000 }).toBe(4);
  await expect(panel.getByTestId('weight-bars').getByRole('listitem').first().textContent()).resolves.toMatch(/^mystery/);
  await shot(j, 'collapse');
  await panel.getByRole('button', { name: 'Collapse' }).click();
  await panel.getByTestId('collapse-done').waitFor({ timeout: 60_000 });
  // The forest's cards reload on the job's done event, which may reach the page just after the panel says done.
  await expect.poll(() => page.getByTestId('model-card').filter({ hasText: 'collapsed-mystery' }).count(), { timeout: 30_000 }).toBe(1);

  await nav(j, 'Chat');
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.getByLabel('One model alone').check();
  await page.getByLabel('Model', { exact: true }).selectOption('collapsed-mystery');
  const reply = await sendAndWait(j, 'The detective opened the door');
  await expect(reply.textContent()).resolves.toMatch(/collapsed-mystery/);
  await shot(j, 'chat-collapsed');
  expect(j.errors).toEqual([]);
}

export async function compareWithOneModel(j: Journey): Promise<void> {
  const { page } = j;
  await nav(j, 'Forest');
  await page.getByRole('button', { name: 'Compare with one model' }).click();
  await page.getByRole('button', { name: 'Comparing…' }).waitFor();
  // The baseline trains with the four experts' tokens, then is scored beside the forest on the four domains.
  await page.getByTestId('verdict').waitFor({ timeout: 240_000 });
  await expect(page.getByTestId('baseline-row').count()).resolves.toBe(1);
  const lines = await page.getByTestId('verdict-line').allTextContents();
  expect(lines).toHaveLength(4);
  for (const line of lines)
    expect(line.trim()).toMatch(/^forest (\d+ % (better|worse)|even) on \S+ \(collapsed model (\d+ % (better|worse)|even)\)$/);
  await expect(page.getByTestId('verdict-row').locator('td').count()).resolves.toBe(4);
  await shot(j, 'verdict');
}
