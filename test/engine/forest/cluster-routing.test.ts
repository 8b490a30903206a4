// c-BTM routing by a discovery's clusterer: a training document embeds to the point discovery gave it (each
// centre is the mean of its members' embeddings), the weights equal softmax(-d^2 / 0.1) recomputed here from the
// distances (with a merged and a dropped cluster, and top-k), and the stored clusterer reads back the same.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embedText } from '../../../src/engine/corpus/discover/clusterer';
import { discoverDomains, type DiscoverDocument } from '../../../src/engine/corpus/discover/discover';
import { clusterRoutingWeights, routedExperts } from '../../../src/engine/forest/cluster-routing';
import { clustererDir, loadClusterer, saveClusterer } from '../../../src/app/forest/clusterer-store';
import { Rng } from '../../../src/engine/model/rng';
import { tempDir } from '../../helpers/tmp';

const KINDS: Record<string, string[]> = {
  cooking: 'flour butter oven bake sugar dough whisk recipe simmer garlic onion pan salt pepper knead'.split(' '),
  astronomy: 'galaxy telescope orbit planet nebula comet star redshift eclipse asteroid lunar solar cosmic gravity'.split(' '),
  law: 'court plaintiff statute contract appeal judge verdict clause liability tort jury counsel defendant ruling'.split(' '),
  sailing: 'boat sail mast keel harbour tide anchor wind hull rudder deck crew port starboard'.split(' '),
};

function mixed(perKind: number, seed: number): DiscoverDocument[] {
  const rng = new Rng(seed);
  const docs: DiscoverDocument[] = [];
  for (let i = 0; i < perKind; i++) {
    for (const [kind, vocab] of Object.entries(KINDS)) {
      // Each document also borrows a few words of the next kind, so no distance is 0 and the softmax is not one-hot.
      const other = Object.values(KINDS)[(Object.keys(KINDS).indexOf(kind) + 1) % 4]!;
      const body = Array.from({ length: 60 }, (_, t) => (t % 10 === 0 ? other : vocab)[Math.floor(rng.uniform() * vocab.length) % 13]).join(
        ' ',
      );
      docs.push({ path: `${kind}-${i}.txt`, text: `${kind} note ${i}\n${body}` });
    }
  }
  return docs;
}

const docs = mixed(6, 3);
const discovery = discoverDomains(docs, { k: 4 });

describe('the clusterer of a discovery', () => {
  it('embeds each document where discovery placed it: every centre is the mean of its members', () => {
    const byPath = new Map(docs.map((d) => [d.path, d.text]));
    discovery.clusters.forEach((c, i) => {
      const mean = new Float64Array(discovery.dims);
      for (const path of c.members) embedText(byPath.get(path)!, discovery.clusterer).forEach((v, d) => (mean[d]! += v / c.members.length));
      const centre = discovery.clusterer.centres[i]!;
      for (let d = 0; d < discovery.dims; d++) expect(mean[d]!).toBeCloseTo(centre[d]!, 10);
    });
  });
});

