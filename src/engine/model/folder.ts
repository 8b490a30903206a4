// A model folder as Hugging Face lays it out: config.json + model.safetensors (or sharded shards with
// model.safetensors.index.json). Reading checks every expected tensor; writing is atomic per file.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurable } from '../durable-write';
import { verifyContentAddress } from './content-address';
import { GroveError } from '../../shared/api/errors';
import { fromHfConfig, toHfConfig, type ModelConfig } from './config';
import { readModelJson } from './model-file';
import { parameterSpecs } from './names';
import { SafetensorsFile, type TensorReader } from './safetensors';
import { writeSafetensors, type TensorToWrite, type WriteOptions, type WrittenFile } from './safetensors-write';
import { INDEX_FILE, ShardedSafetensors } from './sharded';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Opens the weights of a folder (single file or sharded) or of a .safetensors file path. */
export async function openWeights(path: string): Promise<TensorReader> {
  if (!(await stat(path).catch(() => null))?.isDirectory()) return SafetensorsFile.open(path);
  if (await exists(join(path, WEIGHTS_FILE))) return SafetensorsFile.open(join(path, WEIGHTS_FILE));
  if (await exists(join(path, INDEX_FILE))) return ShardedSafetensors.open(join(path, INDEX_FILE));
  throw new GroveError(
    'not_found',
    `${path}: no ${WEIGHTS_FILE} or ${INDEX_FILE} in this folder. Point Grove at a Hugging Face model folder.`,
    { path },
  );
}

/** config.json is a few kB; anything near this size is not one. */
const MAX_CONFIG_BYTES = 16 << 20;

export async function readConfigFile(folder: string): Promise<{ config: ModelConfig; extras: Record<string, unknown> }> {
  const path = join(folder, CONFIG_FILE);
  return fromHfConfig(await readModelJson(path, 'model config (config.json)', MAX_CONFIG_BYTES), path);
}

/** Tensors transformers recomputes instead of loading (older Llama checkpoints saved them): skipped without harm. */
const RECOMPUTED = /^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/;
const LAYER = /^model\.layers\.(\d+)\./;

function shown(names: readonly string[]): string {
  return (
    names
      .slice(0, 5)
      .map((n) => `"${n}"`)
      .join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '')
  );
}

/**
 * Refuses weights that do not hold exactly the tensors of the config: the layer count is compared with the
 * layers the weights hold before anything is built per layer (a config claiming 1e9 layers over a small file
 * is named, not enumerated), then every tensor must be there with its shape, and no tensor may be left over
 * (a config with fewer layers than the weights would silently run a smaller model).
 */
export function checkWeights(config: ModelConfig, weights: TensorReader, where: string): void {
  const layers = new Set<number>();
  for (const name of weights.tensorNames) {
    const m = LAYER.exec(name);
    if (m) layers.add(Number(m[1]));
  }
  if (config.numHiddenLayers !== layers.size) {
    const held =
      layers.size === 0
        ? 'no layers'
        : `${layers.size} layer${layers.size === 1 ? '' : 's'} (numbered ${Math.min(...layers)} to ${Math.max(...layers)})`;
    throw new GroveError(
      'bad_input',
      `${where}: config.json says num_hidden_layers = ${config.numHiddenLayers}, but the weights hold ${held}. Check that config.json belongs to these weights.`,
      { layers: config.numHiddenLayers, held: layers.size },
    );
  }
  const specs = parameterSpecs(config);
  for (const spec of specs) {
    if (!weights.has(spec.name)) {
      throw new GroveError(
        'bad_input',
        `${where}: tensor "${spec.name}" is missing for this ${config.architecture} config. Check that config.json belongs to these weights.`,
        { tensor: spec.name },
      );
    }
    const shape = weights.info(spec.name).shape;
    if (shape.length !== spec.shape.length || shape.some((d, i) => d !== spec.shape[i])) {
      throw new GroveError(
        'bad_input',
        `${where}: tensor "${spec.name}" has shape [${shape.join(', ')}] but the config needs [${spec.shape.join(', ')}]. Check that config.json belongs to these weights.`,
        { tensor: spec.name, shape, expected: spec.shape },
      );
    }
  }
  const expected = new Set(specs.map((s) => s.name));
  const extra = weights.tensorNames.filter((n) => !expected.has(n) && !RECOMPUTED.test(n));
  if (extra.length > 0) {
    const tiedHint =
      config.tieWordEmbeddings && extra.includes('lm_head.weight')
        ? ' (lm_head.weight in a model with tie_word_embeddings: true: the config says the output layer is the embedding, the weights hold another one)'
        : '';
    throw new GroveError(
      'bad_input',
      `${where}: the weights hold tensor${extra.length === 1 ? '' : 's'} ${shown(extra)} that this ${config.architecture} config does not use${tiedHint}; Grove would silently drop ${extra.length === 1 ? 'it' : 'them'}. Check that config.json belongs to these weights.`,
      { tensors: extra.slice(0, 20) },
    );
  }
}

export interface ModelFolder {
  config: ModelConfig;
  extras: Record<string, unknown>;
  weights: TensorReader;
}

/**
 * Reads config.json and opens the weights, checking they match (and, for a folder of the forest's store,
 * that the weights are the ones its sha256 name says). Close `weights` when done.
 */
export async function readModelFolder(folder: string): Promise<ModelFolder> {
  const { config, extras } = await readConfigFile(folder);
  await verifyContentAddress(folder, WEIGHTS_FILE, CONFIG_FILE);
  const weights = await openWeights(folder);
  try {
    checkWeights(config, weights, folder);
  } catch (err) {
    await weights.close();
    throw err;
  }
  return { config, extras, weights };
}

/** Writes config.json (atomically) and model.safetensors (atomically); returns the weights file's sha256. */
export async function writeModelFolder(
  folder: string,
  model: { config: ModelConfig; extras?: Record<string, unknown>; tensors: readonly TensorToWrite[] },
  options: WriteOptions = {},
): Promise<WrittenFile> {
  const dtype = options.dtype ?? 'F32';
  const written = await writeSafetensors(join(folder, WEIGHTS_FILE), model.tensors, { ...options, dtype });
  const torchDtype = dtype === 'F32' ? 'float32' : dtype === 'F16' ? 'float16' : 'bfloat16';
  const json = JSON.stringify(toHfConfig({ ...model.config, torchDtype }, model.extras), null, 2) + '\n';
  await writeFileDurable(join(folder, CONFIG_FILE), json);
  return written;
}
