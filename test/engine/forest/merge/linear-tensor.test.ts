import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderTokenizerSha256 } from '../../../../src/engine/forest/merge/method';
import { mergeModels } from '../../../../src/engine/forest/merge/merge-models';
import type { MergeInput } from '../../../../src/engine/forest/merge/method';
import { MERGE_METHODS, mergeMethod } from '../../../../src/engine/forest/merge/registry';
import { presetConfig, type ModelConfig } from '../../../../src/engine/model/config';
import { readModelFolder, writeModelFolder } from '../../../../src/engine/model/folder';
import { initParameters } from '../../../../src/engine/model/init';
import { parameterSpecs } from '../../../../src/engine/model/names';
import { writeSafetensors } from '../../../../src/engine/model/safetensors-write';
import { tempDir } from '../../../helpers/tmp';

const dir = tempDir();
const config = presetConfig('tiny', {
  vocabSize: 64,
  hiddenSize: 16,
  intermediateSize: 32,
  numHiddenLayers: 2,
  numAttentionHeads: 2,
  numKeyValueHeads: 1,
});
const TOKENIZER = JSON.stringify({ version: '1.0', model: { type: 'BPE', vocab: { a: 0, b: 1 }, merges: [] } });

/** A two-layer model folder written with the model layer's own writer and init, with a tokenizer.json. */
async function tinyModel(name: string, seed: number, cfg: ModelConfig = config, tokenizer: string | null = TOKENIZER): Promise<string> {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  const tensors = [...initParameters(cfg, seed)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data }));
  await writeModelFolder(folder, { config: cfg, tensors });
  if (tokenizer !== null) writeFileSync(join(folder, 'tokenizer.json'), tokenizer);
  return folder;
}

async function tensors(folder: string): Promise<Map<string, Float32Array>> {
  const model = await readModelFolder(folder);
  const out = new Map<string, Float32Array>();
  for (const name of model.weights.tensorNames) out.set(name, await model.weights.readFloat32(name));
  await model.weights.close();
  return out;
}

const linear = mergeMethod('linear');
const merge = (inputs: MergeInput[], outFolder: string, o: { chunkElements?: number } = {}) =>
  mergeModels({ method: linear, inputs, outFolder, ...o });

