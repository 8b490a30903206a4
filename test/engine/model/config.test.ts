import { describe, expect, it } from 'vitest';
import { fromHfConfig, MODEL_PRESETS, parseModelConfig, presetConfig, toHfConfig } from '../../../src/engine/model/config';
import { GroveError } from '../../../src/shared/api/errors';

// HuggingFaceTB/SmolLM2-135M/config.json, verbatim.
const smollm2 = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 0,
  eos_token_id: 0,
  hidden_act: 'silu',
  hidden_size: 576,
  initializer_range: 0.041666666666666664,
  intermediate_size: 1536,
  is_llama_config: true,
  max_position_embeddings: 8192,
  model_type: 'llama',
  num_attention_heads: 9,
  num_hidden_layers: 30,
  num_key_value_heads: 3,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_interleaved: false,
  rope_scaling: null,
  rope_theta: 100000,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.40.1',
  use_cache: true,
  vocab_size: 49152,
};

// Qwen/Qwen2.5-0.5B/config.json, verbatim.
const qwen25 = {
  architectures: ['Qwen2ForCausalLM'],
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151643,
  hidden_act: 'silu',
  hidden_size: 896,
  initializer_range: 0.02,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 24,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.40.1',
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
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
    expect(config).toMatchObject({
      architecture: 'LlamaForCausalLM',
      hiddenSize: 576,
      numKeyValueHeads: 3,
      headDim: 64,
      rmsNormEps: 1e-5,
      ropeTheta: 100000,
      tieWordEmbeddings: true,
      qkvBias: false,
      oBias: false,
      torchDtype: 'bfloat16',
    });
    expect(extras).toEqual({
      attention_dropout: 0,
      is_llama_config: true,
      pretraining_tp: 1,
      rope_interleaved: false,
      transformers_version: '4.40.1',
      use_cache: true,
    });
    const out = toHfConfig(config, extras);
    for (const [key, value] of Object.entries(smollm2)) expect(out[key], key).toEqual(value);
    expect(out.head_dim).toBe(64);
    expect(fromHfConfig(JSON.parse(JSON.stringify(out))).config).toEqual(config);
  });

  it('reads a Qwen2 config with q/k/v biases and no o bias', () => {
    const { config, extras } = fromHfConfig(qwen25);
    expect(config).toMatchObject({
      architecture: 'Qwen2ForCausalLM',
      headDim: 64,
      numKeyValueHeads: 2,
      qkvBias: true,
      oBias: false,
      ropeTheta: 1e6,
    });
    expect(extras).toMatchObject({ sliding_window: 32768, use_sliding_window: false, max_window_layers: 24 });
    const out = toHfConfig(config, extras);
    expect(out.attention_bias).toBeUndefined(); // Qwen2 has no such key
    for (const [key, value] of Object.entries(qwen25)) expect(out[key], key).toEqual(value);
  });

  it('fills HF defaults for absent keys (kv heads = heads, head_dim = hidden / heads)', () => {
    const { config } = fromHfConfig({
      architectures: ['LlamaForCausalLM'],
      vocab_size: 100,
      hidden_size: 64,
      intermediate_size: 128,
      num_hidden_layers: 2,
      num_attention_heads: 4,
    });
    expect(config).toMatchObject({
      numKeyValueHeads: 4,
      headDim: 16,
      rmsNormEps: 1e-6,
      ropeTheta: 10000,
      tieWordEmbeddings: false,
      initializerRange: 0.02,
      ropeScaling: null,
    });
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
    expect(config.ropeScaling).toEqual({
      ropeType: 'llama3',
      factor: 32,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    });
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
    expect(presetConfig('tiny')).toMatchObject({
      hiddenSize: 128,
      numHiddenLayers: 4,
      numAttentionHeads: 4,
      intermediateSize: 512,
      vocabSize: 8192,
      headDim: 32,
    });
    expect(presetConfig('small')).toMatchObject({
      hiddenSize: 384,
      numHiddenLayers: 6,
      numAttentionHeads: 6,
      intermediateSize: 1024,
      vocabSize: 8192,
      headDim: 64,
    });
    expect(presetConfig('smollm2-135m')).toEqual(fromHfConfig(smollm2).config);
    expect(thrown(() => presetConfig('huge')).message).toContain('tiny, small, smollm2-135m');
  });

  describe('rope settings in both layouts (transformers 4.x top level, 5.x rope_parameters)', () => {
    const llama3 = { factor: 32.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192 };
    const { rope_theta: _theta, rope_scaling: _scaling, ...base } = smollm2;
    const classic = { ...base, rope_theta: 500000.0, rope_scaling: { rope_type: 'llama3', ...llama3 } };
    const current = { ...base, rope_parameters: { rope_theta: 500000.0, rope_type: 'llama3', ...llama3 } };

    it('give the same Grove config, and write back one classic layout', () => {
      const a = fromHfConfig(classic);
      const b = fromHfConfig(current);
      expect(b.config).toEqual(a.config);
      expect(b.config).toMatchObject({
        ropeTheta: 500000,
        ropeScaling: { ropeType: 'llama3', factor: 32, originalMaxPositionEmbeddings: 8192 },
      });
      const out = toHfConfig(b.config, b.extras);
      expect(out.rope_parameters).toBeUndefined();
      expect(out.rope_theta).toBe(500000);
      expect(out.rope_scaling).toEqual({ rope_type: 'llama3', ...llama3 });
      expect(fromHfConfig(JSON.parse(JSON.stringify(out))).config).toEqual(a.config);
    });

    it('reads a default rope_parameters as a theta without scaling', () => {
      const { config, extras } = fromHfConfig({ ...base, rope_parameters: { rope_type: 'default', rope_theta: 10000.0 } });
      expect(config).toMatchObject({ ropeTheta: 10000, ropeScaling: null });
      expect(extras.rope_parameters).toBeUndefined();
      expect(fromHfConfig({ ...base, rope_parameters: { rope_type: 'default', rope_theta: 123456 } }).config.ropeTheta).toBe(123456);
    });

    it('accept both layouts when they agree, and refuse them by name when they do not', () => {
      expect(fromHfConfig({ ...classic, rope_parameters: current.rope_parameters }).config).toEqual(fromHfConfig(classic).config);
      const theta = thrown(() => fromHfConfig({ ...current, rope_theta: 10000 }));
      expect(theta.message).toMatch(/rope_theta = 10000 but rope_parameters.rope_theta = 500000/);
      const factor = thrown(() => fromHfConfig({ ...classic, rope_parameters: { ...current.rope_parameters, factor: 8 } }));
      expect(factor.message).toMatch(/rope_scaling.factor = 32 but rope_parameters.factor = 8/);
      const type = thrown(() => fromHfConfig({ ...classic, rope_parameters: { rope_type: 'default', rope_theta: 500000 } }));
      expect(type.message).toContain('rope type');
      expect(thrown(() => fromHfConfig({ ...classic, original_max_position_embeddings: 4096 })).message).toContain(
        'original_max_position_embeddings',
      );
    });

    it('refuse rope keys and types Grove does not implement, by name', () => {
      expect(thrown(() => fromHfConfig({ ...base, rope_parameters: { rope_type: 'yarn', rope_theta: 1e6, factor: 4 } })).message).toContain(
        '"yarn"',
      );
      expect(
        thrown(() => fromHfConfig({ ...base, rope_parameters: { rope_type: 'default', rope_theta: 1e4, partial_rotary_factor: 0.5 } }))
          .message,
      ).toContain('rope_parameters.partial_rotary_factor');
      expect(
        thrown(() => fromHfConfig({ ...current, rope_parameters: { ...current.rope_parameters, attention_factor: 2 } })).message,
      ).toContain('rope_parameters.attention_factor');
      expect(thrown(() => fromHfConfig({ ...base, rope_parameters: 'llama3' })).message).toContain('rope_parameters must be an object');
    });
  });

  it('refuses, by name, other keys that change the computation, and non-boolean switches', () => {
    for (const [key, value] of [
      ['attention_bias', 'true'],
      ['attention_bias', 1],
      ['mlp_bias', 'false'],
      ['use_sliding_window', 'no'],
      ['partial_rotary_factor', 0.5],
      ['rope_interleaved', true],
      ['attention_dropout', 0.1],
      ['quantization_config', { quant_method: 'gptq' }],
      ['layer_types', ['sliding_attention']],
      ['model_type', 'mistral'],
    ] as const) {
      const err = thrown(() => fromHfConfig({ ...smollm2, [key]: value }));
      expect(err.code, key).toBe('unsupported');
      expect(err.message, key).toContain(key);
    }
    expect(fromHfConfig({ ...smollm2, attention_bias: true }).config).toMatchObject({ qkvBias: true, oBias: true });
    expect(fromHfConfig({ ...qwen25, layer_types: Array(24).fill('full_attention') }).config.architecture).toBe('Qwen2ForCausalLM');
  });
});
