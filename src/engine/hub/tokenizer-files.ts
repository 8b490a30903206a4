// What a model folder's tokenizer_config.json, special_tokens_map.json, chat_template.jinja and
// generation_config.json say: the chat template, the special tokens by role, and the generation defaults.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { isFolderFile, parseJsonText, readFolderFile } from '../tokenize/folder-files';

export interface SpecialTokenNames {
  bos: string | null;
  eos: string | null;
  pad: string | null;
  unk: string | null;
}

/** generation_config.json, in camelCase; absent keys are absent. */
export interface GenerationDefaults {
  bosTokenId?: number;
  /** Every id that ends generation (transformers accepts one id or a list). */
  eosTokenIds?: number[];
  padTokenId?: number;
  doSample?: boolean;
  temperature?: number;
  topP?: number;
  topK?: number;
  repetitionPenalty?: number;
  maxNewTokens?: number;
  maxLength?: number;
}

/**
 * Reads a JSON object file of the folder; null when it is not there. The tokenizer folder's files
 * (tokenizer_config.json, generation_config.json, ...) are checked against their shapes, by file and key.
 */
export async function readOptionalJson(folder: string, name: string): Promise<Record<string, unknown> | null> {
  if (isFolderFile(name)) return readFolderFile(folder, name);
  const path = join(folder, name);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new GroveError(
      'internal',
      `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'unknown error'}). Check the file's permissions.`,
      { path },
    );
  }
  const json = parseJsonText(text, path);
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new GroveError('bad_input', `${path}: expected a JSON object. Fix or re-download the file.`, { path });
  return json as Record<string, unknown>;
}

/** A token entry: a plain string or an AddedToken object ({"content": ...}). */
function tokenName(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string')
    return (value as { content: string }).content;
  return null;
}

/** tokenizer_config.json wins; special_tokens_map.json (older models) fills what it leaves out. */
export function specialTokenNames(
  tokenizerConfig: Record<string, unknown> | null,
  specialTokensMap: Record<string, unknown> | null,
): SpecialTokenNames {
  const pick = (role: string) => tokenName(tokenizerConfig?.[`${role}_token`]) ?? tokenName(specialTokensMap?.[`${role}_token`]);
  return { bos: pick('bos'), eos: pick('eos'), pad: pick('pad'), unk: pick('unk') };
}

/**
 * The chat template: tokenizer_config.json's `chat_template` (a string, or a list of named templates of which
 * "default" is the one for chat), else chat_template.jinja (newer transformers), else chat_template.json.
 */
export async function readChatTemplate(folder: string, tokenizerConfig: Record<string, unknown> | null): Promise<string | null> {
  const fromConfig = templateOf(tokenizerConfig?.chat_template);
  if (fromConfig !== null) return fromConfig;
  const jinja = await readFile(join(folder, 'chat_template.jinja'), 'utf8').catch(() => null);
  if (jinja !== null && jinja.trim() !== '') return jinja;
  return templateOf((await readOptionalJson(folder, 'chat_template.json'))?.chat_template);
}

function templateOf(value: unknown): string | null {
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (Array.isArray(value)) {
    const named = value as Array<{ name?: unknown; template?: unknown }>;
    const chosen = named.find((t) => t?.name === 'default') ?? named[0];
    return typeof chosen?.template === 'string' ? chosen.template : null;
  }
  return null;
}

export function generationDefaults(json: Record<string, unknown> | null): GenerationDefaults | null {
  if (json === null) return null;
  const out: GenerationDefaults = {};
  const int = (v: unknown) => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : undefined);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const set = <K extends keyof GenerationDefaults>(key: K, value: GenerationDefaults[K] | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set('bosTokenId', int(json.bos_token_id));
  const eos = Array.isArray(json.eos_token_id) ? json.eos_token_id.map(int) : [int(json.eos_token_id)];
  if (eos.length > 0 && eos.every((id) => id !== undefined)) out.eosTokenIds = eos as number[];
  set('padTokenId', int(json.pad_token_id));
  set('doSample', typeof json.do_sample === 'boolean' ? json.do_sample : undefined);
  set('temperature', num(json.temperature));
  set('topP', num(json.top_p));
  set('topK', int(json.top_k));
  set('repetitionPenalty', num(json.repetition_penalty));
  set('maxNewTokens', int(json.max_new_tokens));
  set('maxLength', int(json.max_length));
  return out;
}
