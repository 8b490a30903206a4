// The attention of a Llama-family layer in its two forms, on the graph IR. Plain ops (differentiable: the
// training graphs; also the inference form where ONNX Runtime's contrib op does not take the head size, and
// the transformers.js export): rotary embeddings (rotate_half), causal mask over past + new positions,
// grouped-query attention by broadcasting k/v over each group (no copies), an optional concatenated KV cache,
// position ids and a padding mask. Fused (inference only): com.microsoft.GroupQueryAttention, one node per
// layer instead of about thirty, with its own rotary where its kernel allows (head size a multiple of 16)
// and an optional KV cache of fixed-capacity buffers of which it reads the first P rows.
// Shapes: B batch, S new positions, P past positions, H heads, Hkv kv heads, G = H / Hkv, D head size.
import { dimAdd, nn, type Dim, type Graph, type Value } from '../../graph';
import type { ModelConfig } from '../config';
import { ropeInverseFrequencies } from '../rope';

/**
 * Resolves a Hugging Face tensor name to the float32 value holding it; in a quantized graph, `quantized` also
 * gives a weight matrix's MatMulNBits form (b and scales, model/llama/graphs.ts), which projections then use.
 */
export type WeightOf = ((name: string) => Value) & { quantized?: (name: string) => QuantizedWeight | undefined };

/** A [n, k] weight as MatMulNBits takes it: codes b [n, k / 32, 32 * bits / 8], scales [n * k / 32]. */
export interface QuantizedWeight {
  b: Value;
  scales: Value;
  n: number;
  k: number;
  bits: 4 | 8;
}

/**
 * ONNX Runtime's accuracy_level for MatMulNBits. 4 quantizes the activations to int8 blocks and multiplies in
 * integers, as llama.cpp does for Q8_0/Q4_0; 0 dequantizes the weights and multiplies in f32.
 */
export const NBITS_ACCURACY_LEVEL: 0 | 4 = 4;

/** x @ W^T for the quantized weights `qs` side by side along N (one MatMulNBits), or null where bits differ. */
function quantizedMatmul(g: Graph, x: Value, qs: readonly QuantizedWeight[]): Value | null {
  const bits = qs[0]!.bits;
  if (qs.some((q) => q.bits !== bits || q.k !== qs[0]!.k)) return null;
  const b =
    qs.length === 1
      ? qs[0]!.b
      : g.concat(
          qs.map((q) => q.b),
          0,
        );
  const scales =
    qs.length === 1
      ? qs[0]!.scales
      : g.concat(
          qs.map((q) => q.scales),
          0,
        );
  const n = qs.reduce((sum, q) => sum + q.n, 0);
  return g.matMulNBits(x, b, scales, { k: qs[0]!.k, n, bits, blockSize: 32, accuracyLevel: NBITS_ACCURACY_LEVEL });
}

/** x @ W^T over the weights `names` side by side: MatMulNBits where every one is quantized alike, else f32. */
function linearOf(g: Graph, x: Value, w: WeightOf, names: readonly string[]): Value {
  const qs = names.map((n) => w.quantized?.(n));
  if (qs.every((q) => q !== undefined)) {
    const y = quantizedMatmul(g, x, qs);
    if (y) return y;
  }
  if (names.length === 1) return nn.linear(g, x, w(names[0]!));
  return g.matmul(
    x,
    g.concat(
      names.map((n) => g.transpose(w(n), [1, 0])),
      1,
    ),
  );
}

/** One layer's attention from its normed input h [B, S, C]: context vectors [B, S, H*D] and its present key/value. */
export type LayerAttention = (h: Value, layer: number) => { y: Value; kv: [Value, Value] };

export interface PlainAttentionOptions {
  /** Per layer [key, value] of the KV cache, each [B, Hkv, P, D]; the present ones are [B, Hkv, P+S, D]. */
  past?: readonly (readonly [Value, Value])[];
  /** [B, S] rotary positions (transformers.js feeds them); default P .. P+S-1 for every row. */
  positionIds?: Value;
  /** [B, P+S] of 1 (attend) / 0 (padding) over past + new keys; default every key attends. */
  attentionMask?: Value;
}

export interface FusedAttentionOptions {
  /** KV cache buffers per layer, each [B, Hkv, capacity, D] (capacity >= P+S), and the length inputs. */
  cache?: { past: readonly (readonly [Value, Value])[]; seqlensK: Value; totalLength: Value };
  /** q, k and v as one MatMul over their weights concatenated (only with the op's own rotary). */
  packQkv?: boolean;
}

/** GroupQueryAttention's CPU kernel takes head sizes that are multiples of 8. */
export function gqaSupported(config: ModelConfig): boolean {
  return config.headDim % 8 === 0 && config.numAttentionHeads % config.numKeyValueHeads === 0;
}

