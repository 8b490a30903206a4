// The ingest benchmark runs end to end on a small generated folder and reports consistent figures.
import { describe, expect, it } from 'vitest';
import { benchIngest } from '../../src/bench/ingest-bench';

describe('benchIngest', () => {
  it('measures MB/s and peak RSS on a generated folder', async () => {
    const r = await benchIngest({ generatedMegabytes: 2 });
    expect(r.files).toBe(40);
    expect(r.megabytes).toBeGreaterThan(1.9);
    // Byte tokenizer: one token per byte of normalised text, which is within a few % of the bytes on disk.
    expect(r.tokens / (r.megabytes * 1e6)).toBeGreaterThan(0.95);
    expect(r.megabytesPerSecond).toBeCloseTo(r.megabytes / r.seconds, 6);
    expect(r.peakRssMegabytes).toBeGreaterThan(10);
  });
});
