// The domain posterior and the ensemble (btm.md "Domain posterior"; BTM section 2.3, DEMix section 4):
//   context posterior     P(D=j | x_<t) ∝ P(D=j) · prod_{s in window} p_j(x_s | x_<s)
//   last-token posterior  w_j(t) ∝ P(D=j) · p_j(x_{t-1} | x_<t-1)       (the released BTM/DEMix code)
//   ensemble              log p(x_t | x_<t) = log sum_j w_j(t) · p_j(x_t | x_<t)
// all in log space (log-sum-exp), updated in O(k) per token from each expert's log-probability of the
// token that actually came, so it serves scoring (arrays) and generation (token by token) alike.
import { GroveError } from '../../shared/api/errors';
import { checkTopK, logMixture, logSumExp, normaliseDistribution, restrictLogWeightsToTopK, topKIndices } from './distribution';

/** Per-expert per-token log-probabilities, [k][T]: logProbs[j][t] = log p_j(x_t | x_<t). */
export type ExpertTokenLogProbs = readonly ArrayLike<number>[];

export type PosteriorKind = 'context' | 'last-token';

export interface PosteriorSettings {
  kind: PosteriorKind;
  /**
   * Context posterior only: how many of the most recent tokens' likelihoods count. Infinity (default)
   * is the paper's formula; a finite window stops one expert from winning forever on a long chat.
   * 0 means the prior alone. The last-token posterior is exactly the context posterior with window 1.
   */
  window?: number;
  /**
   * Keep only the k largest weights and renormalise. 'position' (c-BTM): re-chosen at every position
   * from the full posterior. 'prior' (released BTM code): chosen once from the prior; the other
   * experts get weight 0 everywhere, so they need not be run (their log-probs are ignored: pass NaN).
   */
  topK?: { k: number; by: 'position' | 'prior' };
}

export const CONTEXT_POSTERIOR: PosteriorSettings = { kind: 'context', window: Infinity };
export const LAST_TOKEN_POSTERIOR: PosteriorSettings = { kind: 'last-token' };

/** The k largest prior entries, renormalised (BTM's top-k): which experts to run, and their prior. */
export function topKByPrior(prior: ArrayLike<number>, k: number): { indices: number[]; prior: number[] } {
  const p = normaliseDistribution(prior, 'top-k prior');
  const indices = topKIndices(
    p.map((v) => (v > 0 ? v : -Infinity)),
    k,
  );
  return {
    indices,
    prior: normaliseDistribution(
      indices.map((j) => p[j]!),
      'top-k prior',
    ),
  };
}

function windowOf(settings: PosteriorSettings): number {
  if (settings.kind === 'last-token') {
    if (settings.window !== undefined && settings.window !== 1) {
      throw new GroveError(
        'bad_input',
        `posterior: the last-token posterior has window 1, not ${settings.window}. Use kind 'context' for another window.`,
        { window: settings.window },
      );
    }
    return 1;
  }
  if (settings.kind !== 'context')
    throw new GroveError('bad_input', `posterior: unknown kind "${String(settings.kind)}". Use 'context' or 'last-token'.`, {
      kind: settings.kind,
    });
  const w = settings.window ?? Infinity;
  if (!(w === Infinity || (Number.isInteger(w) && w >= 0))) {
    throw new GroveError(
      'bad_input',
      `posterior: window is ${w}; it must be a whole number of tokens >= 0, or Infinity for the whole context.`,
      { window: w },
    );
  }
  return w;
}

/**
 * The posterior over k experts, advanced one token at a time. Running sums of the windowed
 * log-likelihoods are kept with Neumaier compensation, so adding and evicting thousands of
 * tokens of about -30 each leaves no drift worth measuring.
 */
export class DomainPosterior {
  readonly k: number;
  private readonly logPrior: Float64Array; // [k]; -Infinity for experts never to run
  private readonly window: number;
  private readonly perPositionTopK: number;
  private readonly sum: Float64Array; // [k] windowed sum of log p_j
  private readonly comp: Float64Array; // [k] its compensation term
  private ring: Float64Array; // [capacity, k] the tokens in the window, oldest at `head`
  private capacity = 0;
  private head = 0;
  private inWindow = 0;
  private seen = 0;
  private readonly current: Float64Array; // [k] normalised log weights for the next token
  private stale = true;

