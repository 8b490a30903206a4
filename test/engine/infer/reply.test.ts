// One reply end to end in this process: an instruct model gets its chat template, the streamed deltas add
// up to the saved text, an ensemble of two copies of one model writes what that model writes alone, and
// requests that cannot fit or mix are refused with the reason.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatPromptIds, readPromptStyle } from '../../../src/engine/generate/chat-prompt';
import { ModelPool } from '../../../src/engine/infer/model-pool';
import { runReply, type ReplyRequest } from '../../../src/engine/infer/reply';
import { loadTokenizer } from '../../../src/engine/tokenize/load';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';
import { writeTinyModel, TINY_CONFIG } from '../hub/tiny-model';

const dir = tempDir();
const instruct = join(dir, 'instruct');
const pool = new ModelPool({ run: { threads: 1 } });
const model = { name: 'tiny', key: 'tiny', folder: instruct };
const messages = [{ role: 'user', content: 'The forest grows' }];
const greedy = { temperature: 0, repetitionPenalty: 1 };

beforeAll(async () => {
  await writeTinyModel(instruct);
  await writeTestModel(join(dir, 'wide'), { ...TINY_CONFIG, vocabSize: 400 });
});
afterAll(() => pool.close());

describe('runReply', () => {
  it('renders the chat template for an instruct model and streams the reply it saves', async () => {
    const deltas: string[] = [];
    const r = await runReply(pool, { tokenizerDir: instruct, input: { kind: 'chat', messages }, mix: { kind: 'single', model }, sampling: greedy, maxTokens: 8 }, { onDelta: (d, w) => (deltas.push(d), expect(w).toEqual([{ name: 'tiny', weight: 1 }])) });
    const tokenizer = await loadTokenizer(instruct);
    const style = await readPromptStyle(instruct, tokenizer);
    expect(r.promptTokens).toBe(chatPromptIds(tokenizer, style, messages, 10_000).ids.length);
    expect(deltas.join('')).toBe(r.text);
    expect(r.tokens).toBeGreaterThan(0);
    expect(['length', 'stop-token']).toContain(r.finish);
  });

  it('writes with an ensemble of two copies of a model exactly what the model writes alone', async () => {
    const base: Omit<ReplyRequest, 'mix'> = { tokenizerDir: instruct, input: { kind: 'text', text: 'Branch, train' }, sampling: greedy, maxTokens: 10 };
    const alone = await runReply(pool, { ...base, mix: { kind: 'single', model } });
    const twin = { ...model, name: 'twin' };
    const mixed = await runReply(pool, { ...base, mix: { kind: 'ensemble', experts: [model, twin], prior: [0.5, 0.5], weighting: { kind: 'posterior', posterior: 'context', window: null, topK: null } } });
    expect(mixed.text).toBe(alone.text);
    expect(mixed.posterior.map((w) => w.weight)).toEqual([expect.closeTo(0.5, 6), expect.closeTo(0.5, 6)]);
  });

  it('refuses a reply longer than the context, and models of different vocabularies', async () => {
    await expect(runReply(pool, { tokenizerDir: instruct, input: { kind: 'chat', messages }, mix: { kind: 'single', model }, sampling: greedy, maxTokens: 2047 })).rejects.toThrow(/leaves no room for the conversation/);
    const wide = { name: 'wide', key: 'wide', folder: join(dir, 'wide') };
    await expect(runReply(pool, { tokenizerDir: instruct, input: { kind: 'text', text: 'x' }, mix: { kind: 'ensemble', experts: [model, wide], prior: [1, 1], weighting: { kind: 'fixed' } }, sampling: greedy, maxTokens: 2 })).rejects.toThrow(/different vocabularies \(320, 400 tokens\)/);
  });
});
