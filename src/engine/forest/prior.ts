// The cached domain prior (btm.md "Cached prior"; BTM section 2.3, DEMix section 4.2), as the authors'
// released code computes it: run the ensemble over N held-out sequences of a target, take each sequence's
// posterior at its last position, average those over the batch, smooth the batch means with pandas'
// `ewm(alpha, adjust=False)` (the first batch's mean seeds it; then s_n = (1 - alpha) * s_(n-1) +
// alpha * mean_n, the newest batch weighing alpha = 0.3), and freeze the last value.
import { GroveError } from '../../shared/api/errors';
import { normaliseDistribution, uniform } from './distribution';
import { CONTEXT_POSTERIOR, posteriorTrajectory, type ExpertTokenLogProbs, type PosteriorSettings } from './posterior';

export const CACHED_PRIOR_DEFAULTS = {
  /** Held-out sequences of the target the estimate reads (the released code's 100). */
  sequences: 100,
  /** The weight of the newest batch's mean (pandas' `alpha`; the released code's 0.3): the rest keeps 0.7. */
  alpha: 0.3,
} as const;

export interface CachedPriorOptions {
  /** Stop after this many sequences (default 100); a batch that crosses the limit is cut. */
  sequences?: number;
  alpha?: number;
  /** The prior the first batch's posteriors are computed with (default uniform, as the released code starts). */
  initial?: readonly number[];
  /** The posterior run over each sequence (default: context posterior over the whole sequence). */
  posterior?: PosteriorSettings;
}

/**
 * Estimates a cached prior batch by batch, as the ensemble scores the target's held-out sequences.
 * Each batch's posteriors are computed with the current smoothed value as their prior (DEMix's updating
 * prior); the mean of the sequences' last-position posteriors is the batch mean.
 */
export class CachedPriorEstimator {
  readonly k: number;
  readonly alpha: number;
  readonly limit: number;
  private readonly settings: PosteriorSettings;
  private value: number[];
  private used = 0;
  /** The smoothed value after each batch, oldest first (for plots and tests). */
  readonly history: number[][] = [];

  constructor(k: number, options: CachedPriorOptions = {}) {
    this.k = k;
    this.alpha = options.alpha ?? CACHED_PRIOR_DEFAULTS.alpha;
    this.limit = options.sequences ?? CACHED_PRIOR_DEFAULTS.sequences;
    this.settings = options.posterior ?? CONTEXT_POSTERIOR;
    if (!(this.alpha > 0 && this.alpha <= 1))
      throw new GroveError('bad_input', `cached prior: alpha is ${this.alpha}; it must be in (0, 1]: the weight of the newest batch.`, {
        alpha: this.alpha,
      });
    if (!Number.isInteger(this.limit) || this.limit < 1)
      throw new GroveError('bad_input', `cached prior: sequences is ${this.limit}; it must be a whole number >= 1.`, {
        sequences: this.limit,
      });
    this.value = options.initial ? normaliseDistribution(options.initial, 'cached prior initial value') : uniform(k);
    if (this.value.length !== k)
      throw new GroveError(
        'bad_input',
        `cached prior: the initial value has ${this.value.length} entries for ${k} experts. Give one per expert.`,
      );
  }

  /** Sequences read so far. */
  get sequences(): number {
    return this.used;
  }

  /** True once the limit is reached: the value is frozen and later batches are ignored. */
  get frozen(): boolean {
    return this.used >= this.limit;
  }

  /** The current smoothed value (a copy); the cached prior once frozen. */
  get prior(): number[] {
    return [...this.value];
  }

  /** Adds one batch of sequences (each [k][T]); returns true while more batches are wanted. */
  addBatch(batch: readonly ExpertTokenLogProbs[]): boolean {
    if (this.frozen) return false;
    const take = batch.slice(0, this.limit - this.used);
    const mean = new Float64Array(this.k);
    let counted = 0;
    for (const [i, seq] of take.entries()) {
      if (seq.length !== this.k)
        throw new GroveError(
          'bad_input',
          `cached prior: sequence ${i} of the batch has log-probs for ${seq.length} experts, not ${this.k}. Score every sequence with every expert.`,
        );
      const w = posteriorTrajectory(seq, this.value, this.settings); // [T, k]
      if (w.length === 0) continue; // an empty sequence has no last position
      for (let j = 0; j < this.k; j++) mean[j]! += w[w.length - this.k + j]!;
      counted++;
    }
    if (counted === 0) return !this.frozen; // an empty batch (or only empty sequences) says nothing
    for (let j = 0; j < this.k; j++) mean[j]! /= counted;
    const a = this.alpha;
    const first = this.history.length === 0;
    this.value = normaliseDistribution(first ? [...mean] : this.value.map((s, j) => (1 - a) * s + a * mean[j]!), 'cached prior');
    this.used += take.length;
    this.history.push([...this.value]);
    return !this.frozen;
  }
}

/** Runs the estimator over batches until it has read `sequences` of them; returns the frozen prior. */
export function estimateCachedPrior(
  k: number,
  batches: Iterable<readonly ExpertTokenLogProbs[]>,
  options: CachedPriorOptions = {},
): { prior: number[]; sequences: number } {
  const estimator = new CachedPriorEstimator(k, options);
  for (const batch of batches) if (!estimator.addBatch(batch)) break;
  if (estimator.sequences === 0)
    throw new GroveError('bad_input', 'cached prior: no sequences were scored. Give the target at least one held-out sequence.');
  return { prior: estimator.prior, sequences: estimator.sequences };
}
