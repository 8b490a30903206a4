// Next-token choice from logits: repetition penalty (CTRL, Keskar et al. 2019, as Hugging Face applies
// it), temperature, top-k, top-p (nucleus), then greedy or a seeded draw. Pure functions over [V] logits.
import { z } from 'zod';
import { Rng } from '../model/rng';

export const SamplingConfig = z
  .object({
    /** 0 = greedy (argmax). */
    temperature: z.number().min(0).default(0.8),
    /** Keep the k most likely tokens (0 = off). */
    topK: z.number().int().min(0).default(40),
    /** Keep the smallest set whose probability reaches p (1 = off). */
    topP: z.number().gt(0).max(1).default(0.95),
    /** > 1 discourages tokens already in the context (1 = off). */
    repetitionPenalty: z.number().positive().default(1.1),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(0),
  })
  .strict();
export type SamplingConfig = z.output<typeof SamplingConfig>;
export type SamplingInput = z.input<typeof SamplingConfig>;

/** HF RepetitionPenaltyLogitsProcessor: divide positive logits, multiply negative ones, once per distinct token. */
export function applyRepetitionPenalty(logits: Float32Array, context: ArrayLike<number>, penalty: number): void {
  if (penalty === 1) return;
  const seen = new Set<number>();
  for (let i = 0; i < context.length; i++) seen.add(context[i] as number);
  for (const id of seen) {
    const l = logits[id];
    if (l === undefined) continue;
    logits[id] = l > 0 ? l / penalty : l * penalty;
  }
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

/** Candidate ids with probabilities after temperature, top-k and top-p, sorted by probability (descending). */
export function candidates(
  logits: Float32Array,
  c: Pick<SamplingConfig, 'temperature' | 'topK' | 'topP'>,
): { ids: number[]; probs: number[] } {
  let ids = Array.from(logits.keys()).sort((a, b) => (logits[b] as number) - (logits[a] as number));
  if (c.topK > 0 && c.topK < ids.length) ids = ids.slice(0, c.topK);
  const max = logits[ids[0] as number] as number;
  const weights = ids.map((id) => Math.exp(((logits[id] as number) - max) / c.temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let probs = weights.map((w) => w / total);
  if (c.topP < 1) {
    let cumulative = 0;
    let keep = 0;
    while (keep < probs.length && cumulative < c.topP) cumulative += probs[keep++] as number;
    ids = ids.slice(0, Math.max(1, keep));
    const kept = probs.slice(0, ids.length);
    const sum = kept.reduce((a, b) => a + b, 0);
    probs = kept.map((p) => p / sum);
  }
  return { ids, probs };
}

/** A sampler with its own seeded stream: the same seed and logits give the same tokens. */
export class Sampler {
  private readonly config: SamplingConfig;
  private readonly rng: Rng;

  constructor(config: SamplingInput = {}) {
    this.config = SamplingConfig.parse(config);
    this.rng = new Rng(this.config.seed, 'sampling');
  }

  /** Chooses the next token. `logits` [V] is modified in place (penalty). */
  next(logits: Float32Array, context: ArrayLike<number>): number {
    applyRepetitionPenalty(logits, context, this.config.repetitionPenalty);
    if (this.config.temperature === 0) return argmax(logits);
    const { ids, probs } = candidates(logits, this.config);
    let u = this.rng.nextUint32() / 4294967296;
    for (let i = 0; i < ids.length; i++) {
      u -= probs[i] as number;
      if (u < 0) return ids[i] as number;
    }
    return ids[ids.length - 1] as number;
  }
}
