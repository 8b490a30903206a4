// Byte-level BPE training (GPT-2 pre-tokenization, 256-byte alphabet), following HF's BpeTrainer step for step.
import { GroveError } from '../../shared/api/errors';
import { BYTE_TO_CHAR } from './byte-level';
import { MergeQueue } from './merge-queue';
import { buildPreTokenizer } from './pre-tokenizers';
import { byteLevelTokenizerJson, byteLevelTokenizerConfig } from './trained-json';
import type { TokenizerJsonFiles } from './trained-json';

export interface BpeTrainingOptions {
  /** Final vocabulary size, counting the special tokens and the 256 byte tokens. */
  readonly vocabSize: number;
  /** Special tokens, given the first ids in this order. Default: ["<|endoftext|>", "<|pad|>"]. */
  readonly specialTokens?: readonly string[];
  /** Roles written to tokenizer_config.json. Default: bos = eos = the first special token, pad = "<|pad|>" if listed. */
  readonly roles?: { readonly bos?: string; readonly eos?: string; readonly pad?: string };
  /** Pairs seen fewer times than this are never merged (HF min_frequency). Default 0. */
  readonly minFrequency?: number;
  /** Start from all 256 bytes (default) or, as HF's default trainer does, only from the bytes seen in the text. */
  readonly initialAlphabet?: 'all-bytes' | 'observed';
}

export interface TrainedTokenizer extends TokenizerJsonFiles {
  readonly stats: { readonly documents: number; readonly uniqueWords: number; readonly merges: number; readonly seconds: number };
}

const PAIR_BASE = 2 ** 21;
const utf8 = new TextEncoder();
const preTokenizer = buildPreTokenizer({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true });

/** HF `Word::merge`: merges every (a, b) left to right in place; reports the pair-count changes around each merge. */
function mergeWord(symbols: number[], a: number, b: number, merged: number, onChange: (pair: number, delta: number) => void): void {
  for (let i = 0; i < symbols.length; i++) {
    if (symbols[i] !== a || i + 1 >= symbols.length || symbols[i + 1] !== b) continue;
    if (i > 0) {
      onChange(symbols[i - 1]! * PAIR_BASE + a, -1);
      onChange(symbols[i - 1]! * PAIR_BASE + merged, 1);
    }
    symbols.splice(i, 2, merged);
    if (i < symbols.length - 1) {
      onChange(b * PAIR_BASE + symbols[i + 1]!, -1);
      onChange(merged * PAIR_BASE + symbols[i + 1]!, 1);
    }
  }
}

/** Counts pre-tokenized words over all documents; documents are read one at a time. */
async function countWords(
  documents: Iterable<string> | AsyncIterable<string>,
): Promise<{ counts: Map<string, number>; documents: number }> {
  const counts = new Map<string, number>();
  const add = (word: string): void => {
    counts.set(word, (counts.get(word) ?? 0) + 1);
  };
  let n = 0;
  for await (const doc of documents) {
    if (typeof doc !== 'string')
      throw new GroveError('bad_input', `Training document ${n} is a ${typeof doc}, not a string; pass the text of each document.`, {
        index: n,
      });
    preTokenizer.run(doc, true, add);
    n++;
  }
  return { counts, documents: n };
}

/**
 * Trains a byte-level BPE tokenizer on `documents`. Same documents and options give a byte-identical tokenizer.json,
 * which Hugging Face `tokenizers` loads and encodes exactly as Grove does.
 */
