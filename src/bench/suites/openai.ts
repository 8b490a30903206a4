// Bench suite "openai": what the OpenAI-compatible endpoint costs over Grove's own chat API. One `grove serve
// --openai` (a child process, as people run it) on a forest whose seed has the small shape; the same prompt
// asked, greedily, through both: the endpoint's POST /v1/chat/completions streamed as server-sent events (read
// with node:http, and with fetch as the official `openai` package reads it), and the app's path (POST
// /api/call/sendMessage, tokens as chat.token events on the WebSocket). Each round starts with another path, so
// load drift on a shared machine falls on all; the first round warms up. All must write the same text, else the
// figures would compare different work.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { catalogPath } from '../../app/home';
import { parseModelConfig, type ModelConfigInput } from '../../engine/model/config';
import { writeModelFolder } from '../../engine/model/folder';
import { initParameters } from '../../engine/model/init';
import { initForestFromModel } from '../../app/store/init';
import { brownDocuments, saveTokenizerFiles, trainByteLevelBpe } from '../../engine/tokenize';
import type { Figure } from '../report';
import type { BenchContext, BenchSuite } from '../run';

/** The ensemble suite's small shape, with a tokenizer of its vocabulary trained on the Brown corpus. */
const SMALL: ModelConfigInput = {
  architecture: 'LlamaForCausalLM',
  hiddenSize: 384,
  numHiddenLayers: 6,
  numAttentionHeads: 6,
  intermediateSize: 1024,
  vocabSize: 8192,
  maxPositionEmbeddings: 1024,
};
const REPLY_TOKENS = 64;
/** One kept-alive connection for the endpoint's requests, as a client library keeps one. */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

interface Timed {
  text: string;
  /** From the request being sent to the first text, and to the last text, ms. */
  firstMs: number;
  lastMs: number;
}

/** A forest home whose seed has the small shape (random weights), kept in the temp folder between runs. */
async function smallForest(log: (line: string) => void): Promise<string> {
  const root = join(tmpdir(), 'grove-bench-openai-small');
  const home = join(root, 'home');
  if (existsSync(catalogPath(home))) return home;
  log('  making a forest of the small shape (tokenizer trained on the Brown corpus; once, kept in the temp folder)...');
  const seed = join(root, 'seed');
  mkdirSync(join(root, 'tokenizer'), { recursive: true });
  const trained = await trainByteLevelBpe([...brownDocuments(120)], { vocabSize: SMALL.vocabSize! });
  const { tokenizerPath, configPath } = await saveTokenizerFiles(join(root, 'tokenizer'), trained);
  const config = parseModelConfig(SMALL);
  mkdirSync(seed, { recursive: true });
  await writeModelFolder(seed, {
    config,
    tensors: [...initParameters(config, 7)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data })),
  });
  copyFileSync(tokenizerPath, join(seed, 'tokenizer.json'));
  copyFileSync(configPath, join(seed, 'tokenizer_config.json'));
  await initForestFromModel(home, seed);
  return home;
}

interface Serve {
  origin: string;
  token: string;
  key: string;
  stop(): Promise<void>;
}

async function startServe(home: string, threads: number): Promise<Serve> {
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  const child = spawn(process.execPath, [cli, '--home', home, 'serve', '--port', '0', '--openai'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GROVE_INFER_THREADS: String(threads) },
  });
  let printed = '';
  const url = await new Promise<URL>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      printed += chunk.toString();
      const match = /Open (https?:\/\/\S+)/.exec(printed);
      if (match) resolve(new URL(match[1]!));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`grove serve exited with ${code}:\n${printed}`)));
  });
  return {
    origin: url.origin,
    token: /token=([^&]+)/.exec(url.hash)![1]!,
    key: readFileSync(join(home, 'openai-key'), 'utf8').trim(),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Server-sent chat chunks, parsed as they arrive: the content deltas timed from `t0`, the usage's token count. */
class SseReader {
  private text = '';
  private firstMs = NaN;
  private lastMs = NaN;
  private tokens = NaN;
  private buffered = '';

  constructor(private readonly t0: number) {}

  push(chunk: string): void {
    this.buffered += chunk;
    let end: number;
    while ((end = this.buffered.indexOf('\n\n')) >= 0) {
      const line = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 2);
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      const event = JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[]; usage?: { completion_tokens: number } };
      const content = event.choices[0]?.delta.content;
      if (content) {
        const now = performance.now() - this.t0;
        if (Number.isNaN(this.firstMs)) this.firstMs = now;
        this.lastMs = now;
        this.text += content;
      }
      if (event.usage) this.tokens = event.usage.completion_tokens;
    }
  }

  result(): Timed & { tokens: number } {
    return { text: this.text, firstMs: this.firstMs, lastMs: this.lastMs, tokens: this.tokens };
  }
}

