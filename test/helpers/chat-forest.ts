// A tiny forest for chat tests: a seed (random weights) planted with Grove's own init, and experts of the
// same shape and tokenizer (other random weights) recorded as ready experts, as a trained BTM forest has.
import { join } from 'node:path';
import { Catalog } from '../../src/app/catalog/catalog';
import { insertModel } from '../../src/app/catalog/models';
import { catalogPath } from '../../src/app/home';
import { initForestFromModel } from '../../src/app/store/init';
import { storeModelFolder } from '../../src/app/store/model-store';
import { writeTestModel } from './model';
import { writeTestTokenizer } from './tokenizer';

export const TINY_CHAT_CONFIG = {
  architecture: 'LlamaForCausalLM',
  vocabSize: 320,
  hiddenSize: 32,
  intermediateSize: 64,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  tieWordEmbeddings: true,
  initializerRange: 0.3,
} as const;

export interface TinyForest {
  home: string;
  forestId: number;
  seed: string;
  experts: { name: string; id: number }[];
}

export async function writeTinyForest(dir: string, experts: string[]): Promise<TinyForest> {
  const tokenizer = await writeTestTokenizer(dir, 320);
  const home = join(dir, 'home');
  await writeTestModel(join(dir, 'seed'), TINY_CHAT_CONFIG, { seed: 1, tokenizer });
  const init = await initForestFromModel(home, join(dir, 'seed'));
  const catalog = Catalog.open(catalogPath(home));
  try {
    const made: TinyForest['experts'] = [];
    for (const [i, name] of experts.entries()) {
      await writeTestModel(join(dir, name), TINY_CHAT_CONFIG, { seed: 10 + i });
      const stored = await storeModelFolder(home, join(dir, name), null);
      const id = insertModel(catalog, {
        forestId: init.forestId,
        name,
        role: 'expert',
        weightsSha256: stored.sha256,
        weightsBytes: stored.bytes,
        architectureJson: JSON.stringify(stored.config),
        tokenizerSha256: null,
      });
      made.push({ name, id });
    }
    return { home, forestId: init.forestId, seed: init.seedName, experts: made };
  } finally {
    catalog.close();
  }
}
