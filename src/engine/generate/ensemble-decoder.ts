// The forest as one Decoder (btm.md "Use the forest"): the next-token distribution is the log-space
// mixture log p(x) = log sum_j w_j · p_j(x) of the experts' distributions, with w the domain posterior,
// updated after every token from each expert's log-probability of the token that actually came. The
// returned "logits" are the mixture's log-probabilities, so sampling (penalty, temperature, top-k/p)
// applies to the mixture itself. Experts the posterior can never weigh (top-k by prior, a manual weight
// of 0) are never opened or run: the cost is that of the experts that count. Experts of one batch (light
// experts over one base) that run are opened together as one session, one batched pass for all of them;
// the others (full experts) each run their own, beside it.
import { GroveError } from '../../shared/api/errors';
import { logMixture, normaliseDistribution } from '../forest/distribution';
import { DomainPosterior, topKByPrior, type PosteriorSettings } from '../forest/posterior';
import type { Decoder } from './generate';

/** One expert as the ensemble drives it: a KV-cached decoder that can also score the prompt it is fed. */
export interface ExpertSession {
  /**
   * Feeds the prompt. Returns the next-token logits [V] (up to a constant: log-probabilities will do, the
   * ensemble normalises them) and log p(ids[t] | ids[<t]) for t = 1..n-1 ([n-1]: the first token, usually
   * BOS, has no context to be predicted from).
   */
  prefillScored(ids: readonly number[]): Promise<{ logits: Float32Array; promptLogProbs: ArrayLike<number> }>;
  /** Feeds one token; returns the next-token logits [V]. */
  step(id: number): Promise<Float32Array>;
  readonly maxContext: number;
  /** True when prefillScored's and step's "logits" are already log-probabilities (nothing to normalise). */
  readonly normalised?: boolean;
}

/** Several experts as one session (one batched pass): row i of every result is the i-th member's. */
export interface ExpertBatchSession {
  prefillScored(ids: readonly number[]): Promise<{ logits: Float32Array[]; promptLogProbs: ArrayLike<number>[] }>;
  /**
   * Feeds one token: each member's next-token logits, and (normalised sessions may) their mixture
   * log sum_i exp(logWeights[i]) p_i(x) under the members' log-weights for that token, which the session
   * computes in its own pass where that is cheaper than mixing the rows in JS.
   */
  step(id: number, logWeights: Float64Array): Promise<{ rows: Float32Array[]; mixture?: Float32Array }>;
  readonly maxContext: number;
  readonly normalised?: boolean;
}

/** Experts that run as one batch: open(members) opens one session for those of its members that run (in that order). */
export interface ExpertBatch {
  open(members: readonly number[]): ExpertBatchSession;
}

/**
 * An expert of the ensemble: with its own session (opened only if it will run), or member `member` of a
 * batch whose running members are opened together.
 */
export type EnsembleExpert = { name: string; open(): ExpertSession } | { name: string; batch: ExpertBatch; member: number };

/** A session of one or more running experts, and their places among the running experts. */
interface Unit {
  session: ExpertBatchSession;
  slots: number[];
}

/** One expert's own session as a batch session of one row. */
function oneRow(s: ExpertSession): ExpertBatchSession {
  return {
    maxContext: s.maxContext,
    ...(s.normalised !== undefined ? { normalised: s.normalised } : {}),
    async prefillScored(ids) {
      const r = await s.prefillScored(ids);
      return { logits: [r.logits], promptLogProbs: [r.promptLogProbs] };
    },
    step: async (id) => ({ rows: [await s.step(id)] }),
  };
}

/**
 * How the weights move: the domain posterior (context or last-token, with its window and top-k), or a
 * fixed mixture (the chat's sliders: the prior is used as it is, at every token).
 */
export type EnsembleWeighting = { kind: 'posterior'; settings: PosteriorSettings } | { kind: 'fixed' };

export interface ExpertWeight {
  name: string;
  weight: number;
}

export interface EnsembleOptions {
  experts: readonly EnsembleExpert[];
  /** P(D=j) over `experts`, in their order (renormalised). */
  prior: readonly number[];
  weighting: EnsembleWeighting;
  /**
   * Run the experts' forward passes at once (Promise.all) rather than one after the other. ONNX Runtime
   * runs each session on its own thread pool, so on a machine with cores to spare this overlaps them;
   * see DEFAULT_PARALLEL_EXPERTS for what was measured here.
   */
  parallel?: boolean;
}

