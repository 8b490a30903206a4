// Catalog rows for chats and their messages. A reply's row is written when it starts (so it has an id to
// stream under) and completed when it ends: its text, and an outcome (the posterior after its last token,
// how it finished, an ensemble's pieces with their weights) in posterior_json. What it was generated with (mix,
// sampling) is in mix_json.
import { GroveError } from '../../shared/api/errors';
import type { ChatFinish, ExpertShare } from '../../shared/api/events';
import type { ReplySettings } from '../../shared/api/schemas-chat';
import type { Catalog } from './catalog';
import { databaseOf } from './database';

export type MessageRole = 'user' | 'assistant' | 'system';

export interface ChatRow {
  id: number;
  forestId: number;
  title: string;
  createdAt: string;
  lastMessageAt: string | null;
  messages: number;
}

/** How a reply ended, stored in posterior_json. */
export interface ReplyOutcome {
  posterior: ExpertShare[];
  finish: ChatFinish;
  tokens: number;
  error?: string;
  /** The text as it streamed, with the weights after each piece (ensembles only; see ChatMessageView). */
  pieces?: StoredPiece[];
}

export interface StoredPiece {
  text: string;
  /** Each model's weight, in the order of the posterior's names. */
  weights: number[];
}

export interface MessageRow {
  id: number;
  chatId: number;
  role: MessageRole;
  content: string;
  settings: ReplySettings | null;
  /** null while a reply is being written (or was cut off by a crash of the process writing it). */
  outcome: ReplyOutcome | null;
  createdAt: string;
}

const TITLE_CHARS = 60;

/** A chat's title from its first message: the first line, cut at a word near 60 characters. */
export function chatTitle(text: string): string {
  const line = text.trim().split('\n')[0]!.trim().replace(/\s+/g, ' ');
  if (line.length <= TITLE_CHARS) return line || 'Chat';
  const cut = line.slice(0, TITLE_CHARS);
  const space = cut.lastIndexOf(' ');
  return `${space > TITLE_CHARS / 2 ? cut.slice(0, space) : cut}…`;
}

export function createChat(catalog: Catalog, forestId: number, title: string): number {
  return Number(databaseOf(catalog).prepare('INSERT INTO chats (forest_id, title) VALUES (?, ?)').run(forestId, title).lastInsertRowid);
}

const CHAT_SELECT = `SELECT c.id, c.forest_id AS forestId, c.title, c.created_at AS createdAt,
  (SELECT MAX(m.created_at) FROM messages m WHERE m.chat_id = c.id) AS lastMessageAt,
  (SELECT COUNT(*) FROM messages m WHERE m.chat_id = c.id) AS messages
  FROM chats c`;

/** The forest's chats, most recently active first. */
export function listChats(catalog: Catalog, forestId: number): ChatRow[] {
  // Timestamps have millisecond resolution: the latest message id breaks their ties.
  return databaseOf(catalog)
    .prepare(
      `${CHAT_SELECT} WHERE c.forest_id = ? ORDER BY COALESCE(lastMessageAt, c.created_at) DESC, (SELECT MAX(m.id) FROM messages m WHERE m.chat_id = c.id) DESC, c.id DESC`,
    )
    .all(forestId) as ChatRow[];
}

export function findChat(catalog: Catalog, chatId: number): ChatRow | null {
  return (databaseOf(catalog).prepare(`${CHAT_SELECT} WHERE c.id = ?`).get(chatId) as ChatRow | undefined) ?? null;
}

/** The chat, or a not_found error naming it. */
export function requireChat(catalog: Catalog, chatId: number): ChatRow {
  const chat = findChat(catalog, chatId);
  if (!chat) throw new GroveError('not_found', `There is no chat ${chatId}; list the chats to pick one (grove chat --list).`, { chatId });
  return chat;
}

interface RawMessage {
  id: number;
  chatId: number;
  role: MessageRole;
  content: string;
  mixJson: string | null;
  posteriorJson: string | null;
  createdAt: string;
}

const MESSAGE_SELECT =
  'SELECT id, chat_id AS chatId, role, content, mix_json AS mixJson, posterior_json AS posteriorJson, created_at AS createdAt FROM messages';

function toMessage(r: RawMessage): MessageRow {
  return {
    id: r.id,
    chatId: r.chatId,
    role: r.role,
    content: r.content,
    settings: r.mixJson ? (JSON.parse(r.mixJson) as ReplySettings) : null,
    outcome: r.posteriorJson ? (JSON.parse(r.posteriorJson) as ReplyOutcome) : null,
    createdAt: r.createdAt,
  };
}

/** The chat's messages in order. */
export function chatMessages(catalog: Catalog, chatId: number): MessageRow[] {
  return (databaseOf(catalog).prepare(`${MESSAGE_SELECT} WHERE chat_id = ? ORDER BY id`).all(chatId) as RawMessage[]).map(toMessage);
}

export function findMessage(catalog: Catalog, messageId: number): MessageRow | null {
  const r = databaseOf(catalog).prepare(`${MESSAGE_SELECT} WHERE id = ?`).get(messageId) as RawMessage | undefined;
  return r ? toMessage(r) : null;
}

export interface NewMessage {
  chatId: number;
  role: MessageRole;
  content: string;
  settings?: ReplySettings;
  outcome?: ReplyOutcome;
}

export function addMessage(catalog: Catalog, m: NewMessage): number {
  return Number(
    databaseOf(catalog)
      .prepare('INSERT INTO messages (chat_id, role, content, mix_json, posterior_json) VALUES (?, ?, ?, ?, ?)')
      .run(m.chatId, m.role, m.content, m.settings ? JSON.stringify(m.settings) : null, m.outcome ? JSON.stringify(m.outcome) : null)
      .lastInsertRowid,
  );
}

/** Writes a reply's final text and outcome. */
export function completeReply(catalog: Catalog, messageId: number, content: string, outcome: ReplyOutcome): void {
  databaseOf(catalog)
    .prepare('UPDATE messages SET content = ?, posterior_json = ? WHERE id = ?')
    .run(content, JSON.stringify(outcome), messageId);
}

export function deleteMessage(catalog: Catalog, messageId: number): void {
  databaseOf(catalog).prepare('DELETE FROM messages WHERE id = ?').run(messageId);
}

/** Deletes a chat and (by cascade) its messages; returns how many chats were deleted (0 or 1). */
export function deleteChat(catalog: Catalog, chatId: number): number {
  return databaseOf(catalog).prepare('DELETE FROM chats WHERE id = ?').run(chatId).changes;
}
