// A PEFT adapter folder taken in as a light expert of a base: one laid out as PEFT itself writes it (its full
// adapter_config.json, target_modules in its own order, lora_alpha absent so PEFT's default 8, BF16 tensors
// in name order) reads with Grove's settings and the values PEFT stored; a base that does not match is refused
// with the reason in the base's terms (layer count, hidden_size, intermediate_size, key/value width), as are a
// config and weights that disagree, tensors Grove does not compute, a pickle-only folder and NaN values. A folder
// of the forest's store (named by its content address) reads only while its files are the ones the name says.
import { appendFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, writeAdapterFolder } from '../../../src/engine/model/adapter-folder';
import { writeAddressManifest } from '../../../src/engine/model/content-address';
import { parseModelConfig, type ModelConfigInput } from '../../../src/engine/model/config';
import { bf16ToF32, f32ToBf16 } from '../../../src/engine/model/dtype';
import type { LoraConfig } from '../../../src/engine/model/lora';
import { importPeftAdapter } from '../../../src/engine/model/peft-import';
import type { TensorToWrite } from '../../../src/engine/model/safetensors-write';
import { randomAdapter } from '../../helpers/lora';
import { writeTestModel } from '../../helpers/model';
import { peftTensors, writePeftFolder } from '../../helpers/peft';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const input: ModelConfigInput = {
  architecture: 'LlamaForCausalLM',
  vocabSize: 50,
  hiddenSize: 32,
  intermediateSize: 48,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
};
const config = parseModelConfig(input);
const lora: LoraConfig = { rank: 8, alpha: 8, targets: ['q_proj', 'v_proj', 'down_proj'] };
const base = join(dir, 'base');

/** A folder of `dir` as PEFT writes it (helpers/peft.ts). */
const writeFolder = (name: string, tensors: TensorToWrite[], change: Record<string, unknown> = {}): Promise<string> =>
  writePeftFolder(join(dir, name), tensors, change);

beforeAll(async () => {
  await writeTestModel(base, input, { seed: 2 });
});

