// ONNX Runtime's MatMulNBits layout of a block-quantized [N, K] matrix: b uint8 [N, K / 32, 32 * bits / 8]
// (8 bits: one code a byte; 4 bits: two codes a byte, element 2j in the low nibble and 2j + 1 in the high
// one, unlike ggml's j / j + 16) and scales float [N * K / 32] (the f16 scales widened, so both runtimes
// multiply by the same d). The zero point is MatMulNBits' default 2^(bits - 1), the codes' own offset.
import { f16ToF32 } from '../model/dtype';
import { QUANT_BLOCK, type BlockQuantized } from './blocks';

export interface NBitsMatrix {
  /** [N, K / 32, 32 * bits / 8] bytes. */
  b: Uint8Array;
  /** [N * K / 32] block scales. */
  scales: Float32Array;
}

/** Bytes of b for an [n, k] matrix at `bits`. */
export function nbitsBytes(n: number, k: number, bits: 4 | 8): number {
  return (n * k * bits) / 8;
}

export function packNBits(q: BlockQuantized): NBitsMatrix {
  const scales = f16ToF32(q.scales);
  if (q.bits === 8) return { b: q.codes, scales };
  const b = new Uint8Array(q.codes.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = q.codes[2 * i]! | (q.codes[2 * i + 1]! << 4);
  return { b, scales };
}

/** Blocks per row of an [n, k] matrix. */
export function blocksPerRow(k: number): number {
  return k / QUANT_BLOCK;
}
