// The chat API through GroveService and the real inference worker (out/node/infer-worker.js, a child
// process): replies stream as chat.token events and end with chat.done; messages, mix and posterior are in
// the catalog; stopReply stops; a killed worker fails the reply clearly and the next message works.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroveService } from '../../../src/app/api/service';
import { Catalog } from '../../../src/app/catalog/catalog';
import { savePrior } from '../../../src/app/forest/prior-store';
import { catalogPath } from '../../../src/app/home';
import { nodeInferLauncher } from '../../../src/app/infer/node-launcher';
import { modelsDir } from '../../../src/app/store/model-store';
import type { GroveEvent } from '../../../src/shared/api';
import { assertBuilt, repoRoot } from '../../helpers/grove-process';
import { writeTinyForest, type TinyForest } from '../../helpers/chat-forest';
import { tempDir } from '../../helpers/tmp';

type Done = Extract<GroveEvent, { type: 'chat.done' }>;
type Token = Extract<GroveEvent, { type: 'chat.token' }>;

const dir = tempDir();
let forest: TinyForest;
let service: GroveService;

beforeAll(async () => {
  assertBuilt();
  forest = await writeTinyForest(dir, ['law', 'med']);
  service = new GroveService({
    forestHome: forest.home,
    transport: 'http',
    inference: nodeInferLauncher(join(repoRoot, 'out/node/infer-worker.js')),
  });
});
afterAll(() => service?.close());

/** The tokens and the end of one reply, collected from the events. */
function reply(messageId: () => number | undefined, onToken?: (e: Token) => void): Promise<{ tokens: Token[]; done: Done }> {
  const tokens: Token[] = [];
  return new Promise((resolve) => {
    const off = service.onEvent((e) => {
      if (e.type === 'chat.token' && e.messageId === messageId()) {
        tokens.push(e);
        onToken?.(e);
      } else if (e.type === 'chat.done' && e.messageId === messageId()) {
        off();
        resolve({ tokens, done: e });
      }
    });
  });
}

async function send(input: Parameters<GroveService['sendMessage']>[0], onToken?: (e: Token) => void) {
  let id: number | undefined;
  const events = reply(() => id, onToken);
  const sent = await service.sendMessage(input);
  id = sent.replyMessageId;
  return { sent, ...(await events) };
}

const greedy = { temperature: 0, repetitionPenalty: 1 };

