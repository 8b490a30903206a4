// A model's quantized weights for Grove's 8-/4-bit graphs: one file beside the model's safetensors (ONNX
// Runtime reads it as external data, so it must sit next to the compiled graphs), made once from the f32
// weights at the first open with that quantization and kept, as compiled graphs are, under a key of the weights
// file and the quantization. It holds, for each matrix quant/plan.ts quantizes, MatMulNBits' b and scales
// (nbits.ts), and the token embedding's dequantized f32 values where the embedding is quantized (the rows the
// graph gathers are then the same values as the head's, as in llama.cpp's file). Its layout is a pure function
// of the config and the quantization, so a graph can point into it without reading it; it is written to a
// temporary name and renamed into place whole (durable-write.ts), so a crash never leaves half a file.
import { existsSync, statSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { commitFile, tempPathFor } from '../durable-write';
import type { ModelConfig } from '../model/config';
import { parameterSpecs } from '../model/names';
import type { TensorReader } from '../model/safetensors';
import { dequantizeBlocks, quantizeBlocks, type QuantBits } from './blocks';
import { blocksPerRow, nbitsBytes, packNBits } from './nbits';
import { quantBits, quantTypeOf, type QuantType } from './plan';

/** Where one matrix's parts lie in the file. */
export interface QuantEntry {
  /** The Hugging Face weight name ([N, K]). */
  name: string;
  n: number;
  k: number;
  bits: QuantBits;
  b: { offset: number; length: number };
  scales: { offset: number; length: number };
  /** The dequantized [N, K] f32 values, for the token embedding's gather. */
  dequantized?: { offset: number; length: number };
}

/** Bumped whenever the file's layout or quantization changes, so files made by an older Grove are rebuilt. */
export const QUANT_WEIGHTS_VERSION = 1;

const ALIGN = 64;
const aligned = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/** The file's layout: an entry per quantized matrix, in parameter order, each part 64-byte aligned. */
export function quantLayout(config: ModelConfig, type: QuantType): { entries: Map<string, QuantEntry>; bytes: number } {
  const entries = new Map<string, QuantEntry>();
  let at = 0;
  const part = (length: number): { offset: number; length: number } => {
    const p = { offset: at, length };
    at = aligned(at + length);
    return p;
  };
  for (const spec of parameterSpecs(config)) {
    const t = quantTypeOf(config, spec.name, spec.shape, type);
    if (!t) continue;
    const [n, k] = spec.shape as [number, number];
    const bits = quantBits(t);
    const b = part(nbitsBytes(n, k, bits));
    const scales = part(n * blocksPerRow(k) * 4);
    const dequantized = spec.name === 'model.embed_tokens.weight' ? part(n * k * 4) : undefined;
    entries.set(spec.name, { name: spec.name, n, k, bits, b, scales, ...(dequantized ? { dequantized } : {}) });
  }
  return { entries, bytes: at };
}

/**
 * Writes the file at `path` from the f32 weights, unless it is there already at its layout's size; one matrix in
 * memory at a time. A file of another size (cut short, or written over by something else) is not trusted: it is
 * made again, since ONNX Runtime would otherwise read past its end or the wrong bytes.
 */
export async function ensureQuantWeights(path: string, config: ModelConfig, weights: TensorReader, type: QuantType): Promise<void> {
  const { entries, bytes } = quantLayout(config, type);
  if (existsSync(path)) {
    if (statSync(path).size === bytes) return;
    await rm(path, { force: true });
  }
  const tmp = tempPathFor(path);
  const fh = await open(tmp, 'wx');
  try {
    const put = async (bytes: Uint8Array, at: number) => {
      for (let done = 0; done < bytes.byteLength;)
        done += (await fh.write(bytes, done, Math.min(bytes.byteLength - done, 1 << 30), at + done)).bytesWritten;
    };
    for (const e of entries.values()) {
      const q = quantizeBlocks(await weights.readFloat32(e.name), e.n, e.k, e.bits);
      const packed = packNBits(q);
      await put(packed.b, e.b.offset);
      await put(new Uint8Array(packed.scales.buffer, packed.scales.byteOffset, packed.scales.byteLength), e.scales.offset);
      if (e.dequantized) {
        const values = dequantizeBlocks(q);
        await put(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), e.dequantized.offset);
      }
    }
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await commitFile(tmp, path);
}
