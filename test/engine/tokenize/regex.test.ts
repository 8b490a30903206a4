// Oniguruma -> JavaScript pattern translation: the differences that change where text splits.
import { describe, expect, it } from 'vitest';
import { compilePattern, GPT2_PATTERN } from '../../../src/engine/tokenize/regex';

const split = (pattern: string, text: string): string[] => text.match(compilePattern(pattern)) ?? [];

describe('compilePattern', () => {
  it('gives \\s Unicode White_Space: U+0085 is space, U+FEFF is not', () => {
    expect(split('\\s+', 'a\u0085b\ufeffc')).toEqual(['\u0085']);
    expect(split('[^\\s]+', 'a\u0085b\ufeffc')).toEqual(['a', 'b\ufeffc']);
  });

  it('makes \\d match any decimal digit, as Oniguruma does in UTF-8', () => {
    expect(split('\\d+', 'x١٢٣y42')).toEqual(['١٢٣', '42']);
  });

  it('expands (?i:...) groups, which older V8 cannot parse', () => {
    expect(split("(?i:'s|'ll)", "IT'S we'LL")).toEqual(["'S", "'LL"]);
  });

  it("keeps escaped punctuation that the u flag would reject (\\' and \\-)", () => {
    expect(split("\\'\\-", "a'-b")).toEqual(["'-"]);
  });

  it('splits like GPT-2 on contractions, numbers, punctuation and whitespace runs', () => {
    expect(split(GPT2_PATTERN, "I'm 42  years!!\n\n x")).toEqual(['I', "'m", ' 42', ' ', ' years', '!!', '\n\n', ' x']);
  });
});
