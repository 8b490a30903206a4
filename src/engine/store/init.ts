// `grove init --from <model folder>`: a forest whose seed is an existing model (Hugging Face layout:
// config.json, safetensors, tokenizer.json). The weights go to the model store, the tokenizer becomes
// the forest's tokenizer (every domain is tokenized with it), and the catalog gets the forest and its seed.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { Catalog } from '../catalog/catalog';
import { ensureForest } from '../catalog/domains';
import { insertModel } from '../catalog/models';
import { catalogPath } from '../home';
import { parameterCount } from '../model/names';
import { loadTokenizer } from '../tokenize/load';
import { storeModelFolder } from './model-store';

export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'generation_config.json'] as const;

export function forestTokenizerDir(home: string): string {
  return join(home, 'tokenizer');
}

export interface InitResult {
  forestId: number;
  seedId: number;
  seedName: string;
  weightsSha256: string;
  parameters: number;
}

export async function initForestFromModel(home: string, source: string, options: { forestName?: string; seedName?: string } = {}): Promise<InitResult> {
  const catalog = Catalog.open(catalogPath(home));
  try {
    const existing = catalog.forest();
    if (existing && catalog.models(existing.id).some((m) => m.role === 'seed')) {
      throw new GroveError('conflict', `${home} already holds forest "${existing.name}" with a seed; start another forest with --home <new folder>.`);
    }
    const tokenizer = await loadTokenizer(join(source, 'tokenizer.json'));
    const stored = await storeModelFolder(home, source);
    if (tokenizer.vocabSize > stored.config.vocabSize) {
      throw new GroveError('bad_input', `${source}: the tokenizer has ids up to ${tokenizer.vocabSize - 1} but the model embeds only ${stored.config.vocabSize} tokens: they do not belong together.`);
    }
    // The forest's tokenizer: copied file by file (temp name, then rename), never edited.
    const dir = forestTokenizerDir(home);
    await mkdir(dir, { recursive: true });
    for (const file of TOKENIZER_FILES) {
      const from = join(source, file);
      if (!(await stat(from).then((s) => s.isFile(), () => false))) continue;
      await copyFile(from, join(dir, `${file}.tmp`));
      await rename(join(dir, `${file}.tmp`), join(dir, file));
    }
    const tokenizerSha256 = createHash('sha256').update(await readFile(join(dir, 'tokenizer.json'))).digest('hex');
    const seedName = options.seedName ?? basename(source);
    return catalog.db.transaction(() => {
      const forestId = ensureForest(catalog, options.forestName ?? 'forest');
      const seedId = insertModel(catalog, {
        forestId,
        name: seedName,
        role: 'seed',
        weightsSha256: stored.sha256,
        weightsBytes: stored.bytes,
        architectureJson: JSON.stringify(stored.config),
        tokenizerSha256,
      });
      return { forestId, seedId, seedName, weightsSha256: stored.sha256, parameters: parameterCount(stored.config) };
    })();
  } finally {
    catalog.close();
  }
}

/**
 * Adds an existing model to the forest (role 'imported'): it must use the forest's tokenizer exactly,
 * since experts of one forest are mixed and averaged token for token.
 */
export async function importIntoForest(home: string, source: string, name: string): Promise<{ modelId: number; weightsSha256: string }> {
  const catalog = Catalog.open(catalogPath(home));
  try {
    const forest = catalog.forest();
    if (!forest) throw new GroveError('not_found', `No forest in ${home}: \`grove init --from <model folder>\` first.`);
    if (catalog.models(forest.id).some((m) => m.name === name)) throw new GroveError('conflict', `A model named "${name}" exists already; choose another --name.`);
    const hash = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');
    const forestTokenizer = await hash(join(forestTokenizerDir(home), 'tokenizer.json'));
    const own = join(source, 'tokenizer.json');
    if ((await stat(own).then((s) => s.isFile(), () => false)) && (await hash(own)) !== forestTokenizer) {
      throw new GroveError('bad_input', `${source}: its tokenizer.json differs from the forest's; only models of one lineage (same tokenizer) can join a forest.`);
    }
    const stored = await storeModelFolder(home, source);
    const modelId = insertModel(catalog, { forestId: forest.id, name, role: 'imported', weightsSha256: stored.sha256, weightsBytes: stored.bytes, architectureJson: JSON.stringify(stored.config), tokenizerSha256: forestTokenizer });
    return { modelId, weightsSha256: stored.sha256 };
  } finally {
    catalog.close();
  }
}
