import { describe, expect, it } from 'vitest';
import { ChatSession } from '../../../src/renderer/src/lib/chat-session.svelte';
import type { ChatMessageView, ChatView } from '../../../src/shared/api/schemas-chat';
import { fakeApi } from '../fake-api';

const msg = (id: number, role: 'user' | 'assistant', content: string, extra: Partial<ChatMessageView> = {}): ChatMessageView => ({
  id, role, content, settings: null, posterior: null, finish: null, error: null, streaming: false, createdAt: '2025-01-01', ...extra,
});

describe('ChatSession', () => {
  it('sends, streams the reply piece by piece with its weights, ignores other chats, and reads the reply back when done', async () => {
    let view: ChatView = { id: 3, title: 'Hi', createdAt: '2025-01-01', messages: [msg(10, 'user', 'Hi'), msg(11, 'assistant', '', { streaming: true })] };
    const api = fakeApi({ sendMessage: () => ({ chatId: 3, userMessageId: 10, replyMessageId: 11 }), chat: () => view });
    const session = new ChatSession(api);
    api.onEvent((e) => session.handle(e));
    expect(await session.send('Hi', { kind: 'auto' }, { temperature: 0 }, 16)).toBe(true);
    expect(api.sendMessage).toHaveBeenCalledWith({ text: 'Hi', mix: { kind: 'auto' }, sampling: { temperature: 0 }, maxTokens: 16 });
    const reply = session.messages[1]!;
    api.emit({ type: 'chat.token', chatId: 3, messageId: 11, text: 'Hel', weights: [{ name: 'news', weight: 0.6 }, { name: 'fiction', weight: 0.4 }] });
    api.emit({ type: 'chat.token', chatId: 99, messageId: 50, text: 'elsewhere', weights: [] });
    api.emit({ type: 'chat.token', chatId: 3, messageId: 11, text: 'lo', weights: [{ name: 'news', weight: 0.3 }, { name: 'fiction', weight: 0.7 }] });
    expect(session.textOf(reply)).toBe('Hello');
    expect(session.posteriorOf(reply)).toEqual([{ name: 'news', weight: 0.3 }, { name: 'fiction', weight: 0.7 }]);
    expect(session.streamingReply?.id).toBe(11);
    view = { ...view, messages: [view.messages[0]!, msg(11, 'assistant', 'Hello', { finish: 'length', posterior: [{ name: 'news', weight: 0.35 }, { name: 'fiction', weight: 0.65 }] })] };
    api.emit({ type: 'chat.done', chatId: 3, messageId: 11, finish: 'length', content: 'Hello', posterior: [] });
    await new Promise((r) => setTimeout(r, 0));
    const done = session.messages[1]!;
    expect(session.streamingReply).toBeUndefined();
    expect(session.textOf(done)).toBe('Hello');
    expect(session.posteriorOf(done)).toEqual([{ name: 'news', weight: 0.35 }, { name: 'fiction', weight: 0.65 }]);
    // The pieces stay for the hover colouring.
    expect(session.pieces.get(11)?.map((p) => p.text)).toEqual(['Hel', 'lo']);
  });

  it('keeps the engine’s refusal as the session’s error', async () => {
    const session = new ChatSession(fakeApi());
    expect(await session.send('Hi', { kind: 'auto' }, {}, 16)).toBe(false);
    expect(session.error).toMatch(/sendMessage is not answered/);
  });
});
