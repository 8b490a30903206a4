// PEFT adapter folders for tests, laid out as PEFT itself writes them: adapter_config.json with every key PEFT
// 0.13's save_pretrained writes (target_modules from a Python set: any order), and adapter_model.safetensors
// with PEFT's tensor names sorted by name, in BF16 (the base's dtype) with metadata format pt. The tensors can
// be changed before writing, so a test can write what PEFT can but Grove refuses (lm_head LoRA, biases, NaN).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, peftName } from '../../src/engine/model/adapter-folder';
import type { ModelConfig } from '../../src/engine/model/config';
import { loraSpecs, type LoraConfig } from '../../src/engine/model/lora';
import { writeSafetensors, type TensorToWrite } from '../../src/engine/model/safetensors-write';
import { randomAdapter } from './lora';

/** adapter_config.json as PEFT 0.13 writes it for a LoRA of rank 8 on down, v and q (`change` overrides keys). */
export const peftConfig = (change: Record<string, unknown> = {}): Record<string, unknown> => ({
  alpha_pattern: {},
  auto_mapping: null,
  base_model_name_or_path: 'HuggingFaceTB/SmolLM2-135M',
  bias: 'none',
  fan_in_fan_out: false,
  inference_mode: true,
  init_lora_weights: true,
  layer_replication: null,
  layers_pattern: null,
  layers_to_transform: null,
  loftq_config: {},
  lora_dropout: 0.05,
  megatron_config: null,
  megatron_core: 'megatron.core',
  modules_to_save: null,
  peft_type: 'LORA',
  r: 8,
  rank_pattern: {},
  revision: null,
  target_modules: ['down_proj', 'v_proj', 'q_proj'],
  task_type: 'CAUSAL_LM',
  use_dora: false,
  use_rslora: false,
  ...change,
});

/** A random adapter's factors (B nonzero) under PEFT's names. */
export function peftTensors(config: ModelConfig, lora: LoraConfig, seed = 1): TensorToWrite[] {
  const adapter = randomAdapter(config, lora, seed);
  return loraSpecs(config, lora).map((s) => ({ name: peftName(s.name), shape: s.shape, data: adapter.tensors.get(s.name)! }));
}

/** Writes `folder` as PEFT writes an adapter: `tensors` sorted by name in BF16, and peftConfig(change). */
export async function writePeftFolder(
  folder: string,
  tensors: readonly TensorToWrite[],
  change: Record<string, unknown> = {},
): Promise<string> {
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, ADAPTER_CONFIG_FILE), JSON.stringify(peftConfig(change), null, 2));
  await writeSafetensors(
    join(folder, ADAPTER_WEIGHTS_FILE),
    [...tensors].sort((a, b) => (a.name < b.name ? -1 : 1)),
    { dtype: 'BF16', metadata: { format: 'pt' } },
  );
  return folder;
}
