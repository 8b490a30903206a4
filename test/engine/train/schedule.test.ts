import { describe, expect, it } from 'vitest';
import { learningRate, scheduleFn } from '../../../src/engine/train/schedule';

const base = { peakLr: 1e-3, warmupSteps: 10, totalSteps: 110 };

describe('learning-rate schedule', () => {
  it('warms up linearly to the peak', () => {
    expect(learningRate(base, 0)).toBeCloseTo(1e-4, 12);
    expect(learningRate(base, 4)).toBeCloseTo(5e-4, 12);
    expect(learningRate(base, 9)).toBeCloseTo(1e-3, 12);
  });

  it('cosine-decays from the peak to the floor', () => {
    expect(learningRate(base, 10)).toBeCloseTo(1e-3, 12);
    expect(learningRate(base, 60)).toBeCloseTo(1e-4 + 0.5 * 9e-4, 12);
    expect(learningRate(base, 110)).toBeCloseTo(1e-4, 12);
    expect(learningRate(base, 500)).toBeCloseTo(1e-4, 12);
  });

  it('decays linearly, and polynomially with a power', () => {
    expect(learningRate({ ...base, decay: 'linear', minLrRatio: 0 }, 60)).toBeCloseTo(5e-4, 12);
    expect(learningRate({ ...base, decay: 'polynomial', power: 2, minLrRatio: 0 }, 60)).toBeCloseTo(2.5e-4, 12);
    expect(learningRate({ ...base, decay: 'constant' }, 100)).toBe(1e-3);
  });

  it('is monotone after warm-up and refuses bad configs', () => {
    const lr = scheduleFn(base);
    for (let s = 10; s < 110; s++) expect(lr(s + 1)).toBeLessThanOrEqual(lr(s));
    expect(() => learningRate({ ...base, peakLr: -1 }, 0)).toThrow();
    expect(() => learningRate({ ...base, surprise: 1 } as never, 0)).toThrow(/surprise/);
  });
});
