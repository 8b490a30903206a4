// The objects the endpoint answers with, in OpenAI's shapes: chat.completion and its chunks, text_completion
// (whole and streamed), the two log-probability formats (chat's per-token list, completions' parallel
// arrays), usage, and Grove's extension field `grove` (the experts' posterior after the last token, the
// models that ran, the prior they started from) on the whole reply and on the last chunk of a stream.
import { randomBytes } from 'node:crypto';
import type { ExpertWeight } from '../../engine/generate/ensemble-decoder';
import type { TokenLogprob } from '../../app/infer/token-logprobs';
import type { ServedModel } from '../../app/api/served-models';

export type FinishReason = 'stop' | 'length';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface GroveExtension {
  /** Each model's weight after the reply's last token (one model: weight 1). */
  posterior: ExpertWeight[];
  models: string[];
  /** The prior the weights started from: a cached target ('mix'), 'uniform', 'manual' or 'model'. */
  prior: string;
}

export interface ResponseHead {
  id: string;
  created: number;
  model: string;
}

export function responseHead(endpoint: 'chat' | 'completions', model: string, now = Date.now()): ResponseHead {
  return {
    id: `${endpoint === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomBytes(12).toString('base64url')}`,
    created: Math.floor(now / 1000),
    model,
  };
}

export const usageOf = (prompt: number, completion: number): Usage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});

const choiceOf = ({ token, logprob, bytes }: { token: string; logprob: number; bytes: number[] }) => ({ token, logprob, bytes });

/** Chat's format: one entry per token with its alternatives. */
export function chatLogprobs(tokens: readonly TokenLogprob[]) {
  return { content: tokens.map((t) => ({ ...choiceOf(t), top_logprobs: t.top.map(choiceOf) })), refusal: null };
}

/** Completions' format: parallel arrays; `offset` is where the first token's text starts in the returned text. */
export function completionLogprobs(tokens: readonly TokenLogprob[], offset: number) {
  const text_offset: number[] = [];
  let at = offset;
  for (const t of tokens) {
    text_offset.push(at);
    at += t.token.length;
  }
  return {
    tokens: tokens.map((t) => t.token),
    token_logprobs: tokens.map((t) => t.logprob),
    top_logprobs: tokens.map((t) => Object.fromEntries(t.top.map((c) => [c.token, c.logprob]))),
    text_offset,
  };
}

export function chatCompletion(
  head: ResponseHead,
  o: { text: string; finish: FinishReason; usage: Usage; logprobs: readonly TokenLogprob[] | null; grove: GroveExtension },
) {
  return {
    ...head,
    object: 'chat.completion' as const,
    choices: [
      {
        index: 0,
        message: { role: 'assistant' as const, content: o.text, refusal: null },
        logprobs: o.logprobs ? chatLogprobs(o.logprobs) : null,
        finish_reason: o.finish,
      },
    ],
    usage: o.usage,
    grove: o.grove,
  };
}

export function chatChunk(
  head: ResponseHead,
  o: {
    delta: { role?: 'assistant'; content?: string };
    logprobs?: readonly TokenLogprob[] | null;
    finish?: FinishReason;
    grove?: GroveExtension;
  },
) {
  return {
    ...head,
    object: 'chat.completion.chunk' as const,
    choices: [{ index: 0, delta: o.delta, logprobs: o.logprobs ? chatLogprobs(o.logprobs) : null, finish_reason: o.finish ?? null }],
    ...(o.grove ? { grove: o.grove } : {}),
  };
}

export function textCompletion(
  head: ResponseHead,
  o: { text: string; finish: FinishReason; usage: Usage; logprobs: ReturnType<typeof completionLogprobs> | null; grove: GroveExtension },
) {
  return {
    ...head,
    object: 'text_completion' as const,
    choices: [{ index: 0, text: o.text, logprobs: o.logprobs, finish_reason: o.finish }],
    usage: o.usage,
    grove: o.grove,
  };
}

export function textChunk(
  head: ResponseHead,
  o: { text: string; logprobs?: ReturnType<typeof completionLogprobs> | null; finish?: FinishReason; grove?: GroveExtension },
) {
  return {
    ...head,
    object: 'text_completion' as const,
    choices: [{ index: 0, text: o.text, logprobs: o.logprobs ?? null, finish_reason: o.finish ?? null }],
    ...(o.grove ? { grove: o.grove } : {}),
  };
}

/** The last chunk of a stream with stream_options.include_usage: no choices, the usage. */
export function usageChunk(head: ResponseHead, endpoint: 'chat' | 'completions', usage: Usage) {
  return { ...head, object: endpoint === 'chat' ? ('chat.completion.chunk' as const) : ('text_completion' as const), choices: [], usage };
}

/** A /v1/models entry: OpenAI's fields, and Grove's metadata under `grove`. */
export function modelObject(m: ServedModel) {
  return {
    id: m.name,
    object: 'model' as const,
    created: Math.floor(Date.parse(m.createdAt) / 1000),
    owned_by: 'grove',
    grove: { kind: m.kind, parameters: m.parameters, domains: m.domains, models: m.models, ...(m.mix ? { mix: m.mix } : {}) },
  };
}
