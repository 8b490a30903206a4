import { describe, expect, it } from 'vitest';
import { btmConfig, phaseSteps } from '../../../src/bench/btm/config';
import { GroveError } from '../../../src/shared/api/errors';

describe('BTM benchmark config', () => {
  it('splits C into a seed phase and k equal expert budgets that add up to C at every fraction', () => {
    for (const preset of ['default', 'quick'] as const) {
      const c = btmConfig(preset);
      for (const f of c.seedFractions) {
        const { seedSteps, expertSteps } = phaseSteps(c, f);
        expect(seedSteps + c.trainGenres.length * expertSteps).toBe(c.totalSteps);
        expect(seedSteps / c.totalSteps).toBeCloseTo(f, 10);
      }
    }
    expect(phaseSteps(btmConfig('default'), 0.5)).toEqual({ seedSteps: 560, expertSteps: 70 });
  });

  it('keeps the default comparison at 8 training and 4 held-out genres', () => {
    const c = btmConfig('default');
    expect(c.trainGenres).toHaveLength(8);
    expect(c.heldOutGenres).toHaveLength(4);
    expect(c.seedFractions).toEqual([0.25, 0.5, 0.8]);
  });

  it('refuses budgets that do not split into whole steps, unknown or repeated genres, and a missing main fraction', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err instanceof GroveError ? `${err.code}: ${err.message}` : String(err);
      }
      return 'no error';
    };
    expect(code(() => btmConfig('default', { totalSteps: 1000 }))).toMatch(/bad_input: .*whole number of steps.*pick totalSteps/);
    expect(code(() => btmConfig('default', { trainGenres: ['news', 'poetry' as never] }))).toMatch(/"poetry" is not a Brown genre/);
    expect(code(() => btmConfig('default', { heldOutGenres: ['news'] }))).toMatch(/"news" is listed twice/);
    expect(code(() => btmConfig('default', { mainFraction: 0.6 }))).toMatch(/main seed fraction 0.6/);
    expect(code(() => btmConfig('default', { seedFractions: [0.05, 0.5] }))).toMatch(/after the warm-up/);
  });
});
