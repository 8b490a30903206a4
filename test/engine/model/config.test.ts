import { describe, expect, it } from 'vitest';
import { fromHfConfig, MODEL_PRESETS, parseModelConfig, presetConfig, toHfConfig } from '../../../src/engine/model/config';
import { GroveError } from '../../../src/shared/api/errors';

// HuggingFaceTB/SmolLM2-135M/config.json, verbatim.
const smollm2 = {
  architectures: ['LlamaForCausalLM'], attention_bias: false, attention_dropout: 0.0, bos_token_id: 0, eos_token_id: 0,
  hidden_act: 'silu', hidden_size: 576, initializer_range: 0.041666666666666664, intermediate_size: 1536, is_llama_config: true,
  max_position_embeddings: 8192, model_type: 'llama', num_attention_heads: 9, num_hidden_layers: 30, num_key_value_heads: 3,
  pretraining_tp: 1, rms_norm_eps: 1e-5, rope_interleaved: false, rope_scaling: null, rope_theta: 100000,
  tie_word_embeddings: true, torch_dtype: 'bfloat16', transformers_version: '4.40.1', use_cache: true, vocab_size: 49152,
};

// Qwen/Qwen2.5-0.5B/config.json, verbatim.
const qwen25 = {
  architectures: ['Qwen2ForCausalLM'], attention_dropout: 0.0, bos_token_id: 151643, eos_token_id: 151643, hidden_act: 'silu',
  hidden_size: 896, initializer_range: 0.02, intermediate_size: 4864, max_position_embeddings: 32768, max_window_layers: 24,
  model_type: 'qwen2', num_attention_heads: 14, num_hidden_layers: 24, num_key_value_heads: 2, rms_norm_eps: 1e-6,
  rope_theta: 1000000.0, sliding_window: 32768, tie_word_embeddings: true, torch_dtype: 'bfloat16',
  transformers_version: '4.40.1', use_cache: true, use_sliding_window: false, vocab_size: 151936,
};

function thrown(fn: () => unknown): GroveError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GroveError) return err;
    throw err;
  }
  throw new Error('expected a GroveError');
}

describe('model config', () => {
  it('reads a Llama config.json, derives head_dim, and writes back every key it was given', () => {
    const { config, extras } = fromHfConfig(smollm2);
    expect(config).toMatchObject({ architecture: 'LlamaForCausalLM', hiddenSize: 576, numKeyValueHeads: 3, headDim: 64, rmsNormEps: 1e-5, ropeTheta: 100000, tieWordEmbeddings: true, qkvBias: false, oBias: false, torchDtype: 'bfloat16' });
    expect(extras).toEqual({ attention_dropout: 0, is_llama_config: true, pretraining_tp: 1, rope_interleaved: false, transformers_version: '4.40.1', use_cache: true });
    const out = toHfConfig(config, extras);
    for (const [key, value] of Object.entries(smollm2)) expect(out[key], key).toEqual(value);
    expect(out.head_dim).toBe(64);
    expect(fromHfConfig(JSON.parse(JSON.stringify(out))).config).toEqual(config);
  });

  it('reads a Qwen2 config with q/k/v biases and no o bias', () => {
    const { config, extras } = fromHfConfig(qwen25);
    expect(config).toMatchObject({ architecture: 'Qwen2ForCausalLM', headDim: 64, numKeyValueHeads: 2, qkvBias: true, oBias: false, ropeTheta: 1e6 });
    expect(extras).toMatchObject({ sliding_window: 32768, use_sliding_window: false, max_window_layers: 24 });
    const out = toHfConfig(config, extras);
    expect(out.attention_bias).toBeUndefined(); // Qwen2 has no such key
    for (const [key, value] of Object.entries(qwen25)) expect(out[key], key).toEqual(value);
  });

  it('fills HF defaults for absent keys (kv heads = heads, head_dim = hidden / heads)', () => {
    const { config } = fromHfConfig({ architectures: ['LlamaForCausalLM'], vocab_size: 100, hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4 });
    expect(config).toMatchObject({ numKeyValueHeads: 4, headDim: 16, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false, initializerRange: 0.02, ropeScaling: null });
  });

  it('names the unsupported architecture and the supported ones', () => {
    const err = thrown(() => fromHfConfig({ ...smollm2, architectures: ['MistralForCausalLM'] }, 'models/x/config.json'));
    expect(err.code).toBe('unsupported');
    expect(err.message).toContain('models/x/config.json');
    expect(err.message).toContain('MistralForCausalLM');
    expect(err.message).toContain('LlamaForCausalLM, Qwen2ForCausalLM');
  });

  it('refuses features that change the math, naming the key', () => {
    expect(thrown(() => fromHfConfig({ ...qwen25, use_sliding_window: true })).message).toContain('use_sliding_window');
    expect(thrown(() => fromHfConfig({ ...smollm2, hidden_act: 'gelu' })).message).toContain('hidden_act');
    expect(thrown(() => fromHfConfig({ ...smollm2, rope_scaling: { rope_type: 'yarn', factor: 4 } })).message).toContain('"yarn"');
  });

  it('reads Llama 3 rope scaling and writes it back', () => {
    const scaling = { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 };
    const { config } = fromHfConfig({ ...smollm2, rope_scaling: scaling });
    expect(config.ropeScaling).toEqual({ ropeType: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 });
    expect(toHfConfig(config).rope_scaling).toEqual(scaling);
  });

  it("keeps Grove's own config strict: unknown keys and impossible shapes are refused with the field name", () => {
    const base = MODEL_PRESETS.tiny;
    expect(thrown(() => parseModelConfig({ ...base, hiddenSizee: 3 })).message).toContain('hiddenSizee');
    expect(thrown(() => parseModelConfig({ ...base, numKeyValueHeads: 3 })).message).toContain('numKeyValueHeads');
    expect(thrown(() => parseModelConfig({ ...base, hiddenSize: 130 })).message).toContain('headDim');
    expect(thrown(() => parseModelConfig({ ...base, architecture: 'Qwen2ForCausalLM' })).message).toContain('q/k/v biases');
  });

  it('has presets for the seeds and the SmolLM2-135M shape', () => {
    expect(presetConfig('tiny')).toMatchObject({ hiddenSize: 128, numHiddenLayers: 4, numAttentionHeads: 4, intermediateSize: 512, vocabSize: 8192, headDim: 32 });
    expect(presetConfig('small')).toMatchObject({ hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 6, intermediateSize: 1024, vocabSize: 8192, headDim: 64 });
    expect(presetConfig('smollm2-135m')).toEqual(fromHfConfig(smollm2).config);
    expect(thrown(() => presetConfig('huge')).message).toContain('tiny, small, smollm2-135m');
  });
});
