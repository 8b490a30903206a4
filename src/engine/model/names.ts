// Hugging Face tensor names and shapes of a Llama-family model: the one parameter list every layer of
// Grove uses (graphs, optimiser state, checkpoints, averaging), never renamed.
import type { ModelConfig } from './config';

/** How a parameter is initialised and whether it is a matrix (weight decay, init) or a vector. */
export type ParamRole = 'embedding' | 'linear' | 'bias' | 'norm';

export interface ParamSpec {
  name: string;
  /** PyTorch layout: a linear weight is [out, in]. */
  shape: readonly number[];
  role: ParamRole;
}

/** Every parameter of the model in Hugging Face's module order. */
export function parameterSpecs(config: ModelConfig): ParamSpec[] {
  const { vocabSize: V, hiddenSize: C, intermediateSize: I, numAttentionHeads: H, numKeyValueHeads: Hkv, headDim: D } = config;
  const specs: ParamSpec[] = [{ name: 'model.embed_tokens.weight', shape: [V, C], role: 'embedding' }];
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    specs.push({ name: `${p}.input_layernorm.weight`, shape: [C], role: 'norm' });
    specs.push({ name: `${p}.self_attn.q_proj.weight`, shape: [H * D, C], role: 'linear' });
    if (config.qkvBias) specs.push({ name: `${p}.self_attn.q_proj.bias`, shape: [H * D], role: 'bias' });
    specs.push({ name: `${p}.self_attn.k_proj.weight`, shape: [Hkv * D, C], role: 'linear' });
    if (config.qkvBias) specs.push({ name: `${p}.self_attn.k_proj.bias`, shape: [Hkv * D], role: 'bias' });
    specs.push({ name: `${p}.self_attn.v_proj.weight`, shape: [Hkv * D, C], role: 'linear' });
    if (config.qkvBias) specs.push({ name: `${p}.self_attn.v_proj.bias`, shape: [Hkv * D], role: 'bias' });
    specs.push({ name: `${p}.self_attn.o_proj.weight`, shape: [C, H * D], role: 'linear' });
    if (config.oBias) specs.push({ name: `${p}.self_attn.o_proj.bias`, shape: [C], role: 'bias' });
    specs.push({ name: `${p}.post_attention_layernorm.weight`, shape: [C], role: 'norm' });
    specs.push({ name: `${p}.mlp.gate_proj.weight`, shape: [I, C], role: 'linear' });
    specs.push({ name: `${p}.mlp.up_proj.weight`, shape: [I, C], role: 'linear' });
    specs.push({ name: `${p}.mlp.down_proj.weight`, shape: [C, I], role: 'linear' });
  }
  specs.push({ name: 'model.norm.weight', shape: [C], role: 'norm' });
  // Tied: the output projection is embed_tokens itself; HF checkpoints then carry no lm_head tensor.
  if (!config.tieWordEmbeddings) specs.push({ name: 'lm_head.weight', shape: [V, C], role: 'linear' });
  return specs;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** Total number of parameters (a tied embedding counted once). */
export function parameterCount(config: ModelConfig): number {
  return parameterSpecs(config).reduce((n, s) => n + elementCount(s.shape), 0);
}
