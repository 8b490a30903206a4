// Merging model folders with the registered methods: each tensor of the result is the method's rule applied
// to the inputs' tensors (and the base's); inputs of another shape, tokenizer or without the base a method
// needs are refused by name.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeModels } from '../../../../src/engine/forest/merge/merge-models';
import { MERGE_METHODS, mergeMethod } from '../../../../src/engine/forest/merge/registry';
import { resolveParams } from '../../../../src/engine/forest/merge/tensor-method';
import { presetConfig, type ModelConfig } from '../../../../src/engine/model/config';
import { readModelFolder, writeModelFolder } from '../../../../src/engine/model/folder';
import { initParameters } from '../../../../src/engine/model/init';
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

async function model(
  name: string,
  seed: number,
  cfg: ModelConfig = config,
  tokenizer = TOKENIZER,
): Promise<{ folder: string; weight: number; label: string }> {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  await writeModelFolder(folder, {
    config: cfg,
    tensors: [...initParameters(cfg, seed)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data })),
  });
  writeFileSync(join(folder, 'tokenizer.json'), tokenizer);
  return { folder, weight: 1, label: name };
}

async function read(folder: string, name: string): Promise<Float32Array> {
  const m = await readModelFolder(folder);
  try {
    return await m.weights.readFloat32(name);
  } finally {
    await m.weights.close();
  }
}

describe('mergeModels', () => {
  it('applies each method tensor by tensor: the result equals the per-tensor rule on the tensors read back', async () => {
    const [seed, a, b] = [await model('seed', 1), await model('a', 2), await model('b', 3)];
    const tensor = 'model.layers.1.mlp.down_proj.weight';
    for (const name of ['linear', 'task_arithmetic', 'ties', 'dare_linear', 'dare_ties', 'slerp']) {
      const method = mergeMethod(name);
      const out = join(dir, `out-${name}`);
      mkdirSync(out);
      const perModel: Record<string, number[]> = method.parameters.some((p) => p.name === 'density') ? { density: [0.5, 0.5] } : {};
      const global: Record<string, number> = name === 'slerp' ? { t: 0.3 } : {};
      const inputs = [
        { ...a, weight: 0.6 },
        { ...b, weight: 0.4 },
      ];
      const result = await mergeModels({ method, inputs, base: seed, perModel, global, seed: 5, outFolder: out });
      expect(result.method).toBe(name);
      const expected = method.mergeTensor(
        {
          name: tensor,
          models: [await read(a.folder, tensor), await read(b.folder, tensor)],
          base: method.needsBase ? await read(seed.folder, tensor) : null,
        },
        resolveParams(method, 2, {
          perModel: method.parameters.some((p) => p.name === 'weight') ? { weight: [0.6, 0.4], ...perModel } : perModel,
          global,
          seed: 5,
        }),
      );
      expect(await read(out, tensor), name).toEqual(expected);
    }
    expect(MERGE_METHODS.map((m) => m.name)).toEqual(['linear', 'task_arithmetic', 'ties', 'dare_linear', 'dare_ties', 'slerp']);
  });

  it('refuses a missing base, another shape and another tokenizer, naming the model', async () => {
    const [a, b] = [await model('a2', 2), await model('b2', 3)];
    const wide = await model('wide', 4, { ...config, intermediateSize: 48 });
    const other = await model(
      'other-tokenizer',
      5,
      config,
      JSON.stringify({ version: '1.0', model: { type: 'BPE', vocab: { c: 0 }, merges: [] } }),
    );
    const out = join(dir, 'refused');
    await expect(mergeModels({ method: mergeMethod('ties'), inputs: [a, b], outFolder: out })).rejects.toThrow(
      /merge ties: it needs a base model/,
    );
    await expect(mergeModels({ method: mergeMethod('linear'), inputs: [a, wide], outFolder: out })).rejects.toThrow(
      /merge linear: wide differs from a2 in intermediateSize/,
    );
    await expect(mergeModels({ method: mergeMethod('linear'), inputs: [a, other], outFolder: out })).rejects.toThrow(
      /other-tokenizer uses tokenizer/,
    );
    expect(() => mergeMethod('frankenmerge')).toThrow(
      /merge method "frankenmerge" does not exist. Use one of: linear, task_arithmetic, ties, dare_linear, dare_ties, slerp/,
    );
  });
});
