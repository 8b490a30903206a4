// The loss curve a merge records from a bundle's metrics.jsonl: one report per training step, for the step
// count after it (as the loop reports it live), with the valid loss measured at that step and the tokens so far.
import { describe, expect, it } from 'vitest';
import { historyOf } from '../../../src/app/bundle/merge-job';

describe('historyOf', () => {
  it('turns the loop rows into the reports a live run sends', () => {
    const rows = [
      { step: 0, split: 'train' as const, loss: 5.5, lr: 1e-3, tokensPerSecond: 100 },
      { step: 1, split: 'train' as const, loss: 5.25, lr: 1e-3, tokensPerSecond: 110 },
      { step: 2, split: 'valid' as const, loss: 5.3 },
    ];
    expect(historyOf(rows, 64)).toEqual([
      { step: 1, tokens: 64, loss: 5.5, lr: 1e-3, tokensPerSecond: 100 },
      { step: 2, tokens: 128, loss: 5.25, lr: 1e-3, tokensPerSecond: 110, validLoss: 5.3 },
    ]);
  });
});
