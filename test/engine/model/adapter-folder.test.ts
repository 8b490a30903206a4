// The PEFT adapter folder: adapter_config.json with PEFT's keys and adapter_model.safetensors with PEFT's
// tensor names, written and read back (tensors bit for bit, settings equal); a config PEFT wrote with its
// other keys and defaults reads; what Grove cannot compute (DoRA, rsLoRA, patterns, bias, regex targets, some layers only),
// a missing tensor and a tensor of another base's shape are refused with the reason.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  parseAdapterConfig,
  readAdapterFolder,
  writeAdapterFolder,
} from '../../../src/engine/model/adapter-folder';
import { parseModelConfig } from '../../../src/engine/model/config';
import { loraSpecs, type LoraConfig } from '../../../src/engine/model/lora';
import { elementCount } from '../../../src/engine/model/names';
import { Rng } from '../../../src/engine/model/rng';
import { SafetensorsFile } from '../../../src/engine/model/safetensors';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const config = parseModelConfig({
  architecture: 'LlamaForCausalLM',
  vocabSize: 50,
  hiddenSize: 32,
  intermediateSize: 48,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
});
const lora: LoraConfig = { rank: 4, alpha: 8, targets: ['q_proj', 'v_proj', 'gate_proj', 'down_proj'] };
const tensors = () =>
  new Map(loraSpecs(config, lora).map((s) => [s.name, new Rng(1, s.name).fillNormal(new Float32Array(elementCount(s.shape)), 0, 1)]));

describe('adapter folder', () => {
  it('round-trips: PEFT names and config keys on disk, the same tensors and settings back', async () => {
    const folder = join(dir, 'round-trip');
    const values = tensors();
    await writeAdapterFolder(folder, { config, lora, baseModel: 'HuggingFaceTB/SmolLM2-135M', tensors: values });
    const json = JSON.parse(readFileSync(join(folder, ADAPTER_CONFIG_FILE), 'utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      r: 4,
      lora_alpha: 8,
      target_modules: ['q_proj', 'v_proj', 'gate_proj', 'down_proj'],
      base_model_name_or_path: 'HuggingFaceTB/SmolLM2-135M',
      bias: 'none',
      use_dora: false,
    });
    const raw = await SafetensorsFile.open(join(folder, ADAPTER_WEIGHTS_FILE));
    expect(raw.tensorNames).toContain('base_model.model.model.layers.1.mlp.down_proj.lora_B.weight');
    expect(raw.tensorNames.every((n) => n.startsWith('base_model.model.model.layers.'))).toBe(true);
    await raw.close();
    const read = await readAdapterFolder(folder, config);
    expect(read.lora).toEqual(lora);
    expect(read.baseModel).toBe('HuggingFaceTB/SmolLM2-135M');
    for (const [name, data] of values) expect(await read.weights.readFloat32(`base_model.model.${name}`), name).toEqual(data);
    await read.weights.close();
  });

  it('reads a config as PEFT writes it: other keys, targets in any order, lora_alpha defaulted', () => {
    const peft = {
      alpha_pattern: {},
      auto_mapping: null,
      base_model_name_or_path: 'Qwen/Qwen2.5-0.5B',
      bias: 'none',
      fan_in_fan_out: false,
      inference_mode: true,
      init_lora_weights: true,
      layers_to_transform: null,
      lora_dropout: 0.05,
      modules_to_save: null,
      peft_type: 'LORA',
      r: 8,
      rank_pattern: {},
      revision: null,
      target_modules: ['v_proj', 'q_proj'],
      task_type: 'CAUSAL_LM',
      use_dora: false,
      use_rslora: false,
    };
    expect(parseAdapterConfig(peft, 'x')).toEqual({
      lora: { rank: 8, alpha: 8, targets: ['q_proj', 'v_proj'] },
      baseModel: 'Qwen/Qwen2.5-0.5B',
    });
  });

  it.each([
    [{ use_dora: true }, /DoRA/],
    [{ use_rslora: true }, /rsLoRA/],
    [{ rank_pattern: { q_proj: 4 } }, /rank_pattern/],
    [{ bias: 'lora_only' }, /trains biases/],
    [{ target_modules: 'q_proj|v_proj' }, /a list of projection names/],
    [{ target_modules: ['q_proj', 'lm_head'] }, /names lm_head/],
    [{ peft_type: 'IA3' }, /LoRA adapters/],
    [{ modules_to_save: ['lm_head'] }, /modules_to_save/],
    [{ layers_to_transform: [0, 1], layers_pattern: 'layers' }, /adapts only some layers \(layers_to_transform\)/],
    [{ layers_to_transform: 3 }, /adapts only some layers/],
    [{ base_model_name_or_path: undefined }, /must say which base/],
  ])('refuses %j', (change, message) => {
    const good = {
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      r: 4,
      lora_alpha: 8,
      target_modules: ['q_proj'],
      base_model_name_or_path: 'b',
    };
    expect(() => parseAdapterConfig({ ...good, ...change }, 'adapter_config.json')).toThrow(message);
  });

  it('refuses a folder whose tensors are missing or shaped for another base', async () => {
    const folder = join(dir, 'mismatch');
    await writeAdapterFolder(folder, { config, lora, baseModel: 'b', tensors: tensors() });
    const wider = parseModelConfig({
      architecture: 'LlamaForCausalLM',
      vocabSize: 50,
      hiddenSize: 64,
      intermediateSize: 48,
      numHiddenLayers: 2,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
    });
    await expect(readAdapterFolder(folder, wider)).rejects.toThrow(/trained on another base/);
    const deeper = parseModelConfig({
      architecture: 'LlamaForCausalLM',
      vocabSize: 50,
      hiddenSize: 32,
      intermediateSize: 48,
      numHiddenLayers: 3,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
    });
    await expect(readAdapterFolder(folder, deeper)).rejects.toThrow(/layers\.2\.self_attn\.q_proj\.lora_A\.weight is missing/);
    writeFileSync(join(folder, ADAPTER_CONFIG_FILE), '{"peft_type": "LORA",');
    await expect(readAdapterFolder(folder, config)).rejects.toThrow(/not valid JSON/);
    await expect(readAdapterFolder(join(dir, 'nowhere'), config)).rejects.toThrow(/cannot read the adapter's config/);
  });
});
