// The words beside each kind of expert: where a time comes from, a peak against the memory available, and a
// budget's time (a minutes budget is a time limit: what it reaches instead).
import { describe, expect, it } from 'vitest';
import { memoryText, speedText, timeText } from '../../../src/renderer/src/components/KindFigures.svelte';

describe('ExpertKindChoice texts', () => {
  it('says where the speed comes from, and when it is another kind’s', () => {
    const now = Date.parse('2026-12-04T10:00:00Z');
    expect(speedText('full', { kind: 'runs', of: 'full', runs: 1, device: 'cpu' }, now)).toBe('from 1 earlier full run (cpu)');
    expect(speedText('light', { kind: 'runs', of: 'full', runs: 3, device: 'cuda' }, now)).toBe(
      'from 3 earlier full runs, scaled by FLOPs (cuda)',
    );
    expect(speedText('light', { kind: 'measured', of: 'light', measuredAt: '2026-12-04T09:58:00Z', device: 'cpu' }, now)).toBe(
      'measured on this machine just now (cpu)',
    );
    expect(speedText('light', { kind: 'measured', of: 'light', measuredAt: '2026-12-04T07:00:00Z', device: 'cpu' }, now)).toBe(
      'measured on this machine today (cpu)',
    );
    expect(speedText('light', { kind: 'measured', of: 'light', measuredAt: '2026-11-20T07:00:00Z', device: 'cpu' }, now)).toBe(
      'measured on this machine on 2026-11-20 (cpu)',
    );
    expect(speedText('full', null, now)).toBe('not measured yet');
  });

  it('weighs the peak against the memory available', () => {
    expect(memoryText({ peakMemoryBytes: 1.48e9, fits: 'comfortable' }, 8e9)).toBe('1.48 GB peak, fits in the 8.00 GB available');
    expect(memoryText({ peakMemoryBytes: 6.8e9, fits: 'no' }, 5e9)).toBe('6.80 GB peak: more than the 5.00 GB available');
  });

  it('gives a minutes budget’s reach, and a steps budget’s time', () => {
    const speed = { kind: 'runs' as const, of: 'full' as const, runs: 2, device: 'cpu' };
    expect(timeText({ seconds: 600, steps: 1234, tokens: 5_054_464, speed }, { minutes: 10 })).toBe(
      '10 min 00 s: about 1234 steps, 5.1 M tokens',
    );
    expect(timeText({ seconds: 600, steps: 0, tokens: 0, speed: null }, { minutes: 10 })).toBe('10 min 00 s');
    expect(timeText({ seconds: 95, steps: 40, tokens: 40_960, speed }, { steps: 40 })).toBe('about 1 min 35 s for 40 steps');
    expect(timeText({ seconds: 0.3, steps: 12, tokens: 6144, speed }, { steps: 12 })).toBe('under 1 s for 12 steps');
  });
});
