import { describe, expect, it } from 'vitest';
import { presetConfig } from '../../../src/engine/model/config';
import { ropeInverseFrequencies } from '../../../src/engine/model/rope';

describe('ropeInverseFrequencies', () => {
  it('is 1 / theta^(2i/D)', () => {
    const config = presetConfig('tiny', { hiddenSize: 32, numAttentionHeads: 4, ropeTheta: 10000 }); // D = 8
    const inv = ropeInverseFrequencies(config);
    expect(inv.length).toBe(4);
    [1, 0.1, 0.01, 0.001].forEach((f, i) => expect(Math.abs(inv[i]! - f) / f).toBeLessThan(1.2e-7));
  });

  it('applies llama3 scaling: high frequencies kept, low ones divided, the middle interpolated', () => {
    const ropeScaling = { ropeType: 'llama3' as const, factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 };
    const config = presetConfig('tiny', { hiddenSize: 32, numAttentionHeads: 4, ropeScaling });
    const inv = ropeInverseFrequencies(config);
    // wavelengths 2*pi/f: 6.3 (< 64/4: kept), 62.8 (between 16 and 64: smoothed), 628 and 6283 (> 64: divided by 8)
    expect(inv[0]).toBeCloseTo(1, 7);
    const smooth = (64 / ((2 * Math.PI) / 0.1) - 1) / (4 - 1);
    expect(inv[1]).toBeCloseTo((1 - smooth) * (0.1 / 8) + smooth * 0.1, 7);
    expect(inv[2]).toBeCloseTo(0.01 / 8, 9);
    expect(inv[3]).toBeCloseTo(0.001 / 8, 10);
  });
});
