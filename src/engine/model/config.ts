// Llama-family model config (LlamaForCausalLM, Qwen2ForCausalLM): Grove's strict schema, and reading /
// writing Hugging Face config.json without losing the keys Grove does not model.
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import { HF_ROPE_KEYS, ropeFromHf } from './hf-rope';

export const SUPPORTED_ARCHITECTURES = ['LlamaForCausalLM', 'Qwen2ForCausalLM'] as const;
export type Architecture = (typeof SUPPORTED_ARCHITECTURES)[number];

const MODEL_TYPE: Record<Architecture, string> = { LlamaForCausalLM: 'llama', Qwen2ForCausalLM: 'qwen2' };

const positiveInt = z.number().int().positive();
const tokenId = z.number().int().nonnegative();

/** Llama 3.x "llama3" rotary scaling (the only rope_scaling HF Llama checkpoints Grove targets use). */
export const Llama3RopeScalingSchema = z.strictObject({
  ropeType: z.literal('llama3'),
  factor: z.number().positive(),
  lowFreqFactor: z.number().positive(),
  highFreqFactor: z.number().positive(),
  originalMaxPositionEmbeddings: positiveInt,
});
export type Llama3RopeScaling = z.output<typeof Llama3RopeScalingSchema>;

/** Grove's own model config: HF's fields in camelCase, unknown keys refused, derived fields filled in. */
export const ModelConfigSchema = z
  .strictObject({
    architecture: z.enum(SUPPORTED_ARCHITECTURES),
    vocabSize: positiveInt,
    hiddenSize: positiveInt,
    intermediateSize: positiveInt,
    numHiddenLayers: positiveInt,
    numAttentionHeads: positiveInt,
    /** Grouped-query attention: defaults to numAttentionHeads (plain multi-head attention). */
    numKeyValueHeads: positiveInt.optional(),
    /** Defaults to hiddenSize / numAttentionHeads. */
    headDim: positiveInt.optional(),
    rmsNormEps: z.number().positive().default(1e-6),
    ropeTheta: z.number().positive().default(10000),
    ropeScaling: Llama3RopeScalingSchema.nullable().default(null),
    maxPositionEmbeddings: positiveInt.default(2048),
    tieWordEmbeddings: z.boolean().default(false),
    /** Biases on q/k/v projections (Qwen2: always; Llama: attention_bias). */
    qkvBias: z.boolean().default(false),
    /** Bias on the output projection (Llama with attention_bias only; never Qwen2). */
    oBias: z.boolean().default(false),
    initializerRange: z.number().positive().default(0.02),
    bosTokenId: tokenId.nullable().default(null),
    eosTokenId: z
      .union([tokenId, z.array(tokenId)])
      .nullable()
      .default(null),
    torchDtype: z.enum(['float32', 'float16', 'bfloat16']).default('float32'),
  })
  .transform((c) => {
    const headDim = c.headDim ?? c.hiddenSize / c.numAttentionHeads;
    return { ...c, numKeyValueHeads: c.numKeyValueHeads ?? c.numAttentionHeads, headDim };
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (!Number.isInteger(c.headDim))
      issue('headDim', `hiddenSize ${c.hiddenSize} is not divisible by numAttentionHeads ${c.numAttentionHeads}; set headDim explicitly`);
    if (c.headDim % 2 !== 0) issue('headDim', `rotary embeddings need an even head size, got ${c.headDim}`);
    if (c.numAttentionHeads % c.numKeyValueHeads !== 0)
      issue('numKeyValueHeads', `numAttentionHeads ${c.numAttentionHeads} must be a multiple of numKeyValueHeads ${c.numKeyValueHeads}`);
    if (c.architecture === 'Qwen2ForCausalLM' && (!c.qkvBias || c.oBias))
      issue('qkvBias', 'Qwen2ForCausalLM always has q/k/v biases and no o bias (qkvBias true, oBias false)');
    if (c.architecture === 'LlamaForCausalLM' && c.qkvBias !== c.oBias)
      issue('oBias', 'LlamaForCausalLM has one attention_bias switch for q, k, v and o: qkvBias and oBias must be equal');
  });

export type ModelConfig = z.output<typeof ModelConfigSchema>;
export type ModelConfigInput = z.input<typeof ModelConfigSchema>;

/** Parses Grove's own config (from the catalog, a preset, a job bundle); throws GroveError('bad_input'). */
export function parseModelConfig(input: unknown, where = 'model config'): ModelConfig {
  const result = ModelConfigSchema.safeParse(input);
  if (!result.success) {
    const first = result.error.issues[0];
    const path = first && first.path.length > 0 ? first.path.join('.') : '(root)';
    throw new GroveError('bad_input', `${where}: ${path}: ${first?.message ?? 'invalid'}. Fix that field and try again.`, {
      issues: result.error.issues,
    });
  }
  return result.data;
}

