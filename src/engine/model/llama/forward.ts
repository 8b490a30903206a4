// The one definition of the Llama / Qwen2 forward pass (Hugging Face LlamaForCausalLM semantics) on Grove's
// graph IR: embedding, per layer RMSNorm, attention (attention.ts), residual, RMSNorm, SwiGLU MLP, residual;
// final RMSNorm and tied or untied head; Qwen2's q/k/v biases; optional low-rank adapters on the layer
// projections (a light expert: W0 + (alpha / r) B A, see model/lora.ts). Every graph that runs the model is built from
// it: the training step (plain ops, differentiable), the score, decode and log-prob graphs (inference
// options: fused contrib ops, KV cache, packing, last position only) and the transformers.js export.
// It lives in model/ because it is the model's definition; graph/ stays a model-agnostic tensor library
// and train/, runtime/ and export/ are its users.
// Shapes: B batch, S new positions, C hidden, I intermediate, V vocab.
import { GroveError } from '../../../shared/api/errors';
import { nn, type Graph, type Value } from '../../graph';
import type { ModelConfig } from '../config';
import {
  fusedAttention,
  packedProject,
  plainAttention,
  project,
  type AdapterOf,
  type FusedAttentionOptions,
  type PlainAttentionOptions,
  type WeightOf,
} from './attention';

export type { AdapterOf, LowRank, WeightOf } from './attention';

export interface FusedOptions extends FusedAttentionOptions {
  /** gate and up as one [C, 2I] MatMul, then a Split. */
  packGateUp?: boolean;
}

export interface LlamaOptions extends PlainAttentionOptions {
  /**
   * Inference only: ONNX Runtime's contrib ops, GroupQueryAttention (which takes its own cache, so `past`,
   * `positionIds` and `attentionMask` do not apply) and SkipSimplifiedLayerNormalization (residual add +
   * RMSNorm in one pass). Graphs built with it cannot be differentiated (grad refuses them).
   */
  fused?: FusedOptions;
  /** Only the last position's logits ([B, 1, V]): what generation needs, and V x C x (S - 1) fewer FLOPs. */
  lastOnly?: boolean;
  /**
   * Low-rank adapters (a light expert, model/lora.ts): each adapted projection adds scale * (x A^T) B^T to
   * x W0^T, in every form (plain and fused, packed or not); the head and embeddings are never adapted.
   */
  adapter?: AdapterOf;
  /**
   * Training only: each layer is a recompute region (Graph.recompute): the backward pass rebuilds a layer's
   * activations from its inputs instead of keeping them from the forward (activation checkpointing).
   */
  recompute?: boolean;
  /**
   * Training only: build the first `layers` decoder layers and stop (no final norm): hidden is then the
   * normed input of layer `layers`, as that layer would read it, and residual the stream beside it. The lower
   * runs below the top of a split backward pass (train/train-graph.ts splitGradGraphs) are built this way.
   */
  layers?: number;
  /**
   * Training only: start at layer `layer` from the residual stream `x` entering it (given, not built from
   * the ids, which then only give the shape and positions): the middle runs of a split backward pass.
   */
  start?: { layer: number; x: Value };
}

/** What enters a decoder layer: the residual stream x and its RMSNorm h, both [B, S, C]. */
export interface LayerInput {
  x: Value;
  h: Value;
}

export interface LlamaOutputs {
  /** [B, S, V] (or [B, 1, V] with lastOnly). */
  logits: Value;
  /** Per layer [key, value]: [B, Hkv, P+S, D] (plain), the cache buffers' rows (fused with a cache), [B, Hkv, S, D] without one. */
  present: [Value, Value][];
}

/** ids [B, S] int64 -> logits and the per-layer present keys/values. */
export function llamaForward(g: Graph, config: ModelConfig, w: WeightOf, ids: Value, o: LlamaOptions = {}): LlamaOutputs {
  const { hidden, present } = llamaHidden(g, config, w, ids, o);
  return { logits: lmHead(g, config, w, hidden), present };
}

