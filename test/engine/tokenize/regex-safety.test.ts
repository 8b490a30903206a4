// Catastrophic-backtracking patterns are refused at load by name; every real tokenizer's pattern still compiles.
import { describe, expect, it } from 'vitest';
import { GroveError } from '../../../src/shared/api/errors';
import { compilePattern, GPT2_PATTERN } from '../../../src/engine/tokenize/regex';

/** Split patterns of published tokenizers (GPT-2, Qwen2, Llama 3, GPT-4o o200k, DeepSeek V3's sequence of Splits). */
const REAL_PATTERNS = [
  GPT2_PATTERN,
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  '[\\r\\n]',
  '\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕ𐐀-𐑏𞤀-𞥃]+', // DeepSeek V3's letters (an excerpt of the class)
  '\\s?[!-/:-~！-／：-～‘-‟　-。]+',
  '\\s+$',
  '[一-龥ࠀ-一가-퟿]+',
  '\\p{N}{1,3}',
  ' ?\\p{L}+| ?\\p{N}+',
  // Unambiguous repeats are fine: each round starts with a character no other round can end with.
  '(?:\\r\\n|\\n)+',
  '(ab+)*',
  '(\\w+\\s)*',
];

/** Shapes that take exponential (or high polynomial) time on some text, each refused with a reason. */
const CATASTROPHIC: Array<[string, RegExp]> = [
  ['(a+)+$', /nested quantifier/],
  ['(a|a)*', /alternatives can match the same text/],
  ['(a|ab)*c', /alternatives can match the same text/],
  ['(\\w+\\s?)*$', /nested quantifier/],
  ['(a*)*b', /can match empty text/],
  ['(?:\\r\\n|\\r|\\n)+', /alternatives can match the same text/],
  ['(\\p{N}{1,3})+', /nested quantifier/],
  ['((a|a){10}){10}', /alternatives can match the same text/],
  ['(?=(x+x+)+y)', /nested quantifier/],
  ['(?i:(a|A))+', /alternatives can match the same text/],
  ['.*.*.*x', /3 repeats in a row/],
];

function refusal(pattern: string): GroveError {
  let caught: unknown;
  try {
    compilePattern(pattern, 'pre_tokenizer.pattern.Regex');
  } catch (err) {
    caught = err;
  }
  expect(caught, pattern).toBeInstanceOf(GroveError);
  return caught as GroveError;
}

describe('compilePattern refuses catastrophic backtracking', () => {
  it.each(REAL_PATTERNS)('compiles the real pattern %s', (pattern) => {
    expect(compilePattern(pattern)).toBeInstanceOf(RegExp);
  });

  it.each(CATASTROPHIC)('refuses %s by field and pattern, with the reason', (pattern, reason) => {
    const err = refusal(pattern);
    expect(err.code).toBe('unsupported');
    expect(err.message).toMatch(reason);
    expect(err.message).toContain('tokenizer.json pre_tokenizer.pattern.Regex');
    expect(err.message).toContain(JSON.stringify(pattern));
    expect(err.details).toMatchObject({ field: 'pre_tokenizer.pattern.Regex', pattern });
  });

  it("says what is wrong with malformed and absurdly nested patterns in its own words, never the engine's", () => {
    for (const pattern of [
      '(a',
      'a)',
      '[a',
      '*a',
      'a{2',
      '\\',
      `${'(?:'.repeat(100)}a${')'.repeat(100)}`,
      `${'('.repeat(5000)}a${')'.repeat(5000)}`,
      'x'.repeat(6000),
    ]) {
      const err = refusal(pattern);
      expect(err.message, pattern).not.toMatch(/Invalid regular expression|Maximum call stack|SyntaxError/);
      expect(err.message, pattern).toContain('pre_tokenizer.pattern.Regex');
    }
  });
});