/** Its built-in rotary embedding needs a head size that is a multiple of 16; otherwise Grove rotates q and k before it. */
export function gqaRotaryInside(config: ModelConfig): boolean {
  return config.headDim % 16 === 0;
}

/**
 * A projection's low-rank adapter in the graph (model/lora.ts), in one of two layouts. Factors: PEFT's
 * A [r, in], B [out, r] and the factor alpha / r (the train step's trainable inputs). Fed: A^T [in, r] and
 * (alpha / r) B^T [r, out] as run inputs, or [batch, in, r] and [batch, r, out] where each batch row is its
 * own light expert over the shared base (the batched ensemble); the layout MatMul takes as it is, so no
 * Transpose runs on them at every token, and the scale is already in B.
 */
export type LowRank = { a: Value; b: Value; scale: number } | { aT: Value; bT: Value };

/** The adapter of a projection (module path, e.g. model.layers.0.self_attn.q_proj), or undefined where it has none. */
export type AdapterOf = (projection: string) => LowRank | undefined;

/** scale * (x A^T) B^T: the scale is applied on the rank-r intermediate, the smallest tensor of the three. */
function lowRank(g: Graph, x: Value, f: LowRank): Value {
  if ('aT' in f) return g.matmul(g.matmul(x, f.aT), f.bT);
  return nn.linear(g, g.mul(nn.linear(g, x, f.a), f.scale), f.b);
}

/** x @ W^T (+ b) for the projection `name` (a PyTorch [out, in] weight), plus its adapter's low-rank product if it has one. */
export function project(g: Graph, x: Value, w: WeightOf, name: string, bias: boolean, adapter?: AdapterOf): Value {
  const y0 = linearOf(g, x, w, [`${name}.weight`]);
  const y = bias ? g.add(y0, w(`${name}.bias`)) : y0;
  const f = adapter?.(name);
  return f ? g.add(y, lowRank(g, x, f)) : y;
}

/**
 * Projections that read one input as one MatMul over their transposed weights side by side (ONNX Runtime folds
 * the Concat at load). With adapters the base MatMul stays packed (the base weights are read once, which is
 * what the batched ensemble of light experts relies on) and the members' low-rank products are concatenated
 * onto it; when only some members are adapted, the group is projected member by member instead (the zero
 * delta of an unadapted member would cost a [B, S, out] tensor of zeros per call).
 */
export function packedProject(g: Graph, x: Value, w: WeightOf, names: readonly string[], bias: boolean, adapter?: AdapterOf): Value {
  const factors = names.map((n) => adapter?.(n));
  const adapted = factors.filter((f) => f !== undefined);
  if (adapted.length > 0 && adapted.length < names.length)
    return g.concat(
      names.map((n) => project(g, x, w, n, bias, adapter)),
      -1,
    );
  const y0 = linearOf(
    g,
    x,
    w,
    names.map((n) => `${n}.weight`),
  );
  const y = bias
    ? g.add(
        y0,
        g.concat(
          names.map((n) => w(`${n}.bias`)),
          0,
        ),
      )
    : y0;
  return adapted.length === 0
    ? y
    : g.add(
        y,
        g.concat(
          adapted.map((f) => lowRank(g, x, f)),
          -1,
        ),
      );
}

const invFreqOf = (g: Graph, config: ModelConfig): Value => g.constant(ropeInverseFrequencies(config), 'float32', [config.headDim / 2]);

