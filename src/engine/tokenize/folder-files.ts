// The JSON files a model folder keeps beside tokenizer.json (tokenizer_config.json, special_tokens_map.json,
// generation_config.json, chat_template.json): read, parsed and checked against their shapes with zod. The
// tokenizer checks them when it loads, which every import does, so a folder with an empty generation_config.json
// or a tokenizer_config.json that is an array is refused at import with the file and key named, instead of
// being accepted and then breaking every chat. Only the keys Grove reads are typed; others pass through.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import { MAX_TOKEN_ID } from './json-fields';

const TOKEN = 'a token: a string, {"content": "..."} or null';
const TOKEN_ID = `a token id (an integer from 0 to ${MAX_TOKEN_ID}) or null`;

const token = z.union([z.string(), z.looseObject({ content: z.string() }), z.null()]).optional();
const tokenId = z.number().int().min(0).max(MAX_TOKEN_ID).nullable().optional();
const roles = { bos_token: token, eos_token: token, pad_token: token, unk_token: token };
const template = z.union([z.string(), z.array(z.looseObject({ name: z.string(), template: z.string() })), z.null()]).optional();
const number = z.number().nullable().optional();
const count = z.number().int().min(0).nullable().optional();

/** Each file Grove reads, its schema, and what each key it reads should be (for the error message). */
export const FOLDER_FILES = {
  'tokenizer_config.json': {
    schema: z.looseObject({ ...roles, chat_template: template }),
    expected: {
      bos_token: TOKEN,
      eos_token: TOKEN,
      pad_token: TOKEN,
      unk_token: TOKEN,
      chat_template: 'a template string, a list of {"name", "template"} or null',
    },
  },
  'special_tokens_map.json': {
    schema: z.looseObject(roles),
    expected: { bos_token: TOKEN, eos_token: TOKEN, pad_token: TOKEN, unk_token: TOKEN },
  },
  'chat_template.json': {
    schema: z.looseObject({ chat_template: template }),
    expected: { chat_template: 'a template string, a list of {"name", "template"} or null' },
  },
  'generation_config.json': {
    schema: z.looseObject({
      bos_token_id: tokenId,
      eos_token_id: z.union([tokenId, z.array(z.number().int().min(0).max(MAX_TOKEN_ID))]),
      pad_token_id: tokenId,
      do_sample: z.boolean().nullable().optional(),
      temperature: number,
      top_p: number,
      top_k: count,
      repetition_penalty: number,
      max_new_tokens: count,
      max_length: count,
    }),
    expected: {
      bos_token_id: TOKEN_ID,
      eos_token_id: `${TOKEN_ID}, or a list of token ids`,
      pad_token_id: TOKEN_ID,
      do_sample: 'true, false or null',
      temperature: 'a number or null',
      top_p: 'a number or null',
      top_k: 'a non-negative integer or null',
      repetition_penalty: 'a number or null',
      max_new_tokens: 'a non-negative integer or null',
      max_length: 'a non-negative integer or null',
    },
  },
} as const;

export type FolderFileName = keyof typeof FOLDER_FILES;

export function isFolderFile(name: string): name is FolderFileName {
  return Object.hasOwn(FOLDER_FILES, name);
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}

/** JSON.parse with a message of Grove's own: a file's text never reaches the user through a SyntaxError. */
export function parseJsonText(text: string, path: string): unknown {
  if (text.trim() === '')
    throw new GroveError(
      'bad_input',
      `${path} is empty (${text.length === 0 ? '0 bytes' : 'only blank space'}); delete it or copy it again from the model's source.`,
      { path },
    );
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new GroveError(
      'bad_input',
      `${path} is not valid JSON (${at === undefined ? 'it breaks off before its end' : `a syntax error at character ${at}`}); the file may be truncated: fix it or copy it again.`,
      { path },
    );
  }
}

/** Checks a parsed file against its schema; the error names the file, the key, what it should be and what it is. */
export function checkFolderFile<N extends FolderFileName>(
  name: N,
  json: unknown,
  path: string,
): z.infer<(typeof FOLDER_FILES)[N]['schema']> {
  const { schema, expected } = FOLDER_FILES[name];
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new GroveError(
      'bad_input',
      `${path} should hold a JSON object ({...}) but holds ${describe(json)}; fix it or copy it again from the model's source.`,
      { path },
    );
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data as z.infer<(typeof FOLDER_FILES)[N]['schema']>;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0]);
  // The value at the issue's own path (an element of a list, not the whole list).
  const value = issue.path.reduce<unknown>(
    (v, k) => (typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    json,
  );
  const should = (expected as Record<string, string>)[key] ?? issue.message;
  throw new GroveError(
    'bad_input',
    `${path}: key "${issue.path.join('.')}" should be ${should}, but is ${describe(value)}. Fix that key (or delete the file) and try again.`,
    { path, key },
  );
}

/** Reads, parses and checks one of the folder's files; null when the folder does not have it. */
export async function readFolderFile<N extends FolderFileName>(
  folder: string,
  name: N,
): Promise<z.infer<(typeof FOLDER_FILES)[N]['schema']> | null> {
  const path = join(folder, name);
  let text: string;
  try {
    // A FIFO or device under this name would block readFile forever: only a regular file is read.
    if (!(await stat(path)).isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOTFILE' });
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new GroveError(
      'bad_input',
      `${path} cannot be read (${code === 'ENOTFILE' ? 'it is not a regular file' : (code ?? 'unknown error')}); it should be a JSON file: check it and its permissions.`,
      { path },
    );
  }
  return checkFolderFile(name, parseJsonText(text, path), path);
}

/** Checks every one of these files the folder has, so a bad one is named when the tokenizer loads (at import). */
export async function checkFolderFiles(folder: string): Promise<void> {
  for (const name of Object.keys(FOLDER_FILES) as FolderFileName[]) await readFolderFile(folder, name);
}
