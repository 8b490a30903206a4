// The OpenAI-compatible endpoint: GET /v1/models (and /v1/models/{name}), POST /v1/chat/completions and
// /v1/completions, behind `Authorization: Bearer <key>`, answered from the forest (app/api/completions.ts).
// `grove serve` hands it every request under /v1; the desktop app runs it on a server of its own
// (standalone.ts). It can be switched off and on while the server runs (the Settings switch): off, it answers
// every request with a 404 that says how to switch it on.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OpenAiEndpointHost } from '../../app/api/openai-switch';
import { readJson } from '../read-json';
import { Admission, DEFAULT_QUEUE_LIMIT } from './admission';
import { answerCompletion, type SettledListener } from './completion-response';
import type { Completions } from './completion-run';
import { OpenAiError, openAiErrorOf } from './openai-error';
import { parseChatRequest, parseCompletionRequest } from './request';
import { modelObject } from './responses';

/** The file in the forest home that keeps the endpoint's key (owner-only; see server/kept-token.ts). */
export const OPENAI_KEY_FILE = 'openai-key';

export interface OpenAiEndpointOptions {
  completions: Completions;
  /** The bearer key clients must send. */
  key: string;
  /** Requests in the worker at once (running or waiting) before a 429. */
  queueLimit?: number;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
  /** Told when a completion ends (how, and how many tokens): for tests and the bench. */
  onSettled?: SettledListener;
}

export const isOpenAiPath = (pathname: string): boolean => pathname === '/v1' || pathname.startsWith('/v1/');

function keyMatches(expected: Buffer, header: string | undefined): boolean {
  const given = header?.startsWith('Bearer ') ? Buffer.from(header.slice(7).trim()) : null;
  return given !== null && given.length === expected.length && timingSafeEqual(given, expected);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(JSON.stringify(body));
}

export class OpenAiEndpoint {
  /** Whether requests are answered (the Settings switch); off, every request gets a 404 saying so. */
  on = false;
  readonly admission: Admission;
  private readonly key: Buffer;

  constructor(private readonly o: OpenAiEndpointOptions) {
    this.admission = new Admission(o.queueLimit ?? DEFAULT_QUEUE_LIMIT);
    this.key = Buffer.from(o.key);
  }

  /** The switch's side of it for a server whose address is `baseUrl()` (known once it listens). */
  hostAt(baseUrl: () => string): OpenAiEndpointHost {
    return {
      start: async () => {
        this.on = true;
        return { url: `${baseUrl()}/v1`, key: this.o.key };
      },
      stop: async () => {
        this.on = false;
      },
    };
  }

  /**
   * Answers a request under /v1. `refused`: why the server refuses the request before reading it (a Host
   * header that is not its own), said in OpenAI's error shape.
   */
  async handle(req: IncomingMessage, res: ServerResponse, pathname: string, refused: string | null = null): Promise<void> {
    try {
      if (refused) throw new OpenAiError(403, refused, 'invalid_request_error', null, 'forbidden_host');
      if (!this.on)
        throw new OpenAiError(
          404,
          "Grove's OpenAI-compatible endpoint is off: switch it on in Grove's Settings, or start `grove serve --openai`.",
          'invalid_request_error',
          null,
          'endpoint_off',
        );
      if (!keyMatches(this.key, req.headers.authorization)) {
        throw new OpenAiError(
          401,
          "Missing or wrong API key: send the key Grove's Settings show (also kept in the forest home's openai-key file) as `Authorization: Bearer <key>`.",
          'invalid_request_error',
          null,
          'invalid_api_key',
        );
      }
      await this.route(req, res, pathname);
    } catch (err) {
      const e = openAiErrorOf(err);
      if (!res.headersSent) sendJson(res, e.status, e.body(), e.headers);
      else if (!res.writableEnded) res.destroy();
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const method = req.method ?? 'GET';
    if (pathname === '/v1/models' && method === 'GET') {
      sendJson(res, 200, { object: 'list', data: this.o.completions.models().map(modelObject) });
      return;
    }
    const one = /^\/v1\/models\/(.+)$/.exec(pathname);
    if (one && method === 'GET') {
      const name = decodeURIComponent(one[1]!);
      const model = this.o.completions.models().find((m) => m.name === name);
      if (!model) throw this.unknownModel(name);
      sendJson(res, 200, modelObject(model));
      return;
    }
    const endpoint = pathname === '/v1/chat/completions' ? 'chat' : pathname === '/v1/completions' ? 'completions' : null;
    if (!endpoint || method !== 'POST')
      throw new OpenAiError(
        404,
        `Invalid URL (${method} ${pathname}): Grove answers GET /v1/models, POST /v1/chat/completions and POST /v1/completions.`,
        'invalid_request_error',
        null,
        'unknown_url',
      );
    const body = await readJson(req, this.o.maxBodyBytes ?? 8 * 1024 * 1024);
    const request = endpoint === 'chat' ? parseChatRequest(body) : parseCompletionRequest(body);
    const mix = this.o.completions.resolve(request.model);
    if (!mix) throw this.unknownModel(request.model);
    const ticket = this.admission.enter();
    if (!ticket) {
      const wait = this.admission.retryAfterSeconds();
      throw new OpenAiError(
        429,
        `Grove is busy: ${this.admission.limit} requests are already running or waiting for the forest. Try again in about ${wait} s.`,
        'requests',
        null,
        'rate_limit_exceeded',
        { 'Retry-After': String(wait) },
      );
    }
    try {
      await answerCompletion(res, this.o.completions, mix, request, this.o.onSettled);
    } finally {
      ticket.leave();
    }
  }

  private unknownModel(name: string): OpenAiError {
    return new OpenAiError(
      404,
      `The model \`${name}\` does not exist in this forest. GET /v1/models lists the names it answers to: \`forest\`, the saved mixes, and each ready model.`,
      'invalid_request_error',
      'model',
      'model_not_found',
    );
  }
}
