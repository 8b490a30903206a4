import { describe, expect, it } from 'vitest';
import { exactSplitFractions, randomParts } from '../../../src/bench/btm/corpus';
import { resolveSettings } from '../../../src/engine/corpus/settings';
import { planSplit } from '../../../src/engine/corpus/split';

describe('random-split control parts', () => {
  it('deals every document once into k parts whose sizes differ by at most one, the same way for the same seed', () => {
    const docs = Array.from({ length: 103 }, (_, i) => `doc${i}`);
    const parts = randomParts(docs, 8, 3);
    expect(parts).toHaveLength(8);
    expect(parts.flat().sort()).toEqual([...docs].sort());
    const sizes = parts.map((p) => p.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(randomParts(docs, 8, 3)).toEqual(parts);
    expect(randomParts(docs, 8, 4)).not.toEqual(parts);
    // Shuffled, not dealt in order: the first part is not every eighth document from the start.
    expect(parts[0]).not.toEqual(docs.filter((_, i) => i % 8 === 0));
  });
});

describe('exact split fractions', () => {
  it("makes ingestion's own split plan put exactly the asked number of documents into valid and test", () => {
    const files = Array.from({ length: 44 }, (_, i) => `ca${String(i + 1).padStart(2, '0')}.txt`);
    for (const [valid, test] of [
      [2, 3],
      [1, 1],
      [5, 8],
    ] as const) {
      const fractions = exactSplitFractions(files, { valid, test }, 1234);
      const plan = planSplit(
        files.map((path) => ({ path, tokens: 1, pieces: 1 })),
        resolveSettings({ validFraction: fractions.valid, testFraction: fractions.test, seed: 1234, minDocumentsToSplitByDocument: 3 }),
      );
      const splits = files.map((f) => plan.pieces.get(f)![0]);
      expect([splits.filter((s) => s === 'valid').length, splits.filter((s) => s === 'test').length]).toEqual([valid, test]);
    }
  });

  it('refuses counts that leave no training document', () => {
    expect(() => exactSplitFractions(['a.txt', 'b.txt', 'c.txt'], { valid: 1, test: 2 }, 1)).toThrow(
      /cannot give 1 valid and 2 test documents/,
    );
  });
});