export async function trainByteLevelBpe(
  documents: Iterable<string> | AsyncIterable<string>,
  options: BpeTrainingOptions,
): Promise<TrainedTokenizer> {
  const started = performance.now();
  const specials = [...(options.specialTokens ?? ['<|endoftext|>', '<|pad|>'])];
  const minFrequency = options.minFrequency ?? 0;
  const minVocab = specials.length + (options.initialAlphabet === 'observed' ? 1 : 256);
  if (!Number.isInteger(options.vocabSize) || options.vocabSize < minVocab || options.vocabSize >= PAIR_BASE) {
    throw new GroveError(
      'bad_input',
      `vocabSize ${options.vocabSize} is out of range: it must be an integer from ${minVocab} (special tokens + byte alphabet) to ${PAIR_BASE - 1}.`,
      {
        field: 'vocabSize',
      },
    );
  }
  if (new Set(specials).size !== specials.length)
    throw new GroveError('bad_input', `specialTokens lists a token twice: ${JSON.stringify(specials)}; list each once.`, {
      field: 'specialTokens',
    });

  const { counts: wordCounts, documents: docCount } = await countWords(documents);
  const idToToken: string[] = [];
  const tokenToId = new Map<string, number>();
  const addToken = (token: string): number => {
    const known = tokenToId.get(token);
    if (known !== undefined) return known;
    idToToken.push(token);
    tokenToId.set(token, idToToken.length - 1);
    return idToToken.length - 1;
  };
  specials.forEach(addToken);

  // Words as byte-level symbol ids. The alphabet is added in code-point order, as HF's compute_alphabet sorts it.
  const words: number[][] = [];
  const counts: number[] = [];
  const byteWords: string[] = [];
  const seen = new Set<string>(options.initialAlphabet === 'observed' ? [] : BYTE_TO_CHAR);
  for (const [word, count] of wordCounts) {
    let chars = '';
    for (const b of utf8.encode(word)) chars += BYTE_TO_CHAR[b]!;
    byteWords.push(chars);
    counts.push(count);
    for (const ch of chars) seen.add(ch);
  }
  [...seen].sort((x, y) => x.codePointAt(0)! - y.codePointAt(0)!).forEach(addToken);
  for (const chars of byteWords) words.push(Array.from(chars, (ch) => tokenToId.get(ch)!));

  // Initial pair counts and the words that hold each pair.
  const pairCounts = new Map<number, number>();
  let whereToUpdate = new Map<number, Set<number>>();
  words.forEach((symbols, w) => {
    for (let i = 0; i + 1 < symbols.length; i++) {
      const pair = symbols[i]! * PAIR_BASE + symbols[i + 1]!;
      pairCounts.set(pair, (pairCounts.get(pair) ?? 0) + counts[w]!);
      let set = whereToUpdate.get(pair);
      if (!set) whereToUpdate.set(pair, (set = new Set()));
      set.add(w);
    }
  });
  const queue = new MergeQueue();
  const flushUpdates = (): void => {
    for (const [pair, wordSet] of whereToUpdate) {
      const count = pairCounts.get(pair) ?? 0;
      if (count > 0) queue.push({ pair, count, words: wordSet });
    }
    whereToUpdate = new Map();
  };
  flushUpdates();

  const merges: Array<[number, number]> = [];
  while (tokenToId.size < options.vocabSize && queue.size > 0) {
    const top = queue.pop()!;
    const current = pairCounts.get(top.pair) ?? 0;
    if (top.count !== current) {
      top.count = current;
      queue.push(top);
      continue;
    }
    if (top.count < 1 || minFrequency > top.count) break;
    const a = Math.floor(top.pair / PAIR_BASE);
    const b = top.pair - a * PAIR_BASE;
    const merged = addToken(idToToken[a]! + idToToken[b]!);
    merges.push([a, b]);
    for (const w of top.words) {
      const weight = counts[w]!;
      mergeWord(words[w]!, a, b, merged, (pair, delta) => {
        pairCounts.set(pair, (pairCounts.get(pair) ?? 0) + delta * weight);
        if (delta > 0) {
          let set = whereToUpdate.get(pair);
          if (!set) whereToUpdate.set(pair, (set = new Set()));
          set.add(w);
        }
      });
    }
    flushUpdates();
  }

  // A pair merged twice keeps only its last rank, as HF's merge map does when the model is saved.
  const lastRank = new Map<string, number>();
  const named = merges.map(([a, b]) => [idToToken[a]!, idToToken[b]!] as [string, string]);
  named.forEach(([a, b], rank) => lastRank.set(`${a} ${b}`, rank));
  const finalMerges = named.filter(([a, b], rank) => lastRank.get(`${a} ${b}`) === rank);

  const roles = { bos: specials[0], eos: specials[0], pad: specials.includes('<|pad|>') ? '<|pad|>' : undefined, ...options.roles };
  for (const [role, token] of Object.entries(roles)) {
    if (token !== undefined && !specials.includes(token)) {
      throw new GroveError(
        'bad_input',
        `roles.${role} is "${token}", which is not one of the special tokens ${JSON.stringify(specials)}; add it to specialTokens.`,
        { field: `roles.${role}` },
      );
    }
  }
  return {
    tokenizerJson: byteLevelTokenizerJson(idToToken, finalMerges, specials),
    tokenizerConfig: byteLevelTokenizerConfig(specials, roles),
    stats: { documents: docCount, uniqueWords: words.length, merges: finalMerges.length, seconds: (performance.now() - started) / 1000 },
  };
}
