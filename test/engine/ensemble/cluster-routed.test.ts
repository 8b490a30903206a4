// The cluster-routed scorer: each token's log-probability is log sum_j w_j p_j with w the routing weights of the
// text before it in its window (recomputed here from the decoded prefix), so the token scored never routes itself;
// with top-1 only the nearest expert's probability counts. Experts here are fixed tables of log-probabilities (a
// WindowScorer is anything that scores windows), so the mixture can be checked by hand.
import { describe, expect, it } from 'vitest';
import { discoverDomains, type DiscoverDocument } from '../../../src/engine/corpus/discover/discover';
import { ClusterRoutedEnsemble } from '../../../src/engine/ensemble/cluster-routed';
import type { WindowScorer } from '../../../src/engine/eval/perplexity';
import { clusterRoutingWeights } from '../../../src/engine/forest/cluster-routing';
import { Rng } from '../../../src/engine/model/rng';

const WORDS = ['flour', 'butter', 'oven', 'sugar', 'dough', 'galaxy', 'orbit', 'planet', 'comet', 'nebula'];
const decode = (ids: ArrayLike<number>) => Array.from(ids, (i) => WORDS[i]!).join(' ');

const rng = new Rng(5);
const docs: DiscoverDocument[] = [];
for (let i = 0; i < 6; i++) {
  docs.push({
    path: `bake-${i}`,
    text: Array.from({ length: 30 }, (_, t) => WORDS[(t * 7 + i) % 5]! + (t % 9 === 0 ? ' orbit' : '')).join(' '),
  });
  docs.push({
    path: `sky-${i}`,
    text: Array.from({ length: 30 }, (_, t) => WORDS[5 + ((t * 3 + i) % 5)]! + (t % 9 === 0 ? ' sugar' : '')).join(' '),
  });
}
const discovery = discoverDomains(docs, { k: 2 });
const names = discovery.clusters.map((c) => c.members[0]!.split('-')[0]!);
const router = { clusterer: discovery.clusterer, experts: names };

/** An expert whose log-probability of every target is a fixed value per position. */
function table(values: Float32Array): WindowScorer {
  return { score: async () => values.slice() };
}

describe('ClusterRoutedEnsemble', () => {
  const batch = 2;
  const T = 4;
  const inputs = [0, 1, 5, 6, 7, 8, 2, 3];
  const targets = [1, 5, 6, 2, 8, 2, 3, 4];
  const lp = names.map(() => Float32Array.from({ length: batch * T }, () => Math.log(0.05 + 0.9 * rng.uniform())));
  const experts = names.map((name, j) => ({ name, scorer: table(lp[j]!) }));

  it('mixes each token by the routing weights of the text before it', async () => {
    const mixed = await new ClusterRoutedEnsemble(experts, router, decode).score(inputs, targets, batch);
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < T; t++) {
        const w = clusterRoutingWeights(router, decode(inputs.slice(b * T, b * T + t + 1)));
        const want = Math.log(w.reduce((s, wj, j) => s + wj * Math.exp(lp[j]![b * T + t]!), 0));
        expect(mixed[b * T + t]).toBeCloseTo(want, 5);
      }
    }
  });

  it('with top-1 takes the nearest expert alone', async () => {
    const mixed = await new ClusterRoutedEnsemble(experts, router, decode, { topK: 1 }).score(inputs, targets, batch);
    for (let i = 0; i < batch * T; i++) {
      const b = Math.floor(i / T);
      const w = clusterRoutingWeights(router, decode(inputs.slice(b * T, i + 1)));
      const best = w[0]! >= w[1]! ? 0 : 1;
      expect(mixed[i]).toBeCloseTo(lp[best]![i]!, 5);
    }
  });

  it('refuses experts the router does not name', () => {
    expect(() => new ClusterRoutedEnsemble([{ name: 'other', scorer: table(new Float32Array(1)) }], router, decode)).toThrow(
      /are not the experts given/,
    );
  });
});
