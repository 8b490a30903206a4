import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/engine/model/rng';
import {
  CONTEXT_POSTERIOR,
  DomainPosterior,
  LAST_TOKEN_POSTERIOR,
  ensembleLogProbs,
  ensemblePerplexity,
  posteriorTrajectory,
  topKByPrior,
  type PosteriorSettings,
} from '../../../src/engine/forest/posterior';

/** [k][T] log-probs of random tokens: values in (-4, -0.1) so raw products stay representable. */
function randomLogProbs(k: number, T: number, seed: number, scale = 4): Float32Array[] {
  const rng = new Rng(seed, 'logprobs');
  return Array.from({ length: k }, () => Float32Array.from({ length: T }, () => -0.1 - scale * rng.uniform()));
}

/** Straight from the formulas with raw probabilities (float64), no log space, no incremental state. */
function bruteForce(lp: Float32Array[], prior: number[], window: number, topK = Infinity): { weights: number[][]; mix: number[] } {
  const k = lp.length,
    T = lp[0]!.length;
  const weights: number[][] = [];
  const mix: number[] = [];
  for (let t = 0; t < T; t++) {
    let w = prior.map((p, j) => {
      let likelihood = 1;
      for (let s = Math.max(0, t - window); s < t; s++) likelihood *= Math.exp(lp[j]![s]!);
      return p * likelihood;
    });
    if (topK < k) {
      const keep = [...w.keys()].sort((a, b) => w[b]! - w[a]! || a - b).slice(0, topK);
      w = w.map((v, j) => (keep.includes(j) ? v : 0));
    }
    const z = w.reduce((a, b) => a + b, 0);
    w = w.map((v) => v / z);
    weights.push(w);
    mix.push(Math.log(w.reduce((acc, wj, j) => acc + wj * Math.exp(lp[j]![t]!), 0)));
  }
  return { weights, mix };
}

function rows(flat: Float64Array, k: number): number[][] {
  return Array.from({ length: flat.length / k }, (_, t) => Array.from(flat.subarray(t * k, (t + 1) * k)));
}

function expectClose(actual: number[][], expected: number[][], digits = 12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, t) => row.forEach((v, j) => expect(v, `t=${t} j=${j}`).toBeCloseTo(expected[t]![j]!, digits)));
}

const prior = [0.5, 0.2, 0.3];

describe('context posterior', () => {
  it('matches the brute-force product formula on random inputs, whole context and windows', () => {
    for (const [seed, window] of [
      [1, Infinity],
      [2, 3],
      [3, 1],
      [4, 0],
      [5, 7],
    ] as const) {
      const lp = randomLogProbs(3, 12, seed);
      const settings: PosteriorSettings = { kind: 'context', window };
      const expected = bruteForce(lp, prior, window);
      expectClose(rows(posteriorTrajectory(lp, prior, settings), 3), expected.weights);
      Array.from(ensembleLogProbs(lp, prior, settings)).forEach((v, t) => expect(v, `t=${t}`).toBeCloseTo(expected.mix[t]!, 12));
    }
  });

  it('uses the prior at position 0 and its weights sum to 1 everywhere', () => {
    const lp = randomLogProbs(3, 20, 9);
    const w = rows(posteriorTrajectory(lp, prior, CONTEXT_POSTERIOR), 3);
    expect(w[0]![0]).toBeCloseTo(0.5, 15);
    expect(w[0]![1]).toBeCloseTo(0.2, 15);
    for (const row of w) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
  });

  it('stays finite and exact over 5000 tokens of about -30 each, where raw products underflow', () => {
    const T = 5000;
    const rng = new Rng(11, 'long');
    const a = Float64Array.from({ length: T }, () => -30 + rng.normal());
    const b = a.map((v) => v - 0.001); // expert b is worse by exactly 0.001 nats per token
    const p = [0.4, 0.6];
    // The naive formula fails here: both likelihoods are 0, the posterior is 0/0.
    let naiveA = p[0]!,
      naiveB = p[1]!;
    for (let t = 0; t < T; t++) ((naiveA *= Math.exp(a[t]!)), (naiveB *= Math.exp(b[t]!)));
    expect(Number.isNaN(naiveA / (naiveA + naiveB))).toBe(true);

    const weights = posteriorTrajectory([a, b], p);
    const mix = ensembleLogProbs([a, b], p);
    for (const t of [0, 1, 100, 2500, 4999]) {
      const wb = (0.6 * Math.exp(-0.001 * t)) / (0.4 + 0.6 * Math.exp(-0.001 * t));
      expect(weights[2 * t + 1], `t=${t}`).toBeCloseTo(wb, 12);
      expect(mix[t], `t=${t}`).toBeCloseTo(a[t]! + Math.log(1 - wb + wb * Math.exp(-0.001)), 10);
    }
    expect(mix.every(Number.isFinite)).toBe(true);
    expect(ensemblePerplexity([[a, b]], p)).toBeGreaterThan(Math.exp(29));
  });

  it('forgets with a window: after a switch of domain the windowed posterior follows, the full one lags', () => {
    // Expert 0 is better for the first 300 tokens, expert 1 for the next 30.
    const T = 330;
    const a = Float64Array.from({ length: T }, (_, t) => (t < 300 ? -2 : -4));
    const b = Float64Array.from({ length: T }, (_, t) => (t < 300 ? -4 : -2));
    const windowed = posteriorTrajectory([a, b], [0.5, 0.5], { kind: 'context', window: 10 });
    const full = posteriorTrajectory([a, b], [0.5, 0.5], { kind: 'context', window: Infinity });
    expect(windowed[2 * 299]).toBeGreaterThan(0.999);
    expect(windowed[2 * 329 + 1]).toBeGreaterThan(0.999); // 29 tokens after the switch
    expect(full[2 * 329]).toBeGreaterThan(0.999); // still stuck on expert 0
  });

  it('slides the window incrementally over a long stream exactly as a recomputation from scratch', () => {
    const lp = randomLogProbs(4, 3000, 21, 30);
    const p = [0.1, 0.2, 0.3, 0.4];
    const posterior = new DomainPosterior(p, { kind: 'context', window: 150 });
    for (let t = 0; t < 3000; t++) {
      if (t % 397 === 0 || t === 2999) {
        const logits = p.map((pj, j) => {
          let s = 0;
          for (let u = Math.max(0, t - 150); u < t; u++) s += lp[j]![u]!;
          return Math.log(pj) + s;
        });
        const m = Math.max(...logits);
        const z = logits.reduce((acc, v) => acc + Math.exp(v - m), 0);
        Array.from(posterior.weights()).forEach((w, j) => expect(w, `t=${t} j=${j}`).toBeCloseTo(Math.exp(logits[j]! - m) / z, 11));
      }
      posterior.observe(lp.map((row) => row[t]!));
    }
    expect(posterior.observed).toBe(3000);
    posterior.reset();
    expect(Array.from(posterior.weights())).toEqual(p.map((v) => expect.closeTo(v, 15)));
  });
});

