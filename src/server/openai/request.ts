// The bodies of POST /v1/chat/completions and /v1/completions, checked as OpenAI checks them and turned into
// one Grove completion. Every field is one of: supported (mapped to Grove's sampling and reply settings),
// harmless (metadata that changes no output: accepted and ignored), accepted only at the value that asks for
// nothing Grove lacks (n=1, no tools, no penalties...), or unknown. A field that would change the output in a
// way Grove cannot honour is refused with a 400 naming it, never silently dropped.
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { CompletionRequest } from '../../app/api/completions';
import type { ChatMessage } from '../../engine/generate/chat-prompt';
import { DEFAULT_REPLY_TOKENS } from '../../shared/api/defaults';
import type { SamplingInput } from '../../engine/generate/sampling';
import { MAX_TOP_LOGPROBS } from '../../app/infer/token-logprobs';
import { ModelQuantSchema, type ModelQuant } from '../../shared/api/quant';
import { OpenAiError } from './openai-error';

/** Replies of the chat endpoint without max_tokens get this many tokens at most (as the app's chat). */
export const DEFAULT_CHAT_MAX_TOKENS = DEFAULT_REPLY_TOKENS;
/** OpenAI's documented default for /v1/completions. */
export const DEFAULT_COMPLETION_MAX_TOKENS = 16;
/** OpenAI's limits: 4 stop sequences, 5 alternatives per token on /v1/completions. */
const MAX_STOPS = 4;
const MAX_COMPLETION_LOGPROBS = 5;

export interface ParsedRequest {
  endpoint: 'chat' | 'completions';
  model: string;
  input: CompletionRequest['input'];
  sampling: SamplingInput;
  maxTokens: number;
  stop: string[];
  stream: boolean;
  /** stream_options.include_usage: a last chunk with the usage. */
  includeUsage: boolean;
  /** Alternatives per token when log-probabilities are asked for; undefined when not. */
  logprobs: number | undefined;
  /** /v1/completions' echo: the prompt is returned before the completion. */
  echo: boolean;
  /** Grove's own `quant`: the models' weights in f32 or block-quantized to 8 or 4 bits; undefined: f32. */
  quant: ModelQuant | undefined;
}

/** Fields that change no output (metadata, caching, storage hints): accepted and ignored. */
const HARMLESS = new Set(['user', 'metadata', 'store', 'service_tier', 'safety_identifier', 'prompt_cache_key', 'parallel_tool_calls']);

const isEmpty = (v: unknown): boolean =>
  Array.isArray(v) ? v.length === 0 : typeof v === 'object' && v !== null ? Object.keys(v).length === 0 : false;

/** Fields accepted only at a value that asks for nothing Grove cannot do: when the value is neutral, and why not. */
const NEUTRAL_ONLY: Record<string, { neutral(v: unknown): boolean; why: string }> = {
  n: { neutral: (v) => v === 1, why: 'Grove writes one choice per request (n=1); send several requests for several choices.' },
  best_of: { neutral: (v) => v === 1, why: 'Grove writes one candidate per request (best_of=1).' },
  presence_penalty: {
    neutral: (v) => v === 0,
    why: "Grove's sampling has no additive presence penalty; use repetition_penalty (e.g. 1.1), which divides the scores of tokens already in the text.",
  },
  frequency_penalty: {
    neutral: (v) => v === 0,
    why: "Grove's sampling has no additive frequency penalty; use repetition_penalty (e.g. 1.1), which divides the scores of tokens already in the text.",
  },
  logit_bias: { neutral: isEmpty, why: 'Grove does not bias token scores.' },
  tools: { neutral: isEmpty, why: "Grove's models do not call tools." },
  functions: { neutral: isEmpty, why: "Grove's models do not call functions." },
  tool_choice: { neutral: (v) => v === 'none' || v === 'auto', why: "Grove's models do not call tools." },
  function_call: { neutral: (v) => v === 'none' || v === 'auto', why: "Grove's models do not call functions." },
  response_format: {
    neutral: (v) => typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'text',
    why: 'Grove writes plain text; it cannot constrain a reply to JSON.',
  },
  modalities: { neutral: (v) => Array.isArray(v) && v.every((m) => m === 'text'), why: 'Grove writes text only.' },
  audio: { neutral: () => false, why: 'Grove writes text only.' },
  prediction: { neutral: () => false, why: 'Grove does not use predicted outputs.' },
  reasoning_effort: { neutral: () => false, why: "Grove's models have no reasoning setting." },
  verbosity: { neutral: () => false, why: "Grove's models have no verbosity setting." },
  web_search_options: { neutral: () => false, why: 'Grove does not search the web.' },
  suffix: { neutral: (v) => v === '', why: 'Grove continues text; it does not fill in text before a suffix.' },
};

