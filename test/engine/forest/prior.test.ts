import { describe, expect, it } from 'vitest';
import { CachedPriorEstimator, estimateCachedPrior } from '../../../src/engine/forest/prior';
import { LAST_TOKEN_POSTERIOR } from '../../../src/engine/forest/posterior';

const ln = Math.log;
// Two experts; expert 0 gives the first token 0.8, expert 1 gives it 0.2; both give the second 0.1.
const seqA = [
  [ln(0.8), ln(0.1)],
  [ln(0.2), ln(0.1)],
];
// One token both experts find equally likely.
const seqB = [[ln(0.5)], [ln(0.5)]];

describe('cached prior', () => {
  it("smooths the batches' mean last-position posteriors as pandas' ewm(alpha=0.3, adjust=False), as computed by hand", () => {
    const estimator = new CachedPriorEstimator(2, { alpha: 0.3, sequences: 3 });
    expect(estimator.prior).toEqual([0.5, 0.5]);

    // Batch 1, prior [0.5, 0.5]: seqA's last position (t=1) -> [0.8, 0.2]. The first batch seeds the EMA.
    expect(estimator.addBatch([seqA])).toBe(true);
    const s1 = [0.8, 0.2];
    estimator.prior.forEach((v, j) => expect(v).toBeCloseTo(s1[j]!, 14));

    // Batch 2, prior s1: seqA's last position -> s1 * [0.8, 0.2] renormalised; seqB's (t=0) -> s1.
    const z = 0.8 * 0.8 + 0.2 * 0.2;
    const mean = [((0.8 * 0.8) / z + 0.8) / 2, ((0.2 * 0.2) / z + 0.2) / 2];
    expect(estimator.addBatch([seqA, seqB])).toBe(false); // 3 sequences: frozen
    const s2 = s1.map((s, j) => 0.7 * s + 0.3 * mean[j]!); // the newest batch weighs 0.3
    estimator.prior.forEach((v, j) => expect(v).toBeCloseTo(s2[j]!, 14));
    expect(estimator.history).toHaveLength(2);
    expect(estimator.frozen).toBe(true);

    // Frozen: later text changes nothing.
    expect(estimator.addBatch([seqA, seqA])).toBe(false);
    estimator.prior.forEach((v, j) => expect(v).toBeCloseTo(s2[j]!, 14));
    expect(estimator.sequences).toBe(3);
  });

  it('cuts the batch that crosses the sequence limit, and stops reading batches', () => {
    let read = 0;
    function* batches() {
      for (;;) {
        read++;
        yield [seqA, seqB];
      }
    }
    const cut = estimateCachedPrior(2, batches(), { sequences: 3 });
    expect(cut.sequences).toBe(3);
    expect(read).toBe(2);
    // The second batch contributed seqA only: same as feeding [seqA, seqB] then [seqA].
    const byHand = new CachedPriorEstimator(2, { sequences: 10 });
    byHand.addBatch([seqA, seqB]);
    byHand.addBatch([seqA]);
    cut.prior.forEach((v, j) => expect(v).toBeCloseTo(byHand.prior[j]!, 15));
  });

  it('follows the expert that fits the target and honours the posterior settings', () => {
    // Expert 1 is better on every token of every sequence: the prior moves towards it.
    const seq = [new Float64Array(20).fill(-3), new Float64Array(20).fill(-2)];
    const ctx = estimateCachedPrior(
      2,
      [
        [seq, seq],
        [seq, seq],
      ],
      { sequences: 100 },
    );
    const last = estimateCachedPrior(
      2,
      [
        [seq, seq],
        [seq, seq],
      ],
      { sequences: 100, posterior: LAST_TOKEN_POSTERIOR },
    );
    expect(ctx.prior[1]).toBeGreaterThan(0.9);
    expect(last.prior[1]).toBeGreaterThan(0.5);
    expect(last.prior[1]).toBeLessThan(ctx.prior[1]!); // one token of evidence is weaker than twenty
    expect(ctx.prior[0]! + ctx.prior[1]!).toBeCloseTo(1, 15);
  });

  it('refuses bad settings and inputs with the fix in the message', () => {
    expect(() => new CachedPriorEstimator(2, { alpha: 0 })).toThrow(/alpha is 0/);
    expect(() => new CachedPriorEstimator(2, { alpha: 1.5 })).toThrow(/alpha is 1.5/);
    expect(() => new CachedPriorEstimator(2, { sequences: 0 })).toThrow(/sequences is 0/);
    expect(() => new CachedPriorEstimator(2, { initial: [1, 0, 0] })).toThrow(/3 entries for 2 experts/);
    expect(() => new CachedPriorEstimator(3).addBatch([seqA])).toThrow(/log-probs for 2 experts, not 3/);
    expect(() => estimateCachedPrior(2, [])).toThrow(/no sequences/);
  });
});
