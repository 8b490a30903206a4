// Grove's encoder and decoder against Hugging Face's Rust `tokenizers` on tricky strings, for every supported family.
import { describe, expect, it } from 'vitest';
import { tokenizerFromJson } from '../../../src/engine/tokenize/load';
import { gpt2Style, llama3Style, llamaLegacyStyle, llamaMetaspaceStyle, qwenStyle, smolStyle } from './fixtures';
import { reference } from './reference';
import { SPECIAL_STRINGS, TRICKY_STRINGS } from './tricky-strings';

interface Family {
  name: string;
  json: Record<string, unknown>;
  /** decode(encode(x)) === x for every x (byte-level vocabularies with no lossy normalizer). */
  lossless: boolean;
}

const FAMILIES: Family[] = [
  { name: 'GPT-2 byte-level', json: gpt2Style(), lossless: true },
  { name: 'GPT-2 byte-level, add_prefix_space', json: gpt2Style(true), lossless: false },
  { name: 'Qwen2 (NFC, Split regex, added tokens with lstrip/normalized)', json: qwenStyle(), lossless: false },
  { name: 'Llama 3 (digits in threes, ignore_merges, template)', json: llama3Style(), lossless: true },
  { name: 'SmolLM2 (individual digits)', json: smolStyle(), lossless: true },
  { name: 'Llama 2 legacy (Prepend+Replace, byte fallback)', json: llamaLegacyStyle(), lossless: false },
  { name: 'Llama 2 legacy without byte fallback (fused <unk>)', json: llamaLegacyStyle(false), lossless: false },
  { name: 'Llama 2 Metaspace (prepend first, no split)', json: llamaMetaspaceStyle(), lossless: false },
  { name: 'Metaspace (prepend always, split)', json: llamaMetaspaceStyle(true, 'always'), lossless: false },
];

const ALL_STRINGS = [...TRICKY_STRINGS, ...SPECIAL_STRINGS, ...SPECIAL_STRINGS.map((s) => s.replaceAll('<|endoftext|>', '<s>'))];
// Lone surrogates cannot survive UTF-8, so they are left out of the round-trip check.
const WELL_FORMED = ALL_STRINGS.filter((s) => !/\p{Cs}/u.test(s));

describe.each(FAMILIES)('$name', ({ json, lossless }) => {
  const grove = tokenizerFromJson(json);
  const ref = reference(json);

  it('encodes every tricky string to the same ids as Hugging Face tokenizers', async () => {
    for (const text of ALL_STRINGS) {
      expect({ text, ids: Array.from(grove.encode(text)) }).toEqual({ text, ids: await ref.ids(text) });
    }
  });

  it('adds the post-processor special tokens as Hugging Face does', async () => {
    for (const text of ['Hello world', ' x', '']) {
      expect({ text, ids: Array.from(grove.encode(text, { addSpecialTokens: true })) }).toEqual({ text, ids: await ref.ids(text, true) });
    }
  });

  it('decodes ids to the same text as Hugging Face tokenizers, with and without special tokens', async () => {
    for (const text of ALL_STRINGS) {
      const ids = await ref.ids(text, true);
      expect({ text, decoded: grove.decode(ids) }).toEqual({ text, decoded: await ref.text(ids) });
      expect({ text, decoded: grove.decode(ids, { skipSpecialTokens: true }) }).toEqual({ text, decoded: await ref.text(ids, true) });
    }
  });

  it('decodes cut-off byte sequences (every prefix of the ids) to the same replacement characters', async () => {
    const ids = await ref.ids('é 😀👍🏽 👩‍👩‍👧 日本語 <0xF0> x');
    for (let end = 0; end <= ids.length; end++) {
      const prefix = ids.slice(0, end);
      expect({ end, decoded: grove.decode(prefix) }).toEqual({ end, decoded: await ref.text(prefix) });
    }
  });

  it.runIf(lossless)('round-trips text: decode(encode(x)) === x', () => {
    for (const text of WELL_FORMED) expect(grove.decode(grove.encode(text))).toBe(text);
  });
});

describe('the fixtures exercise what they claim', () => {
  it('byte fallback and merges both fire on the Llama 2 style tokenizer', () => {
    const grove = tokenizerFromJson(llamaLegacyStyle());
    const ids = Array.from(grove.encode('Hello 😀'));
    const tokens = ids.map((id) => grove.idToToken(id));
    expect(tokens).toEqual(['▁Hello', '▁', '<0xF0>', '<0x9F>', '<0x98>', '<0x80>']);
  });

  it('ignore_merges finds a whole word that no merge path builds', () => {
    const grove = tokenizerFromJson(llama3Style());
    const ids = Array.from(grove.encode('a supercalifragilistic day'));
    expect(ids.map((id) => grove.idToToken(id))).toContain('Ġsupercalifragilistic');
  });
});