const Stop = z.union([z.string(), z.array(z.string()).max(MAX_STOPS)], {
  error: `expected a string or an array of at most ${MAX_STOPS} strings`,
});

/** Supported by both endpoints; null is the same as absent, as in OpenAI's API. */
const common = {
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  temperature: z.number().min(0).max(2),
  top_p: z.number().min(0).max(1),
  stop: Stop,
  seed: z.number().int(),
  stream: z.boolean(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).strict(),
  /** Grove's own (as vLLM and llama.cpp name them): keep the k most likely tokens (0 = off). */
  top_k: z.number().int().min(0),
  /** Grove's own: > 1 divides the scores of tokens already in the text (1 = off). */
  repetition_penalty: z.number().gt(0).max(10),
  /** Grove's own: the models' weights, "f32" or block-quantized "8" or "4" bits (as `grove chat --quant`). */
  quant: ModelQuantSchema,
};

const TextPart = z.object({ type: z.literal('text'), text: z.string() }).strict();
const Message = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant']),
    content: z.union([z.string(), z.array(TextPart)]),
    // Only at values that ask for nothing: checked below, with the message's index.
    name: z.string().optional(),
    tool_calls: z.array(z.unknown()).nullable().optional(),
    refusal: z.string().nullable().optional(),
  })
  .strict();

const chatFields = z
  .object({
    ...common,
    messages: z.array(z.unknown()).min(1),
    max_completion_tokens: z.number().int().min(1),
    logprobs: z.boolean(),
    top_logprobs: z.number().int().min(0).max(MAX_TOP_LOGPROBS),
  })
  .partial()
  .required({ model: true, messages: true });

const completionFields = z
  .object({
    ...common,
    prompt: z.union([z.string(), z.array(z.string())], { error: 'expected a string (Grove takes prompts as text, not token ids)' }),
    logprobs: z.number().int().min(0).max(MAX_COMPLETION_LOGPROBS),
    echo: z.boolean(),
  })
  .partial()
  .required({ model: true, prompt: true });

type ZodIssue = z.core.$ZodIssue;

/** The value at `path` in `input` (undefined where there is none). */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

function issueError(issue: ZodIssue, input: unknown, prefix = ''): OpenAiError {
  const param =
    prefix + issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 && !prefix ? String(p) : `.${String(p)}`)).join('');
  if (issue.code !== 'unrecognized_keys' && valueAt(input, issue.path) === undefined)
    return OpenAiError.badRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  if (issue.code === 'invalid_type')
    return OpenAiError.badRequest(`Invalid type for '${param}': expected ${issue.expected}.`, param, 'invalid_type');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    return OpenAiError.badRequest(
      `Unrecognized request argument supplied: ${param ? `${param}.` : ''}${key}`,
      param ? `${param}.${key}` : key,
      'unknown_parameter',
    );
  }
  return OpenAiError.badRequest(`Invalid value for '${param}': ${issue.message}.`, param, 'invalid_value');
}

/** The body's fields sorted into those to parse; harmless ones dropped; the rest refused. */
function screen(body: unknown, supported: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw OpenAiError.badRequest('The request body must be a JSON object.', null, 'invalid_body');
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === null || value === undefined) continue;
    if (supported.includes(key)) kept[key] = value;
    else if (HARMLESS.has(key)) continue;
    else if (key in NEUTRAL_ONLY) {
      const rule = NEUTRAL_ONLY[key]!;
      if (!rule.neutral(value)) throw OpenAiError.badRequest(`Unsupported value for '${key}': ${rule.why}`, key, 'unsupported_value');
    } else throw OpenAiError.badRequest(`Unrecognized request argument supplied: ${key}`, key, 'unknown_parameter');
  }
  return kept;
}

/** OpenAI seeds are any integer; Grove's are 32-bit: the same seed always maps to the same one. */
const seed32 = (seed: number): number => ((seed % 2 ** 32) + 2 ** 32) % 2 ** 32;

function samplingOf(f: {
  temperature?: number;
  top_p?: number;
  top_k?: number;
  repetition_penalty?: number;
  seed?: number;
}): SamplingInput {
  return {
    // OpenAI's defaults (temperature 1, no nucleus), and no top-k or repetition penalty unless asked for.
    temperature: f.temperature ?? 1,
    // top_p 0 keeps the single most likely token, as the smallest positive nucleus does.
    topP: f.top_p === undefined ? 1 : Math.max(f.top_p, 1e-9),
    topK: f.top_k ?? 0,
    repetitionPenalty: f.repetition_penalty ?? 1,
    seed: f.seed === undefined ? randomInt(2 ** 32 - 1) : seed32(f.seed),
  };
}

