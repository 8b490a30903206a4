// The Llama / Qwen2 forward pass (Hugging Face LlamaForCausalLM semantics) as ONNX nodes, for the
// inference graphs: RMSNorm, rotary embeddings (rotate_half convention), grouped-query attention with a
// causal mask over past + new positions, SwiGLU MLP, tied or untied head, Qwen2's q/k/v biases.
// Shapes: B batch, S new positions, P past positions, T = P + S, C hidden, H heads, Hkv kv heads,
// G = H / Hkv, D head size, I intermediate, V vocab.
import type { ModelConfig } from '../../model/config';
import { ropeInverseFrequencies } from '../../model/rope';
import { attr, type NodeBuilder } from '../onnx/builder';
import { gqaAttention, gqaContext, msOp, type GqaOptions, type GqaProjections } from './gqa';

/** Resolves a Hugging Face tensor name to the ONNX value holding it as float32. */
export type WeightRef = (name: string) => string;

export interface ForwardOptions {
  /** Per layer [key, value] value names of the KV cache, each [B, Hkv, P, D]; absent for P = 0. */
  past?: readonly (readonly [string, string])[];
  /** Only the last position's logits ([B, 1, V]): what generation needs, and V x C x (S - 1) fewer FLOPs. */
  lastOnly?: boolean;
  /** Input [B, S] of rotary positions (transformers.js feeds them); default P .. P+S-1 for every row. */
  positionIds?: string;
  /** Input [B, T] of 1 (attend) / 0 (padding) over past + new keys; default every key attends. */
  attentionMask?: string;
  /**
   * ONNX Runtime's contrib ops instead of plain ONNX ops: GroupQueryAttention (gqa.ts; it replaces past,
   * positionIds and attentionMask) and SkipSimplifiedLayerNormalization (residual add + RMSNorm in one pass).
   */
  gqa?: GqaOptions & Packing;
}

/**
 * Projections that read the same input run as one MatMul over their weights concatenated in the graph
 * (ONNX Runtime folds the Concat once at load: nothing is duplicated on disk).
 */
export interface Packing {
  /** q, k and v: one [C, (H + 2 Hkv) * D] MatMul (needs GroupQueryAttention's own rotary). */
  packQkv?: boolean;
  /** gate and up: one [C, 2I] MatMul, then a Split. */
  packGateUp?: boolean;
}

export interface ForwardOutputs {
  /** [B, S, V] (or [B, 1, V] with lastOnly). */
  logits: string;
  /** Per layer [key, value], each [B, Hkv, T, D]. */
  present: [string, string][];
}

const INT64_MAX = Number.MAX_SAFE_INTEGER; // Slice clamps ends; any value past the axis length works

/** Linear layer with a PyTorch [out, in] weight: x @ W^T (+ b). The Transpose of an initializer is folded at load. */
function linear(b: NodeBuilder, x: string, w: WeightRef, name: string, bias: boolean): string {
  const wt = b.op('Transpose', [w(`${name}.weight`)], { perm: attr.ints([1, 0]) }, 'wT');
  const y = b.op('MatMul', [x, wt]);
  return bias ? b.op('Add', [y, w(`${name}.bias`)]) : y;
}

/** The weights of projections that read one input, transposed and side by side: [C, sum of their outputs]. */
function packedWeights(b: NodeBuilder, w: WeightRef, names: readonly string[], tag: string): string {
  return b.op('Concat', names.map((n) => b.op('Transpose', [w(`${n}.weight`)], { perm: attr.ints([1, 0]) }, 'wT')), { axis: attr.int(1) }, tag);
}

/** The q, k and v projections as one MatMul: weights (and biases) concatenated, [B, S, (H + 2 Hkv) * D]. */
function packedQkv(b: NodeBuilder, x: string, w: WeightRef, prefix: string, bias: boolean): string {
  const names = ['q_proj', 'k_proj', 'v_proj'].map((n) => `${prefix}.self_attn.${n}`);
  const y = b.op('MatMul', [x, packedWeights(b, w, names, 'wqkvT')]);
  return bias ? b.op('Add', [y, b.op('Concat', names.map((n) => w(`${n}.bias`)), { axis: attr.int(0) }, 'bqkv')]) : y;
}

/** The gate and up projections as one MatMul over concatenated weights, split into [B, S, I] each. */
function packedGateUp(b: NodeBuilder, x: string, w: WeightRef, prefix: string, I: number): [string, string] {
  const wt = packedWeights(b, w, ['gate_proj', 'up_proj'].map((n) => `${prefix}.mlp.${n}`), 'wgateupT');
  return b.opMulti('Split', [b.op('MatMul', [x, wt]), b.int64s([I, I])], 2, { axis: attr.int(-1) }) as [string, string];
}

