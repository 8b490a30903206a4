// Discovery on texts in memory: three kinds of text mixed come back as three clusters, one per kind, with
// their words on top and nearest titles; the suggested k and its refusal messages; the clusterer kept for
// routing places every document, weighed and projected anew, nearest its own cluster's centre.
import { describe, expect, it } from 'vitest';
import { discoverDomains, titleOf, type DiscoverDocument } from '../../../../src/engine/corpus/discover/discover';
import { words } from '../../../../src/engine/corpus/discover/tfidf';
import { Rng } from '../../../../src/engine/model/rng';

const KINDS: Record<string, string[]> = {
  cooking: 'flour butter oven bake sugar dough whisk recipe simmer garlic onion pan salt pepper knead'.split(' '),
  astronomy: 'galaxy telescope orbit planet nebula comet star redshift eclipse asteroid lunar solar cosmic gravity'.split(' '),
  law: 'court plaintiff statute contract appeal judge verdict clause liability tort jury counsel defendant ruling'.split(' '),
};

function mixed(perKind: number, seed: number): DiscoverDocument[] {
  const rng = new Rng(seed);
  const docs: DiscoverDocument[] = [];
  for (let i = 0; i < perKind; i++) {
    for (const [kind, vocab] of Object.entries(KINDS)) {
      const body = Array.from({ length: 60 }, () => vocab[Math.floor(rng.uniform() * vocab.length)]).join(' ');
      docs.push({ path: `${kind}-${i}.txt`, text: `${kind} note ${i}\n${body}` });
    }
  }
  return docs;
}

describe('discoverDomains', () => {
  it('finds the three kinds in a mixed folder, with k suggested from its size', () => {
    const d = discoverDomains(mixed(6, 1));
    expect(d).toMatchObject({ k: 3, kRule: 'suggested', dims: 17 });
    for (const c of d.clusters) {
      const kind = c.members[0]!.split('-')[0]!;
      expect(c.members.every((p) => p.startsWith(`${kind}-`))).toBe(true);
      expect(c.size).toBe(6);
      expect(KINDS[kind]).toContain(c.topTerms[0]);
      expect(c.examples).toHaveLength(3);
      expect(c.examples[0]!.title).toMatch(new RegExp(`^${kind} note \\d$`));
    }
  });

  it("keeps a clusterer that places each document nearest its own cluster (centres in the clusters' order), and sums tokens", () => {
    const docs = mixed(6, 3).map((d, i) => ({ ...d, tokens: 100 + i }));
    const d = discoverDomains(docs);
    const { vocabulary, idf, dims, components, centres } = d.clusterer;
    expect(idf).toHaveLength(vocabulary.length);
    expect(components).toHaveLength(dims * vocabulary.length);
    expect(centres).toHaveLength(d.k);
    for (const centre of centres) expect(centre).toHaveLength(dims);
    const column = new Map(vocabulary.map((w, j) => [w, j]));
    /** The c-BTM placement, written here from the Clusterer's description: tf x idf, unit length, x V_d, unit length. */
    const place = (text: string): number[] => {
      const x = new Array<number>(vocabulary.length).fill(0);
      for (const w of words(text)) {
        const j = column.get(w);
        if (j !== undefined) x[j]! += idf[j]!;
      }
      const xNorm = Math.hypot(...x);
      const y = Array.from({ length: dims }, (_, t) => x.reduce((s, v, j) => s + (v / xNorm) * components[t * vocabulary.length + j]!, 0));
      const yNorm = Math.hypot(...y);
      return y.map((v) => v / yNorm);
    };
    for (const [c, cluster] of d.clusters.entries()) {
      expect(cluster.tokens).toBe(docs.filter((doc) => cluster.members.includes(doc.path)).reduce((s, doc) => s + doc.tokens, 0));
      for (const path of cluster.members) {
        const y = place(docs.find((doc) => doc.path === path)!.text);
        const distances = Array.from({ length: d.k }, (_, k) => y.reduce((s, v, t) => s + (v - centres[k]![t]!) ** 2, 0));
        expect(distances.indexOf(Math.min(...distances)), path).toBe(c);
      }
    }
  });

  it('is the same clustering for the same seed', () => {
    expect(discoverDomains(mixed(5, 2), { k: 3, seed: 4 })).toEqual(discoverDomains(mixed(5, 2), { k: 3, seed: 4 }));
  });

  it('refuses a k it cannot make, and a folder of one document', () => {
    expect(() => discoverDomains(mixed(1, 3), { k: 5 })).toThrow(
      /k = 5 cannot cluster 3 documents: choose a whole number of clusters from 2 to 3/,
    );
    expect(() => discoverDomains(mixed(1, 3).slice(0, 1))).toThrow(/at least 2 documents/);
  });
});

describe('titleOf', () => {
  it('is the first non-empty line, cut at 70 characters, or the path', () => {
    expect(titleOf({ path: 'a.txt', text: '\n  Hello there  \nrest' })).toBe('Hello there');
    expect(titleOf({ path: 'a.txt', text: 'x'.repeat(80) })).toBe(`${'x'.repeat(69)}…`);
    expect(titleOf({ path: 'a.txt', text: ' \n' })).toBe('a.txt');
  });
});
