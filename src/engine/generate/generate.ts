// Autoregressive generation over any decoder that keeps its own KV cache: prefill the prompt once, then
// one token at a time, streaming each token to a callback; stops at a stop token, a stop string, the
// token budget, or an abort.
import { Sampler, type SamplingInput } from './sampling';

/** A model session positioned after the tokens it has seen (single model or an ensemble of experts). */
export interface Decoder {
  /** Feeds the prompt; returns the next-token logits [V]. */
  prefill(ids: readonly number[]): Promise<Float32Array>;
  /** Feeds one token; returns the next-token logits [V]. */
  step(id: number): Promise<Float32Array>;
  /** The longest context it can hold (prompt + generated). */
  readonly maxContext: number;
}

export interface GenerateOptions {
  maxNewTokens: number;
  sampling?: SamplingInput;
  stopTokens?: readonly number[];
  /** Stop when the decoded text ends with one of these (the string is not included). */
  stopStrings?: readonly string[];
  decode?: (ids: readonly number[]) => string;
  onToken?: (id: number, index: number) => void;
  signal?: AbortSignal;
}

export type FinishReason = 'stop-token' | 'stop-string' | 'length' | 'context' | 'aborted';

export interface Generation {
  ids: number[];
  finish: FinishReason;
}

export async function generate(decoder: Decoder, prompt: readonly number[], o: GenerateOptions): Promise<Generation> {
  if (prompt.length === 0) throw new Error('generate: the prompt must hold at least one token (e.g. the BOS token).');
  if (prompt.length >= decoder.maxContext) return { ids: [], finish: 'context' };
  const sampler = new Sampler(o.sampling);
  const stops = new Set(o.stopTokens ?? []);
  const context = [...prompt];
  const out: number[] = [];
  let logits = await decoder.prefill(prompt);
  for (;;) {
    if (o.signal?.aborted) return { ids: out, finish: 'aborted' };
    const id = sampler.next(logits, context);
    if (stops.has(id)) return { ids: out, finish: 'stop-token' };
    out.push(id);
    context.push(id);
    o.onToken?.(id, out.length - 1);
    if (o.stopStrings?.length && o.decode) {
      const text = o.decode(out);
      if (o.stopStrings.some((s) => text.endsWith(s))) return { ids: out, finish: 'stop-string' };
    }
    if (out.length >= o.maxNewTokens) return { ids: out, finish: 'length' };
    if (context.length >= decoder.maxContext) return { ids: out, finish: 'context' };
    logits = await decoder.step(id);
  }
}
