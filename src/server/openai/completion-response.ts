// Answers one POST /v1/chat/completions or /v1/completions that has been parsed, resolved and admitted: as
// server-sent events (a chunk per piece of text, the finish and Grove's posterior on the last chunk, the usage
// chunk when asked for, then `data: [DONE]`), or as one JSON object at the end. A client that goes away stops
// its generation; an error once the stream has begun is sent as an `error` event, as OpenAI does.
import type { ServerResponse } from 'node:http';
import type { ResolvedMix } from '../../app/infer/mix';
import type { TokenLogprob } from '../../app/infer/token-logprobs';
import { runCompletion, type CompletionOutcome, type Completions } from './completion-run';
import { openAiErrorOf } from './openai-error';
import type { ParsedRequest } from './request';
import {
  chatChunk,
  chatCompletion,
  completionLogprobs,
  responseHead,
  textChunk,
  textCompletion,
  usageChunk,
  usageOf,
  type GroveExtension,
  type ResponseHead,
} from './responses';

export type SettledListener = (outcome: CompletionOutcome, request: ParsedRequest) => void;

const groveOf = (mix: ResolvedMix, outcome: CompletionOutcome): GroveExtension => ({
  posterior: outcome.result.posterior,
  models: mix.models,
  prior: mix.prior,
});

function sendJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(JSON.stringify(body));
}

/** Aborts when the client has gone: the connection closed before the whole answer was written. */
function clientGone(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}

async function answerWhole(
  res: ServerResponse,
  head: ResponseHead,
  completions: Completions,
  mix: ResolvedMix,
  request: ParsedRequest,
  gone: AbortSignal,
): Promise<CompletionOutcome> {
  const outcome = await runCompletion(completions, mix, request, { gone });
  if (outcome.abandoned) return outcome;
  const usage = usageOf(outcome.result.promptTokens, outcome.result.tokens);
  const grove = groveOf(mix, outcome);
  if (request.endpoint === 'chat')
    sendJson(
      res,
      chatCompletion(head, {
        text: outcome.text,
        finish: outcome.finish,
        usage,
        logprobs: request.logprobs !== undefined ? outcome.logprobs : null,
        grove,
      }),
    );
  else {
    const prompt = request.echo && request.input.kind === 'text' ? request.input.text : '';
    const logprobs = request.logprobs !== undefined ? completionLogprobs(outcome.logprobs, prompt.length) : null;
    sendJson(res, textCompletion(head, { text: prompt + outcome.text, finish: outcome.finish, usage, logprobs, grove }));
  }
  return outcome;
}

/** Null when it failed after the stream began (the error was sent as an event). */
async function answerStream(
  res: ServerResponse,
  head: ResponseHead,
  completions: Completions,
  mix: ResolvedMix,
  request: ParsedRequest,
  gone: AbortSignal,
): Promise<CompletionOutcome | null> {
  // Each event goes out as it is written, not held back to fill a packet (Nagle).
  res.socket?.setNoDelay(true);
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
    'X-Content-Type-Options': 'nosniff',
  });
  const send = (event: unknown): void => {
    if (!gone.aborted) res.write(`data: ${JSON.stringify(event)}\n\n`);
  };
  const chat = request.endpoint === 'chat';
  let offset = 0;
  if (chat) send(chatChunk(head, { delta: { role: 'assistant', content: '' } }));
  else if (request.echo && request.input.kind === 'text') {
    send(textChunk(head, { text: request.input.text }));
    offset = request.input.text.length;
  }
  const withLogprobs = request.logprobs !== undefined;
  const onText = (text: string, tokens: TokenLogprob[]): void => {
    if (chat) send(chatChunk(head, { delta: { content: text }, logprobs: withLogprobs ? tokens : null }));
    else send(textChunk(head, { text, logprobs: withLogprobs ? completionLogprobs(tokens, offset) : null }));
    offset += text.length;
  };
  let outcome: CompletionOutcome;
  try {
    outcome = await runCompletion(completions, mix, request, { gone, onText });
  } catch (err) {
    send(openAiErrorOf(err).body());
    res.end();
    return null;
  }
  if (outcome.abandoned) return outcome;
  const grove = groveOf(mix, outcome);
  send(chat ? chatChunk(head, { delta: {}, finish: outcome.finish, grove }) : textChunk(head, { text: '', finish: outcome.finish, grove }));
  if (request.includeUsage) send(usageChunk(head, request.endpoint, usageOf(outcome.result.promptTokens, outcome.result.tokens)));
  res.end('data: [DONE]\n\n');
  return outcome;
}

/** Writes the answer; resolves when it is written (or the client has gone). Errors before the first byte are thrown. */
export async function answerCompletion(
  res: ServerResponse,
  completions: Completions,
  mix: ResolvedMix,
  request: ParsedRequest,
  onSettled?: SettledListener,
): Promise<void> {
  const gone = clientGone(res);
  const head = responseHead(request.endpoint, request.model);
  const outcome = await (request.stream ? answerStream : answerWhole)(res, head, completions, mix, request, gone);
  if (outcome) onSettled?.(outcome, request);
}
