// Light experts in the forest's model store: a PEFT adapter folder models/<address>/ (adapter_config.json +
// adapter_model.safetensors + grove-address.json), the address covering the adapter's files, the tokenizer
// and the base's own address (model/content-address.ts), so the same factors over another base are another
// model. The base stays a full model folder of the store; the catalog keeps it while a light expert needs it.
import { mkdir, rm } from 'node:fs/promises';
import { ADAPTER_CONFIG_FILE, writeAdapterFolder } from '../../engine/model/adapter-folder';
import type { ModelConfig } from '../../engine/model/config';
import { writeAddressManifest } from '../../engine/model/content-address';
import { concatAdapters } from '../../engine/forest/merge/lora-concat';
import { mergeAdaptersIntoBase } from '../../engine/forest/merge/lora-into-base';
import { CONFIG_FILE, readConfigFile } from '../../engine/model/folder';
import { readPeftAdapterFor } from '../../engine/model/peft-import';
import { initLoraFactor, loraSpecs, type LoraConfig } from '../../engine/model/lora';
import type { WeightedAdapter } from '../../engine/model/lora-adapter';
import { commitIncoming, incomingFolder, storedModelFolder } from './model-store';

export interface StoredAdapter {
  /** The store address (the folder's name; the catalog's weights_sha256). */
  sha256: string;
  bytes: number;
  folder: string;
  lora: LoraConfig;
  /** adapter_config.json's base_model_name_or_path, as kept (a Hub id, or the base's store address). */
  baseModel: string;
}

export interface AdapterBase {
  /** The base's store address. */
  baseSha256: string;
  /** The tokenizer the base (and so the adapter) reads. */
  tokenizerSha256: string | null;
}

/** The base's config, read from the store (refused with the reason when the base is not there). */
export async function baseConfig(home: string, baseSha256: string): Promise<ModelConfig> {
  return (await readConfigFile(storedModelFolder(home, baseSha256))).config;
}

/** Writes adapter tensors (Grove names) into the store as a light expert over the base. */
export async function storeAdapter(
  home: string,
  a: AdapterBase & { config: ModelConfig; lora: LoraConfig; tensors: ReadonlyMap<string, Float32Array>; baseModel?: string },
): Promise<StoredAdapter> {
  const incoming = incomingFolder(home);
  try {
    const baseModel = a.baseModel ?? a.baseSha256;
    await mkdir(incoming, { recursive: true });
    const written = await writeAdapterFolder(incoming, { config: a.config, lora: a.lora, baseModel, tensors: a.tensors });
    const address = await writeAddressManifest(incoming, ADAPTER_CONFIG_FILE, {
      weightsSha256: written.sha256,
      tokenizerSha256: a.tokenizerSha256,
      baseSha256: a.baseSha256,
    });
    const folder = await commitIncoming(home, incoming, address);
    return { sha256: address, bytes: written.bytes, folder, lora: a.lora, baseModel };
  } catch (err) {
    await rm(incoming, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Copies a PEFT adapter folder (Grove's training output, or one from elsewhere) into the store as a light expert
 * over the stored base. It is read through readPeftAdapterFor, as a foreign adapter must be: checked against
 * the base's shapes (refused with the reason when it was trained on another model), for tensors Grove does not
 * compute and for NaN/Inf, before anything of it is written. `baseModel` replaces the folder's
 * base_model_name_or_path where given (Grove's own training names the base's address; an import keeps the
 * name it came with); `baseLabel` names the base in a refusal.
 */
export async function storeAdapterFolder(
  home: string,
  source: string,
  o: AdapterBase & { baseModel?: string; baseLabel?: string },
): Promise<StoredAdapter> {
  const { baseLabel, ...base } = o;
  const config = await baseConfig(home, o.baseSha256);
  const adapter = await readPeftAdapterFor(source, config, baseLabel ?? `the forest's base ${o.baseSha256.slice(0, 12)}…`);
  return storeAdapter(home, { ...base, config, lora: adapter.lora, tensors: adapter.tensors, baseModel: o.baseModel ?? adapter.baseModel });
}

/** A fresh adapter (A random from `seed`, B zero: the base unchanged) in the store: a light expert's init when it has no light parents. */
export async function storeFreshAdapter(home: string, o: AdapterBase & { lora: LoraConfig; seed: number }): Promise<StoredAdapter> {
  const config = await baseConfig(home, o.baseSha256);
  const tensors = new Map(loraSpecs(config, o.lora).map((s) => [s.name, initLoraFactor(s, o.seed)]));
  return storeAdapter(home, { ...o, config, tensors });
}

/** A light expert of the store and its weight in a collapse. */
export interface StoredPart {
  sha256: string;
  weight: number;
  label: string;
}

/** The parts' adapters read from the store, each checked against the base's shapes (refused with its label). */
async function readStoredParts(
  home: string,
  baseSha256: string,
  parts: readonly StoredPart[],
): Promise<{ config: ModelConfig; adapters: WeightedAdapter[] }> {
  const config = await baseConfig(home, baseSha256);
  const adapters: WeightedAdapter[] = [];
  for (const part of parts)
    adapters.push({
      adapter: await readPeftAdapterFor(storedModelFolder(home, part.sha256), config, part.label),
      weight: part.weight,
      label: part.label,
    });
  return { config, adapters };
}

/**
 * The collapse of light experts over one base kept light: one adapter over the same base whose delta is
 * sum_j w_j (alpha_j / r_j) B_j A_j exactly, the parents' factors concatenated (forest/merge/lora-concat.ts;
 * rank = the sum of the ranks of the parents with a positive weight), stored as a light expert is.
 */
export async function storeLightConcat(home: string, base: AdapterBase, parts: readonly StoredPart[]): Promise<StoredAdapter> {
  const { config, adapters } = await readStoredParts(home, base.baseSha256, parts);
  const merged = concatAdapters(config, adapters);
  return storeAdapter(home, { ...base, config, lora: merged.lora, tensors: merged.tensors });
}

/**
 * The collapse of light experts over one base into one full model, W0 + sum_j w_j (alpha_j / r_j) B_j A_j
 * exactly (forest/merge/lora-into-base.ts), written into the store; `weights` normalised there.
 */
export async function storeLightCollapse(
  home: string,
  baseSha256: string,
  parts: readonly StoredPart[],
  tokenizerSha256: string | null,
): Promise<{ sha256: string; bytes: number }> {
  const { adapters } = await readStoredParts(home, baseSha256, parts);
  const incoming = incomingFolder(home);
  try {
    const merged = await mergeAdaptersIntoBase({ baseFolder: storedModelFolder(home, baseSha256), parts: adapters, outFolder: incoming });
    const address = await writeAddressManifest(incoming, CONFIG_FILE, { weightsSha256: merged.file.sha256, tokenizerSha256 });
    await commitIncoming(home, incoming, address);
    return { sha256: address, bytes: merged.file.bytes };
  } catch (err) {
    await rm(incoming, { recursive: true, force: true });
    throw err;
  }
}