  constructor(prior: ArrayLike<number>, settings: PosteriorSettings = CONTEXT_POSTERIOR) {
    let p = normaliseDistribution(prior, 'posterior prior');
    this.k = p.length;
    for (let j = 0; j < this.k; j++) this.tokenRows.push(new Float64Array(1));
    this.window = windowOf(settings);
    this.perPositionTopK = this.k;
    if (settings.topK) {
      checkTopK(settings.topK.k, this.k);
      if (settings.topK.by === 'prior') {
        const chosen = new Set(topKByPrior(p, settings.topK.k).indices);
        p = normaliseDistribution(
          p.map((v, j) => (chosen.has(j) ? v : 0)),
          'posterior prior',
        );
      } else if (settings.topK.by === 'position') this.perPositionTopK = Math.min(settings.topK.k, this.k);
      else throw new GroveError('bad_input', `posterior: top-k by "${String(settings.topK.by)}" is unknown. Use 'position' or 'prior'.`);
    }
    this.logPrior = Float64Array.from(p, Math.log);
    this.sum = new Float64Array(this.k);
    this.comp = new Float64Array(this.k);
    this.current = new Float64Array(this.k);
    this.ring = new Float64Array(0);
  }

  /** Tokens observed so far. */
  get observed(): number {
    return this.seen;
  }

  /** Normalised log weights log w_j for the next token (a copy). */
  logWeights(): Float64Array {
    return Float64Array.from(this.refresh());
  }

  /** Weights w_j for the next token; they sum to 1. */
  weights(): Float64Array {
    return Float64Array.from(this.refresh(), Math.exp);
  }

  /** log sum_j w_j p_j(x) for a token x given each expert's log p_j(x); does not advance. */
  mixtureLogProb(tokenLogProbs: ArrayLike<number>): number {
    this.check(tokenLogProbs);
    for (let j = 0; j < this.k; j++) this.tokenRows[j]![0] = tokenLogProbs[j]!;
    logMixture(this.refresh(), this.tokenRows, this.oneToken);
    return this.oneToken[0]!;
  }
  /** Scratch for mixtureLogProb: each expert's log-probability of the token, as rows of one entry. */
  private readonly tokenRows: Float64Array[] = [];
  private readonly oneToken = new Float64Array(1);

  /** Adds one token (each expert's log-probability of it) to the context. */
  observe(tokenLogProbs: ArrayLike<number>): void {
    this.check(tokenLogProbs);
    this.seen++;
    this.stale = true;
    if (this.window === 0) return;
    if (this.window !== Infinity) {
      if (this.inWindow === this.window) {
        for (let j = 0; j < this.k; j++) this.add(j, -this.ring[this.head * this.k + j]!);
        this.head = (this.head + 1) % this.capacity;
        this.inWindow--;
      }
      if (this.inWindow === this.capacity) this.grow();
      const row = ((this.head + this.inWindow) % this.capacity) * this.k;
      for (let j = 0; j < this.k; j++) this.ring[row + j] = this.active(j) ? tokenLogProbs[j]! : 0;
      this.inWindow++;
    }
    for (let j = 0; j < this.k; j++) if (this.active(j)) this.add(j, tokenLogProbs[j]!);
  }

  /** The ensemble's log-probability of the next token, then observes it. */
  step(tokenLogProbs: ArrayLike<number>): number {
    const lp = this.mixtureLogProb(tokenLogProbs);
    this.observe(tokenLogProbs);
    return lp;
  }

  /** Forgets the context (a new document or chat); keeps the prior and settings. */
  reset(): void {
    this.sum.fill(0);
    this.comp.fill(0);
    this.head = 0;
    this.inWindow = 0;
    this.seen = 0;
    this.stale = true;
  }

  private active(j: number): boolean {
    return this.logPrior[j] !== -Infinity;
  }

  /** Neumaier's compensated addition: sum + comp holds the exact running sum to ~1 ulp. */
  private add(j: number, x: number): void {
    const s = this.sum[j]!;
    const t = s + x;
    this.comp[j]! += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    this.sum[j] = t;
  }

  /** Doubles the ring (up to the window), unrolled so the oldest token lands at row 0. */
  private grow(): void {
    const capacity = Math.min(this.window, Math.max(64, this.capacity * 2));
    const next = new Float64Array(capacity * this.k);
    for (let i = 0; i < this.inWindow; i++) {
      const from = ((this.head + i) % this.capacity) * this.k;
      next.set(this.ring.subarray(from, from + this.k), i * this.k);
    }
    this.ring = next;
    this.capacity = capacity;
    this.head = 0;
  }

