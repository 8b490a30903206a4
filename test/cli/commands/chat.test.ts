// `grove chat` driven through a pipe on a tiny forest (two experts): one reply per input line, streamed,
// each followed by the posterior; the chat is saved, listed, and continued with --resume.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { chatMessages, listChats } from '../../../src/app/catalog/chats';
import { catalogPath } from '../../../src/app/home';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { writeTinyForest, type TinyForest } from '../../helpers/chat-forest';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let forest: TinyForest;

beforeAll(async () => {
  assertBuilt();
  forest = await writeTinyForest(dir, ['law', 'med']);
});

function chat(input: string, ...args: string[]) {
  const r = spawnSync(
    process.execPath,
    [groveBin, '--home', forest.home, 'chat', '--threads', '1', '--temperature', '0', '--max-tokens', '8', ...args],
    { input, encoding: 'utf8' },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const posteriorLine = /\[(\d+) tokens, stopped by (length|stop-token); posterior: law (0\.\d{3}|1\.000), med (0\.\d{3}|1\.000)\]/g;

describe('grove chat', () => {
  it('replies to each line through a pipe, prints the posterior after each reply, and saves the chat', () => {
    const r = chat('The forest grows\n\nBranch and merge\n');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Chatting with law, med \(uniform prior\)/);
    const lines = [...r.stderr.matchAll(posteriorLine)];
    expect(lines).toHaveLength(2); // the empty line is no message
    for (const m of lines) expect(Number(m[3]) + Number(m[4])).toBeCloseTo(1, 2);
    expect(r.stderr).toMatch(/Chat 1 is saved; continue it with grove chat --resume 1/);
    expect(r.stdout.split('\n').filter((l) => l.trim()).length).toBeGreaterThan(0);

    const catalog = Catalog.open(catalogPath(forest.home));
    try {
      const messages = chatMessages(catalog, 1);
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
      expect(messages[0]!.content).toBe('The forest grows');
      expect(r.stdout).toContain(messages[1]!.content);
      expect(messages[1]!.settings).toMatchObject({ models: ['law', 'med'], prior: 'uniform', mix: { kind: 'auto' }, quant: 'f32' });
      expect(messages[1]!.outcome!.posterior.map((w) => w.name)).toEqual(['law', 'med']);
    } finally {
      catalog.close();
    }
  });

  it('lists the chats and continues one with --resume', () => {
    const list = chat('', '--list');
    expect(list.stdout).toMatch(/^1\t4\t\S+\tThe forest grows$/m);
    const r = chat('And then?\n', '--resume', '1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Resuming chat 1 “The forest grows” \(4 messages\)/);
    expect([...r.stderr.matchAll(posteriorLine)]).toHaveLength(1);
    const catalog = Catalog.open(catalogPath(forest.home));
    try {
      expect(chatMessages(catalog, 1).map((m) => m.content.length > 0 || m.role)).toHaveLength(6);
      expect(listChats(catalog, forest.forestId)).toHaveLength(1);
    } finally {
      catalog.close();
    }
  });

  it('chats with fixed weights, and refuses a missing prior or chat with a hint', () => {
    const fixed = chat('Sliders\n', '--weights', 'law=3,med=1');
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr).toMatch(/posterior: law 0\.750, med 0\.250\]/);
    const cached = chat('hi\n', '--prior', 'cached');
    expect(cached.code).toBe(1);
    expect(cached.stderr).toMatch(/No prior is stored for mix\. Estimate one with `grove prior --target mix`/);
    const missing = chat('hi\n', '--resume', '99');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/There is no chat 99/);
  });

  it('saves the weights a reply ran with (--quant), so the app regenerates it alike', () => {
    const r = chat('Quantized\n', '--quant', '8');
    expect(r.code, r.stderr).toBe(0);
    const catalog = Catalog.open(catalogPath(forest.home));
    try {
      const latest = Math.max(...listChats(catalog, forest.forestId).map((c) => c.id));
      expect(chatMessages(catalog, latest)[1]!.settings).toMatchObject({ quant: '8', models: ['law', 'med'] });
    } finally {
      catalog.close();
    }
  });
});
