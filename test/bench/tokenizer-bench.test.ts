// benchTokenizer() runs end to end on a slice of the Brown corpus and reports consistent figures.
import { describe, expect, it } from 'vitest';
import { benchTokenizer } from '../../src/bench/tokenizer-bench';

describe('benchTokenizer', () => {
  it('measures Grove and the reference on the same text', async () => {
    const bench = await benchTokenizer({ documents: 10, rounds: 1, vocabSize: 1000 });
    expect(bench.documents).toBe(10);
    expect(bench.vocabSize).toBe(1000);
    expect(bench.megabytes).toBeGreaterThan(0.05);
    expect(bench.tokens).toBeGreaterThan(bench.megabytes * 1e5); // at most ~10 bytes per token with 1000 merges
    expect(bench.groveMBps).toBeGreaterThan(0);
    expect(bench.referenceMBps).toBeGreaterThan(0);
    expect(bench.ratio).toBeCloseTo(bench.groveMBps / bench.referenceMBps, 6);
  });
});
