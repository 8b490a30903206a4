// A model folder as Hugging Face lays it out: config.json + model.safetensors (or sharded shards with
// model.safetensors.index.json). Reading checks every expected tensor; writing is atomic per file.
import { stat, readFile, writeFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { verifyContentAddress } from './content-address';
import { GroveError } from '../../shared/api/errors';
import { fromHfConfig, toHfConfig, type ModelConfig } from './config';
import { parameterSpecs } from './names';
import { SafetensorsFile, type TensorReader } from './safetensors';
import { syncFolder, writeSafetensors, type TensorToWrite, type WriteOptions, type WrittenFile } from './safetensors-write';
import { INDEX_FILE, ShardedSafetensors } from './sharded';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Opens the weights of a folder (single file or sharded) or of a .safetensors file path. */
export async function openWeights(path: string): Promise<TensorReader> {
  if (!(await stat(path).catch(() => null))?.isDirectory()) return SafetensorsFile.open(path);
  if (await exists(join(path, WEIGHTS_FILE))) return SafetensorsFile.open(join(path, WEIGHTS_FILE));
  if (await exists(join(path, INDEX_FILE))) return ShardedSafetensors.open(join(path, INDEX_FILE));
  throw new GroveError('not_found', `${path}: no ${WEIGHTS_FILE} or ${INDEX_FILE} in this folder. Point Grove at a Hugging Face model folder.`, { path });
}

export async function readConfigFile(folder: string): Promise<{ config: ModelConfig; extras: Record<string, unknown> }> {
  const path = join(folder, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new GroveError('not_found', `${path}: cannot read the model config. Point Grove at a Hugging Face model folder.`, { path });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new GroveError('bad_input', `${path}: not valid JSON (${err instanceof Error ? err.message : String(err)}). Fix or re-download the file.`, { path });
  }
  return fromHfConfig(json, path);
}

/** Refuses weights that lack a tensor of the config or hold one with another shape. */
export function checkWeights(config: ModelConfig, weights: TensorReader, where: string): void {
  for (const spec of parameterSpecs(config)) {
    if (!weights.has(spec.name)) {
      throw new GroveError('bad_input', `${where}: tensor "${spec.name}" is missing for this ${config.architecture} config. Check that config.json belongs to these weights.`, { tensor: spec.name });
    }
    const shape = weights.info(spec.name).shape;
    if (shape.length !== spec.shape.length || shape.some((d, i) => d !== spec.shape[i])) {
      throw new GroveError('bad_input', `${where}: tensor "${spec.name}" has shape [${shape.join(', ')}] but the config needs [${spec.shape.join(', ')}]. Check that config.json belongs to these weights.`, { tensor: spec.name, shape, expected: spec.shape });
    }
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
  await verifyContentAddress(folder, WEIGHTS_FILE);
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
  const temp = join(folder, `.${CONFIG_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, json, { flush: true });
    await rename(temp, join(folder, CONFIG_FILE));
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncFolder(folder);
  return written;
}
