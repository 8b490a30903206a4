// A merge's inputs (model folders with their weights and tokenizers), and the check every merge method shares:
// one tokenizer across the inputs (the methods themselves: tensor-method.ts and registry.ts).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GroveError } from '../../../shared/api/errors';

export interface MergeInput {
  /** A Hugging Face model folder: config.json + safetensors. */
  folder: string;
  weight: number;
  /** How errors name this input (the expert's name); default: the folder. */
  label?: string;
  /**
   * sha256 of the model's tokenizer.json, as the catalog stores it (models.tokenizer_sha256);
   * when left out, the folder's own tokenizer.json is hashed.
   */
  tokenizerSha256?: string | null;
}

export const TOKENIZER_FILE = 'tokenizer.json';

/** sha256 of a folder's tokenizer.json, or null when it has none. */
export async function folderTokenizerSha256(folder: string): Promise<string | null> {
  const bytes = await readFile(join(folder, TOKENIZER_FILE)).catch(() => null);
  return bytes === null ? null : createHash('sha256').update(bytes).digest('hex');
}

/** Refuses inputs whose tokenizers differ or are unknown (token ids would mean different things). */
export async function sharedTokenizer(inputs: readonly MergeInput[], method: string): Promise<string> {
  let first: { label: string; sha: string } | null = null;
  for (const input of inputs) {
    const label = input.label ?? input.folder;
    const sha = input.tokenizerSha256 ?? (await folderTokenizerSha256(input.folder));
    if (sha === null) {
      throw new GroveError(
        'bad_input',
        `merge ${method}: the tokenizer of ${label} is unknown: ${input.folder} has no ${TOKENIZER_FILE} and no tokenizer hash was given. Pass the catalog's tokenizer hash for it.`,
        { model: label },
      );
    }
    if (first === null) first = { label, sha };
    else if (sha !== first.sha) {
      throw new GroveError(
        'bad_input',
        `merge ${method}: ${label} uses tokenizer ${sha.slice(0, 12)} but ${first.label} uses ${first.sha.slice(0, 12)}. Only experts of one forest (one tokenizer) can be averaged.`,
        { models: [first.label, label], tokenizers: [first.sha, sha] },
      );
    }
  }
  if (first === null) throw new GroveError('bad_input', `merge ${method}: no models given. Pass at least one model with a weight.`);
  return first.sha;
}
