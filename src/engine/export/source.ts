// What an export reads: a model folder (config.json + safetensors) and the tokenizer files that belong to
// it (the folder's own, or the forest's tokenizer folder for a model of the forest's store).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import type { ModelConfig } from '../model/config';
import { readModelFolder } from '../model/folder';
import type { TensorReader } from '../model/safetensors';

export interface ExportSource {
  config: ModelConfig;
  extras: Record<string, unknown>;
  weights: TensorReader;
  /** Folder holding tokenizer.json (and tokenizer_config.json, generation_config.json, ... when present). */
  tokenizerDir: string;
  /** A human name for the model (GGUF general.name). */
  name: string;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Opens the model folder; the tokenizer is the folder's own if it has one, else `fallbackTokenizerDir`'s. */
export async function openExportSource(folder: string, options: { fallbackTokenizerDir?: string; name: string }): Promise<ExportSource> {
  let tokenizerDir: string | null = null;
  for (const dir of [folder, options.fallbackTokenizerDir]) {
    if (dir && (await isFile(join(dir, 'tokenizer.json')))) {
      tokenizerDir = dir;
      break;
    }
  }
  if (!tokenizerDir) {
    throw new GroveError(
      'not_found',
      `${folder}: no tokenizer.json beside the model (nor a forest tokenizer); an exported model needs its tokenizer. Export a model of a forest, or a folder with tokenizer.json.`,
      { path: folder },
    );
  }
  const { config, extras, weights } = await readModelFolder(folder);
  return { config, extras, weights, tokenizerDir, name: options.name };
}
