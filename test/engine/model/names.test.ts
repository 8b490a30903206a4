import { describe, expect, it } from 'vitest';
import { fromHfConfig, presetConfig } from '../../../src/engine/model/config';
import { parameterCount, parameterSpecs } from '../../../src/engine/model/names';

describe('parameter names', () => {
  it('lists a tied Llama model in HF order without lm_head', () => {
    const config = presetConfig('tiny', { numHiddenLayers: 1 });
    const specs = parameterSpecs(config);
    expect(specs.map((s) => `${s.name} [${s.shape.join(',')}]`)).toEqual([
      'model.embed_tokens.weight [8192,128]',
      'model.layers.0.input_layernorm.weight [128]',
      'model.layers.0.self_attn.q_proj.weight [128,128]',
      'model.layers.0.self_attn.k_proj.weight [128,128]',
      'model.layers.0.self_attn.v_proj.weight [128,128]',
      'model.layers.0.self_attn.o_proj.weight [128,128]',
      'model.layers.0.post_attention_layernorm.weight [128]',
      'model.layers.0.mlp.gate_proj.weight [512,128]',
      'model.layers.0.mlp.up_proj.weight [512,128]',
      'model.layers.0.mlp.down_proj.weight [128,512]',
      'model.norm.weight [128]',
    ]);
  });

  it('adds lm_head when untied and GQA shrinks k/v', () => {
    const config = presetConfig('smollm2-135m', { tieWordEmbeddings: false });
    const byName = new Map(parameterSpecs(config).map((s) => [s.name, s.shape]));
    expect(byName.get('lm_head.weight')).toEqual([49152, 576]);
    expect(byName.get('model.layers.29.self_attn.k_proj.weight')).toEqual([192, 576]);
    expect(byName.get('model.layers.29.self_attn.o_proj.weight')).toEqual([576, 576]);
  });

  it('gives Qwen2 q/k/v biases and no o bias', () => {
    const { config } = fromHfConfig({
      architectures: ['Qwen2ForCausalLM'],
      vocab_size: 50,
      hidden_size: 32,
      intermediate_size: 64,
      num_hidden_layers: 1,
      num_attention_heads: 4,
      num_key_value_heads: 2,
    });
    const biases = parameterSpecs(config).filter((s) => s.role === 'bias');
    expect(biases.map((s) => [s.name, s.shape])).toEqual([
      ['model.layers.0.self_attn.q_proj.bias', [32]],
      ['model.layers.0.self_attn.k_proj.bias', [16]],
      ['model.layers.0.self_attn.v_proj.bias', [16]],
    ]);
  });

  it('counts SmolLM2-135M at its published 134.5M parameters', () => {
    expect(parameterCount(presetConfig('smollm2-135m'))).toBe(134_515_008);
  });
});
