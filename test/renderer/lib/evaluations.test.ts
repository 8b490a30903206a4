import { describe, expect, it } from 'vitest';
import { heatmapOf } from '../../../src/renderer/src/lib/evaluations';
import type { EvaluationView } from '../../../src/shared/api/schemas-forest';

const ev = (label: string, domain: string, perplexity: number, createdAt: string, extra: Partial<EvaluationView> = {}): EvaluationView => ({
  label,
  domain,
  perplexity,
  createdAt,
  spec: { kind: 'model', model: label },
  split: 'test',
  loss: Math.log(perplexity),
  bitsPerByte: null,
  tokens: 100,
  ...extra,
});

describe('heatmapOf', () => {
  it('keeps the newest test score per model and domain, models before ensembles, domains in the forest’s order', () => {
    const ensemble: EvaluationView['spec'] = { kind: 'ensemble', models: ['news', 'fiction'], prior: 'cached', posterior: 'context' };
    const map = heatmapOf(
      [
        ev('ensemble', 'news', 20, '2025-01-02', { spec: ensemble }),
        ev('news', 'news', 40, '2025-01-01'),
        ev('news', 'news', 30, '2025-01-03'),
        ev('news', 'fiction', 90, '2025-01-01'),
        ev('news', 'news', 10, '2025-01-04', { split: 'valid' }),
        ev('fiction', 'legal', 70, '2025-01-01'),
      ],
      ['fiction', 'news'],
    );
    expect(map.rows).toEqual(['news', 'fiction', 'ensemble']);
    expect(map.domains).toEqual(['fiction', 'news', 'legal']);
    expect(map.cells.find((c) => c.row === 'news' && c.domain === 'news')?.perplexity).toBe(30);
    expect(map.cells).toHaveLength(4);
  });

  it('shows a cluster-routed ensemble as its own row after the models, beside the posterior ensemble', () => {
    const models = ['recipe', 'stars'];
    const map = heatmapOf(
      [
        ev('ensemble of 2 (cluster-routed)', 'recipe', 12, '2025-01-02', { spec: { kind: 'routed', routing: 'clusters', models } }),
        ev('ensemble of 2 (cached prior)', 'recipe', 11, '2025-01-02', {
          spec: { kind: 'ensemble', models, prior: 'cached', posterior: 'context' },
        }),
        ev('recipe', 'recipe', 15, '2025-01-01'),
      ],
      ['recipe'],
    );
    expect(map.rows).toEqual(['recipe', 'ensemble of 2 (cluster-routed)', 'ensemble of 2 (cached prior)']);
    expect(map.cells.find((c) => c.row === 'ensemble of 2 (cluster-routed)')?.perplexity).toBe(12);
  });

  it('is empty without evaluations', () => {
    expect(heatmapOf([], ['news'])).toEqual({ rows: [], domains: [], cells: [] });
  });
});
