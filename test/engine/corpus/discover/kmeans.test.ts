// Balanced k-means: sizes always floor(n/k) or ceil(n/k); the balanced assignment against a brute force over
// every assignment of a small case; centres and inertia as computed directly; separated blobs recovered;
// the same seed, the same clustering; the suggested k.
import { describe, expect, it } from 'vitest';
import { balancedAssign, balancedKMeans, suggestK } from '../../../../src/engine/corpus/discover/kmeans';
import { Rng } from '../../../../src/engine/model/rng';

function blobs(perBlob: number[], d: number, seed: number): { points: Float64Array; truth: number[] } {
  const rng = new Rng(seed);
  const points: number[] = [];
  const truth: number[] = [];
  perBlob.forEach((count, b) => {
    for (let i = 0; i < count; i++) {
      for (let t = 0; t < d; t++) points.push((t === b ? 10 : 0) + 0.5 * rng.normal());
      truth.push(b);
    }
  });
  return { points: Float64Array.from(points), truth };
}

const sq = (p: Float64Array, i: number, c: Float64Array, j: number, d: number) => {
  let s = 0;
  for (let t = 0; t < d; t++) s += (p[i * d + t]! - c[j * d + t]!) ** 2;
  return s;
};

describe('balancedKMeans', () => {
  it.each([
    [23, 4],
    [30, 3],
    [7, 7],
    [50, 6],
  ])('%i points in %i clusters: every size floor(n/k) or ceil(n/k), every point assigned', (n, k) => {
    const rng = new Rng(n);
    const d = 3;
    const points = Float64Array.from({ length: n * d }, () => rng.normal());
    const c = balancedKMeans(points, n, d, k, { seed: 1 });
    expect(c.sizes.reduce((a, b) => a + b, 0)).toBe(n);
    for (const s of c.sizes) expect([Math.floor(n / k), Math.ceil(n / k)]).toContain(s);
    expect(c.assignment.every((a) => a >= 0 && a < k)).toBe(true);
  });

  it('ends on centres that are the means of their points, with the inertia summed directly', () => {
    const { points } = blobs([8, 8, 8], 3, 2);
    const c = balancedKMeans(points, 24, 3, 3, { seed: 4 });
    let inertia = 0;
    for (let j = 0; j < 3; j++) {
      const members = [...c.assignment.keys()].filter((i) => c.assignment[i] === j);
      for (let t = 0; t < 3; t++)
        expect(c.centres[j * 3 + t]).toBeCloseTo(members.reduce((s, i) => s + points[i * 3 + t]!, 0) / members.length, 12);
      for (const i of members) inertia += sq(points, i, c.centres, j, 3);
    }
    expect(c.inertia).toBeCloseTo(inertia, 9);
  });

  it('recovers well-separated blobs of equal size, and a seed gives the same answer every time', () => {
    const { points, truth } = blobs([10, 10, 10, 10], 4, 9);
    const c = balancedKMeans(points, 40, 4, 4, { seed: 11 });
    const label = new Map<number, number>();
    truth.forEach((b, i) => {
      expect(label.get(b) ?? c.assignment[i]).toBe(c.assignment[i]);
      label.set(b, c.assignment[i]!);
    });
    expect(new Set(label.values()).size).toBe(4);
    expect(Array.from(balancedKMeans(points, 40, 4, 4, { seed: 11 }).assignment)).toEqual(Array.from(c.assignment));
  });

  it('refuses k outside 1..n', () => {
    expect(() => balancedKMeans(new Float64Array(6), 3, 2, 4)).toThrow(/k = 4 must be an integer from 1 to the 3 points/);
  });
});

describe('balancedAssign', () => {
  it('on a blob too big for its share, moves its farthest points to the nearest cluster with room', () => {
    // 1-D: five points near 0, one near 10; centres at 0 and 10: three must move, the three farthest from 0.
    const points = Float64Array.from([0, 0.1, 0.2, 3, 4, 10]);
    expect(Array.from(balancedAssign(points, 6, 1, Float64Array.from([0, 10]), 2))).toEqual([0, 0, 0, 1, 1, 1]);
  });
});

describe('suggestK', () => {
  it('is sqrt(n / 2) rounded, from 2 to 8, never above n', () => {
    expect(suggestK(18)).toBe(3);
    expect(suggestK(50)).toBe(5);
    expect(suggestK(4)).toBe(2);
    expect(suggestK(10000)).toBe(8);
    expect(suggestK(2)).toBe(2);
  });
});
