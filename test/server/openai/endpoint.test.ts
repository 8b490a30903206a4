// The OpenAI-compatible endpoint driven by the official `openai` npm client against a tiny forest: the real
// service, the real inference worker (out/node/infer-worker.js) and `grove serve`'s HTTP server, in process.
// Models, chat and completions, streamed and whole, stop sequences, log-probabilities (checked against the
// model's own scores), saved mixes, OpenAI-shaped errors, a client that goes away mid-stream, 8 clients at
// once, the bounded queue's 429, and the Settings switch.
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroveService } from '../../../src/app/api/service';
import { continuationText } from '../../../src/engine/generate/chat-prompt';
import { nodeInferLauncher } from '../../../src/app/infer/node-launcher';
import { logSoftmax } from '../../../src/app/infer/token-logprobs';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { forestTokenizerDir } from '../../../src/app/store/init';
import { loadTokenizer } from '../../../src/engine/tokenize/load';
import { startServer, type RunningServer } from '../../../src/server/http-server';
import type { CompletionOutcome } from '../../../src/server/openai/completion-run';
import { OpenAiEndpoint } from '../../../src/server/openai/endpoint';
import type { GroveEvent } from '../../../src/shared/api';
import type { ModelQuant } from '../../../src/shared/api/quant';
import { writeTinyForest, type TinyForest } from '../../helpers/chat-forest';
import { assertBuilt, repoRoot } from '../../helpers/grove-process';
import { tempDir } from '../../helpers/tmp';

const KEY = 'test-openai-key-0123456789abcdef';
const dir = tempDir();
let forest: TinyForest;
let service: GroveService;
let server: RunningServer;
let endpoint: OpenAiEndpoint;
let client: OpenAI;
const settled: CompletionOutcome[] = [];
let onSettled: ((o: CompletionOutcome) => void) | null = null;

type GroveField = { grove: { posterior: { name: string; weight: number }[]; models: string[]; prior: string } };

beforeAll(async () => {
  assertBuilt();
  forest = await writeTinyForest(dir, ['law', 'med']);
  service = new GroveService({
    forestHome: forest.home,
    transport: 'http',
    inference: nodeInferLauncher(join(repoRoot, 'out/node/infer-worker.js')),
  });
  endpoint = new OpenAiEndpoint({
    completions: service.completions,
    key: KEY,
    onSettled: (o) => {
      settled.push(o);
      onSettled?.(o);
    },
  });
  server = await startServer({
    api: service,
    staticDir: join(dir, 'no-ui'),
    port: 0,
    token: 'grove-token-0123456789abcdef',
    openai: endpoint,
  });
  const view = await service.attachOpenAiEndpoint(
    endpoint.hostAt(() => server.url),
    true,
  );
  expect(view).toEqual({ enabled: true, url: `${server.url}/v1`, key: KEY, problem: null });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0 });
  await service.saveMix({ name: 'law-heavy', mix: { kind: 'manual', weights: { law: 0.8, med: 0.2 } } });
}, 60_000);
afterAll(async () => {
  await server?.close();
  service?.close();
});

/** The error a call throws (the test fails if it does not throw). */
async function failure(call: () => Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call();
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('the call did not fail');
}

const greedy = { temperature: 0 } as const;
const PROMPT = 'The forest grows one expert';
/** A prompt the tiny forest continues greedily without ever writing its end token (found by trying a few). */
const ENDLESS = 'Ensembles weigh experts';

/** Grove's own chat API's reply to the same message (the app's path), for comparison. */
async function groveChatReply(text: string, maxTokens: number, quant?: ModelQuant): Promise<string> {
  let id: number | undefined;
  const done = new Promise<string>((resolve) => {
    const off = service.onEvent((e: GroveEvent) => {
      if (e.type === 'chat.done' && e.messageId === id) {
        off();
        resolve(e.content);
      }
    });
  });
  id = (
    await service.sendMessage({
      text,
      mix: { kind: 'auto' },
      sampling: { temperature: 0, repetitionPenalty: 1 },
      maxTokens,
      ...(quant ? { quant } : {}),
    })
  ).replyMessageId;
  return done;
}

