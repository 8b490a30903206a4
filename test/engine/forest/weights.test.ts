import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { ensureForest } from '../../../src/app/catalog/domains';
import { insertModel, setModelStatus } from '../../../src/app/catalog/models';
import { forestExperts, forestSeed } from '../../../src/app/forest/experts';
import { priorTarget } from '../../../src/app/forest/prior-store';
import {
  averagingWeights,
  branchParents,
  manualWeights,
  posteriorWeights,
  restrictToTopK,
  uniformWeights,
  type ExpertRef,
  type ParentWeight,
} from '../../../src/engine/forest/weights';
import { tempDir } from '../../helpers/tmp';

const experts: ExpertRef[] = [
  { id: 11, name: 'law' },
  { id: 12, name: 'med' },
  { id: 13, name: 'code' },
  { id: 14, name: 'news' },
];
const prior = { target: priorTarget.domain('finance'), modelIds: [14, 13, 12, 11], weights: [0.1, 0.2, 0.3, 0.4] };

function byName(w: ParentWeight[]): Record<string, number> {
  return Object.fromEntries(w.map((p) => [p.name, p.weight]));
}
function total(w: ParentWeight[]): number {
  return w.reduce((a, p) => a + p.weight, 0);
}

describe('averaging weights', () => {
  it('uniform: 1/k each', () => {
    expect(uniformWeights(experts).map((p) => p.weight)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('posterior: the cached prior on the target, aligned to the experts by id', () => {
    const w = posteriorWeights(experts, prior);
    expect(w.map((p) => p.modelId)).toEqual([11, 12, 13, 14]);
    expect(byName(w)).toEqual({
      law: expect.closeTo(0.4, 15),
      med: expect.closeTo(0.3, 15),
      code: expect.closeTo(0.2, 15),
      news: expect.closeTo(0.1, 15),
    });
  });

  it('posterior: drops experts removed since the estimate, refuses experts it never saw', () => {
    expect(byName(posteriorWeights(experts.slice(0, 2), prior))).toEqual({
      law: expect.closeTo(4 / 7, 15),
      med: expect.closeTo(3 / 7, 15),
    });
    expect(() => posteriorWeights([...experts, { id: 15, name: 'new' }], prior)).toThrow(/before model 15 joined/);
  });

  it('manual: sliders by name, renormalised; experts left out get nothing and are no parent', () => {
    const w = manualWeights(experts, { law: 2, code: 6 });
    expect(w).toEqual([
      { modelId: 11, name: 'law', weight: 0.25 },
      { modelId: 13, name: 'code', weight: 0.75 },
    ]);
  });

  it('manual: refuses negative, NaN, infinite, all-zero and unknown experts, naming them', () => {
    expect(() => manualWeights(experts, { law: 1, med: -0.5 })).toThrow(/weight of med is -0.5/);
    expect(() => manualWeights(experts, { code: Number.NaN })).toThrow(/weight of code is NaN/);
    expect(() => manualWeights(experts, { news: Infinity })).toThrow(/weight of news is Infinity/);
    expect(() => manualWeights(experts, { law: 0, med: 0 })).toThrow(/all weights are zero/);
    expect(() => manualWeights(experts, {})).toThrow(/all weights are zero/);
    expect(() => manualWeights(experts, { law: 1, poetry: 1 })).toThrow(/no expert "poetry".*law, med, code, news/);
  });

  it('top-k keeps the k largest and renormalises; k = all changes nothing', () => {
    const all = averagingWeights(experts, { method: 'posterior', prior });
    expect(averagingWeights(experts, { method: 'posterior', prior }, 4)).toEqual(all);
    expect(averagingWeights(experts, { method: 'posterior', prior }, 99)).toEqual(all);
    const top2 = averagingWeights(experts, { method: 'posterior', prior }, 2);
    expect(byName(top2)).toEqual({ law: expect.closeTo(4 / 7, 15), med: expect.closeTo(3 / 7, 15) });
    expect(total(top2)).toBeCloseTo(1, 15);
    // Ties go to the earlier expert, so the choice is deterministic.
    expect(restrictToTopK(uniformWeights(experts), 3).map((p) => p.name)).toEqual(['law', 'med', 'code']);
    expect(() => averagingWeights(experts, { method: 'uniform' }, 0)).toThrow(/k is 0/);
    expect(() => averagingWeights(experts, { method: 'uniform' }, 1.5)).toThrow(/k is 1.5/);
  });

  it('refuses an empty or duplicated expert list and unknown methods', () => {
    expect(() => uniformWeights([])).toThrow(/no experts to average. Branch an expert from the seed first/);
    expect(() => uniformWeights([experts[0]!, experts[0]!])).toThrow(/"law" \(id 11\) is listed twice/);
    expect(() => averagingWeights(experts, { method: 'median' } as never)).toThrow(/unknown method "median"/);
  });
});

describe('branch parents', () => {
  const seed = { id: 1, name: 'seed' };

  it('posterior (default): the posterior-weighted top-k experts', () => {
    const all = branchParents(experts, { kind: 'posterior', prior });
    expect(all).toEqual(posteriorWeights(experts, prior));
    const top3 = branchParents(experts, { kind: 'posterior', prior, topK: 3 });
    expect(top3.map((p) => p.name)).toEqual(['law', 'med', 'code']);
    expect(top3.map((p) => p.weight)).toEqual([expect.closeTo(4 / 9, 15), expect.closeTo(3 / 9, 15), expect.closeTo(2 / 9, 15)]);
  });

  it('seed: a copy of the seed; nearest: a copy of the most likely expert', () => {
    expect(branchParents(experts, { kind: 'seed', seed })).toEqual([{ modelId: 1, name: 'seed', weight: 1 }]);
    expect(branchParents(experts, { kind: 'nearest', prior })).toEqual([{ modelId: 11, name: 'law', weight: 1 }]);
    const medFirst = { ...prior, weights: [0.1, 0.2, 0.6, 0.1] };
    expect(branchParents(experts, { kind: 'nearest', prior: medFirst })).toEqual([{ modelId: 12, name: 'med', weight: 1 }]);
  });

  it('reads the seed and the ready experts of a forest from the catalog', () => {
    const catalog = Catalog.open(join(tempDir(), 'c.sqlite'));
    const forestId = ensureForest(catalog);
    expect(() => forestSeed(catalog, forestId)).toThrow(/has no seed yet/);
    const add = (name: string, role: 'seed' | 'expert' | 'collapsed') =>
      insertModel(catalog, { forestId, name, role, weightsSha256: name, weightsBytes: 1, architectureJson: '{}', tokenizerSha256: 't' });
    const seedId = add('seed', 'seed');
    const a = add('a', 'expert');
    add('merged', 'collapsed');
    const b = add('b', 'expert');
    const gone = add('gone', 'expert');
    setModelStatus(catalog, gone, 'removed');
    expect(forestSeed(catalog, forestId)).toEqual({ id: seedId, name: 'seed' });
    expect(forestExperts(catalog, forestId)).toEqual([
      { id: a, name: 'a' },
      { id: b, name: 'b' },
    ]);
    catalog.close();
  });
});
