// Per-token log-probabilities of a reply (what OpenAI's `logprobs`/`top_logprobs` return): a Decoder that
// passes every call through and keeps the log-softmax of the next-token scores it returned, before sampling
// changes them (the repetition penalty works in place). So the figures are the model's (or the ensemble's
// mixed) distribution itself, not the tempered, truncated one a token was drawn from.
import type { Decoder } from '../../engine/generate/generate';
import type { Tokenizer } from '../../engine/tokenize/tokenizer';

/** OpenAI allows at most 20 alternatives per token. */
export const MAX_TOP_LOGPROBS = 20;

export interface TokenChoice {
  /** The token's text (a token that ends inside a UTF-8 character decodes to U+FFFD there). */
  token: string;
  /** The UTF-8 bytes of `token`. */
  bytes: number[];
  logprob: number;
}

export interface TokenLogprob extends TokenChoice {
  /** The most likely tokens at this position, most likely first. */
  top: TokenChoice[];
}

/** log(softmax(scores)), in float64 sums for a stable normaliser. */
export function logSoftmax(scores: Float32Array): Float64Array {
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  let sum = 0;
  for (const s of scores) sum += Math.exp(s - max);
  const log = max + Math.log(sum);
  const out = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = scores[i]! - log;
  return out;
}

/** The ids of the k largest values, largest first (ties: the lower id first). */
export function topIds(values: Float64Array, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (best.length === k && v <= values[best[k - 1]!]!) continue;
    let at = best.length;
    while (at > 0 && values[best[at - 1]!]! < v) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

export class LogprobTap implements Decoder {
  private last: Float64Array | null = null;
  private taken: TokenLogprob[] = [];

  constructor(
    private readonly inner: Decoder,
    private readonly tokenizer: Tokenizer,
    /** Alternatives to keep per token (0 to MAX_TOP_LOGPROBS). */
    private readonly top: number,
  ) {}

  get maxContext(): number {
    return this.inner.maxContext;
  }

  async prefill(ids: readonly number[]): Promise<Float32Array> {
    return this.keep(await this.inner.prefill(ids));
  }

  async step(id: number): Promise<Float32Array> {
    return this.keep(await this.inner.step(id));
  }

  /** Records the token chosen at the current position, with its alternatives. */
  chose(id: number): void {
    const log = this.last;
    if (!log) throw new Error('LogprobTap: a token was chosen before any scores were computed.');
    this.taken.push({ ...this.choice(id, log), top: topIds(log, Math.min(this.top, log.length)).map((t) => this.choice(t, log)) });
  }

  /** The tokens recorded since the last call. */
  drain(): TokenLogprob[] {
    const out = this.taken;
    this.taken = [];
    return out;
  }

  private keep(scores: Float32Array): Float32Array {
    this.last = logSoftmax(scores);
    return scores;
  }

  private choice(id: number, log: Float64Array): TokenChoice {
    const token = this.tokenizer.decode([id], { skipSpecialTokens: false });
    return { token, bytes: [...Buffer.from(token, 'utf8')], logprob: log[id]! };
  }
}
