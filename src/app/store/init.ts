// `grove init --from <model folder>`: a forest whose seed is an existing model (Hugging Face layout:
// config.json, safetensors, tokenizer.json). The weights go to the model store, the tokenizer becomes
// the forest's tokenizer (every domain is tokenized with it), and the catalog gets the forest and its seed.
import { createHash, randomBytes } from 'node:crypto';
import { renameSync, rmSync } from 'node:fs';
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { Catalog } from '../catalog/catalog';
import { ensureForest } from '../catalog/domains';
import { recordHubSource } from '../catalog/hub-sources';
import { insertModel, liveSeed } from '../catalog/models';
import { catalogPath } from '../home';
import { folderTokenizerSha256 } from '../../engine/forest/merge/method';
import { repoIdOfSnapshot } from '../../engine/hub/cache';
import { checkRegularFiles } from '../../engine/model/model-file';
import { parameterCount } from '../../engine/model/names';
import { loadTokenizer } from '../../engine/tokenize/load';
import { storeModelFolder } from './model-store';

/** The files of a model folder that make up the forest's tokenizer (and how an instruct model is prompted). */
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'generation_config.json',
  'chat_template.jinja',
  'chat_template.json',
] as const;

export function forestTokenizerDir(home: string): string {
  return join(home, 'tokenizer');
}

/** sha256 of the forest's tokenizer.json (what every model of the forest reads ids of); null before it exists. */
export function forestTokenizerSha256(home: string): Promise<string | null> {
  return folderTokenizerSha256(forestTokenizerDir(home));
}

export interface InitResult {
  forestId: number;
  seedId: number;
  seedName: string;
  weightsSha256: string;
  parameters: number;
}

/** A seed whose files are in the forest home (weights stored, tokenizer staged) but not yet in the catalog. */
export interface PreparedSeed {
  seedName: string;
  weightsSha256: string;
  weightsBytes: number;
  architectureJson: string;
  parameters: number;
  tokenizerSha256: string;
  /** The tokenizer files, in a staging folder of the home that recordSeed renames to forestTokenizerDir. */
  stagedTokenizerDir: string;
  /** The Hub repository the seed came from, when its folder is a Hub cache snapshot (absent from older job results). */
  hubRepo?: string | null;
}

/** The conflict of a home that has its seed already: refused before anything is copied. */
export function assertNoSeed(catalog: Catalog, home: string): void {
  const existing = catalog.forest();
  // A seed whose training was cancelled is 'removed': it does not hold the place of a new one.
  if (existing && liveSeed(catalog, existing.id)) {
    throw new GroveError(
      'conflict',
      `${home} already holds forest "${existing.name}" with a seed; start another forest with --home <new folder>.`,
      { home },
    );
  }
}

/**
 * The file half of `grove init --from`, without the catalog (so a worker process can run it): stores the
 * weights and stages the tokenizer files (copied, never edited). Refuses a tokenizer that outgrows the model.
 */
export async function prepareSeed(home: string, source: string, seedName = basename(source)): Promise<PreparedSeed> {
  // A FIFO among the files read below would hang its reader: refused by name before any is opened.
  await checkRegularFiles(source, ['config.json', ...TOKENIZER_FILES]);
  const tokenizer = await loadTokenizer(join(source, 'tokenizer.json'));
  // The address of the stored seed covers the tokenizer it reads: the one staged below, byte for byte.
  const stored = await storeModelFolder(home, source, await folderTokenizerSha256(source));
  if (tokenizer.vocabSize > stored.config.vocabSize) {
    throw new GroveError(
      'bad_input',
      `${source}: the tokenizer has ids up to ${tokenizer.vocabSize - 1} but the model embeds only ${stored.config.vocabSize} tokens: they do not belong together.`,
    );
  }
  const staged = join(home, `.tokenizer-incoming-${process.pid}-${randomBytes(4).toString('hex')}`);
  let tokenizerSha256: string;
  try {
    await mkdir(staged, { recursive: true });
    for (const file of TOKENIZER_FILES) {
      const from = join(source, file);
      if (
        !(await stat(from).then(
          (s) => s.isFile(),
          () => false,
        ))
      )
        continue;
      await copyFile(from, join(staged, file));
    }
    tokenizerSha256 = createHash('sha256')
      .update(await readFile(join(staged, 'tokenizer.json')))
      .digest('hex');
  } catch (err) {
    rmSync(staged, { recursive: true, force: true });
    throw err;
  }
  return {
    seedName,
    weightsSha256: stored.sha256,
    weightsBytes: stored.bytes,
    architectureJson: JSON.stringify(stored.config),
    parameters: parameterCount(stored.config),
    tokenizerSha256,
    stagedTokenizerDir: staged,
    hubRepo: repoIdOfSnapshot(source),
  };
}

