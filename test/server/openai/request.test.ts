// Request bodies as OpenAI sends them, turned into one Grove completion: OpenAI's defaults, the mapping of each
// supported field, harmless fields and nulls ignored, and every refusal a 400 that names the field.
import { describe, expect, it } from 'vitest';
import { OpenAiError } from '../../../src/server/openai/openai-error';
import { parseChatRequest, parseCompletionRequest } from '../../../src/server/openai/request';

const chat = (extra: Record<string, unknown> = {}) =>
  parseChatRequest({ model: 'forest', messages: [{ role: 'user', content: 'hi' }], ...extra });

function refusal(parse: () => unknown): OpenAiError {
  try {
    parse();
  } catch (err) {
    if (err instanceof OpenAiError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('chat completion requests', () => {
  it('takes OpenAI’s defaults: temperature 1, no nucleus, no top-k or penalty, a random seed, 256 tokens', () => {
    const r = chat();
    expect(r).toMatchObject({
      endpoint: 'chat',
      model: 'forest',
      maxTokens: 256,
      stop: [],
      stream: false,
      includeUsage: false,
      logprobs: undefined,
      echo: false,
    });
    expect(r.sampling).toMatchObject({ temperature: 1, topP: 1, topK: 0, repetitionPenalty: 1 });
    // A random 32-bit seed per request: twenty requests without one do not all get the same seed.
    const seeds = new Set(Array.from({ length: 20 }, () => chat().sampling.seed));
    expect(seeds.size).toBeGreaterThan(1);
    for (const seed of seeds) expect(Number.isInteger(seed) && seed! >= 0 && seed! < 2 ** 32, String(seed)).toBe(true);
    expect(r.input).toEqual({ kind: 'chat', messages: [{ role: 'user', content: 'hi' }] });
  });

  it('maps every supported field', () => {
    const r = chat({
      temperature: 0.2,
      top_p: 0.9,
      top_k: 5,
      repetition_penalty: 1.2,
      seed: 7,
      max_tokens: 9,
      stop: 'END',
      stream: true,
      stream_options: { include_usage: true },
      logprobs: true,
      top_logprobs: 4,
    });
    expect(r.sampling).toEqual({ temperature: 0.2, topP: 0.9, topK: 5, repetitionPenalty: 1.2, seed: 7 });
    expect(r).toMatchObject({ maxTokens: 9, stop: ['END'], stream: true, includeUsage: true, logprobs: 4 });
    expect(chat({ max_tokens: 9, max_completion_tokens: 3 }).maxTokens).toBe(3);
    expect(chat({ logprobs: true }).logprobs).toBe(0);
    expect(chat({ logprobs: false }).logprobs).toBeUndefined();
    expect(chat({ stop: ['a', '', 'b'] }).stop).toEqual(['a', 'b']);
    // top_p 0: the single most likely token, as the smallest nucleus.
    expect(chat({ top_p: 0 }).sampling.topP).toBeGreaterThan(0);
    // Any integer seed, the same 32-bit seed each time.
    expect(chat({ seed: -1 }).sampling.seed).toBe(2 ** 32 - 1);
    expect(chat({ seed: 2 ** 32 + 5 }).sampling.seed).toBe(5);
    // Grove's own quant: the weights every model runs with; absent is f32.
    expect(chat().quant).toBeUndefined();
    expect(chat({ quant: '4' }).quant).toBe('4');
    expect(parseCompletionRequest({ model: 'forest', prompt: 'x', quant: '8' }).quant).toBe('8');
    expect(refusal(() => chat({ quant: 8 })).param).toBe('quant');
    expect(refusal(() => chat({ quant: 'q4_0' })).param).toBe('quant');
  });

  it('reads message roles and text parts; a developer message is a system message', () => {
    const r = chat({
      messages: [
        { role: 'developer', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'one ' },
            { type: 'text', text: 'two' },
          ],
        },
        { role: 'assistant', content: 'three', refusal: null, tool_calls: [] },
        { role: 'user', content: 'four' },
      ],
    });
    expect(r.input).toEqual({
      kind: 'chat',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'one two' },
        { role: 'assistant', content: 'three' },
        { role: 'user', content: 'four' },
      ],
    });
  });

  it('ignores nulls and harmless fields, and accepts neutral values', () => {
    expect(() =>
      chat({
        temperature: null,
        user: 'u',
        metadata: { a: 1 },
        store: false,
        service_tier: 'auto',
        n: 1,
        presence_penalty: 0,
        frequency_penalty: 0,
        logit_bias: {},
        tools: [],
        response_format: { type: 'text' },
        parallel_tool_calls: true,
      }),
    ).not.toThrow();
  });

  it('refuses with a 400 naming the field', () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ model: undefined }, 'model', 'missing_required_parameter'],
      [{ messages: [] }, 'messages', 'invalid_value'],
      [{ max_tokens: 0 }, 'max_tokens', 'invalid_value'],
      [{ top_p: 1.5 }, 'top_p', 'invalid_value'],
      [{ stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', 'invalid_value'],
      [{ stream_options: { include_obfuscation: true } }, 'stream_options.include_obfuscation', 'unknown_parameter'],
      [{ logit_bias: { '1': 5 } }, 'logit_bias', 'unsupported_value'],
      [{ audio: { voice: 'x' } }, 'audio', 'unsupported_value'],
      [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }, 'messages[0].content', 'invalid_value'],
      [{ messages: [{ role: 'user' }] }, 'messages[0].content', 'missing_required_parameter'],
      [{ messages: [{ role: 'assistant', content: 'x', tool_calls: [{ id: 'a' }] }] }, 'messages[0].tool_calls', 'unsupported_value'],
      [{ messages: [{ role: 'user', content: 'x', extra: 1 }] }, 'messages[0].extra', 'unknown_parameter'],
    ];
    for (const [extra, param, code] of cases) {
      const err = refusal(() => chat(extra));
      expect([err.status, err.param, err.code], JSON.stringify(extra)).toEqual([400, param, code]);
      expect(err.body().error.type).toBe('invalid_request_error');
    }
    expect(refusal(() => parseChatRequest([1, 2])).message).toMatch(/JSON object/);
  });
});

