// The verdict in words, as the heatmap and `grove baseline` say it: whole percent of the baseline's perplexity
// the forest saves, better or worse, and even when that rounds to 0.
import { describe, expect, it } from 'vitest';
import { domainVerdictLine, gainWords, verdictSentence } from '../../../src/shared/api/verdict-text';

const domain = { domain: 'mail', baseline: 20, forest: 19, collapsed: null, forestGain: 0.05, collapsedGain: null, inDomain: true };

describe('verdict text', () => {
  it('says a gain in whole percent, better or worse, and even when it rounds to 0', () => {
    expect(gainWords(0.14)).toBe('14 % better');
    expect(gainWords(-0.034)).toBe('3 % worse');
    expect(gainWords(0.004)).toBe('even');
    expect(gainWords(-0.004)).toBe('even');
  });

  it('says each domain in a line, with the collapsed model where there is one, and every domain in one sentence', () => {
    expect(domainVerdictLine(domain)).toBe('forest 5 % better on mail');
    expect(domainVerdictLine({ ...domain, collapsed: 21, collapsedGain: -0.05 })).toBe(
      'forest 5 % better on mail (collapsed model 5 % worse)',
    );
    expect(verdictSentence([domain, { ...domain, domain: 'law', forestGain: -0.2 }])).toBe('forest 5 % better on mail, 20 % worse on law');
    expect(verdictSentence([])).toMatch(/no domain was scored for both/);
  });
});
