// Seeded, deterministic train/valid/test split: by document when there are enough of them, else by piece, never an empty valid/test.
import { createHash } from 'node:crypto';
import type { IngestSettings } from './settings';
import type { Split } from './types';

export interface SplitDoc {
  path: string;
  tokens: number;
  pieces: number;
}

export interface SplitPlan {
  by: 'document' | 'piece';
  /** Per document, the split of each of its pieces. */
  pieces: Map<string, Split[]>;
}

/**
 * Each unit (a document, or one piece of one) gets a score in [0, 1) from a hash of the seed and its name,
 * so a unit keeps its split when other files are added or removed: valid below validFraction, test up to
 * validFraction + testFraction, train above. With three or more units, an empty valid or test split borrows
 * the lowest-scoring training unit. Splitting per piece is the fallback for folders with few documents, or
 * where one document holds most of the text, since per-document splitting would then leave valid/test empty
 * or make them most of the data.
 */
export function planSplit(
  docs: readonly SplitDoc[],
  s: Pick<IngestSettings, 'seed' | 'validFraction' | 'testFraction' | 'minDocumentsToSplitByDocument'>,
): SplitPlan {
  const total = docs.reduce((a, d) => a + d.tokens, 0);
  const largest = docs.reduce((a, d) => Math.max(a, d.tokens), 0);
  const by = docs.length >= s.minDocumentsToSplitByDocument && largest <= total / 2 ? 'document' : 'piece';
  const units: { doc: string; piece: number; score: number; split: Split }[] = [];
  for (const d of docs) {
    if (by === 'document') units.push({ doc: d.path, piece: -1, score: score(s.seed, d.path), split: 'train' });
    else for (let i = 0; i < d.pieces; i++) units.push({ doc: d.path, piece: i, score: score(s.seed, `${d.path}#${i}`), split: 'train' });
  }
  for (const u of units) u.split = u.score < s.validFraction ? 'valid' : u.score < s.validFraction + s.testFraction ? 'test' : 'train';
  if (units.length >= 3) {
    for (const [split, fraction] of [
      ['valid', s.validFraction],
      ['test', s.testFraction],
    ] as const) {
      if (fraction <= 0 || units.some((u) => u.split === split)) continue;
      const train = units.filter((u) => u.split === 'train').sort((a, b) => a.score - b.score);
      if (train.length > 1) train[0]!.split = split;
    }
  }
  const pieces = new Map<string, Split[]>();
  for (const d of docs) pieces.set(d.path, new Array<Split>(d.pieces).fill('train'));
  for (const u of units) {
    const list = pieces.get(u.doc)!;
    if (u.piece < 0) list.fill(u.split);
    else list[u.piece] = u.split;
  }
  return { by, pieces };
}

function score(seed: number, key: string): number {
  const h = createHash('sha256').update(`${seed}\0${key}`).digest();
  return h.readUInt32BE(0) / 2 ** 32;
}
