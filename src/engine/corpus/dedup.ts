// Duplicate finding: exact (sha256 of the normalised text) and near-duplicate (MinHash + LSH banding, confirmed by estimated Jaccard).
import { MINHASH_BINS, similarity } from './minhash';

/**
 * 16 bands of 8 bins: two documents become candidates when one band agrees entirely, which happens with
 * probability 1 - (1 - J^8)^16: about 0.99 at J = 0.8, 0.5 at J = 0.66, under 0.03 at J = 0.4.
 * Candidates are then confirmed against the stated threshold on the estimated Jaccard similarity.
 */
export const LSH_BANDS = 16;
export const LSH_ROWS = MINHASH_BINS / LSH_BANDS;

export type Duplicate = { kind: 'duplicate'; of: string } | { kind: 'near-duplicate'; of: string; similarity: number };

export class DedupIndex {
  private readonly exact = new Map<string, string>();
  private readonly signatures = new Map<string, Uint32Array>();
  private readonly buckets = new Map<string, string[]>();

  constructor(readonly threshold: number) {}

  /** Finds the first kept document this one duplicates, exact match first. */
  find(textHash: string, signature: Uint32Array): Duplicate | undefined {
    const same = this.exact.get(textHash);
    if (same !== undefined) return { kind: 'duplicate', of: same };
    let best: { of: string; similarity: number } | undefined;
    const seen = new Set<string>();
    for (let band = 0; band < LSH_BANDS; band++) {
      const key = bandKey(signature, band);
      if (key === undefined) continue;
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
    for (let band = 0; band < LSH_BANDS; band++) {
      const key = bandKey(signature, band);
      if (key === undefined) continue;
      const list = this.buckets.get(key);
      if (list) list.push(path);
      else this.buckets.set(key, [path]);
    }
  }
}

/** A band with no shingle in it says nothing (tiny documents have many): it is not indexed, or every tiny note would collide. */
function bandKey(sig: Uint32Array, band: number): string | undefined {
  let key = `${band}`;
  let empty = true;
  for (let r = band * LSH_ROWS; r < (band + 1) * LSH_ROWS; r++) {
    if (sig[r] !== 0xffffffff) empty = false;
    key += `:${sig[r]!.toString(36)}`;
  }
  return empty ? undefined : key;
}
