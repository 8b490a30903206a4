// Transfer speed over a sliding window and the time left, on an explicit clock.
import { describe, expect, it } from 'vitest';
import { etaSeconds, TransferRate } from '../../../src/engine/hub/progress';

describe('TransferRate', () => {
  it('measures bytes per second since the start, then over the last window; a stall brings it down', () => {
    let now = 1000;
    const rate = new TransferRate(5000, () => now);
    expect(rate.bytesPerSecond()).toBe(0);
    now += 500;
    rate.add(1_000_000);
    expect(rate.bytesPerSecond()).toBe(2_000_000);
    for (let i = 0; i < 10; i++) {
      now += 1000;
      rate.add(4_000_000);
    }
    // The window holds the last five seconds: 5 x 4 MB.
    expect(rate.bytesPerSecond()).toBe(4_000_000);
    now += 2000;
    expect(rate.bytesPerSecond()).toBe(2_400_000);
    now += 5000;
    expect(rate.bytesPerSecond()).toBe(0);
  });

  it('gives the time left at the current speed, none without a speed', () => {
    expect(etaSeconds(10_000_000, 2_000_000)).toBe(5);
    expect(etaSeconds(10, 0)).toBeNull();
    expect(etaSeconds(0, 0)).toBe(0);
  });
});
