// The micro-batched step's JS optimizer (adamw.ts) on cases whose answers are known without its formulas:
// AdamW's first step from zero moments moves each weight by lr against the sign of its gradient (the bias
// corrections make m / sqrt(v) = d / |d|), decoupled decay scales the weight first; clipping scales the
// gradient, which the first step's sign does not see but the moments do; the norm is summed in float64.
import { describe, expect, it } from 'vitest';
import { adamwInPlace, clipScale, sumOfSquares } from '../../../src/engine/train/adamw';

const step = { lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, bc1: 1 - 0.9, bc2: 1 - 0.95 };

describe('adamwInPlace', () => {
  it('first step from zero moments: each weight moves by lr against its gradient, after decay', () => {
    const p = Float32Array.of(1, -2, 0.5, 3);
    const g = Float32Array.of(0.3, -4, 1e-3, -0.02);
    const m = new Float32Array(4);
    const v = new Float32Array(4);
    adamwInPlace(p, m, v, g, { ...step, clip: 1, keep: 1 - 1e-2 * 0.1 });
    const expected = [1 * 0.999 - 1e-2, -2 * 0.999 + 1e-2, 0.5 * 0.999 - 1e-2, 3 * 0.999 + 1e-2];
    expected.forEach((x, i) => expect(p[i]).toBeCloseTo(x, 6));
    // The moments hold the (clipped) gradient's first-step shares.
    g.forEach((d, i) => {
      expect(m[i]).toBeCloseTo(0.1 * d, 7);
      expect(v[i]).toBeCloseTo(0.05 * d * d, 7);
    });
  });

  it('clipping scales what the moments see, not the first step', () => {
    const run = (clip: number) => {
      const p = Float32Array.of(0.25);
      const m = new Float32Array(1);
      const v = new Float32Array(1);
      adamwInPlace(p, m, v, Float32Array.of(2), { ...step, clip, keep: 1 });
      return { p: p[0]!, m: m[0]!, v: v[0]! };
    };
    const [full, half] = [run(1), run(0.5)];
    expect(half.p).toBeCloseTo(full.p, 6);
    expect(half.m).toBeCloseTo(full.m / 2, 7);
    expect(half.v).toBeCloseTo(full.v / 4, 7);
  });
});

describe('the global norm', () => {
  it('sums squares in float64: a million float32 0.1s give a million times 0.1 squared, to 6 decimals', () => {
    const g = new Float32Array(1_000_000).fill(0.1);
    expect(sumOfSquares(g)).toBeCloseTo(1_000_000 * Math.fround(0.1) ** 2, 6);
  });

  it('clips as torch.nn.utils.clip_grad_norm_: min(1, max / (norm + 1e-6))', () => {
    expect(clipScale(4, 1)).toBeCloseTo(1 / (4 + 1e-6), 12);
    expect(clipScale(0.5, 1)).toBe(1);
    expect(clipScale(3, Infinity)).toBe(1);
  });
});
