// The light-start suite's time per step, read back from a run's cumulative tokens/s as the catalog keeps it:
// the median of the step-to-step times, so a step that also ran a validation or a checkpoint does not count.
import { describe, expect, it } from 'vitest';
import { secondsPerStep } from '../../../src/bench/suites/light-start';

describe('light-start time per step', () => {
  it('is the median step time behind the cumulative rates, validations left out', () => {
    const tokensPerStep = 2048;
    // 0.5 s a step, with a 3 s validation after steps 3 and 6.
    const times = [0.5, 0.5, 3.5, 0.5, 0.5, 3.5, 0.5, 0.5];
    let elapsed = 0;
    const points = times.map((t, step) => {
      elapsed += t;
      return { step, split: 'train', tokensPerSecond: ((step + 1) * tokensPerStep) / elapsed };
    });
    expect(secondsPerStep([...points, { step: 3, split: 'valid', tokensPerSecond: null }], tokensPerStep)).toBeCloseTo(0.5, 9);
  });
});
