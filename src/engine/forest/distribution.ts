// Probability vectors over experts (priors, averaging weights): validation, renormalisation, top-k,
// and log-sum-exp, the one primitive every posterior in btm.md is computed with.
import { GroveError } from '../../shared/api/errors';

/**
 * Checks a vector of non-negative weights (finite, >= 0, not all zero) and rescales it to sum to 1.
 * `labels` name each entry in errors (expert names), `where` names the caller (e.g. "prior").
 */
export function normaliseDistribution(values: ArrayLike<number>, where: string, labels?: readonly string[]): number[] {
  if (values.length === 0) throw new GroveError('bad_input', `${where}: no experts given. Pass at least one expert with a weight.`);
  if (labels && labels.length !== values.length) {
    throw new GroveError('bad_input', `${where}: ${values.length} weights for ${labels.length} experts. Give one weight per expert.`, {
      weights: values.length,
      experts: labels.length,
    });
  }
  let sum = 0;
  for (let j = 0; j < values.length; j++) {
    const v = values[j]!;
    const name = labels?.[j] ?? `expert ${j}`;
    if (!Number.isFinite(v) || v < 0) {
      throw new GroveError('bad_input', `${where}: the weight of ${name} is ${v}; weights must be finite numbers >= 0. Fix that weight.`, {
        expert: name,
        weight: v,
      });
    }
    sum += v;
  }
  if (sum === 0)
    throw new GroveError('bad_input', `${where}: all weights are zero. Give at least one expert a positive weight.`, {
      weights: Array.from(values),
    });
  return Array.from(values, (v) => v / sum);
}

/** The uniform distribution over k experts: P(D=j) = 1/k. */
export function uniform(k: number): number[] {
  if (!Number.isInteger(k) || k < 1) throw new GroveError('bad_input', `uniform: ${k} experts; need a whole number >= 1.`, { k });
  return new Array<number>(k).fill(1 / k);
}

/** log sum_i exp(x_i), shifted by the max so no term overflows or underflows to 0. */
export function logSumExp(x: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i]! > m) m = x[i]!;
  if (m === -Infinity || Number.isNaN(m)) return m;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i]! - m);
  return m + Math.log(s);
}

/**
 * The ensemble's mixture in log space (btm.md "Use the forest"), for every entry x of the experts' rows:
 * out[x] = log sum_j w_j p_j(x) = logSumExp_j(logWeights[j] + logProbs[j][x]). Experts whose weight is 0
 * (log -Infinity: left out by top-k or a manual weight) are skipped; one live expert is copied as it is.
 * The one definition of the mixture: a token's probability in scoring, a whole [V] row in decoding.
 */
export function logMixture(logWeights: ArrayLike<number>, logProbs: readonly ArrayLike<number>[], out: Float32Array | Float64Array): void {
  const live: number[] = [];
  for (let j = 0; j < logWeights.length; j++) if (logWeights[j] !== -Infinity) live.push(j);
  const n = out.length;
  if (live.length === 1) {
    const row = logProbs[live[0]!]!;
    const w = logWeights[live[0]!]!;
    for (let x = 0; x < n; x++) out[x] = w + row[x]!;
    return;
  }
  // Row by row, each pass one simple loop over x (a decoded token mixes k rows of a whole vocabulary: an
  // x-outer loop over the experts ran about 10x slower in V8, 12.6 ms for 4 rows of 49152).
  const { max, sum } = scratch(n);
  max.fill(-Infinity, 0, n);
  sum.fill(0, 0, n);
  for (const j of live) {
    const row = logProbs[j]!;
    const w = logWeights[j]!;
    for (let x = 0; x < n; x++) {
      const v = w + row[x]!;
      if (v > max[x]!) max[x] = v;
    }
  }
  for (const j of live) {
    const row = logProbs[j]!;
    const w = logWeights[j]!;
    for (let x = 0; x < n; x++) sum[x]! += Math.exp(w + row[x]! - max[x]!);
  }
  for (let x = 0; x < n; x++) {
    const m = max[x]!;
    out[x] = m === -Infinity ? m : m + Math.log(sum[x]!);
  }
}

let scratchMax = new Float64Array(0);
let scratchSum = new Float64Array(0);

/** Working rows of at least n entries, kept between calls (a mixture per decoded token). */
function scratch(n: number): { max: Float64Array; sum: Float64Array } {
  if (scratchMax.length < n) {
    scratchMax = new Float64Array(n);
    scratchSum = new Float64Array(n);
  }
  return { max: scratchMax, sum: scratchSum };
}

/**
 * Indices of the k largest entries, largest first; ties go to the lower index so the choice is
 * deterministic. Entries equal to -Infinity (log of a zero weight) are never chosen.
 */
export function topKIndices(values: ArrayLike<number>, k: number): number[] {
  checkTopK(k, values.length);
  const order = Array.from({ length: values.length }, (_, i) => i).filter((i) => values[i]! > -Infinity);
  order.sort((a, b) => values[b]! - values[a]! || a - b);
  return order.slice(0, k);
}

/** k must be a whole number >= 1; k larger than the number of experts means all of them. */
export function checkTopK(k: number, experts: number): void {
  if (!(k === Infinity || (Number.isInteger(k) && k >= 1))) {
    throw new GroveError('bad_input', `top-k: k is ${k}; it must be a whole number >= 1 (or Infinity for all ${experts} experts).`, { k });
  }
}

/** In place: keeps the k largest log-weights, sets the rest to -Infinity and renormalises (log space). */
export function restrictLogWeightsToTopK(logWeights: Float64Array, k: number): void {
  if (k >= logWeights.length) return;
  const keep = new Set(topKIndices(logWeights, k));
  for (let j = 0; j < logWeights.length; j++) if (!keep.has(j)) logWeights[j] = -Infinity;
  const z = logSumExp(logWeights);
  for (let j = 0; j < logWeights.length; j++) logWeights[j]! -= z;
}
