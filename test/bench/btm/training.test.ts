import { describe, expect, it } from 'vitest';
import { btmConfig, phaseSteps } from '../../../src/bench/btm/config';
import { denseSchedule, expertSchedule } from '../../../src/bench/btm/training';
import { learningRate } from '../../../src/engine/train/schedule';

describe('BTM benchmark schedules', () => {
  it("gives each expert the dense schedule's remainder compressed k-fold: its step i has the dense rate of step S + i*k", () => {
    const c = btmConfig('default');
    const k = c.trainGenres.length;
    const dense = { ...denseSchedule(c), totalSteps: c.totalSteps };
    for (const f of c.seedFractions) {
      const { seedSteps, expertSteps } = phaseSteps(c, f);
      const expert = { ...expertSchedule(c, learningRate(dense, seedSteps)), totalSteps: expertSteps };
      for (let i = 0; i < expertSteps; i++) expect(learningRate(expert, i)).toBeCloseTo(learningRate(dense, seedSteps + i * k), 12);
      expect(learningRate(expert, expertSteps)).toBeCloseTo(c.peakLr * c.minLrRatio, 12);
    }
  });

  it('warms the dense run up over 8 % of C, then decays linearly to the floor', () => {
    const c = btmConfig('default');
    const dense = { ...denseSchedule(c), totalSteps: c.totalSteps };
    const warmup = Math.round(0.08 * c.totalSteps);
    expect(learningRate(dense, warmup - 1)).toBeCloseTo(c.peakLr, 12);
    expect(learningRate(dense, warmup + (c.totalSteps - warmup) / 2)).toBeCloseTo((c.peakLr * (1 + c.minLrRatio)) / 2, 12);
  });
});
