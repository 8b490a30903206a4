// Loads a Tokenizer from a tokenizer.json path (or its folder) or object, with tokenizer_config.json when present.
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { checkFolderFiles, parseJsonText, readFolderFile } from './folder-files';
import { JsonTokenizer } from './json-tokenizer';
import type { Tokenizer } from './tokenizer';

async function readTokenizerJson(path: string): Promise<unknown> {
  let text: string;
  try {
    // A FIFO or device named tokenizer.json would block readFile forever: only a regular file is read.
    if (!(await stat(path)).isFile()) throw Object.assign(new Error('not a file'), { code: 'not a regular file' });
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new GroveError(
      'not_found',
      `Cannot read tokenizer.json at ${path} (${code ?? 'unknown error'}); the model folder must hold its tokenizer.json as a file.`,
      { path },
    );
  }
  return parseJsonText(text, path);
}

/**
 * Loads a tokenizer from a tokenizer.json file or a model folder holding one. A tokenizer_config.json beside it
 * names the bos/eos/pad/unk tokens; without one, well-known token names are used. The other JSON files beside it
 * (generation_config.json, special_tokens_map.json, chat_template.json) are checked too: this runs at every
 * import, so a folder whose chats would fail on one of them is refused here, by file and key.
 */
export async function loadTokenizer(path: string): Promise<Tokenizer> {
  const info = await stat(path).catch(() => null);
  if (info === null) {
    throw new GroveError(
      'not_found',
      `No tokenizer at ${path}: nothing exists there; give a model folder or the path of its tokenizer.json.`,
      { path },
    );
  }
  const file = info.isDirectory() ? join(path, 'tokenizer.json') : path;
  const json = await readTokenizerJson(file);
  const folder = dirname(file);
  const config = await readFolderFile(folder, 'tokenizer_config.json');
  await checkFolderFiles(folder);
  try {
    return new JsonTokenizer(json, config);
  } catch (err) {
    throw named(err, file);
  }
}

/** Builds a tokenizer from already-parsed tokenizer.json (and optional tokenizer_config.json) objects. */
export function tokenizerFromJson(json: unknown, config: unknown = null): Tokenizer {
  try {
    return new JsonTokenizer(json, config);
  } catch (err) {
    throw named(err, 'tokenizer.json');
  }
}

/** Errors say which file they are about; an engine error (a stack overflow, an allocation) becomes a sentence. */
function named(err: unknown, file: string): GroveError {
  if (err instanceof GroveError)
    return file === 'tokenizer.json'
      ? err
      : new GroveError(err.code, `${file}: ${err.message}`, { ...(err.details as object), path: file });
  const what = err instanceof RangeError ? 'it is too large or too deeply nested to build' : 'it could not be built';
  return new GroveError('bad_input', `${file}: Grove cannot load this tokenizer (${what}); use the model's published tokenizer.json.`, {
    path: file,
  });
}