describe('completion requests', () => {
  it('continues one prompt, 16 tokens by default, with echo and logprobs', () => {
    const r = parseCompletionRequest({ model: 'law', prompt: 'Once' });
    expect(r).toMatchObject({
      endpoint: 'completions',
      input: { kind: 'text', text: 'Once' },
      maxTokens: 16,
      echo: false,
      logprobs: undefined,
    });
    expect(parseCompletionRequest({ model: 'law', prompt: ['Once'], echo: true }).input).toEqual({ kind: 'text', text: 'Once' });
    expect(parseCompletionRequest({ model: 'law', prompt: 'x', logprobs: 3 }).logprobs).toBe(3);
    expect(parseCompletionRequest({ model: 'law', prompt: 'x', suffix: '', best_of: 1 }).echo).toBe(false);
  });

  it('refuses several prompts, token ids, a suffix, echo with logprobs, more than 5 alternatives', () => {
    expect(refusal(() => parseCompletionRequest({ model: 'law', prompt: ['a', 'b'] })).message).toMatch(/one prompt per request/);
    expect(refusal(() => parseCompletionRequest({ model: 'law', prompt: [1, 2, 3] })).message).toMatch(/not token ids/);
    expect(refusal(() => parseCompletionRequest({ model: 'law', prompt: 'x', suffix: 'end' })).param).toBe('suffix');
    expect(refusal(() => parseCompletionRequest({ model: 'law', prompt: 'x', echo: true, logprobs: 1 })).param).toBe('echo');
    expect(refusal(() => parseCompletionRequest({ model: 'law', prompt: 'x', logprobs: 6 })).param).toBe('logprobs');
    expect(refusal(() => parseCompletionRequest({ model: 'law', prompt: 'x', messages: [] })).message).toMatch(
      /Unrecognized request argument supplied: messages/,
    );
  });
});
