// Attention through ONNX Runtime's contrib op com.microsoft.GroupQueryAttention, for the inference graphs:
// one node per layer instead of about thirty (head reshapes, rotary, causal mask, two MatMuls, Softmax, KV
// Concat). Its past key/value inputs are [B, Hkv, capacity, D] buffers of which it reads the first P rows
// (capacity >= P, so a caller can keep one buffer per layer and append to it); its present outputs hold the
// P + S rows. Rotary embeddings run inside the op where its kernel allows (head size a multiple of 16), from
// cos/sin tables over every position. Semantics as the CPU kernel implements them: seqlens_k[b] = total
// length - 1 (0-based index of the last key), total_sequence_length = that total; the S new positions are
// P..P+S-1 with P = total - S; causal.
import { GroveError } from '../../../shared/api/errors';
import type { ModelConfig } from '../../model/config';
import { ropeInverseFrequencies } from '../../model/rope';
import { attr, type Attrs, type NodeBuilder } from '../onnx/builder';

export const MS_DOMAIN = 'com.microsoft';

/** GroupQueryAttention's CPU kernel takes head sizes that are multiples of 8. */
export function gqaSupported(config: ModelConfig): boolean {
  return config.headDim % 8 === 0 && config.numAttentionHeads % config.numKeyValueHeads === 0;
}

/** Its built-in rotary embedding needs a head size that is a multiple of 16; otherwise Grove rotates q and k before it. */
export function gqaRotaryInside(config: ModelConfig): boolean {
  return config.headDim % 16 === 0;
}

/** A com.microsoft node with fresh output names. */
export function msOp(b: NodeBuilder, opType: string, inputs: readonly string[], outputs: number, attributes: Attrs = {}, named?: readonly string[]): string[] {
  const outs = named ? [...named] : Array.from({ length: outputs }, (_, i) => b.fresh(`${opType.toLowerCase()}${i}`));
  b.nodes.push({ opType, domain: MS_DOMAIN, inputs, outputs: outs, attributes, name: outs[0] as string });
  return outs;
}

export interface GqaCache {
  /** Graph inputs [B, Hkv, capacity, D] the op reads the past rows from. */
  past: readonly [string, string];
}

export interface GqaOptions {
  /** Per layer cache buffers; absent: no cache (every position is new, as in the score graph). */
  cache?: readonly GqaCache[];
  /** int32 [B] total length - 1 per row, and int32 scalar total length: graph inputs, required with a cache. */
  seqlensK?: string;
  totalLength?: string;
}

/** What every layer shares: the length inputs and the rotary tables. */
export interface GqaContext {
  seqlensK: string;
  totalLength: string;
  /** [maxPositions, D/2] tables when the op rotates; else [S, 1, D] tables for the positions P..P+S-1. */
  cos: string;
  sin: string;
  inside: boolean;
}

