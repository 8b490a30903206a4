// Content addresses of the forest's model store (models/<address>/). A model is what it computes: its
// weights, its config (rope, sizes, eps...) and the tokenizer whose ids it reads. So the address is the
// sha256 of a small manifest, grove-address.json, that names all three (the weights file's sha256, config.json's
// sha256, the tokenizer.json's sha256); two imports of the same weights with different configs get two
// folders, each run with its own config. Opening a store folder checks the manifest against the folder's
// name and the files against the manifest, so a damaged or swapped file is never trusted.
//
// Stores written before (issue 12) named a folder by the sha256 of its weights alone and hold no manifest.
// Those names stay valid as they are: a folder without a manifest is verified against its weights' hash,
// as it always was. A folder that lost its manifest is then refused (its name is no weights' hash), and a
// manifest cannot be forged for an old folder (its hash would have to equal the old name).
import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { writeFileDurable } from '../durable-write';
import { sha256File } from '../file-hash';

const SHA256_NAME = /^[0-9a-f]{64}$/;
const STAMP = '.verified.json';
export const ADDRESS_FILE = 'grove-address.json';
const FORMAT = 'grove-model-address/1';
/** A light expert's folder: a PEFT adapter (adapter_config.json + adapter_model.safetensors) over a base in the store. */
const ADAPTER_FORMAT = 'grove-adapter-address/1';

interface Stamp {
  size: number;
  mtimeMs: number;
}

/** What a store folder's address covers. */
export interface AddressManifest {
  format: typeof FORMAT | typeof ADAPTER_FORMAT;
  /** sha256 of model.safetensors (adapter_model.safetensors for an adapter). */
  weights: string;
  /** sha256 of config.json (adapter_config.json) as the store wrote it (one layout, keys in a fixed order). */
  config: string;
  /** sha256 of the tokenizer.json the model reads ids of; null where the store was not told it. */
  tokenizer: string | null;
  /** An adapter's base: the store address of the full model its low-rank factors are added to. */
  base?: string;
}

function manifestText(m: AddressManifest): string {
  // Fixed key order: the address is the hash of exactly this text.
  const base = m.format === ADAPTER_FORMAT ? { base: m.base } : {};
  return `${JSON.stringify({ format: m.format, weights: m.weights, config: m.config, tokenizer: m.tokenizer, ...base })}\n`;
}

function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Writes the manifest of a complete folder (config.json + weights, or with `baseSha256` an adapter's
 * adapter_config.json + adapter_model.safetensors) and returns its address. An adapter's address covers its
 * base's: the same factors over another base are another model.
 */
export async function writeAddressManifest(
  folder: string,
  configFile: string,
  o: { weightsSha256: string; tokenizerSha256: string | null; baseSha256?: string },
): Promise<string> {
  const common = { weights: o.weightsSha256, config: sha256(await readFile(join(folder, configFile))), tokenizer: o.tokenizerSha256 };
  const text = manifestText(
    o.baseSha256 === undefined ? { format: FORMAT, ...common } : { format: ADAPTER_FORMAT, ...common, base: o.baseSha256 },
  );
  await writeFileDurable(join(folder, ADDRESS_FILE), text);
  return sha256(text);
}

/** The manifest of a store folder; null for a folder of an older store (named by its weights alone). */
export async function readAddressManifest(folder: string): Promise<AddressManifest | null> {
  const text = await readFile(join(folder, ADDRESS_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw new GroveError(
      'internal',
      `${join(folder, ADDRESS_FILE)}: cannot read the store's address manifest (${err.code ?? err.message}). Check the forest home's permissions.`,
      { path: folder },
    );
  });
  if (text === null) return null;
  const damaged = (): never => {
    throw new GroveError(
      'internal',
      `${join(folder, ADDRESS_FILE)} is damaged. Remove the model that uses it and restore it from an export or a backup.`,
      { path: folder },
    );
  };
  let m: AddressManifest;
  try {
    m = JSON.parse(text) as AddressManifest;
  } catch {
    return damaged();
  }
  const adapter = m !== null && typeof m === 'object' && m.format === ADAPTER_FORMAT;
  if (adapter && !SHA256_NAME.test(String(m.base))) return damaged();
  if (
    m === null ||
    typeof m !== 'object' ||
    (m.format !== FORMAT && !adapter) ||
    !SHA256_NAME.test(String(m.weights)) ||
    !SHA256_NAME.test(String(m.config)) ||
    !(m.tokenizer === null || SHA256_NAME.test(String(m.tokenizer)))
  )
    return damaged();
  if (sha256(text) !== basename(folder)) {
    throw new GroveError(
      'internal',
      `${folder} is damaged: its address manifest does not hash to the folder's name. Remove the model that uses it and restore it from an export or a backup.`,
      { path: folder },
    );
  }
  return m;
}

/** The weights file's sha256, hashed again only when its size or mtime changed since it last matched. */
async function checkWeightsHash(folder: string, weightsFile: string, expected: string, named: string): Promise<void> {
  const path = join(folder, weightsFile);
  const s = await stat(path);
  const stampPath = join(folder, STAMP);
  const stamp =
    (await readFile(stampPath, 'utf8').then(
      (t) => JSON.parse(t) as Stamp,
      () => null,
    )) ?? null;
  if (stamp && stamp.size === s.size && stamp.mtimeMs === s.mtimeMs) return;
  const actual = await sha256File(path);
  if (actual !== expected) {
    throw new GroveError(
      'internal',
      `${path} is damaged: its sha256 is ${actual.slice(0, 12)}…, but the store named it ${named}. Remove the model that uses it and restore it from an export or a backup.`,
      { path, expected, actual },
    );
  }
  // A stamp that cannot be written (a read-only store) only means hashing again next time.
  await writeFile(stampPath, JSON.stringify({ size: s.size, mtimeMs: s.mtimeMs } satisfies Stamp)).catch(() => undefined);
}

/**
 * Verifies a store folder (one named by a sha256) against its name: the manifest hashes to the name, and
 * config.json and the weights hash to what the manifest says; an older folder without a manifest, its
 * weights against the name. Folders not named by a sha256 (a user's model folder) pass as they are.
 */
export async function verifyContentAddress(folder: string, weightsFile: string, configFile: string): Promise<void> {
  const name = basename(folder);
  if (!SHA256_NAME.test(name)) return;
  const manifest = await readAddressManifest(folder);
  if (manifest === null) return checkWeightsHash(folder, weightsFile, name, `${name.slice(0, 12)}…`);
  const config = sha256(await readFile(join(folder, configFile)));
  if (config !== manifest.config) {
    throw new GroveError(
      'internal',
      `${join(folder, configFile)} is damaged or was edited: it is not the config this model was stored with. Remove the model that uses it and restore it from an export or a backup.`,
      { path: folder },
    );
  }
  await checkWeightsHash(folder, weightsFile, manifest.weights, `${manifest.weights.slice(0, 12)}… in its address manifest`);
}