describe('the OpenAI-compatible endpoint, through the official client', () => {
  it('lists forest, the saved mixes and every ready model, with Grove’s metadata', async () => {
    const models = [];
    for await (const m of client.models.list()) models.push(m);
    expect(models.map((m) => m.id)).toEqual(['forest', 'law-heavy', forest.seed, 'law', 'med']);
    const byId = Object.fromEntries(
      models.map((m) => [
        m.id,
        m as typeof m & { grove: { kind: string; models: string[]; parameters: number | null; domains: string[] } },
      ]),
    );
    expect(byId.forest!.grove).toMatchObject({ kind: 'forest', models: ['law', 'med'] });
    expect(byId['law-heavy']!.grove).toMatchObject({
      kind: 'mix',
      models: ['law', 'med'],
      mix: { kind: 'manual', weights: { law: 0.8, med: 0.2 } },
    });
    expect(byId.law!.grove).toMatchObject({ kind: 'expert', models: ['law'] });
    expect(byId.law!.grove.parameters).toBeGreaterThan(0);
    expect(byId.forest!.grove.parameters).toBe(2 * byId.law!.grove.parameters!);
    expect(byId[forest.seed]!.grove.kind).toBe('seed');
    for (const m of models) expect(m).toMatchObject({ object: 'model', owned_by: 'grove' });
    expect((await client.models.retrieve('law')).id).toBe('law');
    const missing = await failure(() => client.models.retrieve('nope'));
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing.code).toBe('model_not_found');
  });

  it('answers a chat as Grove’s own chat does, with usage and the posterior', async () => {
    const reply = await client.chat.completions.create({
      model: 'forest',
      messages: [{ role: 'user', content: PROMPT }],
      max_tokens: 12,
      ...greedy,
    });
    const choice = reply.choices[0]!;
    expect(reply.object).toBe('chat.completion');
    expect(reply.model).toBe('forest');
    expect(choice.message.role).toBe('assistant');
    expect(choice.message.content!.length).toBeGreaterThan(0);
    expect(choice.logprobs).toBeNull();
    expect(['stop', 'length']).toContain(choice.finish_reason);
    const tokenizer = await loadTokenizer(forestTokenizerDir(forest.home));
    expect(reply.usage!.prompt_tokens).toBe(
      tokenizer.encode(continuationText([{ role: 'user', content: PROMPT }]), { addSpecialTokens: true }).length,
    );
    expect(reply.usage!.completion_tokens).toBeGreaterThan(0);
    expect(reply.usage!.completion_tokens).toBeLessThanOrEqual(12);
    expect(reply.usage!.total_tokens).toBe(reply.usage!.prompt_tokens + reply.usage!.completion_tokens);
    const { grove } = reply as typeof reply & GroveField;
    expect(grove.models).toEqual(['law', 'med']);
    expect(grove.prior).toBe('uniform');
    expect(grove.posterior.map((w) => w.name)).toEqual(['law', 'med']);
    expect(grove.posterior.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(1, 9);
    // The same models, prompt and greedy decoding as the app's chat: the same text.
    expect(choice.message.content).toBe(await groveChatReply(PROMPT, 12));
  });

  it('answers with block-quantized weights when asked (Grove’s own quant field), as Grove’s chat does at that choice', async () => {
    // The OpenAI client sends fields it does not know as they are (a body extra).
    const reply = await client.chat.completions.create({
      model: 'forest',
      messages: [{ role: 'user', content: PROMPT }],
      max_tokens: 12,
      ...greedy,
      quant: '8',
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(reply.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(reply.choices[0]!.message.content).toBe(await groveChatReply(PROMPT, 12, '8'));
    const bad = await failure(() =>
      client.chat.completions.create({
        model: 'forest',
        messages: [{ role: 'user', content: PROMPT }],
        quant: '2',
      } as OpenAI.ChatCompletionCreateParamsNonStreaming),
    );
    expect(bad.status).toBe(400);
    expect(bad.param).toBe('quant');
  });

  it('streams the same reply as server-sent events, the posterior on the last chunk and the usage after it', async () => {
    const whole = await client.chat.completions.create({
      model: 'forest',
      messages: [{ role: 'user', content: PROMPT }],
      max_tokens: 16,
      ...greedy,
    });
    const stream = await client.chat.completions.create({
      model: 'forest',
      messages: [{ role: 'user', content: PROMPT }],
      max_tokens: 16,
      stream: true,
      stream_options: { include_usage: true },
      ...greedy,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(whole.choices[0]!.message.content);
    const last = chunks.at(-2)!;
    expect(last.choices[0]!.finish_reason).toBe(whole.choices[0]!.finish_reason);
    expect((last as typeof last & GroveField).grove.posterior).toEqual((whole as typeof whole & GroveField).grove.posterior);
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual(whole.usage);
    // Every chunk but the last two carries text (no empty pieces), and all share one id.
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    for (const c of chunks.slice(1, -2)) expect(c.choices[0]!.delta.content!.length).toBeGreaterThan(0);
  });

  it('continues text on /v1/completions, whole, streamed and echoed', async () => {
    const whole = await client.completions.create({ model: 'law', prompt: PROMPT, max_tokens: 10, ...greedy });
    expect(whole.object).toBe('text_completion');
    expect(whole.usage!.completion_tokens).toBeLessThanOrEqual(10);
    expect((whole as typeof whole & GroveField).grove).toEqual({
      posterior: [{ name: 'law', weight: 1 }],
      models: ['law'],
      prior: 'model',
    });
    const stream = await client.completions.create({ model: 'law', prompt: PROMPT, max_tokens: 10, stream: true, ...greedy });
    let text = '';
    let finish: string | null = null;
    for await (const c of stream) {
      text += c.choices[0]!.text;
      finish = c.choices[0]!.finish_reason ?? finish;
    }
    expect(text).toBe(whole.choices[0]!.text);
    expect(finish).toBe(whole.choices[0]!.finish_reason);
    const echoed = await client.completions.create({ model: 'law', prompt: PROMPT, max_tokens: 10, echo: true, ...greedy });
    expect(echoed.choices[0]!.text).toBe(PROMPT + whole.choices[0]!.text);
    // Without max_tokens, OpenAI's default of 16.
    const short = await client.completions.create({ model: 'law', prompt: PROMPT, ...greedy });
    expect(short.usage!.completion_tokens).toBeLessThanOrEqual(16);
  });

  it('stops before a stop sequence, whole and streamed, and says finish_reason stop', async () => {
    const free = await client.completions.create({ model: 'med', prompt: PROMPT, max_tokens: 32, ...greedy });
    const text = free.choices[0]!.text;
    expect(text.length).toBeGreaterThan(12);
    const stop = text.slice(6, 9);
    const cut = text.slice(0, text.indexOf(stop));
    const stopped = await client.completions.create({
      model: 'med',
      prompt: PROMPT,
      max_tokens: 32,
      stop: [stop, 'never-there'],
      ...greedy,
    });
    expect(stopped.choices[0]!.text).toBe(cut);
    expect(stopped.choices[0]!.finish_reason).toBe('stop');
    const stream = await client.completions.create({ model: 'med', prompt: PROMPT, max_tokens: 32, stop, stream: true, ...greedy });
    let streamed = '';
    for await (const c of stream) streamed += c.choices[0]!.text;
    expect(streamed).toBe(cut);
  });

  it('gives each token’s log-probability and the most likely alternatives, as the model scores them', async () => {
    const reply = await client.chat.completions.create({
      model: 'law',
      messages: [{ role: 'user', content: PROMPT }],
      max_tokens: 6,
      logprobs: true,
      top_logprobs: 3,
      ...greedy,
    });
    const content = reply.choices[0]!.logprobs!.content!;
    expect(content.length).toBe(reply.usage!.completion_tokens);
    for (const t of content) {
      expect(t.top_logprobs.length).toBe(3);
      // Greedy: the token written is the most likely one.
      expect(t.top_logprobs[0]).toEqual({ token: t.token, logprob: t.logprob, bytes: t.bytes });
      expect(t.top_logprobs[1]!.logprob).toBeLessThanOrEqual(t.top_logprobs[0]!.logprob);
      expect(t.bytes).toEqual([...Buffer.from(t.token, 'utf8')]);
    }
    // The first token's figures against the model run here, on the same prompt.
    const tokenizer = await loadTokenizer(forestTokenizerDir(forest.home));
    const ids = Array.from(tokenizer.encode(continuationText([{ role: 'user', content: PROMPT }]), { addSpecialTokens: true }));
    const model = await LlamaModel.open(join(dir, 'law'));
    try {
      const log = logSoftmax(await model.decoder().prefill(ids));
      const order = Array.from(log.keys()).sort((a, b) => log[b]! - log[a]!);
      content[0]!.top_logprobs.forEach((alt, i) => {
        expect(alt.token).toBe(tokenizer.decode([order[i]!], { skipSpecialTokens: false }));
        expect(alt.logprob).toBeCloseTo(log[order[i]!]!, 4);
      });
    } finally {
      await model.close();
    }

    const text = await client.completions.create({ model: 'law', prompt: PROMPT, max_tokens: 5, logprobs: 2, ...greedy });
    const lp = text.choices[0]!.logprobs!;
    expect(lp.tokens!.length).toBe(text.usage!.completion_tokens);
    expect(lp.token_logprobs![0]).toBeCloseTo(content[0]!.logprob, 6);
    expect(Object.keys(lp.top_logprobs![0]!).length).toBeLessThanOrEqual(2);
    expect(lp.text_offset![0]).toBe(0);
    expect(lp.text_offset![1]).toBe(lp.tokens![0]!.length);
  });

  it('serves a saved mix by its name, with its fixed weights', async () => {
    const reply = await client.chat.completions.create({
      model: 'law-heavy',
      messages: [{ role: 'user', content: PROMPT }],
      max_tokens: 4,
      ...greedy,
    });
    const { grove } = reply as typeof reply & GroveField;
    expect(grove.models).toEqual(['law', 'med']);
    expect(grove.prior).toBe('manual');
    expect(grove.posterior[0]!.weight).toBeCloseTo(0.8, 9);
    expect(grove.posterior[1]!.weight).toBeCloseTo(0.2, 9);
  });

  it('answers errors in OpenAI’s shape: 401, 404, 400 naming the field', async () => {
    const wrongKey = await failure(() => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'not-the-key', maxRetries: 0 }).models.list());
    expect(wrongKey).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(wrongKey.code).toBe('invalid_api_key');
    const grovesToken = await failure(() => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: server.token, maxRetries: 0 }).models.list());
    expect(grovesToken.status).toBe(401);

    const unknown = await failure(() => client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }));
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown).toMatchObject({ code: 'model_not_found', param: 'model', type: 'invalid_request_error' });

    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ frobnicate: true }, 'frobnicate', /Unrecognized request argument supplied: frobnicate/],
      [{ presence_penalty: 0.5 }, 'presence_penalty', /repetition_penalty/],
      [{ frequency_penalty: 1 }, 'frequency_penalty', /no additive frequency penalty/],
      [{ n: 2 }, 'n', /one choice per request/],
      [{ tools: [{ type: 'function', function: { name: 'f' } }] }, 'tools', /do not call tools/],
      [{ response_format: { type: 'json_object' } }, 'response_format', /JSON/],
      [{ temperature: 3 }, 'temperature', /Invalid value for 'temperature'/],
      [{ max_tokens: 'many' }, 'max_tokens', /Invalid type for 'max_tokens'/],
      [{ top_logprobs: 2 }, 'top_logprobs', /logprobs/],
      [{ messages: [{ role: 'tool', content: 'x', tool_call_id: 'a' }] }, 'messages[0].role', /tool/],
      [{ messages: [{ role: 'user', content: 'x', name: 'ann' }] }, 'messages[0].name', /names/],
    ];
    for (const [extra, param, message] of cases) {
      const body = {
        model: 'forest',
        messages: [{ role: 'user', content: 'hi' }],
        ...extra,
      } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
      const err = await failure(() => client.chat.completions.create(body));
      expect(err, JSON.stringify(extra)).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.param, JSON.stringify(extra)).toBe(param);
      expect(err.message, JSON.stringify(extra)).toMatch(message);
    }
    // Harmless fields and neutral values are accepted.
    const fine = await client.chat.completions.create({
      model: 'law',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 2,
      n: 1,
      presence_penalty: 0,
      user: 'someone',
      metadata: { a: 'b' },
      tool_choice: 'none',
      ...greedy,
    });
    expect(fine.choices.length).toBe(1);
    // A conversation Grove cannot reply to is a 400 with the engine's reason.
    const noUser = await failure(() => client.chat.completions.create({ model: 'law', messages: [{ role: 'assistant', content: 'hi' }] }));
    expect(noUser.status).toBe(400);
    expect(noUser.message).toMatch(/ends with a user message/);
  });

  it('answers a 500 when the inference worker dies under a request, and an error event mid-stream', async () => {
    const pending = failure(() => client.completions.create({ model: 'forest', prompt: ENDLESS, max_tokens: 1500, ...greedy }));
    // Killed as soon as the request is in the worker's hands.
    while (endpoint.admission.inFlight === 0) await new Promise((resolve) => setImmediate(resolve));
    service.inferenceHost!.killWorker();
    const err = await pending;
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.message).toMatch(/inference worker/);

    const stream = await client.completions.create({ model: 'forest', prompt: ENDLESS, max_tokens: 1500, stream: true, ...greedy });
    const broken = await failure(async () => {
      for await (const c of stream) if (c.choices[0]!.text) service.inferenceHost!.killWorker();
    });
    expect(broken.message).toMatch(/inference worker was killed/);
    // The next request starts a fresh worker.
    expect((await client.completions.create({ model: 'law', prompt: PROMPT, max_tokens: 2, ...greedy })).choices.length).toBe(1);
  });

  it('stops generating when a client goes away mid-stream', async () => {
    const full = await client.completions.create({ model: 'forest', prompt: ENDLESS, max_tokens: 1200, ...greedy });
    expect(full.usage!.completion_tokens).toBe(1200); // it would have run to the end
    const ended = new Promise<CompletionOutcome>((resolve) => (onSettled = resolve));
    const controller = new AbortController();
    const stream = await client.completions.create(
      { model: 'forest', prompt: ENDLESS, max_tokens: 1200, stream: true, ...greedy },
      { signal: controller.signal },
    );
    let pieces = 0;
    for await (const c of stream) {
      if (c.choices[0]!.text && ++pieces === 3) {
        controller.abort();
        break;
      }
    }
    const outcome = await ended;
    onSettled = null;
    expect(outcome.abandoned).toBe(true);
    expect(outcome.result.finish).toBe('aborted');
    expect(outcome.result.tokens).toBeLessThan(1200);

    // A client waiting for a whole answer that gives up: the same.
    while (endpoint.admission.inFlight > 0) await new Promise((resolve) => setImmediate(resolve));
    const waited = new Promise<CompletionOutcome>((resolve) => (onSettled = resolve));
    const patience = new AbortController();
    const whole = failure(() =>
      client.completions.create({ model: 'forest', prompt: ENDLESS, max_tokens: 1200, ...greedy }, { signal: patience.signal }),
    );
    while (endpoint.admission.inFlight === 0) await new Promise((resolve) => setImmediate(resolve));
    patience.abort();
    expect(await whole).toBeInstanceOf(OpenAI.APIUserAbortError);
    const gaveUp = await waited;
    onSettled = null;
    expect(gaveUp).toMatchObject({ abandoned: true, result: { finish: 'aborted' } });
    expect(gaveUp.result.tokens).toBeLessThan(1200);
  });

  it('serves 8 clients at once, each its own reply', async () => {
    const ask = (i: number, stream: boolean) => {
      const params = {
        model: i % 2 ? 'forest' : 'law',
        messages: [{ role: 'user' as const, content: `${PROMPT} ${i}` }],
        max_tokens: 8,
        ...greedy,
      };
      if (!stream) return client.chat.completions.create(params).then((r) => r.choices[0]!.message.content!);
      return client.chat.completions.create({ ...params, stream: true }).then(async (s) => {
        let text = '';
        for await (const c of s) text += c.choices[0]?.delta.content ?? '';
        return text;
      });
    };
    const together = await Promise.all(Array.from({ length: 8 }, (_, i) => ask(i, i % 4 < 2)));
    const alone: string[] = [];
    for (let i = 0; i < 8; i++) alone.push(await ask(i, false));
    expect(together).toEqual(alone);
  });

  it('refuses requests past the queue with 429 and Retry-After', async () => {
    const small = new OpenAiEndpoint({ completions: service.completions, key: KEY, queueLimit: 2 });
    small.on = true;
    const other = await startServer({
      api: service,
      staticDir: join(dir, 'no-ui'),
      port: 0,
      token: 'grove-token-0123456789abcdef',
      openai: small,
    });
    try {
      const busy = new OpenAI({ baseURL: `${other.url}/v1`, apiKey: KEY, maxRetries: 0 });
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, () => busy.completions.create({ model: 'forest', prompt: PROMPT, max_tokens: 400, ...greedy })),
      );
      expect(results.filter((r) => r.status === 'fulfilled').length).toBe(2);
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as InstanceType<typeof OpenAI.APIError>] : []));
      expect(refused.length).toBe(2);
      for (const err of refused) {
        expect(err).toBeInstanceOf(OpenAI.RateLimitError);
        expect(err.code).toBe('rate_limit_exceeded');
        expect(Number(err.headers!.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
      expect(small.admission.inFlight).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('is switched off and on by the service (the Settings switch)', async () => {
    expect(await service.setOpenaiEndpoint({ enabled: false })).toEqual({ enabled: false, url: null, key: null, problem: null });
    const off = await failure(() => client.models.list());
    expect(off.status).toBe(404);
    expect(off.code).toBe('endpoint_off');
    expect(off.message).toMatch(/Settings|--openai/);
    expect(await service.setOpenaiEndpoint({ enabled: true })).toMatchObject({ enabled: true, url: `${server.url}/v1`, key: KEY });
    expect((await client.models.retrieve('forest')).id).toBe('forest');
  });
});
