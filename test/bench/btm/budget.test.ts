import { describe, expect, it } from 'vitest';
import { budgetSteps, parseBudget } from '../../../src/bench/btm/budget';
import { nearestWholeBudgets, wholePhases } from '../../../src/bench/btm/config';

describe('BTM --budget', () => {
  it('reads steps as a whole number and tokens with k, M, G or the word tokens', () => {
    expect(parseBudget('1120')).toEqual({ steps: 1120 });
    expect(parseBudget('1120 steps')).toEqual({ steps: 1120 });
    expect(parseBudget('2M')).toEqual({ tokens: 2_000_000 });
    expect(parseBudget('2.5m')).toEqual({ tokens: 2_500_000 });
    expect(parseBudget('500k')).toEqual({ tokens: 500_000 });
    expect(parseBudget('300000 tokens')).toEqual({ tokens: 300_000 });
    for (const bad of ['soon', '2 hours', '-5', '1.5'])
      expect(() => parseBudget(bad), bad).toThrow(
        /neither steps nor tokens; write steps as a whole number \(--budget 1120\) or tokens with k, M or G/,
      );
  });

  it('turns tokens into the nearest step count that splits whole at every seed fraction', () => {
    // The committed run: 2.29 M tokens of 8 x 256 per step over 8 experts at 25/50/80 % is 1120 steps.
    expect(budgetSteps({ tokens: 2_293_760 }, 2048, [0.25, 0.5, 0.8], 8)).toBe(1120);
    // 2 M tokens is 976.6 steps; with 8 experts at 25/50/80 % C must be a multiple of 160: 960 is nearest.
    expect(budgetSteps({ tokens: 2_000_000 }, 2048, [0.25, 0.5, 0.8], 8)).toBe(960);
    expect(budgetSteps({ steps: 1000 }, 2048, [0.5], 8)).toBe(1000);
    expect(() => budgetSteps({ steps: 0 }, 2048, [0.5], 8)).toThrow(/trains nothing/);
  });

  it('finds the whole budgets on either side, and none that leaves an expert no step', () => {
    expect(nearestWholeBudgets(125, [0.25, 0.5, 0.8], 3)).toEqual([120, 180]);
    expect(nearestWholeBudgets(120, [0.25, 0.5, 0.8], 3)).toEqual([120]);
    expect(wholePhases(120, 0.8, 3)).toBe(true);
    expect(wholePhases(121, 0.8, 3)).toBe(false);
    expect(wholePhases(10, 0.8, 3)).toBe(false);
  });
});