/** HF config.json keys Grove models; every other key is kept verbatim in `extras`. */
const HF_KNOWN_KEYS = [
  'architectures',
  'model_type',
  'vocab_size',
  'hidden_size',
  'intermediate_size',
  'num_hidden_layers',
  'num_attention_heads',
  'num_key_value_heads',
  'head_dim',
  'rms_norm_eps',
  ...HF_ROPE_KEYS,
  'max_position_embeddings',
  'tie_word_embeddings',
  'attention_bias',
  'initializer_range',
  'bos_token_id',
  'eos_token_id',
  'torch_dtype',
  'dtype',
  'hidden_act',
] as const;

export interface HfConfig {
  config: ModelConfig;
  /** HF keys Grove does not model (transformers_version, pad_token_id, use_cache, ...), kept for writing back. */
  extras: Record<string, unknown>;
}

/** Reads a parsed HF config.json object. `where` names the file in errors. */
export function fromHfConfig(json: unknown, where = 'config.json'): HfConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new GroveError('bad_input', `${where}: expected a JSON object. Point Grove at a Hugging Face model folder's config.json.`);
  }
  const hf = json as Record<string, unknown>;
  const architectures = hf.architectures;
  const arch = Array.isArray(architectures) && architectures.length === 1 ? architectures[0] : architectures;
  if (typeof arch !== 'string' || !(SUPPORTED_ARCHITECTURES as readonly string[]).includes(arch)) {
    throw new GroveError(
      'unsupported',
      `${where}: architecture ${JSON.stringify(architectures ?? null)} is not supported; Grove runs ${SUPPORTED_ARCHITECTURES.join(', ')}. Choose a model of one of those families.`,
      { found: architectures ?? null, supported: SUPPORTED_ARCHITECTURES },
    );
  }
  const architecture = arch as Architecture;
  checkUnsupportedFeatures(hf, architecture, where);

  const attentionBias = hf.attention_bias === true;
  const rope = ropeFromHf(hf, where);
  const input = {
    architecture,
    vocabSize: hf.vocab_size,
    hiddenSize: hf.hidden_size,
    intermediateSize: hf.intermediate_size,
    numHiddenLayers: hf.num_hidden_layers,
    numAttentionHeads: hf.num_attention_heads,
    numKeyValueHeads: hf.num_key_value_heads ?? undefined,
    headDim: hf.head_dim ?? undefined,
    rmsNormEps: hf.rms_norm_eps,
    ropeTheta: rope.ropeTheta,
    ropeScaling: rope.ropeScaling,
    maxPositionEmbeddings: hf.max_position_embeddings,
    tieWordEmbeddings: hf.tie_word_embeddings,
    qkvBias: architecture === 'Qwen2ForCausalLM' ? true : attentionBias,
    oBias: architecture === 'Qwen2ForCausalLM' ? false : attentionBias,
    initializerRange: hf.initializer_range,
    bosTokenId: hf.bos_token_id,
    eosTokenId: hf.eos_token_id,
    torchDtype: hf.torch_dtype ?? hf.dtype,
  };
  const config = parseModelConfig(input, where);
  const extras: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(hf)) if (!(HF_KNOWN_KEYS as readonly string[]).includes(key)) extras[key] = value;
  return { config, extras };
}

/** Writes a HF config.json object: the extras first, then every modelled key (these win). */
export function toHfConfig(config: ModelConfig, extras: Record<string, unknown> = {}): Record<string, unknown> {
  const c = parseModelConfig(config);
  const out: Record<string, unknown> = { ...extras };
  out.architectures = [c.architecture];
  out.model_type = MODEL_TYPE[c.architecture];
  out.vocab_size = c.vocabSize;
  out.hidden_size = c.hiddenSize;
  out.intermediate_size = c.intermediateSize;
  out.num_hidden_layers = c.numHiddenLayers;
  out.num_attention_heads = c.numAttentionHeads;
  out.num_key_value_heads = c.numKeyValueHeads;
  out.head_dim = c.headDim;
  out.hidden_act = 'silu';
  out.rms_norm_eps = c.rmsNormEps;
  // One layout, the classic top-level one: transformers 4.x and llama.cpp's converter read only it, and
  // transformers 5.x reads it too (it moves rope_scaling and rope_theta into rope_parameters on load).
  out.rope_theta = c.ropeTheta;
  out.rope_scaling =
    c.ropeScaling === null
      ? null
      : {
          rope_type: c.ropeScaling.ropeType,
          factor: c.ropeScaling.factor,
          low_freq_factor: c.ropeScaling.lowFreqFactor,
          high_freq_factor: c.ropeScaling.highFreqFactor,
          original_max_position_embeddings: c.ropeScaling.originalMaxPositionEmbeddings,
        };
  out.max_position_embeddings = c.maxPositionEmbeddings;
  out.tie_word_embeddings = c.tieWordEmbeddings;
  if (c.architecture === 'LlamaForCausalLM') out.attention_bias = c.qkvBias;
  out.initializer_range = c.initializerRange;
  out.bos_token_id = c.bosTokenId;
  out.eos_token_id = c.eosTokenId;
  // transformers < 4.56 reads torch_dtype, newer versions read dtype: write both so either loads it.
  out.torch_dtype = c.torchDtype;
  out.dtype = c.torchDtype;
  return out;
}

