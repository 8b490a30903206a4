import { describe, expect, it } from 'vitest';
import { priorOver } from '../../../src/engine/forest/prior-over';

describe('priorOver', () => {
  it('aligns a prior to the experts in use: removed experts dropped and renormalised, new ones refused', () => {
    const prior = { target: 'chat:7', modelIds: [10, 11, 12], weights: [0.5, 0.3, 0.2] };
    expect(priorOver(prior, [12, 10])).toEqual([expect.closeTo(0.2 / 0.7, 15), expect.closeTo(0.5 / 0.7, 15)]);
    expect(() => priorOver(prior, [10, 13])).toThrow(/estimated before model 13 joined the forest. Estimate the prior for chat:7 again/);
  });
});
