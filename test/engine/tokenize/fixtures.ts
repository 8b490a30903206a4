// Tokenizer.json files in Hugging Face's real format, written by the tests: GPT-2/Qwen/Llama 3/SmolLM2 byte-level
// styles and Llama 2 (SentencePiece-style) BPE with byte fallback. Vocabularies are tiny; merges are spelled out.
import { BYTE_TO_CHAR, toByteLevel } from '../../../src/engine/tokenize/byte-level';

type Json = Record<string, unknown>;

/** Builds vocab + merges: each merge's parts and result are added to the vocabulary if missing. */
class VocabBuilder {
  readonly vocab: Record<string, number> = {};
  readonly merges: Array<[string, string]> = [];
  private size = 0;

  add(token: string): void {
    if (!(token in this.vocab)) this.vocab[token] = this.size++;
  }

  merge(a: string, b: string): void {
    this.add(a);
    this.add(b);
    this.add(a + b);
    if (!this.merges.some(([x, y]) => x === a && y === b)) this.merges.push([a, b]);
  }

  /** Merges that build `symbols` left to right: ((s0 s1) s2) ... */
  spell(symbols: string[]): void {
    let acc = symbols[0] ?? '';
    for (const s of symbols.slice(1)) {
      this.merge(acc, s);
      acc += s;
    }
  }

  get nextId(): number {
    return this.size;
  }
}

function added(id: number, content: string, extra: Json = {}): Json {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true, ...extra };
}

function bpeModel(b: VocabBuilder, extra: Json): Json {
  return {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: false,
    vocab: b.vocab,
    merges: b.merges,
    ...extra,
  };
}

/** Raw-text merges for byte-level vocabularies (each side mapped to byte-level characters). */
const BYTE_LEVEL_PAIRS: Array<[string, string]> = [
  [' ', 't'],
  ['h', 'e'],
  ['i', 'n'],
  ['e', 'r'],
  ['a', 'n'],
  [' ', 'a'],
  ['o', 'n'],
  [' t', 'he'],
  ['r', 'e'],
  [' ', 's'],
  ['in', 'g'],
  ['e', 'n'],
  ['o', 'r'],
  [' ', 'w'],
  ['l', 'l'],
  ['l', 'd'],
  [' w', 'or'],
  [' wor', 'ld'],
  [' ', 'h'],
  [' h', 'e'],
  [' he', 'll'],
  [' hell', 'o'],
  ['H', 'e'],
  ['He', 'll'],
  ['Hell', 'o'],
  [' ', ' '],
  ['  ', '  '],
  ['\n', '\n'],
  ['\t', '\t'],
  ["'", 's'],
  ["'", 't'],
  ['1', '2'],
  ['12', '3'],
  ['0', '0'],
  ['00', '0'],
  [' (', ')'],
  [' ', '('],
  ['r', 'e'],
  [' ', 'r'],
  [' r', 'e'],
  [' re', 'turn'],
  ['t', 'u'],
  ['tu', 'r'],
  ['tur', 'n'],
  ['a', 'b'],
  ['c', 'a'],
  ['ca', 'f'],
  [' ', 'f'],
  [' f', 'o'],
  [' ', 'T'],
  [' T', 'he'],
  ['T', 'he'],
  ['e', 'd'],
  ['o', 'u'],
  ['a', 't'],
  [' ', 'c'],
  [' c', 'an'],
  ['.', '.'],
  ['..', '.'],
];

/** Multi-byte strings whose bytes get merged into whole characters or words. */
const BYTE_LEVEL_SPELLED = [
  ' \u0085',
  '\u0085 ',
  ' \ufeff',
  '\ufeff ',
  "'S",
  "'ST",
  'é',
  'ï',
  '😀',
  '👍',
  '日本',
  '語',
  '한국',
  ' café',
  '\u200d',
  '🇫',
  'Ω',
  ' 中文',
];

function byteLevelVocab(): VocabBuilder {
  const b = new VocabBuilder();
  BYTE_TO_CHAR.forEach((c) => b.add(c));
  for (const [x, y] of BYTE_LEVEL_PAIRS) b.merge(toByteLevel(x), toByteLevel(y));
  for (const s of BYTE_LEVEL_SPELLED) b.spell([...toByteLevel(s)]);
  return b;
}

const BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };

function byteLevelJson(b: VocabBuilder, parts: Json, specials: string[], modelExtra: Json = {}, extraAdded: Json[] = []): Json {
  const base = b.nextId;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      ...specials.map((s, i) => added(base + i, s)),
      ...extraAdded.map((t, i) => ({ ...added(base + specials.length + i, ''), ...t })),
    ],
    normalizer: null,
    pre_tokenizer: BYTE_LEVEL,
    post_processor: { ...BYTE_LEVEL, trim_offsets: false },
    decoder: BYTE_LEVEL,
    model: bpeModel(b, modelExtra),
    ...parts,
  };
}

/** GPT-2: ByteLevel pre-tokenizer with GPT-2's regex, <|endoftext|>. */
export function gpt2Style(addPrefixSpace = false): Json {
  return byteLevelJson(byteLevelVocab(), { pre_tokenizer: { ...BYTE_LEVEL, add_prefix_space: addPrefixSpace } }, [
    '<|endoftext|>',
    '<|pad|>',
  ]);
}

const QWEN_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