export function plainAttention(
  g: Graph,
  config: ModelConfig,
  w: WeightOf,
  ids: Value,
  o: PlainAttentionOptions,
  adapter?: AdapterOf,
): LayerAttention {
  const { numAttentionHeads: H, numKeyValueHeads: Hkv, headDim: D } = config;
  const G = H / Hkv;
  const [B, S] = ids.shape as [Dim, Dim];
  const P: Dim = o.past?.[0]?.[0].shape[2] ?? 0;
  const T = dimAdd(P, S);
  const invFreq = invFreqOf(g, config);
  let cos: Value;
  let sin: Value;
  if (o.positionIds) {
    // Per-row tables [B, 1, S, D], broadcast over heads.
    const freqs = g.mul(g.unsqueeze(g.cast(o.positionIds, 'float32'), -1), invFreq); // [B, S, D/2]
    const emb = g.unsqueeze(g.concat([freqs, freqs], -1), 1);
    [cos, sin] = [g.cos(emb), g.sin(emb)];
  } else ({ cos, sin } = nn.ropeTables(g, g.arange(P, T), invFreq)); // [S, D]
  let mask = nn.causalMask(g, S, P); // [S, T]
  if (o.attentionMask) {
    // Padding keys get the lowest finite float, not -inf, so a padded query row (every key masked) stays finite.
    const padding = g.where(g.equal(o.attentionMask, 0), -3.4028234663852886e38, 0);
    mask = g.add(mask, g.reshape(padding, [B, 1, 1, 1, T])); // [B, 1, 1, S, T]
  }
  const scale = 1 / Math.sqrt(D);
  return (h, i) => {
    const p = `model.layers.${i}.self_attn`;
    const heads = (name: string, n: number): Value =>
      g.transpose(g.reshape(project(g, h, w, `${p}.${name}`, config.qkvBias, adapter), [B, S, n, D]), [0, 2, 1, 3]); // [B, n, S, D]
    const q = nn.rotary(g, heads('q_proj', H), cos, sin);
    let k = nn.rotary(g, heads('k_proj', Hkv), cos, sin);
    let v = heads('v_proj', Hkv);
    const past = o.past?.[i];
    if (past) [k, v] = [g.concat([past[0], k], 2), g.concat([past[1], v], 2)]; // [B, Hkv, T, D]
    // Query heads grouped per kv head; k and v broadcast over the group axis (no copies).
    const qg = g.reshape(q, [B, Hkv, G, S, D]);
    const scores = g.add(g.mul(g.matmul(qg, g.unsqueeze(g.transpose(k, [0, 1, 3, 2]), 2)), scale), mask); // [B, Hkv, G, S, T]
    const ctx = g.matmul(g.softmax(scores, -1), g.unsqueeze(v, 2)); // [B, Hkv, G, S, D]
    const y = g.reshape(g.transpose(g.reshape(ctx, [B, H, S, D]), [0, 2, 1, 3]), [B, S, H * D]);
    return { y, kv: [k, v] };
  };
}

export function fusedAttention(
  g: Graph,
  config: ModelConfig,
  w: WeightOf,
  ids: Value,
  o: FusedAttentionOptions,
  adapter?: AdapterOf,
): LayerAttention {
  const { numAttentionHeads: H, numKeyValueHeads: Hkv, headDim: D } = config;
  const [B, S] = ids.shape as [Dim, Dim];
  const invFreq = invFreqOf(g, config);
  // Without a cache every row holds S positions, all new: total S, seqlens_k S - 1.
  const totalLength = o.cache?.totalLength ?? g.size(S, 'int32');
  const seqlensK = o.cache?.seqlensK ?? g.expand(g.sub(totalLength, 1), [B]);
  const inside = gqaRotaryInside(config);
  let rotary: [Value, Value] | undefined;
  let rotate = (x: Value): Value => x;
  if (inside) {
    // Tables [maxPositions, D/2] over every position the model takes; from constants, so ONNX Runtime folds them at load.
    const freqs = g.mul(g.unsqueeze(g.arange(0, config.maxPositionEmbeddings, 'float32'), 1), invFreq);
    rotary = [g.cos(freqs), g.sin(freqs)];
  } else {
    // Positions P .. P+S-1 of the new tokens (P = total - S), tables [S, 1, D] broadcast over heads.
    const positions = o.cache ? g.add(g.arange(0, S), g.sub(g.cast(totalLength, 'int64'), g.size(S))) : g.arange(0, S);
    const { cos, sin } = nn.ropeTables(g, positions, invFreq);
    const [c, s] = [g.unsqueeze(cos, 1), g.unsqueeze(sin, 1)];
    // [B, S, n*D] seen as [B, S, n, D] for rotate_half, and back.
    rotate = (x) => {
      const n = (x.shape[2] as number) / D;
      return g.reshape(nn.rotary(g, g.reshape(x, [B, S, n, D]), c, s), [B, S, n * D]);
    };
  }
  return (h, i) => {
    const p = `model.layers.${i}.self_attn`;
    const names = ['q_proj', 'k_proj', 'v_proj'].map((n) => `${p}.${n}`);
    const qkv =
      o.packQkv && inside
        ? { q: packedProject(g, h, w, names, config.qkvBias, adapter) }
        : {
            q: rotate(project(g, h, w, names[0]!, config.qkvBias, adapter)),
            k: rotate(project(g, h, w, names[1]!, config.qkvBias, adapter)),
            v: project(g, h, w, names[2]!, config.qkvBias, adapter),
          };
    const past = o.cache?.past[i];
    const [y, k, v] = g.groupQueryAttention(
      { ...qkv, ...(past ? { past } : {}), seqlensK, totalLength, ...(rotary ? { rotary } : {}) },
      { numHeads: H, kvNumHeads: Hkv },
    );
    return { y, kv: [k, v] };
  };
}
