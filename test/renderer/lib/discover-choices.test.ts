// What the person makes of discovered clusters becomes the domains to grow: default names from the top terms,
// a dropped cluster left out, a merged one joining its target's domain, and the choices that cannot be grown
// (a name twice, an invalid name, a merge into a dropped cluster, every cluster dropped) said in one sentence.
import { describe, expect, it } from 'vitest';
import type { DiscoveryView } from '../../../src/shared/api/schemas-discover';
import { domainsOfChoices, initialChoices, mergeTargets, type ClusterChoice } from '../../../src/renderer/src/lib/discover-choices';

const cluster = (topTerms: string[]) => ({ size: 8, tokens: 4000, topTerms, examples: [] });
const discovery: DiscoveryView = {
  folder: '/mixed',
  documents: 24,
  k: 3,
  kRule: 'suggested',
  dims: 23,
  clusters: [cluster(['court', 'jury']), cluster(['court', 'galaxy']), cluster(['naïve café', 'oven'])],
  createdAt: '2026-12-04T00:00:00Z',
};
const choices = (...c: Partial<ClusterChoice>[]): ClusterChoice[] =>
  c.map((x, i) => ({ name: `n${i}`, keep: true, mergeInto: null, ...x }));

describe('discover choices', () => {
  it('names each cluster by its first unused valid top term', () => {
    expect(initialChoices(discovery).map((c) => c.name)).toEqual(['court', 'galaxy', 'oven']);
  });

  it('keeps every cluster as its own domain by default, drops one, merges one into another', () => {
    expect(domainsOfChoices(choices({}, {}, {}))).toEqual({
      domains: [
        { name: 'n0', clusters: [0] },
        { name: 'n1', clusters: [1] },
        { name: 'n2', clusters: [2] },
      ],
    });
    expect(domainsOfChoices(choices({}, { keep: false }, {}))).toEqual({
      domains: [
        { name: 'n0', clusters: [0] },
        { name: 'n2', clusters: [2] },
      ],
    });
    expect(domainsOfChoices(choices({ mergeInto: 2 }, {}, { name: 'law' }))).toEqual({
      domains: [
        { name: 'n1', clusters: [1] },
        { name: 'law', clusters: [0, 2] },
      ],
    });
  });

  it('offers as merge targets only the other kept clusters that are not merged themselves', () => {
    expect(mergeTargets(choices({}, { keep: false }, { mergeInto: 0 }, {}), 0)).toEqual([3]);
  });

  it('says why choices cannot be grown', () => {
    expect(domainsOfChoices(choices({ name: 'a' }, { name: 'a' }))).toEqual({
      problem: '“a” names two domains: merge those clusters instead, or rename one.',
    });
    expect(domainsOfChoices(choices({ name: 'a b' }))).toMatchObject({
      problem: expect.stringMatching(/^Cluster 1's name cannot name a domain: use letters/),
    });
    expect(domainsOfChoices(choices({ mergeInto: 1 }, { keep: false }))).toMatchObject({
      problem: expect.stringMatching(/^Cluster 1 merges into cluster 2, which is dropped/),
    });
    expect(domainsOfChoices(choices({ keep: false }, { keep: false }))).toEqual({
      problem: 'Every cluster is dropped: keep at least one to grow an expert on.',
    });
  });
});
