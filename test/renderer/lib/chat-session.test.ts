import { describe, expect, it, vi } from 'vitest';
import { ChatSession } from '../../../src/renderer/src/lib/chat-session.svelte';
import type { ChatMessageView, ChatView } from '../../../src/shared/api/schemas-chat';
import { fakeApi } from '../fake-api';

const msg = (id: number, role: 'user' | 'assistant', content: string, extra: Partial<ChatMessageView> = {}): ChatMessageView => ({
  id,
  role,
  content,
  settings: null,
  posterior: null,
  finish: null,
  error: null,
  pieces: null,
  streaming: false,
  createdAt: '2025-01-01',
  ...extra,
});

describe('ChatSession', () => {
  it('sends, streams the reply piece by piece with its weights, ignores other chats, and reads the reply back when done', async () => {
    let view: ChatView = {
      id: 3,
      title: 'Hi',
      createdAt: '2025-01-01',
      messages: [msg(10, 'user', 'Hi'), msg(11, 'assistant', '', { streaming: true })],
    };
    const api = fakeApi({ sendMessage: () => ({ chatId: 3, userMessageId: 10, replyMessageId: 11 }), chat: () => view });
    const session = new ChatSession(api);
    api.onEvent((e) => session.handle(e));
    expect(await session.send('Hi', { kind: 'auto' }, { temperature: 0 }, 16)).toBe(true);
    expect(api.sendMessage).toHaveBeenCalledWith({ text: 'Hi', mix: { kind: 'auto' }, sampling: { temperature: 0 }, maxTokens: 16 });
    const reply = session.messages[1]!;
    api.emit({
      type: 'chat.token',
      chatId: 3,
      messageId: 11,
      text: 'Hel',
      weights: [
        { name: 'news', weight: 0.6 },
        { name: 'fiction', weight: 0.4 },
      ],
    });
    api.emit({ type: 'chat.token', chatId: 99, messageId: 50, text: 'elsewhere', weights: [] });
    api.emit({
      type: 'chat.token',
      chatId: 3,
      messageId: 11,
      text: 'lo',
      weights: [
        { name: 'news', weight: 0.3 },
        { name: 'fiction', weight: 0.7 },
      ],
    });
    expect(session.textOf(reply)).toBe('Hello');
    expect(session.posteriorOf(reply)).toEqual([
      { name: 'news', weight: 0.3 },
      { name: 'fiction', weight: 0.7 },
    ]);
    expect(session.streamingReply?.id).toBe(11);
    view = {
      ...view,
      messages: [
        view.messages[0]!,
        msg(11, 'assistant', 'Hello', {
          finish: 'length',
          posterior: [
            { name: 'news', weight: 0.35 },
            { name: 'fiction', weight: 0.65 },
          ],
        }),
      ],
    };
    api.emit({ type: 'chat.done', chatId: 3, messageId: 11, finish: 'length', content: 'Hello', posterior: [] });
    await new Promise((r) => setTimeout(r, 0));
    const done = session.messages[1]!;
    expect(session.streamingReply).toBeUndefined();
    expect(session.textOf(done)).toBe('Hello');
    expect(session.posteriorOf(done)).toEqual([
      { name: 'news', weight: 0.35 },
      { name: 'fiction', weight: 0.65 },
    ]);
    // The pieces stay for the hover colouring.
    expect(session.pieces.get(11)?.map((p) => p.text)).toEqual(['Hel', 'lo']);
  });

  it('sends and regenerates with the threads and inference weights of Settings, and leaves out what is at its default', async () => {
    const view: ChatView = {
      id: 3,
      title: 'Hi',
      createdAt: '2025-01-01',
      messages: [msg(10, 'user', 'Hi'), msg(11, 'assistant', 'Hello')],
    };
    const api = fakeApi({
      sendMessage: () => ({ chatId: 3, userMessageId: 10, replyMessageId: 11 }),
      regenerate: () => ({ chatId: 3, userMessageId: 10, replyMessageId: 12 }),
      chat: () => view,
    });
    const session = new ChatSession(api);
    expect(await session.send('Hi', { kind: 'auto' }, {}, 16, { threads: 2, quant: '8' })).toBe(true);
    expect(api.sendMessage).toHaveBeenCalledWith({
      text: 'Hi',
      mix: { kind: 'auto' },
      sampling: {},
      maxTokens: 16,
      threads: 2,
      quant: '8',
    });
    await session.regenerate(11, undefined, {}, 16, { threads: 0, quant: '4' });
    expect(api.regenerate).toHaveBeenCalledWith({ messageId: 11, sampling: {}, maxTokens: 16, quant: '4' });
  });

  it('shows the newest read when an older one, sent while the reply streamed, answers after it', async () => {
    const streamingView: ChatView = {
      id: 3,
      title: 'Hi',
      createdAt: '2025-01-01',
      messages: [msg(10, 'user', 'Hi'), msg(11, 'assistant', '', { streaming: true })],
    };
    const doneView: ChatView = {
      ...streamingView,
      messages: [streamingView.messages[0]!, msg(11, 'assistant', 'Hello', { finish: 'stop-token' })],
    };
    let releaseFirst!: () => void;
    let reads = 0;
    const api = fakeApi({
      sendMessage: () => ({ chatId: 3, userMessageId: 10, replyMessageId: 11 }),
      // The first read (just after sending) is slow and sees the reply streaming; the second (on done) is not.
      chat: () => (++reads === 1 ? new Promise<ChatView>((resolve) => (releaseFirst = () => resolve(streamingView))) : doneView),
    });
    const session = new ChatSession(api, 60_000);
    api.onEvent((e) => session.handle(e));
    const sending = session.send('Hi', { kind: 'auto' }, {}, 16);
    await vi.waitFor(() => expect(reads).toBe(1));
    api.emit({ type: 'chat.done', chatId: 3, messageId: 11, finish: 'stop-token', content: 'Hello', posterior: [] });
    await vi.waitFor(() => expect(session.messages[1]?.content).toBe('Hello'));
    releaseFirst();
    await sending;
    expect(session.messages[1]?.content).toBe('Hello');
    expect(session.streamingReply).toBeUndefined();
    session.close();
  });

  it('reads a quiet streaming reply again, so a lost done event does not leave it streaming', async () => {
    vi.useFakeTimers();
    try {
      let view: ChatView = {
        id: 3,
        title: 'Hi',
        createdAt: '2025-01-01',
        messages: [msg(10, 'user', 'Hi'), msg(11, 'assistant', '', { streaming: true })],
      };
      const api = fakeApi({ chat: () => view });
      const session = new ChatSession(api, 5000);
      await session.open(3);
      expect(session.streamingReply?.id).toBe(11);
      // The reply ends, but its chat.done never arrives.
      view = { ...view, messages: [view.messages[0]!, msg(11, 'assistant', 'Hello', { finish: 'stop-token' })] };
      await vi.advanceTimersByTimeAsync(4000);
      expect(session.streamingReply?.id).toBe(11);
      await vi.advanceTimersByTimeAsync(1500);
      expect(session.streamingReply).toBeUndefined();
      expect(session.textOf(session.messages[1]!)).toBe('Hello');
      expect(api.chat).toHaveBeenCalledTimes(2);
      // Nothing streams any more, so nothing is read again.
      await vi.advanceTimersByTimeAsync(20_000);
      expect(api.chat).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('colours a reply read back from the catalog with its saved pieces, named by its posterior', async () => {
    const stored = msg(11, 'assistant', 'Hello', {
      finish: 'length',
      posterior: [
        { name: 'news', weight: 0.3 },
        { name: 'fiction', weight: 0.7 },
      ],
      pieces: [
        { text: 'Hel', weights: [0.6, 0.4] },
        { text: 'lo', weights: [0.3, 0.7] },
      ],
    });
    const api = fakeApi({ chat: () => ({ id: 3, title: 'Hi', createdAt: '2025-01-01', messages: [msg(10, 'user', 'Hi'), stored] }) });
    const session = new ChatSession(api);
    await session.open(3);
    expect(session.piecesOf(session.messages[1]!)).toEqual([
      {
        text: 'Hel',
        weights: [
          { name: 'news', weight: 0.6 },
          { name: 'fiction', weight: 0.4 },
        ],
      },
      {
        text: 'lo',
        weights: [
          { name: 'news', weight: 0.3 },
          { name: 'fiction', weight: 0.7 },
        ],
      },
    ]);
    expect(session.piecesOf(session.messages[0]!)).toBeUndefined();
    session.close();
  });

  it('keeps the engine’s refusal as the session’s error', async () => {
    const session = new ChatSession(fakeApi());
    expect(await session.send('Hi', { kind: 'auto' }, {}, 16)).toBe(false);
    expect(session.error).toMatch(/sendMessage is not answered/);
  });
});
