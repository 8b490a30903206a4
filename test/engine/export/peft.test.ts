// A light expert exported as a PEFT adapter folder and imported back: the same settings and tensors bit for bit
// (F32; F16 rounded once), PEFT's config keys with base_model_name_or_path the base's Hub id where known and the
// given fallback otherwise; the export is atomic: an adapter that does not fit the base leaves nothing, an
// existing destination is kept unless forced.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportPeftAdapter, peftBaseModelName } from '../../../src/engine/export/peft';
import { concatAdapters } from '../../../src/engine/forest/merge/lora-concat';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../../src/engine/model/adapter-folder';
import { parseModelConfig, type ModelConfigInput } from '../../../src/engine/model/config';
import { f16ToF32, f32ToF16 } from '../../../src/engine/model/dtype';
import type { LoraConfig } from '../../../src/engine/model/lora';
import { importPeftAdapter } from '../../../src/engine/model/peft-import';
import { SafetensorsFile } from '../../../src/engine/model/safetensors';
import { randomAdapter } from '../../helpers/lora';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const input: ModelConfigInput = {
  architecture: 'Qwen2ForCausalLM',
  qkvBias: true,
  vocabSize: 50,
  hiddenSize: 32,
  intermediateSize: 48,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
};
const config = parseModelConfig(input);
const lora: LoraConfig = { rank: 4, alpha: 8, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] };
const adapter = randomAdapter(config, lora, 1);
const base = join(dir, 'base');

beforeAll(async () => {
  await writeTestModel(base, input, { seed: 2 });
});

describe('PEFT adapter export', () => {
  it('round-trips: PEFT keys on disk, the same settings and tensors back', async () => {
    const out = join(dir, 'expert-peft');
    const result = await exportPeftAdapter({ out, config, adapter, base: { hubId: 'Qwen/Qwen2.5-0.5B', fallback: 'sha256:abc' } });
    expect(result.baseModel).toBe('Qwen/Qwen2.5-0.5B');
    expect(result.weights.path).toBe(join(out, ADAPTER_WEIGHTS_FILE));
    expect(readdirSync(out).sort()).toEqual([ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE]);
    const json = JSON.parse(readFileSync(join(out, ADAPTER_CONFIG_FILE), 'utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      base_model_name_or_path: 'Qwen/Qwen2.5-0.5B',
      r: 4,
      lora_alpha: 8,
      target_modules: lora.targets,
    });
    const raw = await SafetensorsFile.open(join(out, ADAPTER_WEIGHTS_FILE));
    expect(raw.tensorNames).toHaveLength(28);
    expect(
      raw.tensorNames.every((n) => /^base_model\.model\.model\.layers\.\d\.(self_attn|mlp)\.\w+_proj\.lora_[AB]\.weight$/.test(n)),
    ).toBe(true);
    await raw.close();
    const back = await importPeftAdapter(out, base);
    expect(back.lora).toEqual(lora);
    expect(back.baseModel).toBe('Qwen/Qwen2.5-0.5B');
    expect(back.tensors.size).toBe(adapter.tensors.size);
    for (const [name, data] of adapter.tensors) expect(back.tensors.get(name), name).toEqual(data);
  });

  it('an adapter of summed rank (a light collapse) and F16 factors, with the fallback base name', async () => {
    const summed = concatAdapters(config, [
      { adapter, weight: 1 },
      { adapter: randomAdapter(config, { rank: 2, alpha: 2, targets: ['q_proj'] }, 2), weight: 1 },
    ]);
    const out = join(dir, 'collapsed-peft');
    const result = await exportPeftAdapter({ out, config, adapter: summed, base: { hubId: null, fallback: 'sha256:abc' }, dtype: 'F16' });
    expect(result.baseModel).toBe('sha256:abc');
    const back = await importPeftAdapter(out, base);
    expect(back.lora).toEqual(summed.lora);
    for (const [name, data] of summed.tensors) expect(back.tensors.get(name), name).toEqual(f16ToF32(f32ToF16(data)));
  });

  it('names the base by its Hub id where known, else the fallback', () => {
    expect(peftBaseModelName({ hubId: 'HuggingFaceTB/SmolLM2-135M', fallback: 'x' })).toBe('HuggingFaceTB/SmolLM2-135M');
    expect(peftBaseModelName({ fallback: 'sha256:1' })).toBe('sha256:1');
    expect(peftBaseModelName({ hubId: ' ', fallback: 'sha256:1' })).toBe('sha256:1');
  });

  it('is atomic: a misfit adapter leaves nothing; an existing folder is kept unless forced', async () => {
    const out = join(dir, 'atomic');
    const other = parseModelConfig({ ...input, hiddenSize: 64, numAttentionHeads: 8, numKeyValueHeads: 4 });
    await expect(exportPeftAdapter({ out, config: other, adapter, base: { fallback: 'b' } })).rejects.toThrow(
      /PEFT export: adapter tensor model\.layers\.0\.self_attn\.q_proj\.lora_A\.weight holds 128 values/,
    );
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('grove-export'))).toEqual([]);
    await exportPeftAdapter({ out, config, adapter, base: { fallback: 'first' } });
    await expect(exportPeftAdapter({ out, config, adapter, base: { fallback: 'second' } })).rejects.toThrow(/exists already/);
    expect((await importPeftAdapter(out, base)).baseModel).toBe('first');
    await exportPeftAdapter({ out, config, adapter, base: { fallback: 'second' }, force: true });
    expect((await importPeftAdapter(out, base)).baseModel).toBe('second');
  });
});