function splitThenByteLevel(pattern: string): Json {
  return {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false },
      { ...BYTE_LEVEL, use_regex: false },
    ],
  };
}

/** Qwen2/2.5: NFC, a Split regex with (?i:...) then ByteLevel without regex; an lstrip token and a normalized token. */
export function qwenStyle(): Json {
  return byteLevelJson(
    byteLevelVocab(),
    { normalizer: { type: 'NFC' }, pre_tokenizer: splitThenByteLevel(QWEN_PATTERN) },
    ['<|endoftext|>', '<|im_start|>', '<|im_end|>'],
    {},
    [
      { content: '<mask>', lstrip: true, rstrip: true },
      { content: 'café', normalized: true, special: false },
    ],
  );
}

/** Llama 3: digits in threes, ignore_merges, <|begin_of_text|> added by a TemplateProcessing post-processor. */
export function llama3Style(): Json {
  const b = byteLevelVocab();
  b.add(toByteLevel(' supercalifragilistic')); // in the vocabulary without a merge path: only ignore_merges finds it
  const bos = b.nextId;
  return byteLevelJson(
    b,
    {
      pre_tokenizer: splitThenByteLevel(LLAMA3_PATTERN),
      post_processor: {
        type: 'Sequence',
        processors: [
          { ...BYTE_LEVEL, trim_offsets: false },
          {
            type: 'TemplateProcessing',
            single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
            pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
            special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [bos], tokens: ['<|begin_of_text|>'] } },
          },
        ],
      },
    },
    ['<|begin_of_text|>', '<|end_of_text|>'],
    { ignore_merges: true },
  );
}

/** SmolLM2: individual digits, then GPT-2's ByteLevel regex. */
export function smolStyle(): Json {
  return byteLevelJson(
    byteLevelVocab(),
    { pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, BYTE_LEVEL] } },
    ['<|endoftext|>', '<|im_start|>', '<|im_end|>'],
  );
}

/** SentencePiece-style vocabulary: <unk> <s> </s>, 256 byte tokens, ASCII characters, ▁-words spelled out. */
function sentencePieceVocab(withByteTokens: boolean): VocabBuilder {
  const b = new VocabBuilder();
  for (const t of ['<unk>', '<s>', '</s>']) b.add(t);
  if (withByteTokens) for (let i = 0; i < 256; i++) b.add(`<0x${i.toString(16).toUpperCase().padStart(2, '0')}>`);
  b.add('▁');
  for (let c = 0x21; c < 0x7f; c++) b.add(String.fromCharCode(c));
  for (const ch of 'éçñ日本語') b.add(ch);
  for (const w of [
    '▁the',
    '▁The',
    '▁Hello',
    '▁hello',
    '▁world',
    'ing',
    'er',
    '▁▁',
    '▁▁▁▁',
    '▁a',
    '▁in',
    'on',
    '▁re',
    'turn',
    '▁return',
    '12',
    '123',
    'ly',
    '▁café',
    '日本',
  ])
    b.spell([...w]);
  b.merge('▁▁', '▁▁'); // a second route to '▁▁▁▁'
  return b;
}

const TEMPLATE_BOS = (bosId: number): Json => ({
  type: 'TemplateProcessing',
  single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
  pair: [
    { SpecialToken: { id: '<s>', type_id: 0 } },
    { Sequence: { id: 'A', type_id: 0 } },
    { SpecialToken: { id: '<s>', type_id: 1 } },
    { Sequence: { id: 'B', type_id: 1 } },
  ],
  special_tokens: { '<s>': { id: '<s>', ids: [bosId], tokens: ['<s>'] } },
});

function sentencePieceJson(b: VocabBuilder, parts: Json, modelExtra: Json): Json {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')],
    normalizer: null,
    pre_tokenizer: null,
    post_processor: TEMPLATE_BOS(1),
    decoder: null,
    model: bpeModel(b, { unk_token: '<unk>', fuse_unk: true, byte_fallback: true, ...modelExtra }),
    ...parts,
  };
}

const LEGACY_DECODER = {
  type: 'Sequence',
  decoders: [
    { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
    { type: 'ByteFallback' },
    { type: 'Fuse' },
    { type: 'Strip', content: ' ', start: 1, stop: 0 },
  ],
};

/** Llama 2 / TinyLlama (legacy conversion): Prepend("▁") + Replace(" ", "▁") normalizer, no pre-tokenizer. */
export function llamaLegacyStyle(byteFallback = true): Json {
  return sentencePieceJson(
    sentencePieceVocab(byteFallback),
    {
      normalizer: {
        type: 'Sequence',
        normalizers: [
          { type: 'Prepend', prepend: '▁' },
          { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
        ],
      },
      decoder: LEGACY_DECODER,
    },
    { byte_fallback: byteFallback },
  );
}

/** Llama 2 (newer conversion): Metaspace pre-tokenizer, prepend_scheme "first", no split. */
export function llamaMetaspaceStyle(split = false, prependScheme: 'first' | 'always' = 'first'): Json {
  const metaspace = { type: 'Metaspace', replacement: '▁', prepend_scheme: prependScheme, split };
  return sentencePieceJson(
    sentencePieceVocab(true),
    { pre_tokenizer: metaspace, decoder: { type: 'Sequence', decoders: [metaspace, { type: 'ByteFallback' }, { type: 'Fuse' }] } },
    {},
  );
}
