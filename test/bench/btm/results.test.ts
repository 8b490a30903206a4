import { describe, expect, it } from 'vitest';
import { findings, makeRow, ROWS, type ForestResult, type RowId } from '../../../src/bench/btm/results';

const score = (perplexity: number) => ({ perplexity, bitsPerByte: 1, loss: Math.log(perplexity), tokens: 10 });

function forest(values: Partial<Record<RowId, [number, number, number]>>): ForestResult {
  const rows = ROWS.map(({ id }) => {
    const [a, b, held] = values[id] ?? [100, 100, 100];
    return makeRow(id, { a: score(a), b: score(b), held: score(held) }, ['a', 'b'], ['held']);
  });
  return {
    fraction: 0.5,
    seedSteps: 1,
    expertSteps: 1,
    branchLr: 1,
    rows,
    mergeMethods: [],
    experts: [],
    randomExperts: [],
    priors: { context: {}, lastToken: {} },
    randomPriors: { context: {}, lastToken: {} },
    expertMatrix: {},
    expertFinalLoss: {},
  };
}

describe('BTM findings', () => {
  it('uses arithmetic means of the genres and holds a finding only when it holds in and out of domain', () => {
    const f = forest({
      dense: [100, 120, 200],
      'ensemble-cached-context': [90, 110, 190],
      'average-posterior': [95, 105, 210],
      'average-uniform': [99, 101, 205],
      'random-cached-context': [90, 110, 195],
    });
    expect(f.rows.find((r) => r.id === 'dense')!.inDomain.perplexity).toBe(110);
    const byId = Object.fromEntries(findings(f).map((x) => [x.id, x]));
    expect(byId['ensemble-beats-dense']!.held).toBe(true);
    expect(byId['ensemble-beats-dense']!.inDomain).toEqual({ better: 100, worse: 110 });
    expect(byId['posterior-average-beats-uniform']!.held).toBe(false); // wins in domain (100 vs 100 is not a win either)
    expect(byId['experts-beat-random-splits']!.held).toBe(false); // equal in domain
  });
});
