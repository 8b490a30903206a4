// Export as GGUF for llama.cpp: architecture "llama" (or "qwen2" for Qwen2 models), f32, f16 or block-quantized
// Q8_0 / Q4_0 (norms and biases stay f32, as llama.cpp's own converter keeps them; which matrices take which
// block type is quant/plan.ts, the rule Grove's own quantized graphs follow too), Hugging Face tensors renamed
// to llama.cpp's, and the byte-level BPE tokenizer as metadata. Tensors are read and written one at a time.
import { open } from 'node:fs/promises';
import { f32ToBytes } from '../model/dtype';
import { elementCount, parameterSpecs } from '../model/names';
import { ropeInverseFrequencies } from '../model/rope';
import { quantizeBlocks } from '../quant/blocks';
import { packGgmlBlocks } from '../quant/ggml-blocks';
import { quantBits, quantTypeOf, type QuantType } from '../quant/plan';
import type { ExportDtype } from './hf';
import { encodeGgufHeader, paddingAfter, tensorBytes, type GgmlType, type GgufTensorInfo, type GgufValue } from './gguf-format';
import { ggufTokenizerMetadata } from './gguf-tokenizer';
import type { ExportProgressListener } from './progress';
import type { ExportSource } from './source';

const LAYER_NAMES: Record<string, string> = {
  'input_layernorm.weight': 'attn_norm.weight',
  'self_attn.q_proj.weight': 'attn_q.weight',
  'self_attn.q_proj.bias': 'attn_q.bias',
  'self_attn.k_proj.weight': 'attn_k.weight',
  'self_attn.k_proj.bias': 'attn_k.bias',
  'self_attn.v_proj.weight': 'attn_v.weight',
  'self_attn.v_proj.bias': 'attn_v.bias',
  'self_attn.o_proj.weight': 'attn_output.weight',
  'self_attn.o_proj.bias': 'attn_output.bias',
  'post_attention_layernorm.weight': 'ffn_norm.weight',
  'mlp.gate_proj.weight': 'ffn_gate.weight',
  'mlp.up_proj.weight': 'ffn_up.weight',
  'mlp.down_proj.weight': 'ffn_down.weight',
};

/** llama.cpp's name of a Hugging Face tensor. */
export function ggufTensorName(hfName: string): string {
  if (hfName === 'model.embed_tokens.weight') return 'token_embd.weight';
  if (hfName === 'model.norm.weight') return 'output_norm.weight';
  if (hfName === 'lm_head.weight') return 'output.weight';
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(hfName);
  const suffix = m ? LAYER_NAMES[m[2]!] : undefined;
  if (!m || !suffix) throw new Error(`no GGUF name for tensor ${hfName}`);
  return `blk.${m[1]}.${suffix}`;
}

/**
 * HF's rotate_half pairs dimension j with j + D/2 of each head; llama.cpp's "normal" rope (the llama
 * architecture) pairs 2j with 2j + 1. Reordering each head's rows as (half, j) -> (j, half) makes llama.cpp's
 * rotation the same function. Works for a [rows, cols] weight and a [rows] bias (cols = 1).
 */
export function permuteForRope(values: Float32Array, heads: number, cols: number): Float32Array {
  const rowsPerHead = values.length / cols / heads;
  const half = rowsPerHead / 2;
  const out = new Float32Array(values.length);
  for (let h = 0; h < heads; h++) {
    for (let s = 0; s < 2; s++) {
      for (let j = 0; j < half; j++) {
        const from = (h * rowsPerHead + s * half + j) * cols;
        const to = (h * rowsPerHead + 2 * j + s) * cols;
        out.set(values.subarray(from, from + cols), to);
      }
    }
  }
  return out;
}

/** Llama 3 rope scaling as llama.cpp applies it: a divisor per frequency (the rope_freqs tensor). */
function llama3RopeFactors(source: ExportSource): Float32Array | null {
  const s = source.config.ropeScaling;
  if (!s) return null;
  const unscaled = ropeInverseFrequencies({ ...source.config, ropeScaling: null });
  const lowWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  return Float32Array.from(unscaled, (freq) => {
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highWavelen) return 1;
    if (wavelen > lowWavelen) return s.factor;
    const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    return 1 / ((1 - smooth) / s.factor + smooth);
  });
}

/** What a GGUF file's matrices are written in. */
export type GgufDtype = ExportDtype | QuantType;

/** llama.cpp's llama_ftype of a file written in `dtype` (general.file_type). */
const FILE_TYPE: Record<GgufDtype, number> = { f32: 0, f16: 1, q4_0: 2, q8_0: 7 };

