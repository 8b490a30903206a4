import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDuration, formatParameters } from '../../../src/renderer/src/lib/format';

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
  it('formats sizes in bytes and parameters', () => {
    expect(formatBytes(271_000_000)).toBe('271 MB');
    expect(formatBytes(2_481_000_000)).toBe('2.48 GB');
    expect(formatBytes(96_000)).toBe('96 kB');
    expect(formatBytes(null)).toBe('–');
    expect(formatParameters(134_515_008)).toBe('135 M');
    expect(formatParameters(1_235_814_400)).toBe('1.24 B');
    expect(formatParameters(74_240)).toBe('74.2 k');
    expect(formatParameters(5_400_000)).toBe('5.4 M');
  });
});
