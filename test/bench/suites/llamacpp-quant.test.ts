import { describe, expect, it } from 'vitest';
import { meanKl, perplexityOf } from '../../../src/bench/suites/llamacpp-quant';

const log = (xs: number[]) => Float32Array.from(xs, Math.log);

describe('quantization cost measures', () => {
  it('perplexity reads the next token of each position', () => {
    // Two positions over a 2-token vocabulary: p(ids[1]) = 0.5, p(ids[2]) = 0.25.
    const lp = log([0.5, 0.5, 0.75, 0.25]);
    expect(perplexityOf(lp, [0, 1, 1], 2)).toBeCloseTo(Math.exp(-(Math.log(0.5) + Math.log(0.25)) / 2), 6);
  });

  it('KL divergence is zero for the same distributions and the per-position mean otherwise', () => {
    const p = log([0.5, 0.5, 0.9, 0.1]);
    expect(meanKl(p, p, 2)).toBe(0);
    const q = log([0.25, 0.75, 0.9, 0.1]);
    const first = 0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75);
    expect(meanKl(p, q, 2)).toBeCloseTo(first / 2, 6);
  });

  it('a token the f32 model gives no probability adds nothing', () => {
    const p = Float32Array.from([0, -Infinity]);
    expect(meanKl(p, Float32Array.from([Math.log(0.5), Math.log(0.5)]), 2)).toBeCloseTo(Math.log(2), 6);
  });
});