/** RMSNorm as HF computes it: weight * (x / sqrt(mean(x^2) + eps)). Written in the pattern ONNX Runtime fuses. */
function rmsNorm(b: NodeBuilder, x: string, weight: string, eps: number, axes: string): string {
  const sq = b.op('Pow', [x, b.float32Scalar(2)]);
  const ms = b.op('ReduceMean', [sq, axes], { keepdims: attr.int(1) });
  const denom = b.op('Sqrt', [b.op('Add', [ms, b.float32Scalar(eps)])]);
  return b.op('Mul', [b.op('Div', [x, denom]), weight]);
}

/** x * cos + rotate_half(x) * sin, rotate_half(x) = concat(-x2, x1) over the last axis. */
function rotary(b: NodeBuilder, x: string, cos: string, sin: string, halves: string): string {
  const [x1, x2] = b.opMulti('Split', [x, halves], 2, { axis: attr.int(-1) }) as [string, string];
  const rotated = b.op('Concat', [b.op('Neg', [x2]), x1], { axis: attr.int(-1) });
  return b.op('Add', [b.op('Mul', [x, cos]), b.op('Mul', [rotated, sin])]);
}

export function emitForward(b: NodeBuilder, config: ModelConfig, w: WeightRef, ids: string, o: ForwardOptions = {}): ForwardOutputs {
  const lastAxis = b.int64s([-1], 'axes_last');
  const eps = config.rmsNormEps;
  const attention = o.gqa ? fusedAttention(b, config, w, ids, o.gqa) : opsAttention(b, config, w, ids, o);
  // x + delta, and its RMSNorm: one contrib op in the fused form, Add + the RMSNorm pattern otherwise.
  const residualNorm = (x: string, delta: string, weight: string): { x: string; h: string } => {
    if (!o.gqa) {
      const sum = b.op('Add', [x, delta], {}, 'resid');
      return { x: sum, h: rmsNorm(b, sum, weight, eps, lastAxis) };
    }
    const [h, , , sum] = msOp(b, 'SkipSimplifiedLayerNormalization', [delta, x, weight], 4, { epsilon: attr.float(eps) }, [b.fresh('norm'), '', '', b.fresh('resid')]) as [string, string, string, string];
    return { x: sum, h };
  };
  let x = b.op('Gather', [w('model.embed_tokens.weight'), ids], { axis: attr.int(0) }, 'embed'); // [B, S, C]
  let h = rmsNorm(b, x, w('model.layers.0.input_layernorm.weight'), eps, lastAxis);
  const present: [string, string][] = [];
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    const { y, kv } = attention(h, i); // y [B, S, H*D]
    present.push(kv);
    ({ x, h } = residualNorm(x, linear(b, y, w, `${p}.self_attn.o_proj`, config.oBias), w(`${p}.post_attention_layernorm.weight`)));
    const [gate, up] = o.gqa?.packGateUp ? packedGateUp(b, h, w, p, config.intermediateSize) : [linear(b, h, w, `${p}.mlp.gate_proj`, false), linear(b, h, w, `${p}.mlp.up_proj`, false)];
    const act = b.op('Mul', [b.op('Mul', [gate, b.op('Sigmoid', [gate])]), up]); // SiLU(gate) * up
    // The next norm is the next layer's input norm, or the final norm after the last layer.
    const next = i + 1 < config.numHiddenLayers ? `model.layers.${i + 1}.input_layernorm.weight` : 'model.norm.weight';
    ({ x, h } = residualNorm(x, linear(b, act, w, `${p}.mlp.down_proj`, false), w(next)));
  }
  // RMSNorm is per position, so slicing after it gives the last position's normed state.
  if (o.lastOnly) h = b.op('Slice', [h, b.int64s([-1]), b.int64s([INT64_MAX]), b.int64s([1])], {}, 'last'); // [B, 1, C]
  const head = config.tieWordEmbeddings ? 'model.embed_tokens' : 'lm_head';
  return { logits: linear(b, h, w, head, false), present };
}

/** One layer's attention from its normed input h [B, S, C]: context vectors [B, S, H*D] and its present key/value. */
type LayerAttention = (h: string, layer: number) => { y: string; kv: [string, string] };

function fusedAttention(b: NodeBuilder, config: ModelConfig, w: WeightRef, ids: string, o: GqaOptions & Packing): LayerAttention {
  const ctx = gqaContext(b, config, ids, o);
  return (h, i) => {
    const p = `model.layers.${i}`;
    // Packed projections need the op's own rotary (it cannot rotate a slice of one tensor from outside).
    const proj: GqaProjections =
      o.packQkv && ctx.inside
        ? { q: packedQkv(b, h, w, p, config.qkvBias) }
        : { q: linear(b, h, w, `${p}.self_attn.q_proj`, config.qkvBias), k: linear(b, h, w, `${p}.self_attn.k_proj`, config.qkvBias), v: linear(b, h, w, `${p}.self_attn.v_proj`, config.qkvBias) };
    const { out, present } = gqaAttention(b, config, ctx, proj, o.cache?.[i]);
    return { y: out, kv: present };
  };
}

