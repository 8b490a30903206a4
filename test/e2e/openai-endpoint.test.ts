// The OpenAI-compatible endpoint from the app, in Chromium against `grove serve --openai` on a tiny forest:
// Settings show the address, the key and a snippet that work (the test calls the endpoint with what the page
// shows), the switch turns it off and on, and a mix set by hand in the chat panel is saved under a name that
// the endpoint then answers to.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, horizontalOverflow, launchChromium, unnamedControls } from '../helpers/browser';
import { writeTinyForest, type TinyForest } from '../helpers/chat-forest';
import { startServe, type ServeProcess } from '../helpers/grove-process';
import { tempDir } from '../helpers/tmp';

const dir = tempDir();
let forest: TinyForest;
let serve: ServeProcess;
let browser: Browser;

beforeAll(async () => {
  forest = await writeTinyForest(dir, ['law', 'med']);
  serve = await startServe(forest.home, 20_000, artifactPath('e2e', 'openai-endpoint.log'), ['--openai']);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('the OpenAI-compatible endpoint in the app', { timeout: 120_000 }, () => {
  it('shows the address, key and a working snippet in Settings, and switches off and on', async () => {
    const origin = new URL(serve.openUrl).origin;
    const key = readFileSync(join(forest.home, 'openai-key'), 'utf8').trim();
    expect(serve.printed()).toContain(`OpenAI-compatible endpoint: ${origin}/v1 (API key ${key}`);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(serve.openUrl);
    await page.getByRole('button', { name: 'Settings' }).click();
    const panel = page.getByTestId('openai-endpoint');
    await panel.getByTestId('openai-url').waitFor();
    await expect(panel.getByTestId('openai-url').textContent()).resolves.toBe(`${origin}/v1`);
    await expect(panel.getByTestId('openai-key').textContent()).resolves.toBe(key);
    await expect(panel.getByTestId('openai-models').textContent()).resolves.toBe(`forest, ${forest.seed}, law, med`);
    const snippet = (await panel.getByTestId('openai-snippet').textContent())!;
    expect(snippet).toContain(`OpenAI(base_url="${origin}/v1", api_key="${key}")`);
    await panel.getByLabel('Snippet').selectOption('curl');
    await panel.getByLabel('Model').selectOption('law');
    const curl = (await panel.getByTestId('openai-snippet').textContent())!;
    expect(curl).toContain(`curl '${origin}/v1/chat/completions'`);
    expect(curl).toContain('"model":"law"');
    await expect(unnamedControls(page)).resolves.toEqual([]);
    await expect(horizontalOverflow(page)).resolves.toEqual([]);
    await panel.screenshot({ path: artifactPath('e2e', 'openai-endpoint-settings.png') });

    // What the page shows is what works: the address and key of the snippet answer a chat.
    const chat = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'law', messages: [{ role: 'user', content: 'Hello, forest' }], max_tokens: 4, temperature: 0 }),
    });
    expect(chat.status).toBe(200);
    expect(((await chat.json()) as { object: string }).object).toBe('chat.completion');

    const toggle = panel.getByRole('switch');
    await toggle.uncheck();
    await panel.getByTestId('openai-url').waitFor({ state: 'detached' });
    const off = await fetch(`${origin}/v1/models`, { headers: { Authorization: `Bearer ${key}` } });
    expect(off.status).toBe(404);
    await toggle.check();
    await panel.getByTestId('openai-url').waitFor();
    expect((await fetch(`${origin}/v1/models`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);
  });

  it('saves the chat panel’s hand-set mix under a name the endpoint answers to', async () => {
    const origin = new URL(serve.openUrl).origin;
    const key = readFileSync(join(forest.home, 'openai-key'), 'utf8').trim();
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(serve.openUrl);
    await page.getByRole('button', { name: 'Chat' }).click();
    await page.getByLabel('Set the mix by hand').check();
    await page.getByRole('button', { name: 'Save this mix…' }).click();
    await page.getByLabel('Name of the mix').fill('even-pair');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByTestId('save-mix').getByRole('status').textContent()).resolves.toMatch(/Saved as even-pair/);
    await page.getByTestId('save-mix').screenshot({ path: artifactPath('e2e', 'openai-save-mix.png') });

    const models = (await (await fetch(`${origin}/v1/models`, { headers: { Authorization: `Bearer ${key}` } })).json()) as {
      data: { id: string; grove: { kind: string; models: string[] } }[];
    };
    const mix = models.data.find((m) => m.id === 'even-pair');
    expect(mix?.grove).toMatchObject({ kind: 'mix', models: ['law', 'med'] });
    const reply = await fetch(`${origin}/v1/completions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'even-pair', prompt: 'The forest', max_tokens: 3, temperature: 0 }),
    });
    const body = (await reply.json()) as { grove: { prior: string; posterior: { name: string; weight: number }[] } };
    expect(body.grove.prior).toBe('manual');
    expect(body.grove.posterior.map((w) => [w.name, w.weight])).toEqual([
      ['law', 0.5],
      ['med', 0.5],
    ]);
  });
});
