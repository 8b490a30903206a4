// ggml's on-disk block layouts for GGUF tensors: block_q8_0 = f16 d + 32 int8 (34 bytes), block_q4_0 = f16 d
// + 16 bytes of nibbles (18 bytes), where byte j holds element j in its low nibble and element j + 16 in its
// high nibble. Blocks follow each other row by row, as in the row-major matrix.
import { QUANT_BLOCK, type BlockQuantized } from './blocks';

/** Bytes of one block of 32 values. */
export function ggmlBlockBytes(bits: 8 | 4): number {
  return 2 + (QUANT_BLOCK * bits) / 8;
}

export function packGgmlBlocks(q: BlockQuantized): Uint8Array {
  const per = ggmlBlockBytes(q.bits);
  const out = new Uint8Array(q.scales.length * per);
  const view = new DataView(out.buffer);
  for (let b = 0; b < q.scales.length; b++) {
    const at = b * per;
    const from = b * QUANT_BLOCK;
    view.setUint16(at, q.scales[b]!, true);
    if (q.bits === 8) {
      // The codes are q + 128; the int8 two's complement byte of q is the code with its top bit flipped.
      for (let j = 0; j < QUANT_BLOCK; j++) out[at + 2 + j] = q.codes[from + j]! ^ 0x80;
    } else {
      for (let j = 0; j < QUANT_BLOCK / 2; j++) out[at + 2 + j] = q.codes[from + j]! | (q.codes[from + j + QUANT_BLOCK / 2]! << 4);
    }
  }
  return out;
}
