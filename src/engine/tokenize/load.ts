// Loads a Tokenizer from a tokenizer.json path (or its folder) or object, with tokenizer_config.json when present.
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { JsonTokenizer } from './json-tokenizer';
import type { Tokenizer } from './tokenizer';

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new GroveError('not_found', `Cannot read ${what} at ${path} (${code ?? (err as Error).message}); the model folder must hold its ${basename(path)}.`, { path });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new GroveError('bad_input', `${what} at ${path} is not valid JSON (${(err as Error).message}); the file may be truncated, download or copy it again.`, { path });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * Loads a tokenizer from a tokenizer.json file or a model folder holding one. A tokenizer_config.json beside it
 * names the bos/eos/pad/unk tokens; without one, well-known token names are used.
 */
export async function loadTokenizer(path: string): Promise<Tokenizer> {
  const info = await stat(path).catch(() => null);
  if (info === null) {
    throw new GroveError('not_found', `No tokenizer at ${path}: nothing exists there; give a model folder or the path of its tokenizer.json.`, { path });
  }
  const file = info.isDirectory() ? join(path, 'tokenizer.json') : path;
  const json = await readJson(file, 'tokenizer.json');
  const configPath = join(dirname(file), 'tokenizer_config.json');
  const config = (await exists(configPath)) ? await readJson(configPath, 'tokenizer_config.json') : null;
  try {
    return new JsonTokenizer(json, config);
  } catch (err) {
    if (err instanceof GroveError) throw new GroveError(err.code, `${file}: ${err.message}`, { ...(err.details as object), path: file });
    throw err;
  }
}

/** Builds a tokenizer from already-parsed tokenizer.json (and optional tokenizer_config.json) objects. */
export function tokenizerFromJson(json: unknown, config: unknown = null): Tokenizer {
  return new JsonTokenizer(json, config);
}