/**
 * Keys of these families' configs that change the computation: each must be absent or hold the value Grove
 * implements. A value of the wrong type is refused too (a string "true" is not read as false).
 */
const COMPUTATION_KEYS: ReadonlyArray<{ key: string; ok: (v: unknown) => boolean; why: string }> = [
  { key: 'hidden_act', ok: (v) => v === 'silu', why: 'Grove implements SwiGLU with silu only' },
  { key: 'attention_bias', ok: (v) => typeof v === 'boolean', why: 'it must be true or false' },
  { key: 'mlp_bias', ok: (v) => v === false, why: 'Grove implements bias-free MLPs only' },
  { key: 'use_sliding_window', ok: (v) => v === false, why: 'Grove implements full causal attention only' },
  {
    key: 'layer_types',
    ok: (v) => Array.isArray(v) && v.every((t) => t === 'full_attention'),
    why: 'Grove implements full causal attention in every layer only',
  },
  { key: 'partial_rotary_factor', ok: (v) => v === 1, why: 'Grove rotates the whole head' },
  { key: 'rope_interleaved', ok: (v) => v === false, why: 'Grove implements the rotate-half rotary layout of transformers' },
  { key: 'attention_dropout', ok: (v) => v === 0, why: 'Grove trains without dropout' },
  { key: 'quantization_config', ok: () => false, why: 'Grove imports unquantized F32, F16 and BF16 weights' },
  { key: 'attn_logit_softcapping', ok: (v) => v === null, why: 'Grove implements plain softmax attention' },
  { key: 'final_logit_softcapping', ok: (v) => v === null, why: 'Grove implements plain logits' },
  { key: 'use_qk_norm', ok: (v) => v === false, why: 'Grove implements attention without q/k norms' },
];

/** Refuses, by name, a key that would make Grove compute something other than what the config says. */
function checkUnsupportedFeatures(hf: Record<string, unknown>, arch: Architecture, where: string): void {
  if (hf.model_type !== undefined && hf.model_type !== MODEL_TYPE[arch]) {
    throw new GroveError(
      'unsupported',
      `${where}: model_type ${JSON.stringify(hf.model_type)} does not match architecture ${arch} (transformers builds the model from model_type, which would be "${MODEL_TYPE[arch]}"). Choose a model of a supported family, or fix config.json.`,
      { key: 'model_type', value: hf.model_type, architecture: arch },
    );
  }
  for (const { key, ok, why } of COMPUTATION_KEYS) {
    if (hf[key] === undefined || ok(hf[key])) continue;
    throw new GroveError(
      'unsupported',
      `${where}: ${key} = ${JSON.stringify(hf[key])} is not supported (${why}). Choose a model without it, or fix config.json.`,
      { key, value: hf[key], architecture: arch },
    );
  }
}

/** Named shapes: Grove's from-scratch seeds and the benchmark's reference shape. */
export const MODEL_PRESETS = {
  tiny: {
    architecture: 'LlamaForCausalLM',
    vocabSize: 8192,
    hiddenSize: 128,
    intermediateSize: 512,
    numHiddenLayers: 4,
    numAttentionHeads: 4,
    maxPositionEmbeddings: 1024,
    tieWordEmbeddings: true,
  },
  small: {
    architecture: 'LlamaForCausalLM',
    vocabSize: 8192,
    hiddenSize: 384,
    intermediateSize: 1024,
    numHiddenLayers: 6,
    numAttentionHeads: 6,
    maxPositionEmbeddings: 1024,
    tieWordEmbeddings: true,
  },
  // Same shape and hyper-parameters as HuggingFaceTB/SmolLM2-135M's config.json.
  'smollm2-135m': {
    architecture: 'LlamaForCausalLM',
    vocabSize: 49152,
    hiddenSize: 576,
    intermediateSize: 1536,
    numHiddenLayers: 30,
    numAttentionHeads: 9,
    numKeyValueHeads: 3,
    maxPositionEmbeddings: 8192,
    rmsNormEps: 1e-5,
    ropeTheta: 100000,
    tieWordEmbeddings: true,
    initializerRange: 0.041666666666666664,
    bosTokenId: 0,
    eosTokenId: 0,
    torchDtype: 'bfloat16',
  },
} as const satisfies Record<string, ModelConfigInput>;
export type PresetName = keyof typeof MODEL_PRESETS;

export function presetConfig(name: string, overrides: Partial<ModelConfigInput> = {}): ModelConfig {
  if (!Object.hasOwn(MODEL_PRESETS, name)) {
    throw new GroveError('bad_input', `model preset "${name}" does not exist; choose one of ${Object.keys(MODEL_PRESETS).join(', ')}.`, {
      preset: name,
    });
  }
  return parseModelConfig({ ...MODEL_PRESETS[name as PresetName], ...overrides }, `model preset "${name}"`);
}
