// Purity and the adjusted Rand index against values worked by hand from their definitions (Hubert & Arabie's
// formula; the first two are also scikit-learn's documented adjusted_rand_score examples), and their invariances.
import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, contingency, purity } from '../../../../src/engine/corpus/discover/agreement';

describe('adjustedRandIndex', () => {
  it('matches worked examples', () => {
    // [0,0,1,1] vs [0,0,1,2]: index 1, row pairs 2, column pairs 1, C(4,2) = 6: expected 1/3, max 3/2 -> (2/3) / (7/6) = 4/7.
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(4 / 7, 12);
    // Every item alone against one group: index 0, expected 0, max 3 -> 0.
    expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
    // [a,a,a,b,b,b] vs [x,x,y,y,z,z]: index 2, row pairs 6, column pairs 3, C(6,2) = 15: expected 1.2, max 4.5 -> 0.8 / 3.3.
    expect(adjustedRandIndex(['a', 'a', 'a', 'b', 'b', 'b'], ['x', 'x', 'y', 'y', 'z', 'z'])).toBeCloseTo(0.8 / 3.3, 12);
    // Worse than chance: [0,0,1,1] vs [0,1,0,1]: index 0, row and column pairs 2, expected 4/6, max 2 -> -0.5.
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 12);
  });

  it('is 1 for the same partition under other names, and symmetric', () => {
    const a = [0, 0, 1, 1, 2, 2, 2];
    expect(adjustedRandIndex(a, ['c', 'c', 'a', 'a', 'b', 'b', 'b'])).toBe(1);
    const b = [1, 0, 1, 1, 2, 0, 2];
    expect(adjustedRandIndex(a, b)).toBeCloseTo(adjustedRandIndex(b, a), 12);
  });

  it('refuses mismatched lengths', () => {
    expect(() => adjustedRandIndex([0, 1], [0])).toThrow(/2 labels for 1/);
  });
});

describe('purity', () => {
  it('counts each cluster by its majority label', () => {
    // Cluster x: a,a,b (2); cluster y: b,b,c (2); cluster z: c (1) -> 5 / 7.
    const labels = ['a', 'a', 'b', 'b', 'b', 'c', 'c'];
    const clusters = ['x', 'x', 'x', 'y', 'y', 'y', 'z'];
    expect(purity(labels, clusters)).toBeCloseTo(5 / 7, 12);
    expect(contingency(labels, clusters)).toEqual([
      [2, 0, 0],
      [1, 2, 0],
      [0, 1, 1],
    ]);
    expect(purity(labels, labels)).toBe(1);
  });
});
