// Chat rows: created with a title from the first message, messages in order with their settings and
// outcome, listed by last activity, deleted with their messages.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import {
  addMessage,
  chatMessages,
  chatTitle,
  completeReply,
  createChat,
  deleteChat,
  findChat,
  findMessage,
  listChats,
  requireChat,
} from '../../../src/app/catalog/chats';
import { ensureForest } from '../../../src/app/catalog/domains';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const settings = {
  mix: { kind: 'auto' as const },
  models: ['law', 'med'],
  prior: 'uniform',
  sampling: { temperature: 0.8, topK: 40, topP: 0.95, repetitionPenalty: 1.1, seed: 0 },
  maxTokens: 64,
};

describe('chats in the catalog', () => {
  it('titles a chat from its first line, cut at a word', () => {
    expect(chatTitle('  Hello   forest \nsecond line')).toBe('Hello forest');
    expect(chatTitle('word '.repeat(30))).toMatch(/^(word ){11}word…$/);
    expect(chatTitle('   ')).toBe('Chat');
  });

  it('keeps messages in order with their settings and outcome, and lists chats by last activity', () => {
    const catalog = Catalog.open(join(dir, 'a.sqlite'));
    const forestId = ensureForest(catalog, 'f');
    const a = createChat(catalog, forestId, 'first');
    const b = createChat(catalog, forestId, 'second');
    addMessage(catalog, { chatId: b, role: 'user', content: 'hi' });
    const u = addMessage(catalog, { chatId: a, role: 'user', content: 'The forest' });
    const r = addMessage(catalog, { chatId: a, role: 'assistant', content: '', settings });
    expect(findMessage(catalog, r)).toMatchObject({ role: 'assistant', content: '', settings, outcome: null });
    completeReply(catalog, r, ' grows.', {
      posterior: [
        { name: 'law', weight: 0.7 },
        { name: 'med', weight: 0.3 },
      ],
      finish: 'length',
      tokens: 3,
    });
    expect(chatMessages(catalog, a).map((m) => [m.id, m.role, m.content])).toEqual([
      [u, 'user', 'The forest'],
      [r, 'assistant', ' grows.'],
    ]);
    expect(findMessage(catalog, r)!.outcome).toEqual({
      posterior: [
        { name: 'law', weight: 0.7 },
        { name: 'med', weight: 0.3 },
      ],
      finish: 'length',
      tokens: 3,
    });
    const listed = listChats(catalog, forestId);
    expect(listed.map((c) => [c.id, c.messages])).toEqual([
      [a, 2],
      [b, 1],
    ]);
    expect(listed[0]!.lastMessageAt).not.toBeNull();

    expect(deleteChat(catalog, a)).toBe(1);
    expect(findChat(catalog, a)).toBeNull();
    expect(findMessage(catalog, r)).toBeNull();
    expect(() => requireChat(catalog, a)).toThrow(/There is no chat \d+; list the chats/);
    expect(deleteChat(catalog, a)).toBe(0);
    catalog.close();
  });
});
