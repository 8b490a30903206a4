// Small Hugging Face models known to work with Grove (Llama and Qwen2 families, safetensors, tokenizer.json),
// with their sizes, for the app's and the CLI's model picker. Shapes are copied from each repo's config.json.
import { parseModelConfig, type Architecture, type ModelConfig, type ModelConfigInput } from '../model/config';

export interface CuratedModel {
  repoId: string;
  family: 'llama' | 'qwen2';
  architecture: Architecture;
  /** 'instruct' models have a chat template; 'base' models continue plain text. */
  kind: 'instruct' | 'base';
  parameters: number;
  /** Approximate bytes Grove downloads: the BF16 safetensors plus the tokenizer and config files. */
  downloadBytes: number;
  /** The licence id the repository declares. */
  licence: string;
  /** Gated models need their licence accepted on the Hub and an access token. */
  gated: boolean;
  /** The model's shape (from its config.json), which fixes its parameter count. */
  shape: Pick<
    ModelConfigInput,
    'vocabSize' | 'hiddenSize' | 'intermediateSize' | 'numHiddenLayers' | 'numAttentionHeads' | 'numKeyValueHeads' | 'tieWordEmbeddings'
  >;
}

const SMOLLM2_135M = {
  vocabSize: 49152,
  hiddenSize: 576,
  intermediateSize: 1536,
  numHiddenLayers: 30,
  numAttentionHeads: 9,
  numKeyValueHeads: 3,
  tieWordEmbeddings: true,
};
const SMOLLM2_360M = {
  vocabSize: 49152,
  hiddenSize: 960,
  intermediateSize: 2560,
  numHiddenLayers: 32,
  numAttentionHeads: 15,
  numKeyValueHeads: 5,
  tieWordEmbeddings: true,
};
const SMOLLM2_1_7B = {
  vocabSize: 49152,
  hiddenSize: 2048,
  intermediateSize: 8192,
  numHiddenLayers: 24,
  numAttentionHeads: 32,
  numKeyValueHeads: 32,
  tieWordEmbeddings: true,
};
const QWEN25_0_5B = {
  vocabSize: 151936,
  hiddenSize: 896,
  intermediateSize: 4864,
  numHiddenLayers: 24,
  numAttentionHeads: 14,
  numKeyValueHeads: 2,
  tieWordEmbeddings: true,
};
const QWEN25_1_5B = {
  vocabSize: 151936,
  hiddenSize: 1536,
  intermediateSize: 8960,
  numHiddenLayers: 28,
  numAttentionHeads: 12,
  numKeyValueHeads: 2,
  tieWordEmbeddings: true,
};
const TINYLLAMA_1_1B = {
  vocabSize: 32000,
  hiddenSize: 2048,
  intermediateSize: 5632,
  numHiddenLayers: 22,
  numAttentionHeads: 32,
  numKeyValueHeads: 4,
  tieWordEmbeddings: false,
};
const LLAMA32_1B = {
  vocabSize: 128256,
  hiddenSize: 2048,
  intermediateSize: 8192,
  numHiddenLayers: 16,
  numAttentionHeads: 32,
  numKeyValueHeads: 8,
  tieWordEmbeddings: true,
};

const smol = { family: 'llama', architecture: 'LlamaForCausalLM', licence: 'apache-2.0', gated: false } as const;
const qwen = { family: 'qwen2', architecture: 'Qwen2ForCausalLM', licence: 'apache-2.0', gated: false } as const;

/** Smallest first. */
export const CURATED_MODELS: readonly CuratedModel[] = [
  { ...smol, repoId: 'HuggingFaceTB/SmolLM2-135M', kind: 'base', parameters: 134_515_008, downloadBytes: 271_000_000, shape: SMOLLM2_135M },
  {
    ...smol,
    repoId: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    kind: 'instruct',
    parameters: 134_515_008,
    downloadBytes: 271_000_000,
    shape: SMOLLM2_135M,
  },
  { ...smol, repoId: 'HuggingFaceTB/SmolLM2-360M', kind: 'base', parameters: 361_821_120, downloadBytes: 726_000_000, shape: SMOLLM2_360M },
  {
    ...smol,
    repoId: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    kind: 'instruct',
    parameters: 361_821_120,
    downloadBytes: 726_000_000,
    shape: SMOLLM2_360M,
  },
  { ...qwen, repoId: 'Qwen/Qwen2.5-0.5B', kind: 'base', parameters: 494_032_768, downloadBytes: 995_000_000, shape: QWEN25_0_5B },
  {
    ...qwen,
    repoId: 'Qwen/Qwen2.5-0.5B-Instruct',
    kind: 'instruct',
    parameters: 494_032_768,
    downloadBytes: 995_000_000,
    shape: QWEN25_0_5B,
  },
  {
    family: 'llama',
    architecture: 'LlamaForCausalLM',
    licence: 'apache-2.0',
    gated: false,
    repoId: 'TinyLlama/TinyLlama-1.1B-Chat-v1.0',
    kind: 'instruct',
    parameters: 1_100_048_384,
    downloadBytes: 2_202_000_000,
    shape: TINYLLAMA_1_1B,
  },
  {
    family: 'llama',
    architecture: 'LlamaForCausalLM',
    licence: 'llama3.2',
    gated: true,
    repoId: 'meta-llama/Llama-3.2-1B-Instruct',
    kind: 'instruct',
    parameters: 1_235_814_400,
    downloadBytes: 2_481_000_000,
    shape: LLAMA32_1B,
  },
  {
    ...qwen,
    repoId: 'Qwen/Qwen2.5-1.5B-Instruct',
    kind: 'instruct',
    parameters: 1_543_714_304,
    downloadBytes: 3_094_000_000,
    shape: QWEN25_1_5B,
  },
  {
    ...smol,
    repoId: 'HuggingFaceTB/SmolLM2-1.7B-Instruct',
    kind: 'instruct',
    parameters: 1_711_376_384,
    downloadBytes: 3_425_000_000,
    shape: SMOLLM2_1_7B,
  },
];

export function curatedModel(repoId: string): CuratedModel | undefined {
  return CURATED_MODELS.find((m) => m.repoId.toLowerCase() === repoId.toLowerCase());
}

/** The model's config as Grove parses it (Qwen2 projections carry a q/k/v bias). */
export function curatedConfig(m: CuratedModel): ModelConfig {
  return parseModelConfig({ architecture: m.architecture, qkvBias: m.family === 'qwen2', ...m.shape }, m.repoId);
}

/** "271 MB", "2.48 GB": sizes as the picker shows them (decimal units, as the Hub does). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
  return `${bytes} B`;
}
