// Rotary position embedding frequencies as Hugging Face computes them: inv_freq[i] = 1 / theta^(2i / D),
// i < D/2, with optional Llama 3 "llama3" scaling (transformers' _compute_llama3_parameters).
import type { ModelConfig } from './config';

/** [D/2] float32 inverse frequencies; position t rotates pair (j, j + D/2) by angle t * inv_freq[j]. */
export function ropeInverseFrequencies(config: ModelConfig): Float32Array {
  const D = config.headDim;
  const inv = new Float32Array(D / 2);
  for (let i = 0; i < D / 2; i++) {
    // HF does this in float32: exponent, power and reciprocal each rounded to float32.
    inv[i] = Math.fround(1 / Math.fround(config.ropeTheta ** Math.fround((2 * i) / D)));
  }
  const s = config.ropeScaling;
  if (s === null) return inv;
  const lowWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  for (let i = 0; i < inv.length; i++) {
    const f = inv[i]!;
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highWavelen) continue; // high frequencies: unchanged
    if (wavelen > lowWavelen) {
      inv[i] = f / s.factor; // low frequencies: slowed by the full factor
      continue;
    }
    // In between: interpolate smoothly between the scaled and unscaled frequency.
    const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    inv[i] = (1 - smooth) * (f / s.factor) + smooth * f;
  }
  return inv;
}
