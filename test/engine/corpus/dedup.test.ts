// MinHash similarity and the LSH index: near copies found above the threshold, unrelated texts not, exact copies first.
import { describe, expect, it } from 'vitest';
import { DedupIndex } from '../../../src/engine/corpus/dedup';
import { MinHasher, decodeSignature, encodeSignature, similarity } from '../../../src/engine/corpus/minhash';
import { prose } from './fixtures';

const sig = (text: string): Uint32Array => {
  const m = new MinHasher(1e9);
  m.push(text);
  return m.signature();
};

/** Exact Jaccard similarity of word 5-gram sets, to check the estimate against. */
function jaccard(a: string, b: string): number {
  const grams = (t: string): Set<string> => {
    const w = t.toLowerCase().match(/[a-z0-9]+/g) ?? [];
    return new Set(w.slice(0, w.length - 4).map((_, i) => w.slice(i, i + 5).join(' ')));
  };
  const A = grams(a);
  const B = grams(b);
  let both = 0;
  for (const g of A) if (B.has(g)) both++;
  return both / (A.size + B.size - both);
}

describe('MinHash', () => {
  it('estimates Jaccard similarity within 0.12 of the exact value', () => {
    const base = prose(2000, 1);
    const words = base.split(' ');
    for (const changed of [10, 100, 400]) {
      const edited = words.map((w, i) => (i % Math.floor(words.length / changed) === 0 ? `${w}x` : w)).join(' ');
      expect(Math.abs(similarity(sig(base), sig(edited)) - jaccard(base, edited))).toBeLessThan(0.12);
    }
    expect(similarity(sig(base), sig(prose(2000, 2)))).toBeLessThan(0.2);
  });

  it('does not depend on chunking, and survives base64', () => {
    const text = prose(500, 3);
    const m = new MinHasher(1e9);
    for (const line of text.split(/(?<=\n)/)) m.push(line);
    expect(m.signature()).toEqual(sig(text));
    expect(decodeSignature(encodeSignature(sig(text)))).toEqual(sig(text));
  });
});

describe('DedupIndex', () => {
  it('reports exact duplicates, near-duplicates above the threshold, and nothing for unrelated text', () => {
    const index = new DedupIndex(0.8);
    const a = prose(800, 4);
    index.add('a.txt', 'hash-a', sig(a));
    expect(index.find('hash-a', sig(a))).toEqual({ kind: 'duplicate', of: 'a.txt' });
    const near = a.replace('river', 'rivers');
    expect(index.find('hash-near', sig(near))).toMatchObject({ kind: 'near-duplicate', of: 'a.txt' });
    expect(index.find('hash-b', sig(prose(800, 5)))).toBeUndefined();
  });

  it('keeps 2,000 short unrelated notes apart without comparing all pairs', () => {
    const index = new DedupIndex(0.8);
    const t0 = performance.now();
    let found = 0;
    for (let i = 0; i < 2000; i++) {
      const note = `note ${i}: ${prose(6, 1000 + i)}`;
      if (index.find(`h${i}`, sig(note))) found++;
      index.add(`n${i}`, `h${i}`, sig(note));
    }
    expect(found).toBeLessThan(20); // a few 6-word notes from a 45-word vocabulary do collide
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
