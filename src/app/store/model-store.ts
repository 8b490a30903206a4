// The forest home's model store: every model is a Hugging Face-layout folder models/<address>/ (config.json +
// model.safetensors + grove-address.json), the address being the sha256 of what the model computes with:
// weights, config and tokenizer (model/content-address.ts). So a model is stored once, a folder's name says
// what it holds, and the same weights with another config are another model. Older stores' folders, named
// by their weights alone, stay valid. A folder is written under a temporary name and renamed into place
// when complete.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import type { WriteDtype } from '../../engine/model/dtype';
import { mergeMethod } from '../../engine/forest/merge/registry';
import { normaliseWeights } from '../../engine/model/average';
import type { MergeInput } from '../../engine/forest/merge/method';
import { mergeModels, type MergeModelsRequest } from '../../engine/forest/merge/merge-models';
import { assertFinite } from '../../engine/model/finite';
import { writeAddressManifest } from '../../engine/model/content-address';
import { CONFIG_FILE, readModelFolder, writeModelFolder } from '../../engine/model/folder';
import { parameterSpecs } from '../../engine/model/names';
import type { ModelConfig } from '../../engine/model/config';

export function modelsDir(home: string): string {
  return join(home, 'models');
}

export function storedModelFolder(home: string, sha256: string): string {
  return join(modelsDir(home), sha256);
}

export interface StoredWeights {
  /** The store address (the folder's name; the catalog's weights_sha256): a sha256 over weights, config and tokenizer. */
  sha256: string;
  bytes: number;
  folder: string;
  config: ModelConfig;
}

/**
 * Copies a model folder (single or sharded safetensors, F32/F16/BF16) into the store as one
 * model.safetensors in its own dtype, tensor by tensor (a multi-GB model never sits whole in memory).
 * `tokenizerSha256` is the sha256 of the tokenizer.json the model reads (null where none is known).
 */
export async function storeModelFolder(home: string, source: string, tokenizerSha256: string | null): Promise<StoredWeights> {
  const { config, extras, weights } = await readModelFolder(source);
  const incoming = incomingFolder(home);
  try {
    const specs = parameterSpecs(config);
    const dtypes = new Set(specs.map((s) => weights.info(s.name).dtype));
    const dtype = (dtypes.size === 1 ? [...dtypes][0] : 'F32') as WriteDtype;
    if (!['F32', 'F16', 'BF16'].includes(dtype))
      throw new GroveError('unsupported', `${source}: weights are ${dtype}; Grove imports F32, F16 and BF16.`);
    await mkdir(incoming, { recursive: true });
    const written = await writeModelFolder(
      incoming,
      {
        config,
        extras,
        tensors: specs.map((s) => ({
          name: s.name,
          shape: s.shape,
          data: async function* () {
            const values = await weights.readFloat32(s.name);
            assertFinite(values, s.name, weights.info(s.name).path);
            yield values;
          },
        })),
      },
      { dtype },
    );
    const address = await writeAddressManifest(incoming, CONFIG_FILE, { weightsSha256: written.sha256, tokenizerSha256 });
    const final = await commitIncoming(home, incoming, address);
    return { sha256: address, bytes: written.bytes, folder: final, config };
  } catch (err) {
    await rm(incoming, { recursive: true, force: true });
    throw err;
  } finally {
    await weights.close();
  }
}

/** Moves a complete folder into the store under its address (or drops it: already stored). */
export async function commitIncoming(home: string, incoming: string, address: string): Promise<string> {
  const final = storedModelFolder(home, address);
  if (
    await stat(final).then(
      () => true,
      () => false,
    )
  )
    await rm(incoming, { recursive: true, force: true });
  else await rename(incoming, final);
  return final;
}

export function incomingFolder(home: string): string {
  return join(modelsDir(home), `.incoming-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * The weighted parameter average of model folders (the `linear` merge method: same architecture, shapes and
 * tokenizer, or a clear refusal), written into the store: a collapse, or a branch's posterior-weighted init.
 * `weights` are the ones used, renormalised (the lineage edges).
 */
export async function storeAverage(
  home: string,
  inputs: readonly MergeInput[],
): Promise<{ sha256: string; bytes: number; folder: string; weights: number[] }> {
  const weights = normaliseWeights(inputs.map((i) => i.weight));
  const stored = await storeMerge(home, {
    method: mergeMethod('linear'),
    inputs: inputs.map((input, j) => ({ ...input, weight: weights[j]! })),
  });
  return { ...stored, weights };
}

/** Any merge method's result (forest/merge/merge-models.ts), written into the store: a collapse by TIES, DARE, SLERP... */
export async function storeMerge(
  home: string,
  request: Omit<MergeModelsRequest, 'outFolder'>,
): Promise<{ sha256: string; bytes: number; folder: string }> {
  const incoming = incomingFolder(home);
  await mkdir(incoming, { recursive: true });
  try {
    const merged = await mergeModels({ ...request, outFolder: incoming });
    const address = await writeAddressManifest(incoming, CONFIG_FILE, {
      weightsSha256: merged.file.sha256,
      tokenizerSha256: merged.tokenizerSha256,
    });
    const folder = await commitIncoming(home, incoming, address);
    return { sha256: address, bytes: merged.file.bytes, folder };
  } catch (err) {
    await rm(incoming, { recursive: true, force: true });
    throw err;
  }
}
