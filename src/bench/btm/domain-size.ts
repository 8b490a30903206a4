// Whether an ingested domain is big enough for the BTM benchmark, and if not, how much more text it needs,
// said in kilobytes and words (what a person adds to a folder), not in tokens. Each split the benchmark reads
// must hold at least one window of context + 1 tokens: train (experts and the dense mix train on random
// windows of it), valid (the cached prior) and test (perplexity). Held-out domains are never trained on, so
// their train split may be anything.
import { GroveError } from '../../shared/api/errors';
import type { Split } from '../../engine/corpus/types';

export interface DomainSplitSizes {
  tokens: number;
  textBytes: number;
  pieces: number;
}

export interface DomainSizeRules {
  /** Tokens each split must hold: one window, context + 1. */
  windowTokens: number;
  /** The shares ingestion gives valid and test. */
  fractions: { valid: number; test: number };
  /** Ingestion's piece size in characters: fewer than three pieces in all cannot give three splits. */
  pieceChars: number;
}

/** Bytes per English word with its space, to turn kilobytes into words a person can picture. */
const BYTES_PER_WORD = 6;

const kb = (bytes: number) => `${Math.max(1, Math.ceil(bytes / 1024)).toLocaleString('en-US')} KB`;
const words = (bytes: number) => `${(Math.ceil(bytes / BYTES_PER_WORD / 100) * 100).toLocaleString('en-US')} words`;

const listed = (items: readonly string[]) => (items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : (items[0] ?? ''));

/** How many more bytes of text the domain needs (0: big enough), with the splits that are short. */
export function domainShortfall(
  splits: Record<Split, DomainSplitSizes>,
  role: 'train' | 'held-out',
  rules: DomainSizeRules,
): { extraBytes: number; short: Split[] } {
  const bytes = splits.train.textBytes + splits.valid.textBytes + splits.test.textBytes;
  const tokens = splits.train.tokens + splits.valid.tokens + splits.test.tokens;
  // This domain's own bytes per token; 4 (typical of English under a small BPE) before it has any.
  const bytesPerToken = tokens > 0 && bytes > 0 ? bytes / tokens : 4;
  const share: Record<Split, number> = {
    train: 1 - rules.fractions.valid - rules.fractions.test,
    valid: rules.fractions.valid,
    test: rules.fractions.test,
  };
  const checked: Split[] = role === 'train' ? ['train', 'valid', 'test'] : ['valid', 'test'];
  const short = checked.filter((s) => splits[s].tokens < rules.windowTokens);
  if (short.length === 0) return { extraBytes: 0, short };
  let needed = 0;
  for (const s of short) {
    // Enough text that this split's share holds a window, and at least the window itself more than now.
    needed = Math.max(
      needed,
      (rules.windowTokens * bytesPerToken) / share[s],
      bytes + (rules.windowTokens - splits[s].tokens) * bytesPerToken,
    );
  }
  // Three pieces at least (valid and test borrow one each from train): more than two pieces' worth of text.
  if (splits.train.pieces + splits.valid.pieces + splits.test.pieces < 3) needed = Math.max(needed, 2 * rules.pieceChars + 1);
  return { extraBytes: Math.ceil(needed - bytes), short };
}

/** The error for a domain too small to split, or null when it is big enough. */
export function domainTooSmall(
  name: string,
  folder: string,
  splits: Record<Split, DomainSplitSizes>,
  role: 'train' | 'held-out',
  rules: DomainSizeRules,
): GroveError | null {
  const { extraBytes, short } = domainShortfall(splits, role, rules);
  if (short.length === 0) return null;
  const bytes = splits.train.textBytes + splits.valid.textBytes + splits.test.textBytes;
  const have = (['train', 'valid', 'test'] as const).map((s) => `${s} ${splits[s].tokens}`).join(', ');
  return new GroveError(
    'bad_input',
    `BTM benchmark: domain "${name}" (${folder}) is too small to split into train, valid and test: its ${listed(short)} split${short.length > 1 ? 's hold' : ' holds'} fewer than ${rules.windowTokens} tokens (one window of context + 1; it has ${have} tokens). It holds ${kb(bytes)} of text; add about ${kb(extraBytes)} more (about ${words(extraBytes)}), as more files or longer ones${role === 'held-out' ? ', or stop holding it out' : ', or move the folder out of the domains folder'}.`,
    {
      domain: name,
      folder,
      short,
      tokens: { train: splits.train.tokens, valid: splits.valid.tokens, test: splits.test.tokens },
      textBytes: bytes,
      extraBytes,
    },
  );
}