describe('chat through GroveService and the inference worker', () => {
  it('streams a reply of the forest’s experts and saves the chat with its mix and posterior', async () => {
    const { sent, tokens, done } = await send({
      text: 'The forest grows one expert',
      mix: { kind: 'auto' },
      sampling: greedy,
      maxTokens: 12,
    });
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.map((t) => t.text).join('')).toBe(done.content);
    for (const t of tokens) {
      expect(t.weights.map((w) => w.name)).toEqual(['law', 'med']);
      expect(t.weights[0]!.weight + t.weights[1]!.weight).toBeCloseTo(1, 9);
    }
    expect(['length', 'stop-token']).toContain(done.finish);
    expect(done.error).toBeUndefined();
    expect(done.posterior).toEqual(tokens.at(-1)!.weights);

    const chat = await service.chat({ chatId: sent.chatId });
    expect(chat.title).toBe('The forest grows one expert');
    expect(chat.messages.map((m) => [m.id, m.role])).toEqual([
      [sent.userMessageId, 'user'],
      [sent.replyMessageId, 'assistant'],
    ]);
    const saved = chat.messages[1]!;
    expect(saved).toMatchObject({ content: done.content, posterior: done.posterior, finish: done.finish, error: null, streaming: false });
    expect(saved.settings).toMatchObject({
      mix: { kind: 'auto' },
      models: ['law', 'med'],
      prior: 'uniform',
      maxTokens: 12,
      quant: 'f32',
      sampling: { temperature: 0, topK: 40, topP: 0.95, repetitionPenalty: 1, seed: 0 },
    });
    // The pieces as they streamed, with their weights (4 decimals), for colouring the reply after a reload.
    expect(saved.pieces?.map((p) => p.text)).toEqual(tokens.map((t) => t.text));
    saved.pieces!.forEach((p, i) => tokens[i]!.weights.forEach((w, j) => expect(p.weights[j]).toBeCloseTo(w.weight, 4)));
    expect((await service.chats()).map((c) => c.id)).toContain(sent.chatId);

    // The same chat goes on, with the conversation as context; greedy decoding of the same text
    // in a new chat gives the same first reply (the worker kept its models open in between).
    const next = await send({ chatId: sent.chatId, text: 'Then it merges.', sampling: greedy, maxTokens: 6 });
    expect(next.sent.chatId).toBe(sent.chatId);
    expect((await service.chat({ chatId: sent.chatId })).messages).toHaveLength(4);
    const again = await send({ text: 'The forest grows one expert', sampling: greedy, maxTokens: 12 });
    expect(again.done.content).toBe(done.content);
    // With its own thread count the reply runs on models opened for it (model-pool.test.ts), to the same text.
    const oneThread = await send({ text: 'The forest grows one expert', sampling: greedy, maxTokens: 12, threads: 1 });
    expect(oneThread.done).toMatchObject({ finish: done.finish, content: done.content });
  });

  it('uses the cached prior of the chat, else of the mix; manual weights and one model as asked', async () => {
    const catalog = Catalog.open(catalogPath(forest.home));
    const [law, med] = forest.experts;
    savePrior(catalog, { forestId: forest.forestId, target: 'mix', modelIds: [law!.id, med!.id], weights: [0.9, 0.1], sequences: 10 });
    catalog.close();
    const a = await send({ text: 'Branch, train, merge', sampling: greedy, maxTokens: 3 });
    expect((await service.chat({ chatId: a.sent.chatId })).messages[1]!.settings).toMatchObject({ prior: 'mix' });

    const catalog2 = Catalog.open(catalogPath(forest.home));
    savePrior(catalog2, {
      forestId: forest.forestId,
      target: `chat:${a.sent.chatId}`,
      modelIds: [law!.id, med!.id],
      weights: [0.2, 0.8],
      sequences: 10,
    });
    catalog2.close();
    const b = await send({ chatId: a.sent.chatId, text: 'again', sampling: greedy, maxTokens: 3 });
    expect((await service.chat({ chatId: a.sent.chatId })).messages.at(-1)!.settings).toMatchObject({ prior: `chat:${a.sent.chatId}` });
    expect(b.done.finish).not.toBe('error');

    const manual = await send({ text: 'Sliders', mix: { kind: 'manual', weights: { law: 3, med: 1 } }, sampling: greedy, maxTokens: 4 });
    expect(manual.tokens.length).toBeGreaterThan(0);
    for (const t of manual.tokens) expect(t.weights.map((w) => w.weight)).toEqual([expect.closeTo(0.75, 12), expect.closeTo(0.25, 12)]);
    const one = await send({ text: 'Just the seed', mix: { kind: 'model', model: forest.seed }, sampling: greedy, maxTokens: 4 });
    expect(one.done.posterior).toEqual([{ name: forest.seed, weight: 1 }]);
    // One model's weight is always 1: nothing to colour, nothing kept.
    expect((await service.chat({ chatId: one.sent.chatId })).messages[1]!.pieces).toBeNull();
  });

  it('replies with 8-bit weights when asked, keeps the choice with the reply and regenerates with it', async () => {
    const { sent, tokens, done } = await send({ text: 'Quantized, please', sampling: greedy, maxTokens: 6, quant: '8' });
    expect(done.finish).not.toBe('error');
    expect(tokens.length).toBeGreaterThan(0);
    expect(done.content).toBe(tokens.map((t) => t.text).join(''));
    expect((await service.chat({ chatId: sent.chatId })).messages[1]!.settings).toMatchObject({ quant: '8', models: ['law', 'med'] });
    // The experts ran on quantized weights, made once beside each one's safetensors.
    const store = modelsDir(forest.home);
    const quantFiles = readdirSync(store).flatMap((entry) =>
      readdirSync(join(store, entry)).filter((f) => /^grove-quant-q8_0-[0-9a-f]{16}\.bin$/.test(f)),
    );
    expect(quantFiles).toHaveLength(2);

    let id: number | undefined;
    const events = reply(() => id);
    const again = await service.regenerate({ messageId: sent.replyMessageId });
    id = again.replyMessageId;
    expect((await events).done.finish).not.toBe('error');
    expect((await service.chat({ chatId: sent.chatId })).messages[1]!.settings!.quant).toBe('8');
  });

  it('refuses an unknown model or chat before writing anything', async () => {
    const before = (await service.chats()).length;
    await expect(service.sendMessage({ text: 'hi', mix: { kind: 'model', model: 'nope' } })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/No model named "nope"/),
    });
    await expect(service.sendMessage({ chatId: 9999, text: 'hi' })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/no chat 9999/),
    });
    expect((await service.chats()).length).toBe(before);
  });

  it('stops a reply on request and keeps what was written', async () => {
    const { done, tokens } = await send({ text: 'A long answer', sampling: { temperature: 1, topK: 0, topP: 1 }, maxTokens: 1500 }, (t) => {
      void service.stopReply({ messageId: t.messageId });
    });
    expect(done.finish).toBe('aborted');
    expect(tokens.length).toBeLessThan(1500);
    expect(done.content).toBe(tokens.map((t) => t.text).join(''));
    expect(await service.stopReply({ messageId: 424242 })).toEqual({ stopped: false });
  });

  it('regenerates the last reply with a fresh seed, and refuses any other message', async () => {
    const first = await send({ text: 'Regenerate me', sampling: { temperature: 1.5, topK: 0, topP: 1 }, maxTokens: 8 });
    let id: number | undefined;
    const events = reply(() => id);
    const again = await service.regenerate({ messageId: first.sent.replyMessageId });
    id = again.replyMessageId;
    const { done } = await events;
    expect(again).toMatchObject({ chatId: first.sent.chatId, userMessageId: first.sent.userMessageId });
    expect(again.replyMessageId).not.toBe(first.sent.replyMessageId);
    const chat = await service.chat({ chatId: first.sent.chatId });
    expect(chat.messages.map((m) => m.id)).toEqual([first.sent.userMessageId, again.replyMessageId]);
    expect(chat.messages[1]!.content).toBe(done.content);
    expect(chat.messages[1]!.settings!.sampling.temperature).toBe(1.5);
    await expect(service.regenerate({ messageId: first.sent.userMessageId })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('fails the reply clearly when the worker is killed, and the next message starts a fresh worker', async () => {
    const crashed = await send({ text: 'Crash', sampling: { temperature: 1, topK: 0, topP: 1 }, maxTokens: 1500 }, () =>
      service.inferenceHost!.killWorker(),
    );
    expect(crashed.done.finish).toBe('error');
    expect(crashed.done.error).toMatch(/inference worker was killed \(SIGKILL\) during this reply\. Send the message again/);
    const saved = (await service.chat({ chatId: crashed.sent.chatId })).messages[1]!;
    expect(saved).toMatchObject({ finish: 'error', streaming: false, content: crashed.done.content });
    const next = await send({ chatId: crashed.sent.chatId, text: 'Hello again', sampling: greedy, maxTokens: 4 });
    expect(next.done.finish).not.toBe('error');
    expect(next.tokens.length).toBeGreaterThan(0);
  });

  it('deletes a chat with its messages', async () => {
    const { sent } = await send({ text: 'To be deleted', sampling: greedy, maxTokens: 2 });
    expect(await service.deleteChat({ chatId: sent.chatId })).toEqual({ deleted: 1 });
    await expect(service.chat({ chatId: sent.chatId })).rejects.toMatchObject({ code: 'not_found' });
  });
});