describe('clusterRoutingWeights', () => {
  // Cluster 0 and 1 merged into expert "a", cluster 2 dropped, cluster 3 expert "b".
  const router = { clusterer: discovery.clusterer, experts: ['a', 'a', null, 'b'] };
  const text = `${KINDS.cooking!.slice(0, 6).join(' ')} ${KINDS.law!.slice(0, 3).join(' ')} ${KINDS.sailing!.slice(0, 2).join(' ')}`;

  /** The same weights from their definition: exp(-d_c^2 / T) per cluster, summed per expert, dropped left out, normalised. */
  function expected(T: number): number[] {
    const e = embedText(text, discovery.clusterer);
    const raw = discovery.clusterer.centres.map((c) => Math.exp(-c.reduce((s, v, d) => s + (e[d]! - v) ** 2, 0) / T));
    const w = [raw[0]! + raw[1]!, raw[3]!];
    return w.map((x) => x / (w[0]! + w[1]!));
  }

  it('equals softmax(-d^2 / T) summed per expert, a dropped cluster left out', () => {
    expect(routedExperts(router)).toEqual(['a', 'b']);
    for (const T of [0.1, 1]) {
      const got = clusterRoutingWeights(router, text, { temperature: T });
      const want = expected(T);
      got.forEach((w, j) => expect(w).toBeCloseTo(want[j]!, 12));
    }
    // At T = 1 neither expert takes everything, so the comparison is not of two one-hot vectors.
    expect(Math.min(...clusterRoutingWeights(router, text, { temperature: 1 }))).toBeGreaterThan(1e-4);
  });

  it('keeps the top k experts, renormalised', () => {
    const full = clusterRoutingWeights(router, text, { temperature: 1 });
    const top = clusterRoutingWeights(router, text, { temperature: 1, topK: 1 });
    const best = full[0]! >= full[1]! ? 0 : 1;
    expect(top[best]).toBe(1);
    expect(top[1 - best]).toBe(0);
  });

  it('stays finite where a naive softmax would underflow: every exp(-d^2 / T) is 0 at T = 1e-4', () => {
    const w = clusterRoutingWeights(router, text, { temperature: 1e-4 });
    expect(w.every(Number.isFinite)).toBe(true);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // The nearest kept cluster's expert takes it all, as the limit T -> 0 says.
    const e = embedText(text, discovery.clusterer);
    const d2 = discovery.clusterer.centres.map((c) => c.reduce((s, v, d) => s + (e[d]! - v) ** 2, 0));
    expect(Math.min(...d2.filter((_, c) => router.experts[c] !== null)) / 1e-4).toBeGreaterThan(800);
    const nearest = router.experts[d2.indexOf(Math.min(...d2.filter((_, c) => router.experts[c] !== null)))]!;
    expect(w[routedExperts(router).indexOf(nearest)]).toBeCloseTo(1, 12);
  });

  it('refuses a temperature that is not a finite number > 0, a top-k below 1, and a router with every cluster dropped', () => {
    for (const temperature of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => clusterRoutingWeights(router, text, { temperature })).toThrow(/temperature is .*; it must be a finite number > 0/);
    expect(() => clusterRoutingWeights(router, text, { topK: 0 })).toThrow(/top-k is 0/);
    expect(() => clusterRoutingWeights({ clusterer: discovery.clusterer, experts: [null, null, null, null] }, text)).toThrow(
      /every cluster was dropped/,
    );
  });

  it('sends a cooking text to the cooking cluster', () => {
    const cookingCluster = discovery.clusters.findIndex((c) => c.members[0]!.startsWith('cooking'));
    const names = discovery.clusters.map((c) => c.members[0]!.split('-')[0]!);
    const w = clusterRoutingWeights({ clusterer: discovery.clusterer, experts: names }, KINDS.cooking!.join(' '));
    expect(w[cookingCluster]).toBeGreaterThan(0.9);
  });

  it('reads back from the forest home as it was stored', async () => {
    const home = tempDir();
    expect(loadClusterer(home)).toBeNull();
    await saveClusterer(home, router);
    const back = loadClusterer(home)!;
    expect(back.experts).toEqual(router.experts);
    expect(back.clusterer.vocabulary).toEqual(discovery.clusterer.vocabulary);
    expect([...back.clusterer.components]).toEqual([...discovery.clusterer.components]);
    expect(back.clusterer.centres.map((c) => [...c])).toEqual(discovery.clusterer.centres.map((c) => [...c]));
    expect(clusterRoutingWeights(back, text)).toEqual(clusterRoutingWeights(router, text));
  });

  it('refuses a damaged clusterer by name: not JSON, wrong types, cut-short components, a missing file', async () => {
    const home = tempDir();
    await saveClusterer(home, router);
    const dir = clustererDir(home);
    const json = readFileSync(join(dir, 'clusterer.json'), 'utf8');
    const components = readFileSync(join(dir, 'components.f64'));
    const refused = (why: RegExp) => expect(() => loadClusterer(home)).toThrow(why);

    writeFileSync(join(dir, 'clusterer.json'), json.slice(0, json.length / 2));
    refused(/damaged or from another Grove \(clusterer\.json is not JSON\)/);
    writeFileSync(join(dir, 'clusterer.json'), JSON.stringify({ ...JSON.parse(json), dims: 'many' }));
    refused(/clusterer\.json does not hold what a clusterer holds/);
    writeFileSync(join(dir, 'clusterer.json'), json);
    writeFileSync(join(dir, 'components.f64'), components.subarray(0, components.length - 8));
    refused(/its files do not agree/);
    rmSync(join(dir, 'components.f64'));
    refused(/components\.f64 is missing/);
  });
});