const stopsOf = (stop: string | string[] | undefined): string[] =>
  (stop === undefined ? [] : typeof stop === 'string' ? [stop] : stop).filter((s) => s !== '');

function parseFields<T extends z.ZodType>(schema: T, kept: Record<string, unknown>): z.output<T> {
  const parsed = schema.safeParse(kept);
  if (!parsed.success) throw issueError(parsed.error.issues[0]!, kept);
  return parsed.data;
}

function chatMessages(raw: unknown[]): ChatMessage[] {
  return raw.map((m, i) => {
    const parsed = Message.safeParse(m);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      if (issue.path[0] === 'role' && issue.code === 'invalid_value') {
        const role = (m as { role?: unknown }).role;
        throw OpenAiError.badRequest(
          `Unsupported value for 'messages[${i}].role': ${JSON.stringify(role)} messages are not supported (Grove's models do not call tools); use system, developer, user or assistant.`,
          `messages[${i}].role`,
          'unsupported_value',
        );
      }
      throw issueError(issue, m, `messages[${i}]`);
    }
    const { role, content, name, tool_calls: calls, refusal } = parsed.data;
    if (name)
      throw OpenAiError.badRequest(
        `Unsupported value for 'messages[${i}].name': Grove's chat templates have no participant names; put the name in the content.`,
        `messages[${i}].name`,
        'unsupported_value',
      );
    if (calls?.length)
      throw OpenAiError.badRequest(
        `Unsupported value for 'messages[${i}].tool_calls': Grove's models do not call tools.`,
        `messages[${i}].tool_calls`,
        'unsupported_value',
      );
    if (refusal)
      throw OpenAiError.badRequest(
        `Unsupported value for 'messages[${i}].refusal': give the assistant's text as its content.`,
        `messages[${i}].refusal`,
        'unsupported_value',
      );
    // A developer message is the newer name of a system message.
    return {
      role: role === 'developer' ? 'system' : role,
      content: typeof content === 'string' ? content : content.map((p) => p.text).join(''),
    };
  });
}

export function parseChatRequest(body: unknown): ParsedRequest {
  const f = parseFields(chatFields, screen(body, Object.keys(chatFields.shape)));
  if (f.top_logprobs !== undefined && f.logprobs !== true)
    throw OpenAiError.badRequest("Invalid value for 'top_logprobs': it needs 'logprobs' set to true.", 'top_logprobs', 'invalid_value');
  return {
    endpoint: 'chat',
    model: f.model,
    input: { kind: 'chat', messages: chatMessages(f.messages) },
    sampling: samplingOf(f),
    maxTokens: f.max_completion_tokens ?? f.max_tokens ?? DEFAULT_CHAT_MAX_TOKENS,
    stop: stopsOf(f.stop),
    stream: f.stream === true,
    includeUsage: f.stream_options?.include_usage === true,
    logprobs: f.logprobs === true ? (f.top_logprobs ?? 0) : undefined,
    echo: false,
    quant: f.quant,
  };
}

export function parseCompletionRequest(body: unknown): ParsedRequest {
  const f = parseFields(completionFields, screen(body, Object.keys(completionFields.shape)));
  if (Array.isArray(f.prompt) && f.prompt.length !== 1)
    throw OpenAiError.badRequest(
      `Unsupported value for 'prompt': Grove completes one prompt per request; this one has ${f.prompt.length}.`,
      'prompt',
      'unsupported_value',
    );
  if (f.echo && f.logprobs !== undefined)
    throw OpenAiError.badRequest(
      "Unsupported value for 'echo': Grove returns log-probabilities of generated tokens only, not of the prompt; leave out echo or logprobs.",
      'echo',
      'unsupported_value',
    );
  const prompt = Array.isArray(f.prompt) ? f.prompt[0]! : f.prompt;
  return {
    endpoint: 'completions',
    model: f.model,
    input: { kind: 'text', text: prompt },
    sampling: samplingOf(f),
    maxTokens: f.max_tokens ?? DEFAULT_COMPLETION_MAX_TOKENS,
    stop: stopsOf(f.stop),
    stream: f.stream === true,
    includeUsage: f.stream_options?.include_usage === true,
    logprobs: f.logprobs,
    echo: f.echo === true,
    quant: f.quant,
  };
}
