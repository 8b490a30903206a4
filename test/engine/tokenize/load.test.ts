// Loading tokenizer.json from disk: folders, tokenizer_config.json roles, lookups, and errors that name the problem.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GroveError } from '../../../src/shared/api/errors';
import { loadTokenizer, tokenizerFromJson } from '../../../src/engine/tokenize/load';
import { tempDir } from '../../helpers/tmp';
import { gpt2Style, llamaLegacyStyle, qwenStyle } from './fixtures';

const dir = tempDir('grove-tokenize-load-');

function writeModel(name: string, json: unknown, config?: unknown): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'tokenizer.json'), typeof json === 'string' ? json : JSON.stringify(json));
  if (config !== undefined) writeFileSync(join(folder, 'tokenizer_config.json'), JSON.stringify(config));
  return folder;
}

async function loadError(json: unknown): Promise<GroveError> {
  const folder = writeModel(`bad-${Math.random().toString(36).slice(2)}`, json);
  const err = await loadTokenizer(folder).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GroveError);
  return err as GroveError;
}

describe('loadTokenizer', () => {
  it('loads a folder or a file path, and takes special-token roles from tokenizer_config.json', async () => {
    const json = qwenStyle();
    const folder = writeModel('qwen', json, {
      bos_token: null,
      eos_token: '<|im_end|>',
      pad_token: { content: '<|endoftext|>', __type: 'AddedToken' },
    });
    const fromFolder = await loadTokenizer(folder);
    const fromFile = await loadTokenizer(join(folder, 'tokenizer.json'));
    const im_end = fromFolder.tokenToId('<|im_end|>')!;
    expect(fromFolder.special).toEqual({
      eos: { token: '<|im_end|>', id: im_end },
      pad: { token: '<|endoftext|>', id: fromFolder.tokenToId('<|endoftext|>') },
    });
    expect(fromFile.special).toEqual(fromFolder.special);
    expect(Array.from(fromFile.encode('Hello world'))).toEqual(Array.from(fromFolder.encode('Hello world')));
  });

  it('falls back to the conventional names without tokenizer_config.json', () => {
    const llama = tokenizerFromJson(llamaLegacyStyle());
    expect(llama.special).toEqual({ bos: { token: '<s>', id: 1 }, eos: { token: '</s>', id: 2 }, unk: { token: '<unk>', id: 0 } });
    const gpt2 = tokenizerFromJson(gpt2Style());
    const eot = gpt2.tokenToId('<|endoftext|>')!;
    expect(gpt2.special.eos).toEqual({ token: '<|endoftext|>', id: eot });
    expect(gpt2.special.pad?.token).toBe('<|pad|>');
  });

  it('maps tokens and ids both ways and counts the added tokens in vocabSize', () => {
    const gpt2 = tokenizerFromJson(gpt2Style());
    const pad = gpt2.tokenToId('<|pad|>')!;
    expect(gpt2.vocabSize).toBe(pad + 1);
    expect(gpt2.idToToken(pad)).toBe('<|pad|>');
    expect(gpt2.tokenToId('Ġworld')).toBeDefined();
    expect(gpt2.idToToken(gpt2.tokenToId('Ġworld')!)).toBe('Ġworld');
    expect(gpt2.tokenToId('not-a-token')).toBeUndefined();
    expect(() => gpt2.decode([gpt2.vocabSize + 5])).toThrow(/Token id \d+ is not in this tokenizer's vocabulary/);
  });

  it('accepts merges written as "a b" strings (files from tokenizers < 0.20)', () => {
    const json = gpt2Style();
    const model = json['model'] as { merges: Array<[string, string]> };
    const legacy = { ...json, model: { ...model, merges: model.merges.map(([a, b]) => `${a} ${b}`) } };
    const text = 'Hello world, the café';
    expect(Array.from(tokenizerFromJson(legacy).encode(text))).toEqual(Array.from(tokenizerFromJson(json).encode(text)));
  });
});

describe('errors name what is unsupported and where', () => {
  it('an unsupported model type', async () => {
    const json = { ...gpt2Style(), model: { type: 'WordPiece', vocab: { a: 0 }, unk_token: '[UNK]' } };
    const err = await loadError(json);
    expect(err.code).toBe('unsupported');
    expect(err.message).toContain('model type "WordPiece" is not supported');
    expect(err.message).toContain('tokenizer.json');
    expect(err.details).toMatchObject({ field: 'model', type: 'WordPiece' });
  });

  it('an unsupported normalizer inside a sequence', async () => {
    const json = {
      ...llamaLegacyStyle(),
      normalizer: {
        type: 'Sequence',
        normalizers: [
          { type: 'Prepend', prepend: '▁' },
          { type: 'Precompiled', precompiled_charsmap: 'AAAA' },
        ],
      },
    };
    const err = await loadError(json);
    expect(err.message).toContain('normalizer.normalizers[1]: normalizer type "Precompiled" is not supported');
  });

  it('an unsupported pre-tokenizer', async () => {
    const err = await loadError({ ...gpt2Style(), pre_tokenizer: { type: 'BertPreTokenizer' } });
    expect(err.message).toContain('pre-tokenizer type "BertPreTokenizer" is not supported');
  });

  it('a pre-tokenizer after ByteLevel', async () => {
    const pre = {
      type: 'Sequence',
      pretokenizers: [
        { type: 'ByteLevel', add_prefix_space: false, use_regex: true },
        { type: 'Digits', individual_digits: true },
      ],
    };
    const err = await loadError({ ...gpt2Style(), pre_tokenizer: pre });
    expect(err.message).toContain('pre_tokenizer.pretokenizers[1]: pre-tokenizer "Digits" comes after ByteLevel');
  });

  it('a regex JavaScript cannot run (possessive quantifier)', async () => {
    const pre = { type: 'Split', pattern: { Regex: '\\p{L}++' }, behavior: 'Isolated', invert: false };
    const err = await loadError({ ...gpt2Style(), pre_tokenizer: pre });
    expect(err.code).toBe('unsupported');
    expect(err.message).toContain('possessive quantifier');
    expect(err.message).toContain('\\\\p{L}++');
  });

  it('a merge that uses a token missing from the vocabulary', async () => {
    const json = gpt2Style();
    const model = json['model'] as Record<string, unknown>;
    const err = await loadError({ ...json, model: { ...model, merges: [['Ġ', 'zzz']] } });
    expect(err.code).toBe('bad_input');
    expect(err.message).toContain('model.merges[0] ("Ġ" "zzz") uses "zzz"');
  });

  it('a missing file, and a file that is not JSON', async () => {
    const missing = await loadTokenizer(join(dir, 'nowhere')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(GroveError);
    expect((missing as GroveError).code).toBe('not_found');
    expect((missing as GroveError).message).toContain(`No tokenizer at ${join(dir, 'nowhere')}`);
    const emptyFolder = join(dir, 'empty');
    mkdirSync(emptyFolder);
    const noFile = await loadTokenizer(emptyFolder).catch((e: unknown) => e);
    expect((noFile as GroveError).message).toContain(`Cannot read tokenizer.json at ${join(emptyFolder, 'tokenizer.json')} (ENOENT)`);
    const broken = await loadError('{"version": "1.0", "model": ');
    expect(broken.code).toBe('bad_input');
    expect(broken.message).toContain('is not valid JSON');
  });
});

describe('hostile tokenizer.json files are refused at load, by field', () => {
  const splitThenByteLevel = (regex: string): unknown => ({
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    ],
  });

  it.each(['(a+)+$', '(a|a)*', '(a|ab)*c', '(\\w+\\s?)*$'])('a Split regex that backtracks catastrophically: %s', async (regex) => {
    const err = await loadError({ ...qwenStyle(), pre_tokenizer: splitThenByteLevel(regex) });
    expect(err.code).toBe('unsupported');
    expect(err.message).toContain('pre_tokenizer.pretokenizers[0].pattern.Regex');
    expect(err.message).toContain(JSON.stringify(regex));
    expect(err.message).toContain('could not be cancelled');
  });

  it('a Replace normalizer with a catastrophic regex', async () => {
    const err = await loadError({ ...llamaLegacyStyle(), normalizer: { type: 'Replace', pattern: { Regex: '(x+x+)+y' }, content: '▁' } });
    expect(err.message).toContain('normalizer.pattern.Regex');
  });

  it.each([
    ['2^32', 2 ** 32],
    ['2^32+5', 2 ** 32 + 5],
    ['-1', -1],
    ['1.5', 1.5],
    ['2^53+2 (not a safe integer)', 2 ** 53 + 2],
  ])('token id %s in model.vocab and in added_tokens', async (_name, id) => {
    const json = gpt2Style();
    const model = json['model'] as { vocab: Record<string, number> };
    const inVocab = await loadError({ ...json, model: { ...model, vocab: { ...model.vocab, zzz: id } } });
    expect(inVocab.code).toBe('bad_input');
    expect(inVocab.message).toContain('model.vocab["zzz"]');
    const added = (json['added_tokens'] as Array<Record<string, unknown>>).map((t, i) => (i === 1 ? { ...t, id } : t));
    const inAdded = await loadError({ ...json, added_tokens: added });
    expect(inAdded.message).toContain('added_tokens[1].id');
    expect(inAdded.message).toContain(String(id));
  });

  it('a post-processor that adds an id no token has', async () => {
    const json = llamaLegacyStyle();
    const post = {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [],
      special_tokens: { '<s>': { id: '<s>', ids: [99_999], tokens: ['<s>'] } },
    };
    const err = await loadError({ ...json, post_processor: post });
    expect(err.message).toContain('post_processor adds token id 99999');
  });

  it('components nested thousands deep: a sentence, not "Maximum call stack size exceeded"', async () => {
    // Written as text: JSON.stringify itself would overflow on an object this deep.
    const pre = `${'{"type":"Sequence","pretokenizers":['.repeat(20_000)}{"type":"Digits","individual_digits":true}${']}'.repeat(20_000)}`;
    const err = await loadError(JSON.stringify({ ...gpt2Style(), pre_tokenizer: '@' }).replace('"@"', pre));
    expect(err.message).toContain('nests objects and arrays more than 32 levels deep');
    expect(err.message).not.toContain('Maximum call stack');
  });

  it('a tokenizer.json that is empty, or not a regular file', async () => {
    const empty = await loadError('');
    expect(empty.message).toMatch(/tokenizer\.json is empty \(0 bytes\)/);
    const folder = join(dir, 'tokenizer-json-folder');
    mkdirSync(join(folder, 'tokenizer.json'), { recursive: true });
    const err = await loadTokenizer(folder).catch((e: unknown) => e);
    expect((err as GroveError).message).toContain('not a regular file');
  });
});