export function gqaContext(b: NodeBuilder, config: ModelConfig, ids: string, o: GqaOptions): GqaContext {
  const D = config.headDim;
  const invFreq = b.float32s(ropeInverseFrequencies(config), [D / 2], 'inv_freq');
  const S = b.op('Gather', [b.op('Shape', [ids]), b.int64Scalar(1)], { axis: attr.int(0) }, 'S');
  let seqlensK = o.seqlensK;
  let totalLength = o.totalLength;
  if (!seqlensK || !totalLength) {
    if (o.cache) throw new GroveError('internal', 'gqaContext: a cache needs the seqlens_k and total_sequence_length inputs.');
    // No cache: every row holds S positions, all new.
    const batch = b.op('Slice', [b.op('Shape', [ids]), b.int64s([0]), b.int64s([1])], {}, 'batch');
    totalLength = b.op('Cast', [S], { to: attr.int(6) }, 'total_length');
    seqlensK = b.op('Cast', [b.op('Expand', [b.op('Sub', [S, b.int64Scalar(1)]), batch])], { to: attr.int(6) }, 'seqlens_k');
  }
  if (gqaRotaryInside(config)) {
    // Tables over every position the model takes; built from constants, so ONNX Runtime folds them at load.
    const positions = b.op('Cast', [b.op('Range', [b.int64Scalar(0), b.int64Scalar(config.maxPositionEmbeddings), b.int64Scalar(1)])], { to: attr.int(1) });
    const freqs = b.op('Mul', [b.op('Unsqueeze', [positions, b.int64s([1])]), invFreq]); // [maxPos, D/2]
    return { seqlensK, totalLength, cos: b.op('Cos', [freqs], {}, 'cos_cache'), sin: b.op('Sin', [freqs], {}, 'sin_cache'), inside: true };
  }
  // Positions P .. total-1 of the new tokens, P = total - S; tables [S, 1, D] broadcast over heads.
  const total64 = b.op('Cast', [totalLength], { to: attr.int(7) });
  const positions = b.op('Range', [b.op('Sub', [total64, S]), total64, b.int64Scalar(1)], {}, 'positions');
  const freqs = b.op('Mul', [b.op('Unsqueeze', [b.op('Cast', [positions], { to: attr.int(1) }), b.int64s([-1])]), invFreq]); // [S, D/2]
  const emb = b.op('Unsqueeze', [b.op('Concat', [freqs, freqs], { axis: attr.int(-1) }), b.int64s([1])]); // [S, 1, D]
  return { seqlensK, totalLength, cos: b.op('Cos', [emb]), sin: b.op('Sin', [emb]), inside: false };
}

/** x * cos + rotate_half(x) * sin on [B, S, n*D], seen as [B, S, n, D]. */
function rotateOutside(b: NodeBuilder, x: string, ctx: GqaContext, D: number): string {
  const heads = b.op('Reshape', [x, b.int64s([0, 0, -1, D])]);
  const [x1, x2] = b.opMulti('Split', [heads, b.int64s([D / 2, D / 2])], 2, { axis: attr.int(-1) }) as [string, string];
  const rotated = b.op('Concat', [b.op('Neg', [x2]), x1], { axis: attr.int(-1) });
  const y = b.op('Add', [b.op('Mul', [heads, ctx.cos]), b.op('Mul', [rotated, ctx.sin])]);
  return b.op('Reshape', [y, b.int64s([0, 0, -1])]);
}

export interface GqaProjections {
  /** [B, S, H*D], [B, S, Hkv*D], [B, S, Hkv*D]; or q alone holding all three ([B, S, (H + 2 Hkv) * D]) with k, v absent. */
  q: string;
  k?: string;
  v?: string;
}

/** One layer's attention: [B, S, H*D] context vectors, and the present keys/values [B, Hkv, max(capacity, P+S), D]. */
export function gqaAttention(b: NodeBuilder, config: ModelConfig, ctx: GqaContext, p: GqaProjections, cache: GqaCache | undefined): { out: string; present: [string, string] } {
  const { numAttentionHeads: H, numKeyValueHeads: Hkv, headDim: D } = config;
  let { q, k = '', v = '' } = p;
  if (!ctx.inside) {
    if (!k || !v) throw new GroveError('internal', 'gqaAttention: rotary outside the op needs separate q, k and v projections.');
    q = rotateOutside(b, q, ctx, D);
    k = rotateOutside(b, k, ctx, D);
  }
  const inputs = [q, k, v, cache?.past[0] ?? '', cache?.past[1] ?? '', ctx.seqlensK, ctx.totalLength, ...(ctx.inside ? [ctx.cos, ctx.sin] : [])];
  const attrs: Attrs = { num_heads: attr.int(H), kv_num_heads: attr.int(Hkv), do_rotary: attr.int(ctx.inside ? 1 : 0) };
  const [out, presentK, presentV] = msOp(b, 'GroupQueryAttention', inputs, 3, attrs) as [string, string, string];
  return { out, present: [presentK, presentV] };
}