describe('last-token posterior', () => {
  it('weights each expert by prior times its probability of the previous token, prior at position 0', () => {
    const lp = randomLogProbs(3, 10, 31);
    const w = rows(posteriorTrajectory(lp, prior, LAST_TOKEN_POSTERIOR), 3);
    expectClose([w[0]!], [prior], 15);
    for (let t = 1; t < 10; t++) {
      const raw = prior.map((p, j) => p * Math.exp(lp[j]![t - 1]!));
      const z = raw.reduce((a, b) => a + b, 0);
      expectClose([w[t]!], [raw.map((v) => v / z)], 12);
    }
  });

  it('refuses a window other than 1', () => {
    expect(() => new DomainPosterior(prior, { kind: 'last-token', window: 5 })).toThrow(/last-token posterior has window 1/);
  });
});

describe('top-k', () => {
  it('k = all reproduces the full ensemble exactly, per position and by prior', () => {
    const lp = randomLogProbs(3, 15, 41);
    const full = ensembleLogProbs(lp, prior);
    expect(ensembleLogProbs(lp, prior, { kind: 'context', topK: { k: 3, by: 'position' } })).toEqual(full);
    expect(ensembleLogProbs(lp, prior, { kind: 'context', topK: { k: Infinity, by: 'prior' } })).toEqual(full);
  });

  it('per position: keeps the k largest weights, renormalised, as the brute force does', () => {
    const lp = randomLogProbs(3, 12, 43);
    const settings: PosteriorSettings = { kind: 'context', topK: { k: 2, by: 'position' } };
    const expected = bruteForce(lp, prior, Infinity, 2);
    const w = rows(posteriorTrajectory(lp, prior, settings), 3);
    expectClose(w, expected.weights);
    for (const row of w) {
      expect(row.filter((v) => v === 0)).toHaveLength(1);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    }
    Array.from(ensembleLogProbs(lp, prior, settings)).forEach((v, t) => expect(v).toBeCloseTo(expected.mix[t]!, 12));
  });

  it('by prior: runs only the chosen experts; the others may be NaN (never run)', () => {
    expect(topKByPrior(prior, 2)).toEqual({ indices: [0, 2], prior: [expect.closeTo(0.625, 15), expect.closeTo(0.375, 15)] });
    const lp = randomLogProbs(3, 8, 47);
    const restricted = ensembleLogProbs([lp[0]!, lp[2]!], [0.625, 0.375]);
    const withNaN = [lp[0]!, new Float32Array(8).fill(Number.NaN), lp[2]!];
    const byPrior = ensembleLogProbs(withNaN, prior, { kind: 'context', topK: { k: 2, by: 'prior' } });
    Array.from(byPrior).forEach((v, t) => expect(v).toBeCloseTo(restricted[t]!, 14));
  });
});

describe('bad input', () => {
  it('refuses mismatched shapes, non-finite scores, bad windows and bad priors, saying what to fix', () => {
    const lp = randomLogProbs(3, 5, 51);
    expect(() => posteriorTrajectory(lp.slice(0, 2), prior)).toThrow(/log-probs for 2 experts but a prior over 3/);
    expect(() => posteriorTrajectory([lp[0]!, lp[1]!, lp[2]!.subarray(0, 4)], prior)).toThrow(/expert 2 scored 4 tokens/);
    const bad = Float32Array.from(lp[1]!);
    bad[3] = Number.NaN;
    expect(() => ensembleLogProbs([lp[0]!, bad, lp[2]!], prior)).toThrow(/expert 1 gave log-probability NaN at token 3/);
    expect(() => new DomainPosterior(prior, { kind: 'context', window: -1 })).toThrow(/window is -1/);
    expect(() => new DomainPosterior(prior, { kind: 'context', window: 2.5 })).toThrow(/whole number/);
    expect(() => new DomainPosterior([0, 0])).toThrow(/all weights are zero/);
    expect(() => new DomainPosterior([0.5, -0.5])).toThrow(/expert 1 is -0.5/);
    expect(() => new DomainPosterior(prior, { kind: 'context', topK: { k: 0, by: 'position' } })).toThrow(/k is 0/);
    expect(() => ensemblePerplexity([], prior)).toThrow(/no tokens/);
  });
});
