// The block quantizers against blocks computed by hand from ggml's reference rules (quantize_row_q8_0_ref,
// quantize_row_q4_0_ref: rounding, the sign of Q4_0's scale, the clamp at 15), their GGUF byte layout, and the
// round trip's error bound on random rows.
import { describe, expect, it } from 'vitest';
import { dequantizeBlocks, quantizeBlocks } from '../../../src/engine/quant/blocks';
import { packGgmlBlocks } from '../../../src/engine/quant/ggml-blocks';

function block(entries: Record<number, number>): Float32Array {
  const x = new Float32Array(32);
  for (const [i, v] of Object.entries(entries)) x[Number(i)] = v;
  return x;
}

describe('Q8_0', () => {
  it('d = max|x| / 127, q = round(x / d) with halves away from zero; 34 bytes: f16 d then int8 q', () => {
    // d = 63.5 / 127 = 0.5 (f16 0x3800); -1.25 / 0.5 = -2.5 -> -3; 0.75 / 0.5 = 1.5 -> 2; 0.2 / 0.5 = 0.4 -> 0.
    const q = quantizeBlocks(block({ 0: 63.5, 1: -1.25, 2: 0.75, 3: 0.2 }), 1, 32, 8);
    expect([...q.scales]).toEqual([0x3800]);
    expect([...q.codes.subarray(0, 5)]).toEqual([128 + 127, 128 - 3, 128 + 2, 128, 128]);
    const bytes = packGgmlBlocks(q);
    expect(bytes.length).toBe(34);
    expect([...bytes.subarray(0, 7)]).toEqual([0x00, 0x38, 127, 0xfd, 2, 0, 0]);
    expect([...dequantizeBlocks(q).subarray(0, 4)]).toEqual([63.5, -1.5, 1, 0]);
  });

  it('an all-zero block has d = 0 and codes of zero', () => {
    const q = quantizeBlocks(new Float32Array(64), 2, 32, 8);
    expect([...q.scales]).toEqual([0, 0]);
    expect(q.codes.every((c) => c === 128)).toBe(true);
  });
});

describe('Q4_0', () => {
  it('d = m / -8 for the value m of largest magnitude, code = min(15, trunc(x / d + 8.5)); low nibbles hold 0-15, high 16-31', () => {
    // m = -4 -> d = 0.5 (0x3800), 1/d = 2: -4 -> 0; 3.9 -> 16.3 -> clamped 15; -0.25 -> 8 (q = 0); 1 -> 10; 0.25 -> 9; 0 -> 8.
    const q = quantizeBlocks(block({ 0: -4, 1: 3.9, 2: -0.25, 16: 1, 17: 0.25 }), 1, 32, 4);
    expect([...q.scales]).toEqual([0x3800]);
    expect([...q.codes.subarray(0, 3)]).toEqual([0, 15, 8]);
    expect([...q.codes.subarray(16, 19)]).toEqual([10, 9, 8]);
    const bytes = packGgmlBlocks(q);
    expect(bytes.length).toBe(18);
    expect([...bytes.subarray(0, 5)]).toEqual([0x00, 0x38, 0x00 | (10 << 4), 15 | (9 << 4), 0x88]);
    expect([...bytes.subarray(5)].every((b) => b === 0x88)).toBe(true);
    expect([...dequantizeBlocks(q).subarray(0, 3)]).toEqual([-4, 3.5, 0]);
  });

  it('a positive maximum gives a negative scale: it maps to code 0 and its negation clamps at 15', () => {
    const q = quantizeBlocks(block({ 0: 4, 1: -4 }), 1, 32, 4);
    expect([...q.scales]).toEqual([0xb800]); // -0.5
    expect([...q.codes.subarray(0, 2)]).toEqual([0, 15]);
  });
});

describe('round trip', () => {
  // Plus the f16 rounding of d (relative 2^-11), which q multiplies: up to 127 steps' worth in Q8_0, 8 in Q4_0.
  it('each value comes back within half a step (Q8_0) or one step (Q4_0, whose clamp costs up to one), plus the f16 rounding of d', () => {
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const x = Float32Array.from({ length: 8 * 64 }, rand);
    for (const bits of [8, 4] as const) {
      const q = quantizeBlocks(x, 8, 64, bits);
      const back = dequantizeBlocks(q);
      for (let b = 0; b < q.scales.length; b++) {
        const slice = x.subarray(b * 32, b * 32 + 32);
        const amax = Math.max(...Array.from(slice, Math.abs));
        const step = amax / (bits === 8 ? 127 : 8);
        const bound = (bits === 8 ? 0.5 + 127 * 2 ** -11 : 1 + 8 * 2 ** -11) * step;
        for (let j = 0; j < 32; j++) expect(Math.abs(back[b * 32 + j]! - slice[j]!)).toBeLessThanOrEqual(bound * (1 + 1e-6));
      }
    }
  });

  it('refuses rows that are not a whole number of blocks', () => {
    expect(() => quantizeBlocks(new Float32Array(48), 1, 48, 8)).toThrow(/blocks of 32/);
  });
});
