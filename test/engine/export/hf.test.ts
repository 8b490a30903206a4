// Hugging Face folder export: the independent PyTorch reference (test/golden/llama_ref.py, which reads HF
// names and config.json the way transformers does) computes the same logits from the export as Grove does
// from the source, within 1e-4, for f32 and f16; Grove's own importer accepts the folder; outputs are
// atomic and never overwritten without force.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../../../src/engine/export/index';
import { importModelFolder } from '../../../src/engine/hub/import';
import type { ModelConfigInput } from '../../../src/engine/model/config';
import { SafetensorsFile } from '../../../src/engine/model/safetensors';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { repoRoot } from '../../helpers/grove-process';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';
import { PYTHON, torchFor } from '../../helpers/torch';

const torchAvailable = torchFor('HF export parity');
const dir = tempDir();
let tokenizer = '';
const opened: LlamaModel[] = [];
beforeAll(async () => {
  tokenizer = await writeTestTokenizer(dir, 300);
});
afterAll(async () => {
  for (const m of opened) await m.close();
});

const IDS = [[3, 17, 250, 9, 41, 120, 7, 299, 64, 5, 11]];

/** Logits [1, T, V] of the PyTorch reference run on `folder`. */
async function referenceLogits(folder: string, name: string): Promise<Float32Array> {
  const ids = join(dir, `${name}-ids.json`);
  const out = join(dir, `${name}-golden.safetensors`);
  writeFileSync(ids, JSON.stringify({ input_ids: IDS }));
  execFileSync(
    PYTHON,
    [join(repoRoot, 'test/golden/llama_ref.py'), '--model', folder, '--tokens', ids, '--out', out, '--dtype', 'float32'],
    { stdio: 'ignore' },
  );
  const golden = await SafetensorsFile.open(out);
  try {
    return await golden.readFloat32('logits');
  } finally {
    await golden.close();
  }
}

