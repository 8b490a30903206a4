// The truncated SVD of a product of factors against the direct computation: D = B A formed densely here, its
// SVD by PyTorch (torch.linalg.svd, float64): the same singular values, B_r A_r = torch's best rank-r
// approximation, the reported error = ||D - B_r A_r||_F / ||D||_F; on the QR path (R below out and in) and the
// dense path (R above one of them), for a rank-deficient product, r above the rank, and D = 0.
import { describe, expect, it } from 'vitest';
import { truncateProduct } from '../../../src/engine/model/low-rank';
import { Rng } from '../../../src/engine/model/rng';
import { frobenius, relativeMaxDiff, torchTruncatedSvd } from '../../helpers/lora';
import { torchFor } from '../../helpers/torch';

const torchAvailable = torchFor('low-rank SVD against torch');

function normal(n: number, stream: string): Float64Array {
  const rng = new Rng(7, stream);
  return Float64Array.from({ length: n }, () => rng.normal());
}

function product(B: Float64Array, A: Float64Array, out: number, R: number, inn: number): Float64Array {
  const D = new Float64Array(out * inn);
  for (let o = 0; o < out; o++)
    for (let k = 0; k < R; k++) for (let c = 0; c < inn; c++) D[o * inn + c]! += B[o * R + k]! * A[k * inn + c]!;
  return D;
}

const cases = [
  { name: 'QR path, tall and wide', out: 40, R: 9, inn: 24, r: 4 },
  { name: 'QR path, R = in', out: 30, R: 12, inn: 12, r: 5 },
  { name: 'dense path, R above out', out: 10, R: 14, inn: 20, r: 3 },
  { name: 'dense path, R above in', out: 25, R: 16, inn: 8, r: 6 },
];

describe.skipIf(!torchAvailable)('truncated SVD of B A', () => {
  it.each(cases)('$name: singular values, B_r A_r and the error as torch computes them from the dense D', ({ name, out, R, inn, r }) => {
    const B = normal(out * R, `${name}B`);
    const A = normal(R * inn, `${name}A`);
    const D = product(B, A, out, R, inn);
    const t = truncateProduct(B, A, { out, inner: R, in: inn }, r);
    const [ref] = torchTruncatedSvd([{ rows: out, cols: inn, data: D, rank: r }]);
    const p = Math.min(R, out, inn);
    expect(Array.from(t.singularValues).slice(0, p)).toHaveLength(p);
    expect(relativeMaxDiff(t.singularValues.slice(0, p), ref!.singularValues.slice(0, p))).toBeLessThan(1e-12);
    const Dr = product(t.B, t.A, out, r, inn);
    expect(relativeMaxDiff(Dr, ref!.truncated)).toBeLessThan(1e-10);
    const residual = frobenius(D.map((x, i) => x - Dr[i]!));
    expect(t.relativeError).toBeGreaterThan(0.05); // the rank is really cut
    expect(Math.abs(t.relativeError - residual / frobenius(D))).toBeLessThan(1e-12);
    // sqrt(S) on each side: column i of B and row i of A have the same norm, sqrt(S_i).
    for (let i = 0; i < r; i++) {
      const col = frobenius(Array.from({ length: out }, (_, o) => t.B[o * r + i]!));
      const row = frobenius(t.A.subarray(i * inn, (i + 1) * inn));
      expect(col).toBeCloseTo(Math.sqrt(t.singularValues[i]!), 10);
      expect(row).toBeCloseTo(Math.sqrt(t.singularValues[i]!), 10);
    }
  });
});

describe('truncated SVD edge cases', () => {
  it('a rank-deficient product (two equal blocks, a zero block) and r above its rank: D exactly, error 0, zero padding', () => {
    const out = 20;
    const inn = 16;
    const half = normal(out * 3, 'half');
    const A3 = normal(3 * inn, 'A3');
    // B = [b, b, 0] over A = [a; a; a2]: D = 2 b a, rank 3 from R = 9.
    const R = 9;
    const B = new Float64Array(out * R);
    const A = new Float64Array(R * inn);
    for (let o = 0; o < out; o++)
      for (let k = 0; k < 3; k++) {
        B[o * R + k] = half[o * 3 + k]!;
        B[o * R + 3 + k] = half[o * 3 + k]!;
      }
    A.set(A3, 0);
    A.set(A3, 3 * inn);
    A.set(normal(3 * inn, 'A2'), 6 * inn);
    const D = product(B, A, out, R, inn);
    const t = truncateProduct(B, A, { out, inner: R, in: inn }, 5);
    expect(t.singularValues[3]! / t.singularValues[0]!).toBeLessThan(1e-12);
    expect(t.relativeError).toBeLessThan(1e-12);
    expect(relativeMaxDiff(product(t.B, t.A, out, 5, inn), D)).toBeLessThan(1e-12);
    const big = truncateProduct(B, A, { out, inner: R, in: inn }, 12); // more than min(R, out, in) = 9 values
    expect(big.singularValues).toHaveLength(9);
    expect(Array.from({ length: out }, (_, o) => big.B.subarray(o * 12 + 9, o * 12 + 12)).every((row) => row.every((x) => x === 0))).toBe(
      true,
    );
    expect(big.A.subarray(9 * inn).every((x) => x === 0)).toBe(true);
    expect(relativeMaxDiff(product(big.B, big.A, out, 12, inn), D)).toBeLessThan(1e-12);
  });
  it('D = 0 (B zero, as a fresh adapter) gives zero factors and error 0; no factors at all likewise', () => {
    const t = truncateProduct(new Float64Array(12 * 3), normal(3 * 8, 'z'), { out: 12, inner: 3, in: 8 }, 2);
    expect(t.relativeError).toBe(0);
    expect(t.B.every((x) => x === 0) && t.A.every((x) => x === 0)).toBe(true);
    const none = truncateProduct(new Float64Array(0), new Float64Array(0), { out: 12, inner: 0, in: 8 }, 2);
    expect(none.B).toHaveLength(24);
    expect(none.singularValues).toHaveLength(0);
  });

  it('refuses factors that do not fit the shape, and a rank below 1', () => {
    expect(() => truncateProduct(new Float64Array(5), new Float64Array(6), { out: 2, inner: 3, in: 2 }, 1)).toThrow(/do not fit/);
    expect(() => truncateProduct(new Float64Array(6), new Float64Array(6), { out: 2, inner: 3, in: 2 }, 0)).toThrow(/positive integer/);
  });
});