/**
 * The endpoint's streamed chat, read as the socket delivers it (node:http data events, as the other path reads
 * its WebSocket's messages): what the endpoint itself costs, with as little client in the way as there can be.
 */
function endpointReply(s: Serve, prompt: string): Promise<Timed & { tokens: number }> {
  const body = JSON.stringify({
    model: 'forest',
    messages: [{ role: 'user', content: prompt }],
    max_tokens: REPLY_TOKENS,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
  });
  return new Promise((resolve, reject) => {
    const events = new SseReader(performance.now());
    const req = request(
      `${s.origin}/v1/chat/completions`,
      { method: 'POST', agent, headers: { Authorization: `Bearer ${s.key}`, 'Content-Type': 'application/json' } },
      (res) => {
        res.setEncoding('utf8');
        if (res.statusCode !== 200) {
          let text = '';
          res.on('data', (c: string) => (text += c));
          res.on('end', () => reject(new Error(`the endpoint answered ${res.statusCode}: ${text}`)));
          return;
        }
        res.on('data', (chunk: string) => events.push(chunk));
        res.on('end', () => resolve(events.result()));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The same, read through fetch (undici and web streams), as the official `openai` package reads it. */
async function endpointReplyFetch(s: Serve, prompt: string): Promise<Timed & { tokens: number }> {
  const t0 = performance.now();
  const res = await fetch(`${s.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${s.key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      model: 'forest',
      messages: [{ role: 'user', content: prompt }],
      max_tokens: REPLY_TOKENS,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  if (!res.ok || !res.body) throw new Error(`the endpoint answered ${res.status}: ${await res.text()}`);
  const events = new SseReader(t0);
  const decoder = new TextDecoder();
  for await (const chunk of res.body) events.push(decoder.decode(chunk, { stream: true }));
  return events.result();
}

/** Grove's own chat API as the app in a browser uses it: the call, then the reply's tokens as events. */
async function groveReply(s: Serve, ws: WebSocket, prompt: string): Promise<Timed> {
  const seen: { messageId: number; text?: string; at: number; done: boolean }[] = [];
  let wake: (() => void) | null = null;
  const onMessage = (data: WebSocket.RawData): void => {
    const e = JSON.parse(String(data)) as { type: string; messageId?: number; text?: string };
    if (e.type === 'chat.token' || e.type === 'chat.done') {
      seen.push({
        messageId: e.messageId!,
        ...(e.text !== undefined ? { text: e.text } : {}),
        at: performance.now(),
        done: e.type === 'chat.done',
      });
      wake?.();
    }
  };
  ws.on('message', onMessage);
  try {
    const t0 = performance.now();
    const res = await fetch(`${s.origin}/api/call/sendMessage`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: prompt, sampling: { temperature: 0, repetitionPenalty: 1 }, maxTokens: REPLY_TOKENS }),
    });
    const envelope = (await res.json()) as { ok: boolean; result?: { replyMessageId: number }; error?: { message: string } };
    if (!envelope.ok) throw new Error(`sendMessage failed: ${envelope.error?.message}`);
    const id = envelope.result!.replyMessageId;
    while (!seen.some((e) => e.messageId === id && e.done)) await new Promise<void>((resolve) => (wake = resolve));
    const tokens = seen.filter((e) => e.messageId === id && !e.done);
    return { text: tokens.map((e) => e.text).join(''), firstMs: tokens[0]!.at - t0, lastMs: tokens.at(-1)!.at - t0 };
  } finally {
    ws.off('message', onMessage);
  }
}

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const median = (xs: number[]): number => quantile(xs, 0.5);

/** A path's figure over the Grove API's, round by round (they ran back to back): median and quartiles. */
function pairedRatio(endpoint: number[], grove: number[]): string {
  const r = endpoint.map((e, i) => e / grove[i]!);
  return `per-round ratio to Grove's chat API: median ${median(r).toFixed(3)}, quartiles ${quantile(r, 0.25).toFixed(2)}-${quantile(r, 0.75).toFixed(2)}`;
}

type Path = 'grove' | 'endpoint' | 'fetch';
const PATHS: readonly Path[] = ['grove', 'endpoint', 'fetch'];

export const openAiSuite: BenchSuite = {
  name: 'openai',
  description:
    "the OpenAI-compatible endpoint against Grove's own chat API: time to first token and decode tokens/s, one model of the small shape, through grove serve",
  async run(ctx: BenchContext) {
    const home = await smallForest(ctx.log);
    const prompt = [...brownDocuments(1)][0]!.slice(0, 600);
    const serve = await startServe(home, ctx.threads);
    const ws = new WebSocket(`${serve.origin.replace('http', 'ws')}/api/events?token=${serve.token}`);
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const samples = Object.fromEntries(PATHS.map((p) => [p, { first: [] as number[], rate: [] as number[] }])) as Record<
      Path,
      { first: number[]; rate: number[] }
    >;
    let tokens = 0;
    try {
      const rounds = ctx.quick ? 3 : 15;
      for (let r = 0; r <= rounds; r++) {
        // Each round starts with another path; round 0 warms up (the worker opens the model).
        const order = PATHS.map((_, i) => PATHS[(i + r) % PATHS.length]!);
        const got: Partial<Record<Path, Timed>> = {};
        for (const path of order) {
          if (path === 'grove') got.grove = await groveReply(serve, ws, prompt);
          else {
            const e = await (path === 'endpoint' ? endpointReply : endpointReplyFetch)(serve, prompt);
            tokens = e.tokens;
            got[path] = e;
          }
        }
        for (const path of PATHS) {
          if (got[path]!.text !== got.grove!.text)
            throw new Error(
              `the paths wrote different text (${JSON.stringify(got.grove!.text.slice(0, 60))} vs ${JSON.stringify(got[path]!.text.slice(0, 60))}); the comparison would be meaningless.`,
            );
        }
        if (!(tokens >= 8)) throw new Error(`the reply had ${tokens} tokens; too few to time decoding.`);
        if (r === 0) continue;
        for (const path of PATHS) {
          samples[path].first.push(got[path]!.firstMs);
          samples[path].rate.push((tokens - 1) / ((got[path]!.lastMs - got[path]!.firstMs) / 1000));
        }
        ctx.progress?.(
          `  round ${r}/${rounds}: first token ${PATHS.map((p) => got[p]!.firstMs.toFixed(0)).join(' / ')} ms (Grove API / endpoint / endpoint via fetch)`,
        );
      }
    } finally {
      ws.close();
      await serve.stop();
    }
    const n = samples.grove.first.length;
    const m = Object.fromEntries(PATHS.map((p) => [p, { first: median(samples[p].first), rate: median(samples[p].rate) }])) as Record<
      Path,
      { first: number; rate: number }
    >;
    ctx.log(
      `  first token ${PATHS.map((p) => m[p].first.toFixed(1)).join(' / ')} ms; decode ${PATHS.map((p) => m[p].rate.toFixed(1)).join(' / ')} tok/s (Grove API / endpoint / endpoint via fetch)`,
    );
    const conditions = `median of ${n} interleaved rounds, ${tokens}-token greedy reply, one model of the small shape, through grove serve`;
    const grove = (what: 'first' | 'rate') => ({ name: "Grove's chat API", value: m.grove[what] });
    const figures: Figure[] = [
      {
        name: "time to first token, ms, Grove's chat API (small)",
        value: m.grove.first,
        unit: 'ms',
        note: `${conditions}; HTTP call + WebSocket events`,
      },
      {
        name: 'time to first token, ms, OpenAI-compatible endpoint (small)',
        value: m.endpoint.first,
        unit: 'ms',
        reference: grove('first'),
        note: `server-sent events read with node:http; ${pairedRatio(samples.endpoint.first, samples.grove.first)}`,
      },
      {
        name: 'time to first token, ms, OpenAI-compatible endpoint read with fetch (small)',
        value: m.fetch.first,
        unit: 'ms',
        reference: grove('first'),
        note: `as the openai package reads it (undici, web streams); ${pairedRatio(samples.fetch.first, samples.grove.first)}`,
      },
      {
        name: "decode tokens/s, Grove's chat API (small)",
        value: m.grove.rate,
        unit: 'tok/s',
        note: 'between the first and the last token, as the client sees them',
      },
      {
        name: 'decode tokens/s, OpenAI-compatible endpoint (small)',
        value: m.endpoint.rate,
        unit: 'tok/s',
        reference: grove('rate'),
        note: `read with node:http; ${pairedRatio(samples.endpoint.rate, samples.grove.rate)}`,
      },
      {
        name: 'decode tokens/s, OpenAI-compatible endpoint read with fetch (small)',
        value: m.fetch.rate,
        unit: 'tok/s',
        reference: grove('rate'),
        note: `read with fetch; ${pairedRatio(samples.fetch.rate, samples.grove.rate)}`,
      },
    ];
    return { suite: 'openai', figures, data: { samples, tokens, prompt: prompt.length } };
  },
};