function opsAttention(b: NodeBuilder, config: ModelConfig, w: WeightRef, ids: string, o: ForwardOptions): LayerAttention {
  const { numAttentionHeads: H, numKeyValueHeads: Hkv, headDim: D } = config;
  const G = H / Hkv;
  const halves = b.int64s([D / 2, D / 2], 'rope_halves');

  // Positions P .. P+S-1, where P is the cache length (0 without a cache).
  const S = b.op('Gather', [b.op('Shape', [ids]), b.int64Scalar(1)], { axis: attr.int(0) }, 'S');
  const P = o.past?.[0] ? b.op('Gather', [b.op('Shape', [o.past[0][0]]), b.int64Scalar(2)], { axis: attr.int(0) }, 'P') : b.int64Scalar(0, 'P');
  const T = b.op('Add', [P, S], {}, 'T');
  const one = b.int64Scalar(1);
  const positions = b.op('Range', [P, T, one], {}, 'positions'); // [S]

  // Rotary tables [S, D] (or [B, 1, S, D] from position_ids): freqs = pos (x) inv_freq, emb = concat(freqs, freqs).
  const posF = b.op('Unsqueeze', [b.op('Cast', [o.positionIds ?? positions], { to: attr.int(1) }), b.int64s([-1])]); // [S, 1] or [B, S, 1]
  const freqs = b.op('Mul', [posF, b.float32s(ropeInverseFrequencies(config), [D / 2], 'inv_freq')]); // [S, D/2] or [B, S, D/2]
  const emb0 = b.op('Concat', [freqs, freqs], { axis: attr.int(-1) });
  const emb = o.positionIds ? b.op('Unsqueeze', [emb0, b.int64s([1])]) : emb0; // per-row tables broadcast over heads
  const cos = b.op('Cos', [emb]);
  const sin = b.op('Sin', [emb]);

  // Causal mask [S, T]: query at position P+i sees keys 0..P+i.
  const rows = b.op('Unsqueeze', [positions, b.int64s([1])]); // [S, 1]
  const cols = b.op('Range', [b.int64Scalar(0), T, one]); // [T]
  const future = b.op('Greater', [cols, rows]); // [S, T]
  const causal = b.op('Where', [future, b.float32Scalar(-Infinity), b.float32Scalar(0)], {}, 'causal_mask');
  // Padding keys get the lowest finite float, not -inf, so a padded query row (every key masked) stays finite.
  const mask = o.attentionMask
    ? b.op('Add', [causal, b.op('Reshape', [b.op('Where', [b.op('Equal', [o.attentionMask, b.int64Scalar(0)]), b.float32Scalar(-3.4028234663852886e38), b.float32Scalar(0)]), b.int64s([0, 1, 1, 1, -1])])]) // [B, 1, 1, S, T]
    : causal;

  const toHeads = b.int64s([0, 0, -1, D], 'to_heads'); // [B, S, n*D] -> [B, S, n, D]
  const toGroups = b.int64s([0, Hkv, G, -1, D], 'to_groups'); // [B, H, S, D] -> [B, Hkv, G, S, D]
  const fromGroups = b.int64s([0, H, -1, D], 'from_groups');
  const merge = b.int64s([0, 0, H * D], 'merge_heads');
  const groupAxis = b.int64s([2], 'group_axis');
  const scale = b.float32Scalar(1 / Math.sqrt(D), 'attn_scale');
  const bsnd = { perm: attr.ints([0, 2, 1, 3]) };

  return (h, i) => {
    const p = `model.layers.${i}`;
    const heads = (name: string): string => b.op('Transpose', [b.op('Reshape', [linear(b, h, w, `${p}.self_attn.${name}`, config.qkvBias), toHeads])], bsnd);
    const q = rotary(b, heads('q_proj'), cos, sin, halves); // [B, H, S, D]
    let k = rotary(b, heads('k_proj'), cos, sin, halves); // [B, Hkv, S, D]
    let v = heads('v_proj');
    const past = o.past?.[i];
    if (past) {
      k = b.op('Concat', [past[0], k], { axis: attr.int(2) }, `present_key_${i}`);
      v = b.op('Concat', [past[1], v], { axis: attr.int(2) }, `present_value_${i}`);
    } // k, v: [B, Hkv, T, D]

    // GQA without copying k/v: query heads grouped per kv head, k/v broadcast over the group axis.
    const qg = b.op('Reshape', [q, toGroups]); // [B, Hkv, G, S, D]
    const kt = b.op('Unsqueeze', [b.op('Transpose', [k], { perm: attr.ints([0, 1, 3, 2]) }), groupAxis]); // [B, Hkv, 1, D, T]
    const scores = b.op('Add', [b.op('Mul', [b.op('MatMul', [qg, kt]), scale]), mask]); // [B, Hkv, G, S, T]
    const probs = b.op('Softmax', [scores], { axis: attr.int(-1) });
    const ctx = b.op('MatMul', [probs, b.op('Unsqueeze', [v, groupAxis])]); // [B, Hkv, G, S, D]
    const y = b.op('Reshape', [b.op('Transpose', [b.op('Reshape', [ctx, fromGroups])], bsnd), merge]); // [B, S, H*D]
    return { y, kv: [k, v] };
  };
}
