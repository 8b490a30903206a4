// llama.cpp's tokenizer metadata for a byte-level BPE tokenizer.json ("gpt2" model in GGUF terms): every
// token string by id (byte-level encoded, as in tokenizer.json), its type, the merges as "left right"
// strings, the special-token ids, and the pre-tokenizer's name, which selects llama.cpp's split regex.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { readChatTemplate, readOptionalJson } from '../hub/tokenizer-files';
import type { ModelConfig } from '../model/config';
import type { GgufValue } from './gguf-format';

/** llama.cpp token types. */
const TOKEN_TYPE = { NORMAL: 1, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5 } as const;

interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

const QWEN2_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const LLAMA3_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

type Json = Record<string, unknown>;

/**
 * The llama.cpp pre-tokenizer ("tokenizer.ggml.pre") whose built-in regex splits text as this
 * tokenizer.json's pre_tokenizer does; null when none of the known ones matches.
 */
export function llamaCppPreTokenizer(preTokenizer: unknown): string | null {
  const p = preTokenizer as Json | null;
  if (!p) return null;
  if (p.type === 'ByteLevel' && p.use_regex !== false) return 'gpt-2';
  if (p.type !== 'Sequence' || !Array.isArray(p.pretokenizers)) return null;
  const parts = p.pretokenizers as Json[];
  if (
    parts.length === 2 &&
    parts[0]?.type === 'Digits' &&
    parts[0].individual_digits === true &&
    parts[1]?.type === 'ByteLevel' &&
    parts[1].use_regex !== false
  )
    return 'smollm';
  if (parts.length === 2 && parts[0]?.type === 'Split' && parts[1]?.type === 'ByteLevel' && parts[1].use_regex === false) {
    const regex = (parts[0].pattern as Json | undefined)?.Regex;
    if (regex === QWEN2_REGEX) return 'qwen2';
    if (regex === LLAMA3_REGEX) return 'llama-bpe';
  }
  return null;
}

export async function ggufTokenizerMetadata(tokenizerDir: string, config: ModelConfig): Promise<Map<string, GgufValue>> {
  const path = join(tokenizerDir, 'tokenizer.json');
  const json = JSON.parse(await readFile(path, 'utf8')) as Json;
  const model = json.model as Json | undefined;
  if (model?.type !== 'BPE' || typeof model.vocab !== 'object' || model.vocab === null) {
    throw new GroveError(
      'unsupported',
      `${path}: GGUF export writes byte-level BPE tokenizers; this one is ${JSON.stringify(model?.type ?? null)}. Export as hf or onnx instead.`,
      { path },
    );
  }
  const pre = llamaCppPreTokenizer(json.pre_tokenizer);
  if (!pre) {
    throw new GroveError(
      'unsupported',
      `${path}: llama.cpp has no pre-tokenizer matching this tokenizer's (${JSON.stringify(json.pre_tokenizer).slice(0, 200)}); Grove maps GPT-2, SmolLM, Qwen2 and Llama 3 ones. Export as hf or onnx instead.`,
      { path },
    );
  }
  const V = config.vocabSize;
  const tokens: (string | undefined)[] = new Array(V);
  const types: number[] = new Array(V).fill(TOKEN_TYPE.NORMAL);
  for (const [token, id] of Object.entries(model.vocab as Record<string, number>)) {
    if (id < V) tokens[id] = token;
  }
  const added = (Array.isArray(json.added_tokens) ? json.added_tokens : []) as AddedToken[];
  for (const t of added) {
    if (t.id >= V) continue;
    tokens[t.id] = t.content;
    types[t.id] = t.special ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.USER_DEFINED;
  }
  // The embedding may be wider than the tokenizer (rounded-up vocabularies): llama.cpp needs a token per row.
  for (let id = 0; id < V; id++) {
    if (tokens[id] === undefined) {
      tokens[id] = `[PAD${id}]`;
      types[id] = TOKEN_TYPE.UNUSED;
    }
  }
  const merges = ((model.merges ?? []) as Array<string | [string, string]>).map((m) => (typeof m === 'string' ? m : `${m[0]} ${m[1]}`));

  const tokenizerConfig = await readOptionalJson(tokenizerDir, 'tokenizer_config.json');
  const idOf = (role: 'bos' | 'eos' | 'pad'): number | null => {
    const value = tokenizerConfig?.[`${role}_token`];
    const name =
      typeof value === 'string' ? value : typeof (value as Json | null)?.content === 'string' ? ((value as Json).content as string) : null;
    const byName = name === null ? -1 : tokens.indexOf(name);
    if (byName >= 0) return byName;
    if (role === 'bos') return config.bosTokenId;
    if (role === 'eos') return Array.isArray(config.eosTokenId) ? (config.eosTokenId[0] ?? null) : config.eosTokenId;
    return null;
  };

  const meta = new Map<string, GgufValue>();
  meta.set('tokenizer.ggml.model', { type: 'string', value: 'gpt2' });
  meta.set('tokenizer.ggml.pre', { type: 'string', value: pre });
  meta.set('tokenizer.ggml.tokens', { type: 'string[]', value: tokens as string[] });
  meta.set('tokenizer.ggml.token_type', { type: 'int32[]', value: types });
  meta.set('tokenizer.ggml.merges', { type: 'string[]', value: merges });
  for (const role of ['bos', 'eos', 'pad'] as const) {
    const id = idOf(role);
    if (id !== null) meta.set(`tokenizer.ggml.${role === 'pad' ? 'padding' : role}_token_id`, { type: 'uint32', value: id });
  }
  meta.set('tokenizer.ggml.add_bos_token', { type: 'bool', value: tokenizerConfig?.add_bos_token === true });
  const template = await readChatTemplate(tokenizerDir, tokenizerConfig);
  if (template !== null) meta.set('tokenizer.chat_template', { type: 'string', value: template });
  return meta;
}