function tensorType(config: ExportSource['config'], name: string, shape: readonly number[], dtype: GgufDtype): GgmlType {
  if (dtype === 'f32') return 'F32';
  if (dtype === 'f16') return shape.length === 2 ? 'F16' : 'F32';
  const q = quantTypeOf(config, name, shape, dtype);
  return q === 'q8_0' ? 'Q8_0' : q === 'q4_0' ? 'Q4_0' : 'F32';
}

/** A tensor's bytes in its GGUF type. */
function encodeTensor(type: GgmlType, shape: readonly number[], values: Float32Array): Uint8Array {
  if (type === 'Q8_0' || type === 'Q4_0')
    return packGgmlBlocks(quantizeBlocks(values, shape[0]!, shape[1]!, quantBits(type === 'Q8_0' ? 'q8_0' : 'q4_0')));
  return f32ToBytes(type, values);
}

function modelMetadata(source: ExportSource, arch: string, dtype: GgufDtype): Map<string, GgufValue> {
  const c = source.config;
  const u32 = (value: number): GgufValue => ({ type: 'uint32', value });
  const f32 = (value: number): GgufValue => ({ type: 'float32', value });
  const m = new Map<string, GgufValue>();
  m.set('general.architecture', { type: 'string', value: arch });
  m.set('general.name', { type: 'string', value: source.name });
  m.set('general.file_type', u32(FILE_TYPE[dtype]));
  m.set('general.quantization_version', u32(2));
  m.set('general.alignment', u32(32));
  m.set(`${arch}.vocab_size`, u32(c.vocabSize));
  m.set(`${arch}.context_length`, u32(c.maxPositionEmbeddings));
  m.set(`${arch}.embedding_length`, u32(c.hiddenSize));
  m.set(`${arch}.block_count`, u32(c.numHiddenLayers));
  m.set(`${arch}.feed_forward_length`, u32(c.intermediateSize));
  m.set(`${arch}.attention.head_count`, u32(c.numAttentionHeads));
  m.set(`${arch}.attention.head_count_kv`, u32(c.numKeyValueHeads));
  m.set(`${arch}.attention.key_length`, u32(c.headDim));
  m.set(`${arch}.attention.value_length`, u32(c.headDim));
  m.set(`${arch}.rope.dimension_count`, u32(c.headDim));
  m.set(`${arch}.rope.freq_base`, f32(c.ropeTheta));
  m.set(`${arch}.attention.layer_norm_rms_epsilon`, f32(c.rmsNormEps));
  return m;
}

export async function writeGgufFile(
  source: ExportSource,
  path: string,
  o: { dtype: GgufDtype; onProgress?: ExportProgressListener },
): Promise<void> {
  const c = source.config;
  // llama.cpp's qwen2 architecture uses the NEOX (rotate_half) rope, so Qwen2 weights go in unpermuted.
  const arch = c.architecture === 'Qwen2ForCausalLM' ? 'qwen2' : 'llama';
  const specs = parameterSpecs(c);
  const ropeFactors = llama3RopeFactors(source);
  const tensors: (GgufTensorInfo & { hfName: string | null })[] = specs.map((s) => ({
    hfName: s.name,
    name: ggufTensorName(s.name),
    shape: s.shape,
    type: tensorType(c, s.name, s.shape, o.dtype),
  }));
  if (ropeFactors) tensors.push({ hfName: null, name: 'rope_freqs.weight', shape: [ropeFactors.length], type: 'F32' });
  const metadata = new Map([...modelMetadata(source, arch, o.dtype), ...(await ggufTokenizerMetadata(source.tokenizerDir, c))]);
  const header = encodeGgufHeader(metadata, tensors);

  const total = specs.reduce((n, s) => n + elementCount(s.shape), 0);
  let done = 0;
  const fh = await open(path, 'wx');
  try {
    const write = async (bytes: Uint8Array) => {
      let at = 0;
      while (at < bytes.byteLength) at += (await fh.write(bytes, at, Math.min(bytes.byteLength - at, 1 << 30))).bytesWritten;
    };
    await write(header);
    for (const t of tensors) {
      o.onProgress?.({ tensor: t.hfName ?? t.name, done, total });
      let values = t.hfName === null ? ropeFactors! : await source.weights.readFloat32(t.hfName);
      if (arch === 'llama') {
        const cols = t.shape.length === 2 ? t.shape[1]! : 1;
        if (/\.attn_q\.(weight|bias)$/.test(t.name)) values = permuteForRope(values, c.numAttentionHeads, cols);
        if (/\.attn_k\.(weight|bias)$/.test(t.name)) values = permuteForRope(values, c.numKeyValueHeads, cols);
      }
      const bytes = encodeTensor(t.type, t.shape, values);
      await write(bytes);
      await write(paddingAfter(tensorBytes(t)));
      if (t.hfName !== null) done += values.length;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  o.onProgress?.({ tensor: '', done: total, total });
}
