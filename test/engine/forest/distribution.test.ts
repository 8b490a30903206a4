// The ensemble's mixture in log space, against a direct computation on small distributions.
import { describe, expect, it } from 'vitest';
import { logMixture } from '../../../src/engine/forest/distribution';

describe('logMixture', () => {
  it('is log sum_j w_j p_j(x) at every x, computed directly; zero-weight experts are left out; no underflow in log space', () => {
    const w = [0.2, 0.5, 0.3];
    const p = [
      [0.1, 0.6, 0.3],
      [0.5, 0.25, 0.25],
      [0.7, 0.2, 0.1],
    ];
    const out = new Float64Array(3);
    logMixture(
      w.map(Math.log),
      p.map((row) => row.map(Math.log)),
      out,
    );
    out.forEach((v, x) => expect(v).toBeCloseTo(Math.log(w[0]! * p[0]![x]! + w[1]! * p[1]![x]! + w[2]! * p[2]![x]!), 14));
    logMixture(
      [Math.log(0.5), -Infinity, Math.log(0.5)],
      p.map((row) => row.map(Math.log)),
      out,
    );
    out.forEach((v, x) => expect(v).toBeCloseTo(Math.log(0.5 * p[0]![x]! + 0.5 * p[2]![x]!), 14));
    const tiny = new Float32Array(1);
    logMixture([Math.log(0.5), Math.log(0.5)], [[-2000], [-2001]], tiny);
    expect(tiny[0]).toBeCloseTo(-2000 + Math.log(0.5 + 0.5 * Math.exp(-1)), 3);
  });
});
