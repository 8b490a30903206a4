// A forest started from a model folder: weights stored by sha256 (f16 kept f16), the tokenizer becomes
// the forest's, the catalog holds the forest and its seed; a second seed and mismatched pairs are refused. A
// seed or import planted from a Hub cache snapshot has its Hub repository recorded (what a light expert's PEFT
// export names as its base).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { hubSourceOf } from '../../../src/app/catalog/hub-sources';
import { catalogPath } from '../../../src/app/home';
import { parseModelConfig, type ModelConfigInput } from '../../../src/engine/model/config';
import { writeModelFolder } from '../../../src/engine/model/folder';
import { initParameters } from '../../../src/engine/model/init';
import { SafetensorsFile } from '../../../src/engine/model/safetensors';
import { readChatTemplate } from '../../../src/engine/hub/tokenizer-files';
import { importIntoForest, initForestFromModel } from '../../../src/app/store/init';
import { storeModelFolder } from '../../../src/app/store/model-store';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();

async function modelFolder(name: string, input: Partial<ModelConfigInput>, withTokenizer = true): Promise<string> {
  const config = parseModelConfig({
    architecture: 'LlamaForCausalLM',
    vocabSize: 320,
    hiddenSize: 16,
    intermediateSize: 32,
    numHiddenLayers: 1,
    numAttentionHeads: 2,
    tieWordEmbeddings: true,
    ...input,
  });
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  await writeModelFolder(
    folder,
    { config, tensors: [...initParameters(config, 3)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data })) },
    { dtype: 'F16' },
  );
  if (withTokenizer) {
    const tok = await writeTestTokenizer(join(dir, `${name}-tok`), 320);
    copyFileSync(tok, join(folder, 'tokenizer.json'));
    copyFileSync(join(tok, '../tokenizer_config.json'), join(folder, 'tokenizer_config.json'));
  }
  return folder;
}

describe('initForestFromModel', () => {
  it('stores the seed under its address in its own dtype, takes its tokenizer, and records forest and seed', async () => {
    const home = join(dir, 'home-a');
    const source = await modelFolder('smol', {});
    const r = await initForestFromModel(home, source, { forestName: 'mine' });
    const stored = join(home, 'models', r.weightsSha256, 'model.safetensors');
    // The address covers the weights, the config and the tokenizer (grove-address.json names their hashes).
    const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
    const manifest = join(home, 'models', r.weightsSha256, 'grove-address.json');
    expect(sha(manifest)).toBe(r.weightsSha256);
    expect(JSON.parse(readFileSync(manifest, 'utf8'))).toEqual({
      format: 'grove-model-address/1',
      weights: sha(stored),
      config: sha(join(home, 'models', r.weightsSha256, 'config.json')),
      tokenizer: sha(join(source, 'tokenizer.json')),
    });
    const weights = await SafetensorsFile.open(stored);
    expect(weights.info('model.embed_tokens.weight').dtype).toBe('F16');
    await weights.close();
    expect(readFileSync(join(home, 'tokenizer', 'tokenizer.json'))).toEqual(readFileSync(join(source, 'tokenizer.json')));
    const catalog = Catalog.open(catalogPath(home));
    expect(catalog.forest()?.name).toBe('mine');
    expect(catalog.models(r.forestId)).toEqual([{ id: r.seedId, name: 'smol', role: 'seed', domainId: null }]);
    catalog.close();
    await expect(initForestFromModel(home, source)).rejects.toThrow(/already holds forest "mine" with a seed/);
  });

  it("keeps an instruct model's chat template file with the forest's tokenizer", async () => {
    const home = join(dir, 'home-chat');
    const source = await modelFolder('instruct', {});
    writeFileSync(join(source, 'chat_template.jinja'), '{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}');
    await initForestFromModel(home, source);
    expect(
      await readChatTemplate(
        join(home, 'tokenizer'),
        JSON.parse(readFileSync(join(home, 'tokenizer', 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>,
      ),
    ).toBe('{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}');
  });

  it('refuses a tokenizer with more ids than the model embeds, leaving the catalog empty', async () => {
    const home = join(dir, 'home-b');
    const source = await modelFolder('narrow', { vocabSize: 300 });
    await expect(initForestFromModel(home, source)).rejects.toThrow(/tokenizer has ids up to 319 but the model embeds only 300/);
    const catalog = Catalog.open(catalogPath(home));
    expect(catalog.forest()).toBeNull();
    catalog.close();
  });

  it('stores an identical model (weights, config, tokenizer) once', async () => {
    const home = join(dir, 'home-c');
    const source = await modelFolder('twice', {}, false);
    const a = await storeModelFolder(home, source, null);
    const b = await storeModelFolder(home, source, null);
    expect(b.folder).toBe(a.folder);
    expect(existsSync(join(a.folder, 'config.json'))).toBe(true);
  });

  it('records the Hub repository of a seed or import planted from a Hub cache snapshot, and none for another folder', async () => {
    const home = join(dir, 'home-d');
    const seed = await initForestFromModel(
      home,
      await modelFolder('hf-cache/models--HuggingFaceTB--SmolLM2-135M/snapshots/93efa2f097d58c2a74874c7e644dbc9b0cee75a2', {}),
    );
    const imported = await importIntoForest(
      home,
      await modelFolder('hf-cache/models--gpt2/snapshots/607a30d783dfa663caf39e06633721c8d4cfcd7e', { hiddenSize: 32 }),
      'gpt2-like',
    );
    const plain = await initForestFromModel(join(dir, 'home-e'), await modelFolder('plain', { hiddenSize: 24 }));
    const sources = (home: string, sha: string) => {
      const catalog = Catalog.open(catalogPath(home));
      try {
        return hubSourceOf(catalog, sha);
      } finally {
        catalog.close();
      }
    };
    expect(sources(home, seed.weightsSha256)).toBe('HuggingFaceTB/SmolLM2-135M');
    expect(sources(home, imported.weightsSha256)).toBe('gpt2');
    expect(sources(join(dir, 'home-e'), plain.weightsSha256)).toBeNull();
  });
});
