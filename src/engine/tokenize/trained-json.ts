// Writes a trained byte-level BPE as standard tokenizer.json + tokenizer_config.json (GPT-2's layout, HF's field order).
import { writeFileDurable } from '../durable-write';
import { join } from 'node:path';

export interface TokenizerJsonFiles {
  /** The tokenizer.json object; JSON.stringify of it is the file. */
  readonly tokenizerJson: Record<string, unknown>;
  /** The tokenizer_config.json object naming the special-token roles. */
  readonly tokenizerConfig: Record<string, unknown>;
}

function addedToken(content: string, id: number): Record<string, unknown> {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

export function byteLevelTokenizerJson(
  idToToken: readonly string[],
  merges: ReadonlyArray<readonly [string, string]>,
  specials: readonly string[],
): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  idToToken.forEach((token, id) => {
    vocab[token] = id;
  });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((s, i) => addedToken(s, i)),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => [a, b]),
    },
  };
}

export function byteLevelTokenizerConfig(
  specials: readonly string[],
  roles: { bos?: string | undefined; eos?: string | undefined; pad?: string | undefined },
): Record<string, unknown> {
  const decoder: Record<string, unknown> = {};
  specials.forEach((s, i) => {
    const { id: _id, ...rest } = addedToken(s, i);
    decoder[String(i)] = rest;
  });
  return {
    add_bos_token: false,
    add_eos_token: false,
    added_tokens_decoder: decoder,
    bos_token: roles.bos ?? null,
    eos_token: roles.eos ?? null,
    pad_token: roles.pad ?? null,
    unk_token: null,
    clean_up_tokenization_spaces: false,
    tokenizer_class: 'PreTrainedTokenizerFast',
  };
}

/** The exact bytes of a tokenizer file: 2-space JSON and a final newline, so equal objects give equal files. */
export function serializeJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Writes tokenizer.json and tokenizer_config.json into `dir` (each to a temporary name, flushed, then renamed). */
export async function saveTokenizerFiles(dir: string, files: TokenizerJsonFiles): Promise<{ tokenizerPath: string; configPath: string }> {
  const tokenizerPath = join(dir, 'tokenizer.json');
  const configPath = join(dir, 'tokenizer_config.json');
  await writeFileDurable(tokenizerPath, serializeJson(files.tokenizerJson));
  await writeFileDurable(configPath, serializeJson(files.tokenizerConfig));
  return { tokenizerPath, configPath };
}
