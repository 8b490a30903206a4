// Which llama.cpp pre-tokenizer a tokenizer.json maps to (the split regex llama.cpp applies before BPE),
// and the clear refusal of tokenizers GGUF export cannot describe.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ggufTokenizerMetadata, llamaCppPreTokenizer } from '../../../src/engine/export/gguf-tokenizer';
import { parseModelConfig } from '../../../src/engine/model/config';
import { tempDir } from '../../helpers/tmp';

const QWEN2 =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const LLAMA3 =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const split = (regex: string) => ({
  type: 'Sequence',
  pretokenizers: [
    { type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false },
    { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
  ],
});

describe('llamaCppPreTokenizer', () => {
  it('maps GPT-2 (Grove-trained), SmolLM2, Qwen2 and Llama 3 pre-tokenizers', () => {
    expect(llamaCppPreTokenizer({ type: 'ByteLevel', add_prefix_space: false, use_regex: true })).toBe('gpt-2');
    expect(
      llamaCppPreTokenizer({
        type: 'Sequence',
        pretokenizers: [
          { type: 'Digits', individual_digits: true },
          { type: 'ByteLevel', add_prefix_space: false, use_regex: true },
        ],
      }),
    ).toBe('smollm');
    expect(llamaCppPreTokenizer(split(QWEN2))).toBe('qwen2');
    expect(llamaCppPreTokenizer(split(LLAMA3))).toBe('llama-bpe');
  });

  it('returns null for anything else', () => {
    expect(llamaCppPreTokenizer(null)).toBeNull();
    expect(llamaCppPreTokenizer({ type: 'Whitespace' })).toBeNull();
    expect(llamaCppPreTokenizer({ type: 'ByteLevel', use_regex: false })).toBeNull();
    expect(llamaCppPreTokenizer(split('\\w+'))).toBeNull();
  });
});

describe('ggufTokenizerMetadata', () => {
  const dir = tempDir();
  const config = parseModelConfig({
    architecture: 'LlamaForCausalLM',
    vocabSize: 8,
    hiddenSize: 8,
    intermediateSize: 16,
    numHiddenLayers: 1,
    numAttentionHeads: 2,
  });
  const write = (name: string, json: unknown) => {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'tokenizer.json'), JSON.stringify(json));
    return join(dir, name);
  };

  it('refuses a non-BPE tokenizer and an unknown pre-tokenizer, naming the alternatives', async () => {
    await expect(ggufTokenizerMetadata(write('unigram', { model: { type: 'Unigram', vocab: [] } }), config)).rejects.toMatchObject({
      code: 'unsupported',
      message: expect.stringMatching(/hf or onnx/),
    });
    await expect(
      ggufTokenizerMetadata(
        write('ws', { model: { type: 'BPE', vocab: { a: 0 }, merges: [] }, pre_tokenizer: { type: 'Whitespace' } }),
        config,
      ),
    ).rejects.toMatchObject({ code: 'unsupported' });
  });

  it('writes merges as "left right" strings from either tokenizer.json form, and pads to the model vocabulary', async () => {
    const folder = write('bpe', {
      added_tokens: [{ id: 0, content: '<s>', special: true }],
      pre_tokenizer: { type: 'ByteLevel', use_regex: true },
      model: { type: 'BPE', vocab: { '<s>': 0, a: 1, b: 2, ab: 3, Ġ: 4, Ġab: 5 }, merges: [['a', 'b'], 'Ġ ab'] },
    });
    writeFileSync(
      join(folder, 'tokenizer_config.json'),
      JSON.stringify({ bos_token: '<s>', eos_token: { content: '<s>' }, add_bos_token: true }),
    );
    const meta = await ggufTokenizerMetadata(folder, config);
    expect(meta.get('tokenizer.ggml.merges')?.value).toEqual(['a b', 'Ġ ab']);
    expect(meta.get('tokenizer.ggml.tokens')?.value).toEqual(['<s>', 'a', 'b', 'ab', 'Ġ', 'Ġab', '[PAD6]', '[PAD7]']);
    expect(meta.get('tokenizer.ggml.token_type')?.value).toEqual([3, 1, 1, 1, 1, 1, 5, 5]);
    expect(meta.get('tokenizer.ggml.bos_token_id')?.value).toBe(0);
    expect(meta.get('tokenizer.ggml.eos_token_id')?.value).toBe(0);
    expect(meta.get('tokenizer.ggml.add_bos_token')?.value).toBe(true);
  });
});