/** The head: normed hidden states [..., C] -> logits [..., V] (the input embedding where tied). */
export function lmHead(g: Graph, config: ModelConfig, w: WeightOf, hidden: Value): Value {
  return project(g, hidden, w, config.tieWordEmbeddings ? 'model.embed_tokens' : 'lm_head', false);
}

/** llamaForward up to the head: the final normed hidden states [B, S, C] (or [B, 1, C] with lastOnly). */
export function llamaHidden(
  g: Graph,
  config: ModelConfig,
  w: WeightOf,
  ids: Value,
  o: LlamaOptions = {},
): { hidden: Value; present: [Value, Value][]; layerInputs: LayerInput[]; residual: Value } {
  if (o.fused && (o.past || o.positionIds || o.attentionMask)) {
    throw new GroveError(
      'internal',
      'llamaForward: the fused form takes its KV cache through fused.cache and has no position ids or padding mask; use the plain form for those.',
    );
  }
  const eps = config.rmsNormEps;
  const attention = o.fused ? fusedAttention(g, config, w, ids, o.fused, o.adapter) : plainAttention(g, config, w, ids, o, o.adapter);
  // x + delta and its RMSNorm: one contrib op when fused, add + the RMSNorm pattern (which ONNX Runtime fuses) otherwise.
  const residualNorm = (x: Value, delta: Value, weight: Value): { x: Value; h: Value } => {
    if (!o.fused) {
      const sum = g.add(x, delta);
      return { x: sum, h: nn.rmsNorm(g, sum, weight, eps) };
    }
    const [h, sum] = g.skipRmsNorm(delta, x, weight, eps);
    return { x: sum, h };
  };
  const built = o.layers ?? config.numHiddenLayers;
  const first = o.start?.layer ?? 0;
  // A start must be one of the layers built.
  const badStart = o.start !== undefined && (!Number.isInteger(first) || first < 0 || first >= built);
  if (!Number.isInteger(built) || built < 0 || built > config.numHiddenLayers || badStart)
    throw new GroveError('internal', `llamaHidden: cannot build layers ${first} to ${built} of the model's ${config.numHiddenLayers}.`);
  let x = o.start?.x ?? g.gather(w('model.embed_tokens.weight'), ids, 0); // [B, S, C]
  let h = nn.rmsNorm(g, x, w(`model.layers.${first}.input_layernorm.weight`), eps);
  const present: [Value, Value][] = [];
  // Indexed by layer: the layers before `first` are not built.
  const layerInputs: LayerInput[] = [];
  for (let i = first; i < built; i++) {
    layerInputs[i] = { x, h };
    const p = `model.layers.${i}`;
    const layer = (): { x: Value; h: Value } => {
      const { y, kv } = attention(h, i);
      present.push(kv);
      const mid = residualNorm(
        x,
        project(g, y, w, `${p}.self_attn.o_proj`, config.oBias, o.adapter),
        w(`${p}.post_attention_layernorm.weight`),
      );
      const I = config.intermediateSize;
      const mlp = ['gate_proj', 'up_proj'].map((n) => `${p}.mlp.${n}`);
      const [gate, up] = o.fused?.packGateUp
        ? (g.split(packedProject(g, mid.h, w, mlp, false, o.adapter), -1, [I, I]) as [Value, Value])
        : (mlp.map((n) => project(g, mid.h, w, n, false, o.adapter)) as [Value, Value]);
      const act = g.mul(nn.silu(g, gate), up); // SiLU(gate) * up
      // The next norm is the next layer's input norm, or the final norm after the last layer.
      const next = i + 1 < config.numHiddenLayers ? `model.layers.${i + 1}.input_layernorm.weight` : 'model.norm.weight';
      return residualNorm(mid.x, project(g, act, w, `${p}.mlp.down_proj`, false, o.adapter), w(next));
    };
    ({ x, h } = g.scope(p, () => (o.recompute ? g.recompute(layer) : layer())));
  }
  // RMSNorm is per position, so slicing after it gives the last position's normed state.
  if (o.lastOnly) h = g.slice(h, 1, -1); // [B, 1, C]
  return { hidden: h, present, layerInputs, residual: x };
}
