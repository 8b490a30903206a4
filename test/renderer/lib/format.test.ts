import { describe, expect, it } from 'vitest';
import { formatCount, formatDuration } from '../../../src/renderer/src/lib/format';

describe('format', () => {
  it('formats durations', () => {
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(260)).toBe('4 min 20 s');
    expect(formatDuration(7500)).toBe('2 h 05 min');
  });
  it('formats counts', () => {
    expect(formatCount(950)).toBe('950');
    expect(formatCount(12_300)).toBe('12.3 k');
    expect(formatCount(4_500_000)).toBe('4.5 M');
    expect(formatCount(0.25)).toBe('0.25');
  });
});
