// The service's chat calls (schemas-chat.ts). Messages are written to the catalog before a reply starts;
// the reply runs in the inference worker (never in this process, which may be Electron main), streams as
// chat.token events, and its text and posterior are saved when it ends, even when it fails.
import { DEFAULT_REPLY_TOKENS } from '../../shared/api/defaults';
import { randomInt } from 'node:crypto';
import { GroveError, toErrorData } from '../../shared/api/errors';
import type { ExpertShare, GroveEvent } from '../../shared/api/events';
import type { ApiInput, ApiOutput } from '../../shared/api/schemas';
import type { ChatMessageView, ChatMix, ChatSampling, ReplySettings, SentMessage } from '../../shared/api/schemas-chat';
import type { Catalog } from '../catalog/catalog';
import {
  addMessage,
  chatMessages,
  chatTitle,
  completeReply,
  createChat,
  deleteChat,
  deleteMessage,
  findMessage,
  listChats,
  requireChat,
  type MessageRow,
  type ReplyOutcome,
  type StoredPiece,
} from '../catalog/chats';
import { SamplingConfig } from '../../engine/generate/sampling';
import { priorTarget } from '../forest/prior-store';
import type { InferenceHost } from '../infer/host';
import { resolveMix, type MixSpec } from '../infer/mix';
import { forestTokenizerDir } from '../store/init';

/** Four decimals: what a tooltip shows, at a fraction of the catalog's bytes. */
const roundWeight = (w: number): number => Math.round(w * 1e4) / 1e4;

/** The pieces to save with a reply: only when they spell its text (else a colouring would be wrong). */
function storedPieces(pieces: StoredPiece[] | null, text: string): { pieces?: StoredPiece[] } {
  return pieces && pieces.length > 0 && pieces.map((p) => p.text).join('') === text ? { pieces } : {};
}

/** The API's mix as a MixSpec; auto looks up this chat's cached prior first, then the forest's mix prior. */
export function mixSpecOf(mix: ChatMix, chatId: number | null): MixSpec {
  if (mix.kind === 'model') return { models: [mix.model] };
  if (mix.kind === 'manual') return { weights: mix.weights };
  return {
    prior: 'auto',
    targets: chatId === null ? [priorTarget.mix] : [priorTarget.chat(chatId), priorTarget.mix],
    ...(mix.posterior ? { posterior: mix.posterior } : {}),
    ...(mix.window !== undefined ? { window: mix.window } : {}),
    ...(mix.topK !== undefined ? { topK: mix.topK } : {}),
    ...(mix.routing === 'clusters' ? { routing: 'clusters' as const } : {}),
  };
}

interface ActiveReply {
  chatId: number;
  hostId: number;
}

export class ChatCalls {
  /** Replies being generated, by message id. */
  private readonly active = new Map<number, ActiveReply>();

  constructor(
    private readonly catalog: Catalog,
    private readonly forestHome: string,
    private readonly host: InferenceHost | null,
    private readonly emit: (event: GroveEvent) => void,
  ) {}

  async chats(): Promise<ApiOutput<'chats'>> {
    const forest = this.catalog.forest();
    return forest
      ? listChats(this.catalog, forest.id).map(({ id, title, createdAt, lastMessageAt, messages }) => ({
          id,
          title,
          createdAt,
          lastMessageAt,
          messages,
        }))
      : [];
  }

  async chat({ chatId }: ApiInput<'chat'>): Promise<ApiOutput<'chat'>> {
    const chat = requireChat(this.catalog, chatId);
    return {
      id: chat.id,
      title: chat.title,
      createdAt: chat.createdAt,
      messages: chatMessages(this.catalog, chatId).map((m) => this.view(m)),
    };
  }

  async deleteChat({ chatId }: ApiInput<'deleteChat'>): Promise<ApiOutput<'deleteChat'>> {
    requireChat(this.catalog, chatId);
    for (const [, reply] of this.active) if (reply.chatId === chatId) this.host?.stop(reply.hostId);
    return { deleted: deleteChat(this.catalog, chatId) };
  }

  async sendMessage(input: ApiInput<'sendMessage'>): Promise<SentMessage> {
    const forest = this.catalog.forest();
    if (!forest) throw new GroveError('not_found', 'There is no forest yet: create one (plant a seed) before chatting.');
    if (input.chatId !== undefined) {
      requireChat(this.catalog, input.chatId);
      this.refuseIfBusy(input.chatId);
    }
    const host = this.requireHost();
    // Everything that can be refused is checked before anything is written.
    const mix = input.mix ?? { kind: 'auto' };
    const resolved = resolveMix(this.catalog, this.forestHome, mixSpecOf(mix, input.chatId ?? null));
    const settings: ReplySettings = {
      mix,
      models: resolved.models,
      prior: resolved.prior,
      sampling: SamplingConfig.parse(input.sampling ?? {}),
      maxTokens: input.maxTokens ?? DEFAULT_REPLY_TOKENS,
      quant: input.quant ?? 'f32',
    };
    const ids = this.catalog.transaction(() => {
      const chatId = input.chatId ?? createChat(this.catalog, forest.id, chatTitle(input.text));
      const userMessageId = addMessage(this.catalog, { chatId, role: 'user', content: input.text });
      const replyMessageId = addMessage(this.catalog, { chatId, role: 'assistant', content: '', settings });
      return { chatId, userMessageId, replyMessageId };
    });
    this.start(host, ids.chatId, ids.replyMessageId, resolved.mix, settings, input.threads);
    return ids;
  }

  async stopReply({ messageId }: ApiInput<'stopReply'>): Promise<ApiOutput<'stopReply'>> {
    const reply = this.active.get(messageId);
    return { stopped: reply ? (this.host?.stop(reply.hostId) ?? false) : false };
  }