async function groveLogits(folder: string): Promise<Float32Array> {
  const model = await LlamaModel.open(folder, { threads: 1 });
  opened.push(model);
  return model.logits(IDS[0]!);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const cases: { name: string; config: ModelConfigInput }[] = [
  {
    name: 'llama-gqa-tied',
    config: {
      architecture: 'LlamaForCausalLM',
      vocabSize: 300,
      hiddenSize: 32,
      intermediateSize: 64,
      numHiddenLayers: 2,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      tieWordEmbeddings: true,
      initializerRange: 0.25,
      rmsNormEps: 1e-5,
      bosTokenId: 0,
      eosTokenId: 0,
    },
  },
  {
    name: 'qwen2-untied',
    config: {
      architecture: 'Qwen2ForCausalLM',
      vocabSize: 320,
      hiddenSize: 24,
      intermediateSize: 40,
      numHiddenLayers: 2,
      numAttentionHeads: 3,
      numKeyValueHeads: 1,
      qkvBias: true,
      ropeTheta: 1e6,
      initializerRange: 0.25,
    },
  },
];

describe.skipIf(!torchAvailable)('HF export read by the PyTorch reference', () => {
  for (const c of cases) {
    it(`${c.name}: reference logits of the export = Grove's of the source (f32 1e-4), and of the f16 export`, async () => {
      const source = join(dir, c.name);
      await writeTestModel(source, c.config, { seed: 9, tokenizer });
      const out = join(dir, `${c.name}-hf`);
      await exportModel({ folder: source, format: 'hf', out });
      expect(readdirSync(out).sort()).toEqual([
        'config.json',
        'generation_config.json',
        'model.safetensors',
        'tokenizer.json',
        'tokenizer_config.json',
      ]);
      const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
      expect(config.architectures).toEqual([c.config.architecture]);
      expect(config.model_type).toBe(c.config.architecture === 'Qwen2ForCausalLM' ? 'qwen2' : 'llama');
      expect(config.num_key_value_heads).toBe(c.config.numKeyValueHeads);
      expect(config.tie_word_embeddings).toBe(c.config.tieWordEmbeddings === true);
      expect(config.torch_dtype).toBe('float32');
      expect(readFileSync(join(out, 'tokenizer.json'))).toEqual(readFileSync(tokenizer));

      const reference = await referenceLogits(out, c.name);
      expect(maxAbsDiff(reference, new Float32Array(reference.length))).toBeGreaterThan(0.5); // O(1) logits: 1e-4 is a real bound
      expect(maxAbsDiff(reference, await groveLogits(source))).toBeLessThanOrEqual(1e-4);

      // f16: the weights are rounded once; the reference and Grove then agree on the rounded model.
      const out16 = join(dir, `${c.name}-hf16`);
      await exportModel({ folder: source, format: 'hf', out: out16, dtype: 'f16' });
      const st = await SafetensorsFile.open(join(out16, 'model.safetensors'));
      expect(new Set(st.tensorNames.map((n) => st.info(n).dtype))).toEqual(new Set(['F16']));
      await st.close();
      expect(JSON.parse(readFileSync(join(out16, 'config.json'), 'utf8')).torch_dtype).toBe('float16');
      expect(maxAbsDiff(await referenceLogits(out16, `${c.name}-16`), await groveLogits(out16))).toBeLessThanOrEqual(1e-4);

      // Grove's own importer accepts what it exported.
      const imported = await importModelFolder(out);
      expect(imported.config.numHiddenLayers).toBe(2);
      expect(imported.dtype).toBe('F32');
    });
  }
});

describe('a transformers 5.x config (rope_parameters) exported', () => {
  it('comes back in one layout, the classic top-level one, with the same values and the same logits', async () => {
    const source = join(dir, 'rope-parameters');
    await writeTestModel(
      source,
      {
        architecture: 'LlamaForCausalLM',
        vocabSize: 300,
        hiddenSize: 32,
        intermediateSize: 64,
        numHiddenLayers: 2,
        numAttentionHeads: 4,
        initializerRange: 0.25,
      },
      { seed: 5, tokenizer },
    );
    const {
      rope_theta: _theta,
      rope_scaling: _scaling,
      ...rest
    } = JSON.parse(readFileSync(join(source, 'config.json'), 'utf8')) as Record<string, unknown>;
    const llama3 = { factor: 32.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 4 };
    writeFileSync(
      join(source, 'config.json'),
      JSON.stringify({ ...rest, rope_parameters: { rope_type: 'llama3', rope_theta: 500000.0, ...llama3 } }),
    );
    const out = join(dir, 'rope-parameters-hf');
    await exportModel({ folder: source, format: 'hf', out });
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.rope_parameters).toBeUndefined();
    expect(config.rope_theta).toBe(500000);
    expect(config.rope_scaling).toEqual({ rope_type: 'llama3', ...llama3 });
    const exported = await groveLogits(out);
    expect(maxAbsDiff(exported, await groveLogits(source))).toBe(0);
    // The scaling takes part: the same weights without it give other logits.
    writeFileSync(join(out, 'config.json'), JSON.stringify({ ...config, rope_scaling: null }));
    expect(maxAbsDiff(exported, await groveLogits(out))).toBeGreaterThan(1e-3);
    // A reader of the classic layout (the PyTorch reference reads it as transformers 4.x does) agrees.
    writeFileSync(join(out, 'config.json'), JSON.stringify(config));
    if (torchAvailable) expect(maxAbsDiff(await referenceLogits(out, 'rope-parameters'), exported)).toBeLessThanOrEqual(1e-4);
  });
});

describe('export output', () => {
  it('refuses an existing destination without force, replaces it with force, and leaves nothing behind on failure', async () => {
    const source = join(dir, 'plain');
    await writeTestModel(
      source,
      { architecture: 'LlamaForCausalLM', vocabSize: 300, hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 1, numAttentionHeads: 2 },
      { tokenizer },
    );
    const out = join(dir, 'plain-hf');
    await exportModel({ folder: source, format: 'hf', out });
    await expect(exportModel({ folder: source, format: 'hf', out })).rejects.toMatchObject({ code: 'conflict' });
    writeFileSync(join(out, 'stale.txt'), 'old');
    await exportModel({ folder: source, format: 'hf', out, force: true });
    expect(existsSync(join(out, 'stale.txt'))).toBe(false);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(true);

    // No tokenizer anywhere: a clear error before anything is written.
    const bare = join(dir, 'bare');
    await writeTestModel(bare, {
      architecture: 'LlamaForCausalLM',
      vocabSize: 300,
      hiddenSize: 16,
      intermediateSize: 32,
      numHiddenLayers: 1,
      numAttentionHeads: 2,
    });
    await expect(exportModel({ folder: bare, format: 'hf', out: join(dir, 'bare-hf') })).rejects.toMatchObject({ code: 'not_found' });
    expect(existsSync(join(dir, 'bare-hf'))).toBe(false);
    await expect(exportModel({ folder: source, format: 'zip' as never, out: join(dir, 'x') })).rejects.toMatchObject({ code: 'bad_input' });
    expect(readdirSync(dir).filter((n) => n.includes('grove-export'))).toEqual([]);
  });
});
