// One open conversation as the chat screen shows it: its stored messages, and each reply being streamed
// token by token with the experts' weights after every token (for the live posterior bar and the per-token
// colouring). Events of other chats are ignored; a finished reply is read back from the catalog. Reads can
// answer out of order (a slow one sent before a reply ended may land after one sent when it ended), so only
// the newest read is shown; and a reply that goes quiet (an event lost while the socket reconnected) is
// read again after a while, so it never looks as if it streamed forever.
import { SvelteMap } from 'svelte/reactivity';
import type { GroveApi, GroveEvent } from '../../../shared/api';
import type { ChatMessageView, ChatMix, ChatSampling, ChatView } from '../../../shared/api/schemas-chat';
import type { ModelQuant } from '../../../shared/api/quant';
import { messageOf } from './forest-state.svelte';

/** How a reply runs: CPU threads (0 or omitted: every core) and its models' weights (omitted: f32; regenerate: the reply's own). */
export interface ReplyRun {
  threads?: number;
  quant?: ModelQuant;
}

function runOptions(run: ReplyRun): { threads?: number; quant?: ModelQuant } {
  return { ...(run.threads ? { threads: run.threads } : {}), ...(run.quant ? { quant: run.quant } : {}) };
}

export interface TokenPiece {
  text: string;
  weights: { name: string; weight: number }[];
}

/** How long a streaming reply may go without an event before the chat is read again. */
export const QUIET_REREAD_MS = 5000;

export class ChatSession {
  chatId = $state<number | null>(null);
  view = $state<ChatView | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Reply id -> the pieces received so far (kept after the reply ends, for hover colouring). */
  readonly pieces = new SvelteMap<number, TokenPiece[]>();

  /** Counts reads, so that an older answer arriving late is dropped. */
  private reads = 0;
  private quietTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly api: GroveApi,
    private readonly quietMs = QUIET_REREAD_MS,
  ) {}

  get messages(): ChatMessageView[] {
    return this.view?.messages ?? [];
  }

  get streamingReply(): ChatMessageView | undefined {
    return this.messages.find((m) => m.role === 'assistant' && m.streaming);
  }

  /** The text of a reply: the streamed pieces while it streams, else what the catalog holds. */
  textOf(message: ChatMessageView): string {
    const pieces = this.pieces.get(message.id);
    return message.streaming && pieces ? pieces.map((p) => p.text).join('') : message.content;
  }

  /**
   * The reply's pieces with the weights after each: those received here while it streamed, else the ones
   * saved with it (a reload, another window), named by its posterior.
   */
  piecesOf(message: ChatMessageView): TokenPiece[] | undefined {
    const live = this.pieces.get(message.id);
    if (live && live.length > 0) return live;
    const names = message.posterior?.map((w) => w.name);
    if (!message.pieces || !names) return undefined;
    return message.pieces.map((p) => ({ text: p.text, weights: p.weights.map((weight, i) => ({ name: names[i] ?? '', weight })) }));
  }

  /** The weights after the reply's latest token (live), else its stored posterior. */
  posteriorOf(message: ChatMessageView): { name: string; weight: number }[] | null {
    if (message.streaming) return this.pieces.get(message.id)?.at(-1)?.weights ?? null;
    return message.posterior ?? this.pieces.get(message.id)?.at(-1)?.weights ?? null;
  }

  async open(chatId: number | null): Promise<void> {
    const read = ++this.reads;
    this.clearQuiet();
    this.chatId = chatId;
    this.error = null;
    if (chatId === null) {
      this.view = null;
      this.loading = false;
      return;
    }
    this.loading = true;
    try {
      const view = await this.api.chat({ chatId });
      if (read === this.reads) this.view = view;
    } catch (err) {
      if (read === this.reads) this.error = messageOf(err);
    } finally {
      if (read === this.reads) {
        this.loading = false;
        this.watchQuiet();
      }
    }
  }

  /** Stops the quiet-reply timer (the chat screen is going away). */
  close(): void {
    this.clearQuiet();
    this.chatId = null;
  }

  /** While a reply streams, re-reads the chat when no event has come for `quietMs`. */
  private watchQuiet(): void {
    this.clearQuiet();
    if (!this.streamingReply || this.chatId === null) return;
    const chatId = this.chatId;
    this.quietTimer = setTimeout(() => void this.open(chatId), this.quietMs);
  }

  private clearQuiet(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = null;
  }

  /** Sends a message; `run` says the CPU threads (> 0 caps them; 0: every core) and the weights its reply runs with. */
  async send(text: string, mix: ChatMix, sampling: ChatSampling, maxTokens: number, run: ReplyRun = {}): Promise<boolean> {
    this.error = null;
    try {
      const sent = await this.api.sendMessage({
        ...(this.chatId !== null ? { chatId: this.chatId } : {}),
        text,
        mix,
        sampling,
        maxTokens,
        ...runOptions(run),
      });
      this.pieces.set(sent.replyMessageId, this.pieces.get(sent.replyMessageId) ?? []);
      await this.open(sent.chatId);
      return true;
    } catch (err) {
      this.error = messageOf(err);
      return false;
    }
  }

  async stop(): Promise<void> {
    const reply = this.streamingReply;
    if (!reply) return;
    try {
      await this.api.stopReply({ messageId: reply.id });
    } catch (err) {
      this.error = messageOf(err);
    }
  }

  async regenerate(
    messageId: number,
    mix: ChatMix | undefined,
    sampling: ChatSampling,
    maxTokens: number,
    run: ReplyRun = {},
  ): Promise<void> {
    this.error = null;
    try {
      const sent = await this.api.regenerate({ messageId, ...(mix ? { mix } : {}), sampling, maxTokens, ...runOptions(run) });
      this.pieces.set(sent.replyMessageId, this.pieces.get(sent.replyMessageId) ?? []);
      if (this.chatId !== null) await this.open(this.chatId);
    } catch (err) {
      this.error = messageOf(err);
    }
  }

  handle(event: GroveEvent): void {
    if (event.type === 'chat.token') {
      if (event.chatId !== this.chatId) return;
      this.watchQuiet();
      this.pieces.set(event.messageId, [...(this.pieces.get(event.messageId) ?? []), { text: event.text, weights: event.weights }]);
      // A reply the view does not list yet (its sendMessage answer is still on the way) shows up on reload.
      if (!this.messages.some((m) => m.id === event.messageId) && !this.loading) void this.open(this.chatId);
    } else if (event.type === 'chat.done') {
      if (event.chatId !== this.chatId) return;
      void this.open(this.chatId);
    }
  }
}
