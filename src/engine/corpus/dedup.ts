// Duplicate finding: exact (sha256 of the normalised text) and near-duplicate (MinHash + LSH banding, confirmed by estimated Jaccard).
import { MINHASH_BINS, similarity } from './minhash';

/**
 * 16 bands of 8 bins: two documents become candidates when one band agrees entirely, which happens with
 * probability 1 - (1 - J^8)^16: about 0.99 at J = 0.8, 0.5 at J = 0.66, under 0.03 at J = 0.4.
 * Candidates are then confirmed against the stated threshold on the estimated Jaccard similarity.
 */
export const LSH_BANDS = 16;
export const LSH_ROWS = MINHASH_BINS / LSH_BANDS;

/**
 * A bucket holds at most this many documents. Templated files (form letters, generated notes) can share a band
 * by the thousand without being near-duplicates; an unbounded bucket would make every new file compare with all
 * of them (quadratic). A true near-duplicate agrees on several bands, so a full bucket rarely hides one.
 */
export const MAX_BUCKET = 32;

export type Duplicate = { kind: 'duplicate'; of: string } | { kind: 'near-duplicate'; of: string; similarity: number };

export class DedupIndex {
  private readonly exact = new Map<string, string>();
  private readonly signatures = new Map<string, Uint32Array>();
  private readonly buckets = new Map<number, string[]>();

  constructor(readonly threshold: number) {}

  /** Finds the first kept document this one duplicates, exact match first. */
  find(textHash: string, signature: Uint32Array): Duplicate | undefined {
    const same = this.exact.get(textHash);
    if (same !== undefined) return { kind: 'duplicate', of: same };
    let best: { of: string; similarity: number } | undefined;
    const seen = new Set<string>();
    for (const key of bandKeys(signature)) {
      for (const other of this.buckets.get(key) ?? []) {
        if (seen.has(other)) continue;
        seen.add(other);
        const s = similarity(signature, this.signatures.get(other)!);
        if (s >= this.threshold && (!best || s > best.similarity)) best = { of: other, similarity: s };
      }
    }
    return best && { kind: 'near-duplicate', ...best };
  }

  /** Records a kept document so later ones are compared with it. */
  add(path: string, textHash: string, signature: Uint32Array): void {
    if (!this.exact.has(textHash)) this.exact.set(textHash, path);
    this.signatures.set(path, signature);
    for (const key of bandKeys(signature)) {
      const list = this.buckets.get(key);
      if (list) {
        if (list.length < MAX_BUCKET) list.push(path);
      } else this.buckets.set(key, [path]);
    }
  }
}

/**
 * One number per band: the band index above a 32-bit hash of its 8 bins (a hash collision only costs one more
 * similarity check). A band with no shingle in it says nothing (tiny documents have many) and gets no key,
 * or every tiny note would collide.
 */
function bandKeys(sig: Uint32Array): number[] {
  const keys: number[] = [];
  for (let band = 0; band < LSH_BANDS; band++) {
    let h = 0x811c9dc5;
    let empty = true;
    for (let r = band * LSH_ROWS; r < (band + 1) * LSH_ROWS; r++) {
      const v = sig[r]!;
      if (v !== 0xffffffff) empty = false;
      h = Math.imul(h ^ v, 0x01000193) ^ (h >>> 13);
    }
    if (!empty) keys.push(band * 2 ** 32 + (h >>> 0));
  }
  return keys;
}
