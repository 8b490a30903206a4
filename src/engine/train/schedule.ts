// Learning-rate schedules: linear warm-up, then cosine, linear or polynomial decay to a floor.
// BTM's released recipes use 8 % warm-up then polynomial (power 1: linear) decay; nanoGPT-style cosine
// is the other common choice. lr(step) is a pure function of the step, so resuming needs no state.
import { z } from 'zod';

export const ScheduleConfig = z
  .object({
    peakLr: z.number().positive(),
    /** Steps of linear warm-up from 0 to peakLr. */
    warmupSteps: z.number().int().nonnegative(),
    totalSteps: z.number().int().positive(),
    decay: z.enum(['cosine', 'linear', 'polynomial', 'constant']).default('cosine'),
    /** The floor reached at totalSteps, as a fraction of peakLr. */
    minLrRatio: z.number().min(0).max(1).default(0.1),
    /** Exponent of the polynomial decay (1 = linear). */
    power: z.number().positive().default(1),
  })
  .strict();
export type ScheduleConfig = z.input<typeof ScheduleConfig>;

/** The learning rate for 0-based `step` (the step about to run). */
export function learningRate(config: ScheduleConfig, step: number): number {
  const c = ScheduleConfig.parse(config);
  const minLr = c.peakLr * c.minLrRatio;
  if (step < c.warmupSteps) return (c.peakLr * (step + 1)) / c.warmupSteps;
  if (c.decay === 'constant') return c.peakLr;
  const decaySteps = Math.max(1, c.totalSteps - c.warmupSteps);
  const progress = Math.min(1, (step - c.warmupSteps) / decaySteps); // 0 -> 1
  const factor = c.decay === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * progress)) : (1 - progress) ** (c.decay === 'linear' ? 1 : c.power);
  return minLr + (c.peakLr - minLr) * factor;
}

/** A schedule function with the config parsed once (the training loop calls it every step). */
export function scheduleFn(config: ScheduleConfig): (step: number) => number {
  const parsed = ScheduleConfig.parse(config);
  return (step) => learningRate(parsed, step);
}
