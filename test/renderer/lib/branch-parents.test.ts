// The models a new expert may branch from (ready ones, never the seed or the dense baseline), and when a light
// expert then averages light parents (some are light, and it does not start from the seed).
import { describe, expect, it } from 'vitest';
import { averagesLightParents, branchableModels } from '../../../src/renderer/src/lib/branch-parents';
import type { ForestSummary } from '../../../src/shared/api';

type Model = ForestSummary['models'][number];
const model = (id: number, role: Model['role'], kind: Model['kind'], status: Model['status'] = 'ready'): Model => ({
  id,
  name: `m${id}`,
  role,
  domainId: null,
  status,
  domain: null,
  parameters: 1,
  weightsBytes: 1,
  inferenceBytes: null,
  tokensTrained: 0,
  ownDomainPerplexity: null,
  createdAt: '2025-01-01',
  kind,
  light: null,
});

describe('branchableModels', () => {
  it('keeps ready experts and collapsed models, never the seed, the dense baseline or a model still training', () => {
    const summary: ForestSummary = {
      forest: { id: 1, name: 'f', createdAt: '2025-01-01' },
      domains: [],
      models: [
        model(1, 'seed', 'full'),
        model(2, 'expert', 'full'),
        model(3, 'expert', 'light', 'training'),
        model(4, 'baseline', 'full'),
        model(5, 'collapsed', 'full'),
      ],
      lineage: [],
    };
    expect(branchableModels(summary).map((m) => m.id)).toEqual([2, 5]);
    expect(branchableModels(null)).toEqual([]);
  });
});

describe('averagesLightParents', () => {
  it('is true where a light expert can be a parent and the branch does not start from the seed', () => {
    const light = [model(2, 'expert', 'full'), model(3, 'expert', 'light')];
    expect(averagesLightParents('posterior', light)).toBe(true);
    expect(averagesLightParents('nearest', light)).toBe(true);
    expect(averagesLightParents('seed', light)).toBe(false);
    expect(averagesLightParents('posterior', [model(2, 'expert', 'full')])).toBe(false);
  });
});
