// One completion as the endpoint runs it: started in the shared inference worker, its text passed through the
// stop sequences (the worker is told to stop as soon as one appears, so it does not keep the queue busy), and
// stopped at once when the client goes away, whether it is generating or still waiting its turn.
import type { CompletionCalls } from '../../app/api/completions';
import type { ResolvedMix } from '../../app/infer/mix';
import type { ReplyResult } from '../../app/infer/reply';
import type { TokenLogprob } from '../../app/infer/token-logprobs';
import type { ParsedRequest } from './request';
import type { FinishReason } from './responses';
import { StopText } from './stop-text';

export interface CompletionOutcome {
  /** All the text released (the stop sequence and what followed it left out). */
  text: string;
  logprobs: TokenLogprob[];
  finish: FinishReason;
  /** The worker's result: token counts, posterior (after the last token it generated). */
  result: ReplyResult;
  /** The client went away before the end. */
  abandoned: boolean;
}

/** What the endpoint needs of the engine's completions (served-models.ts, completions.ts). */
export type Completions = Pick<CompletionCalls, 'models' | 'resolve' | 'start'>;

export async function runCompletion(
  completions: Completions,
  mix: ResolvedMix,
  request: ParsedRequest,
  o: { gone: AbortSignal; onText?(text: string, logprobs: TokenLogprob[]): void },
): Promise<CompletionOutcome> {
  const stops = new StopText<TokenLogprob>(request.stop);
  let text = '';
  const logprobs: TokenLogprob[] = [];
  let stoppedByText = false;
  const release = (piece: string, items: TokenLogprob[]): void => {
    if (!piece && items.length === 0) return;
    text += piece;
    logprobs.push(...items);
    o.onText?.(piece, items);
  };
  const run = completions.start(
    mix,
    {
      input: request.input,
      sampling: request.sampling,
      maxTokens: request.maxTokens,
      ...(request.logprobs !== undefined ? { logprobs: request.logprobs } : {}),
      ...(request.quant ? { quant: request.quant } : {}),
    },
    (delta, _weights, tokens) => {
      if (stoppedByText) return;
      const out = stops.push(delta, tokens ?? []);
      release(out.text, out.items);
      if (out.stopped) {
        stoppedByText = true;
        run.stop();
      }
    },
  );
  const onGone = (): void => run.stop();
  if (o.gone.aborted) onGone();
  else o.gone.addEventListener('abort', onGone, { once: true });
  let result: ReplyResult;
  try {
    result = await run.done;
  } finally {
    o.gone.removeEventListener('abort', onGone);
  }
  if (!stoppedByText) {
    const rest = stops.flush();
    release(rest.text, rest.items);
  }
  const finish: FinishReason = !stoppedByText && (result.finish === 'length' || result.finish === 'context') ? 'length' : 'stop';
  return { text, logprobs, finish, result, abandoned: o.gone.aborted };
}