describe('merge methods', () => {
  it('declares each method with a name, description, paper link and parameters, and refuses unknown ones', () => {
    expect(MERGE_METHODS.map((m) => m.name)).toContain('linear');
    for (const m of MERGE_METHODS) {
      expect(m.description.length).toBeGreaterThan(20);
      expect(m.paper.url).toMatch(/^https:\/\//);
      expect(m.parameters.length).toBeGreaterThan(0);
    }
    expect(linear.parameters.map((p) => p.name)).toEqual(['weight', 'normalize']);
    expect(() => mergeMethod('ties-ish')).toThrow(/merge method "ties-ish" does not exist. Use one of: linear/);
  });
});

describe('linear merge of model folders', () => {
  it('averages identical experts to themselves, whatever the weights', async () => {
    const a = await tinyModel('same', 3);
    const out = join(dir, 'same-merged');
    const result = await merge(
      [
        { folder: a, weight: 0.2 },
        { folder: a, weight: 0.5 },
        { folder: a, weight: 0.3 },
      ],
      out,
    );
    expect(result.params.perModel.weight).toEqual([0.2, 0.5, 0.3]);
    expect(result.tokenizerSha256).toBe(await folderTokenizerSha256(a));
    const [orig, merged] = await Promise.all([tensors(a), tensors(out)]);
    expect([...merged.keys()]).toEqual(parameterSpecs(config).map((s) => s.name));
    for (const [name, values] of orig) expect(merged.get(name), name).toEqual(values);
  });

  it('computes sum_j w_j theta_j with renormalised weights', async () => {
    const a = await tinyModel('a', 1),
      b = await tinyModel('b', 2);
    const out = join(dir, 'ab');
    const result = await merge(
      [
        { folder: a, weight: 3 },
        { folder: b, weight: 1 },
      ],
      out,
    );
    expect(result.file.sha256).toMatch(/^[0-9a-f]{64}$/);
    const [ta, tb, tm] = await Promise.all([tensors(a), tensors(b), tensors(out)]);
    const name = 'model.layers.1.mlp.down_proj.weight';
    expect(tm.get(name)).toEqual(Float32Array.from(ta.get(name)!, (x, i) => 0.75 * x + 0.25 * tb.get(name)![i]!));
  });

  it('refuses models whose tokenizers differ or are unknown, naming them', async () => {
    const a = await tinyModel('tok-a', 1);
    const other = await tinyModel('tok-b', 1, config, TOKENIZER.replace('"b":1', '"c":1'));
    const none = await tinyModel('tok-none', 1, config, null);
    const out = join(dir, 'refused-tok');
    await expect(
      merge(
        [
          { folder: a, weight: 1, label: 'law' },
          { folder: other, weight: 1, label: 'med' },
        ],
        out,
      ),
    ).rejects.toThrow(/med uses tokenizer [0-9a-f]{12} but law uses [0-9a-f]{12}/);
    await expect(
      merge(
        [
          { folder: a, weight: 1 },
          { folder: none, weight: 1 },
        ],
        out,
      ),
    ).rejects.toThrow(/tokenizer of .*tok-none is unknown/);
    // The catalog's hash stands in for a missing tokenizer.json, and is compared like one.
    const sha = (await folderTokenizerSha256(a))!;
    await expect(
      merge(
        [
          { folder: a, weight: 1 },
          { folder: none, weight: 1, tokenizerSha256: sha },
        ],
        join(dir, 'by-hash'),
      ),
    ).resolves.toMatchObject({ tokenizerSha256: sha });
    await expect(
      merge(
        [
          { folder: a, weight: 1 },
          { folder: a, weight: 1, tokenizerSha256: 'f'.repeat(64) },
        ],
        out,
      ),
    ).rejects.toThrow(/uses tokenizer ffffffffffff/);
  });

  it('refuses models whose architecture or config differ', async () => {
    const a = await tinyModel('cfg-a', 1);
    const wide = await tinyModel('cfg-wide', 1, { ...config, intermediateSize: 48 });
    const qwen = await tinyModel('cfg-qwen', 1, { ...config, architecture: 'Qwen2ForCausalLM', qkvBias: true });
    const out = join(dir, 'refused-cfg');
    await expect(
      merge(
        [
          { folder: a, weight: 1 },
          { folder: wide, weight: 1 },
        ],
        out,
      ),
    ).rejects.toThrow(/intermediateSize 32 vs 48/);
    await expect(
      merge(
        [
          { folder: a, weight: 1 },
          { folder: qwen, weight: 1 },
        ],
        out,
      ),
    ).rejects.toThrow(/architecture "LlamaForCausalLM" vs "Qwen2ForCausalLM"/);
  });

  it('refuses weights whose tensor shapes do not match the config', async () => {
    const a = await tinyModel('shape-a', 1);
    const broken = join(dir, 'shape-broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'config.json'), readFileSync(join(a, 'config.json')));
    writeFileSync(join(broken, 'tokenizer.json'), TOKENIZER);
    const specs = parameterSpecs(config).map((s) => (s.name === 'model.norm.weight' ? { ...s, shape: [s.shape[0]! + 1] } : s));
    await writeSafetensors(
      join(broken, 'model.safetensors'),
      specs.map((s) => ({ name: s.name, shape: s.shape, data: new Float32Array(s.shape.reduce((n, d) => n * d, 1)) })),
    );
    await expect(
      merge(
        [
          { folder: a, weight: 1 },
          { folder: broken, weight: 1 },
        ],
        join(dir, 'refused-shape'),
      ),
    ).rejects.toThrow(/"model.norm.weight" has shape \[17\] but the config needs \[16\]/);
  });

  it('refuses negative weights and an empty list', async () => {
    const a = await tinyModel('w-a', 1);
    await expect(
      merge(
        [
          { folder: a, weight: -1 },
          { folder: a, weight: 2 },
        ],
        join(dir, 'neg'),
      ),
    ).rejects.toThrow(/merge linear: weight is -1; it must be a finite number >= 0/);
    await expect(merge([], join(dir, 'empty'))).rejects.toThrow(/merge linear: it takes at least 1 models, not 0/);
  });
});
