// The verdict: per domain, how much lower the forest's test perplexity is than the dense baseline's (its ensemble
// of exactly the forest's experts under the cached prior and context posterior, or its one expert), the
// collapsed model judged the same way; and the sentence the app and the CLI say it with.
import { describe, expect, it } from 'vitest';
import { judgeForest, perplexityGain } from '../../../src/engine/forest/verdict';
import type { EvaluationView } from '../../../src/shared/api/schemas-forest';
import { domainVerdictLine, verdictSentence } from '../../../src/shared/api/verdict-text';

function model(
  name: string,
  domain: string,
  perplexity: number,
  createdAt = '2025-01-01T00:00:00Z',
  split: EvaluationView['split'] = 'test',
): EvaluationView {
  return {
    label: name,
    spec: { kind: 'model', model: name },
    domain,
    split,
    loss: Math.log(perplexity),
    perplexity,
    bitsPerByte: null,
    tokens: 100,
    createdAt,
  };
}

function ensemble(
  models: string[],
  domain: string,
  perplexity: number,
  o: { prior?: 'cached' | 'uniform'; createdAt?: string } = {},
): EvaluationView {
  return {
    label: `ensemble of ${models.length}`,
    spec: { kind: 'ensemble', models, prior: o.prior ?? 'cached', posterior: 'context' },
    domain,
    split: 'test',
    loss: Math.log(perplexity),
    perplexity,
    bitsPerByte: null,
    tokens: 100,
    createdAt: o.createdAt ?? '2025-01-01T00:00:00Z',
  };
}

const parties = {
  baseline: 'baseline',
  experts: ['law', 'mail'],
  collapsed: null,
  expertDomains: ['statutes', 'mail'],
  trainingTokens: 4096,
};

describe('judgeForest', () => {
  it('compares the ensemble of the experts with the baseline on each domain both were scored on', () => {
    const v = judgeForest(
      [
        model('baseline', 'statutes', 50),
        model('baseline', 'mail', 20),
        model('baseline', 'poems', 80),
        ensemble(['mail', 'law'], 'statutes', 43),
        ensemble(['law', 'mail'], 'mail', 20.6),
        // An ensemble of other members, a uniform prior, a valid split and an older score are not the forest's.
        ensemble(['law'], 'poems', 10),
        ensemble(['law', 'mail'], 'poems', 1, { prior: 'uniform' }),
        model('baseline', 'statutes', 1, '2024-01-01T00:00:00Z'),
        model('baseline', 'statutes', 1, '2026-01-01T00:00:00Z', 'valid'),
      ],
      parties,
    );
    expect(v.domains).toEqual([
      { domain: 'statutes', baseline: 50, forest: 43, collapsed: null, forestGain: 0.14, collapsedGain: null, inDomain: true },
      {
        domain: 'mail',
        baseline: 20,
        forest: 20.6,
        collapsed: null,
        forestGain: expect.closeTo(-0.03, 12) as number,
        collapsedGain: null,
        inDomain: true,
      },
    ]);
    expect(v).toMatchObject({ baseline: 'baseline', experts: ['law', 'mail'], collapsed: null, trainingTokens: 4096 });
    expect(verdictSentence(v.domains)).toBe('forest 14 % better on statutes, 3 % worse on mail');
  });

  it('takes the newest score of each, judges the collapsed model too, and marks the domains no expert was trained on', () => {
    const v = judgeForest(
      [
        model('baseline', 'news', 40, '2025-01-01T00:00:00Z'),
        model('baseline', 'news', 30, '2025-02-01T00:00:00Z'),
        ensemble(['law', 'mail'], 'news', 33),
        model('merged', 'news', 24),
      ],
      { ...parties, collapsed: 'merged' },
    );
    expect(v.domains).toEqual([
      {
        domain: 'news',
        baseline: 30,
        forest: 33,
        collapsed: 24,
        forestGain: expect.closeTo(-0.1, 12) as number,
        collapsedGain: expect.closeTo(0.2, 12) as number,
        inDomain: false,
      },
    ]);
    expect(domainVerdictLine(v.domains[0]!)).toBe('forest 10 % worse on news (collapsed model 20 % better)');
  });

  it('takes a forest of one expert as that expert', () => {
    const v = judgeForest([model('baseline', 'law', 10), model('law', 'law', 8)], { ...parties, experts: ['law'], expertDomains: ['law'] });
    expect(v.domains.map((d) => [d.domain, d.forest, d.forestGain])).toEqual([['law', 8, expect.closeTo(0.2, 12)]]);
  });

  it('measures the gain as the fraction of the baseline perplexity that the forest saves', () => {
    expect(perplexityGain(100, 86)).toBeCloseTo(0.14, 12);
    expect(perplexityGain(20, 21)).toBeCloseTo(-0.05, 12);
  });

  it('refuses a verdict with no domain scored for both, saying how to get one', () => {
    expect(() => judgeForest([model('baseline', 'law', 10), ensemble(['law', 'mail'], 'mail', 8)], parties)).toThrow(
      /No domain has test scores for both the baseline "baseline" and the forest \(law, mail\): evaluate them on the same domains/,
    );
    expect(() => judgeForest([], { ...parties, experts: [] })).toThrow(/no trained experts/);
  });
});
