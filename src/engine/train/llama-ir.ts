// The Llama / Qwen2 forward pass on Grove's graph IR (so autodiff can differentiate it), following
// Hugging Face LlamaForCausalLM: RMSNorm, rotary embeddings, grouped-query causal attention, SwiGLU,
// tied or untied head, Qwen2's q/k/v biases. Fixed B and T (a training graph is built per batch shape).
// Shapes: B batch, T time, C hidden, H heads, Hkv kv heads, G = H / Hkv, D head size, V vocab.
import type { Graph, Value } from '../graph';
import { nn } from '../graph';
import type { ModelConfig } from '../model/config';
import { ropeInverseFrequencies } from '../model/rope';

export type Params = ReadonlyMap<string, Value>;

function param(p: Params, name: string): Value {
  const v = p.get(name);
  if (!v) throw new Error(`llama-ir: the graph has no parameter ${name}`);
  return v;
}

/** ids [B, T] int64 -> logits [B, T, V]. */
export function llamaLogits(g: Graph, config: ModelConfig, p: Params, ids: Value, B: number, T: number): Value {
  const { numAttentionHeads: H, numKeyValueHeads: Hkv, headDim: D } = config;
  const G = H / Hkv;
  const { cos, sin } = nn.ropeTables(g, g.arange(0, T), g.constant(ropeInverseFrequencies(config), 'float32', [D / 2]));
  const mask = nn.causalMask(g, T); // [T, T]
  const scale = 1 / Math.sqrt(D);
  let x = g.gather(param(p, 'model.embed_tokens.weight'), ids, 0); // [B, T, C]
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const pre = `model.layers.${i}`;
    x = g.scope(pre, () => {
      const h = nn.rmsNorm(g, x, param(p, `${pre}.input_layernorm.weight`), config.rmsNormEps);
      const proj = (name: string, heads: number): Value => {
        const b = config.qkvBias ? param(p, `${pre}.self_attn.${name}.bias`) : undefined;
        const y = nn.linear(g, h, param(p, `${pre}.self_attn.${name}.weight`), b); // [B, T, heads*D]
        return g.transpose(g.reshape(y, [B, T, heads, D]), [0, 2, 1, 3]); // [B, heads, T, D]
      };
      const q = nn.rotary(g, proj('q_proj', H), cos, sin);
      const k = nn.rotary(g, proj('k_proj', Hkv), cos, sin);
      const v = proj('v_proj', Hkv);
      // Query heads grouped per kv head; k and v broadcast over the group axis (no copies).
      const qg = g.reshape(q, [B, Hkv, G, T, D]);
      const scores = g.add(g.mul(g.matmul(qg, g.unsqueeze(g.transpose(k, [0, 1, 3, 2]), 2)), scale), mask); // [B, Hkv, G, T, T]
      const ctx = g.matmul(g.softmax(scores, -1), g.unsqueeze(v, 2)); // [B, Hkv, G, T, D]
      const y = g.reshape(g.transpose(g.reshape(ctx, [B, H, T, D]), [0, 2, 1, 3]), [B, T, H * D]);
      const o = nn.linear(g, y, param(p, `${pre}.self_attn.o_proj.weight`), config.oBias ? param(p, `${pre}.self_attn.o_proj.bias`) : undefined);
      const x1 = g.add(x, o);
      const h2 = nn.rmsNorm(g, x1, param(p, `${pre}.post_attention_layernorm.weight`), config.rmsNormEps);
      const act = g.mul(nn.silu(g, nn.linear(g, h2, param(p, `${pre}.mlp.gate_proj.weight`))), nn.linear(g, h2, param(p, `${pre}.mlp.up_proj.weight`)));
      return g.add(x1, nn.linear(g, act, param(p, `${pre}.mlp.down_proj.weight`)));
    });
  }
  const xn = nn.rmsNorm(g, x, param(p, 'model.norm.weight'), config.rmsNormEps);
  return nn.linear(g, xn, param(p, config.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight'));
}

/** Mean next-token cross-entropy over [B, T]. */
export function meanCrossEntropy(g: Graph, logits: Value, targets: Value): Value {
  return g.reduceMean(nn.softmaxCrossEntropy(g, logits, targets));
}