/**
 * Concurrently, measured with bench suite `ensemble` on 2 cores (2 threads per session; a machine shared
 * with other builds, so single runs swing): decoding 2 experts of the 135M shape ran at 5.1 tok/s
 * concurrently vs 3.8 one after the other (1.35x; in four other runs 0.97x, 0.99x, 1.11x, 1.44x), 4 of the
 * small shape at 38.3 vs 35.1 (1.09x; 0.90x to 1.44x elsewhere). An interleaved 8-round comparison of the
 * 135M pair gave a median of 5.9 vs 5.1 tok/s. Decoding one token is many small ops with sync points
 * that leave a core idle, and the other expert's work fills them. Prefill was mixed (135M: 3.5 s vs 6.0 s;
 * small: 0.95 s vs 0.68 s). On a quiet machine (load under 1.5, two runs of 2026-12-01) it made no
 * difference: decode 0.96x and 0.99x (small), 0.95x and 1.02x (135M); prefill 0.83x to 1.01x. So it is kept
 * on: it helps where the cores are contended and costs nothing measurable where they are not. See
 * bench/results/ensemble.md.
 */
export const DEFAULT_PARALLEL_EXPERTS = true;

/** log-softmax of logits into `out` (float64 sums, so a 150k vocabulary loses nothing). */
export function logSoftmaxInto(logits: ArrayLike<number>, out: Float32Array): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  const shift = max + Math.log(sum);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i]! - shift;
  return out;
}

export class EnsembleDecoder implements Decoder {
  readonly maxContext: number;
  private readonly names: string[];
  /** Indices (into the experts given) of the experts that run, and the sessions that run them. */
  private readonly running: number[];
  private readonly units: Unit[] = [];
  /** Per running expert, whether its session gives log-probabilities already. */
  private readonly normalised: boolean[];
  private readonly posterior: DomainPosterior;
  private readonly parallel: boolean;
  /** Each running expert's log-softmax of the latest position [V]. */
  private logProbs: Float32Array[] = [];
  /** Per session, the mixture of its experts for the latest position, where it gave one (step). */
  private unitMixtures: (Float32Array | undefined)[] = [];
  /** Whether the token after the latest position was already observed by the posterior (accept). */
  private accepted = false;
  private readonly column: Float64Array;
  /** Forward passes per running expert (prefill counts as one), for tests and benchmarks. */
  readonly forwardPasses: number[];

  constructor(o: EnsembleOptions) {
    if (o.experts.length === 0)
      throw new GroveError('bad_input', 'An ensemble needs at least one expert. Add an expert to the forest, or chat with the seed alone.');
    const prior = normaliseDistribution(
      o.prior,
      'ensemble prior',
      o.experts.map((e) => e.name),
    );
    this.names = o.experts.map((e) => e.name);
    let settings: PosteriorSettings;
    let chosen: number[];
    if (o.weighting.kind === 'fixed') {
      // A window of 0 tokens is the prior alone, at every position.
      settings = { kind: 'context', window: 0 };
      chosen = prior.flatMap((p, j) => (p > 0 ? [j] : []));
    } else {
      const { topK, ...rest } = o.weighting.settings;
      settings = rest;
      if (topK?.by === 'prior') chosen = topKByPrior(prior, topK.k).indices.sort((a, b) => a - b);
      else {
        chosen = prior.flatMap((p, j) => (p > 0 ? [j] : []));
        if (topK) settings = { ...rest, topK };
      }
    }
    this.running = chosen;
    this.posterior = new DomainPosterior(
      chosen.map((j) => prior[j]!),
      settings,
    );
    const batches = new Map<ExpertBatch, { members: number[]; slots: number[] }>();
    chosen.forEach((j, slot) => {
      const e = o.experts[j]!;
      if ('open' in e) {
        this.units.push({ session: oneRow(e.open()), slots: [slot] });
        return;
      }
      const b = batches.get(e.batch) ?? { members: [], slots: [] };
      b.members.push(e.member);
      b.slots.push(slot);
      batches.set(e.batch, b);
    });
    for (const [batch, b] of batches) this.units.push({ session: batch.open(b.members), slots: b.slots });
    this.normalised = chosen.map(() => false);
    for (const u of this.units) for (const slot of u.slots) this.normalised[slot] = u.session.normalised ?? false;
    this.maxContext = Math.min(...this.units.map((u) => u.session.maxContext));
    this.parallel = o.parallel ?? DEFAULT_PARALLEL_EXPERTS;
    this.column = new Float64Array(chosen.length);
    this.forwardPasses = chosen.map(() => 0);
  }

  /** The names of the experts that run (the others have weight 0 throughout). */
  get runningExperts(): string[] {
    return this.running.map((j) => this.names[j]!);
  }

  /** The weights for the next token, one per expert given (0 for those not running); they sum to 1. */
  weights(): ExpertWeight[] {
    const w = this.posterior.weights();
    const out = this.names.map((name) => ({ name, weight: 0 }));
    this.running.forEach((j, i) => (out[j]!.weight = w[i]!));
    return out;
  }