  private refresh(): Float64Array {
    if (!this.stale) return this.current;
    // Only differences between experts matter: subtracting the largest running sum first (exact by
    // Sterbenz's lemma when sums are close) keeps the digits that a sum of -150000 would round away.
    let ref = -Infinity;
    for (let j = 0; j < this.k; j++) if (this.active(j) && this.sum[j]! > ref) ref = this.sum[j]!;
    for (let j = 0; j < this.k; j++)
      this.current[j] = this.active(j) ? this.logPrior[j]! + (this.sum[j]! - ref + this.comp[j]!) : -Infinity;
    const z = logSumExp(this.current);
    for (let j = 0; j < this.k; j++) this.current[j]! -= z;
    restrictLogWeightsToTopK(this.current, this.perPositionTopK);
    this.stale = false;
    return this.current;
  }

  private check(tokenLogProbs: ArrayLike<number>): void {
    if (tokenLogProbs.length !== this.k) {
      throw new GroveError(
        'bad_input',
        `posterior: ${tokenLogProbs.length} log-probabilities for ${this.k} experts. Give one per expert, in the prior's order.`,
        { got: tokenLogProbs.length, experts: this.k },
      );
    }
    for (let j = 0; j < this.k; j++) {
      const v = tokenLogProbs[j]!;
      if (this.active(j) && !Number.isFinite(v)) {
        throw new GroveError(
          'bad_input',
          `posterior: expert ${j} gave log-probability ${v} at token ${this.seen}; scores must be finite log-softmax values. Check that expert's score output.`,
          { expert: j, token: this.seen, value: v },
        );
      }
    }
  }
}

/** Checks [k][T] log-probs against the prior and returns T. */
function sequenceLength(logProbs: ExpertTokenLogProbs, k: number): number {
  if (logProbs.length !== k)
    throw new GroveError(
      'bad_input',
      `posterior: log-probs for ${logProbs.length} experts but a prior over ${k}. Give one row per expert, in the prior's order.`,
    );
  const T = logProbs[0]?.length ?? 0;
  logProbs.forEach((row, j) => {
    if (row.length !== T)
      throw new GroveError(
        'bad_input',
        `posterior: expert ${j} scored ${row.length} tokens but expert 0 scored ${T}. Score the same tokens with every expert.`,
        { expert: j },
      );
  });
  return T;
}

/** Runs a posterior over a sequence; `visit(t, posterior, column)` sees the state before token t. */
function runSequence(
  logProbs: ExpertTokenLogProbs,
  prior: ArrayLike<number>,
  settings: PosteriorSettings,
  visit: (t: number, posterior: DomainPosterior, column: Float64Array) => void,
): number {
  const posterior = new DomainPosterior(prior, settings);
  const T = sequenceLength(logProbs, posterior.k);
  const column = new Float64Array(posterior.k); // [k] the experts' log-probs of token t
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < posterior.k; j++) column[j] = logProbs[j]![t]!;
    visit(t, posterior, column);
    posterior.observe(column);
  }
  return T;
}

/** The weights used to predict each token, [T, k] row-major (row t sums to 1). */
export function posteriorTrajectory(
  logProbs: ExpertTokenLogProbs,
  prior: ArrayLike<number>,
  settings: PosteriorSettings = CONTEXT_POSTERIOR,
): Float64Array {
  const k = prior.length;
  const out = new Float64Array(k * (logProbs[0]?.length ?? 0));
  runSequence(logProbs, prior, settings, (t, posterior) => out.set(posterior.weights(), t * k));
  return out;
}

/** The ensemble's log-probability of each token, [T]. */
export function ensembleLogProbs(
  logProbs: ExpertTokenLogProbs,
  prior: ArrayLike<number>,
  settings: PosteriorSettings = CONTEXT_POSTERIOR,
): Float64Array {
  const out = new Float64Array(logProbs[0]?.length ?? 0);
  runSequence(logProbs, prior, settings, (t, posterior, column) => (out[t] = posterior.mixtureLogProb(column)));
  return out;
}

/** exp(mean negative log-likelihood) of the ensemble over sequences (each [k][T], scored independently). */
export function ensemblePerplexity(
  sequences: readonly ExpertTokenLogProbs[],
  prior: ArrayLike<number>,
  settings: PosteriorSettings = CONTEXT_POSTERIOR,
): number {
  let nll = 0;
  let tokens = 0;
  for (const seq of sequences) {
    for (const lp of ensembleLogProbs(seq, prior, settings)) nll -= lp;
    tokens += seq[0]?.length ?? 0;
  }
  if (tokens === 0)
    throw new GroveError('bad_input', 'perplexity: no tokens were scored. Give at least one sequence with at least one token.');
  return Math.exp(nll / tokens);
}
