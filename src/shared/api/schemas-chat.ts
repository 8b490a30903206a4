// GroveApi's chat calls: conversations with one model or a mix of experts (btm.md "Use the forest"), kept
// in the catalog. sendMessage and regenerate return at once; the reply streams as 'chat.token' events
// (the text delta and the experts' weights after that token) and ends with one 'chat.done' event.
import { z } from 'zod';
import { ModelQuantSchema } from './quant';
import { Threads } from './schemas-forest';

const ModelName = z.string().min(1).max(200);
const Id = z.number().int().positive();

/**
 * Which models answer, and how they are weighed:
 * - auto: every ready expert of the forest (the seed when there is none), the cached prior of this chat
 *   if one is stored, else the forest's 'mix' prior, else uniform; then the live domain posterior.
 *   topK keeps the k experts of largest prior (only those run). routing 'clusters' (c-BTM): instead of the
 *   posterior, the experts a discovery grew, weighed by the distance of the conversation's text to their clusters'
 *   centres (the clusterer kept with the forest; no expert runs to route), fixed for the reply; topK keeps the k nearest.
 * - manual: fixed weights by model name (the sliders); models with weight 0 do not run.
 * - model: one model alone, at one model's cost (e.g. a collapsed model).
 */
export const ChatMix = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('auto'),
      topK: z.number().int().min(1).max(64).optional(),
      posterior: z.enum(['context', 'last-token']).optional(),
      /** Context posterior: how many recent tokens count (default 256); 0 = the prior alone. */
      window: z.number().int().min(0).max(1_000_000).optional(),
      routing: z.enum(['posterior', 'clusters']).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('manual'),
      weights: z
        .record(ModelName, z.number().min(0).max(1e6))
        .refine((w) => Object.keys(w).length >= 1 && Object.keys(w).length <= 64, 'give 1 to 64 models')
        .refine((w) => Object.values(w).some((v) => v > 0), 'give at least one model a weight above 0'),
    })
    .strict(),
  z.object({ kind: z.literal('model'), model: ModelName }).strict(),
]);

/** Sampling, as `grove generate` has it; omitted fields take the CLI's defaults. */
export const ChatSampling = z
  .object({
    /** 0 = greedy. Default 0.8. */
    temperature: z.number().min(0).max(10).optional(),
    /** Keep the k most likely tokens (0 = off). Default 40. */
    topK: z.number().int().min(0).max(1_000_000).optional(),
    /** Nucleus (1 = off). Default 0.95. */
    topP: z.number().gt(0).max(1).optional(),
    /** > 1 discourages repeats (1 = off). Default 1.1. */
    repetitionPenalty: z.number().gt(0).max(10).optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
  })
  .strict();

export const ExpertShare = z.object({ name: z.string(), weight: z.number() });

/** How a reply ended: generation's reasons, or 'error' (the message says why). */
export const ChatFinish = z.enum(['stop-token', 'stop-string', 'length', 'context', 'aborted', 'error']);

/** What a reply was generated with, as resolved when it started. */
export const ReplySettings = z.object({
  mix: ChatMix,
  /** The models that took part, in the order of the weights. */
  models: z.array(z.string()),
  /** The prior used: 'chat:ID' or 'mix' (cached), 'uniform', 'manual' or 'model'. */
  prior: z.string(),
  sampling: z.object({ temperature: z.number(), topK: z.number(), topP: z.number(), repetitionPenalty: z.number(), seed: z.number() }),
  maxTokens: z.number().int(),
  /** The weights every model ran with (replies before this field: f32). */
  quant: ModelQuantSchema.optional(),
});

export const ChatMessageView = z.object({
  id: z.number().int(),
  role: z.enum(['user', 'assistant', 'system']),
  content: z.string(),
  /** Replies only. */
  settings: ReplySettings.nullable(),
  /** Each model's weight after the reply's last token; null for user messages and unfinished replies. */
  posterior: z.array(ExpertShare).nullable(),
  finish: ChatFinish.nullable(),
  error: z.string().nullable(),
  /**
   * The finished reply as it streamed: each piece of text with each model's weight after it, in the order
   * of `posterior`'s names (for per-token colouring after a reload). Null for user messages, one-model
   * replies, and replies still streaming.
   */
  pieces: z.array(z.object({ text: z.string(), weights: z.array(z.number()) })).nullable(),
  /** True while the reply is being generated (its text arrives as chat.token events). */
  streaming: z.boolean(),
  createdAt: z.string(),
});

export const ChatSummary = z.object({
  id: z.number().int(),
  title: z.string(),
  createdAt: z.string(),
  lastMessageAt: z.string().nullable(),
  messages: z.number().int(),
});

export const ChatView = z.object({ id: z.number().int(), title: z.string(), createdAt: z.string(), messages: z.array(ChatMessageView) });

export const SentMessage = z.object({ chatId: z.number().int(), userMessageId: z.number().int(), replyMessageId: z.number().int() });

const ReplyOptions = {
  sampling: ChatSampling.optional(),
  /** New tokens at most (default 256). */
  maxTokens: z.number().int().min(1).max(8192).optional(),
  /** CPU threads for the models of this reply (0 or omitted: every core). */
  threads: Threads.optional(),
  /** Every model's weights in f32 or block-quantized to 8 or 4 bits (default f32; regenerate: the reply's own). */
  quant: ModelQuantSchema.optional(),
};

export const chatSchemas = {
  /** The forest's chats, most recently active first. */
  chats: { input: z.object({}).strict(), output: z.array(ChatSummary) },
  chat: { input: z.object({ chatId: Id }).strict(), output: ChatView },
  /** Deletes a chat and its messages (a reply in progress is stopped first). */
  deleteChat: { input: z.object({ chatId: Id }).strict(), output: z.object({ deleted: z.number().int() }) },
  /** Adds a user message (to a new chat when chatId is omitted) and starts the reply. */
  sendMessage: {
    input: z
      .object({ chatId: Id.optional(), text: z.string().min(1).max(100_000), mix: ChatMix.default({ kind: 'auto' }), ...ReplyOptions })
      .strict(),
    output: SentMessage,
  },
  /** Stops a reply in progress; what was generated so far is kept. */
  stopReply: { input: z.object({ messageId: Id }).strict(), output: z.object({ stopped: z.boolean() }) },
  /**
   * Replaces the chat's last reply with a new one (a new message id), by default with the same mix and
   * sampling but a fresh seed.
   */
  regenerate: { input: z.object({ messageId: Id, mix: ChatMix.optional(), ...ReplyOptions }).strict(), output: SentMessage },
} as const;

export type ChatMix = z.output<typeof ChatMix>;
export type ChatSampling = z.output<typeof ChatSampling>;
export type ChatFinish = z.output<typeof ChatFinish>;
export type ReplySettings = z.output<typeof ReplySettings>;
export type ChatMessageView = z.output<typeof ChatMessageView>;
export type ChatSummary = z.output<typeof ChatSummary>;
export type ChatView = z.output<typeof ChatView>;
export type SentMessage = z.output<typeof SentMessage>;
