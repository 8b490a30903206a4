// `grove serve` starts the inference worker for chat: a message sent over HTTP is answered by the forest's
// experts, its tokens and its end arrive over the WebSocket, and the reply is in the catalog.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServe, type ServeProcess } from '../../helpers/grove-process';
import { writeTinyForest } from '../../helpers/chat-forest';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let serve: ServeProcess;
let origin: string;
let token: string;

beforeAll(async () => {
  const forest = await writeTinyForest(dir, ['law', 'med']);
  serve = await startServe(forest.home);
  const url = new URL(serve.openUrl);
  origin = url.origin;
  token = /token=([^&]+)/.exec(url.hash)![1]!;
});
afterAll(() => serve?.stop());

async function call(method: string, input: unknown): Promise<any> {
  const res = await fetch(`${origin}/api/call/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(input) });
  const envelope = (await res.json()) as { ok: boolean; result?: unknown; error?: { message: string } };
  if (!envelope.ok) throw new Error(envelope.error?.message);
  return envelope.result;
}

describe('grove serve chat', () => {
  it('answers a message in its inference worker and streams the reply over the WebSocket', async () => {
    const ws = new WebSocket(`${origin.replace('http', 'ws')}/api/events?token=${token}`);
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const events: any[] = [];
    const done = new Promise<any>((resolve) =>
      ws.on('message', (data) => {
        const e = JSON.parse(String(data));
        events.push(e);
        if (e.type === 'chat.done') resolve(e);
      }),
    );
    const sent = await call('sendMessage', { text: 'The forest grows', sampling: { temperature: 0 }, maxTokens: 6 });
    const end = await done;
    ws.close();
    expect(end).toMatchObject({ chatId: sent.chatId, messageId: sent.replyMessageId });
    expect(end.error).toBeUndefined();
    const tokens = events.filter((e) => e.type === 'chat.token');
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.map((t) => t.text).join('')).toBe(end.content);
    const chat = await call('chat', { chatId: sent.chatId });
    expect(chat.messages[1]).toMatchObject({ content: end.content, finish: end.finish, settings: { models: ['law', 'med'] } });
  });
});