  async regenerate(input: ApiInput<'regenerate'>): Promise<SentMessage> {
    const old = findMessage(this.catalog, input.messageId);
    if (!old || old.role !== 'assistant')
      throw new GroveError('not_found', `There is no reply ${input.messageId} to regenerate; give the id of an assistant message.`, {
        messageId: input.messageId,
      });
    this.refuseIfBusy(old.chatId);
    const messages = chatMessages(this.catalog, old.chatId);
    if (messages.at(-1)!.id !== old.id)
      throw new GroveError(
        'conflict',
        `Message ${old.id} is not the last reply of chat ${old.chatId}; only the last reply can be regenerated.`,
        { messageId: old.id },
      );
    const user = messages.at(-2);
    if (!user || user.role !== 'user')
      throw new GroveError('conflict', `Reply ${old.id} does not follow a user message, so there is nothing to reply to.`);
    const host = this.requireHost();
    const mix = input.mix ?? old.settings?.mix ?? { kind: 'auto' };
    const resolved = resolveMix(this.catalog, this.forestHome, mixSpecOf(mix, old.chatId));
    // Same sampling as before unless told otherwise, with a fresh seed: the same seed would write the same reply.
    const sampling: ChatSampling = { ...(old.settings?.sampling ?? {}), seed: randomInt(2 ** 32 - 1), ...(input.sampling ?? {}) };
    const settings: ReplySettings = {
      mix,
      models: resolved.models,
      prior: resolved.prior,
      sampling: SamplingConfig.parse(sampling),
      maxTokens: input.maxTokens ?? old.settings?.maxTokens ?? DEFAULT_REPLY_TOKENS,
      quant: input.quant ?? old.settings?.quant ?? 'f32',
    };
    // The new row first: SQLite would give a deleted last row's id to the next insert, and a UI still
    // holding the old reply's id must not see the new one's events under it.
    const replyMessageId = this.catalog.transaction(() => {
      const id = addMessage(this.catalog, { chatId: old.chatId, role: 'assistant', content: '', settings });
      deleteMessage(this.catalog, old.id);
      return id;
    });
    this.start(host, old.chatId, replyMessageId, resolved.mix, settings, input.threads);
    return { chatId: old.chatId, userMessageId: user.id, replyMessageId };
  }

  /** Stops every reply (the service is closing). */
  stopAll(): void {
    for (const reply of this.active.values()) this.host?.stop(reply.hostId);
  }

  private start(
    host: InferenceHost,
    chatId: number,
    messageId: number,
    mix: ReturnType<typeof resolveMix>['mix'],
    settings: ReplySettings,
    threads: number | undefined,
  ): void {
    // The conversation up to the new reply; empty replies (failed before any text) are left out.
    const history = chatMessages(this.catalog, chatId)
      .filter((m) => m.id < messageId && m.content !== '')
      .map((m) => ({ role: m.role, content: m.content }));
    let text = '';
    let weights: ExpertShare[] = [];
    // Kept for ensembles only: one model's weight is always 1 and colours nothing.
    const pieces: StoredPiece[] | null = settings.models.length > 1 ? [] : null;
    const { id, done } = host.reply(
      {
        tokenizerDir: forestTokenizerDir(this.forestHome),
        input: { kind: 'chat', messages: history },
        mix,
        sampling: settings.sampling,
        maxTokens: settings.maxTokens,
        quant: settings.quant ?? 'f32',
        ...(threads ? { threads } : {}),
      },
      (delta, w) => {
        text += delta;
        weights = w;
        pieces?.push({ text: delta, weights: w.map((share) => roundWeight(share.weight)) });
        this.emit({ type: 'chat.token', chatId, messageId, text: delta, weights: w });
      },
    );
    this.active.set(messageId, { chatId, hostId: id });
    void done.then(
      (result) =>
        this.finish(chatId, messageId, result.text, {
          posterior: result.posterior,
          finish: result.finish,
          tokens: result.tokens,
          ...storedPieces(pieces, result.text),
        }),
      (err: unknown) =>
        this.finish(chatId, messageId, text, {
          posterior: weights,
          finish: 'error',
          tokens: 0,
          error: toErrorData(err).message,
          ...storedPieces(pieces, text),
        }),
    );
  }

  private finish(chatId: number, messageId: number, content: string, outcome: ReplyOutcome): void {
    this.active.delete(messageId);
    // A catalog closed under the reply (the service shut down) has nothing left to save to.
    if (!this.catalog.isOpen) return;
    completeReply(this.catalog, messageId, content, outcome);
    this.emit({
      type: 'chat.done',
      chatId,
      messageId,
      finish: outcome.finish,
      content,
      posterior: outcome.posterior,
      ...(outcome.error ? { error: outcome.error } : {}),
    });
  }

  private view(m: MessageRow): ChatMessageView {
    return {
      id: m.id,
      role: m.role,
      content: m.content,
      settings: m.settings,
      posterior: m.outcome?.posterior ?? null,
      finish: m.outcome?.finish ?? null,
      error: m.outcome?.error ?? null,
      pieces: m.outcome?.pieces ?? null,
      streaming: this.active.has(m.id),
      createdAt: m.createdAt,
    };
  }

  private refuseIfBusy(chatId: number): void {
    for (const [messageId, reply] of this.active) {
      if (reply.chatId === chatId)
        throw new GroveError(
          'conflict',
          `Chat ${chatId} is still writing reply ${messageId}; wait for it, or stop it (stopReply), first.`,
          { chatId, messageId },
        );
    }
  }

  private requireHost(): InferenceHost {
    if (!this.host)
      throw new GroveError(
        'unsupported',
        'This Grove process runs no inference worker, so it cannot chat; use the app, `grove serve`, or `grove chat`.',
      );
    return this.host;
  }
}
