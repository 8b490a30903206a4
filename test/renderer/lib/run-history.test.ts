import { describe, expect, it } from 'vitest';
import { runHistory } from '../../../src/renderer/src/lib/run-history';
import type { TrainProgress } from '../../../src/shared/api';

const live = (step: number, extra: Partial<TrainProgress> = {}): TrainProgress => ({
  step,
  totalSteps: 10,
  tokens: step * 100,
  loss: 5 - step / 10,
  lr: 1e-3,
  gradNorm: 1,
  tokensPerSecond: 900,
  etaSeconds: 10 - step,
  ...extra,
});

describe('runHistory', () => {
  it('puts the stored history before the live steps, with valid losses on their steps', () => {
    const run = { step: 4, totalSteps: 10, tokens: 400 };
    const stored = [
      { step: 1, split: 'train' as const, loss: 6, tokensPerSecond: 800 },
      { step: 2, split: 'train' as const, loss: 5.5 },
      { step: 2, split: 'valid' as const, loss: 5.8 },
      { step: 3, split: 'train' as const, loss: 5.2 },
    ];
    const h = runHistory(run, stored, [live(3), live(4, { validLoss: 4.9 })]);
    expect(h.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(h[0]).toMatchObject({ loss: 6, tokens: 100, tokensPerSecond: 800, totalSteps: 10 });
    expect(h[1]).toMatchObject({ loss: 5.5, validLoss: 5.8 });
    // The live event replaces the stored point of its step.
    expect(h[2]).toMatchObject({ loss: 4.7, tokens: 300, etaSeconds: 7 });
    expect(h[3]!.validLoss).toBe(4.9);
  });

  it('keeps a valid-only step, with the train loss before it', () => {
    const h = runHistory(
      { step: 2, totalSteps: 2, tokens: 20 },
      [
        { step: 1, split: 'train', loss: 3 },
        { step: 2, split: 'valid', loss: 3.5 },
      ],
      [],
    );
    expect(h).toMatchObject([
      { step: 1, loss: 3 },
      { step: 2, loss: 3, validLoss: 3.5 },
    ]);
  });

  it('is empty for a run that has not stepped', () => {
    expect(runHistory({ step: 0, totalSteps: 10, tokens: 0 }, [], [])).toEqual([]);
  });
});