describe('PEFT adapter import', () => {
  it('reads a folder as PEFT writes it: settings in Grove order, alpha 8 by default, the stored BF16 values', async () => {
    const tensors = peftTensors(config, lora);
    const folder = await writeFolder('peft', tensors, { lora_alpha: undefined });
    const imported = await importPeftAdapter(folder, base);
    expect(imported.lora).toEqual({ rank: 8, alpha: 8, targets: ['q_proj', 'v_proj', 'down_proj'] });
    expect(imported.baseModel).toBe('HuggingFaceTB/SmolLM2-135M');
    expect(imported.tensors.size).toBe(12);
    for (const t of tensors) {
      const grove = t.name.slice('base_model.model.'.length);
      expect(imported.tensors.get(grove), grove).toEqual(bf16ToF32(f32ToBf16(t.data as Float32Array)));
    }
    expect((await importPeftAdapter(await writeFolder('peft-alpha', tensors, { lora_alpha: 16 }), base)).lora.alpha).toBe(16);
  });

  it.each([
    [
      'more layers than the base',
      { ...input, numHiddenLayers: 3 },
      /adapts 2 layers \(numbered 0 to 1\), but the base has 3 \(num_hidden_layers\)\. The adapter was trained on another base than/,
    ],
    ['fewer layers than the base', { ...input, numHiddenLayers: 1 }, /adapts 2 layers \(numbered 0 to 1\), but the base has 1/],
    [
      'another hidden size',
      { ...input, hiddenSize: 64, numAttentionHeads: 8, numKeyValueHeads: 4 },
      /q_proj input width \(hidden_size\) is 32, the base's is 64/,
    ],
    [
      'another intermediate size',
      { ...input, intermediateSize: 64 },
      /down_proj input width \(intermediate_size\) is 48, the base's is 64/,
    ],
    [
      'another key/value width',
      { ...input, numKeyValueHeads: 4 },
      /v_proj output width \(num_key_value_heads x head_dim\) is 16, the base's is 32/,
    ],
  ])('refuses a base with %s, saying so', async (name, other, message) => {
    const folder = await writeFolder('peft-ok', peftTensors(config, lora));
    const otherBase = join(dir, `base-${name.replace(/\W+/g, '-')}`);
    await writeTestModel(otherBase, other);
    await expect(importPeftAdapter(folder, otherBase)).rejects.toThrow(message);
  });

  it('refuses a config and weights that disagree, tensors Grove does not compute, a pickle, NaN', async () => {
    await expect(importPeftAdapter(await writeFolder('rank', peftTensors(config, { ...lora, rank: 4 })), base)).rejects.toThrow(
      /has rank 4, but adapter_config\.json says r = 8/,
    );
    const withK = peftTensors(config, { ...lora, targets: ['q_proj', 'k_proj', 'v_proj', 'down_proj'] });
    await expect(importPeftAdapter(await writeFolder('untargeted', withK), base)).rejects.toThrow(
      /factors for k_proj, which adapter_config\.json's target_modules \(q_proj, v_proj, down_proj\) does not list/,
    );
    const missing = peftTensors(config, lora).filter((t) => !t.name.endsWith('layers.1.mlp.down_proj.lora_B.weight'));
    await expect(importPeftAdapter(await writeFolder('missing', missing), base)).rejects.toThrow(
      /base_model\.model\.model\.layers\.1\.mlp\.down_proj\.lora_B\.weight is missing/,
    );
    const head = [
      ...peftTensors(config, lora),
      { name: 'base_model.model.lm_head.lora_A.weight', shape: [8, 32], data: new Float32Array(256) },
    ];
    await expect(importPeftAdapter(await writeFolder('head', head), base)).rejects.toThrow(
      /lm_head\.lora_A\.weight that are not LoRA factors of a Llama projection/,
    );
    const bias = [
      ...peftTensors(config, lora),
      { name: 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.bias', shape: [32], data: new Float32Array(32) },
    ];
    await expect(importPeftAdapter(await writeFolder('bias', bias), base)).rejects.toThrow(
      /q_proj\.lora_B\.bias that are not LoRA factors/,
    );
    const nan = peftTensors(config, lora);
    (nan[5]!.data as Float32Array)[2] = Number.NaN;
    await expect(importPeftAdapter(await writeFolder('nan', nan), base)).rejects.toThrow(/holds NaN at element 2/);

    const pickle = await writeFolder('pickle', peftTensors(config, lora));
    rmSync(join(pickle, ADAPTER_WEIGHTS_FILE));
    writeFileSync(join(pickle, 'adapter_model.bin'), 'not read');
    await expect(importPeftAdapter(pickle, base)).rejects.toThrow(/PyTorch pickle \(adapter_model\.bin\).*safe_serialization=True/);
    rmSync(join(pickle, 'adapter_model.bin'));
    await expect(importPeftAdapter(pickle, base)).rejects.toThrow(/no adapter_model\.safetensors beside adapter_config\.json/);
    await expect(importPeftAdapter(join(dir, 'nowhere'), base)).rejects.toThrow(/is not a folder/);
    await expect(
      importPeftAdapter(await writeFolder('partial', peftTensors(config, lora), { layers_to_transform: [0] }), base),
    ).rejects.toThrow(/adapts only some layers \(layers_to_transform\)/);
  });

  it('reads a store folder only while its files are the ones its address names', async () => {
    const incoming = join(dir, 'incoming');
    const written = await writeAdapterFolder(incoming, {
      config,
      lora,
      baseModel: 'b'.repeat(64),
      tensors: randomAdapter(config, lora, 4).tensors,
    });
    const stored = join(
      dir,
      await writeAddressManifest(incoming, ADAPTER_CONFIG_FILE, {
        weightsSha256: written.sha256,
        tokenizerSha256: null,
        baseSha256: 'b'.repeat(64),
      }),
    );
    renameSync(incoming, stored);
    expect((await importPeftAdapter(stored, base)).lora).toEqual(lora);
    appendFileSync(join(stored, ADAPTER_CONFIG_FILE), ' ');
    await expect(importPeftAdapter(stored, base)).rejects.toThrow(/adapter_config\.json is damaged or was edited/);
  });
});
