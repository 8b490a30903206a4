// Which weights a quantized model holds in which block type, the one rule for Grove's own 8-/4-bit graphs and
// for the Q8_0/Q4_0 GGUF export (so the two hold the same quantized weights and their perplexity costs
// compare like for like). As llama.cpp's llama-quantize does: vectors (norms, biases) stay f32; every 2-D
// weight takes the chosen type; the output head (lm_head, or the token embedding when it is tied to the head)
// takes Q8_0 in a Q4_0 model, since llama.cpp keeps the head at higher precision there (Q6_K where a row is a
// multiple of 256 values, Q8_0 otherwise; Grove writes no K-quants, so Q8_0). A matrix whose rows are not a
// whole number of 32-value blocks stays f32.
import type { ModelConfig } from '../model/config';
import type { ModelQuant } from '../../shared/api/quant';
import { QUANT_BLOCK, type QuantBits } from './blocks';

export const QUANT_TYPES = ['q8_0', 'q4_0'] as const;
export type QuantType = (typeof QUANT_TYPES)[number];

/** What Grove runs a model's matrices in: f32 or block-quantized 8 or 4 bits (the CLI's --quant f32|8|4; shared with the API). */
export { MODEL_QUANTS, type ModelQuant } from '../../shared/api/quant';

export function quantTypeOfModelQuant(q: Exclude<ModelQuant, 'f32'>): QuantType {
  return q === '8' ? 'q8_0' : 'q4_0';
}

export function quantBits(t: QuantType): QuantBits {
  return t === 'q8_0' ? 8 : 4;
}

/** The head's weight: lm_head, or the embedding when the head is tied to it. */
export function headWeightName(config: ModelConfig): string {
  return config.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
}

/** The block type of parameter `name` (PyTorch shape) in a `type` model, or null where it stays float. */
export function quantTypeOf(config: ModelConfig, name: string, shape: readonly number[], type: QuantType): QuantType | null {
  if (shape.length !== 2 || shape[1]! % QUANT_BLOCK !== 0) return null;
  return name === headWeightName(config) ? 'q8_0' : type;
}
