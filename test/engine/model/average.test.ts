import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeModels } from '../../../src/engine/forest/merge/merge-models';
import { mergeMethod } from '../../../src/engine/forest/merge/registry';
import { normaliseWeights } from '../../../src/engine/model/average';
import { presetConfig, type ModelConfig } from '../../../src/engine/model/config';
import { readModelFolder, writeModelFolder } from '../../../src/engine/model/folder';
import { initParameters } from '../../../src/engine/model/init';
import { parameterSpecs } from '../../../src/engine/model/names';
import { writeSafetensors } from '../../../src/engine/model/safetensors-write';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const config = presetConfig('tiny', {
  vocabSize: 256,
  hiddenSize: 32,
  intermediateSize: 64,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  tieWordEmbeddings: false,
});

async function seedModel(name: string, seed: number, cfg: ModelConfig = config, extras: Record<string, unknown> = {}): Promise<string> {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  const tensors = [...initParameters(cfg, seed)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data }));
  await writeModelFolder(folder, { config: cfg, extras, tensors });
  return folder;
}

/** The average as collapse and branch make it: the linear merge method over model folders of one (stated) tokenizer. */
function averageModels(inputs: { folder: string; weight: number }[], outFolder: string, o: { chunkElements?: number } = {}) {
  return mergeModels({
    method: mergeMethod('linear'),
    inputs: inputs.map((i) => ({ ...i, tokenizerSha256: 'f'.repeat(64) })),
    outFolder,
    ...o,
  });
}

async function allTensors(folder: string): Promise<Map<string, Float32Array>> {
  const model = await readModelFolder(folder);
  const out = new Map<string, Float32Array>();
  for (const name of model.weights.tensorNames) out.set(name, await model.weights.readFloat32(name));
  await model.weights.close();
  return out;
}

describe('normaliseWeights', () => {
  it('rescales to sum 1 and refuses negative, non-finite and all-zero weights', () => {
    const w = normaliseWeights([1, 3, 0, 4]);
    expect(w).toEqual([0.125, 0.375, 0, 0.5]);
    expect(normaliseWeights([0.1, 0.2, 0.7]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
    expect(() => normaliseWeights([1, -0.5])).toThrow(/weight 1 is -0.5/);
    expect(() => normaliseWeights([1, Number.NaN])).toThrow(/weight 1 is NaN/);
    expect(() => normaliseWeights([Infinity])).toThrow(/finite/);
    expect(() => normaliseWeights([0, 0])).toThrow(/all weights are zero/);
    expect(() => normaliseWeights([])).toThrow(/no models/);
  });
});

describe('the average of model folders (the linear merge)', () => {
  it('averages two models to exactly the hand-computed float64 sum, keeping config extras', async () => {
    const a = await seedModel('a', 1, config, { transformers_version: '4.46.0', pad_token_id: 3 });
    const b = await seedModel('b', 2);
    const out = join(dir, 'ab');
    mkdirSync(out);
    const { file } = await averageModels(
      [
        { folder: a, weight: 1 },
        { folder: b, weight: 3 },
      ],
      out,
      { chunkElements: 1000 },
    );
    const [ta, tb, tout] = await Promise.all([allTensors(a), allTensors(b), allTensors(out)]);
    expect([...tout.keys()]).toEqual(parameterSpecs(config).map((s) => s.name));
    for (const [name, avg] of tout) {
      const x = ta.get(name)!,
        y = tb.get(name)!;
      const expected = Float32Array.from(x, (xi, i) => 0.25 * xi + 0.75 * y[i]!);
      expect(avg, name).toEqual(expected);
    }
    const json = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({ transformers_version: '4.46.0', pad_token_id: 3, num_key_value_heads: 2, torch_dtype: 'float32' });
    expect(file.path).toBe(join(out, 'model.safetensors'));
  });

  it('gives back identical experts exactly, whatever the weights', async () => {
    const a = await seedModel('same', 5);
    const out = join(dir, 'same-avg');
    mkdirSync(out);
    await averageModels(
      [
        { folder: a, weight: 0.3 },
        { folder: a, weight: 0.1 },
        { folder: a, weight: 0.6 },
      ],
      out,
    );
    const [orig, avg] = await Promise.all([allTensors(a), allTensors(out)]);
    for (const [name, values] of orig) expect(avg.get(name), name).toEqual(values);
  });

  it('refuses models whose configs differ, naming the field', async () => {
    const a = await seedModel('c1', 1);
    const wide = await seedModel('c2', 1, { ...config, intermediateSize: 96 });
    const out = join(dir, 'refused');
    mkdirSync(out);
    await expect(
      averageModels(
        [
          { folder: a, weight: 1 },
          { folder: wide, weight: 1 },
        ],
        out,
      ),
    ).rejects.toThrow(/differs from .* in intermediateSize 64 vs 96/);
  });

  it('refuses a model whose weights lack a tensor or have another shape than its config says', async () => {
    const a = await seedModel('m1', 1);
    const broken = join(dir, 'm2');
    mkdirSync(broken);
    writeFileSync(join(broken, 'config.json'), readFileSync(join(a, 'config.json')));
    const specs = parameterSpecs(config).filter((s) => s.name !== 'model.norm.weight');
    await writeSafetensors(
      join(broken, 'model.safetensors'),
      specs.map((s) => ({ name: s.name, shape: s.shape, data: new Float32Array(s.shape.reduce((n, d) => n * d, 1)) })),
    );
    const out = join(dir, 'refused2');
    mkdirSync(out);
    await expect(
      averageModels(
        [
          { folder: a, weight: 1 },
          { folder: broken, weight: 1 },
        ],
        out,
      ),
    ).rejects.toThrow(/tensor "model.norm.weight" is missing/);
  });
});

describe('the dtype of an average', () => {
  it('keeps f16 inputs in f16, and averages with weights summing to 1', async () => {
    const h1 = join(dir, 'h1'),
      h2 = join(dir, 'h2'),
      out = join(dir, 'h');
    for (const [folder, seed] of [
      [h1, 1],
      [h2, 2],
    ] as const) {
      mkdirSync(folder, { recursive: true });
      await writeModelFolder(
        folder,
        { config, tensors: [...initParameters(config, seed)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data })) },
        { dtype: 'F16' },
      );
    }
    await averageModels(
      [
        { folder: h1, weight: 2 },
        { folder: h2, weight: 2 },
      ],
      out,
    );
    const [t1, t2] = await Promise.all([allTensors(h1), allTensors(h2)]);
    const model = await readModelFolder(out);
    const name = 'model.norm.weight';
    expect(model.weights.info(name).dtype).toBe('F16');
    const avg = await model.weights.readFloat32(name);
    await model.weights.close();
    avg.forEach((v, i) => expect(v).toBeCloseTo((t1.get(name)![i]! + t2.get(name)![i]!) / 2, 2));
  });
});
