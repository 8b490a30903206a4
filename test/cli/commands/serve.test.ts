// `grove serve` starts the inference worker for chat: a message sent over HTTP is answered by the forest's
// experts, its tokens and its end arrive over the WebSocket, and the reply is in the catalog.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { processAlive } from '../../../src/engine/process-alive';
import { startServe, type ServeProcess } from '../../helpers/grove-process';
import { writeTinyForest } from '../../helpers/chat-forest';
import { tempDir } from '../../helpers/tmp';
import type { ApiInput, ApiMethodName, ApiOutput, GroveEvent } from '../../../src/shared/api';

type ChatDone = Extract<GroveEvent, { type: 'chat.done' }>;

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

async function call<M extends ApiMethodName>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>> {
  const res = await fetch(`${origin}/api/call/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(input),
  });
  const envelope = (await res.json()) as { ok: boolean; result?: unknown; error?: { message: string } };
  if (!envelope.ok) throw new Error(envelope.error?.message);
  return envelope.result as ApiOutput<M>;
}

describe('grove serve chat', () => {
  it('answers a message in its inference worker and streams the reply over the WebSocket', async () => {
    const ws = new WebSocket(`${origin.replace('http', 'ws')}/api/events?token=${token}`);
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const events: GroveEvent[] = [];
    const done = new Promise<ChatDone>((resolve) =>
      ws.on('message', (data) => {
        const e = JSON.parse(String(data)) as GroveEvent;
        events.push(e);
        if (e.type === 'chat.done') resolve(e);
      }),
    );
    const sent = await call('sendMessage', { text: 'The forest grows', sampling: { temperature: 0 }, maxTokens: 6 });
    const end = await done;
    ws.close();
    expect(end).toMatchObject({ chatId: sent.chatId, messageId: sent.replyMessageId });
    expect(end.error).toBeUndefined();
    const tokens = events.filter((e): e is Extract<GroveEvent, { type: 'chat.token' }> => e.type === 'chat.token');
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.map((t) => t.text).join('')).toBe(end.content);
    const chat = await call('chat', { chatId: sent.chatId });
    expect(chat.messages[1]).toMatchObject({ content: end.content, finish: end.finish, settings: { models: ['law', 'med'] } });
  });
});

/** The pids whose parent is `pid`, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false; // gone between the listing and the read
      }
    })
    .map(Number);
}

describe('grove serve killed', () => {
  it('takes its inference worker with it: no orphan holds the models', async () => {
    const s = await startServe(join(dir, 'killed-home'));
    const url = new URL(s.openUrl);
    const key = /token=([^&]+)/.exec(url.hash)![1]!;
    // info() asks the inference worker (it starts one) for the runtime's facts.
    const res = await fetch(`${url.origin}/api/call/info`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
      body: '{}',
    });
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    const workers = childrenOf(s.child.pid!);
    expect(workers.length).toBeGreaterThan(0);
    s.child.kill('SIGKILL');
    await s.stop();
    const deadline = Date.now() + 15_000;
    while (workers.some(processAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(workers.filter(processAlive)).toEqual([]);
  });
});

describe('grove serve and the OpenAI-compatible endpoint', () => {
  it('serves it with --openai, keeps that as the forest’s setting, and stops with --no-openai', async () => {
    const home = join(dir, 'openai-home');
    const models = async (s: ServeProcess) => {
      const key = readFileSync(join(home, 'openai-key'), 'utf8').trim();
      return fetch(`${new URL(s.openUrl).origin}/v1/models`, { headers: { Authorization: `Bearer ${key}` } });
    };
    const first = await startServe(home, 20_000, undefined, ['--openai']);
    try {
      expect(first.printed()).toMatch(/OpenAI-compatible endpoint: http:\/\/127\.0\.0\.1:\d+\/v1 \(API key \S+, kept in .*openai-key/);
      expect((await models(first)).status).toBe(200);
    } finally {
      await first.stop();
    }
    const again = await startServe(home);
    try {
      expect(again.printed()).toMatch(/OpenAI-compatible endpoint:/);
      expect((await models(again)).status).toBe(200);
    } finally {
      await again.stop();
    }
    const off = await startServe(home, 20_000, undefined, ['--no-openai']);
    try {
      expect(off.printed()).not.toMatch(/OpenAI-compatible endpoint:/);
      const res = await models(off);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('endpoint_off');
      expect(JSON.parse(readFileSync(join(home, 'openai-endpoint.json'), 'utf8'))).toEqual({ enabled: false });
    } finally {
      await off.stop();
    }
  });
});
