// Issue 7 "Parity": a Hugging Face folder written by PyTorch alone (write_hf_model.py: torch's random
// weights, transformers' file layout, f32/f16/bf16) and imported into a forest through Grove's import
// path (grove init --from) gives the logits of the independent reference (llama_ref.py's forward)
// within 1e-4, for Llama and Qwen2 configs with GQA and tied or untied embeddings.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafetensorsFile } from '../../src/engine/model/safetensors';
import { LlamaModel } from '../../src/engine/runtime/llama-model';
import { initForestFromModel } from '../../src/app/store/init';
import { storedModelFolder } from '../../src/app/store/model-store';
import { tempDir } from '../helpers/tmp';
import { writeTestTokenizer } from '../helpers/tokenizer';
import { PYTHON, torchFor } from '../helpers/torch';

const HERE = import.meta.dirname;
const torchAvailable = torchFor('HF import parity');
const dir = tempDir();
let tokenizer = '';
const opened: LlamaModel[] = [];
beforeAll(async () => {
  tokenizer = await writeTestTokenizer(dir, 300);
});
afterAll(async () => {
  for (const m of opened) await m.close();
});

const IDS = [[1, 250, 17, 3, 99, 42, 7, 280, 11, 64, 5, 150, 2]];
const common = { vocab_size: 300, rms_norm_eps: 1e-5, max_position_embeddings: 512, hidden_act: 'silu', bos_token_id: 0, eos_token_id: 0 };
/** transformers 5.x's layout of the same config: rope_theta and rope_scaling inside rope_parameters. */
function ropeParametersLayout(config: Record<string, unknown>): Record<string, unknown> {
  const { rope_theta, rope_scaling, ...rest } = config;
  return { ...rest, rope_parameters: { rope_type: 'default', ...(rope_scaling as object | null), rope_theta } };
}

const llama3 = { rope_type: 'llama3', factor: 32.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8 };
const cases: { name: string; dtype: 'float32' | 'float16' | 'bfloat16'; config: Record<string, unknown>; layout?: 'rope_parameters' }[] = [
  {
    name: 'llama-gqa-tied',
    dtype: 'float32',
    config: {
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      hidden_size: 48,
      intermediate_size: 96,
      num_hidden_layers: 2,
      num_attention_heads: 6,
      num_key_value_heads: 2,
      tie_word_embeddings: true,
      rope_theta: 10000,
      attention_bias: false,
      ...common,
    },
  },
  {
    name: 'llama-mha-untied-bf16',
    dtype: 'bfloat16',
    config: {
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      hidden_size: 32,
      intermediate_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      tie_word_embeddings: false,
      rope_theta: 500000,
      ...common,
    },
  },
  {
    name: 'qwen2-gqa-untied',
    dtype: 'float32',
    config: {
      architectures: ['Qwen2ForCausalLM'],
      model_type: 'qwen2',
      hidden_size: 48,
      intermediate_size: 80,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      tie_word_embeddings: false,
      rope_theta: 1000000,
      use_sliding_window: false,
      ...common,
    },
  },
  {
    name: 'qwen2-gqa-tied-f16',
    dtype: 'float16',
    config: {
      architectures: ['Qwen2ForCausalLM'],
      model_type: 'qwen2',
      hidden_size: 32,
      intermediate_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 1,
      tie_word_embeddings: true,
      rope_theta: 1000000,
      ...common,
    },
  },
  // Issue 12: the same models saved by transformers 5.x (the reference reads the classic layout it was written from).
  {
    name: 'llama-llama3-rope-parameters',
    dtype: 'float32',
    layout: 'rope_parameters',
    config: {
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      hidden_size: 48,
      intermediate_size: 96,
      num_hidden_layers: 2,
      num_attention_heads: 6,
      num_key_value_heads: 2,
      tie_word_embeddings: true,
      rope_theta: 500000,
      rope_scaling: llama3,
      ...common,
    },
  },
  {
    name: 'qwen2-default-rope-parameters',
    dtype: 'float32',
    layout: 'rope_parameters',
    config: {
      architectures: ['Qwen2ForCausalLM'],
      model_type: 'qwen2',
      hidden_size: 32,
      intermediate_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 1,
      tie_word_embeddings: true,
      rope_theta: 1000000,
      ...common,
    },
  },
];

describe.skipIf(!torchAvailable)('PyTorch-written HF folders imported into Grove', () => {
  for (const c of cases) {
    it(`${c.name} (${c.dtype} weights): logits within 1e-4 of the reference`, async () => {
      const folder = join(dir, c.name);
      mkdirSync(folder);
      writeFileSync(join(dir, `${c.name}.config.json`), JSON.stringify(c.config));
      writeFileSync(join(dir, `${c.name}.ids.json`), JSON.stringify(IDS));
      const golden = join(dir, `${c.name}.golden.safetensors`);
      execFileSync(
        PYTHON,
        [
          join(HERE, 'write_hf_model.py'),
          '--config',
          join(dir, `${c.name}.config.json`),
          '--out',
          folder,
          '--tokens',
          join(dir, `${c.name}.ids.json`),
          '--golden',
          golden,
          '--dtype',
          c.dtype,
          '--seed',
          '7',
        ],
        { stdio: 'ignore' },
      );
      if (c.layout === 'rope_parameters') writeFileSync(join(folder, 'config.json'), JSON.stringify(ropeParametersLayout(c.config)));
      copyFileSync(tokenizer, join(folder, 'tokenizer.json'));
      copyFileSync(join(dirname(tokenizer), 'tokenizer_config.json'), join(folder, 'tokenizer_config.json'));

      const home = join(dir, `${c.name}-home`);
      const r = await initForestFromModel(home, folder);
      const model = await LlamaModel.open(storedModelFolder(home, r.weightsSha256), { threads: 1 });
      opened.push(model);
      const g = await SafetensorsFile.open(golden);
      const reference = await g.readFloat32('logits');
      await g.close();
      const ours = await model.logits(IDS[0]!);
      let max = 0;
      let scale = 0;
      for (let i = 0; i < reference.length; i++) {
        max = Math.max(max, Math.abs(reference[i]! - ours[i]!));
        scale = Math.max(scale, Math.abs(reference[i]!));
      }
      expect(scale).toBeGreaterThan(0.5); // O(1) logits, so 1e-4 is a real bound
      expect(max).toBeLessThanOrEqual(1e-4);
    });
  }
});
