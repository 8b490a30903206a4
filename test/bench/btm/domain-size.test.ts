import { describe, expect, it } from 'vitest';
import { domainShortfall, domainTooSmall, type DomainSplitSizes } from '../../../src/bench/btm/domain-size';
import type { Split } from '../../../src/engine/corpus/types';

const rules = { windowTokens: 257, fractions: { valid: 0.1, test: 0.1 }, pieceChars: 16 * 1024 };
const split = (tokens: number, pieces = 1): DomainSplitSizes => ({ tokens, textBytes: tokens * 4, pieces });
const sizes = (train: DomainSplitSizes, valid: DomainSplitSizes, test: DomainSplitSizes): Record<Split, DomainSplitSizes> => ({
  train,
  valid,
  test,
});

describe('BTM domain size', () => {
  it('accepts a domain whose every read split holds a window, and a held-out one without a train split', () => {
    expect(domainTooSmall('code', '/d/code', sizes(split(8000, 16), split(1000, 2), split(1000, 2)), 'train', rules)).toBeNull();
    expect(domainTooSmall('verse', '/d/verse', sizes(split(0, 0), split(300), split(300)), 'held-out', rules)).toBeNull();
  });

  it('asks for enough text that the short split gets its share of a window', () => {
    // Test has 100 of 257 tokens at 4 bytes a token; 10 % of the text goes to test: 257 * 4 / 0.1 = 10,280 bytes in all.
    const s = sizes(split(1600, 8), split(300), split(100));
    const { extraBytes, short } = domainShortfall(s, 'train', rules);
    expect(short).toEqual(['test']);
    expect(extraBytes).toBe(10_280 - 2000 * 4);
  });

  it('asks for more than two pieces of text when the domain is one short file, in KB and words', () => {
    const err = domainTooSmall('notes', '/d/notes', sizes(split(34), split(0, 0), split(0, 0)), 'train', rules)!;
    expect(err.code).toBe('bad_input');
    expect(err.message).toBe(
      'BTM benchmark: domain "notes" (/d/notes) is too small to split into train, valid and test: its train, valid and test splits hold fewer than 257 tokens (one window of context + 1; it has train 34, valid 0, test 0 tokens). It holds 1 KB of text; add about 32 KB more (about 5,500 words), as more files or longer ones, or move the folder out of the domains folder.',
    );
    expect((err.details as { extraBytes: number }).extraBytes).toBe(2 * 16 * 1024 + 1 - 34 * 4);
    expect(domainTooSmall('verse', '/d/verse', sizes(split(0, 0), split(50), split(400)), 'held-out', rules)!.message).toMatch(
      /its valid split holds fewer than 257 tokens.*or stop holding it out\./,
    );
  });
});
