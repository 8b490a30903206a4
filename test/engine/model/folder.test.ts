import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../../../src/engine/model/config';
import { openWeights, readModelFolder, writeModelFolder } from '../../../src/engine/model/folder';
import { initParameters } from '../../../src/engine/model/init';
import { writeSafetensors } from '../../../src/engine/model/safetensors-write';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const config = presetConfig('tiny', { vocabSize: 64, hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 1, numAttentionHeads: 2 });
const tensors = () => [...initParameters(config, 11)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data }));

describe('model folders', () => {
  it('writes config.json + model.safetensors and reads them back checked', async () => {
    const folder = join(dir, 'one');
    mkdirSync(folder);
    const { sha256 } = await writeModelFolder(
      folder,
      { config, extras: { pad_token_id: 0 }, tensors: tensors() },
      { dtype: 'BF16', metadata: { format: 'pt' } },
    );
    expect(readdirSync(folder).sort()).toEqual(['config.json', 'model.safetensors']);
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    const model = await readModelFolder(folder);
    expect(model.config).toEqual({ ...config, torchDtype: 'bfloat16' });
    expect(model.extras).toEqual({ pad_token_id: 0 });
    expect(model.weights.info('model.embed_tokens.weight')).toMatchObject({ dtype: 'BF16', shape: [64, 16] });
    await model.weights.close();
  });

  it('opens a sharded folder through its index, and says what is missing otherwise', async () => {
    const folder = join(dir, 'sharded');
    mkdirSync(folder);
    const all = tensors();
    const half = Math.ceil(all.length / 2);
    const shards = [all.slice(0, half), all.slice(half)];
    const weightMap: Record<string, string> = {};
    for (const [i, shard] of shards.entries()) {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      await writeSafetensors(join(folder, file), shard);
      for (const t of shard) weightMap[t.name] = file;
    }
    writeFileSync(join(folder, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    writeFileSync(join(folder, 'config.json'), readFileSync(join(dir, 'one', 'config.json')));
    const model = await readModelFolder(folder);
    expect(await model.weights.readFloat32('model.norm.weight')).toEqual(new Float32Array(16).fill(1));
    await model.weights.close();

    const empty = join(dir, 'empty');
    mkdirSync(empty);
    await expect(openWeights(empty)).rejects.toThrow(/no model.safetensors or model.safetensors.index.json/);
    await expect(readModelFolder(empty)).rejects.toThrow(/config.json: cannot read the model config/);
  });
});
