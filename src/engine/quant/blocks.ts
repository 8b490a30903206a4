// Block quantization of weight matrices as ggml defines it (Q8_0 and Q4_0): each row is cut into blocks of 32
// values along the input axis, each block gets one f16 scale d and 32 small integers q with x ~ q * d. The
// codes are kept unsigned (q + zero point), the form both consumers share: llama.cpp's GGUF blocks
// (ggml-blocks.ts) and ONNX Runtime's MatMulNBits (nbits.ts) pack the same codes and scales differently, so
// Grove's 8-/4-bit graphs and the exported Q8_0/Q4_0 files hold exactly the same quantized weights.
// The arithmetic follows ggml's reference quantizers (quantize_row_q8_0_ref, quantize_row_q4_0_ref) in f32,
// so the blocks are bit for bit what llama.cpp's own `llama-quantize` writes from the same f32 values.
import { GroveError } from '../../shared/api/errors';
import { f16ToF32, f32BitsToF16 } from '../model/dtype';

/** Values per block (QK8_0 = QK4_0 = 32). */
export const QUANT_BLOCK = 32;

export type QuantBits = 8 | 4;

/** Zero point of the unsigned codes: q = code - zeroPoint (ggml's Q4_0 offset 8; 128 for int8 held unsigned). */
export function zeroPoint(bits: QuantBits): number {
  return 1 << (bits - 1);
}

/** A [rows, cols] matrix quantized block-wise along cols. */
export interface BlockQuantized {
  rows: number;
  cols: number;
  bits: QuantBits;
  /** rows * cols unsigned codes, row-major (code - zeroPoint(bits) is the signed q). */
  codes: Uint8Array;
  /** rows * cols / 32 block scales as f16 bits, row-major. */
  scales: Uint16Array;
}

const f32 = Math.fround;
const f32Bits = new Uint32Array(1);
const f32View = new Float32Array(f32Bits.buffer);

function toF16Bits(x: number): number {
  f32View[0] = x;
  return f32BitsToF16(f32Bits[0]!);
}

/** roundf: to nearest, halves away from zero. */
function roundAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Q8_0: d = max|x| / 127, q = round(x / d) in [-127, 127]. */
function quantizeBlock8(x: Float32Array, at: number, codes: Uint8Array): number {
  let amax = 0;
  for (let j = 0; j < QUANT_BLOCK; j++) amax = Math.max(amax, Math.abs(x[at + j]!));
  const d = f32(amax / 127);
  const id = d ? f32(1 / d) : 0;
  for (let j = 0; j < QUANT_BLOCK; j++) codes[at + j] = roundAway(f32(x[at + j]! * id)) + 128;
  return toF16Bits(d);
}

/** Q4_0: d = m / -8 where m is the value of largest magnitude (sign kept), code = min(15, trunc(x / d + 8.5)). */
function quantizeBlock4(x: Float32Array, at: number, codes: Uint8Array): number {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < QUANT_BLOCK; j++) {
    const v = x[at + j]!;
    if (amax < Math.abs(v)) {
      amax = Math.abs(v);
      max = v;
    }
  }
  const d = f32(max / -8);
  const id = d ? f32(1 / d) : 0;
  for (let j = 0; j < QUANT_BLOCK; j++) codes[at + j] = Math.min(15, Math.trunc(f32(f32(x[at + j]! * id) + 8.5)));
  return toF16Bits(d);
}

/** Quantizes a row-major [rows, cols] f32 matrix; cols must be a whole number of blocks. */
export function quantizeBlocks(values: Float32Array, rows: number, cols: number, bits: QuantBits): BlockQuantized {
  if (cols % QUANT_BLOCK !== 0 || values.length !== rows * cols) {
    throw new GroveError(
      'internal',
      `quantizeBlocks: a [${rows}, ${cols}] matrix of ${values.length} values cannot be cut into blocks of ${QUANT_BLOCK} per row.`,
    );
  }
  const codes = new Uint8Array(values.length);
  const scales = new Uint16Array(values.length / QUANT_BLOCK);
  const block = bits === 8 ? quantizeBlock8 : quantizeBlock4;
  for (let b = 0; b < scales.length; b++) scales[b] = block(values, b * QUANT_BLOCK, codes);
  return { rows, cols, bits, codes, scales };
}

/** The f32 values the quantized matrix stands for: (code - zero point) * d. */
export function dequantizeBlocks(q: BlockQuantized): Float32Array {
  const d = f16ToF32(q.scales);
  const zp = zeroPoint(q.bits);
  const out = new Float32Array(q.codes.length);
  for (let i = 0; i < out.length; i++) out[i] = (q.codes[i]! - zp) * d[Math.floor(i / QUANT_BLOCK)]!;
  return out;
}