  async prefill(ids: readonly number[]): Promise<Float32Array> {
    if (ids.length === 0)
      throw new GroveError('bad_input', 'The ensemble was given an empty prompt; give at least one token (e.g. the BOS token).');
    const results = await this.forEach(async (s) => {
      const r = await s.prefillScored(ids);
      return r.logits.map((logits, i) => ({ logits, promptLogProbs: r.promptLogProbs[i]! }));
    });
    this.posterior.reset();
    results.forEach((r, i) => {
      if (r.promptLogProbs.length !== ids.length - 1) {
        throw new GroveError(
          'internal',
          `Expert ${this.runningExperts[i]} scored ${r.promptLogProbs.length} prompt tokens of ${ids.length - 1}.`,
        );
      }
    });
    for (let t = 0; t < ids.length - 1; t++) {
      for (let i = 0; i < results.length; i++) this.column[i] = results[i]!.promptLogProbs[t]!;
      this.posterior.observe(this.column);
    }
    this.logProbs = results.map((r, i) =>
      this.normalised[i] ? Float32Array.from(r.logits) : logSoftmaxInto(r.logits, new Float32Array(r.logits.length)),
    );
    this.unitMixtures = [];
    this.accepted = false;
    return this.mixture();
  }

  /**
   * Observes the token chosen after the latest position (each expert's log-probability of it) without
   * running the experts; step() then only runs them. Lets the caller read the weights after the last
   * token of a reply, which generation never steps past. Returns those weights.
   */
  accept(id: number): ExpertWeight[] {
    if (this.logProbs.length === 0) throw new GroveError('internal', 'accept() before prefill(): feed the prompt first.');
    if (!this.accepted) {
      for (let i = 0; i < this.logProbs.length; i++) {
        const lp = this.logProbs[i]![id];
        if (lp === undefined)
          throw new GroveError('bad_input', `Token id ${id} is outside the vocabulary (${this.logProbs[i]!.length} tokens).`, { id });
        this.column[i] = lp;
      }
      this.posterior.observe(this.column);
      this.accepted = true;
    }
    return this.weights();
  }

  async step(id: number): Promise<Float32Array> {
    this.accept(id);
    // The weights of the next token are known now (the posterior has seen id): sessions that mix their own rows get theirs.
    const logWeights = this.posterior.logWeights();
    const mixtures: (Float32Array | undefined)[] = [];
    const logits = await this.forEach(async (s, unit) => {
      const own = Float64Array.from(this.units[unit]!.slots, (slot) => logWeights[slot]!);
      const r = await s.step(id, own);
      // A session whose experts all have weight 0 for this token (top-k by position) has no mixture to add.
      mixtures[unit] = r.mixture && own.some((w) => w > -Infinity) ? Float32Array.from(r.mixture) : undefined;
      return r.rows;
    });
    logits.forEach((l, i) => (this.normalised[i] ? this.logProbs[i]!.set(l) : logSoftmaxInto(l, this.logProbs[i]!)));
    this.unitMixtures = mixtures;
    this.accepted = false;
    return this.mixture();
  }

  /**
   * Runs every session (concurrently or one after the other), each giving one result per expert it runs;
   * returns them in the running experts' order. Each result is consumed at once.
   */
  private async forEach<T>(f: (s: ExpertBatchSession, unit: number) => Promise<T[]>): Promise<T[]> {
    this.forwardPasses.forEach((_, i) => this.forwardPasses[i]!++);
    const perUnit: T[][] = [];
    if (this.parallel) perUnit.push(...(await Promise.all(this.units.map((u, k) => f(u.session, k)))));
    else for (const [k, u] of this.units.entries()) perUnit.push(await f(u.session, k));
    const out = new Array<T>(this.running.length);
    this.units.forEach((u, k) => u.slots.forEach((slot, i) => (out[slot] = perUnit[k]![i]!)));
    return out;
  }

  /**
   * log sum_j w_j p_j(x) for every x: a fresh [V] array (the sampler modifies what it is given). A session's
   * own mixture of its experts stands for their rows (with weight 1: it carries their weights already).
   */
  private mixture(): Float32Array {
    const logWeights = this.posterior.logWeights();
    const weights: number[] = [];
    const rows: Float32Array[] = [];
    this.units.forEach((u, k) => {
      const own = this.unitMixtures[k];
      if (own) {
        weights.push(0);
        rows.push(own);
      } else {
        for (const slot of u.slots) {
          weights.push(logWeights[slot]!);
          rows.push(this.logProbs[slot]!);
        }
      }
    });
    const out = new Float32Array(this.logProbs[0]!.length);
    logMixture(weights, rows, out);
    return out;
  }
}