/**
 * The catalog half: checks again that the home has no seed, puts the staged tokenizer in place (one rename),
 * then commits the forest and its seed. A failure leaves the catalog as it was.
 */
export function recordSeed(catalog: Catalog, home: string, seed: PreparedSeed, forestName = 'forest'): InitResult {
  try {
    assertNoSeed(catalog, home);
  } catch (err) {
    rmSync(seed.stagedTokenizerDir, { recursive: true, force: true });
    throw err;
  }
  const dir = forestTokenizerDir(home);
  // A tokenizer without a seed is what an interrupted earlier init left: this seed's replaces it.
  rmSync(dir, { recursive: true, force: true });
  renameSync(seed.stagedTokenizerDir, dir);
  return catalog.transaction(() => {
    const forestId = ensureForest(catalog, forestName);
    const seedId = insertModel(catalog, {
      forestId,
      name: seed.seedName,
      role: 'seed',
      weightsSha256: seed.weightsSha256,
      weightsBytes: seed.weightsBytes,
      architectureJson: seed.architectureJson,
      tokenizerSha256: seed.tokenizerSha256,
    });
    if (seed.hubRepo) recordHubSource(catalog, seed.weightsSha256, seed.hubRepo);
    return { forestId, seedId, seedName: seed.seedName, weightsSha256: seed.weightsSha256, parameters: seed.parameters };
  });
}

export async function initForestFromModel(
  home: string,
  source: string,
  options: { forestName?: string; seedName?: string } = {},
): Promise<InitResult> {
  const catalog = Catalog.open(catalogPath(home));
  try {
    assertNoSeed(catalog, home);
    const seed = await prepareSeed(home, source, options.seedName);
    return recordSeed(catalog, home, seed, options.forestName);
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
    if (catalog.models(forest.id).some((m) => m.name === name))
      throw new GroveError('conflict', `A model named "${name}" exists already; choose another --name.`);
    const hash = async (file: string) =>
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex');
    const forestTokenizer = await hash(join(forestTokenizerDir(home), 'tokenizer.json'));
    const own = join(source, 'tokenizer.json');
    if (
      (await stat(own).then(
        (s) => s.isFile(),
        () => false,
      )) &&
      (await hash(own)) !== forestTokenizer
    ) {
      throw new GroveError(
        'bad_input',
        `${source}: its tokenizer.json differs from the forest's; only models of one lineage (same tokenizer) can join a forest.`,
      );
    }
    const stored = await storeModelFolder(home, source, forestTokenizer);
    const hubRepo = repoIdOfSnapshot(source);
    const modelId = catalog.transaction(() => {
      const id = insertModel(catalog, {
        forestId: forest.id,
        name,
        role: 'imported',
        weightsSha256: stored.sha256,
        weightsBytes: stored.bytes,
        architectureJson: JSON.stringify(stored.config),
        tokenizerSha256: forestTokenizer,
      });
      if (hubRepo) recordHubSource(catalog, stored.sha256, hubRepo);
      return id;
    });
    return { modelId, weightsSha256: stored.sha256 };
  } finally {
    catalog.close();
  }
}
